"""The OpenAPI schema of the whole JSON API (/api/schema/), composed from each app's resources."""

from html import unescape
from urllib.parse import urlencode

from django.utils import translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from core.json_api import (
    BOOLEAN,
    INTEGER,
    STRING,
    URL,
    ApiView,
    absolute,
    array_of,
    error,
    error_response,
    filter_parameters,
    json_content,
    json_response,
    obj,
    openapi_document,
    parameter,
    ref,
)
from core.search import query_terms
from sites.api import SITES
from sites.filters import SiteFilter
from sites.geo import GEOJSON_CONTENT_TYPE, feature_collection_schema
from testimonies.api import SOURCES, TESTIMONIES
from units.api import PERSONS, UNITS

from .search import TYPES, search_archive

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


# The API resource of each type the search box finds.
RESOURCE_OF_TYPE = {"testimony": TESTIMONIES, "site": SITES, "unit": UNITS, "person": PERSONS, "source": SOURCES}

SEARCH_HIT = obj(
    {
        "name": {**STRING, "description": "The record's name (a testimony: its witness label)."},
        "url": {**URL, "description": "The record's public page."},
        "api_url": {**URL, "description": "The record in the API."},
        "snippet": {**STRING, "description": "Up to 30 words of the record's text around the first match."},
        "also_known_as": {**array_of(STRING), "description": "The record's other names that matched the query."},
    },
    "A public record that matches the query.",
)
SEARCH_RESULTS = obj(
    {
        "query": STRING,
        "types": array_of(
            obj(
                {
                    "type": {"type": "string", "enum": [search_type.key for search_type in TYPES]},
                    "count": {**INTEGER, "description": "Public records of this type that match."},
                    "count_is_estimate": {
                        **BOOLEAN,
                        "description": "True when the count is the database's estimate (past 10,000 matches).",
                    },
                    "results": {**array_of(SEARCH_HIT), "description": "The best five, best first."},
                    "list": {**URL, "description": "The API list of every match of this type (`q` filter)."},
                },
                "The matches of one record type.",
            )
        ),
    },
    "One search across the archive: per record type, a count and the best matches.",
)
SEARCH_PATH = {
    "/api/search/": {
        "get": {
            "operationId": "search",
            "summary": "One search across testimonies, sites, units, persons and sources",
            "description": (
                "Matches names and aliases in every script (folded to ASCII) and the public text, as the search box "
                "of the site does; the same rules as the `q` filter of each list."
            ),
            "tags": ["search"],
            "parameters": [
                parameter(
                    "q",
                    {"type": "string", "minLength": 1, "maxLength": 1000},
                    "The words to find (at most 8 are used); each must match.",
                    required=True,
                )
            ],
            "responses": {
                "200": {"description": "The matches, per record type.", **json_content(ref("SearchResults"))},
                "400": error("No `q`, or an empty one."),
            },
        }
    }
}


class SearchApiView(ApiView):
    """/api/search/?q=: the search box of the site (archive.search) as JSON."""

    def get(self, request, *args, **kwargs):
        text = request.GET.get("q", "")
        if not text:
            return error_response(400, _("Give at least one word to search for in q."))
        if not query_terms(text):
            # Text without a word to search for ("!!") is a valid question with no answer, as on the search page.
            return json_response({"query": text, "types": []})
        return json_response(
            {
                "query": text,
                "types": [
                    {
                        "type": found.type.key,
                        "count": found.count,
                        "count_is_estimate": found.count_is_estimate,
                        "results": [self.represent(found.type.key, hit, request) for hit in found.hits],
                        "list": absolute(
                            request, f"{RESOURCE_OF_TYPE[found.type.key].list_path()}?{urlencode({'q': text})}"
                        ),
                    }
                    for found in search_archive(text)
                ],
            }
        )

    @staticmethod
    def represent(type_key: str, hit, request) -> dict:
        resource = RESOURCE_OF_TYPE[type_key]
        record = hit.record
        lookup = getattr(record, resource.lookup)
        return {
            "name": getattr(record, "name", None) or record.witness_label,
            "url": absolute(request, record.get_absolute_url()),
            "api_url": absolute(request, f"{resource.list_path()}{lookup}/"),
            "snippet": unescape(strip_tags(hit.snippet)),
            "also_known_as": hit.also_known_as,
        }


def openapi_schema() -> dict:
    # In English whatever the reader's language, so that the document is the same for everyone.
    with translation.override("en"):
        return openapi_document(
            RESOURCES,
            extra_paths={**GEOJSON_PATH, **SEARCH_PATH},
            components={"SiteFeatureCollection": feature_collection_schema(), "SearchResults": SEARCH_RESULTS},
        )


class SchemaView(ApiView):
    """/api/schema/: the OpenAPI 3.1 description of the API and the GeoJSON export."""

    def get(self, request, *args, **kwargs):
        document = openapi_schema()
        document["servers"] = [{"url": request.build_absolute_uri("/").rstrip("/")}]
        return json_response(document)
