from django.urls import path

from core.json_api import api_urls

from . import geo, views
from .api import SITES

app_name = "sites"

urlpatterns = [
    path("sites/", views.SiteListView.as_view(), name="site_list"),
    # Before the detail pattern, which would take "map" for a slug.
    path("sites/map/", views.SiteMapView.as_view(), name="site_map"),
    path("sites/map/markers.geojson", views.SiteMapMarkersView.as_view(), name="site_map_markers"),
    path("sites/<slug:slug>/", views.SiteDetailView.as_view(), name="site_detail"),
    path("export/sites.csv", views.SiteExportView.as_view(), name="site_export"),
    path("export/sites.xlsx", views.SiteExportView.as_view(file_format="xlsx"), name="site_export_xlsx"),
    path("export/sites.geojson", geo.SiteGeoJsonView.as_view(), name="site_geojson"),
    *api_urls(SITES),
]
