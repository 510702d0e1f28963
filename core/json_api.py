"""The read-only JSON API: resources, list and detail views, and the OpenAPI schema built from the same definitions.

A resource names its FilterSet (the one of its list page), a `.public()` queryset with everything it shows
prefetched, and an explicit list of fields. Only the listed fields are ever written, so a field added to a model
(or a restricted witness field) cannot reach the API by accident, and the schema cannot drift from the output:
both come from the same `ApiField` list.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

import django_filters
from django.conf import settings
from django.core.paginator import EmptyPage, Paginator
from django.db import models
from django.http import JsonResponse
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from .filters import OpenChoiceFilter
from .public_ids import DESCRIPTION as PUBLIC_ID_DESCRIPTION
from .public_ids import PATTERN as PUBLIC_ID_PATTERN

# JSON Schema (2020-12, as OpenAPI 3.1 uses it) of the values the fields hold.
STRING = {"type": "string"}
BOOLEAN = {"type": "boolean"}
INTEGER = {"type": "integer"}
URL = {"type": "string", "format": "uri"}
# A record's opaque public id (core.public_ids).
PUBLIC_ID = {"type": "string", "pattern": f"^{PUBLIC_ID_PATTERN}$", "description": PUBLIC_ID_DESCRIPTION}
DATE = {"type": ["string", "null"], "format": "date"}
# A date as the source gives it (core.dates): Extended Date/Time Format text, empty when unknown.
EDTF = {"type": "string", "description": "EDTF (ISO 8601-2) date or period; empty when unknown."}
NUMBER_OR_NULL = {"type": ["number", "null"]}
STRING_OR_NULL = {"type": ["string", "null"]}
READ_ONLY_METHODS = ["get", "head", "options"]


def code(choices: type[models.TextChoices], blank: bool = False) -> dict:
    """A code from a model's choices (its label is for people and depends on the language; the code does not)."""
    return {"type": "string", "enum": [*choices.values, *([""] if blank else [])]}


def array_of(items: dict) -> dict:
    return {"type": "array", "items": items}


def obj(properties: dict[str, dict], description: str = "") -> dict:
    schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    return {**schema, "description": description} if description else schema


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def to_json(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Promise):
        return str(value)
    return value


@dataclass(frozen=True)
class ApiField:
    """One field of a resource: its name, JSON Schema and description, and how to read it from a record.

    `value(record, request)` defaults to the model attribute of the same name.
    """

    name: str
    schema: dict
    description: str
    value: Callable[[Any, Any], Any] | None = field(default=None, compare=False)

    def read(self, record, request):
        return to_json(self.value(record, request) if self.value else getattr(record, self.name))

    def json_schema(self) -> dict:
        return {**self.schema, "description": self.description}


@dataclass(frozen=True)
class ApiResource:
    name: str  # the path segment: /api/<name>/
    title: str  # the schema component, e.g. "Site"
    description: str
    filterset_class: type[django_filters.FilterSet]
    queryset: Callable[[], models.QuerySet]  # `.public()` records with everything the fields read prefetched
    fields: list[ApiField]
    lookup: str = "slug"
    lookup_schema: dict = field(default_factory=lambda: dict(STRING))

    def represent(self, record, request) -> dict:
        return {api_field.name: api_field.read(record, request) for api_field in self.fields}

    def list_path(self) -> str:
        return f"/api/{self.name}/"

    def detail_path(self) -> str:
        return f"/api/{self.name}/{{{self.lookup}}}/"


def absolute(request, path: str) -> str:
    return request.build_absolute_uri(path)


def public_url(record, request) -> str:
    return absolute(request, record.get_absolute_url())


def api_list_url(resource_name: str, **params) -> Callable[[Any, Any], str]:
    """A field holding the API list of `resource_name` filtered on this record, e.g. a site's testimonies."""

    def value(record, request):
        query = urlencode({key: getattr(record, attribute) for key, attribute in params.items()})
        return absolute(request, f"/api/{resource_name}/?{query}")

    return value


NAMED_REF = obj({"slug": STRING, "name": STRING}, "A public record by its slug (as in its URL and the filters).")
PUBLICATION_REF = obj(
    {
        "id": INTEGER,
        "title": STRING,
        "url": {"type": "string", "description": "Web address of the publication; empty when it has none."},
        "published_on": EDTF,
        "published_on_earliest": DATE,
        "published_on_latest": DATE,
        "source": {"type": "string", "description": "Slug of the source that published it."},
    },
    "A public publication that a statement rests on.",
)


