"""One search across the archive: every record type's public records that match, with counts and snippets.

Each type searches through its own `.public()` queryset's `search()` (core.search), so what a reader finds is
what the lists find; the counts are bounded (core.listing.bounded_count).
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db import models
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from core.listing import bounded_count
from core.search import Term, fold, query_terms
from core.translations import TranslatableModel, TranslatedField
from sites.models import Site
from testimonies.models import Source, Testimony
from units.models import Person, Unit

RESULTS_PER_TYPE = 5
SNIPPET_WORDS = 30
SUGGESTIONS = 10


@dataclass(frozen=True)
class SearchType:
    key: str  # the `type` of /search/suggest/ and of the API
    label: str
    records: callable  # the public records, with what their result needs prefetched
    list_url_name: str
    text_fields: tuple[str, ...]  # where a snippet is taken from, in order
    suggests: bool = True

    def list_url(self, text: str) -> str:
        return f"{reverse(self.list_url_name)}?{urlencode({'q': text})}"


TYPES = [
    SearchType(
        "testimony",
        _("Testimonies"),
        lambda: Testimony.objects.for_public_list(),
        "testimonies:testimony_list",
        ("quote", "translation", "context", "witness_label"),
        suggests=False,
    ),
    SearchType(
        "site",
        _("Sites"),
        lambda: Site.objects.public().with_translations(TranslatedField.NAME).prefetch_related("aliases"),
        "sites:site_list",
        ("description",),
    ),
    SearchType(
        "unit",
        _("Units"),
        lambda: Unit.objects.public().with_translations(TranslatedField.NAME).prefetch_related("aliases"),
        "units:unit_list",
        ("description", "garrison"),
    ),
    SearchType(
        "person",
        _("Persons"),
        lambda: Person.objects.public().prefetch_related("aliases"),
        "units:person_list",
        ("description", "rank"),
    ),
    SearchType(
        "source",
        _("Sources"),
        lambda: Source.objects.public().with_translations(TranslatedField.NAME).prefetch_related("aliases"),
        "testimonies:source_list",
        ("description",),
    ),
]
TYPES_BY_KEY = {search_type.key: search_type for search_type in TYPES}


@dataclass
class Hit:
    record: models.Model
    snippet: str  # safe HTML with <mark>
    also_known_as: list[str] = field(default_factory=list)  # the aliases that matched


@dataclass
class TypeResults:
    type: SearchType
    count: int
    count_is_estimate: bool
    hits: list[Hit]
    list_url: str


def word_matches(word: str, terms: list[Term]) -> bool:
    """Whether a word of a text is one a query found: it begins with a term, or shares most of it (a stem:
    "deserter" for "deserters")."""
    folded = fold(word).replace(" ", "")
    if not folded:
        return False
    for term in terms:
        if folded.startswith(term.folded):
            return True
        common = len(term.folded) - 2
        if common >= 4 and folded[:common] == term.folded[:common]:
            return True
    return False


def snippet(text: str, terms: list[Term]) -> str:
    """Up to SNIPPET_WORDS words of `text` around its first match, matched words in <mark>, escaped."""
    words = text.split()
    first = next((index for index, word in enumerate(words) if word_matches(word, terms)), None)
    if first is None:
        return conditional_escape(Truncator(text).words(SNIPPET_WORDS))
    start = max(0, first - SNIPPET_WORDS // 3)
    window = words[start : start + SNIPPET_WORDS]
    marked = " ".join(
        f"<mark>{conditional_escape(word)}</mark>" if word_matches(word, terms) else conditional_escape(word)
        for word in window
    )
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + SNIPPET_WORDS < len(words) else ""
    return mark_safe(f"{prefix}{marked}{suffix}")  # noqa: S308 - every part is escaped above


def hit(record, search_type: SearchType, terms: list[Term]) -> Hit:
    text = next((getattr(record, name) for name in search_type.text_fields if getattr(record, name, "")), "")
    aliases = []
    if search_type.key != "testimony":
        # The other names that matched: aliases, and translations of the name into another language than the
        # reader's (core.translations).
        names = [alias.name for alias in record.aliases.all()]
        if isinstance(record, TranslatableModel):
            names += [
                translation.text for translation in record.prefetched_translations() if translation.field == "name"
            ]
        shown = getattr(record, "reader_name", record.name)
        aliases = [
            name
            for name in dict.fromkeys(names)
            if name != shown and any(word_matches(word, terms) for word in name.split())
        ]
    return Hit(record, snippet(text, terms), aliases)


def search_archive(text: str) -> list[TypeResults]:
    """The public records of every type that match `text`: a count and the best few of each."""
    terms = query_terms(text)
    if not terms:
        return []
    results = []
    for search_type in TYPES:
        matches = search_type.records().search(text)
        count, is_estimate = bounded_count(matches)
        hits = [hit(record, search_type, terms) for record in matches[:RESULTS_PER_TYPE]] if count else []
        results.append(TypeResults(search_type, count, is_estimate, hits, search_type.list_url(text)))
    return results


def suggestions(type_key: str, text: str) -> list[dict]:
    """Public records of one type whose names begin like `text`, best first: for the filters' text boxes."""
    search_type = TYPES_BY_KEY[type_key]
    if not query_terms(text):
        return []
    records = search_type.records().search(text)[:SUGGESTIONS]
    return [{"value": record.slug, "label": record.name} for record in records]
