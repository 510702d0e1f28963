"""Pages about the archive as a whole: the home page, the overview's charts, and one search across every record
type."""

import hashlib
import json
from urllib.parse import urlencode

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView
from django_filters.views import FilterView

from core.csv_export import Column, ExportContext, csv_lines, invalid_filters_response
from core.generation import cached
from core.listing import PublicFilterMixin
from core.rest_defaults import error_response, json_response
from core.search import counted_as_listed
from core.security import ReadOnlyViewMixin
from sites.models import Site
from testimonies.filters import TestimonyFilter
from testimonies.models import Source, Testimony
from units.models import Unit

from .models import DataRelease
from .open_data import datapackage, live_paths
from .overview import build_charts, count_charts
from .search import TYPES_BY_KEY, search_archive, suggestions

RECENT_TESTIMONIES_ON_HOME = 5


class HomeView(ReadOnlyViewMixin, TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            # Exact counts (the archive's size, to the record) that change only with a publication change.
            counts=cached(
                "home:counts",
                lambda: {
                    "testimonies": Testimony.objects.public().count(),
                    "sites": Site.objects.public().count(),
                    "units": Unit.objects.public().count(),
                    "sources": Source.objects.public().count(),
                },
            ),
            recent_testimonies=Testimony.objects.for_public_list()[:RECENT_TESTIMONIES_ON_HOME],
            **kwargs,
        )


OVERVIEW_FORMATS = ("html", "csv", "json")
# The overview's numbers as CSV: one row per bar of every chart (core.csv_export neutralises formulas in each cell).
OVERVIEW_COLUMNS = [
    Column(
        "chart",
        "The chart: total, months, regions, sites, units, abuse_types, witness_roles, verification, "
        "sources or site_kinds.",
        python=lambda row, context: row["chart"],
    ),
    Column(
        "key",
        "What the bar counts: a slug, a code, a month (YYYY-MM), a year (YYYY) or a kind of period.",
        python=lambda row, context: row["key"],
    ),
    Column("label", "The bar's name in the language of the request.", python=lambda row, context: row["label"]),
    Column(
        "count",
        "Public testimonies (sites, in site_kinds) the bar counts.",
        "integer",
        python=lambda row, context: row["count"],
    ),
    Column("url", "The public list of the records the bar counts.", "url", python=lambda row, context: row["url"]),
]


