"""The demo data set, built from the seed article.

The article is Platform Raam's "Inside Russia's hidden prison system for deserters" (21 July 2025), as quoted in the
Dutch seed text.

Plain data only; `manage.py load_demo` turns it into records. Cross-references use natural keys: sources, units,
sites and abuse types by slug, publications by the `key` given here (stored by source + title).

Everything not marked "[Demo ...]" rests on the article. The article names records in English only: the Russian and
Ukrainian aliases are this project's renderings (kind "translation" or "transliteration"), except the names that are
the originals ("Идите лесом", "шахта «Петровская»"). Quotes are the article's English renderings: the seed text
quotes the witnesses only in English (its Dutch paragraphs are the blogger's own framing, not renderings of the
quotes), and the witnesses' own words, presumably Russian, are not in it. Two quotes carry Dutch, Russian and
Ukrainian translations made for this demo and marked as machine translations (`DEMO_TRANSLATOR`), to show how a
reader meets a translation; they are not the witnesses' words. The Russian and Ukrainian names of the sources, units
and sites (their aliases of kind "original" or "translation") are also their name translations, credited to the
Testimony DB editors (`name_translations`); the Makiivka factory's Dutch name is the seed text's own wording. The
abuse types' Dutch, Russian and Ukrainian names were made for this demo and are marked as machine translations
(`ABUSE_TYPE_NAMES`). Records whose
names start with "[Demo" are made up to show how drafts, records in review and withheld records behave; they are not
from any source.
"""

import datetime

from core.curation import PublicationStatus

RAAM_TITLE = "Inside Russia's hidden prison system for deserters"

SOURCES = [
    {
        "slug": "astra",
        "name": "ASTRA",
        "aliases": [
            {"name": "Астра", "language": "ru", "kind": "transliteration"},
        ],
        "kind": "media",
        "website": "https://astra.press",
        "languages": "ru",
        "description": (
            "Independent Russian media outlet. It identified the illegal military detention sites described by "
            "Platform Raam, obtained a video of detained soldiers of the 5th Motorized Rifle Brigade and spoke to "
            "former detainees, relatives and a source inside a unit."
        ),
        "status": PublicationStatus.PUBLISHED,
    },
    {
        "slug": "get-lost",
        "name": "Get Lost",
        "aliases": [
            {"name": "Идите лесом", "language": "ru", "kind": "original"},
            {"name": "Idite lesom", "language": "ru", "kind": "transliteration"},
            {"name": "Ідіть лісом", "language": "uk", "kind": "translation"},
        ],
        "kind": "initiative",
        "languages": "ru",
        "description": (
            'Russian initiative ("Idite lesom", "Get Lost") that helps Russian soldiers avoid being sent to the war. '
            "It regularly receives testimonies about illegal detention sites."
        ),
        "status": PublicationStatus.PUBLISHED,
    },
    {
        "slug": "platform-raam",
        "name": "Platform Raam",
        "aliases": [
            {"name": "Платформа Раам", "language": "ru", "kind": "transliteration"},
        ],
        "kind": "platform",
        "country": "Netherlands",
        "languages": "nl, en",
        "description": (
            'Dutch platform on Russia. Its article "Inside Russia\'s hidden prison system for deserters" '
            "(21 July 2025) brings together ASTRA's reporting and statements of the Get Lost initiative."
        ),
        "status": PublicationStatus.PUBLISHED,
    },
]

# Publications are listed so that every publication named in `cites` comes earlier.
PUBLICATIONS = [
    {
        "key": "astra-detention-sites",
        "source": "astra",
        "title": "ASTRA reporting on illegal military detention sites (as cited by Platform Raam)",
        "kind": "other",
        "excerpt": (
            "According to ASTRA, the 5th and 110th brigades converted the site into a makeshift "
            "'concentration camp.' (as quoted by Platform Raam; ASTRA's original publication is not identified "
            "in the article)"
        ),
        "status": PublicationStatus.PUBLISHED,
    },
    {
        "key": "astra-5th-brigade-video",
        "source": "astra",
        "title": (
            "ASTRA: video of detained 5th Motorized Rifle Brigade soldiers on crutches appealing before being "
            "sent to the front (as cited by Platform Raam)"
        ),
        "kind": "video",
        "excerpt": (
            "Detained soldiers of the 5th Motorized Rifle Brigade, on crutches and with bandaged limbs, appeal for "
            "attention to their fate; one says he is deaf. They say they are to be sent to the front that day. "
            "(Paraphrase of the article's description; the video itself is not linked.)"
        ),
        "status": PublicationStatus.PUBLISHED,
    },
    {
        "key": "get-lost-basements",
        "source": "get-lost",
        "title": 'Get Lost statements on illegal detention "basements" and desertion (as cited by Platform Raam)',
        "kind": "post",
        "excerpt": (
            "these so-called \u201cbasements\u201d aren\u2019t just for deserters \u2014 they\u2019re used to punish "
            "any 'inconvenient' soldier: those who are drunk, wounded, or simply disobedient."
        ),
        "status": PublicationStatus.PUBLISHED,
    },
    {
        "key": "raam-article",
        "source": "platform-raam",
        "title": RAAM_TITLE,
        "kind": "article",
        "published_on": "2025-07-21",
        "language": "en",
        "excerpt": (
            "At least 23 such places have been identified \u2014 basements, abandoned buildings, and former coal "
            "mines where men are starved, beaten, and forced to return to the front barely alive."
        ),
        "cites": ["astra-detention-sites", "astra-5th-brigade-video", "get-lost-basements"],
        "status": PublicationStatus.PUBLISHED,
    },
]

