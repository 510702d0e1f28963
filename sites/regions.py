"""The region vocabulary's first terms and the rule that reads a region typed as free text.

First-level regions of Ukraine and Russia (ISO 3166-2 codes), with their English, Russian and Ukrainian names and
the other names sources give them: the occupied regions of Ukraine are Ukraine's regions, found also by the names
the occupation gives them ("DNR", "Donetsk People's Republic"). A data migration loads them (sites/migrations), and
the same reading maps the free text sites had before (and a CSV import's cell) to one term.

This module knows no models: migrations import it.
"""

from collections.abc import Callable

from core.search import fold, name_index

# Kinds of region (Region.Kind's values).
OBLAST = "oblast"
REPUBLIC = "republic"
KRAI = "krai"
CITY = "city"
AUTONOMOUS_OBLAST = "autonomous_oblast"
AUTONOMOUS_OKRUG = "autonomous_okrug"

# (ISO 3166-2 code, slug, kind, English, Russian, Ukrainian, other names the sources use)
UKRAINE = [
    ("UA-71", "cherkasy", OBLAST, "Cherkasy Oblast", "Черкасская область", "Черкаська область", ("Cherkassy",)),
    ("UA-74", "chernihiv", OBLAST, "Chernihiv Oblast", "Черниговская область", "Чернігівська область", ("Chernigov",)),
    (
        "UA-77",
        "chernivtsi",
        OBLAST,
        "Chernivtsi Oblast",
        "Черновицкая область",
        "Чернівецька область",
        ("Chernovtsy",),
    ),
    (
        "UA-43",
        "crimea",
        REPUBLIC,
        "Autonomous Republic of Crimea",
        "Автономная Республика Крым",
        "Автономна Республіка Крим",
        ("Crimea", "Republic of Crimea", "Республика Крым", "Крым", "Крим"),
    ),
    (
        "UA-12",
        "dnipropetrovsk",
        OBLAST,
        "Dnipropetrovsk Oblast",
        "Днепропетровская область",
        "Дніпропетровська область",
        ("Dnepropetrovsk", "Dnipro"),
    ),
    (
        "UA-14",
        "donetsk",
        OBLAST,
        "Donetsk Oblast",
        "Донецкая область",
        "Донецька область",
        (
            "Donetsk",
            "Донецк",
            "Донецьк",
            "DNR",
            "DPR",
            "ДНР",
            "Donetsk People's Republic",
            "Донецкая Народная Республика",
        ),
    ),
    (
        "UA-26",
        "ivano-frankivsk",
        OBLAST,
        "Ivano-Frankivsk Oblast",
        "Ивано-Франковская область",
        "Івано-Франківська область",
        ("Ivano-Frankovsk",),
    ),
    (
        "UA-63",
        "kharkiv",
        OBLAST,
        "Kharkiv Oblast",
        "Харьковская область",
        "Харківська область",
        ("Kharkov", "Харьков"),
    ),
    ("UA-65", "kherson", OBLAST, "Kherson Oblast", "Херсонская область", "Херсонська область", ("Херсон",)),
    (
        "UA-68",
        "khmelnytskyi",
        OBLAST,
        "Khmelnytskyi Oblast",
        "Хмельницкая область",
        "Хмельницька область",
        ("Khmelnitsky",),
    ),
    (
        "UA-35",
        "kirovohrad",
        OBLAST,
        "Kirovohrad Oblast",
        "Кировоградская область",
        "Кіровоградська область",
        ("Kirovograd", "Kropyvnytskyi"),
    ),
    ("UA-30", "kyiv-city", CITY, "Kyiv", "Киев", "Київ", ("Kiev", "Kyiv city")),
    ("UA-32", "kyiv-oblast", OBLAST, "Kyiv Oblast", "Киевская область", "Київська область", ("Kiev Oblast",)),
    (
        "UA-09",
        "luhansk",
        OBLAST,
        "Luhansk Oblast",
        "Луганская область",
        "Луганська область",
        (
            "Luhansk",
            "Lugansk",
            "Луганск",
            "Луганськ",
            "LNR",
            "LPR",
            "ЛНР",
            "Luhansk People's Republic",
            "Луганская Народная Республика",
        ),
    ),
    ("UA-46", "lviv", OBLAST, "Lviv Oblast", "Львовская область", "Львівська область", ("Lvov",)),
    (
        "UA-48",
        "mykolaiv",
        OBLAST,
        "Mykolaiv Oblast",
        "Николаевская область",
        "Миколаївська область",
        ("Nikolaev", "Nikolayev"),
    ),
    ("UA-51", "odesa", OBLAST, "Odesa Oblast", "Одесская область", "Одеська область", ("Odessa",)),
    ("UA-53", "poltava", OBLAST, "Poltava Oblast", "Полтавская область", "Полтавська область", ()),
    ("UA-56", "rivne", OBLAST, "Rivne Oblast", "Ровненская область", "Рівненська область", ("Rovno",)),
    ("UA-40", "sevastopol", CITY, "Sevastopol", "Севастополь", "Севастополь", ()),
    ("UA-59", "sumy", OBLAST, "Sumy Oblast", "Сумская область", "Сумська область", ()),
    ("UA-61", "ternopil", OBLAST, "Ternopil Oblast", "Тернопольская область", "Тернопільська область", ("Ternopol",)),
    ("UA-05", "vinnytsia", OBLAST, "Vinnytsia Oblast", "Винницкая область", "Вінницька область", ("Vinnitsa",)),
    ("UA-07", "volyn", OBLAST, "Volyn Oblast", "Волынская область", "Волинська область", ()),
    (
        "UA-21",
        "zakarpattia",
        OBLAST,
        "Zakarpattia Oblast",
        "Закарпатская область",
        "Закарпатська область",
        ("Transcarpathia",),
    ),
    (
        "UA-23",
        "zaporizhzhia",
        OBLAST,
        "Zaporizhzhia Oblast",
        "Запорожская область",
        "Запорізька область",
        ("Zaporizhzhia", "Zaporozhye", "Zaporozhie", "Запорожье"),
    ),
    ("UA-18", "zhytomyr", OBLAST, "Zhytomyr Oblast", "Житомирская область", "Житомирська область", ("Zhitomir",)),
]

