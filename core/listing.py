"""Shared behaviour of the public list pages: filtering, forgiving pagination, page sizes and filter chips."""

from html import escape

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_filters.views import FilterView

from .security import ReadOnlyViewMixin

PAGE_SIZE_CHOICES = (10, 25, 50, 100)


def clamp_page_size(raw, default: int, maximum: int) -> int:
    try:
        size = int(raw)
    except (TypeError, ValueError):
        return default
    return min(max(size, 1), maximum)


class PublicFilterMixin:
    """For a FilterView that never fails on what a reader types into the address bar.

    Invalid filter values are ignored with a message (the valid ones still apply); the applied filters are shown
    as chips, and links to the exports carry them.
    """

    strict = False
    page_kwarg = "page"
    page_size_kwarg = "per_page"
    export_url_name: str

    def export_url(self, filterset) -> str:
        return self.filtered_url(filterset, self.export_url_name)

    def filtered_url(self, filterset, url_name: str) -> str:
        """`url_name` with the filters of this page, minus paging and the filters the page ignored."""
        ignored = [key for name in filterset.form.errors for key in self.parameter_keys(name)]
        query = self.querystring(exclude=(self.page_kwarg, self.page_size_kwarg, *ignored))
        return f"{reverse(url_name)}?{query}" if query else reverse(url_name)

    def parameter_keys(self, field_name: str) -> list[str]:
        """The query parameters of a filter field (a range field has `<name>_after` and `<name>_before`)."""
        return [key for key in self.request.GET if key == field_name or key.startswith(f"{field_name}_")]

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
                    "value": self.display_value(field, value),
                    "remove_query": self.querystring(exclude=(*raw_keys, self.page_kwarg)),
                }
            )
        return chips

    @staticmethod
    def display_value(field, value) -> str:
        if isinstance(value, slice):
            return " – ".join(formats.date_format(bound) if bound else "…" for bound in (value.start, value.stop))
        if hasattr(value, "pk") or not hasattr(field, "choices"):
            return str(value)
        return str(dict(field.choices).get(value, value))


class PublicFilterListView(ReadOnlyViewMixin, PublicFilterMixin, FilterView):
    """A filtered, paginated public list: a page number that is not a number or out of range shows the nearest
    valid page, and the page size is clamped."""

    def get_paginate_by(self, queryset):
        return clamp_page_size(
            self.request.GET.get(self.page_size_kwarg), settings.PUBLIC_PAGE_SIZE, settings.PUBLIC_MAX_PAGE_SIZE
        )

    def paginate_queryset(self, queryset, page_size):
        paginator = Paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = context["filter"]
        context["filter_errors"] = self.filter_errors(filterset)
        context["active_filters"] = self.active_filters(filterset)
        context["page_size_choices"] = PAGE_SIZE_CHOICES
        context["page_size"] = context["paginator"].per_page
        context["result_count"] = context["paginator"].count
        context["export_url"] = self.export_url(filterset)
        return context


class FastSelect(forms.Select):
    """A <select> that writes its options directly instead of rendering one template per option.

    Filters over sites or units offer thousands of choices; Django's per-option templates made that the
    slowest part of a list page (over 100 ms for 3,000 options).
    """

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(item) for item in self.format_value(value)}
        options = "".join(
            f'<option value="{escape(str(option_value))}"{" selected" if str(option_value) in selected else ""}>'
            f"{escape(str(label))}</option>"
            for option_value, label in self.choices
        )
        # Every value and label is escaped above with the standard library's html.escape (quotes included).
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            mark_safe(options),  # noqa: S308
        )