ABUSE_TYPES = [
    {"slug": "starvation", "name": "Starvation", "description": "Kept without food (or water) for days."},
    {"slug": "beating", "name": "Beating", "description": "Beaten, including with police batons."},
    {
        "slug": "chaining-hanging",
        "name": "Chaining or hanging",
        "description": "Chained, or hung from the ceiling by chains tied to hands and feet.",
    },
    {"slug": "cold-water", "name": "Cold water", "description": "Soaked with cold water."},
    {
        "slug": "electrocution",
        "name": "Electrocution",
        "description": "Electric shocks, for example from a field telephone's crank generator.",
    },
    {"slug": "sexual-violence", "name": "Sexual violence", "description": "Rape or other sexual violence."},
    {
        "slug": "humiliation",
        "name": "Humiliation",
        "description": "Degrading treatment, such as plastic bags as toilets or a weight tied to the leg.",
    },
    {
        "slug": "denial-of-medical-care",
        "name": "Denial of medical care",
        "description": "Wounded or sick soldiers denied treatment, surgery, medical evaluation or evacuation.",
    },
    {
        "slug": "forced-return-to-front",
        "name": "Forced return to the front / assault",
        "description": "Sent back to the front or into an assault, often while wounded, as punishment.",
    },
    {"slug": "killing", "name": "Killing", "description": "Detainees killed by stabbing, shooting or otherwise."},
    {
        "slug": "extortion",
        "name": "Extortion (paying for medical evacuation)",
        "description": "Made to pay, for example for a medical evacuation or for release.",
    },
    {
        "slug": "forced-contract-signing",
        "name": "Forced contract signing",
        "description": "Pressured or forced to sign a military contract.",
    },
    {
        "slug": "incommunicado-detention",
        "name": "Incommunicado detention",
        "description": "Held without identification or any means of contacting family or lawyers.",
    },
]

EDITORS = "the Testimony DB editors"
SEED_TEXT_TRANSLATOR = "the Testimony DB editors, after the Dutch seed text"
DEMO_MACHINE_TRANSLATOR = "Testimony DB demo data"

# The abuse types' names in Dutch, Russian and Ukrainian (machine translations made for this demo).
ABUSE_TYPE_NAMES = {
    "starvation": ("Uithongering", "Голод", "Голод"),
    "beating": ("Mishandeling", "Избиения", "Побиття"),
    "chaining-hanging": ("Vastketenen of ophangen", "Приковывание или подвешивание", "Прикування або підвішування"),
    "cold-water": ("Koud water", "Обливание холодной водой", "Обливання холодною водою"),
    "electrocution": ("Elektrische schokken", "Пытки током", "Катування струмом"),
    "sexual-violence": ("Seksueel geweld", "Сексуальное насилие", "Сексуальне насильство"),
    "humiliation": ("Vernedering", "Унижение", "Приниження"),
    "denial-of-medical-care": (
        "Weigeren van medische zorg",
        "Отказ в медицинской помощи",
        "Відмова в медичній допомозі",
    ),
    "forced-return-to-front": (
        "Gedwongen terugkeer naar het front / bestorming",
        "Принудительное возвращение на фронт / штурм",
        "Примусове повернення на фронт / штурм",
    ),
    "killing": ("Doden", "Убийство", "Вбивство"),
    "extortion": (
        "Afpersing (betalen voor medische evacuatie)",
        "Вымогательство (плата за медицинскую эвакуацию)",
        "Вимагання (плата за медичну евакуацію)",
    ),
    "forced-contract-signing": (
        "Gedwongen ondertekenen van een contract",
        "Принуждение к подписанию контракта",
        "Примус до підписання контракту",
    ),
    "incommunicado-detention": ("Detentie zonder contact", "Содержание без связи", "Утримання без зв\u2019язку"),
}


