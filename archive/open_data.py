"""The open data as a whole: the registry of the public export files, and their Frictionless Data Package.

The registry names each file's export view; its columns, queryset and public URLs are the view's own, so the live
exports, the data dictionary (`manage.py data_dictionary`), `/export/datapackage.json` and the releases
(archive.releases) all describe and write the same thing. The package follows the Data Package and Table Schema
specifications (https://datapackage.org): field types, formats, enums with their labels, primary and foreign keys,
missing values, licence, sources and the time it was made.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation

from core.csv_export import MULTI_VALUE_SEPARATOR, Column, CsvExportView
from sites.geo import GEOJSON_CONTENT_TYPE, PROPERTY_COLUMNS
from sites.views import SiteExportView
from testimonies.models import Source
from testimonies.views import SourceExportView, TestimonyExportView
from units.views import PersonExportView, PostingExportView, UnitExportView

DATAPACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
# Every empty cell means "unknown" (or "none" for a list); no other marker is used.
MISSING_VALUES = [""]


@dataclass(frozen=True)
class ExportFile:
    """One public CSV export: its file and resource name, its view (columns, queryset, URLs) and its keys."""

    name: str
    viewname: str
    view: type[CsvExportView]
    summary: str
    primary_key: str = "id"
    unique: tuple[str, ...] = ()
    # column -> (resource, column) it joins; "" names this file itself (units.parent_slug).
    foreign_keys: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    @property
    def url(self) -> str:
        return reverse(self.viewname)

    @property
    def columns(self) -> list[Column]:
        return self.view.columns

    @property
    def model(self) -> type[models.Model]:
        return self.view.queryset.model

    def release_queryset(self) -> models.QuerySet:
        """The live export's public records in the order of their record numbers (releases compare by them)."""
        return self.view.queryset.all().order_by("pk")


EXPORT_FILES = [
    ExportFile("testimonies", "testimonies:testimony_export", TestimonyExportView, "One row per public testimony."),
    ExportFile("sites", "sites:site_export", SiteExportView, "One row per public detention site.", unique=("slug",)),
    ExportFile(
        "units",
        "units:unit_export",
        UnitExportView,
        "One row per public military unit.",
        unique=("slug",),
        foreign_keys={"parent_slug": ("", "slug")},
    ),
    ExportFile(
        "sources", "testimonies:source_export", SourceExportView, "One row per public source.", unique=("slug",)
    ),
    ExportFile("persons", "units:person_export", PersonExportView, "One row per public person.", unique=("slug",)),
    ExportFile(
        "postings",
        "units:posting_export",
        PostingExportView,
        "One row per public posting of a person to a unit (both public). Filters: `person`, `unit`, `role`.",
        foreign_keys={"person_slug": ("persons", "slug"), "unit_slug": ("units", "slug")},
    ),
]
GEOJSON_FILE_NAME = "sites.geojson"
GEOJSON_VIEWNAME = "sites:site_geojson"


def model_choices(model, column: Column) -> list[tuple[str, str]]:
    """The (value, English label) pairs of the model field a code column exports, if it has choices."""
    try:
        model_field = model._meta.get_field(column.name)
    except FieldDoesNotExist:
        return []
    with translation.override("en"):
        return [(str(value), str(label)) for value, label in (model_field.choices or [])]


