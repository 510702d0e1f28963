from django.urls import path

from . import views

app_name = "units"

urlpatterns = [
    path("units/", views.UnitListView.as_view(), name="unit_list"),
    path("units/<slug:slug>/", views.UnitDetailView.as_view(), name="unit_detail"),
    path("export/units.csv", views.UnitExportView.as_view(), name="unit_export"),
]