def name_translations(row: dict) -> list[dict]:
    """The name translations of a source, unit or site: its Russian and Ukrainian names (aliases of kind "original"
    or "translation"), by the editors, and any translation the row gives itself."""
    translations = [
        {"field": "name", "language": alias["language"], "text": alias["name"], "translator": EDITORS}
        for alias in row.get("aliases", [])
        if alias["language"] in ("ru", "uk") and alias["kind"] in ("original", "translation")
    ]
    return translations + row.get("translations", [])


def abuse_type_translations(slug: str) -> list[dict]:
    names = dict(zip(("nl", "ru", "uk"), ABUSE_TYPE_NAMES.get(slug, ()), strict=False))
    return [
        {"field": "name", "language": language, "text": text, "translator": DEMO_MACHINE_TRANSLATOR, "machine": True}
        for language, text in names.items()
    ]


# Units are listed parents first.
UNITS = [
    {
        "slug": "5th-motorized-rifle-brigade",
        "name": "5th Motorized Rifle Brigade",
        "aliases": [
            {"name": "5-я мотострелковая бригада", "language": "ru", "kind": "translation"},
            {"name": "5-та мотострілецька бригада", "language": "uk", "kind": "translation"},
        ],
        "short_name": "5th Brigade",
        "kind": "brigade",
        "description": (
            "Named by ASTRA as one of the two brigades that turned the Petrovskaya coal mine in Donetsk into a "
            "makeshift detention site. Vladimir Frolov was held in its basement; detained soldiers of the brigade, "
            "on crutches, appealed on video before being sent to the front."
        ),
        "status": PublicationStatus.PUBLISHED,
    },
    {
        "slug": "110th-brigade",
        "name": "110th Brigade",
        "aliases": [
            {"name": "110-я бригада", "language": "ru", "kind": "translation"},
            {"name": "110-та бригада", "language": "uk", "kind": "translation"},
        ],
        "short_name": "110th Brigade",
        "kind": "brigade",
        "description": "Named by ASTRA, with the 5th brigade, as running the Petrovskaya coal mine site in Donetsk.",
        "status": PublicationStatus.PUBLISHED,
    },
    {
        "slug": "1st-slavic-brigade",
        "name": "1st Slavic Brigade",
        "aliases": [
            {"name": "1-я Славянская бригада", "language": "ru", "kind": "translation"},
            {"name": "1-ша Слов\u2019янська бригада", "language": "uk", "kind": "translation"},
        ],
        "short_name": "1st Slavic Brigade",
        "kind": "brigade",
        "description": "Its soldiers were held at a former mining-supplies factory near Makiivka.",
        "status": PublicationStatus.PUBLISHED,
    },
    {
        "slug": "123rd-brigade",
        "name": "123rd Brigade",
        "aliases": [
            {"name": "123-я бригада", "language": "ru", "kind": "translation"},
            {"name": "123-тя бригада", "language": "uk", "kind": "translation"},
        ],
        "short_name": "123rd Brigade",
        "kind": "brigade",
        "description": (
            "A serviceman of the brigade went missing; his phone held an audio recording of what appears to be an "
            "interrogation with electric torture."
        ),
        "status": PublicationStatus.PUBLISHED,
    },
    {
        "slug": "1st-motorized-rifle-battalion-123rd-brigade",
        "name": "1st Motorized Rifle Battalion, 123rd Brigade",
        "aliases": [
            {"name": "1-й мотострелковый батальон 123-й бригады", "language": "ru", "kind": "translation"},
            {"name": "1-й мотострілецький батальйон 123-ї бригади", "language": "uk", "kind": "translation"},
        ],
        "short_name": "1st MRB",
        "unit_number": "40463",
        "kind": "battalion",
        "parent": "123rd-brigade",
        "parent_according_to": "raam-article",
        "description": (
            'Commanded by Alexei Korchagin, call sign "Cap", whose voice a soldier recognised on the recording '
            "of an interrogation with a field telephone used for electric torture."
        ),
        "status": PublicationStatus.PUBLISHED,
    },
    {
        "slug": "47th-division",
        "name": "47th Division",
        "aliases": [
            {"name": "47-я дивизия", "language": "ru", "kind": "translation"},
            {"name": "47-ма дивізія", "language": "uk", "kind": "translation"},
        ],
        "short_name": "47th Division",
        "kind": "division",
        "garrison": "Nizhny Novgorod region",
        "description": (
            "A former weapons storage room at its headquarters in the Nizhny Novgorod region is the only illegal "
            "detention site the article documents inside Russia itself."
        ),
        "status": PublicationStatus.PUBLISHED,
    },
    {
        "slug": "272nd-motorized-rifle-regiment",
        "name": "272nd Motorized Rifle Regiment",
        "aliases": [
            {"name": "272-й мотострелковый полк", "language": "ru", "kind": "translation"},
            {"name": "272-й мотострілецький полк", "language": "uk", "kind": "translation"},
        ],
        "short_name": "272nd MRR",
        "kind": "regiment",
        "parent": "47th-division",
        "parent_according_to": "astra-detention-sites",
        "garrison": "Nizhny Novgorod region",
        "description": "The weapons storage room used as a detention site is on its grounds at the 47th Division HQ.",
        "status": PublicationStatus.PUBLISHED,
    },
    {
        "slug": "demo-review-unconfirmed-unit",
        "name": "[Demo review] Unconfirmed unit",
        "kind": "other",
        "description": (
            "DEMO RECORD made up by load_demo to show a unit in review. Not from the article; not a real unit."
        ),
        "status": PublicationStatus.REVIEW,
    },
]