def table_field(model, column: Column, export: ExportFile | None = None) -> dict:
    """The Table Schema field of one export column."""
    described = {"name": column.name, "description": column.description}
    if column.type == "integer":
        described["type"] = "integer"
    elif column.type == "decimal":
        described["type"] = "number"
    elif column.type == "date (ISO 8601)":
        described["type"] = "date"
    elif column.type == "url":
        described.update(type="string", format="uri")
    elif column.type == "list":
        # Record numbers are joined as integers (testimonies are named by their public ids); every other list holds
        # text (slugs, names, codes, addresses).
        item_type = "integer" if column.name.endswith("_ids") and column.name != "testimony_ids" else "string"

        described.update(type="list", delimiter=MULTI_VALUE_SEPARATOR, itemType=item_type)
    else:
        described["type"] = "string"
        if column.type == "date (EDTF)":
            # Not a Table Schema type: a partial date in the Library of Congress Extended Date/Time Format.
            described["rdfType"] = "http://id.loc.gov/datatypes/edtf"
    if column.type == "code" and (choices := model_choices(model, column)):
        described["constraints"] = {"enum": [value for value, _ in choices]}
        described["categories"] = [{"value": value, "label": label} for value, label in choices]
    if export and (column.name == export.primary_key or column.name in export.unique):
        described["constraints"] = {**described.get("constraints", {}), "required": True, "unique": True}
    return described


def table_schema(export: ExportFile) -> dict:
    schema = {
        "fields": [table_field(export.model, column, export) for column in export.columns],
        "missingValues": MISSING_VALUES,
        "primaryKey": [export.primary_key],
    }
    if export.foreign_keys:
        schema["foreignKeys"] = [
            {"fields": [column], "reference": {"resource": resource, "fields": [target]}}
            for column, (resource, target) in export.foreign_keys.items()
        ]
    return schema


def csv_resource(export: ExportFile, path: str) -> dict:
    return {
        "name": export.name,
        "path": path,
        "title": export.file_name,
        "description": export.summary,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "dialect": {"delimiter": ",", "quoteChar": '"', "doubleQuote": True, "lineTerminator": "\r\n", "header": True},
        "schema": table_schema(export),
    }


def geojson_resource(path: str) -> dict:
    properties = ", ".join(f"`{column.name}`" for column in PROPERTY_COLUMNS)
    return {
        "name": "sites-geojson",
        "path": path,
        "title": GEOJSON_FILE_NAME,
        "description": (
            "The public sites that have coordinates, as a GeoJSON FeatureCollection (RFC 7946): one Point per site, "
            f"its properties the columns of sites.csv without the coordinates ({properties}); lists are arrays."
        ),
        "type": "json",
        "format": "geojson",
        "mediatype": GEOJSON_CONTENT_TYPE,
        "encoding": "utf-8",
    }


def package_sources() -> list[dict]:
    """The organisations and outlets whose publications the data cites: the public sources only."""
    return [
        {"title": name, **({"path": website} if website else {})}
        for name, website in Source.objects.public().order_by("name").values_list("name", "website")
    ]


def datapackage(paths: dict[str, str], created=None, version: str = "", extra: dict | None = None) -> dict:
    """The Data Package of the public exports; `paths` maps each file name to where it is read from (a URL of
    the live export, or a file of a release)."""
    package = {
        "$schema": DATAPACKAGE_PROFILE,
        "name": "testimony-db",
        "title": settings.OPEN_DATA_TITLE,
        "description": (
            "Public records of Testimony DB: testimonies about detention and abuse of soldiers, the detention "
            "sites, the military units and persons named, and the sources they rest on. Only published records "
            "and their public fields; see the description of each field."
        ),
        "licenses": [settings.OPEN_DATA_LICENSE],
        "sources": package_sources(),
        "created": (created or timezone.now()).isoformat(timespec="seconds"),
        "resources": [csv_resource(export, paths[export.file_name]) for export in EXPORT_FILES]
        + [geojson_resource(paths[GEOJSON_FILE_NAME])],
    }
    if version:
        package["version"] = version
    return {**package, **(extra or {})}


def live_paths(request) -> dict[str, str]:
    """The absolute URLs of the live exports."""
    paths = {export.file_name: request.build_absolute_uri(reverse(export.viewname)) for export in EXPORT_FILES}
    paths[GEOJSON_FILE_NAME] = request.build_absolute_uri(reverse(GEOJSON_VIEWNAME))
    return paths
