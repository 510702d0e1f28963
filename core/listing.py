"""Shared behaviour of the public list pages: filtering, facets, forgiving pagination, bounded counts and chips."""

import hashlib
import json

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.urls import reverse
from django.utils import formats
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES
from django_filters.views import FilterView

from . import keyset
from .facets import count_facets
from .generation import cached
from .search import compiled, counted_as_listed, planner_estimate
from .security import ReadOnlyViewMixin

PAGE_SIZE_CHOICES = (10, 25, 50, 100)


def clamp_page_size(raw, default: int, maximum: int) -> int:
    try:
        size = int(raw)
    except (TypeError, ValueError):
        return default
    return min(max(size, 1), maximum)


def of_field(key: str, field_name: str) -> bool:
    """Whether a query parameter or filter belongs to a filter field: its name, or a part of it (a range's
    `<name>_after` and `<name>_before`)."""
    return key == field_name or key.startswith(f"{field_name}_")


def apply_filters(filterset, queryset, keep):
    """`queryset` under the filters of `filterset`'s cleaned form whose names `keep` accepts (FilterSet.qs,
    for some of its filters)."""
    if not filterset.is_bound:
        return queryset
    filterset.is_valid()
    for name, value in filterset.form.cleaned_data.items():
        if keep(name):
            queryset = filterset.filters[name].filter(queryset, value)
    return queryset


def records_per_facet(filterset) -> dict:
    """{facet name: the public records under every filter of `filterset` but the facet's own}: what a facet counts,
    so that each choice it offers gives results under the other filters. The form is cleaned once; the filters
    no facet owns (a search among them) narrow the records once for all the facets, and facets under the same
    filters share one queryset (every facet, when no facet's filter is active: core.facets.count_facets reads its
    records once)."""
    facets = [facet.name for facet in filterset.facets]

    def owners(name: str) -> set[str]:
        return {facet for facet in facets if of_field(name, facet)}

    shared = apply_filters(filterset, filterset.queryset.model.objects.public(), lambda name: not owners(name))
    active = [
        name
        for name, value in (filterset.form.cleaned_data.items() if filterset.is_bound else ())
        if owners(name) and value not in EMPTY_VALUES
    ]
    under_filters = {}
    records = {}
    for facet in facets:
        others = frozenset(name for name in active if facet not in owners(name))
        if others not in under_filters:
            under_filters[others] = apply_filters(filterset, shared, others.__contains__)
        records[facet] = under_filters[others]
    return records


def filters_key(params, ignored: tuple[str, ...] = ()) -> str:
    """What names the records of a request's filters in a cache key: the reader's language (names are matched and
    shown in it) and a digest of the query parameters but `ignored` (paging, the order, a map's box), whatever
    their order."""
    pairs = sorted((key, value) for key, values in params.lists() if key not in ignored for value in values)
    return f"{get_language()}:{hashlib.sha256(json.dumps(pairs).encode()).hexdigest()[:32]}"


