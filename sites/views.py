from django.views.generic import DetailView

from testimonies.csv_export import CsvExportView
from testimonies.listing import PublicFilterListView
from testimonies.security import ReadOnlyViewMixin

from .exports import SITE_COLUMNS
from .filters import SiteFilter
from .models import Site


class SiteListView(PublicFilterListView):
    filterset_class = SiteFilter
    queryset = Site.objects.for_public_list()
    template_name = "sites/site_list.html"
    export_url_name = "sites:site_export"


class SiteDetailView(ReadOnlyViewMixin, DetailView):
    queryset = Site.objects.for_public_detail()
    template_name = "sites/site_detail.html"


class SiteExportView(CsvExportView):
    filterset_class = SiteFilter
    queryset = Site.objects.public()
    columns = SITE_COLUMNS
    file_stem = "sites"
    detail_viewname = "sites:site_detail"
    detail_url_kwarg = "slug"
