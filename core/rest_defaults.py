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
    shows, so whether there is a next page is known exactly; and on the last page the count is exact again. A deep
    page (past the first 10,000 records) within the estimate keeps it too: an exact count there was a scan of every
    public record on top of the page's own (54 ms of the 200 of the middle page of 850,000 public testimonies); a page
    past the estimate is counted exactly before it is read.

    Deep pages are linked by cursor instead (`after`, core.keyset): a `next` past the first 10,000 records reads the
    records after the last one shown through the list's index, so following `next` to the end of 1,000,000 records
    costs the same per page all the way. A page reached by a cursor links forward only (`previous` is null)."""

    page_query_param = "page"
    page_size_query_param = "per_page"
    cursor_query_param = "after"

    def paginate_queryset(self, queryset, request, view=None):
        # Imported here: DRF imports this module while it defines its views, before the models are loaded.
        from core import keyset, listing

        self.request = request
        per_page = positive_int(request.query_params.get(self.page_size_query_param), settings.PUBLIC_PAGE_SIZE)
        if per_page is None or per_page > settings.PUBLIC_MAX_PAGE_SIZE:
            message = _("Give a whole number from 1 to %(maximum)d.") % {"maximum": settings.PUBLIC_MAX_PAGE_SIZE}
            raise Problem(400, _("Invalid page size."), {self.page_size_query_param: [{"message": message}]})
        self.next_cursor = None
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor is not None:
            return self.paginate_after(queryset, cursor, per_page)
        number = positive_int(request.query_params.get(self.page_query_param), 1)
        if number is None:
            message = _("Give a whole number from 1.")
            raise Problem(400, _("Invalid page number."), {self.page_query_param: [{"message": message}]})
        offset = (number - 1) * per_page
        count = None
        if offset > listing.EXACT_COUNT_UP_TO:
            # A deep page. One that lies within the estimate is read (the read says whether it exists); one past it
            # is counted exactly first, so that a page past the last (?page=99999999) is refused without reading
            # the list that far.
            count, count_is_estimate = listing.bounded_count(queryset)
            if count_is_estimate and offset >= count:
                count, count_is_estimate = queryset.order_by().values("pk").count(), False
            if offset >= count:
                raise Problem(404, _("There is no page %(number)d.") % {"number": number})
        rows = list(listing.records_between(queryset, offset, offset + per_page + 1))
        if not rows and number > 1:
            raise Problem(404, _("There is no page %(number)d.") % {"number": number})
        self.number, self.has_next = number, len(rows) > per_page
        rows = rows[:per_page]
        if self.has_next:
            if count is None:
                count, count_is_estimate = listing.bounded_count(queryset)
            # An estimate below what the pages already show would contradict them.
            self.count, self.count_is_estimate = max(count, offset + per_page + 1), count_is_estimate
            if offset + per_page > listing.EXACT_COUNT_UP_TO:
                self.next_cursor = keyset.cursor_after(queryset, rows[-1])
        else:
            self.count, self.count_is_estimate = offset + len(rows), False
        return rows

    def paginate_after(self, queryset, cursor: str, per_page: int) -> list:
        from core import keyset, listing

        try:
            # The HTML lists' page after a cursor: the records after it, one more saying whether there is a next.
            page = listing.BoundedCountPaginator(queryset, per_page).page_after(cursor)
        except keyset.MalformedCursor as error:
            message = _("Give the cursor of a next link of this list, as it is.")
            raise Problem(400, _("Invalid cursor."), {self.cursor_query_param: [{"message": message}]}) from error
        except keyset.UnknownCursor as error:
            # Like a page number past the last: no page of this list (with this sort) is there.
            detail = _(
                "No page of this list has this cursor: follow a next link of this list, with the same sort, or start "
                "again from page 1."
            )
            raise Problem(404, detail) from error
        if self.page_query_param in self.request.query_params:
            message = _("Give either a page number or a cursor, not both.")
            raise Problem(400, _("Invalid page number."), {self.page_query_param: [{"message": message}]})
        self.number, self.has_next, self.next_cursor = None, page.has_next(), page.next_cursor
        self.count, self.count_is_estimate = listing.bounded_count(queryset)
        return list(page.object_list)

    def page_url(self, **page: str) -> str:
        params = self.request.query_params.copy()
        for name in (self.page_query_param, self.cursor_query_param):
            params.pop(name, None)
        params.update(page)
        return self.request.build_absolute_uri(f"{self.request.path}?{params.urlencode()}")

    def next_url(self) -> str | None:
        if not self.has_next:
            return None
        if self.next_cursor:
            return self.page_url(**{self.cursor_query_param: self.next_cursor})
        return self.page_url(**{self.page_query_param: str(self.number + 1)})

    def previous_url(self) -> str | None:
        if self.number is None or self.number == 1:
            return None
        return self.page_url(**{self.page_query_param: str(self.number - 1)})

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count,
                "count_is_estimate": self.count_is_estimate,
                "next": self.next_url(),
                "previous": self.previous_url(),
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
            "next": {
                **nullable_url,
                "description": "The next page, if any: by number, or past the first 10,000 records by cursor (after).",
            },
            "previous": {
                **nullable_url,
                "description": "The previous page, if any; null on a page reached by a cursor.",
            },
            "results": schema,
        }
        return {
            "type": "object",
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        }

    def get_schema_operation_parameters(self, view):
        from core import keyset

        return [
            parameter(
                "page", {"type": "integer", "minimum": 1, "default": 1}, "Page number; past the last page: 404."
            ),
            parameter(
                "after",
                {"type": "string", "pattern": keyset.CURSOR_PATTERN},
                "Cursor of a `next` link past the first 10,000 records: the records after the last one of that "
                "page, in the same order, read through the list's index. Not with `page`. A cursor this list did "
                "not make (with another sort, or another list's): 404.",
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
