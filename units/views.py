from django.views.generic import DetailView

from core.csv_export import CsvExportView
from core.listing import PublicFilterListView
from core.security import ReadOnlyViewMixin

from .exports import UNIT_COLUMNS
from .filters import UnitFilter
from .models import Unit


class UnitListView(PublicFilterListView):
    filterset_class = UnitFilter
    queryset = Unit.objects.for_public_list()
    template_name = "units/unit_list.html"
    export_url_name = "units:unit_export"


class UnitDetailView(ReadOnlyViewMixin, DetailView):
    queryset = Unit.objects.for_public_detail()
    template_name = "units/unit_detail.html"


class UnitExportView(CsvExportView):
    filterset_class = UnitFilter
    queryset = Unit.objects.public()
    columns = UNIT_COLUMNS
    file_stem = "units"
    detail_viewname = "units:unit_detail"
    detail_url_kwarg = "slug"