class OverviewView(ReadOnlyViewMixin, PublicFilterMixin, FilterView):
    """/overview/: the public testimonies that the testimony list's filters select, as charts with their numbers
    in tables; `?format=csv` and `?format=json` give the same numbers as data (archive.overview).

    A filter value the page cannot apply is ignored with the list's message; the data formats refuse it (400), as
    the exports and the API do.
    """

    filterset_class = TestimonyFilter
    queryset = Testimony.objects.public()
    template_name = "archive/overview.html"
    # Parameters that change nothing that is counted.
    presentation_parameters = ("page", "after", "per_page", "sort", "format", "bom")

    def get(self, request, *args, **kwargs):
        output = request.GET.get("format") or "html"
        if output not in OVERVIEW_FORMATS:
            message = _("Unknown format “%(format)s”: give format=csv or format=json, or none for the page.")
            return HttpResponseBadRequest(message % {"format": output[:20]}, content_type="text/plain; charset=utf-8")
        if output == "html":
            return super().get(request, *args, **kwargs)
        filterset = self.get_filterset(self.get_filterset_class())
        if output == "csv":
            if refusal := invalid_filters_response(filterset):
                return refusal
        elif filterset.is_bound and not filterset.is_valid():
            return error_response(400, _("Invalid filter parameters."), filterset.form.errors.get_json_data())
        total, charts = self.charts(filterset, absolute=True)
        if output == "json":
            return json_response(
                {
                    "filters": self.applied_parameters(filterset),
                    "total": total,
                    "charts": [
                        {"id": chart.slug, "title": chart.title, "summary": chart.summary, "rows": chart.rows()}
                        for chart in charts
                    ],
                }
            )
        rows = [{"chart": "total", "key": "", "label": _("Public testimonies"), "count": total, "url": ""}]
        rows += [{"chart": chart.slug, **row} for chart in charts for row in chart.rows()]
        lines = csv_lines(OVERVIEW_COLUMNS, rows, ExportContext(request, {}), bom=request.GET.get("bom") == "1")
        response = HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="overview-{timezone.localdate():%Y-%m-%d}.csv"'
        return response

    def applied_parameters(self, filterset) -> dict[str, str]:
        """The query parameters of the filters that apply: none that was ignored, none that the filters do not
        read, nothing about presentation."""
        ignored = {key for name in filterset.form.errors for key in self.parameter_keys(name)}
        read = {key for name in filterset.form.fields for key in self.parameter_keys(name)}
        return {
            key: value
            for key, value in self.request.GET.items()
            if value and key in read and key not in ignored and key not in self.presentation_parameters
        }

    def charts(self, filterset, absolute: bool = False):
        filtered = bool(self.active_filters(filterset))
        params = sorted(self.applied_parameters(filterset).items())
        digest = hashlib.sha256(json.dumps(params).encode()).hexdigest()[:32]

        def count():
            # Charts count every match: a common word's as the list of its matches (core.search.EitherForm).
            with counted_as_listed():
                return count_charts(filterset.qs, filtered)

        numbers = cached(f"overview:{digest}", count)
        base = self.applied_parameters(filterset)

        def url(viewname: str, params: dict) -> str:
            path = f"{reverse(viewname)}?{urlencode(params)}"
            return self.request.build_absolute_uri(path) if absolute else path

        def testimony_link(**extra) -> str:
            """The testimony list of a bar: the page's filters and the bar's. A bar of another value of a filter the
            page already has (another unit beside the unit filtered by) counts the testimonies with both, which no
            list shows: it has no link. A month narrows a period the page filters by, which the list can show."""
            extra = {key: str(value) for key, value in extra.items()}
            if any(base.get(key, value) != value for key, value in extra.items() if not key.startswith("date_")):
                return ""
            return url("testimonies:testimony_list", {**base, **extra})

        region = filterset.form.cleaned_data.get("region") if filterset.is_bound else None

        def site_link(**extra) -> str:
            return url("sites:site_list", {**({"region": region} if region else {}), **extra})

        return numbers["total"], build_charts(numbers, testimony_link, site_link, filtered)

    def filter_fields(self, filterset) -> list[dict]:
        # The order of a list changes nothing that is counted.
        return [entry for entry in super().filter_fields(filterset) if entry["field"].name != "sort"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = context["filter"]
        total, charts = self.charts(filterset)
        context.update(
            total=total,
            charts=charts,
            result_count=total,
            **self.filter_context(filterset),
            export_url=self.filtered_url(filterset, "archive:overview", format="csv", bom="1"),
            json_url=self.filtered_url(filterset, "archive:overview", format="json"),
            testimony_list_url=self.filtered_url(filterset, "testimonies:testimony_list"),
        )
        return context


class SearchView(ReadOnlyViewMixin, TemplateView):
    """/search/?q=: the public records of every type that match, grouped, with counts and snippets."""

    template_name = "archive/search.html"

    def get_context_data(self, **kwargs):
        text = self.request.GET.get("q", "")
        return super().get_context_data(query=text, results=search_archive(text), **kwargs)


class SuggestView(ReadOnlyViewMixin, View):
    """/search/suggest/?type=site&q=Petr: up to ten public records of one type whose names match, as JSON, for
    the text boxes of the filters (static/js/suggest.js)."""

    def get(self, request):
        type_key = request.GET.get("type", "")
        search_type = TYPES_BY_KEY.get(type_key)
        if search_type is None or not search_type.suggests:
            known = ", ".join(key for key, kind in TYPES_BY_KEY.items() if kind.suggests)
            return JsonResponse({"detail": _("Give a type: one of %(types)s.") % {"types": known}}, status=400)
        return JsonResponse(
            {"results": suggestions(type_key, request.GET.get("q", ""))}, json_dumps_params={"ensure_ascii": False}
        )


class DataPackageView(ReadOnlyViewMixin, View):
    """/export/datapackage.json: the Frictionless Data Package describing the live exports (archive.open_data)."""

    def get(self, request):
        response = JsonResponse(
            datapackage(live_paths(request)), json_dumps_params={"ensure_ascii": False, "indent": 2}
        )
        response["Access-Control-Allow-Origin"] = "*"  # public open data, like the GeoJSON export
        return response


class ReleaseListView(ReadOnlyViewMixin, ListView):
    """/data/: the published data releases, newest first, with their counts, checksums and changes."""

    template_name = "archive/release_list.html"
    context_object_name = "releases"
    queryset = DataRelease.objects.public()


class ReleaseMixin(ReadOnlyViewMixin):
    def get_object(self, queryset=None):
        try:
            return DataRelease.objects.public().get(number=self.kwargs["number"])
        except DataRelease.DoesNotExist:
            raise Http404(_("No such release.")) from None


class ReleaseDetailView(ReleaseMixin, DetailView):
    """/data/<number>/: one release, its files with their SHA-256, what changed and how to cite it."""

    template_name = "archive/release_detail.html"
    context_object_name = "release"

    def get_context_data(self, **kwargs):
        release = self.object
        return super().get_context_data(
            open_data_title=settings.OPEN_DATA_TITLE,
            checksum_command=f"sha256sum {release.file_name}",
            page_url=self.request.build_absolute_uri(release.get_absolute_url()),
            **kwargs,
        )


class ReleaseDownloadView(ReleaseMixin, View):
    """/data/<number>/download/: the release's zip, read from the release storage."""

    cache_public_response = False  # streamed: never kept by the page cache, so not even looked up

    def get(self, request, number):
        release = self.get_object()
        try:
            stored = release.file.open("rb")
        except FileNotFoundError:
            raise Http404(_("No such release.")) from None
        response = FileResponse(stored, as_attachment=True, filename=release.file_name, content_type="application/zip")
        return response
