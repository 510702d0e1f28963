"""Search: names in every script, and full text, with a bounded cost whatever a reader types.

A query is split into at most `MAX_TERMS` words; every word must match (AND), each in any of the places a model
searches. Two kinds of matching:

- **Names** (of sites, units, sources, persons, and their aliases) are folded to lower-case ASCII with anyascii, a
  maintained transliteration library for every script, so that case, accents and the Latin/Cyrillic choice do not
  matter: "Макеевка", "MAKEEVKA" and "Makéevka" all become "makeevka". A named record stores its folded names in
  `search_names` (`NamedModel`); a word matches a name word that begins with it. On PostgreSQL a trigram index
  serves that `LIKE`.
- **Text** (quotes, translations, context, descriptions): on PostgreSQL the stored, GIN-indexed tsvector (kept by
  database triggers), queried with prefix terms in the english, russian and simple configurations, with `unaccent`
  on both sides; on SQLite the same folding as for names, through a `fold()` SQL function registered on every
  connection (`register_sqlite_functions`), which gives the same hits on the demo data.
"""

import hashlib
import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from anyascii import anyascii
from django.contrib.postgres.search import SearchQuery, SearchQueryField, SearchRank
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Cast
from django.db.models.sql import Query

from .lookups import Keys

SEARCH_CONFIGS = ("english", "russian", "simple")
MAX_TERMS = 8
MAX_TERM_LENGTH = 40
# One-letter words would match most of the archive as prefixes; they count only as digits ("5-я бригада").
MIN_TERM_LENGTH = 2
WORD = re.compile(r"\w+")
APOSTROPHES = re.compile(r"['’ʼ`´]")
NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """`text` as lower-case ASCII words separated by single spaces: the form in which names are compared.

    Apostrophes are dropped rather than split on, so that "Donets'k" (a soft sign) folds like "Donetsk".
    """
    ascii_text = APOSTROPHES.sub("", anyascii(text or "")).lower()
    return NOT_ALPHANUMERIC.sub(" ", ascii_text).strip()


def name_index(names) -> str:
    """The `search_names` of a record: every name folded, each word preceded by a space (" makiivka makeevka")."""
    words = []
    for name in names:
        for word in fold(name).split():
            if word not in words:
                words.append(word)
    return "".join(f" {word}" for word in words)


@dataclass(frozen=True)
class Term:
    """One word of a query: as typed (for full text, which stems it) and folded (for names)."""

    text: str
    folded: str

    def tsquery(self) -> str:
        """The word as a prefix, and also transliterated ("донецк" finds "Donetsk" in a description)."""
        if self.folded and self.folded != self.text:
            return f"('{self.text}':* | '{self.folded}':*)"
        return f"'{self.text}':*"

    @property
    def searches_text(self) -> bool:
        return len(self.text) >= MIN_TERM_LENGTH or self.text.isdigit()

    @property
    def searches_names(self) -> bool:
        return len(self.folded) >= MIN_TERM_LENGTH or self.folded.isdigit()


def query_terms(text: str) -> list[Term]:
    """The words of a query that can be searched for, at most MAX_TERMS of them; operators, punctuation, NUL bytes
    and whatever else is no letter or digit are ignored, so that no input reaches the database as syntax."""
    terms = []
    for match in WORD.finditer((text or "")[: MAX_TERMS * (MAX_TERM_LENGTH + 1) * 4]):
        word = match.group().replace("_", "")[:MAX_TERM_LENGTH].lower()
        folded = fold(word).replace(" ", "")
        term = Term(word, folded)
        if (term.searches_text or term.searches_names) and term not in terms:
            terms.append(term)
        if len(terms) == MAX_TERMS:
            break
    return terms


def uses_full_text(queryset_or_alias) -> bool:
    alias = queryset_or_alias if isinstance(queryset_or_alias, str) else queryset_or_alias.db
    return connections[alias].vendor == "postgresql"


# --- Names ------------------------------------------------------------------------------------------------------


def names_condition(term: Term, field: str = "search_names") -> Q:
    """The record has a name (or alias) with a word that begins with `term`."""
    return Q(**{f"{field}__contains": f" {term.folded}"})