PERSONS = [
    {
        "slug": "alexei-korchagin",
        "name": "Alexei Korchagin",
        "aliases": [
            {"name": "Cap", "language": "en", "kind": "call_sign"},
            {"name": "Алексей Корчагин", "language": "ru", "kind": "original"},
        ],
        "rank": "",
        "description": (
            'Commander of the 1st Motorized Rifle Battalion of the 123rd Brigade (unit 40463), call sign "Cap". A '
            "soldier who served under him said it was his voice on the recording of an interrogation with electric "
            "torture."
        ),
        "status": PublicationStatus.PUBLISHED,
    },
]

POSTINGS = [
    {
        "person": "alexei-korchagin",
        "unit": "1st-motorized-rifle-battalion-123rd-brigade",
        "role": "commander",
        "title": "Battalion commander",
        # The article gives no dates for his command.
        "period": "",
        "publication": "raam-article",
        "confidence": "medium",
    },
]

SITES = [
    {
        "slug": "petrovskaya-coal-mine",
        "name": "Petrovskaya coal mine",
        "aliases": [
            {"name": "шахта «Петровская»", "language": "ru", "kind": "original"},
            {"name": "шахта «Петровська»", "language": "uk", "kind": "translation"},
            {"name": "Petrovskaja coal mine", "language": "en", "kind": "transliteration"},
        ],
        "kind": "coal_mine",
        "region": "donetsk",
        "territory": "occupied_ukraine",
        "settlement": "Donetsk",
        "latitude": "48.0159",
        "longitude": "37.8028",
        "location_precision": "settlement",
        "description": (
            "Coal mine in Donetsk that, according to ASTRA, the 5th and 110th brigades converted into a makeshift "
            "'concentration camp'. Soldiers are brought in with bags over their heads and denied identification or "
            "communication; they are locked in underground rooms and left without food for days, with plastic bags "
            "as toilets. Former detainees describe being hung from the ceiling by chains and comrades being killed. "
            "One of at least 23 illegal detention sites identified so far. The coordinates are those of Donetsk "
            "city, not of the mine."
        ),
        "reported_in": ["raam-article", "astra-detention-sites"],
        "units": [
            {
                "unit": "5th-motorized-rifle-brigade",
                "role": "operated",
                "publication": "astra-detention-sites",
                "confidence": "medium",
            },
            {
                "unit": "110th-brigade",
                "role": "operated",
                "publication": "astra-detention-sites",
                "confidence": "medium",
            },
        ],
        "status": PublicationStatus.PUBLISHED,
    },
    {
        "slug": "makiivka-former-mining-supplies-factory",
        "name": "Makiivka former mining-supplies factory",
        "aliases": [
            {"name": "бывший завод горно-шахтного снабжения, Макеевка", "language": "ru", "kind": "translation"},
            {"name": "колишній завод гірничо-шахтного постачання, Макіївка", "language": "uk", "kind": "translation"},
            {"name": "Makeyevka former mining-supplies factory", "language": "en", "kind": "transliteration"},
        ],
        # "een voormalige fabriek voor mijnbouwbenodigdheden, bij het bezette Makiivka" (the seed text).
        "translations": [
            {
                "field": "name",
                "language": "nl",
                "text": "Voormalige fabriek voor mijnbouwbenodigdheden, Makiivka",
                "translator": SEED_TEXT_TRANSLATOR,
            }
        ],
        "kind": "former_factory",
        "region": "donetsk",
        "territory": "occupied_ukraine",
        "settlement": "Makiivka",
        "latitude": "48.0478",
        "longitude": "37.9258",
        "location_precision": "settlement",
        "description": (
            "Former factory for mining supplies near occupied Makiivka where soldiers of the 1st Slavic Brigade "
            "were held for months without access to water, electricity or communication, and pressured to sign "
            "contracts and return to the war. Escapees said they would have preferred prison, but that choice was "
            "never given to them. The coordinates are those of Makiivka, not of the factory."
        ),
        "reported_in": ["raam-article"],
        "units": [
            {
                "unit": "1st-slavic-brigade",
                "role": "held_soldiers_of",
                "publication": "raam-article",
                "confidence": "medium",
            },
        ],
        "status": PublicationStatus.PUBLISHED,
    },
    {
        "slug": "weapons-storage-room-47th-division-hq",
        "name": "Weapons storage room, 47th Division HQ",
        "aliases": [
            {"name": "оружейная комната штаба 47-й дивизии", "language": "ru", "kind": "translation"},
            {"name": "кімната зберігання зброї штабу 47-ї дивізії", "language": "uk", "kind": "translation"},
        ],
        "kind": "weapons_store",
        "region": "nizhny-novgorod",
        "territory": "russia",
        "description": (
            "A former weapons storage room on the grounds of the 47th Division's headquarters (272nd Motorized "
            "Rifle Regiment) in the Nizhny Novgorod region: the only such site the article documents inside Russia. "
            "According to ASTRA's source, military police kept soldiers, mostly mobilised men, locked up for days "
            "without food, water or medical care; wounded men were denied surgery or medical evaluation; soldiers "
            "were beaten and at least three suffered broken ribs. Afterwards all were sent back to the front lines. "
            "The article names the military police, not a unit, as running it; the units are linked as the site's "
            "location. No coordinates are given."
        ),
        "reported_in": ["raam-article", "astra-detention-sites"],
        "units": [
            {
                "unit": "272nd-motorized-rifle-regiment",
                "role": "other",
                "publication": "astra-detention-sites",
                "confidence": "medium",
            },
            {
                "unit": "47th-division",
                "role": "other",
                "publication": "astra-detention-sites",
                "confidence": "medium",
            },
        ],
        "status": PublicationStatus.PUBLISHED,
    },
    {
        "slug": "5th-brigade-basement",
        "name": "5th Brigade basement",
        "aliases": [
            {"name": "подвал 5-й бригады", "language": "ru", "kind": "translation"},
            {"name": "підвал 5-ї бригади", "language": "uk", "kind": "translation"},
        ],
        "kind": "basement",
        "region": "donetsk",
        "territory": "occupied_ukraine",
        "description": (
            "Basement of the 5th Motorized Rifle Brigade where Vladimir Frolov was held and tortured before he was "
            "sent into an assault near Krasnohorivka in April 2024, according to his relatives speaking to ASTRA. "
            "The article does not give its location; the region is that of the brigade and of Frolov's home."
        ),
        "reported_in": ["raam-article", "astra-detention-sites"],
        "units": [
            {
                "unit": "5th-motorized-rifle-brigade",
                "role": "operated",
                "publication": "astra-detention-sites",
                "confidence": "medium",
            },
        ],
        "status": PublicationStatus.PUBLISHED,
    },
    {
        "slug": "demo-draft-unconfirmed-site-near-horlivka",
        "name": "[Demo draft] Unconfirmed site near Horlivka",
        "kind": "other",
        "region": "donetsk",
        "territory": "occupied_ukraine",
        "settlement": "Horlivka",
        "description": (
            "DEMO RECORD made up by load_demo to show a draft site. Not from the article; no such site is reported."
        ),
        "reported_in": [],
        "units": [],
        "status": PublicationStatus.DRAFT,
    },
]

