"""The read-only JSON API on Django REST Framework: the resource, its list and detail views, pagination, filters,
problem details and the OpenAPI schema (drf-spectacular) that each app's api.py builds on.

A resource names its serializer (an explicit list of fields: a field added to a model, or a restricted witness
field, cannot reach the API by accident), its FilterSet (the one of its list page) and a `.public()` queryset with
everything the serializer reads prefetched. The responses, the errors, the allowed methods and the schema all come
from DRF and drf-spectacular reading the same classes, so they agree by construction. REST_FRAMEWORK in
config/settings.py makes these classes the defaults: JSON only, no authentication (nothing a cookie or credential
carries changes what the API gives), read-only.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlencode

import django_filters
from django.db import models
from django.urls import path
from django.views import View
from drf_spectacular.extensions import OpenApiFilterExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.views import APIView

from .curation import Confidence
from .filters import OpenChoiceFilter
from .public_ids import DESCRIPTION as PUBLIC_ID_DESCRIPTION
from .public_ids import PATTERN as PUBLIC_ID_PATTERN
from .rest_defaults import PROBLEM_JSON, PublicFilterBackend, parameter
from .translations import LANGUAGE_NAMES, TranslatedField, TranslationLanguage

READ_ONLY_METHODS = ["get", "head", "options"]

# JSON Schema (2020-12, as OpenAPI 3.1 uses it) of values that a serializer field computes, and of the GeoJSON
# export (sites.geo), which is no DRF view.
STRING = {"type": "string"}
INTEGER = {"type": "integer"}
URL = {"type": "string", "format": "uri"}
DATE = {"type": ["string", "null"], "format": "date"}
# A date as the source gives it (core.dates): Extended Date/Time Format text, empty when unknown.
EDTF = {"type": "string", "description": "EDTF (ISO 8601-2) date or period; empty when unknown."}
# A record's opaque public id (core.public_ids).
PUBLIC_ID = {"type": "string", "pattern": f"^{PUBLIC_ID_PATTERN}$", "description": PUBLIC_ID_DESCRIPTION}


def array_of(items: dict) -> dict:
    return {"type": "array", "items": items}


def obj(properties: dict[str, dict], description: str = "") -> dict:
    schema = {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}
    return {**schema, "description": description} if description else schema


# --- the fields every resource shares ---------------------------------------------------------------------------


def absolute(request, address: str) -> str:
    return request.build_absolute_uri(address)


@extend_schema_field(OpenApiTypes.URI)
class AbsoluteUrlField(serializers.CharField):
    """A full URL, as the view made it."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)


@extend_schema_field(OpenApiTypes.URI)
class PublicUrlField(serializers.Field):
    """The record's public page, as a full URL."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, record):
        return absolute(self.context["request"], record.get_absolute_url())


@extend_schema_field(OpenApiTypes.URI)
class ApiListUrlField(serializers.Field):
    """The API list of `resource_name` filtered on this record, e.g. a site's testimonies: `filters` maps each
    parameter to the attribute whose value it takes ({"site": "slug"}: `/api/testimonies/?site=<slug>`)."""

    def __init__(self, resource_name: str, filters: dict[str, str], **kwargs):
        self.resource_name = resource_name
        self.filters = filters
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, record):
        query = urlencode({key: getattr(record, attribute) for key, attribute in self.filters.items()})
        return absolute(self.context["request"], f"/api/{self.resource_name}/?{query}")


@extend_schema_field(PUBLIC_ID)
class PublicIdField(serializers.CharField):
    """A record's opaque public id (core.public_ids)."""

    def __init__(self, **kwargs):
        super().__init__(source="public_id", read_only=True, **kwargs)


def edtf_field(help_text: str = "", **kwargs) -> serializers.CharField:
    return serializers.CharField(read_only=True, help_text=help_text or EDTF["description"], **kwargs)


def date_field(help_text: str = "", **kwargs) -> serializers.DateField:
    return serializers.DateField(read_only=True, allow_null=True, help_text=help_text or None, **kwargs)


def code_field(choices: type[models.TextChoices], help_text: str = "", blank: bool = False) -> serializers.ChoiceField:
    """A code from a model's choices (its label is for people and depends on the language; the code does not)."""
    return serializers.ChoiceField(choices.choices, read_only=True, allow_blank=blank, help_text=help_text or None)


