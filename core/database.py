"""Bounded database waits: the web's short limits (settings.DB_*), the longer ones of the long-running commands, and
the marker by which a refused save learns that an import holds the locks it waited for.

Every PostgreSQL connection starts with `lock_timeout`, `statement_timeout` and
`idle_in_transaction_session_timeout` from the settings (config/settings.py passes them as connection options), so
no web request waits on a lock for longer than DB_LOCK_TIMEOUT. The import, backup and release commands wait
longer: they run under `longer_limits()`, usually by deriving from `LongerLimitsCommand`.
"""

from contextlib import contextmanager, suppress

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.signals import connection_created

# An advisory lock key ("imp" + "ort" in ASCII), held shared by every import's write transaction on PostgreSQL.
IMPORT_LOCK_KEY = 0x696D706F7274

LIMITS = ("lock_timeout", "statement_timeout", "idle_in_transaction_session_timeout")


def command_limits() -> dict[str, float]:
    """The limits (in seconds) of the long-running commands."""
    return {
        "lock_timeout": settings.DB_COMMAND_LOCK_TIMEOUT,
        "statement_timeout": settings.DB_COMMAND_STATEMENT_TIMEOUT,
        # A command works between its statements (parsing a file, writing an archive): no idle limit.
        "idle_in_transaction_session_timeout": 0,
    }


def set_limits(connection, limits: dict[str, float], transaction_only: bool = False) -> None:
    """Set `limits` (seconds) for the session, where a command's own transactions come and go, or, with
    `transaction_only`, until the current transaction ends (SET LOCAL)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name, seconds in limits.items():
            assert name in LIMITS
            # set_config, not SET: a parameter of SET cannot be bound on the server (settings.DB_PREPARED_STATEMENTS).
            cursor.execute("SELECT set_config(%s, %s, %s)", [name, f"{int(seconds * 1000)}ms", transaction_only])


def reset_limits(connection) -> None:
    """Back to the connection's start-up limits (RESET returns to the value the connection options gave)."""
    if connection.vendor != "postgresql" or connection.connection is None:
        return
    with connection.cursor() as cursor:
        for name in LIMITS:
            cursor.execute(f"RESET {name}")


@contextmanager
def longer_limits(using: str = DEFAULT_DB_ALIAS, limits: dict[str, float] | None = None):
    """Run the block under the long-running commands' limits, on this connection and on any that is opened again
    (a command can outlive a connection)."""
    limits = command_limits() if limits is None else limits
    connection = connections[using]

    def on_connect(sender, connection, **kwargs):
        if connection.alias == using:
            set_limits(connection, limits)

    connection_created.connect(on_connect, weak=False, dispatch_uid=f"longer-limits-{using}")
    try:
        if connection.connection is not None:
            set_limits(connection, limits)
        yield
    finally:
        connection_created.disconnect(dispatch_uid=f"longer-limits-{using}")
        if not connection.needs_rollback:
            # In an aborted transaction this fails; the connection's rollback or close ends the settings then.
            with suppress(DatabaseError):
                reset_limits(connection)


class LongerLimitsCommand(BaseCommand):
    """A management command that may wait for locks, and run statements, longer than a web request."""

    def execute(self, *args, **options):
        with longer_limits(options.get("database") or DEFAULT_DB_ALIAS):
            return super().execute(*args, **options)


def mark_import_running(using: str = DEFAULT_DB_ALIAS) -> None:
    """Inside an import's write transaction: let others see that an import holds locks (until it ends)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [IMPORT_LOCK_KEY])


def import_running(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether an import's write transaction is open (PostgreSQL; never raises)."""
    connection = connections[using]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND classid = %s AND objid = %s AND objsubid = 1)",
                [IMPORT_LOCK_KEY >> 32, IMPORT_LOCK_KEY & 0xFFFFFFFF],
            )
            return cursor.fetchone()[0]
    except Exception:  # noqa: BLE001 (only a better message depends on it; the database may be gone)
        return False
