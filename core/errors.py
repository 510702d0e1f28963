"""Honest errors: a database that is down or busy is "temporarily unavailable" (503 with Retry-After), not a server
error; the error pages are the site's own and never touch the database; an outage is logged once per interval.

`server_error` is the project's handler500 (config/urls.py). Django calls it for every uncaught exception, raised
in a view or in a middleware, while the exception is being handled, so it can tell a database outage (connection
refused or lost, the server shutting down, too many connections) and a bounded wait that ran out (lock timeout,
statement timeout, SQLite's busy timeout) from a bug. Under /api/ both are `application/problem+json` (RFC 9457).
"""

import json
import logging
import sys
import threading
import time

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

from .database import import_running
from .storage import StorageUnavailable

DOWN, BUSY, STORE, CACHE = "down", "busy", "store", "cache"
# Seconds a client is asked to wait before trying again.
RETRY_AFTER = {DOWN: 30, BUSY: 10, STORE: 30, CACHE: 30}
API_PREFIX = "/api/"
# SQLSTATE codes (PostgreSQL) of a busy database: lock_not_available, query_canceled (statement_timeout),
# serialization_failure, deadlock_detected; and classes of an unavailable one: 08 connection exception,
# 53 insufficient resources (too many connections), 57 operator intervention (shutdown, cannot connect now).
BUSY_STATES = {"55P03", "57014", "40001", "40P01"}
DOWN_CLASSES = {"08", "53", "57"}
SQLITE_BUSY_MESSAGES = ("database is locked", "database table is locked")


def unavailability(error: BaseException | None) -> str | None:
    """DOWN, BUSY, STORE (the object store of evidence files), CACHE (Redis, which only the login lockout counters
    do not do without: every other use ignores its errors), or None when `error` is none of them unavailable (a
    bug, a constraint...)."""
    if isinstance(error, StorageUnavailable):
        return STORE
    if isinstance(error, redis_errors()):
        return CACHE
    if not isinstance(error, DatabaseError):
        return None
    if isinstance(error, InterfaceError):
        return DOWN  # the connection is closed
    if not isinstance(error, OperationalError):
        return None
    cause = error.__cause__
    state = getattr(cause, "sqlstate", None)
    if state in BUSY_STATES:
        return BUSY
    if state and state[:2] in DOWN_CLASSES:
        return DOWN
    if state is None and type(cause).__module__.startswith("psycopg"):
        return DOWN  # could not connect at all: no server, no state
    if any(text in str(error) for text in SQLITE_BUSY_MESSAGES):
        return BUSY
    return None


def redis_errors() -> tuple:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (RedisConnectionError, RedisTimeoutError)


def problem_response(status: int, title: str, detail: str, retry_after: int | None = None) -> HttpResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    response = HttpResponse(json.dumps(body), status=status, content_type="application/problem+json")
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def page_response(request, template: str, status: int, context: dict) -> HttpResponse:
    """A page of the site rendered from plain context: no context processor (they read the session and the user),
    so nothing here can touch the database."""
    return HttpResponse(loader.render_to_string(template, {"request": request, **context}), status=status)


def unavailable_response(request, kind: str) -> HttpResponse:
    if kind == BUSY and import_running():
        detail = _(
            "A CSV import is running and holds the records you wanted to change. Nothing was saved; "
            "try again in a minute, when the import has finished."
        )
    elif kind == BUSY:
        detail = _("The database is busy. Nothing was saved; please try again in a few seconds.")
    elif kind == CACHE:
        detail = _(
            "Logging in is not possible at the moment: the service that counts failed logins cannot be reached. "
            "Please try again in a minute."
        )
    elif kind == STORE:
        detail = _("The file store cannot be reached at the moment. Nothing was saved; please try again in a minute.")
    else:
        detail = _("The database cannot be reached at the moment. Please try again in a minute.")
    title = _("Temporarily unavailable")
    if request.path.startswith(API_PREFIX):
        response = problem_response(503, title, detail)
    else:
        response = page_response(
            request,
            "503.html",
            503,
            {"title": title, "detail": detail, "store": kind == STORE, "cache": kind == CACHE},
        )
    response["Retry-After"] = str(RETRY_AFTER[kind])
    response["Cache-Control"] = "no-store"
    return response


def page_not_found(request, exception=None):
    """handler404: under /api/ the API's own problem details (a path no route takes, such as a negative record
    number, is a 404 of the API too), elsewhere the site's 404 page."""
    if request.path.startswith(API_PREFIX):
        response = problem_response(404, _("Not found"), _("There is nothing at this address of the API."))
        response["Access-Control-Allow-Origin"] = "*"
        return response
    return defaults.page_not_found(request, exception)


def server_error(request, template_name: str = "500.html") -> HttpResponse:
    """handler500: a 503 when the database is unavailable, else the site's own 500 page (or problem JSON)."""
    kind = unavailability(sys.exc_info()[1])
    if kind:
        return unavailable_response(request, kind)
    title = _("Server error")
    detail = _("Something went wrong on our side. It has been logged; please try again later.")
    if request.path.startswith(API_PREFIX):
        return problem_response(500, title, detail)
    return page_response(request, template_name, 500, {"title": title, "detail": detail})


class DatabaseOutageFilter(logging.Filter):
    """Logs a database outage once per `interval` seconds, with how many requests failed since, not once per
    request with a full traceback: the first failure of an interval is logged (without the traceback when it is
    only the database being unavailable), the rest are counted."""

    def __init__(self, interval: float = 60):
        super().__init__()
        self.interval = interval
        self.lock = threading.Lock()
        self.last_logged = None
        self.suppressed = 0

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        kind = unavailability(error)
        if kind is None:
            return True
        with self.lock:
            now = time.monotonic()
            if self.last_logged is not None and now - self.last_logged < self.interval:
                self.suppressed += 1
                return False
            suppressed, self.suppressed, self.last_logged = self.suppressed, 0, now
        record.msg = "%s (answered 503): %s: %s%s" % (  # noqa: UP031 (a log record's own formatting)
            {
                DOWN: "Database unavailable",
                BUSY: "Database busy",
                STORE: "Object store unavailable",
                CACHE: "Redis unavailable",
            }[kind],
            type(error).__name__,
            str(error).strip().replace("\n", " "),
            f"; {suppressed} more such failures since the last report" if suppressed else "",
        )
        record.args = ()
        record.exc_info = record.exc_text = None
        return True