RUSSIA = [
    ("RU-AD", "adygea", REPUBLIC, "Republic of Adygea", "Республика Адыгея", "Республіка Адигея", ()),
    ("RU-AL", "altai-republic", REPUBLIC, "Altai Republic", "Республика Алтай", "Республіка Алтай", ()),
    (
        "RU-BA",
        "bashkortostan",
        REPUBLIC,
        "Republic of Bashkortostan",
        "Республика Башкортостан",
        "Республіка Башкортостан",
        ("Bashkiria",),
    ),
    ("RU-BU", "buryatia", REPUBLIC, "Republic of Buryatia", "Республика Бурятия", "Республіка Бурятія", ()),
    (
        "RU-CE",
        "chechnya",
        REPUBLIC,
        "Chechen Republic",
        "Чеченская Республика",
        "Чеченська Республіка",
        ("Chechnya", "Чечня"),
    ),
    (
        "RU-CU",
        "chuvashia",
        REPUBLIC,
        "Chuvash Republic",
        "Чувашская Республика",
        "Чуваська Республіка",
        ("Chuvashia",),
    ),
    ("RU-DA", "dagestan", REPUBLIC, "Republic of Dagestan", "Республика Дагестан", "Республіка Дагестан", ()),
    ("RU-IN", "ingushetia", REPUBLIC, "Republic of Ingushetia", "Республика Ингушетия", "Республіка Інгушетія", ()),
    (
        "RU-KB",
        "kabardino-balkaria",
        REPUBLIC,
        "Kabardino-Balkarian Republic",
        "Кабардино-Балкарская Республика",
        "Кабардино-Балкарська Республіка",
        ("Kabardino-Balkaria",),
    ),
    ("RU-KL", "kalmykia", REPUBLIC, "Republic of Kalmykia", "Республика Калмыкия", "Республіка Калмикія", ()),
    (
        "RU-KC",
        "karachay-cherkessia",
        REPUBLIC,
        "Karachay-Cherkess Republic",
        "Карачаево-Черкесская Республика",
        "Карачаєво-Черкеська Республіка",
        ("Karachay-Cherkessia",),
    ),
    ("RU-KR", "karelia", REPUBLIC, "Republic of Karelia", "Республика Карелия", "Республіка Карелія", ()),
    ("RU-KK", "khakassia", REPUBLIC, "Republic of Khakassia", "Республика Хакасия", "Республіка Хакасія", ()),
    ("RU-KO", "komi", REPUBLIC, "Komi Republic", "Республика Коми", "Республіка Комі", ()),
    ("RU-ME", "mari-el", REPUBLIC, "Mari El Republic", "Республика Марий Эл", "Республіка Марій Ел", ()),
    ("RU-MO", "mordovia", REPUBLIC, "Republic of Mordovia", "Республика Мордовия", "Республіка Мордовія", ()),
    (
        "RU-SA",
        "sakha",
        REPUBLIC,
        "Sakha Republic (Yakutia)",
        "Республика Саха (Якутия)",
        "Республіка Саха (Якутія)",
        ("Yakutia",),
    ),
    (
        "RU-SE",
        "north-ossetia",
        REPUBLIC,
        "Republic of North Ossetia–Alania",
        "Республика Северная Осетия — Алания",
        "Республіка Північна Осетія — Аланія",
        ("North Ossetia",),
    ),
    ("RU-TA", "tatarstan", REPUBLIC, "Republic of Tatarstan", "Республика Татарстан", "Республіка Татарстан", ()),
    ("RU-TY", "tuva", REPUBLIC, "Tuva Republic", "Республика Тыва", "Республіка Тива", ("Tyva",)),
    (
        "RU-UD",
        "udmurtia",
        REPUBLIC,
        "Udmurt Republic",
        "Удмуртская Республика",
        "Удмуртська Республіка",
        ("Udmurtia",),
    ),
    ("RU-ALT", "altai-krai", KRAI, "Altai Krai", "Алтайский край", "Алтайський край", ()),
    ("RU-KAM", "kamchatka", KRAI, "Kamchatka Krai", "Камчатский край", "Камчатський край", ()),
    ("RU-KHA", "khabarovsk", KRAI, "Khabarovsk Krai", "Хабаровский край", "Хабаровський край", ()),
    ("RU-KDA", "krasnodar", KRAI, "Krasnodar Krai", "Краснодарский край", "Краснодарський край", ("Kuban",)),
    ("RU-KYA", "krasnoyarsk", KRAI, "Krasnoyarsk Krai", "Красноярский край", "Красноярський край", ()),
    ("RU-PER", "perm", KRAI, "Perm Krai", "Пермский край", "Пермський край", ()),
    ("RU-PRI", "primorsky", KRAI, "Primorsky Krai", "Приморский край", "Приморський край", ("Primorye",)),
    ("RU-STA", "stavropol", KRAI, "Stavropol Krai", "Ставропольский край", "Ставропольський край", ()),
    ("RU-ZAB", "zabaykalsky", KRAI, "Zabaykalsky Krai", "Забайкальский край", "Забайкальський край", ("Transbaikal",)),
    ("RU-AMU", "amur", OBLAST, "Amur Oblast", "Амурская область", "Амурська область", ()),
    ("RU-ARK", "arkhangelsk", OBLAST, "Arkhangelsk Oblast", "Архангельская область", "Архангельська область", ()),
    ("RU-AST", "astrakhan", OBLAST, "Astrakhan Oblast", "Астраханская область", "Астраханська область", ()),
    ("RU-BEL", "belgorod", OBLAST, "Belgorod Oblast", "Белгородская область", "Бєлгородська область", ()),
    ("RU-BRY", "bryansk", OBLAST, "Bryansk Oblast", "Брянская область", "Брянська область", ()),
    ("RU-CHE", "chelyabinsk", OBLAST, "Chelyabinsk Oblast", "Челябинская область", "Челябінська область", ()),
    ("RU-IRK", "irkutsk", OBLAST, "Irkutsk Oblast", "Иркутская область", "Іркутська область", ()),
    ("RU-IVA", "ivanovo", OBLAST, "Ivanovo Oblast", "Ивановская область", "Іванівська область", ()),
    ("RU-KGD", "kaliningrad", OBLAST, "Kaliningrad Oblast", "Калининградская область", "Калінінградська область", ()),
    ("RU-KLU", "kaluga", OBLAST, "Kaluga Oblast", "Калужская область", "Калузька область", ()),
    ("RU-KEM", "kemerovo", OBLAST, "Kemerovo Oblast", "Кемеровская область", "Кемеровська область", ("Kuzbass",)),
    ("RU-KIR", "kirov", OBLAST, "Kirov Oblast", "Кировская область", "Кіровська область", ()),
    ("RU-KOS", "kostroma", OBLAST, "Kostroma Oblast", "Костромская область", "Костромська область", ()),
    ("RU-KGN", "kurgan", OBLAST, "Kurgan Oblast", "Курганская область", "Курганська область", ()),
    ("RU-KRS", "kursk", OBLAST, "Kursk Oblast", "Курская область", "Курська область", ()),
    ("RU-LEN", "leningrad", OBLAST, "Leningrad Oblast", "Ленинградская область", "Ленінградська область", ()),
    ("RU-LIP", "lipetsk", OBLAST, "Lipetsk Oblast", "Липецкая область", "Липецька область", ()),
    ("RU-MAG", "magadan", OBLAST, "Magadan Oblast", "Магаданская область", "Магаданська область", ()),
    ("RU-MOS", "moscow-oblast", OBLAST, "Moscow Oblast", "Московская область", "Московська область", ()),
    ("RU-MUR", "murmansk", OBLAST, "Murmansk Oblast", "Мурманская область", "Мурманська область", ()),
    (
        "RU-NIZ",
        "nizhny-novgorod",
        OBLAST,
        "Nizhny Novgorod Oblast",
        "Нижегородская область",
        "Нижньогородська область",
        ("Nizhny Novgorod", "Нижний Новгород"),
    ),
    ("RU-NGR", "novgorod", OBLAST, "Novgorod Oblast", "Новгородская область", "Новгородська область", ()),
    ("RU-NVS", "novosibirsk", OBLAST, "Novosibirsk Oblast", "Новосибирская область", "Новосибірська область", ()),
    ("RU-OMS", "omsk", OBLAST, "Omsk Oblast", "Омская область", "Омська область", ()),
    ("RU-ORE", "orenburg", OBLAST, "Orenburg Oblast", "Оренбургская область", "Оренбурзька область", ()),
    ("RU-ORL", "oryol", OBLAST, "Oryol Oblast", "Орловская область", "Орловська область", ("Orel",)),
    ("RU-PNZ", "penza", OBLAST, "Penza Oblast", "Пензенская область", "Пензенська область", ()),
    ("RU-PSK", "pskov", OBLAST, "Pskov Oblast", "Псковская область", "Псковська область", ()),
    ("RU-ROS", "rostov", OBLAST, "Rostov Oblast", "Ростовская область", "Ростовська область", ("Rostov-on-Don",)),
    ("RU-RYA", "ryazan", OBLAST, "Ryazan Oblast", "Рязанская область", "Рязанська область", ()),
    ("RU-SAK", "sakhalin", OBLAST, "Sakhalin Oblast", "Сахалинская область", "Сахалінська область", ()),
    ("RU-SAM", "samara", OBLAST, "Samara Oblast", "Самарская область", "Самарська область", ()),
    ("RU-SAR", "saratov", OBLAST, "Saratov Oblast", "Саратовская область", "Саратовська область", ()),
    ("RU-SMO", "smolensk", OBLAST, "Smolensk Oblast", "Смоленская область", "Смоленська область", ()),
    (
        "RU-SVE",
        "sverdlovsk",
        OBLAST,
        "Sverdlovsk Oblast",
        "Свердловская область",
        "Свердловська область",
        ("Yekaterinburg",),
    ),
    ("RU-TAM", "tambov", OBLAST, "Tambov Oblast", "Тамбовская область", "Тамбовська область", ()),
    ("RU-TOM", "tomsk", OBLAST, "Tomsk Oblast", "Томская область", "Томська область", ()),
    ("RU-TUL", "tula", OBLAST, "Tula Oblast", "Тульская область", "Тульська область", ()),
    ("RU-TVE", "tver", OBLAST, "Tver Oblast", "Тверская область", "Тверська область", ()),
    ("RU-TYU", "tyumen", OBLAST, "Tyumen Oblast", "Тюменская область", "Тюменська область", ()),
    ("RU-ULY", "ulyanovsk", OBLAST, "Ulyanovsk Oblast", "Ульяновская область", "Ульяновська область", ()),
    ("RU-VLA", "vladimir", OBLAST, "Vladimir Oblast", "Владимирская область", "Владимирська область", ()),
    ("RU-VGG", "volgograd", OBLAST, "Volgograd Oblast", "Волгоградская область", "Волгоградська область", ()),
    ("RU-VLG", "vologda", OBLAST, "Vologda Oblast", "Вологодская область", "Вологодська область", ()),
    ("RU-VOR", "voronezh", OBLAST, "Voronezh Oblast", "Воронежская область", "Воронезька область", ()),
    ("RU-YAR", "yaroslavl", OBLAST, "Yaroslavl Oblast", "Ярославская область", "Ярославська область", ()),
    ("RU-MOW", "moscow", CITY, "Moscow", "Москва", "Москва", ()),
    (
        "RU-SPE",
        "saint-petersburg",
        CITY,
        "Saint Petersburg",
        "Санкт-Петербург",
        "Санкт-Петербург",
        ("St Petersburg", "Petersburg"),
    ),
    (
        "RU-YEV",
        "jewish-autonomous-oblast",
        AUTONOMOUS_OBLAST,
        "Jewish Autonomous Oblast",
        "Еврейская автономная область",
        "Єврейська автономна область",
        (),
    ),
    (
        "RU-CHU",
        "chukotka",
        AUTONOMOUS_OKRUG,
        "Chukotka Autonomous Okrug",
        "Чукотский автономный округ",
        "Чукотський автономний округ",
        ("Chukotka",),
    ),
    (
        "RU-KHM",
        "khanty-mansi",
        AUTONOMOUS_OKRUG,
        "Khanty-Mansi Autonomous Okrug – Yugra",
        "Ханты-Мансийский автономный округ — Югра",
        "Ханти-Мансійський автономний округ — Югра",
        ("Yugra",),
    ),
    (
        "RU-NEN",
        "nenets",
        AUTONOMOUS_OKRUG,
        "Nenets Autonomous Okrug",
        "Ненецкий автономный округ",
        "Ненецький автономний округ",
        (),
    ),
    (
        "RU-YAN",
        "yamalo-nenets",
        AUTONOMOUS_OKRUG,
        "Yamalo-Nenets Autonomous Okrug",
        "Ямало-Ненецкий автономный округ",
        "Ямало-Ненецький автономний округ",
        ("Yamal",),
    ),
]