def named_ref(record) -> dict:
    return {"slug": record.slug, "name": record.name}


def publication_ref(publication) -> dict | None:
    """A publication in a link's "according to"; needs `source` loaded. None when the public may not see it."""
    if publication is None:
        return None
    return {
        "id": publication.pk,
        "title": publication.title,
        "url": publication.url,
        "published_on": publication.published_on,
        "published_on_earliest": to_json(publication.published_on_earliest),
        "published_on_latest": to_json(publication.published_on_latest),
        "source": publication.source.slug,
    }


def cited_link(link, other_end: str) -> dict:
    """A link that rests on a publication (a site–unit link), seen from one end: the record at `other_end`
    ("unit" or "site"), its role and period, and the publication that says so (needs `with_public_publication()`)."""
    return {
        other_end: named_ref(getattr(link, other_end)),
        "role": link.role,
        "period": link.period,
        "period_earliest": to_json(link.period_earliest),
        "period_latest": to_json(link.period_latest),
        "confidence": link.confidence,
        "publication": publication_ref(link.public_publication),
    }


PROBLEM_JSON = "application/problem+json"


def json_response(data, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    # Public, read-only open data: any web page may read it; no cookie or credential changes what it holds.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def error_response(status: int, message: str, errors: dict | None = None) -> JsonResponse:
    """An API error as problem details (RFC 9457), as the 503 and 500 of core.errors are."""
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": message}
    response = json_response({**body, **({"errors": errors} if errors else {})}, status=status)
    response["Content-Type"] = PROBLEM_JSON
    return response


@method_decorator(csrf_exempt, name="dispatch")  # no view here changes anything: every write gets a 405
class ApiView(View):
    http_method_names = READ_ONLY_METHODS
    resource: ApiResource = None

    def http_method_not_allowed(self, request, *args, **kwargs):
        response = error_response(405, _("This API is read-only."))
        response["Allow"] = ", ".join(method.upper() for method in self._allowed_methods())
        return response


def positive_int(raw: str | None, default: int) -> int | None:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value >= 1 else None


class ApiListView(ApiView):
    page_kwarg = "page"
    page_size_kwarg = "per_page"

    def get(self, request, *args, **kwargs):
        resource = self.resource
        filterset = resource.filterset_class(request.GET or None, queryset=resource.queryset(), request=request)
        if filterset.is_bound and not filterset.is_valid():
            return error_response(400, _("Invalid filter parameters."), filterset.form.errors.get_json_data())
        per_page = positive_int(request.GET.get(self.page_size_kwarg), settings.PUBLIC_PAGE_SIZE)
        if per_page is None or per_page > settings.PUBLIC_MAX_PAGE_SIZE:
            message = _("Give a whole number from 1 to %(maximum)d.") % {"maximum": settings.PUBLIC_MAX_PAGE_SIZE}
            return error_response(400, _("Invalid page size."), {self.page_size_kwarg: [{"message": message}]})
        number = positive_int(request.GET.get(self.page_kwarg), 1)
        if number is None:
            message = _("Give a whole number from 1.")
            return error_response(400, _("Invalid page number."), {self.page_kwarg: [{"message": message}]})
        queryset = filterset.qs
        # The primary key breaks ties, so that records with the same sort key never jump between pages.
        queryset = queryset.order_by(*(queryset.query.order_by or queryset.model._meta.ordering), "pk")
        paginator = Paginator(queryset, per_page)
        try:
            page = paginator.page(number)
        except EmptyPage:
            return error_response(404, _("There is no page %(number)d.") % {"number": number})
        return json_response(
            {
                "count": paginator.count,
                "next": self.page_url(page.next_page_number()) if page.has_next() else None,
                "previous": self.page_url(page.previous_page_number()) if page.has_previous() else None,
                "results": [resource.represent(record, request) for record in page.object_list],
            }
        )

    def page_url(self, number: int) -> str:
        params = self.request.GET.copy()
        params[self.page_kwarg] = str(number)
        return self.request.build_absolute_uri(f"{self.request.path}?{params.urlencode()}")


class ApiDetailView(ApiView):
    def get(self, request, *args, **kwargs):
        record = self.resource.queryset().filter(**{self.resource.lookup: kwargs[self.resource.lookup]}).first()
        if record is None:
            return error_response(404, _("No public record has this identifier."))
        return json_response(self.resource.represent(record, request))


def api_urls(resource: ApiResource, converter: str = "slug") -> list:
    """The list and detail URLs of a resource, for an app's urls.py."""
    return [
        path(
            f"api/{resource.name}/",
            ApiListView.as_view(resource=resource),
            name=f"api_{resource.name}_list",
        ),
        path(
            f"api/{resource.name}/<{converter}:{resource.lookup}>/",
            ApiDetailView.as_view(resource=resource),
            name=f"api_{resource.name}_detail",
        ),
    ]


# --- OpenAPI ---------------------------------------------------------------------------------------------------


def filter_parameters(filterset_class) -> list[dict]:
    """The query parameters of a FilterSet, as OpenAPI parameters."""
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
            parameters.append(
                parameter(
                    name,
                    text_parameter(filter_),
                    f"{label}: one of the values the data holds now; any other matches nothing",
                )
            )
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


def parameter(name: str, schema: dict, description: str, where: str = "query", required: bool = False) -> dict:
    return {"name": name, "in": where, "required": required, "schema": schema, "description": description}


def page_parameters() -> list[dict]:
    return [
        parameter("page", {"type": "integer", "minimum": 1, "default": 1}, "Page number; past the last page: 404."),
        parameter(
            "per_page",
            {
                "type": "integer",
                "minimum": 1,
                "maximum": settings.PUBLIC_MAX_PAGE_SIZE,
                "default": settings.PUBLIC_PAGE_SIZE,
            },
            "Records per page.",
        ),
    ]


ERROR_SCHEMA = {
    "type": "object",
    "description": "Problem details (RFC 9457).",
    "properties": {
        "type": {**STRING, "description": "Always about:blank: the status code says what kind of problem it is."},
        "title": {**STRING, "description": "The status code's phrase."},
        "status": {"type": "integer", "description": "The HTTP status code."},
        "detail": {"type": "string", "description": "What went wrong, in the language of the request."},
        "errors": {
            "type": "object",
            "description": "Per parameter, the reasons it was refused.",
            "additionalProperties": array_of(
                {"type": "object", "properties": {"message": STRING, "code": STRING}, "required": ["message"]}
            ),
        },
    },
    "required": ["type", "title", "status", "detail"],
    "additionalProperties": False,
}


def json_content(schema: dict, media_type: str = "application/json") -> dict:
    return {"content": {media_type: {"schema": schema}}}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def error(description: str) -> dict:
    return {"description": description, **json_content(ref("Error"), PROBLEM_JSON)}


def openapi_document(resources: list[ApiResource], extra_paths: dict | None = None, components: dict | None = None):
    paths = {}
    schemas = {"Error": ERROR_SCHEMA}
    for resource in resources:
        schemas[resource.title] = obj(
            {api_field.name: api_field.json_schema() for api_field in resource.fields}, resource.description
        )
        schemas[f"{resource.title}Page"] = obj(
            {
                "count": {"type": "integer", "description": "Number of records matching the filters."},
                "next": {**nullable(URL), "description": "The next page, if any."},
                "previous": {**nullable(URL), "description": "The previous page, if any."},
                "results": array_of(ref(resource.title)),
            }
        )
        paths[resource.list_path()] = {
            "get": {
                "operationId": f"list_{resource.name}",
                "summary": f"Public {resource.name}, filtered and paginated",
                "tags": [resource.name],
                "parameters": [*filter_parameters(resource.filterset_class), *page_parameters()],
                "responses": {
                    "200": {"description": "A page of records.", **json_content(ref(f"{resource.title}Page"))},
                    "400": error("A filter, page number or page size that cannot be applied."),
                    "404": error("A page past the last one."),
                },
            }
        }
        paths[resource.detail_path()] = {
            "get": {
                "operationId": f"get_{resource.name}",
                "summary": f"One public record of {resource.name}",
                "tags": [resource.name],
                "parameters": [parameter(resource.lookup, resource.lookup_schema, "Identifier", "path", True)],
                "responses": {
                    "200": {"description": "The record.", **json_content(ref(resource.title))},
                    "404": error("No public record has this identifier."),
                },
            }
        }
    paths.update(extra_paths or {})
    schemas.update(components or {})
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Testimony DB open data",
            "version": "1.0.0",
            "description": (
                "Read-only access to the published records of Testimony DB: testimonies, detention sites, military "
                "units and sources. Only published records and their public fields are served; every other method "
                "than GET, HEAD and OPTIONS is answered with 405. Lists take the filters of the matching list page "
                "of the site, and `page` and `per_page`."
            ),
        },
        "paths": paths,
        "components": {"schemas": schemas},
    }
