from django.urls import path

from core.json_api import api_urls

from . import views
from .api import UNITS

app_name = "units"

urlpatterns = [
    path("units/", views.UnitListView.as_view(), name="unit_list"),
    path("units/<slug:slug>/", views.UnitDetailView.as_view(), name="unit_detail"),
    path("export/units.csv", views.UnitExportView.as_view(), name="unit_export"),
    *api_urls(UNITS),
]
