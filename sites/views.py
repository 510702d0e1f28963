from django import forms
from django.conf import settings
from django.http import JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import DetailView

from core.csv_export import CsvExportView
from core.generation import cached
from core.listing import PublicFilterListView, filters_key
from core.merge import RedirectMergedMixin
from core.rest_defaults import error_response
from core.security import ReadOnlyViewMixin
from units.command import chains_of_command

from .clusters import MIN_ZOOM, Viewport, ViewportError, feature_collection, max_zoom, site_marker, viewport_markers
from .exports import SITE_COLUMNS
from .filters import SiteFilter
from .geo import GEOJSON_CONTENT_TYPE
from .models import Site


def map_settings() -> dict:
    """What every map element needs: the tile server when one is configured, otherwise this site's own base map."""
    return {
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "basemap_url": "" if settings.MAP_TILE_URL else static("vendor/basemap/region.geojson"),
    }


class SiteListView(PublicFilterListView):
    filterset_class = SiteFilter
    queryset = Site.objects.for_public_list()
    template_name = "sites/site_list.html"
    export_url_name = "sites:site_export"
    # The filters the overview's charts read the same way (core.listing.PublicFilterMixin.charts_url).
    charts_parameters = ("region", "unit")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["geojson_url"] = self.filtered_url(context["filter"], "sites:site_geojson")
        context["map_url"] = self.filtered_url(context["filter"], "sites:site_map")
        return context


class SiteMapView(PublicFilterListView):
    """The public sites with coordinates on a map, with the filters of the site list, and the same sites listed
    below it, a page at a time, for readers without JavaScript or a pointer.

    The page holds no marker: it gives the box of the matching sites (the first view) and the address of the
    markers endpoint with its filters; the map's script asks that for the markers of what it shows."""

    filterset_class = SiteFilter
    queryset = Site.objects.public().with_public_region()
    template_name = "sites/site_map.html"
    export_url_name = "sites:site_export"
    charts_parameters = ("region", "unit")

    def get_context_data(self, **kwargs):
        # The list under the map is the sites the map places; the others are counted below it.
        kwargs["object_list"] = self.object_list.with_coordinates()
        context = super().get_context_data(**kwargs)
        filterset = context["filter"]
        # The box of every matching site: kept per publication generation, as it reads them all.
        extent = cached(
            f"site-map-extent:{filters_key(self.request.GET, self.presentation_parameters)}",
            self.object_list.map_extent,
        )
        context.update(
            bounds=extent,
            unmapped_count=extent["unmapped"],
            markers_url=self.filtered_url(filterset, "sites:site_map_markers"),
            site_api_url=reverse("sites:api_sites_list"),
            min_zoom=MIN_ZOOM,
            max_zoom=max_zoom(),
            geojson_url=self.filtered_url(filterset, "sites:site_geojson"),
            list_url=self.filtered_url(filterset, "sites:site_list"),
            **map_settings(),
        )
        return context


class SiteMapMarkersView(ReadOnlyViewMixin, View):
    """/sites/map/markers.geojson?bbox=west,south,east,north&zoom=z plus the site list's filters: the markers and
    clusters of the map's viewport (sites.clusters). Not streamed, so that the page cache keeps it."""

    def get(self, request, *args, **kwargs):
        filterset = SiteFilter(request.GET or None, queryset=Site.objects.public(), request=request)
        if filterset.is_bound and not filterset.is_valid():
            return error_response(400, _("Invalid filter parameters."), filterset.form.errors.get_json_data())
        try:
            viewport = Viewport.parse(request.GET.get("bbox"), request.GET.get("zoom"))
        except ViewportError as refusal:
            return error_response(
                400, refusal.message, {refusal.parameter: [{"message": refusal.message, "code": "invalid"}]}
            )
        markers = viewport_markers(filterset.qs, viewport, tiles_key=filters_key(request.GET, ("bbox", "zoom")))
        response = JsonResponse(markers, json_dumps_params={"ensure_ascii": False})
        response["Content-Type"] = GEOJSON_CONTENT_TYPE
        return response


class CommandPeriodForm(forms.Form):
    """The period a reader asks the chain of command of a site's units for (both ends optional)."""

    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("start") and cleaned_data.get("end") and cleaned_data["end"] < cleaned_data["start"]:
            raise forms.ValidationError(_("The end date cannot be before the start date."))
        return cleaned_data


class SiteDetailView(RedirectMergedMixin, ReadOnlyViewMixin, DetailView):
    model = Site
    queryset = Site.objects.for_public_detail()
    template_name = "sites/site_detail.html"

    def get_context_data(self, **kwargs):
        form = CommandPeriodForm(self.request.GET or None)
        period = form.cleaned_data if form.is_bound and form.is_valid() else {}
        units = list({link.unit.pk: link.unit for link in self.object.public_site_units}.values())
        chains = chains_of_command(units, period.get("start"), period.get("end"))
        context = super().get_context_data(period_form=form, chains=chains, **kwargs)
        if self.object.has_coordinates:
            context["markers"] = feature_collection([site_marker(self.object)])
            context.update(map_settings())
        return context


class SiteExportView(CsvExportView):
    filterset_class = SiteFilter
    queryset = Site.objects.public()
    columns = SITE_COLUMNS
    file_stem = "sites"
    detail_viewname = "sites:site_detail"
    detail_url_kwarg = "slug"
