"""Facets: for each filter of a list, how many public records each of its choices would give.

A facet is counted over the list's records filtered by every *other* active filter, so that its counts say what
choosing one of its values would give now. Each facet is one aggregate query over `.public()` records and their
public related records; the counts are cached per publication generation (core.generation), since they change only
when staff change a record.

Up to SAMPLE_SIZE records are counted exactly; of more, the SAMPLE_SIZE added last are counted (and the page says
so), so that the first reader after a change waits as long at a million testimonies as at ten thousand: counting
every match made that reader wait 2.4 s at 100,000 testimonies, 6 s with a common word (bench/RESULTS.md).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import Count

from .translations import reader_names

# A facet counts up to this many records exactly; of more, it counts this many, the ones added last.
SAMPLE_SIZE = 2_000


@dataclass(frozen=True)
class FacetChoice:
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class Facet:
    """How to count the choices of the filter `name` over a queryset of the list's public records.

    `count(queryset, limit)` returns (value, label, count) rows, most frequent first. `top` limits a large vocabulary
    (sites, units, sources) to its most frequent choices: those are shown as links beside a text box with
    suggestions, never as a select box of thousands of options.
    """

    name: str
    count: Callable[[models.QuerySet, int | None], list[tuple]]
    top: int | None = None

    @property
    def suggests(self) -> bool:
        return self.top is not None

    def choices(self, queryset: models.QuerySet) -> list[FacetChoice]:
        rows = self.count(queryset.order_by(), self.top)
        return [FacetChoice(str(value), str(label), count) for value, label, count in rows if count]


@dataclass(frozen=True)
class FacetCounts:
    """A facet's choices with their counts; `sample`, when the records were too many to count, is how many of them
    were counted (the ones added last), else None."""

    choices: list[FacetChoice]
    sample: int | None = None


def counted_keys(records: models.QuerySet) -> tuple[list, bool]:
    """The keys of the records a facet counts, and whether they are a sample: every one of `records` up to
    SAMPLE_SIZE, else the SAMPLE_SIZE added last. One query that stops at SAMPLE_SIZE + 1 rows: a common word is
    tested row by row in the order of the keys (core.search.EitherForm), so that reading its matches costs the same
    at any size of the archive."""
    keys = list(records.order_by("-pk").values_list("pk", flat=True)[: SAMPLE_SIZE + 1])
    return keys[:SAMPLE_SIZE], len(keys) > SAMPLE_SIZE


def count_facets(facets, records_per_facet: dict) -> dict[str, FacetCounts]:
    """{facet name: FacetCounts} of `facets`, each over its records in `records_per_facet` (core.listing): the keys
    are read once for the facets that share their records (every facet, when no facet's filter is active), and
    each facet counts the public records among them."""
    keys_of = {}
    counted = {}
    for facet in facets:
        records = records_per_facet[facet.name]
        if id(records) not in keys_of:
            keys_of[id(records)] = counted_keys(records)
        keys, sampled = keys_of[id(records)]
        if not keys:
            counted[facet.name] = FacetCounts([])  # no record, no choice: nothing to ask the database
            continue
        among = records.model.objects.public().filter(pk__any_of=keys)
        counted[facet.name] = FacetCounts(facet.choices(among), len(keys) if sampled else None)
    return counted


def by_field(field: str, choices=None) -> Callable:
    """Count records per value of their own `field`; labels from `choices` (a TextChoices class) if given."""
    labels = dict(choices.choices) if choices is not None else {}

    def count(queryset, limit):
        rows = queryset.exclude(**{field: ""}).values_list(field).annotate(records=Count("pk")).order_by()
        ordered = sorted(
            ((value, labels.get(value, value), records) for value, records in rows), key=lambda row: (-row[2], row[1])
        )
        return ordered[:limit]

    return count


def by_link(
    links: Callable[[models.QuerySet], models.QuerySet],
    record: str,
    value: str,
    label: str,
    choices=None,
    translated: bool = False,
) -> Callable:
    """Count records per related record, through `links(queryset)`: rows of a link model (or of the related
    model itself) that join the listed records (`record`, the field naming them) to public related records,
    each identified by `value` and shown as `label` (field paths on the link rows; or, for a code, its label in
    `choices`; or, `translated`, the related record's name in the reader's language where it has a translation:
    for counts cached per language, as the list pages' facets are)."""
    labels = dict(choices.choices) if choices is not None else {}

    def count(queryset, limit):
        linked = links(queryset)
        rows = (
            linked.order_by()
            .values_list(value, label)
            .annotate(records=Count(record, distinct=True))
            .order_by("-records", label)
        )
        rows = list(rows[:limit] if limit else rows)
        names = reader_names(linked.model, value, [code for code, _name, _records in rows]) if translated else {}
        return [(code, names.get(code) or labels.get(code, name), records) for code, name, records in rows]

    return count
