"""Full-text search: a stored, GIN-indexed tsvector on PostgreSQL, a plain `icontains` search on SQLite.

The vectors are filled by database triggers (see the migrations that add `search_vector`), so they stay current
on every write path: admin saves, bulk inserts from the generator or an import, and raw SQL alike. Russian and
English stemming are both applied, plus the `simple` configuration for names and words of other languages.
"""

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connections, models
from django.db.models import Case, F, Q, Value, When

SEARCH_CONFIGS = ("english", "russian", "simple")


def uses_full_text(queryset: models.QuerySet) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def full_text_query(text: str) -> SearchQuery:
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIGS[0])
    for config in SEARCH_CONFIGS[1:]:
        query |= SearchQuery(text, search_type="websearch", config=config)
    return query


def contains_condition(text: str, fields: tuple[str, ...]) -> Q:
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": text})
    return condition


def match_condition(queryset: models.QuerySet, text: str, fields: tuple[str, ...]) -> Q:
    """The condition "matches `text`" as a Q, to combine with others (the admin adds the real name to it)."""
    if uses_full_text(queryset):
        return Q(search_vector=full_text_query(text))
    return contains_condition(text, fields)


def search(queryset: models.QuerySet, text: str, fields: tuple[str, ...]) -> models.QuerySet:
    """`queryset` narrowed to `text`, best matches first: exact phrase, then full-text rank (PostgreSQL)."""
    text = text.strip()
    if not text:
        return queryset
    matching = queryset.filter(match_condition(queryset, text, fields))
    if not uses_full_text(queryset):
        return matching
    contains = contains_condition(text, fields)
    query = full_text_query(text)
    return matching.annotate(
        exact_phrase=Case(When(contains, then=Value(1)), default=Value(0)),
        search_rank=SearchRank(F("search_vector"), query, cover_density=True),
    ).order_by("-exact_phrase", "-search_rank", "-pk")