_RAAM = "raam-article"
_ASTRA = "astra-detention-sites"

UVAROVA_QUOTE = (
    "I know what posting this video will cost me, but I\u2019m ready. You already took the most precious thing "
    "from me \u2014 you killed me two and a half years ago. But I\u2019ll keep fighting for the boys... Our "
    "commanders send men to die. No one evacuates the wounded \u2014 they just lie there and rot. Even the ones on "
    "crutches, who can\u2019t run \u2014 they\u2019re sent to die. Mamai, I send you greetings \u2014 I want to meet "
    "you in person just to spit in your face. You\u2019re sending them to the slaughter. Do you think people "
    "won\u2019t rise up? The wives will tear you apart themselves. You hide behind them "
    "\u2014 but you should be the one leading."
)

WEAPONS_ROOM_PASSAGE = (
    "In what used to be a weapons storage room, military police kept soldiers locked up for days without food, "
    "water, or access to medical care. One detainee who had lost part of his leg remained trapped there. According "
    "to ASTRA\u2019s source, wounded men were denied surgery or medical evaluation. Soldiers were beaten \u2014 some "
    "with police batons \u2014 and at least three suffered broken ribs. Rubber grenades were thrown at them 'as a "
    "joke.' Afterward, all were sent back to the front lines \u2014 an apparent attempt to cover up the abuse."
)

