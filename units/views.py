from django.views.generic import DetailView

from core.csv_export import CsvExportView
from core.curation import RECORDS_ON_DETAIL_PAGE, public_related
from core.listing import PublicFilterListView
from core.merge import RedirectMergedMixin
from core.security import ReadOnlyViewMixin

from .command import sites_during_postings
from .exports import PERSON_COLUMNS, POSTING_COLUMNS, UNIT_COLUMNS
from .filters import PersonFilter, PostingFilter, UnitFilter
from .models import Person, Posting, Unit


class UnitListView(PublicFilterListView):
    filterset_class = UnitFilter
    queryset = Unit.objects.for_public_list()
    template_name = "units/unit_list.html"
    export_url_name = "units:unit_export"


class UnitDetailView(RedirectMergedMixin, ReadOnlyViewMixin, DetailView):
    model = Unit
    queryset = Unit.objects.for_public_detail()
    template_name = "units/unit_detail.html"


class UnitExportView(CsvExportView):
    filterset_class = UnitFilter
    queryset = Unit.objects.public()
    columns = UNIT_COLUMNS
    file_stem = "units"
    detail_viewname = "units:unit_detail"
    detail_url_kwarg = "slug"


class PersonListView(PublicFilterListView):
    filterset_class = PersonFilter
    queryset = Person.objects.for_public_list()
    template_name = "units/person_list.html"
    export_url_name = "units:person_export"
    # The filters the overview's charts read the same way (core.listing.PublicFilterMixin.charts_url).
    charts_parameters = ("unit",)


class PersonDetailView(RedirectMergedMixin, ReadOnlyViewMixin, DetailView):
    model = Person
    queryset = Person.objects.for_public_detail()
    template_name = "units/person_detail.html"

    def get_context_data(self, **kwargs):
        person = self.object
        testimony_links = (
            public_related(Person, "testimony_links")
            .with_public_publication()
            .filter(person=person)
            .select_related("testimony")
            .order_by("-testimony__given_on", "-testimony")[:RECORDS_ON_DETAIL_PAGE]
        )
        return super().get_context_data(
            postings=sites_during_postings(person.public_postings), testimony_links=testimony_links, **kwargs
        )


class PersonExportView(CsvExportView):
    filterset_class = PersonFilter
    queryset = Person.objects.public()
    columns = PERSON_COLUMNS
    file_stem = "persons"
    detail_viewname = "units:person_detail"
    detail_url_kwarg = "slug"


class PostingExportView(CsvExportView):
    filterset_class = PostingFilter
    queryset = Posting.objects.public()
    columns = POSTING_COLUMNS
    file_stem = "postings"