def name_rank(query: str, field: str = "search_names") -> models.Expression:
    """2 when a name of the record is the whole query, 1 when a name word begins with it, else 0."""
    folded = fold(query)
    return models.Case(
        models.When(**{f"{field}__contains": f" {folded} "}, then=Value(2)),
        models.When(**{f"{field}__endswith": f" {folded}"}, then=Value(2)),
        models.When(**{f"{field}__contains": f" {folded}"}, then=Value(1)),
        default=Value(0),
    )


# --- Full text --------------------------------------------------------------------------------------------------


class Unaccent(Func):
    function = "unaccent"
    output_field = models.TextField()


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """Give SQLite connections `fold()`, so that text is searched in the same folded form as names."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("FOLD", 1, lambda value: f" {fold(value)} ", deterministic=True)


# How long the tsquery of a search is kept (`tsquery_text`).
TSQUERY_SECONDS = 24 * 60 * 60


def every_config_query(raw: str) -> SearchQuery:
    """`raw` (terms in tsquery syntax) in every configuration, accents removed."""
    query = None
    for config in SEARCH_CONFIGS:
        part = SearchQuery(Unaccent(Value(raw)), search_type="raw", config=config)
        query = part if query is None else query | part
    return query


def tsquery_text(raw: str, using: str) -> str:
    """`every_config_query(raw)` as PostgreSQL writes the tsquery it makes, kept in the cache (a day): it depends on
    the words and the text search configurations alone, not on the records."""

    def make() -> str:
        connection = connections[using]
        query = Query(None)
        sql, params = every_config_query(raw).resolve_expression(query).as_sql(query.get_compiler(using), connection)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT ({sql})::text", params)
            return cursor.fetchone()[0]

    # The configurations in the key, so that a release that changes them does not read the tsqueries of the last.
    key = f"search-tsquery:{hashlib.sha256(f'{SEARCH_CONFIGS}:{raw}'.encode()).hexdigest()}"
    return cache.get_or_set(key, make, TSQUERY_SECONDS)


def text_query(terms: list[Term], using: str) -> models.Expression:
    """All `terms` as prefixes (the last word may be half typed), in every configuration, accents removed, as a
    constant tsquery made by PostgreSQL once (`tsquery_text`). Left to the query as `to_tsquery(unaccent(...))`,
    it was made again for each row tested (`unaccent` is only stable, so never folded into a constant): 31 -> 21 ms
    to test the rows of the 2,000 matches of a common word that the facets count at 1,000,000 testimonies. A
    constant is still planned with the statistics of its words (`is_common`), where a subquery would be planned
    blind.

    Terms hold only letters and digits (query_terms), so the raw tsquery syntax around them is all ours.
    """
    raw = " & ".join(term.tsquery() for term in terms)
    return Cast(Value(tsquery_text(raw, using)), SearchQueryField())


class Matches(Func):
    """`vector @@ query` as a condition (the `search_vector=` lookup takes a SearchQuery only)."""

    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = models.BooleanField()


def text_condition(queryset: models.QuerySet, term: Term, fields: tuple[str, ...]) -> Q:
    """`term` is a word of the record's own text: its stored search vector (PostgreSQL) or its folded `fields`."""
    if not term.searches_text:
        return Q(pk__in=[])
    if uses_full_text(queryset):
        return Q(Matches(F("search_vector"), text_query([term], queryset.db)))
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__fold__contains": f" {term.folded}"})
    return condition


def text_rank(queryset: models.QuerySet, terms: list[Term]) -> models.Expression:
    """How well the record's own text matches (PostgreSQL; SQLite ranks nothing)."""
    if not uses_full_text(queryset) or not terms:
        return Value(0.0, output_field=models.FloatField())
    return SearchRank(F("search_vector"), text_query(terms, queryset.db), cover_density=True)


@models.CharField.register_lookup
@models.TextField.register_lookup
class FoldTransform(models.Transform):
    """`field__fold__contains=" word"`: the field folded like names (SQLite's registered `fold()` function)."""

    lookup_name = "fold"
    function = "FOLD"
    output_field = models.TextField()


