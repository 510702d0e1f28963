"""The classes that REST_FRAMEWORK (config/settings.py) makes the defaults of the JSON API's views (core/json_api.py):
JSON whatever the client asks, the list pages' FilterSets, the page/per_page pagination and problem details (RFC
9457) for every refusal. Kept apart from core/json_api.py because DRF imports them while it defines its own views:
this module must import neither DRF's views nor core/json_api.py.
"""

from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

PROBLEM_JSON = "application/problem+json"
URL = {"type": "string", "format": "uri"}


def parameter(name: str, schema: dict, description: str, where: str = "query", required: bool = False) -> dict:
    return {"name": name, "in": where, "required": required, "schema": schema, "description": description}


class Problem(exceptions.APIException):
    """An API error with its own detail and, for refused parameters, the reasons per parameter."""

    def __init__(self, status: int, detail: str, errors: dict | None = None):
        self.status_code = status
        self.errors = errors
        super().__init__(detail)


def problem_body(status: int, detail: str, errors: dict | None = None) -> dict:
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": str(detail)}
    return {**body, **({"errors": errors} if errors else {})}


def json_response(data, status: int = 200) -> JsonResponse:
    """Open data outside the API's views (the overview's numbers): UTF-8 JSON that any web page may read."""
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def error_response(status: int, detail: str, errors: dict | None = None) -> JsonResponse:
    """A refusal outside the API's views, as the same problem details (RFC 9457) as `problem_exception_handler`."""
    response = json_response(problem_body(status, detail, errors), status=status)
    response["Content-Type"] = PROBLEM_JSON
    return response


def reasons(detail) -> dict:
    """A DRF ValidationError's detail as {parameter: [{"message", "code"}]}."""
    if not isinstance(detail, dict):
        detail = {"non_field_errors": detail if isinstance(detail, list) else [detail]}
    return {key: [{"message": str(error), "code": error.code} for error in errors] for key, errors in detail.items()}


def problem_exception_handler(exc, context):
    """REST_FRAMEWORK's EXCEPTION_HANDLER: every refusal as problem details, as core.errors answers the 404s, 500s
    and 503s outside DRF's views. Anything else is left to Django (core.errors.server_error)."""
    if isinstance(exc, Http404):  # get_object(): no public record with this key
        exc = Problem(404, _("No public record has this identifier."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, exceptions.MethodNotAllowed):
        exc = Problem(405, _("This API is read-only."))
    if not isinstance(exc, exceptions.APIException):
        return None
    if isinstance(exc, Problem):
        body = problem_body(exc.status_code, exc.detail, exc.errors)
    elif isinstance(exc.detail, str):
        body = problem_body(exc.status_code, exc.detail)
    else:
        body = problem_body(exc.status_code, HTTPStatus(exc.status_code).description, reasons(exc.detail))
    response = Response(body, status=exc.status_code, content_type=PROBLEM_JSON)
    if getattr(exc, "wait", None):
        response["Retry-After"] = str(int(exc.wait))
    return response


class JsonOnly(BaseContentNegotiation):
    """The API speaks JSON whatever the client's Accept header or a `format` parameter says (which are then no
    error, as before DRF): one renderer, no parser (nothing is ever read from a request body)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class PublicFilterBackend(DjangoFilterBackend):
    """The list page's FilterSet; a refused value is a 400 problem with the reasons per parameter."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise Problem(400, _("Invalid filter parameters."), filterset.form.errors.get_json_data())
        return filterset.qs


def positive_int(raw: str | None, default: int) -> int | None:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value >= 1 else None


class PagePagination(BasePagination):
    """`page` (from 1) and `per_page` (1 to PUBLIC_MAX_PAGE_SIZE); {"count", "count_is_estimate", "next", "previous",
    "results"} with full URLs. A page size or number that is not one is a 400, a page past the last a 404.

    The count is the list pages' (core.listing.bounded_count): exact up to 10,000 records, past that on PostgreSQL
    the planner's estimate, flagged by `count_is_estimate`, instead of counting every public record (250 ms at
    1,000,000 testimonies). `next` and the 404 never rest on the estimate: a page reads one record more than it
    shows, so whether there is a next page is known exactly; and on the last page the count is exact again. Past
    the first 10,000 records (a deep page) the count is exact: reading the records before the page costs as much."""

    page_query_param = "page"
    page_size_query_param = "per_page"

    def paginate_queryset(self, queryset, request, view=None):
        # Imported here: DRF imports this module while it defines its views, before the models are loaded.
        from core import listing

        self.request = request
        per_page = positive_int(request.query_params.get(self.page_size_query_param), settings.PUBLIC_PAGE_SIZE)
        if per_page is None or per_page > settings.PUBLIC_MAX_PAGE_SIZE:
            message = _("Give a whole number from 1 to %(maximum)d.") % {"maximum": settings.PUBLIC_MAX_PAGE_SIZE}
            raise Problem(400, _("Invalid page size."), {self.page_size_query_param: [{"message": message}]})
        number = positive_int(request.query_params.get(self.page_query_param), 1)
        if number is None:
            message = _("Give a whole number from 1.")
            raise Problem(400, _("Invalid page number."), {self.page_query_param: [{"message": message}]})
        offset = (number - 1) * per_page
        if offset > listing.EXACT_COUNT_UP_TO:
            # A deep page: reading the records before it costs what counting them does, and a page past the last
            # (?page=99999999) must be refused without reading the whole list first.
            self.count, self.count_is_estimate = queryset.order_by().values("pk").count(), False
            if offset >= self.count:
                raise Problem(404, _("There is no page %(number)d.") % {"number": number})
            rows = list(queryset[offset : offset + per_page])
            self.number, self.has_next = number, offset + len(rows) < self.count
            return rows
        rows = list(queryset[offset : offset + per_page + 1])
        if not rows and number > 1:
            raise Problem(404, _("There is no page %(number)d.") % {"number": number})
        self.number, self.has_next = number, len(rows) > per_page
        rows = rows[:per_page]
        if self.has_next:
            count, self.count_is_estimate = listing.bounded_count(queryset)
            # An estimate below what the pages already show would contradict them.
            self.count = max(count, offset + per_page + 1)
        else:
            self.count, self.count_is_estimate = offset + len(rows), False
        return rows

    def page_url(self, number: int) -> str:
        params = self.request.query_params.copy()
        params[self.page_query_param] = str(number)
        return self.request.build_absolute_uri(f"{self.request.path}?{params.urlencode()}")

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count,
                "count_is_estimate": self.count_is_estimate,
                "next": self.page_url(self.number + 1) if self.has_next else None,
                "previous": self.page_url(self.number - 1) if self.number > 1 else None,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        nullable_url = {"anyOf": [URL, {"type": "null"}]}
        properties = {
            "count": {
                "type": "integer",
                "description": "Number of records matching the filters: exact up to 10,000, past that possibly the "
                "database's estimate (see count_is_estimate).",
            },
            "count_is_estimate": {
                "type": "boolean",
                "description": "True when count is the database's estimate rather than an exact count (more than "
                "10,000 matches, on PostgreSQL); next and the last page are exact either way.",
            },
            "next": {**nullable_url, "description": "The next page, if any."},
            "previous": {**nullable_url, "description": "The previous page, if any."},
            "results": schema,
        }
        return {
            "type": "object",
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        }

    def get_schema_operation_parameters(self, view):
        return [
            parameter(
                "page", {"type": "integer", "minimum": 1, "default": 1}, "Page number; past the last page: 404."
            ),
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
