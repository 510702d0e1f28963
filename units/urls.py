from django.urls import path

from core.json_api import api_urls

from . import views
from .api import PERSONS, UNITS

app_name = "units"

urlpatterns = [
    path("units/", views.UnitListView.as_view(), name="unit_list"),
    path("units/<slug:slug>/", views.UnitDetailView.as_view(), name="unit_detail"),
    path("export/units.csv", views.UnitExportView.as_view(), name="unit_export"),
    path("persons/", views.PersonListView.as_view(), name="person_list"),
    path("persons/<slug:slug>/", views.PersonDetailView.as_view(), name="person_detail"),
    path("export/persons.csv", views.PersonExportView.as_view(), name="person_export"),
    path("export/postings.csv", views.PostingExportView.as_view(), name="posting_export"),
    *api_urls(UNITS),
    *api_urls(PERSONS),
]
