from django.urls import path

from core.json_api import api_urls

from . import api, views

app_name = "testimonies"

urlpatterns = [
    path("testimonies/", views.TestimonyListView.as_view(), name="testimony_list"),
    path("testimonies/<public_id:public_id>/", views.TestimonyDetailView.as_view(), name="testimony_detail"),
    # Old numbered addresses (core.public_ids): a redirect for public records made before public ids, else 404.
    path("testimonies/<int:pk>/", views.TestimonyNumberedUrlView.as_view(), name="testimony_numbered"),
    path("export/testimonies.csv", views.TestimonyExportView.as_view(), name="testimony_export"),
    path(
        "export/testimonies.xlsx", views.TestimonyExportView.as_view(file_format="xlsx"), name="testimony_export_xlsx"
    ),
    path("sources/", views.SourceListView.as_view(), name="source_list"),
    path("sources/<slug:slug>/", views.SourceDetailView.as_view(), name="source_detail"),
    path("export/sources.csv", views.SourceExportView.as_view(), name="source_export"),
    path("export/sources.xlsx", views.SourceExportView.as_view(file_format="xlsx"), name="source_export_xlsx"),
    *api_urls(api.TESTIMONIES),  # any other key, an old record number too, is a JSON 404
    *api_urls(api.SOURCES),
    path("evidence/<public_id:public_id>/", views.EvidenceImageView.as_view(), name="evidence_image"),
    path(
        "evidence/<public_id:public_id>/thumbnail/",
        views.EvidenceImageView.as_view(variant="thumbnail"),
        name="evidence_thumbnail",
    ),
    path("evidence/<int:pk>/", views.EvidenceNumberedUrlView.as_view(), name="evidence_numbered"),
    path(
        "evidence/<int:pk>/thumbnail/",
        views.EvidenceNumberedUrlView.as_view(viewname="testimonies:evidence_thumbnail"),
        name="evidence_thumbnail_numbered",
    ),
    path("media/evidence/<path:name>", views.EvidenceFileView.as_view(), name="evidence_file"),
]
