from django.urls import path

from core.json_api import api_urls

from . import api, views

app_name = "testimonies"

urlpatterns = [
    path("testimonies/", views.TestimonyListView.as_view(), name="testimony_list"),
    path("testimonies/<int:pk>/", views.TestimonyDetailView.as_view(), name="testimony_detail"),
    path("export/testimonies.csv", views.TestimonyExportView.as_view(), name="testimony_export"),
    path(
        "export/testimonies.xlsx", views.TestimonyExportView.as_view(file_format="xlsx"), name="testimony_export_xlsx"
    ),
    path("sources/", views.SourceListView.as_view(), name="source_list"),
    path("sources/<slug:slug>/", views.SourceDetailView.as_view(), name="source_detail"),
    path("export/sources.csv", views.SourceExportView.as_view(), name="source_export"),
    path("export/sources.xlsx", views.SourceExportView.as_view(file_format="xlsx"), name="source_export_xlsx"),
    *api_urls(api.TESTIMONIES, converter="int"),
    *api_urls(api.SOURCES),
    path("evidence/<int:pk>/", views.EvidenceImageView.as_view(), name="evidence_image"),
    path(
        "evidence/<int:pk>/thumbnail/", views.EvidenceImageView.as_view(variant="thumbnail"), name="evidence_thumbnail"
    ),
    path("media/evidence/<path:name>", views.EvidenceFileView.as_view(), name="evidence_file"),
]
