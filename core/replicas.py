"""Read replicas: a reader's page is read from the replica, everything else from the primary (README, "Read replicas").

With DATABASE_REPLICA_URL set, config/settings.py adds the "replica" database and installs `ReplicaRouter`.
`ReplicaReadsMiddleware` decides, per request, whether that request may read from the replica: only a GET or HEAD
without a session cookie (staff, and anyone who has logged in, read the primary: they must see their own writes at
once) and without an Authorization header. The decision lives in a context variable, so it holds for the thread (or
the asyncio task) of that request only; without it (management commands, migrations, background work, the
tests) every read goes to the primary.

Read-your-writes: once a request writes anything (the router is asked where to write, or a transaction is open on
the primary), its later reads go to the primary too. A replica applies the primary's changes within milliseconds
as a rule; a reader's page can be that much behind the primary, never behind itself.

The page cache stays consistent: its key holds the publication generation read from the same database as the page
(core.generation.current_generation asks the router), so a page of the replica's data is kept under the
replica's generation.

A replica that cannot be reached is not an outage: the request that finds it so reads from the primary, a warning is
logged, and the primary serves every reader for REPLICA_RETRY_SECONDS before the replica is tried again.
"""

import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

REPLICA = "replica"
# How long every reader reads from the primary after the replica could not be reached (per app server process).
REPLICA_RETRY_SECONDS = 30

logger = logging.getLogger(__name__)


@dataclass
class ReplicaReads:
    """One request's permission to read from the replica, withdrawn by its first write."""

    wrote: bool = False


# None outside a reader's request: read the primary.
current_reads: ContextVar[ReplicaReads | None] = ContextVar("replica_reads", default=None)
# time.monotonic() until which the replica is not tried (it could not be reached).
replica_unreachable_until = 0.0


def replica_configured() -> bool:
    """DATABASE_REPLICA_URL is set, and the router installed (it is not under pytest, config/settings.py)."""
    return REPLICA in settings.DATABASES and f"{__name__}.{ReplicaRouter.__name__}" in settings.DATABASE_ROUTERS


def may_read_replica(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "Authorization" not in request.headers
    )


def replica_reachable() -> bool:
    """Whether the replica answers now (its connection is opened or health-checked here, as the request's first
    query would have done anyway). When it does not, readers read from the primary for a while."""
    global replica_unreachable_until
    if time.monotonic() < replica_unreachable_until:
        return False
    connection = connections[REPLICA]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except (OperationalError, InterfaceError) as error:
        replica_unreachable_until = time.monotonic() + REPLICA_RETRY_SECONDS
        logger.warning(
            "Database replica unavailable (%s): reading from the primary for %s s", error, REPLICA_RETRY_SECONDS
        )
        return False
    return True


def within(reads: ReplicaReads, chunks):
    """A streamed response's chunks, made with the reads of the request that made the response: the server iterates
    them after the middleware has returned (a streamed export reads its rows then)."""
    iterator = iter(chunks)
    while True:
        token = current_reads.set(reads)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            current_reads.reset(token)
        yield chunk


class ReplicaReadsMiddleware:
    """Lets a reader's request read from the replica (early in MIDDLEWARE: before anything reads the database)."""

    def __init__(self, get_response):
        if not replica_configured():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        if not (may_read_replica(request) and replica_reachable()):
            return self.get_response(request)
        reads = ReplicaReads()
        token = current_reads.set(reads)
        try:
            response = self.get_response(request)
        finally:
            current_reads.reset(token)
        if response.streaming and not response.is_async:
            response.streaming_content = within(reads, response.streaming_content)
        return response


class ReplicaRouter:
    """Reads of a reader's request to the replica; every write, and every other read, to the primary."""

    def db_for_read(self, model, **hints):
        reads = current_reads.get()
        if reads is None or reads.wrote:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            # A transaction on the primary: what it wrote, or is about to write, is not on the replica.
            reads.wrote = True
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints):
        reads = current_reads.get()
        if reads is not None:
            reads.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The same data: a record read from the replica may be linked to one read from the primary.
        return {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA} or None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica follows the primary's schema by replication; it cannot be migrated.
        return db == DEFAULT_DB_ALIAS