class PublicFilterMixin:
    """For a FilterView that never fails on what a reader types into the address bar.

    Invalid filter values are ignored with a message (the valid ones still apply); the applied filters are shown
    as chips, and links to the exports carry them.
    """

    strict = False
    # Parameters that change neither the records nor the facets.
    presentation_parameters = ("page", "after", "per_page", "sort")
    # The query parameters this list passes on to the overview's charts (`charts_url`); None: all of them.
    charts_parameters: tuple[str, ...] | None = ()
    page_kwarg = "page"
    # A later page's cursor (core.keyset): the records after the last one of the page that linked to it.
    cursor_kwarg = "after"
    page_size_kwarg = "per_page"
    # The CSV export's URL name; the XLSX export of the same records is named the same with "_xlsx" added.
    export_url_name: str

    def export_url(self, filterset) -> str:
        """The CSV export of this page's records, with a byte-order mark: a reader who clicks the link most likely
        opens it in a spreadsheet, which needs the mark to read UTF-8 (scripts fetch the URL without `bom=1`)."""
        return self.filtered_url(filterset, self.export_url_name, bom="1")

    def xlsx_export_url(self, filterset) -> str:
        return self.filtered_url(filterset, f"{self.export_url_name}_xlsx")

    def filtered_url(self, filterset, url_name: str, **extra: str) -> str:
        """`url_name` with the filters of this page, minus paging and the filters the page ignored, plus `extra`."""
        ignored = [key for name in filterset.form.errors for key in self.parameter_keys(name)]
        params = self.request.GET.copy()
        for key in (self.page_kwarg, self.cursor_kwarg, self.page_size_kwarg, "bom", *ignored):
            params.pop(key, None)
        params.update(extra)
        query = params.urlencode()
        return f"{reverse(url_name)}?{query}" if query else reverse(url_name)

    def parameter_keys(self, field_name: str) -> list[str]:
        """The query parameters of a filter field (a range field has `<name>_after` and `<name>_before`)."""
        return [key for key in self.request.GET if of_field(key, field_name)]

    def querystring(self, exclude=()) -> str:
        params = self.request.GET.copy()
        for key in exclude:
            params.pop(key, None)
        return params.urlencode()

    def filter_errors(self, filterset) -> list[str]:
        if not filterset.is_bound or filterset.is_valid():
            return []
        return [
            _("“%(field)s” was ignored: %(error)s") % {"field": filterset.form[name].label, "error": " ".join(errors)}
            for name, errors in filterset.form.errors.items()
            if name in filterset.form.fields
        ]

    def charts_url(self, filterset) -> str:
        """The overview's charts (/overview/) of the testimonies this list's filters also select: the filters in
        `charts_parameters` that the testimony filters read the same way (all of them on the testimony list)."""
        if self.charts_parameters is None:
            return self.filtered_url(filterset, "archive:overview")
        ignored = {key for name in filterset.form.errors for key in self.parameter_keys(name)}
        params = self.request.GET.copy()
        for key in list(params):
            if key not in self.charts_parameters or key in ignored:
                params.pop(key)
        query = params.urlencode()
        return f"{reverse('archive:overview')}?{query}" if query else reverse("archive:overview")

    def facet_key(self) -> str:
        return f"facet-counts:{type(self).__name__}:{filters_key(self.request.GET, self.presentation_parameters)}"

    def facets(self, filterset) -> dict:
        """Each facet's choices under the other active filters: {filter name: core.facets.FacetCounts}."""
        declared = getattr(filterset, "facets", ())
        if not declared:
            return {}
        return cached(self.facet_key(), lambda: count_facets(declared, records_per_facet(filterset)))

    def filter_fields(self, filterset) -> list[dict]:
        """The form's fields with their facet, for the filter form: a select of the choices that give results
        (with their counts), or a text box with suggestions and the most frequent choices as links. A select whose
        facet counted a sample (core.facets.SAMPLE_SIZE) also offers, without a count, the choices the sample
        did not hold."""
        counted = self.facets(filterset)
        by_name = {facet.name: facet for facet in getattr(filterset, "facets", ())}
        fields = []
        for field in filterset.form:
            facet = by_name.get(field.name)
            counts = counted.get(field.name)
            entry = {"field": field, "facet": facet, "choices": counts.choices if counts else []}
            if facet is not None:
                current = str(field.value() or "")
                if hasattr(field.field, "canonical"):
                    # A field that reads several spellings of a choice (a region's name) selects the choice.
                    current = field.field.canonical(current)
                entry["current"] = current
                entry["sample"] = counts.sample
                counted_values = {choice.value for choice in entry["choices"]}
                entry["uncounted"] = (
                    [
                        (str(value), label)
                        for value, label in field.field.choices
                        if value not in EMPTY_VALUES and str(value) not in counted_values
                    ]
                    if counts.sample and not facet.suggests
                    else []
                )
                entry["current_listed"] = current in counted_values or any(
                    value == current for value, _label in entry["uncounted"]
                )
                if current and not entry["current_listed"] and not facet.suggests:
                    entry["current_label"] = dict(field.field.choices).get(current, current)
                entry["links"] = [
                    (choice, self.querystring_with(field.name, choice.value)) for choice in entry["choices"]
                ]
            fields.append(entry)
        return fields

    def filter_context(self, filterset) -> dict:
        """What the filter form (includes/list_controls.html) shows: the ignored filters, the applied ones as chips,
        the fields with their facets, and `facet_sample`: the sample size when a facet counted a sample."""
        fields = self.filter_fields(filterset)
        return {
            "filter_errors": self.filter_errors(filterset),
            "active_filters": self.active_filters(filterset),
            "filter_fields": fields,
            "facet_sample": max((entry.get("sample") or 0 for entry in fields), default=0) or None,
        }

    def querystring_with(self, name: str, value: str) -> str:
        params = self.request.GET.copy()
        params.pop(self.page_kwarg, None)
        params.pop(self.cursor_kwarg, None)
        params[name] = value
        return params.urlencode()

    def active_filters(self, filterset) -> list[dict]:
        """The applied filters as (label, value, link that removes it), for the chips above the results."""
        if not filterset.is_bound:
            return []
        filterset.is_valid()
        chips = []
        for name, field in filterset.form.fields.items():
            value = filterset.form.cleaned_data.get(name)
            if name not in filterset.form.cleaned_data or value in (None, "", [], ()) or name == "sort":
                continue
            raw_keys = self.parameter_keys(name)
            chips.append(
                {
                    "label": field.label,
                    "value": self.display_value(field, value, filterset.filters.get(name)),
                    "remove_query": self.querystring(exclude=(*raw_keys, self.page_kwarg, self.cursor_kwarg)),
                }
            )
        return chips

    @staticmethod
    def display_value(field, value, filter_=None) -> str:
        if hasattr(filter_, "describe"):
            return filter_.describe(value)
        if isinstance(value, slice):
            return " – ".join(formats.date_format(bound) if bound else "…" for bound in (value.start, value.stop))
        if hasattr(value, "pk") or not hasattr(field, "choices"):
            return str(value)
        return str(dict(field.choices).get(value, value))