@extend_schema_field(OpenApiTypes.STR)
class TranslatedTextField(serializers.Field):
    """A record's `field` translated into `language` (core.translations), null when there is no such translation;
    its translator and machine mark are in the record's `translations`. Reads the translations the queryset
    prefetched."""

    def __init__(self, field: str, language: str, noun: str, **kwargs):
        self.translated_field, self.language = field, language
        help_text = (
            f"The {noun}'s {field} translated into {LANGUAGE_NAMES[language]}; null when there is no such "
            f"translation (`{field}` is the original, in English)."
        )
        super().__init__(source="*", read_only=True, allow_null=True, help_text=help_text, **kwargs)

    def to_representation(self, record):
        for translation in record.prefetched_translations():
            if translation.field == self.translated_field and translation.language == self.language:
                return translation.text
        return None


def translated_fields(field: str, noun: str) -> list[TranslatedTextField]:
    """One field per language for `field` (`name_nl`, `name_ru`, `name_uk`), in TranslationLanguage's order:
    `name_nl, name_ru, name_uk = translated_fields("name", "site")`."""
    return [TranslatedTextField(field, language, noun) for language in TranslationLanguage.values]


class RecordTranslationSerializer(serializers.Serializer):
    """A translation of a record's name or description, with who made it and whether a machine did."""

    field = code_field(TranslatedField, "The field translated.")
    language = code_field(TranslationLanguage, "ISO 639-1 code of the translation's language.")
    text = serializers.CharField(read_only=True, help_text="The translated text.")
    translator = serializers.CharField(read_only=True, help_text="Who translated it, as shown to readers.")
    machine = serializers.BooleanField(read_only=True, help_text="True for a machine translation.")


def record_translations_field() -> RecordTranslationSerializer:
    return RecordTranslationSerializer(
        source="prefetched_translations",
        many=True,
        read_only=True,
        help_text="Every translation of the name and description, one per field and language, each with its "
        "translator and whether a machine made it (the same texts as the `name_…` and `description_…` fields).",
    )


class NamedRefSerializer(serializers.Serializer):
    """A public record by its slug (as in its URL and the filters)."""

    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class PublicationRefSerializer(serializers.Serializer):
    """A public publication that a statement rests on."""

    id = serializers.IntegerField(source="pk", read_only=True)
    title = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True, help_text="Web address of the publication; empty when it has none.")
    published_on = edtf_field()
    published_on_earliest = date_field()
    published_on_latest = date_field()
    source = serializers.CharField(
        source="source.slug", read_only=True, help_text="Slug of the source that published it."
    )


def cited_publication_field() -> PublicationRefSerializer:
    """The publication a link rests on (needs `with_public_publication()`): null when the public may not see it."""
    return PublicationRefSerializer(source="public_publication", read_only=True, allow_null=True)


def cited_link_fields(role_choices: type[models.TextChoices], period_help: str = "") -> dict:
    """The fields of a link that rests on a publication, the same seen from either end (a site–unit link on a site
    and on a unit, a posting on a unit and on a person): its role, period, confidence and publication."""
    return {
        "role": code_field(role_choices),
        "period": edtf_field(period_help),
        "period_earliest": date_field(),
        "period_latest": date_field(),
        "confidence": code_field(Confidence),
        "publication": cited_publication_field(),
    }


def link_sources_field() -> serializers.IntegerField:
    """A site–unit link's `independent_sources` (core.curation.independent_link_sources)."""
    return serializers.IntegerField(
        read_only=True,
        help_text="How many independent sources link this unit to this site, its links in every role counted "
        "together (a source that merely reports another counts once; 0: none is public).",
    )


def link_serializer(name: str, doc: str, **fields) -> type[serializers.Serializer]:
    """A serializer class named `name` (the schema's component name) with `fields` in this order."""
    return type(name, (serializers.Serializer,), {"__doc__": doc, "__module__": __name__, **fields})


# --- problem details (RFC 9457) ---------------------------------------------------------------------------------


class ProblemReasonSerializer(serializers.Serializer):
    message = serializers.CharField()
    code = serializers.CharField(required=False)


class ErrorSerializer(serializers.Serializer):
    """Problem details (RFC 9457)."""

    type = serializers.CharField(help_text="Always about:blank: the status code says what kind of problem it is.")
    title = serializers.CharField(help_text="The status code's phrase.")
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="What went wrong, in the language of the request.")
    errors = serializers.DictField(
        child=serializers.ListField(child=ProblemReasonSerializer()),
        required=False,
        help_text="Per parameter, the reasons it was refused.",
    )


