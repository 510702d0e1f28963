from django.urls import path

from . import api, views

app_name = "archive"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("api/schema/", api.SchemaView.as_view(), name="api_schema"),
    path("api/search/", api.SearchApiView.as_view(), name="api_search"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("search/suggest/", views.SuggestView.as_view(), name="suggest"),
]
