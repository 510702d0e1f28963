"""Pages about the archive as a whole."""

from django.views.generic import TemplateView

from core.security import ReadOnlyViewMixin
from sites.models import Site
from testimonies.models import Source, Testimony
from units.models import Unit

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
