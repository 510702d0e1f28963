"""Filters shared by the public lists."""

from collections.abc import Callable

import django_filters
from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.db import models
from django_filters.constants import EMPTY_VALUES

from .search import query_terms


class SuggestInput(forms.TextInput):
    """A text box that static/js/suggest.js turns into a combobox of suggestions from /search/suggest/."""

    def __init__(self, suggest: str, attrs=None):
        super().__init__({"data-suggest": suggest, "autocomplete": "off", "spellcheck": "false", **(attrs or {})})


class OpenChoiceField(django_filters.fields.ChoiceField):
    """Offers its choices, and takes any other value too (see OpenChoiceFilter), except one with a NUL character,
    which no choice holds and PostgreSQL refuses in a query (the error of Django's own text fields)."""

    default_validators = [ProhibitNullCharactersValidator()]

    def offered(self, value) -> bool:
        return super().valid_value(value)

    def valid_value(self, value):
        return True


class OpenChoiceFilter(django_filters.ChoiceFilter):
    """A choice among what the data holds now (the public abuse types, the regions of public sites). A value that is
    not among them matches nothing: the list is empty, never an error, as for an unknown slug of NamedRecordFilter,
    so that the pages, the exports and the API answer alike and a hidden value is told from no value by nothing."""

    field_class = OpenChoiceField


class NamedRecordFilter(django_filters.CharFilter):
    """A related named record (a site, unit or source) by its slug, or by a name as a reader types it.

    `records()` gives the public records that may be chosen; `link(queryset, records)` narrows the list to what
    is linked to any of `records`. A slug chooses that record; any other text chooses every public record whose
    names (aliases and transliterations included) match it, so the text box filters without JavaScript too. An
    unknown slug is such a text and matches nothing: the list is empty, never an error.
    """

    def __init__(self, *, records: Callable[[], models.QuerySet], link: Callable, suggest: str, **kwargs):
        self.records = records
        self.link = link
        kwargs.setdefault("widget", SuggestInput(suggest))
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)

    def chosen(self, value: str) -> models.QuerySet:
        records = self.records()
        by_slug = records.filter(slug=value)
        if by_slug.exists():
            return by_slug
        if not query_terms(value):
            return records.none()
        return records.filter(records.match_condition(value))

    def filter(self, queryset, value):
        value = (value or "").strip()
        if not value:
            return queryset
        chosen = self.chosen(value)
        if not chosen.exists():
            # Nothing chosen, nothing listed, and no query: as a subquery that matches nothing, it read every record
            # of the list in its order (an unknown site took 20 s at 1,000,000 testimonies).
            return queryset.none()
        return self.link(queryset, chosen)

    def describe(self, value: str) -> str:
        """How an active choice reads in its chip: the record's name for a slug, else the text as typed."""
        record = self.records().filter(slug=value).only("name").first()
        return record.name if record else value


class OrderingFilter(django_filters.OrderingFilter):
    """Sorting that puts records without a value last in either direction (undated events after the dated ones),
    as PostgreSQL and SQLite otherwise disagree about where NULL goes."""

    def filter(self, qs, value):
        # A sort of empty names only ("?sort=,") keeps the list's own order. Cleared, the model's default order would
        # apply: for testimonies the exact day given, which limited consent keeps to the month (a page's order, and
        # the cursor of its Next link, would give it away).
        if value and all(param in EMPTY_VALUES for param in value):
            return qs
        return super().filter(qs, value)

    def get_ordering_value(self, param):
        descending = param.startswith("-")
        field = models.F(self.param_map.get(param.removeprefix("-"), param.removeprefix("-")))
        return field.desc(nulls_last=True) if descending else field.asc(nulls_last=True)
