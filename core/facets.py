"""Facets: for each filter of a list, how many public records each of its choices would give.

A facet is counted over the list's records filtered by every *other* active filter, so that its counts say what
choosing one of its values would give now. The records' keys are read once (a Sample), with the values of their own
fields that facets count; each facet of related records is one aggregate query over those of the keys that are
`.public()` records and their public related records. The counts are cached per publication generation
(core.generation), since they change only when staff change a record.

Up to SAMPLE_SIZE records are counted exactly; of more, the SAMPLE_SIZE added last are counted (and the page says
so), so that the first reader after a change waits as long at a million testimonies as at ten thousand: counting
every match made that reader wait 2.4 s at 100,000 testimonies, 6 s with a common word (bench/RESULTS.md). A sample
of 1,000 rather than 2,000 took a third off that wait at 1,000,000 testimonies (a common word 225 -> 162 ms): with
half the keys, PostgreSQL looks up each linked site and publication instead of hashing all of them.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import Count, Q

from .lookups import Keys
from .translations import reader_names

# A facet counts up to this many records exactly; of more, it counts this many, the ones added last.
SAMPLE_SIZE = 1_000


@dataclass(frozen=True)
class FacetChoice:
    value: str
    label: str
    count: int


class Sample:
    """The public records the facets of a list count, read once: their keys, up to SAMPLE_SIZE of them (of more,
    the SAMPLE_SIZE added last: `sampled`), with the values of their own `fields` that facets count.

    One query that stops at SAMPLE_SIZE + 1 rows: a common word is tested row by row in the order of the keys
    (core.search.EitherForm), so that reading its matches costs the same at any size of the archive. The keys are
    read under the model's public condition whatever `records` were, so that the facets may take them as they are
    (`among`) instead of looking each record up again (a look-up per key and facet, five facets for a testimony list).
    """

    def __init__(self, records: models.QuerySet, fields: tuple[str, ...] = ()):
        self.model = records.model
        self.fields = tuple(fields)
        public = records.filter(records.public_condition())
        rows = list(public.order_by("-pk").values_list("pk", *self.fields)[: SAMPLE_SIZE + 1])
        self.sampled = len(rows) > SAMPLE_SIZE
        self.rows = rows[:SAMPLE_SIZE]
        self.keys = Keys(row[0] for row in self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def records(self) -> models.QuerySet:
        """The sampled records as a queryset, for a facet that reads more of them than their keys."""
        return self.model.objects.public().filter(pk__any_of=self.keys)

    def values(self, field: str) -> list:
        column = 1 + self.fields.index(field)
        return [row[column] for row in self.rows]


def records_of(records) -> models.QuerySet:
    """The records a facet counts as a queryset: a Sample's, or `records` themselves (a queryset of all the
    records, as the overview's charts count them)."""
    return records.records if isinstance(records, Sample) else records


def among(field: str, records) -> Q:
    """The rows whose foreign key `field` names one of `records`: a Sample's keys as they are (one parameter, read
    from public records), or a queryset's records through a subquery."""
    if isinstance(records, Sample):
        return Q(**{f"{field}__any_of": records.keys})
    return Q(**{f"{field}__in": records})


@dataclass(frozen=True)
class FieldCount:
    """Counts the records per value of their own `field` (labels from `choices`, a TextChoices class, if given),
    from the values the sample read with its keys: no query of its own."""

    field: str
    choices: type | None = None

    def __call__(self, sample: Sample, limit: int | None) -> list[tuple]:
        labels = dict(self.choices.choices) if self.choices is not None else {}
        counts = Counter(value for value in sample.values(self.field) if value != "")
        ordered = sorted(
            ((value, labels.get(value, value), records) for value, records in counts.items()),
            key=lambda row: (-row[2], row[1]),
        )
        return ordered[:limit]


@dataclass(frozen=True)
class Facet:
    """How to count the choices of the filter `name` over the sample of the list's public records.

    `count` is a FieldCount (`by_field`), counted from the sample's own values, or a callable `count(sample, limit)`
    returning (value, label, count) rows, most frequent first (`by_link`). `top` limits a large vocabulary (sites,
    units, sources) to its most frequent choices: those are shown as links beside a text box with suggestions,
    never as a select box of thousands of options.
    """

    name: str
    count: Callable
    top: int | None = None

    @property
    def suggests(self) -> bool:
        return self.top is not None

    @property
    def field(self) -> str | None:
        """The records' own field this facet counts, read with the sample's keys; None for a facet of related
        records, counted by a query of its own."""
        return self.count.field if isinstance(self.count, FieldCount) else None

    def choices(self, sample: Sample) -> list[FacetChoice]:
        rows = self.count(sample, self.top)
        return [FacetChoice(str(value), str(label), count) for value, label, count in rows if count]


@dataclass(frozen=True)
class FacetCounts:
    """A facet's choices with their counts; `sample`, when the records were too many to count, is how many of them
    were counted (the ones added last), else None."""

    choices: list[FacetChoice]
    sample: int | None = None


def count_facets(facets, records_per_facet: dict) -> dict[str, FacetCounts]:
    """{facet name: FacetCounts} of `facets`, each over its records in `records_per_facet` (core.listing): a
    Sample is read once for the facets that share their records (every facet, when no facet's filter is active),
    with the fields the facets of the records' own values count, and each facet of related records counts those
    among the sample's public records."""
    fields = tuple(dict.fromkeys(facet.field for facet in facets if facet.field is not None))
    samples = {}
    counted = {}
    for facet in facets:
        records = records_per_facet[facet.name]
        if id(records) not in samples:
            samples[id(records)] = Sample(records, fields)
        sample = samples[id(records)]
        if not sample:
            counted[facet.name] = FacetCounts([])  # no record, no choice: nothing to ask the database
            continue
        counted[facet.name] = FacetCounts(facet.choices(sample), len(sample) if sample.sampled else None)
    return counted


def by_field(field: str, choices=None) -> FieldCount:
    """Count records per value of their own `field`; labels from `choices` (a TextChoices class) if given."""
    return FieldCount(field, choices)


def by_link(
    links: Callable,
    record: str,
    value: str,
    label: str,
    choices=None,
    translated: bool = False,
    one_link_per_value: bool = False,
) -> Callable:
    """Count records per related record, through `links(records)`: rows of a link model (or of the related
    model itself) that join the listed records (a Sample, or a queryset: `among` and `records_of` take either;
    `record`, the field naming them) to public related records, each identified by `value` and shown as `label`
    (field paths on the link rows; or, for a code, its label in `choices`; or, `translated`, the related record's
    name in the reader's language where it has a translation: for counts cached per language, as the list pages'
    facets are). `one_link_per_value`: a record has one link row at most per value (a many-to-many table and the
    related record's own key), so the rows are counted without DISTINCT, for which PostgreSQL sorts them."""
    labels = dict(choices.choices) if choices is not None else {}
    counted = Count(record) if one_link_per_value else Count(record, distinct=True)

    def count(records, limit):
        linked = links(records)
        rows = linked.order_by().values_list(value, label).annotate(records=counted).order_by("-records", label)
        rows = list(rows[:limit] if limit else rows)
        names = reader_names(linked.model, value, [code for code, _name, _records in rows]) if translated else {}
        return [(code, names.get(code) or labels.get(code, name), records) for code, name, records in rows]

    return count
