from django.views.generic import DetailView, TemplateView

from sites.models import Site
from units.models import Unit

from .csv_export import CsvExportView
from .exports import SOURCE_COLUMNS, TESTIMONY_COLUMNS
from .filters import SourceFilter, TestimonyFilter
from .listing import PublicFilterListView
from .models import TESTIMONIES_ON_DETAIL_PAGE, Source, Testimony
from .security import ReadOnlyViewMixin

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


class TestimonyListView(PublicFilterListView):
    filterset_class = TestimonyFilter
    queryset = Testimony.objects.for_public_list()
    template_name = "testimonies/testimony_list.html"
    export_url_name = "testimonies:testimony_export"


class TestimonyDetailView(ReadOnlyViewMixin, DetailView):
    queryset = Testimony.objects.for_public_detail()
    template_name = "testimonies/testimony_detail.html"


class SourceListView(PublicFilterListView):
    filterset_class = SourceFilter
    queryset = Source.objects.public()
    template_name = "testimonies/source_list.html"
    export_url_name = "testimonies:source_export"


class SourceDetailView(ReadOnlyViewMixin, DetailView):
    queryset = Source.objects.for_public_detail()
    template_name = "testimonies/source_detail.html"

    def get_context_data(self, **kwargs):
        testimonies = self.object.public_testimonies().for_public_list()[:TESTIMONIES_ON_DETAIL_PAGE]
        return super().get_context_data(testimonies=testimonies, **kwargs)


class TestimonyExportView(CsvExportView):
    filterset_class = TestimonyFilter
    queryset = Testimony.objects.public()
    columns = TESTIMONY_COLUMNS
    file_stem = "testimonies"
    detail_viewname = "testimonies:testimony_detail"
    detail_url_kwarg = "pk"


class SourceExportView(CsvExportView):
    filterset_class = SourceFilter
    queryset = Source.objects.public()
    columns = SOURCE_COLUMNS
    file_stem = "sources"
    detail_viewname = "testimonies:source_detail"
    detail_url_kwarg = "slug"