# Counts are exact up to this many records; past it, on PostgreSQL, the planner's estimate is shown as "about".
EXACT_COUNT_UP_TO = 10_000
# PostgreSQL's estimates of a filtered list are within a factor of about two of the truth (bench/RESULTS.md).
TRUSTED_ESTIMATE_FROM = 3 * EXACT_COUNT_UP_TO


def bounded_count(queryset) -> tuple[int, bool]:
    """(count, is_estimate): one query bounded by EXACT_COUNT_UP_TO rows, else (PostgreSQL) the planner's estimate
    of the filtered query instead of counting a large result row by row. An estimate of several times the bound
    is trusted without counting at all (a common word in a search matches much of the archive). Only the keys
    are selected: an annotation the count does not filter by (a correlated subquery per row) is not computed."""
    with counted_as_listed():  # a common word's matches as a list of ids (core.search.EitherForm)
        estimate = planner_estimate(queryset)
        if estimate is not None and estimate > TRUSTED_ESTIMATE_FROM:
            return estimate, True
        bounded = exact_count(queryset, up_to=EXACT_COUNT_UP_TO)
        if bounded <= EXACT_COUNT_UP_TO:
            return bounded, False
        if estimate is None:
            return exact_count(queryset), False
    return max(estimate, bounded), True


def exact_count(queryset, up_to: int | None = None) -> int:
    """How many records `queryset` has (at most `up_to` + 1, when given), counted once per publication generation
    and query (core.generation): the next reader of the same list reads the number from the cache. A common word's
    count at 10,000 testimonies tests every one of them (30 ms on each request before)."""
    keys = queryset.order_by().values("pk")
    if up_to is not None:
        keys = keys[: up_to + 1]
    query = compiled(keys)
    if query is None:
        return 0
    _sql, _params, digest = query
    return cached(f"count:{digest}", keys.count, using=keys.db)


# From this offset a page's records are chosen by key before they are read (records_between).
KEYS_FIRST_FROM = 500


def records_between(queryset, bottom: int, top: int):
    """`queryset[bottom:top]`; past the first records, the keys of the page are read first (the order's index, and
    only what the order needs) and then the page's records by key, so that the records skipped on the way are not
    built: with OFFSET, the database computes every column of each skipped record (a testimony's corroboration is a
    subquery), which made the middle page of the API's 85,000 public testimonies take 1.6 s."""
    if bottom < KEYS_FIRST_FROM:
        return queryset[bottom:top]
    keys = list(queryset.values_list("pk", flat=True)[bottom:top])
    return queryset.filter(pk__in=keys)


def in_unique_order(queryset, default=()):
    """`queryset` in its order (`default`, the list's own, when it has none; else the model's) with the primary key
    last, so that records that tie (two sites of the same name) keep one place: pages neither overlap nor skip a
    record, and a cursor (core.keyset) names one place in the order. The model's order is the last resort: a
    testimony's is the exact day given, which limited consent keeps to the month."""
    order = list(queryset.query.order_by) or list(default) or list(queryset.model._meta.ordering)
    if not order or order[-1] not in ("pk", "-pk", "id", "-id"):
        order.append("pk")
    return queryset.order_by(*order)