REGIONS = [("UA", *row) for row in UKRAINE] + [("RU", *row) for row in RUSSIA]

# Words that say what kind of region a name is, not which one (folded): "Donetsk region", "Donetsk oblast",
# "Донецкая обл.", "Republic of Tatarstan" and "Donetsk People's Republic" all come down to their name.
GENERIC_WORDS = frozenset(
    [
        "region",
        "regions",
        "oblast",
        "oblasti",
        "obl",
        "province",
        "krai",
        "kray",
        "respublika",
        "respublica",
        "republic",
        "autonomous",
        "avtonomnaia",
        "avtonomnyi",
        "avtonomna",
        "avtonomnii",
        "okrug",
        "okruh",
        "federal",
        "city",
        "gorod",
        "misto",
        "the",
        "of",
        "ao",
        "peoples",
        "narodnaia",
        "narodna",
    ]
)


def region_key(text: str) -> str:
    """The words of a region's name that identify it, folded: what two spellings of one region share."""
    return " ".join(word for word in fold(text).split() if word not in GENERIC_WORDS)


def find_region(index: Callable[[], dict], text: str):
    """The entry of `index()` (a region_index) for the region that free text names, or None; the index is not
    built for a text that names nothing."""
    key = region_key(text or "")
    return index().get(key) if key else None


