"""Facets: for each filter of a list, how many public records each of its choices would give.

A facet is counted over the list's records filtered by every *other* active filter, so that its counts say what
choosing one of its values would give now. Each facet is one aggregate query over `.public()` records and their
public related records; the counts are cached per publication generation (core.generation), since they change only
when staff change a record.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import Count

from .translations import reader_names


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
