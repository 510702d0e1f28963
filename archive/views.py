"""Pages about the archive as a whole: the home page, and one search across every record type."""

from django.conf import settings
from django.http import FileResponse, Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView

from core.security import ReadOnlyViewMixin
from sites.models import Site
from testimonies.models import Source, Testimony
from units.models import Unit

from .models import DataRelease
from .open_data import datapackage, live_paths
from .search import TYPES_BY_KEY, search_archive, suggestions

RECENT_TESTIMONIES_ON_HOME = 5


class HomeView(ReadOnlyViewMixin, TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            counts={
                "testimonies": Testimony.objects.public().count(),
                "sites": Site.objects.public().count(),
                "units": Unit.objects.public().count(),
                "sources": Source.objects.public().count(),
            },
            recent_testimonies=Testimony.objects.for_public_list()[:RECENT_TESTIMONIES_ON_HOME],
            **kwargs,
        )


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

    def get(self, request, number):
        release = self.get_object()
        try:
            stored = release.file.open("rb")
        except FileNotFoundError:
            raise Http404(_("No such release.")) from None
        response = FileResponse(stored, as_attachment=True, filename=release.file_name, content_type="application/zip")
        return response
