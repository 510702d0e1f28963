"""The public sites as GeoJSON (RFC 7946): the open-data export and the markers of the map.

The export's properties are the columns of sites.csv (docs/data-dictionary.md) without the coordinates, which
form the geometry; list columns become JSON arrays. Like the CSV export it is one query, streamed.
"""

import datetime
import json
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views import View

from core.csv_export import (
    MULTI_VALUE_SEPARATOR,
    URL_PLACEHOLDER,
    ExportContext,
    export_rows,
    invalid_filters_response,
)
from core.json_api import DATE, EDTF, INTEGER, STRING, URL, array_of, obj
from core.security import ReadOnlyViewMixin

from .exports import SITE_COLUMNS
from .filters import SiteFilter
from .models import Site

GEOMETRY_COLUMNS = ("latitude", "longitude")
INTEGER_LIST_COLUMNS = ("publication_ids",)  # testimony_ids are public ids (core.public_ids)
PROPERTY_COLUMNS = [column for column in SITE_COLUMNS if column.name not in GEOMETRY_COLUMNS]
GEOJSON_CONTENT_TYPE = "application/geo+json"


def point(longitude, latitude) -> dict:
    """A GeoJSON Point; GeoJSON puts the longitude first."""
    return {"type": "Point", "coordinates": [float(longitude), float(latitude)]}


def property_value(column, value):
    if column.type == "list":
        items = value.split(MULTI_VALUE_SEPARATOR) if value else []
        return [int(item) for item in items] if column.name in INTEGER_LIST_COLUMNS else items
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def site_features(queryset, context: ExportContext) -> Iterator[dict]:
    """One Feature per site of `queryset` (sites without coordinates have no place in GeoJSON)."""
    for row in export_rows(queryset.with_coordinates(), SITE_COLUMNS):
        yield {
            "type": "Feature",
            "id": row["id"],
            "geometry": point(row["longitude"], row["latitude"]),
            "properties": {
                column.name: property_value(column, column.value(row, context)) for column in PROPERTY_COLUMNS
            },
        }


def property_schema(column) -> dict:
    if column.type == "list":
        schema = array_of(INTEGER if column.name in INTEGER_LIST_COLUMNS else STRING)
    elif column.type == "date (EDTF)":
        schema = EDTF
    elif column.type.startswith("date"):
        schema = DATE
    else:
        schema = {"integer": INTEGER, "url": URL}.get(column.type, STRING)
    return {**schema, "description": column.description}


def feature_collection_schema() -> dict:
    """JSON Schema of the export, for the OpenAPI document."""
    position = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}
    feature = obj(
        {
            "type": {"const": "Feature"},
            "id": INTEGER,
            "geometry": obj({"type": {"const": "Point"}, "coordinates": {**position, "description": "[lon, lat]"}}),
            "properties": obj({column.name: property_schema(column) for column in PROPERTY_COLUMNS}),
        }
    )
    return obj({"type": {"const": "FeatureCollection"}, "features": array_of(feature)})


def feature_collection_chunks(features: Iterable[dict]) -> Iterator[str]:
    yield '{"type": "FeatureCollection", "features": ['
    separator = "\n"
    for feature in features:
        yield separator + json.dumps(feature, ensure_ascii=False)
        separator = ",\n"
    yield "\n]}\n"


class SiteGeoJsonView(ReadOnlyViewMixin, View):
    """/export/sites.geojson: the public sites with coordinates, with the filters of the site list."""

    cache_public_response = False  # streamed: never kept by the page cache, so not even looked up

    def get(self, request, *args, **kwargs):
        filterset = SiteFilter(request.GET or None, queryset=Site.objects.public(), request=request)
        if refusal := invalid_filters_response(filterset):
            return refusal
        detail = request.build_absolute_uri(reverse("sites:site_detail", kwargs={"slug": URL_PLACEHOLDER}))
        context = ExportContext(request=request, url_patterns={"sites:site_detail": detail})
        response = StreamingHttpResponse(
            feature_collection_chunks(site_features(filterset.qs, context)), content_type=GEOJSON_CONTENT_TYPE
        )
        response["Content-Disposition"] = f'inline; filename="sites-{timezone.localdate():%Y-%m-%d}.geojson"'
        # Public, read-only open data: any web page may read it (no cookie or credential changes the answer).
        response["Access-Control-Allow-Origin"] = "*"
        return response
