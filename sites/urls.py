from django.urls import path

from . import views

app_name = "sites"

urlpatterns = [
    path("sites/", views.SiteListView.as_view(), name="site_list"),
    path("sites/<slug:slug>/", views.SiteDetailView.as_view(), name="site_detail"),
    path("export/sites.csv", views.SiteExportView.as_view(), name="site_export"),
]