class BoundedCountPaginator(Paginator):
    """A paginator whose count is `bounded_count`'s (`count_is_estimate` says when it is an estimate), whose deep
    pages are read by key (records_between), and whose pages past the first EXACT_COUNT_UP_TO records link to the
    next by cursor (core.keyset, `page_after`): following "Next" to the end of a million records costs the same per
    page all the way, where each numbered page read every record before it (1.7 s for the middle one)."""

    count_is_estimate = False
    links_by_cursor = True

    @cached_property
    def count(self):
        count, self.count_is_estimate = bounded_count(self.object_list)
        return count

    def page(self, number):
        # Django's Paginator.page, with records_between for the slice.
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if self.links_by_cursor and top > EXACT_COUNT_UP_TO:
            # The next page is linked by cursor: one record more says whether there is one, the count may be an
            # estimate.
            rows = list(records_between(self.object_list, bottom, top + 1))
            return self.keyed_page(rows, number, by_cursor=False)
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(records_between(self.object_list, bottom, top), number, self)

    def page_after(self, cursor: str) -> "KeyedPage":
        """The page of the records after the one `cursor` was made for (keyset.MalformedCursor or
        keyset.UnknownCursor when this list did not make it, with this order)."""
        rows = list(keyset.records_after(self.object_list, cursor)[: self.per_page + 1])
        return self.keyed_page(rows, keyset.page_number(cursor, self.per_page), by_cursor=True)

    def keyed_page(self, rows: list, number: int | None, by_cursor: bool) -> "KeyedPage":
        """The page of the first `per_page` of `rows`, with the cursor of the next when there is a record more."""
        shown = rows[: self.per_page]
        next_cursor = None
        if len(rows) > self.per_page:
            following = number + 1 if number else None
            next_cursor = keyset.cursor_after(self.object_list, shown[-1], page=following, per_page=self.per_page)
        return KeyedPage(shown, number, self, next_cursor, by_cursor)


class KeyedPage(Page):
    """A page past the first EXACT_COUNT_UP_TO records: its next page is linked by cursor (`next_cursor`, None on
    the last page). Reached by a cursor (`by_cursor`), `number` is the one the cursor was made with (None if it has
    none) and it links to the first page and the next, not to the previous one: reading back costs an offset."""

    def __init__(self, object_list, number, paginator, next_cursor: str | None, by_cursor: bool):
        super().__init__(object_list, number, paginator)
        self.next_cursor = next_cursor
        self.by_cursor = by_cursor

    def has_next(self):
        return self.next_cursor is not None

    def has_previous(self):
        return not self.by_cursor and self.number > 1

    def has_other_pages(self):
        return self.by_cursor or super().has_other_pages()


def about(number: int) -> int:
    """`number` rounded to two significant digits, for counts that are estimates."""
    digits = len(str(number)) - 2
    return round(number, -digits) if digits > 0 else number


class PublicFilterListView(ReadOnlyViewMixin, PublicFilterMixin, FilterView):
    """A filtered, paginated public list: a page number that is not a number or out of range shows the nearest
    valid page, and the page size is clamped.

    The FilterSet's `facets` (core.facets) are counted for the filters a reader has not narrowed by, under the
    filters they have; they are cached per publication generation.
    """

    paginator_class = BoundedCountPaginator
    # A cursor given that this list did not make (core.keyset): the first page is shown instead, with a notice.
    cursor_refused = False

    def get_paginate_by(self, queryset):
        return clamp_page_size(
            self.request.GET.get(self.page_size_kwarg), settings.PUBLIC_PAGE_SIZE, settings.PUBLIC_MAX_PAGE_SIZE
        )

    def paginate_queryset(self, queryset, page_size):
        queryset = in_unique_order(queryset, default=self.get_queryset().query.order_by)
        paginator = self.paginator_class(queryset, page_size)
        page = None
        cursor = self.request.GET.get(self.cursor_kwarg)
        if cursor:
            try:
                page = paginator.page_after(cursor)
            except (keyset.MalformedCursor, keyset.UnknownCursor):
                self.cursor_refused = True
        if page is None:
            page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = context["filter"]
        paginator = context["paginator"]
        context.update(self.filter_context(filterset))
        if self.cursor_refused:
            context["filter_errors"].append(
                _("The link to a later page was not made by this list with this order: here is the first page.")
            )
        context["page_size_choices"] = PAGE_SIZE_CHOICES
        context["page_size"] = paginator.per_page
        context["result_count"] = about(paginator.count) if paginator.count_is_estimate else paginator.count
        context["result_count_is_estimate"] = paginator.count_is_estimate
        context["page_count"] = about(paginator.num_pages) if paginator.count_is_estimate else paginator.num_pages
        context["export_url"] = self.export_url(filterset)
        context["xlsx_export_url"] = self.xlsx_export_url(filterset)
        context["charts_url"] = self.charts_url(filterset)
        return context