# --- views, filters, pagination ---------------------------------------------------------------------------------


class PublicApiView(APIView):
    """The base of every API view: GET, HEAD and OPTIONS only (any other method: a 405 problem with an Allow
    header), readable from any web page, the same for everyone."""

    http_method_names = READ_ONLY_METHODS
    cache_public_response = True  # core.page_cache
    # Declared responses besides 200 (status: description), for the schema (ApiSchema).
    problems: dict[int, str] = {}
    # The description of the 200 response in the schema.
    found = ""

    def options(self, request, *args, **kwargs):
        # What Django's views answer: the Allow header and no body (DRF's metadata would describe the view).
        return View.options(self, request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Public, read-only open data: any web page may read it; no cookie or credential changes what it holds.
        response["Access-Control-Allow-Origin"] = "*"
        return response


class ApiField(NamedTuple):
    name: str
    field: serializers.Field


@dataclass(frozen=True)
class ApiResource:
    name: str  # the path segment: /api/<name>/
    serializer_class: type[serializers.Serializer]
    filterset_class: type[django_filters.FilterSet]
    queryset: Callable[[], models.QuerySet]  # `.public()` records with everything the serializer reads prefetched
    lookup: str = "slug"
    lookup_schema: dict | None = None  # the path parameter's schema in the OpenAPI document; text by default

    @property
    def title(self) -> str:
        """The name of its schema component (drf-spectacular's: the serializer's without "Serializer")."""
        return self.serializer_class.__name__.removesuffix("Serializer")

    @property
    def fields(self) -> list[ApiField]:
        """The fields of a record, in the order of the JSON."""
        return [ApiField(name, field) for name, field in self.serializer_class().fields.items()]

    def list_path(self) -> str:
        return f"/api/{self.name}/"


class ResourceMixin:
    resource: ApiResource = None

    def get_queryset(self):
        return self.resource.queryset()

    def get_serializer_class(self):
        return self.resource.serializer_class

    @property
    def filterset_class(self):
        return self.resource.filterset_class

    @property
    def lookup_field(self):
        return self.resource.lookup


class ApiListView(ResourceMixin, PublicApiView, generics.ListAPIView):
    problems = {
        400: "A filter, page number or page size that cannot be applied.",
        404: "A page past the last one.",
    }
    found = "A page of records."

    def filter_queryset(self, queryset):
        # The primary key breaks ties, so that records with the same sort key never jump between pages. The list's
        # own order, `queryset`'s before the filters (it is get_queryset's), comes before the model's, which for a
        # testimony is the exact day given (core.listing).
        from core.listing import in_unique_order

        own_order = queryset.query.order_by
        return in_unique_order(super().filter_queryset(queryset), default=own_order)


class ApiDetailView(ResourceMixin, PublicApiView, generics.RetrieveAPIView):
    filter_backends = []  # the key alone finds the record; a query string changes nothing
    problems = {404: "No public record has this identifier."}
    found = "The record."


def api_urls(resource: ApiResource) -> list:
    """The list and detail URLs of a resource, for an app's urls.py."""
    return [
        path(f"api/{resource.name}/", ApiListView.as_view(resource=resource), name=f"api_{resource.name}_list"),
        path(
            # Any key of the form of a slug reaches the view, so that one that names no public record (an old record
            # number of a testimony too) gets the API's 404 saying so.
            f"api/{resource.name}/<slug:{resource.lookup}>/",
            ApiDetailView.as_view(resource=resource),
            name=f"api_{resource.name}_detail",
        ),
    ]


# --- OpenAPI (drf-spectacular) ----------------------------------------------------------------------------------


def filter_parameters(filterset_class) -> list[dict]:
    """The query parameters of a FilterSet, as OpenAPI parameters: each typed as its form field reads it."""
    parameters = []
    for name, filter_ in filterset_class.base_filters.items():
        label = str(filter_.label or name)
        if isinstance(filter_, django_filters.DateFromToRangeFilter):
            parameters += [
                parameter(f"{name}_after", {"type": "string", "format": "date"}, f"{label}: from this date"),
                parameter(f"{name}_before", {"type": "string", "format": "date"}, f"{label}: until this date"),
            ]
        elif isinstance(filter_, django_filters.OrderingFilter):
            keys = list(filter_.param_map)
            values = [value for key in keys for value in (key, f"-{key}")]
            parameters.append(parameter(name, {"type": "string", "enum": values}, f"{label} (“-” for descending)"))
        elif isinstance(filter_, django_filters.NumberFilter):
            bounds = {
                key: filter_.extra[name]
                for key, name in (("minimum", "min_value"), ("maximum", "max_value"))
                if filter_.extra.get(name) is not None
            }
            parameters.append(parameter(name, {"type": "number", **bounds}, label))
        elif isinstance(filter_, OpenChoiceFilter):
            description = f"{label}: one of the values the data holds now; any other matches nothing"
            parameters.append(parameter(name, text_parameter(filter_), description))
        elif isinstance(filter_, django_filters.ModelChoiceFilter):
            model = filter_.queryset.model._meta.verbose_name
            parameters.append(parameter(name, STRING, f"{label}: the slug of a public {model}"))
        elif isinstance(filter_, django_filters.ChoiceFilter) and not callable(filter_.extra.get("choices")):
            values = [value for value, _label in filter_.extra["choices"]]
            parameters.append(parameter(name, {"type": "string", "enum": values}, label))
        else:
            parameters.append(parameter(name, text_parameter(filter_), label))
    return parameters


def text_parameter(filter_) -> dict:
    """A text parameter as the form field reads it: no NUL character (refused, as Django's forms do), and at most
    the field's length."""
    schema = {"type": "string", "pattern": "^[^\\x00]*$"}
    if filter_.extra.get("max_length"):
        schema["maxLength"] = filter_.extra["max_length"]
    return schema


class PublicFilterExtension(OpenApiFilterExtension):
    """The list's FilterSet as query parameters typed as the forms read them (number bounds, enums, text length);
    the open choices (OpenChoiceFilter) are text, as their values change with the data."""

    target_class = PublicFilterBackend
    priority = 1  # before drf-spectacular's own extension for django-filter

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        filterset_class = getattr(auto_schema.view, "filterset_class", None)
        return filter_parameters(filterset_class) if filterset_class else []


class ApiSchema(AutoSchema):
    """drf-spectacular's AutoSchema, with an operation id, summary and tag per resource, a page component named
    `<Record>Page`, the path key typed as the resource says, and the declared problem responses of each view."""

    def resource(self) -> ApiResource | None:
        return getattr(self.view, "resource", None)

    def get_operation_id(self):
        resource = self.resource()
        if resource is None:
            return super().get_operation_id()
        return f"{'list' if self._is_list_view() else 'get'}_{resource.name}"

    def get_tags(self):
        resource = self.resource()
        return [resource.name] if resource else super().get_tags()

    def get_summary(self):
        resource = self.resource()
        if resource is None:
            return super().get_summary()
        if self._is_list_view():
            return f"Public {resource.name}, filtered and paginated"
        return f"One public record of {resource.name}"

    def get_description(self):
        return "" if self.resource() else super().get_description()

    def get_paginated_name(self, serializer_name):
        return f"{serializer_name}Page"

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        resource = self.resource()
        if resource is not None and not self._is_list_view():
            key = OpenApiParameter(
                resource.lookup,
                type=resource.lookup_schema or STRING,
                location=OpenApiParameter.PATH,
                required=True,
                description="Identifier",
            )
            parameters = [*parameters, key]
        return parameters

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        if self.view.found and "200" in responses:
            responses["200"]["description"] = self.view.found
        problem = self.resolve_serializer(ErrorSerializer, "response").ref
        for status, description in self.view.problems.items():
            responses[str(status)] = {"description": description, "content": {PROBLEM_JSON: {"schema": problem}}}
        return operation


def strict_objects(result, generator, request, public):
    """A drf-spectacular postprocessing hook: every record and nested object has exactly its documented fields
    (`additionalProperties: false`), so that a response with an undocumented field (a leak) fails its schema; and
    no generator-internal key is left in the document."""

    def clean(node):
        if isinstance(node, dict):
            node.pop("x-spec-enum-id", None)
            for value in node.values():
                clean(value)
        elif isinstance(node, list):
            for value in node:
                clean(value)

    clean(result)
    for schema in result.get("components", {}).get("schemas", {}).values():
        if schema.get("type") == "object" and "properties" in schema:
            schema.setdefault("additionalProperties", False)
    return result