# Ranking every match of a common word costs as much as the archive is large: past this many matches the
# results keep their usual order (newest first) and are not ranked.
RANKED_MATCHES = 1000
# A word is common (`is_common`: its page answered row by row in the usual order) when the planner expects it in at
# least this share of the records searched, so that a page of 25 fills within about 500 rows read (PostgreSQL's
# estimate for a rare word is a small fixed share, about 2 %: bench/RESULTS.md), and in more records than are
# ranked (they would not be ranked anyway). Its count is taken from the listed form (`counted_as_listed`): row by
# row, counting would read every public record.
COMMON_SHARE = 0.05
COMMON_MATCHES = RANKED_MATCHES

_counting = ContextVar("counting_as_listed", default=False)


@contextmanager
def counted_as_listed():
    """Within it, a common word's condition (`EitherForm`) is compiled in its listed form: for a count (or the
    planner's estimate of one), which reads every match either way, a list of ids from the indexes is cheaper
    than testing each public record in turn (757 ms at 10,000 testimonies for a word in half of them)."""
    token = _counting.set(True)
    try:
        yield
    finally:
        _counting.reset(token)


class EitherForm(models.Expression):
    """A search condition in two forms that select the same records: `row_by_row` (each row tested in the order
    of the query, which stops when a page is full) and `listed` (a list of ids from the indexes, then joined), the
    latter compiled only within `counted_as_listed()`."""

    conditional = True

    def __init__(self, row_by_row: Q, listed: Q):
        super().__init__(output_field=models.BooleanField())
        self.row_by_row, self.listed = row_by_row, listed

    def get_source_expressions(self):
        return [self.row_by_row, self.listed]

    def set_source_expressions(self, expressions):
        self.row_by_row, self.listed = expressions

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        clone = self.copy()
        clone.is_summary = summarize
        clone.listed = self.listed.resolve_expression(query, allow_joins, reuse, summarize, for_save)
        if self.row_by_row is self.listed:  # one form in both places (SearchableQuerySet.is_common): resolved once
            clone.row_by_row = clone.listed
        else:
            clone.row_by_row = self.row_by_row.resolve_expression(query, allow_joins, reuse, summarize, for_save)
        return clone

    def as_sql(self, compiler, connection):
        return compiler.compile(self.listed if _counting.get() else self.row_by_row)


def rankable_keys(queryset: models.QuerySet) -> list | None:
    """The keys of `queryset`'s rows when there are few enough to rank them all (one bounded query, of the keys
    alone), else None."""
    keys = list(queryset.order_by().values_list("pk", flat=True)[: RANKED_MATCHES + 1])
    return keys if len(keys) <= RANKED_MATCHES else None


# How long a planner estimate is kept at most: PostgreSQL's statistics change without a write (ANALYZE, by hand
# or by autovacuum), and an estimate from before a withdrawal must not outlive the statistics that follow it.
ESTIMATE_SECONDS = 60


def compiled(queryset: models.QuerySet) -> tuple[str, tuple, str] | None:
    """The SQL and values of `queryset`, and a digest of them and its database for a cache key; None when Django
    knows that it matches nothing (`.none()`, `pk__in=[]`), a query without SQL."""
    try:
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:
        return None
    return sql, params, hashlib.sha256(f"{queryset.db}\n{sql}\n{params!r}".encode()).hexdigest()


