from pathlib import PurePosixPath

from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponseNotModified
from django.shortcuts import get_object_or_404
from django.views import View
from django.views.generic import DetailView

from core.csv_export import CsvExportView
from core.curation import RECORDS_ON_DETAIL_PAGE
from core.errors import STORE, unavailable_response
from core.listing import PublicFilterListView
from core.merge import RedirectMergedMixin
from core.public_ids import NumberedUrlRedirectView
from core.security import ReadOnlyViewMixin
from core.storage import StorageUnavailable
from units.command import chains_of_command

from .exports import SOURCE_COLUMNS, TESTIMONY_COLUMNS
from .filters import SourceFilter, TestimonyFilter
from .models import EvidenceImage, Source, Testimony


class TestimonyListView(PublicFilterListView):
    filterset_class = TestimonyFilter
    queryset = Testimony.objects.for_public_list()
    template_name = "testimonies/testimony_list.html"
    export_url_name = "testimonies:testimony_export"
    # The filters the overview's charts read the same way (core.listing.PublicFilterMixin.charts_url).
    charts_parameters = None


class TestimonyDetailView(ReadOnlyViewMixin, DetailView):
    queryset = Testimony.objects.for_public_detail()
    slug_field = slug_url_kwarg = "public_id"
    template_name = "testimonies/testimony_detail.html"

    def get_context_data(self, **kwargs):
        testimony = self.object
        # Under limited consent, the period as the public may know it: whole months.
        chains = chains_of_command(testimony.public_units, *testimony.public_events_bounds)
        return super().get_context_data(chains=chains, **kwargs)


class TestimonyNumberedUrlView(NumberedUrlRedirectView):
    queryset = Testimony.objects.public()
    viewname = "testimonies:testimony_detail"


class SourceListView(PublicFilterListView):
    filterset_class = SourceFilter
    queryset = Source.objects.for_public_list()
    template_name = "testimonies/source_list.html"
    export_url_name = "testimonies:source_export"


class SourceDetailView(RedirectMergedMixin, ReadOnlyViewMixin, DetailView):
    model = Source
    queryset = Source.objects.for_public_detail()
    template_name = "testimonies/source_detail.html"

    def get_context_data(self, **kwargs):
        testimonies = self.object.public_testimonies().for_public_list()[:RECORDS_ON_DETAIL_PAGE]
        return super().get_context_data(testimonies=testimonies, **kwargs)


class TestimonyExportView(CsvExportView):
    filterset_class = TestimonyFilter
    queryset = Testimony.objects.public().with_public_date().order_by("-public_given_on_sort", "-id")
    columns = TESTIMONY_COLUMNS
    file_stem = "testimonies"
    detail_viewname = "testimonies:testimony_detail"
    detail_url_kwarg = "public_id"


class SourceExportView(CsvExportView):
    filterset_class = SourceFilter
    queryset = Source.objects.public()
    columns = SOURCE_COLUMNS
    file_stem = "sources"
    detail_viewname = "testimonies:source_detail"
    detail_url_kwarg = "slug"


def evidence_response(request, evidence: EvidenceImage, variant: str):
    """One file of an evidence image, with a content type from the record (never from a file name), no
    sniffing, and a file name that is the hash of the served bytes."""
    file = getattr(evidence, variant)
    stem = PurePosixPath(file.name).stem[:64]
    etag = f'"{stem}"'
    # Revalidated on every use (no-cache), so that a withheld image is not shown again from a cache.
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        try:
            # Streamed from the folder or the object store after the `.public()` check, never a (presigned) URL
            # of the store: the same headers either way, and no address that outlives a withdrawal.
            handle, size = file.storage.open_stream(file.name)
        except FileNotFoundError:
            raise Http404 from None
        except StorageUnavailable:
            return unavailable_response(request, STORE)
        response = FileResponse(handle, content_type=evidence.content_type, filename=f"{stem}.{evidence.extension}")
        response["Content-Length"] = str(size)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    return response


class EvidenceImageView(ReadOnlyViewMixin, View):
    """/evidence/<public id>/ and /evidence/<public id>/thumbnail/: a public evidence image by its public id."""

    variant = "display"
    cache_public_response = False  # files are revalidated on every use (evidence_response), never kept

    def get(self, request, public_id):
        evidence = get_object_or_404(EvidenceImage.objects.public(), public_id=public_id)
        return evidence_response(request, evidence, self.variant)


class EvidenceNumberedUrlView(NumberedUrlRedirectView):
    queryset = EvidenceImage.objects.public()
    viewname = "testimonies:evidence_image"


class EvidenceFileView(ReadOnlyViewMixin, View):
    """/media/evidence/<name>: the URL of a stored file, served only while its record is public.

    The name is only ever compared with the stored names, never used to open a path.
    """

    cache_public_response = False

    def get(self, request, name):
        evidence = EvidenceImage.objects.public().filter(Q(display=name) | Q(thumbnail=name)).first()
        if evidence is None:
            raise Http404
        return evidence_response(request, evidence, "display" if evidence.display.name == name else "thumbnail")