DEMO_TRANSLATOR = "Testimony DB demo data, from the article's English"

# Testimonies are keyed by witness label + quote. Each citation's quoted passage is the quote unless given.
TESTIMONIES = [
    {
        "witness_label": "Former detainee",
        "witness_role": "former_detainee",
        "quote_language": "en",
        "quote": "When I was locked up, they hung us from the ceiling by chains tied to our hands and feet.",
        "translations": [
            {
                "language": "nl",
                "text": "Toen ik werd opgesloten, hingen ze ons aan het plafond op aan kettingen die aan onze handen "
                "en voeten waren vastgemaakt.",
            },
            {
                "language": "ru",
                "text": "Когда меня заперли, нас подвешивали к потолку на цепях, привязанных к рукам и ногам.",
            },
            {
                "language": "uk",
                "text": "Коли мене замкнули, нас підвішували до стелі на ланцюгах, прив\u2019язаних до рук і ніг.",
            },
        ],
        "context": (
            "Held at the Petrovskaya coal mine in Donetsk, which according to ASTRA the 5th and 110th brigades "
            "converted into a makeshift 'concentration camp'. Soldiers are brought in with bags over their heads, "
            "denied identification or communication, and left without food for days in underground rooms."
        ),
        "verification": "single_source",
        "sites": ["petrovskaya-coal-mine"],
        "abuse_types": ["chaining-hanging"],
        "citations": [{"publication": _RAAM, "locator": "section on the Petrovskaya coal mine"}],
        "status": PublicationStatus.PUBLISHED,
    },
    {
        "witness_label": "Daniil, former platoon commander",
        "witness_role": "former_detainee",
        "quote_language": "en",
        "quote": (
            "They killed nearly all my guys there. One was stabbed, another shot in the face. Killing is just "
            "routine here in Donetsk. My ex went to the military prosecutor's office about it, and they told "
            'her: "If you want to live, shut your mouth."'
        ),
        "context": (
            "Speaking about the Petrovskaya coal mine in Donetsk. His former partner's complaint to the military "
            "prosecutor's office was met with a threat."
        ),
        "verification": "single_source",
        "sites": ["petrovskaya-coal-mine"],
        "abuse_types": ["killing"],
        "citations": [{"publication": _RAAM, "locator": "section on the Petrovskaya coal mine"}],
        "status": PublicationStatus.PUBLISHED,
    },
    {
        "witness_label": "Family of Vladimir Frolov",
        "witness_role": "relative",
        "quote_language": "en",
        "quote": (
            "They kept him in a pit, then in the basement. As soon as they found out he needed treatment, they "
            "threw him into an assault. He died slowly... our own people are worse than the enemy."
        ),
        "context": (
            "Vladimir Frolov, a 29-year-old disabled man and guitar teacher from the occupied Donetsk region, was "
            "held and tortured in the 5th brigade's basement. Mobilized illegally in 2022 (the article gives only "
            "the year), he never signed a contract or took an oath, according to his relatives. In April 2024, "
            "despite finally receiving an order for medical evaluation, he was sent directly into an assault near "
            "Krasnohorivka, where he died. His family spoke to ASTRA."
        ),
        # Mobilised in 2022 (the article gives only the year), sent into the assault in April 2024.
        "events": "2022/2024-04",
        "verification": "single_source",
        "sites": ["5th-brigade-basement"],
        "units": ["5th-motorized-rifle-brigade"],
        "abuse_types": ["denial-of-medical-care", "forced-return-to-front"],
        "citations": [
            {"publication": _RAAM, "locator": "paragraph on Vladimir Frolov"},
            {"publication": _ASTRA, "locator": "as quoted by Platform Raam"},
        ],
        "status": PublicationStatus.PUBLISHED,
    },
    {
        "witness_label": "Ivan, former detainee",
        "witness_role": "former_detainee",
        "quote_language": "en",
        "quote": (
            "To go to the toilet, they tied a huge weight to your leg so you wouldn\u2019t escape. [...] We were fed "
            "only with canned meat. No bread, no porridge. We were sick of it."
        ),
        "context": (
            "Held at a former mining-supplies factory near occupied Makiivka, where soldiers of the 1st Slavic "
            "Brigade were kept without access to water, electricity or communication. Soldiers were held for months "
            "and pressured to sign contracts and return to the war."
        ),
        "verification": "single_source",
        "sites": ["makiivka-former-mining-supplies-factory"],
        "abuse_types": ["humiliation", "incommunicado-detention", "forced-contract-signing"],
        "citations": [{"publication": _RAAM, "locator": "section on the Makiivka site"}],
        "status": PublicationStatus.PUBLISHED,
    },
    {
        "witness_label": "ASTRA's source",
        "witness_role": "unit_insider",
        "quote_language": "en",
        "quote": WEAPONS_ROOM_PASSAGE,
        "context": (
            "The article's account, based on ASTRA's source, of a detention site on the grounds of the 47th "
            "Division's headquarters (272nd Motorized Rifle Regiment) in the Nizhny Novgorod region, where mostly "
            "mobilised soldiers were held. It is a report of the source's information, not the source's own words."
        ),
        "verification": "single_source",
        "sites": ["weapons-storage-room-47th-division-hq"],
        "units": ["272nd-motorized-rifle-regiment", "47th-division"],
        "abuse_types": ["starvation", "denial-of-medical-care", "beating", "forced-return-to-front"],
        "citations": [
            {"publication": _RAAM, "locator": "passage on the Nizhny Novgorod weapons storage room"},
            {"publication": _ASTRA, "locator": "as reported by Platform Raam"},
        ],
        "status": PublicationStatus.PUBLISHED,
    },
    {
        "witness_label": 'Soldier who served under "Cap"',
        "witness_role": "fellow_soldier",
        "quote_language": "en",
        "quote": "Two wires are attached to a person, and you crank the handle. They get 110 volts.",
        "translations": [
            {
                "language": "nl",
                "text": "Er worden twee draden aan iemand vastgemaakt en je draait aan de slinger. "
                "Die krijgt 110 volt.",
            },
            {
                "language": "ru",
                "text": "К человеку цепляют два провода, и ты крутишь ручку. Его бьёт током в 110 вольт.",
            },
            {
                "language": "uk",
                "text": "До людини чіпляють два дроти, і ти крутиш ручку. Її б\u2019є струмом у 110 вольт.",
            },
        ],
        "context": (
            "A serviceman of the 123rd Brigade went missing. His relatives examined his phone and found an audio "
            "recording of what appears to be an interrogation, with the sound of electric torture clearly audible. "
            'The method was a field telephone. A soldier who served under the unit\'s commander "Cap" (Alexei '
            "Korchagin of the 1st Motorized Rifle Battalion, 123rd Brigade, unit #40463) said it was his voice on "
            "the tape, and described how it works."
        ),
        "verification": "single_source",
        "units": ["1st-motorized-rifle-battalion-123rd-brigade", "123rd-brigade"],
        "abuse_types": ["electrocution"],
        "citations": [{"publication": _RAAM, "locator": "passage on electric torture in the 123rd Brigade"}],
        "persons": [
            {"person": "alexei-korchagin", "role": "commander", "publication": _RAAM, "confidence": "medium"},
            {"person": "alexei-korchagin", "role": "perpetrator", "publication": _RAAM, "confidence": "low"},
        ],
        "status": PublicationStatus.PUBLISHED,
    },
    {
        "witness_label": "Anna Uvarova, military volunteer and widow",
        "witness_role": "volunteer",
        "quote_language": "en",
        "quote": UVAROVA_QUOTE,
        "context": (
            "Anna Uvarova went public with a video of wounded soldiers from the 5th Brigade, on crutches, being sent "
            "back to the front; the quote is from that video. Kremlin propagandist Vladimir Solovyov called the "
            "video a fake and aired a supposed rebuttal showing four of the soldiers in a hospital, claiming they "
            "had been forced to record it under threat of being thrown into a storm unit. The article does not say "
            "whether this is the same video that ASTRA obtained."
        ),
        "verification": "single_source",
        "units": ["5th-motorized-rifle-brigade"],
        "abuse_types": ["forced-return-to-front", "denial-of-medical-care"],
        "citations": [{"publication": _RAAM, "locator": "passage on Anna Uvarova's video"}],
        "status": PublicationStatus.PUBLISHED,
    },
    {
        "witness_label": "Soldiers of a unit in Novosibirsk",
        "witness_role": "other",
        "quote_language": "en",
        "quote": "tired of torture and injustice",
        "context": (
            "In November 2024 soldiers of a unit in Novosibirsk, declaring they were 'tired of torture and "
            "injustice', smashed up their barracks, and at least ten soldiers escaped. According to ASTRA, wounded "
            "servicemen in this unit were kept in inhumane conditions and sent 'beyond the line' instead of being "
            "treated or examined. The article names no detention site."
        ),
        "events": "2024-11",
        "verification": "single_source",
        "abuse_types": ["denial-of-medical-care", "forced-return-to-front"],
        "citations": [
            {"publication": _RAAM, "locator": "passage on the November 2024 uprising in Novosibirsk"},
            {"publication": _ASTRA, "locator": "as reported by Platform Raam"},
        ],
        "status": PublicationStatus.PUBLISHED,
    },
    {
        "witness_label": "Get Lost project",
        "witness_role": "reporter",
        "quote_language": "en",
        "quote": (
            "There\u2019s no other option to escape the war. Only desertion. That\u2019s the only way to survive once "
            "you\u2019re in the system. You can complain to Putin all you want \u2014 no one will pull you out of a "
            "storm unit."
        ),
        "context": (
            "The Get Lost project, which helps Russian soldiers avoid being sent to war, regularly receives "
            'testimonies about illegal detention sites. According to them, these so-called "basements" aren\'t '
            "just for deserters: they are used to punish any 'inconvenient' soldier, those who are drunk, wounded "
            "or simply disobedient. By May 2025 nearly 50,000 soldiers had been declared wanted for desertion or "
            "going AWOL."
        ),
        "verification": "single_source",
        "citations": [
            {"publication": _RAAM, "locator": "section on Get Lost"},
            {"publication": "get-lost-basements", "locator": "as quoted by Platform Raam"},
        ],
        "status": PublicationStatus.PUBLISHED,
    },
    # Demo records: made up, to show what the public never sees.
    {
        "witness_label": "[Demo draft] Unconfirmed account",
        "witness_role": "other",
        "quote_language": "en",
        "quote": "[Demo] Placeholder text made up by load_demo to show a draft testimony. Not from any source.",
        "context": "DEMO RECORD. Not from the article.",
        "verification": "unverified",
        "sites": ["demo-draft-unconfirmed-site-near-horlivka", "petrovskaya-coal-mine"],
        "units": ["demo-review-unconfirmed-unit"],
        "abuse_types": ["beating"],
        "real_name": "Demo Realname",
        "contact": "demo-contact@example.invalid",
        "internal_notes": (
            "Demo record made up by load_demo. The restricted fields (real name, contact, these notes) must never "
            "appear on a public page or in a public export."
        ),
        "status": PublicationStatus.DRAFT,
    },
    {
        "witness_label": "[Demo review] Account awaiting review",
        "witness_role": "other",
        "quote_language": "en",
        "quote": "[Demo] Placeholder text made up by load_demo to show a testimony in review. Not from any source.",
        "context": "DEMO RECORD. Not from the article.",
        "verification": "unverified",
        "units": ["5th-motorized-rifle-brigade"],
        "internal_notes": "Demo record made up by load_demo; waiting for a reviewer.",
        "status": PublicationStatus.REVIEW,
    },
    {
        "witness_label": "[Demo withheld] Account withheld to protect the witness",
        "witness_role": "other",
        "quote_language": "en",
        "quote": "[Demo] Placeholder text made up by load_demo to show a withheld testimony. Not from any source.",
        "context": "DEMO RECORD. Not from the article.",
        "verification": "unverified",
        "sites": ["makiivka-former-mining-supplies-factory"],
        "real_name": "Demo Realname",
        "internal_notes": "Demo record made up by load_demo; withheld because publishing could identify the witness.",
        "status": PublicationStatus.WITHHELD,
    },
    {
        # Published with limited consent: every public output gives its dates to the month and its site as the
        # region only (Donetsk), though staff see the exact dates and the site.
        "witness_label": "[Demo limited] Account published with limited consent",
        "witness_role": "former_detainee",
        "quote_language": "en",
        "quote": "[Demo] Placeholder text made up by load_demo to show limited consent. Not from any source.",
        "context": "DEMO RECORD. Not from the article.",
        "given_on": datetime.date(2025, 3, 14),
        "events": "2025-02-03/2025-02-20",
        "verification": "unverified",
        "sites": ["petrovskaya-coal-mine"],
        "consent": "limited",
        "consent_recorded_on": datetime.date(2025, 3, 14),
        "consent_how": "Demo: made up by load_demo",
        "status": PublicationStatus.PUBLISHED,
    },
    {
        # Withdrawn: off every public output, restricted fields empty (as testimonies.consent leaves them).
        "witness_label": "[Demo withdrawn] Account whose witness withdrew consent",
        "witness_role": "other",
        "quote_language": "en",
        "quote": "[Demo] Placeholder text made up by load_demo to show a withdrawn consent. Not from any source.",
        "context": "DEMO RECORD. Not from the article.",
        "verification": "unverified",
        "consent": "withdrawn",
        "consent_recorded_on": datetime.date(2025, 4, 2),
        "status": PublicationStatus.WITHHELD,
    },
]
