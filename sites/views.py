from django import forms
from django.conf import settings
from django.templatetags.static import static
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView
from django_filters.views import FilterView

from core.csv_export import CsvExportView
from core.listing import PublicFilterListView, PublicFilterMixin
from core.merge import RedirectMergedMixin
from core.security import ReadOnlyViewMixin
from units.command import chains_of_command

from .exports import SITE_COLUMNS
from .filters import SiteFilter
from .geo import point
from .models import Site


def map_settings() -> dict:
    """What every map element needs: the tile server when one is configured, otherwise this site's own base map."""
    return {
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "basemap_url": "" if settings.MAP_TILE_URL else static("vendor/basemap/region.geojson"),
    }


def marker(site: Site) -> dict:
    """What a marker and its popup show, in the reader's language; the open data is the GeoJSON export."""
    precision = site.location_precision
    return {
        "type": "Feature",
        "geometry": point(site.longitude, site.latitude),
        "properties": {
            "slug": site.slug,
            "name": site.name,
            "url": site.get_absolute_url(),
            "kind": str(site.get_kind_display()),
            "region": str(site.public_region or ""),
            "precision": precision,
            "precision_label": (
                gettext("Location precision: %(precision)s") % {"precision": site.get_location_precision_display()}
                if precision
                else ""
            ),
        },
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


class SiteMapView(ReadOnlyViewMixin, PublicFilterMixin, FilterView):
    """The public sites with coordinates as markers, with the filters of the site list and the same sites listed
    below the map for readers without JavaScript or a pointer."""

    filterset_class = SiteFilter
    queryset = Site.objects.public().with_public_region()
    template_name = "sites/site_map.html"
    export_url_name = "sites:site_export"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = context["filter"]
        mapped_sites = list(self.object_list.with_coordinates())
        context.update(
            mapped_sites=mapped_sites,
            unmapped_count=self.object_list.filter(latitude__isnull=True).count(),
            markers={"type": "FeatureCollection", "features": [marker(site) for site in mapped_sites]},
            result_count=len(mapped_sites),
            filter_errors=self.filter_errors(filterset),
            active_filters=self.active_filters(filterset),
            export_url=self.export_url(filterset),
            xlsx_export_url=self.xlsx_export_url(filterset),
            geojson_url=self.filtered_url(filterset, "sites:site_geojson"),
            list_url=self.filtered_url(filterset, "sites:site_list"),
            **map_settings(),
        )
        return context


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
            context["markers"] = {"type": "FeatureCollection", "features": [marker(self.object)]}
            context.update(map_settings())
        return context


class SiteExportView(CsvExportView):
    filterset_class = SiteFilter
    queryset = Site.objects.public()
    columns = SITE_COLUMNS
    file_stem = "sites"
    detail_viewname = "sites:site_detail"
    detail_url_kwarg = "slug"
