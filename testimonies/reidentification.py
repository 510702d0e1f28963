"""The re-identification check: passages of a testimony's public text that could name or reach its witness.

`identifying_passages(testimony)` reads the text the public would see (the witness label, quote, translation,
context, the quoted passages of its citations, the captions of its evidence images and the translations of its
quote) and returns one `Finding` per passage that

- contains the witness's real name or a part of it (three letters or more) in any script: both sides are folded
  to ASCII by anyascii (`core.search.fold`) and reduced to a spelling skeleton, so that "Петров", "Petrov" and
  "Petrow" are one word and "Алексей" matches "Alexei"; Russian and Ukrainian case endings are allowed
  ("Петрова", "Петровым");
- contains a word of the witness's contact details (an e-mail address, a phone number, a messenger handle);
- contains any phone number, any e-mail address, an exact date next to a word for birth ("born 12.03.1990",
  "1990 г.р.", "родился 12 марта 1990"), or a military unit number in the same sentence as a personal name
  ("Ivan Sidorov, в/ч 40463") that is not a person recorded in the archive (a commander), whoever's they are.

The check never writes anything and never shows a restricted value by itself: a finding quotes the public
passage and says what kind of detail it matched. It warns editors at every save (testimonies.admin) and blocks
publishing through the form, the bulk action and the CSV import unless a reviewer gives a written reason, which
the history keeps (`Testimony.publish_blockers`).
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.curation import RESTRICTED_FIELDS_PERMISSION
from core.search import fold
from units.models import Person

# How much text around a hit a finding quotes.
CONTEXT_CHARS = 40
MIN_NAME_PART = 3

PHONE = re.compile(r"(?<![\w+])\+?\d[\d\s().\-]{7,}\d(?!\w)")
PHONE_DIGITS = (9, 15)
EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
HANDLE = re.compile(r"(?<!\w)@\w{3,}")
FULL_DATE = re.compile(
    r"\b(?:\d{1,2}[./\-]\d{1,2}[./\-](?:19|20)\d{2}|(?:19|20)\d{2}-\d{2}-\d{2}|\d{1,2}\s+[^\W\d_]{3,}\.?\s+(?:19|20)\d{2})\b"
)
YEAR_OF_BIRTH = re.compile(r"\b(?:19|20)\d{2}\s*(?:г\.\s*р\.|г\.р\.|р\.\s*н\.|года рождения|року народження)", re.I)
BIRTH_WORDS = re.compile(
    r"\b(?:born|birth|dob|b\.|родил|рожд|р\.|народи|нар\.|geboren|geb\.)", re.IGNORECASE | re.UNICODE
)
UNIT_NUMBER = re.compile(
    r"(?:в/ч|в\.\s?ч\.|войсков\w* част\w*|воинск\w* част\w*|військов\w* частин\w*|military unit|unit no\.?|"
    r"unit number|unit)\s*(?:№|no\.?|#)?\s*\d{4,6}\b",
    re.IGNORECASE,
)
CAPITALISED = r"[A-ZА-ЯЁІЇЄҐ][a-zа-яёіїєґ'’\-]+"
PERSONAL_NAME = re.compile(rf"\b{CAPITALISED}\s+{CAPITALISED}(?:\s+{CAPITALISED})?")
SENTENCE_END = re.compile(r"[.!?\n]+\s")
# Capitalised words of unit and place names, which are not personal names (folded stems).
NOT_NAMES = (
    "brigad",
    "battalion",
    "regiment",
    "divis",
    "compan",
    "motor",
    "rifle",
    "guard",
    "tank",
    "army",
    "corps",
    "separate",
    "unit",
    "military",
    "batal",
    "polk",
    "rota",
    "motostrelk",
    "gvard",
    "otdel",
    "okrem",
    "armi",
    "korpus",
    "chast",
    "region",
    "oblast",
    "district",
)
# Capitalised words that are no names: months and the words that begin a sentence (folded, whole words).
_NOT_NAME_TEXT = (
    "in on at of the a an from to and by after before since during when then he she they we it his her their "
    "january february march april may june july august september october november december "
    "ianvar fevral mart aprel mai iiun iiul avgust sentiabr oktiabr noiabr dekabr "
    "ianvaria fevralia marta aprelia maia iiunia iiulia avgusta sentiabria oktiabria noiabria dekabria "
    "sichen liutyi berezen kviten traven cherven lypen serpen veresen zhovten lystopad hruden "
    "v na s so po iz k u o ob ot do za i a no on ona oni my ia"
)
NOT_NAME_WORDS = frozenset(_NOT_NAME_TEXT.split())
# Case endings of Russian and Ukrainian names, as their skeletons (below).
CASE_ENDINGS = ("", "a", "u", "e", "i", "om", "em", "im", "oi", "ei", "oiu", "eiu", "iu", "ia", "ogo", "omu", "ovi")
SKELETON_RULES = (
    ("shch", "sh"),
    ("sch", "sh"),
    ("x", "ks"),
    ("w", "v"),
    ("kh", "h"),
    ("g", "h"),  # Russian Г is G, Ukrainian Г is H
    ("zh", "j"),
    ("yo", "e"),
    ("jo", "e"),
    ("ye", "e"),
    ("je", "e"),
    ("yu", "iu"),
    ("ju", "iu"),
    ("ya", "ia"),
    ("ja", "ia"),
    ("y", "i"),
    ("j", "i"),
    ("ii", "i"),
    ("ie", "e"),
    ("tz", "ts"),
    ("ph", "f"),
)


def skeleton(word: str) -> str:
    """A folded word in a spelling that the usual transliterations of one Cyrillic name share."""
    for old, new in SKELETON_RULES:
        word = word.replace(old, new)
    return re.sub(r"(.)\1+", r"\1", word)


@dataclass(frozen=True)
class Finding:
    """One passage of the public text that could identify the witness."""

    field: str  # where: "quote", "translation", "evidence caption", ...
    passage: str  # the public passage, with some text around the hit
    kind: str  # what it matched: "name", "contact", "phone", "email", "birth_date", "unit_and_name"
    restricted: bool  # whether it matched a restricted field (so its passage points at the witness's identity)

    KINDS = {
        "name": gettext_lazy("the witness's real name"),
        "contact": gettext_lazy("the witness's contact details"),
        "phone": gettext_lazy("a phone number"),
        "email": gettext_lazy("an e-mail address"),
        "birth_date": gettext_lazy("an exact date of birth"),
        "unit_and_name": gettext_lazy("a unit number with a personal name"),
    }

    def describe(self, may_see_restricted: bool = True) -> str:
        """One line for a message. Without the restricted-fields permission, a passage that matched a restricted
        field is not quoted: it would tell who the witness is."""
        if self.restricted and not may_see_restricted:
            return _("%(field)s: a passage matches a restricted witness field (ask a colleague who may see them)") % {
                "field": self.field
            }
        return _("%(field)s: “%(passage)s” (%(kind)s)") % {
            "field": self.field,
            "passage": self.passage,
            "kind": self.KINDS[self.kind],
        }


def excerpt(text: str, start: int, end: int) -> str:
    before = max(0, start - CONTEXT_CHARS)
    after = min(len(text), end + CONTEXT_CHARS)
    passage = " ".join(text[before:after].split())
    return f"{'…' if before else ''}{passage}{'…' if after < len(text) else ''}"


def words_with_positions(text: str):
    """Each word of `text` with its span and its folded skeletons (a Cyrillic word may fold to two words)."""
    for match in re.finditer(r"[^\W_]+(?:['’][^\W_]+)*", text):
        for part in fold(match.group()).split():
            yield match.start(), match.end(), skeleton(part)


def name_parts(real_name: str) -> set[str]:
    return {skeleton(part) for part in fold(real_name).split() if len(part) >= MIN_NAME_PART}


def matches_name(word: str, parts: set[str]) -> bool:
    return any(word.startswith(part) and word[len(part) :] in CASE_ENDINGS for part in parts)


def contact_tokens(contact: str) -> tuple[set[str], set[str]]:
    """Digits of the phone numbers and folded words (addresses, handles) of the contact details."""
    phones = {re.sub(r"\D", "", match.group()) for match in PHONE.finditer(contact or "")}
    words = {fold(match.group()) for match in EMAIL.finditer(contact or "")}
    words |= {fold(match.group()) for match in HANDLE.finditer(contact or "")}
    return {phone for phone in phones if PHONE_DIGITS[0] <= len(phone) <= PHONE_DIGITS[1]}, {w for w in words if w}


def is_phone(text: str) -> bool:
    return PHONE_DIGITS[0] <= len(re.sub(r"\D", "", text)) <= PHONE_DIGITS[1]


def looks_like_personal_name(text: str) -> bool:
    """Two or three capitalised words that are neither a unit's or place's name nor a person of the archive (a
    commander named with his unit is what the archive documents, not a witness)."""
    folded = fold(text).split()
    if len(folded) < 2 or any(word.startswith(NOT_NAMES) or word in NOT_NAME_WORDS for word in folded):
        return False
    known = Person.objects.all()
    for word in folded:
        known = known.filter(search_names__contains=f" {word}")
    return not known.exists()


def check_text(field: str, text: str, parts: set[str], phones: set[str], contact_words: set[str]) -> list[Finding]:
    findings = []
    seen = set()

    def add(start, end, kind, restricted):
        passage = excerpt(text, start, end)
        if (passage, kind) not in seen:
            seen.add((passage, kind))
            findings.append(Finding(field, passage, kind, restricted))

    if not text:
        return findings
    for start, end, word in words_with_positions(text):
        if parts and matches_name(word, parts):
            add(start, end, "name", True)
    folded_text = fold(text)
    for word in contact_words:
        if word and f" {word} " in f" {folded_text} ":
            position = text.lower().find(word.split()[0])
            add(max(position, 0), max(position, 0) + len(word), "contact", True)
    # Dates are no phone numbers: blank them out (keeping every position) before looking for numbers.
    undated = FULL_DATE.sub(lambda match: "x" * len(match.group()), text)
    for match in PHONE.finditer(undated):
        if is_phone(match.group()):
            digits = re.sub(r"\D", "", match.group())
            add(match.start(), match.end(), "contact" if digits in phones else "phone", digits in phones)
    for match in EMAIL.finditer(text):
        add(match.start(), match.end(), "email", False)
    for match in FULL_DATE.finditer(text):
        window = text[max(0, match.start() - CONTEXT_CHARS) : match.end() + CONTEXT_CHARS]
        if BIRTH_WORDS.search(window):
            add(match.start(), match.end(), "birth_date", False)
    for match in YEAR_OF_BIRTH.finditer(text):
        add(match.start(), match.end(), "birth_date", False)
    for unit in UNIT_NUMBER.finditer(text):
        sentence_start = max((m.end() for m in SENTENCE_END.finditer(text, 0, unit.start())), default=0)
        following = SENTENCE_END.search(text, unit.end())
        sentence_end = following.start() if following else len(text)
        for name in PERSONAL_NAME.finditer(text, sentence_start, sentence_end):
            if looks_like_personal_name(name.group()):
                add(min(unit.start(), name.start()), max(unit.end(), name.end()), "unit_and_name", False)
                break
    return findings


def public_texts(testimony, captions=None, translations=None, quoted_passages=None) -> list[tuple[str, str]]:
    """(where, text) of everything about `testimony` the public would read. `captions` and `translations` replace
    the stored evidence captions and translations of the quote (a form that is about to change them);
    `quoted_passages` are its citations' passages when the caller has read them already."""
    fields = [
        (str(testimony._meta.get_field(name).verbose_name), getattr(testimony, name) or "")
        for name in ("witness_label", "quote", "translation", "context")
    ]
    if testimony.pk:
        if quoted_passages is None:
            quoted_passages = testimony.citations.values_list("quoted_passage", flat=True)
        fields += [(_("quoted passage of a citation"), text) for text in quoted_passages]
        if captions is None:
            captions = list(testimony.evidence.values_list("caption", flat=True))
        if translations is None:
            translations = list(testimony.translations.values_list("text", flat=True))
    fields += [(_("evidence caption"), caption) for caption in captions or ()]
    fields += [(_("translation of the quote"), text) for text in translations or ()]
    return fields


