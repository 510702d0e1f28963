from django.urls import path

from core.json_api import api_urls

from . import views
from .api import PERSONS, UNITS

app_name = "units"

urlpatterns = [
    path("units/", views.UnitListView.as_view(), name="unit_list"),
    path("units/<slug:slug>/", views.UnitDetailView.as_view(), name="unit_detail"),
    path("export/units.csv", views.UnitExportView.as_view(), name="unit_export"),
    path("export/units.xlsx", views.UnitExportView.as_view(file_format="xlsx"), name="unit_export_xlsx"),
    path("persons/", views.PersonListView.as_view(), name="person_list"),
    path("persons/<slug:slug>/", views.PersonDetailView.as_view(), name="person_detail"),
    path("export/persons.csv", views.PersonExportView.as_view(), name="person_export"),
    path("export/persons.xlsx", views.PersonExportView.as_view(file_format="xlsx"), name="person_export_xlsx"),
    path("export/postings.csv", views.PostingExportView.as_view(), name="posting_export"),
    path("export/postings.xlsx", views.PostingExportView.as_view(file_format="xlsx"), name="posting_export_xlsx"),
    *api_urls(UNITS),
    *api_urls(PERSONS),
]