def planner_estimate(queryset: models.QuerySet) -> int | None:
    """PostgreSQL's estimate of the rows of `queryset`, from its plan (nothing is read); None elsewhere.

    Kept per publication generation by the query's text and values, for ESTIMATE_SECONDS at most: planning a search
    took 3 ms, and a search's page asked for the same estimate two or three times (is the word common, then the
    count)."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    from .generation import cached  # not at the top: core.apps imports this module, core.generation core.apps

    query = compiled(queryset.order_by().values("pk"))
    if query is None:  # nothing to explain
        return 0
    sql, params, digest = query

    def estimate() -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            (plan,) = cursor.fetchone()  # psycopg decodes the JSON plan
        return int(plan[0]["Plan"]["Plan Rows"])

    return cached(f"planner-estimate:{digest}", estimate, using=queryset.db, seconds=ESTIMATE_SECONDS)


class SearchableQuerySet(models.QuerySet):
    """`search(text)` for a model with a stored `search_vector` (PostgreSQL) and, when it is a
    core.names.NamedModel, folded `search_names`.

    `SEARCH_TEXT_FIELDS` are the fields of the record's own text that SQLite folds (the vector's fields on
    PostgreSQL). Subclasses widen `term_condition` (a testimony also matches the names of its public sites).
    """

    SEARCH_TEXT_FIELDS: tuple[str, ...] = ()

    def has_names(self) -> bool:
        return any(field.name == "search_names" for field in self.model._meta.concrete_fields)

    def term_condition(self, term: Term, common: bool = False) -> Q:
        """The record matches `term`. `common`: the same records, as a test of each row rather than a list of ids
        (for a word that matches much of the archive; see `search`)."""
        condition = text_condition(self, term, self.SEARCH_TEXT_FIELDS)
        if self.has_names() and term.searches_names:
            condition |= names_condition(term)
        return condition

    def named(self, term: Term) -> models.QuerySet:
        """Records with a name or alias that has a word beginning with `term` (named models only)."""
        return self.filter(names_condition(term))

    def match_condition(self, text: str, common: bool = False, listed: Q | None = None) -> Q:
        """Every word of `text` matches, as a condition to combine with others (the admin adds the real name).
        `common`: tested row by row, except in a count (`EitherForm`); `listed`: this method's answer for `text`
        without `common`, when the caller has it already (building a testimony's condition takes 2 ms)."""
        terms = query_terms(text)
        if listed is None:
            listed = Q()
            for term in terms:
                listed &= self.term_condition(term)
        if not common or not listed:
            return listed
        row_by_row = Q()
        for term in terms:
            row_by_row &= self.term_condition(term, common=True)
        return Q(EitherForm(row_by_row, listed))

    def is_common(self, text: str, listed: Q | None = None) -> bool:
        """Whether `text` is common among these records by PostgreSQL's estimates (nothing is read; never on
        SQLite): then `match_condition(text, common=True)` is the faster form for a page in the usual order.
        `listed`: `match_condition(text)`, when the caller has it already."""
        condition = self.match_condition(text, listed=listed)
        if condition:
            # In the form a common word's list is counted in (`EitherForm`, listed), so that the count's estimate
            # (core.listing.bounded_count) is this same query, read from the cache: planning it twice took 3-4 ms.
            condition = Q(EitherForm(condition, condition))
        with counted_as_listed():
            matches = planner_estimate(self.filter(condition)) or 0
        searched = planner_estimate(self) or 0
        return matches >= max(COMMON_MATCHES, COMMON_SHARE * searched)

    def search(self, text: str) -> models.QuerySet:
        """The records that match `text`, best first when there are few enough to rank (RANKED_MATCHES), else in
        their usual order; all records when `text` holds no word to search for."""
        terms = query_terms(text)
        if not terms:
            return self
        listed = self.match_condition(text)
        if self.is_common(text, listed=listed):
            # A word in much of the archive: each row of the usual order is tested until the page is full, instead
            # of listing every match first.
            return self.filter(self.match_condition(text, common=True, listed=listed))
        matches = self.filter(listed)
        keys = rankable_keys(matches)
        if keys is None:
            return matches
        # The few matches by their keys: the count and the page read them through the primary key instead of
        # listing every match again from the indexes (a rare word at 1,000,000 testimonies listed them three times).
        # `self` keeps every condition it had, `.public()` first among them.
        matches = self.filter(pk__any_of=Keys(keys))
        ranks = {"search_rank": text_rank(self, terms)}
        if self.has_names():
            ranks["name_rank"] = name_rank(" ".join(term.text for term in terms))
        return matches.annotate(**ranks).order_by(*(f"-{name}" for name in reversed(ranks)), "-pk")