def restricted_values(testimony) -> tuple[str, str]:
    """The real name and contact details, from the instance when loaded, else from the database."""
    deferred = testimony.get_deferred_fields()
    if testimony.pk and {"real_name", "contact"} & deferred:
        stored = type(testimony)._base_manager.filter(pk=testimony.pk).values_list("real_name", "contact").first()
        return stored or ("", "")
    return testimony.real_name or "", testimony.contact or ""


def identifying_passages(
    testimony, captions=None, translations=None, quoted_passages=None, restricted=None
) -> list[Finding]:
    """Every passage of `testimony`'s public text that could identify its witness (see the module's docstring).

    `captions`, `translations`, `quoted_passages` and `restricted` (real name, contact) are what the caller has
    read already, or is about to save."""
    real_name, contact = restricted if restricted is not None else restricted_values(testimony)
    parts = name_parts(real_name)
    phones, contact_words = contact_tokens(contact)
    findings = []
    for field, text in public_texts(testimony, captions, translations, quoted_passages):
        findings += check_text(field, text, parts, phones, contact_words)
    return findings


def caption_passages(evidence) -> list[Finding]:
    """The check for one evidence image's caption, against its testimony's restricted fields (a site's image is
    checked for the patterns alone)."""
    real_name, contact = restricted_values(evidence.testimony) if evidence.testimony_id else ("", "")
    phones, contact_words = contact_tokens(contact)
    return check_text(_("evidence caption"), evidence.caption, name_parts(real_name), phones, contact_words)


def describe_findings(findings: list[Finding], may_see_restricted: bool = True) -> str:
    return "; ".join(finding.describe(may_see_restricted) for finding in findings)


def blocked_message(record, findings: list[Finding], user) -> str:
    """Why `record` was not published, quoting the passages (as far as `user` may read them)."""
    may_see = user is not None and user.has_perm(RESTRICTED_FIELDS_PERMISSION)
    return _(
        "“%(record)s” was not published: its public text may identify the witness. %(findings)s. Remove these "
        "passages, or publish it from its own page with a written reason."
    ) % {"record": record, "findings": describe_findings(findings, may_see)}