def region_names(row) -> list[str]:
    """Every name of a region row (REGIONS): English, Russian, Ukrainian and the others, and its code."""
    _country, code, _slug, _kind, name, name_ru, name_uk, others = row
    return [name, name_ru, name_uk, *others, code]


def region_index(named_regions) -> dict[str, object]:
    """{key: region} for `named_regions` [(region, [names])]; a key two regions share ("moscow": the city and
    the oblast) reads as neither, so that no site is put in the wrong region."""
    index: dict[str, object] = {}
    ambiguous = set()
    for region, names in named_regions:
        for name in names:
            key = region_key(name)
            if not key:
                continue
            if key in index and index[key] != region:
                ambiguous.add(key)
            index[key] = region
    for key in ambiguous:
        del index[key]
    return index


def load_vocabulary(region_model) -> None:
    """Create or update the terms above as published regions (`region_model`: the model, or a migration's)."""
    for row in REGIONS:
        country, code, slug, kind, name, name_ru, name_uk, _others = row
        region_model.objects.update_or_create(
            code=code,
            defaults={
                "country": country,
                "slug": slug,
                "kind": kind,
                "name": name,
                "name_ru": name_ru,
                "name_uk": name_uk,
                "status": "published",
                "search_names": name_index(region_names(row)),
            },
        )
