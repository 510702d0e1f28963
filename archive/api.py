"""The JSON API as a whole: its resources, the search across them (/api/search/) and the OpenAPI schema
(/api/schema/) that drf-spectacular builds from every API view, with the GeoJSON export added."""

from html import unescape
from urllib.parse import urlencode

from django.utils import translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from core.json_api import AbsoluteUrlField, PublicApiView, absolute, filter_parameters
from core.rest_defaults import Problem
from core.search import query_terms
from sites.api import SITES
from sites.filters import SiteFilter
from sites.geo import GEOJSON_CONTENT_TYPE, feature_collection_schema
from testimonies.api import SOURCES, TESTIMONIES
from units.api import PERSONS, UNITS

from .search import TYPES, search_archive

RESOURCES = [TESTIMONIES, SITES, UNITS, PERSONS, SOURCES]

# The API resource of each type the search box finds.
RESOURCE_OF_TYPE = {"testimony": TESTIMONIES, "site": SITES, "unit": UNITS, "person": PERSONS, "source": SOURCES}


class SearchHitSerializer(serializers.Serializer):
    """A public record that matches the query."""

    name = serializers.CharField(read_only=True, help_text="The record's name (a testimony: its witness label).")
    url = AbsoluteUrlField(help_text="The record's public page.")
    api_url = AbsoluteUrlField(help_text="The record in the API.")
    snippet = serializers.CharField(
        read_only=True, help_text="Up to 30 words of the record's text around the first match."
    )
    also_known_as = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="The record's other names that matched the query."
    )


class SearchTypeSerializer(serializers.Serializer):
    """The matches of one record type."""

    type = serializers.ChoiceField([search_type.key for search_type in TYPES], read_only=True)
    count = serializers.IntegerField(read_only=True, help_text="Public records of this type that match.")
    count_is_estimate = serializers.BooleanField(
        read_only=True, help_text="True when the count is the database's estimate (past 10,000 matches)."
    )
    results = SearchHitSerializer(many=True, read_only=True, help_text="The best five, best first.")
    list = AbsoluteUrlField(help_text="The API list of every match of this type (`q` filter).")


class SearchResultsSerializer(serializers.Serializer):
    """One search across the archive: per record type, a count and the best matches."""

    query = serializers.CharField(read_only=True)
    types = SearchTypeSerializer(many=True, read_only=True)


class SearchApiView(PublicApiView):
    """/api/search/?q=: the search box of the site (archive.search) as JSON."""

    problems = {400: "No `q`, or an empty one."}
    found = "The matches, per record type."

    @extend_schema(
        operation_id="search",
        summary="One search across testimonies, sites, units, persons and sources",
        description=(
            "Matches names and aliases in every script (folded to ASCII) and the public text, as the search box "
            "of the site does; the same rules as the `q` filter of each list."
        ),
        tags=["search"],
        parameters=[
            OpenApiParameter(
                "q",
                {"type": "string", "minLength": 1, "maxLength": 1000},
                required=True,
                description="The words to find (at most 8 are used); each must match.",
            )
        ],
        responses=SearchResultsSerializer,
    )
    def get(self, request, *args, **kwargs):
        text = request.query_params.get("q", "")
        if not text:
            raise Problem(400, _("Give at least one word to search for in q."))
        # Text without a word to search for ("!!") is a valid question with no answer, as on the search page.
        found = search_archive(text) if query_terms(text) else []
        types = [
            {
                "type": result.type.key,
                "count": result.count,
                "count_is_estimate": result.count_is_estimate,
                "results": [self.hit(result.type.key, hit) for hit in result.hits],
                "list": absolute(request, f"{RESOURCE_OF_TYPE[result.type.key].list_path()}?{urlencode({'q': text})}"),
            }
            for result in found
        ]
        return Response(SearchResultsSerializer({"query": text, "types": types}).data)

    def hit(self, type_key: str, hit) -> dict:
        resource = RESOURCE_OF_TYPE[type_key]
        record = hit.record
        return {
            "name": getattr(record, "name", None) or record.witness_label,
            "url": absolute(self.request, record.get_absolute_url()),
            "api_url": absolute(self.request, f"{resource.list_path()}{getattr(record, resource.lookup)}/"),
            "snippet": unescape(strip_tags(hit.snippet)),
            "also_known_as": hit.also_known_as,
        }


def add_geojson_export(result, generator, request, public):
    """A drf-spectacular postprocessing hook: the GeoJSON export (a streamed Django view, not one of DRF's) in the
    same document, and the server the schema was asked from."""
    collection = {"$ref": "#/components/schemas/SiteFeatureCollection"}
    result["paths"]["/export/sites.geojson"] = {
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
                    "content": {GEOJSON_CONTENT_TYPE: {"schema": collection}},
                },
                "400": {"description": "A filter that cannot be applied; nothing is exported (plain text)."},
            },
        }
    }
    result["components"]["schemas"]["SiteFeatureCollection"] = feature_collection_schema()
    if request is not None:
        result["servers"] = [{"url": request.build_absolute_uri("/").rstrip("/")}]
    return result


def openapi_schema(request=None) -> dict:
    """The OpenAPI 3.1 document; in English whatever the reader's language, so that it is the same for everyone."""
    with translation.override("en"):
        return SchemaGenerator().get_schema(request=request, public=True)


@extend_schema(exclude=True)
class SchemaView(PublicApiView):
    """/api/schema/: the OpenAPI 3.1 description of the API and the GeoJSON export."""

    def get(self, request, *args, **kwargs):
        return Response(openapi_schema(request))
