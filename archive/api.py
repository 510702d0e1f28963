"""The OpenAPI schema of the whole JSON API (/api/schema/), composed from each app's resources."""

from django.utils import translation

from core.json_api import ApiView, filter_parameters, json_content, json_response, openapi_document, ref
from sites.api import SITES
from sites.filters import SiteFilter
from sites.geo import GEOJSON_CONTENT_TYPE, feature_collection_schema
from testimonies.api import SOURCES, TESTIMONIES
from units.api import PERSONS, UNITS

RESOURCES = [TESTIMONIES, SITES, UNITS, PERSONS, SOURCES]

GEOJSON_PATH = {
    "/export/sites.geojson": {
        "get": {
            "operationId": "sites_geojson",
            "summary": "Public sites with coordinates as a GeoJSON FeatureCollection (RFC 7946)",
            "description": (
                "Coordinates are [longitude, latitude] (WGS 84). The properties are the columns of sites.csv but "
                "the coordinates; list columns are arrays. Takes the filters of the site list; not paginated."
            ),
            "tags": ["sites"],
            "parameters": filter_parameters(SiteFilter),
            "responses": {
                "200": {
                    "description": "Every public site with coordinates that matches the filters.",
                    **json_content(ref("SiteFeatureCollection"), GEOJSON_CONTENT_TYPE),
                },
                "400": {"description": "A filter that cannot be applied; nothing is exported (plain text)."},
            },
        }
    }
}


def openapi_schema() -> dict:
    # In English whatever the reader's language, so that the document is the same for everyone.
    with translation.override("en"):
        return openapi_document(
            RESOURCES, extra_paths=GEOJSON_PATH, components={"SiteFeatureCollection": feature_collection_schema()}
        )


class SchemaView(ApiView):
    """/api/schema/: the OpenAPI 3.1 description of the API and the GeoJSON export."""

    def get(self, request, *args, **kwargs):
        document = openapi_schema()
        document["servers"] = [{"url": request.build_absolute_uri("/").rstrip("/")}]
        return json_response(document)
