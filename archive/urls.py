from django.urls import path

from . import api, views

app_name = "archive"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("overview/", views.OverviewView.as_view(), name="overview"),
    path("api/schema/", api.SchemaView.as_view(), name="api_schema"),
    path("api/search/", api.SearchApiView.as_view(), name="api_search"),
    path("export/datapackage.json", views.DataPackageView.as_view(), name="datapackage"),
    path("data/", views.ReleaseListView.as_view(), name="release_list"),
    path("data/<int:number>/", views.ReleaseDetailView.as_view(), name="release_detail"),
    path("data/<int:number>/download/", views.ReleaseDownloadView.as_view(), name="release_download"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("search/suggest/", views.SuggestView.as_view(), name="suggest"),
]
