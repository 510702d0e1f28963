"""Pages about the archive as a whole: the home page, and one search across every record type."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.security import ReadOnlyViewMixin
from sites.models import Site
from testimonies.models import Source, Testimony
from units.models import Unit

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
