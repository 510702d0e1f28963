"""Read replicas (core.replicas): readers read the replica, staff and writers the primary, and a replica that is down
is not an outage.

The live tests start a private PostgreSQL primary and a streaming replica made from it with `pg_basebackup -R`
(tests/test_faults.py's Cluster, on free loopback ports), and gunicorn with DATABASE_URL and DATABASE_REPLICA_URL.
Pausing the replica's replay (`pg_wal_replay_pause()`) makes its lag visible: what the primary has and the replica
has not yet applied tells which database a page was read from. Without the server binaries they skip (and fail under
REQUIRE_SYSTEM_TOOLS=1, as in CI).
"""

import contextlib
import json
import logging
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.test import RequestFactory

from core import replicas
from core.replicas import (
    REPLICA,
    ReplicaReads,
    ReplicaReadsMiddleware,
    ReplicaRouter,
    current_reads,
    may_read_replica,
    within,
)
from tests.test_faults import Cluster, free_port, manage, need_postgres_bin, script_env, shell
from tests.test_production_settings import production_env
from tests.test_serve import PROXY_HEADERS, request, start_gunicorn, stop_gunicorn

# One worker starts the two clusters, once (pytest-xdist).
pytestmark = pytest.mark.xdist_group("replicas")

PUBLISHED_QUOTE = "Quote public from the start"
LATER_QUOTE = "Quote published while the replica waited"
SETUP = f"""
import json
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from tests.factories import TestimonyFactory
TestimonyFactory(status="published", quote={PUBLISHED_QUOTE!r})
later = TestimonyFactory(status="draft", quote={LATER_QUOTE!r})
user = get_user_model().objects.create_superuser("root", "root@example.org", "a long enough password")
session = import_module(settings.SESSION_ENGINE).SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(json.dumps({{"cookie": f"{{settings.SESSION_COOKIE_NAME}}={{session.session_key}}", "later": later.pk}}))
"""


def sql(cluster: Cluster, statement: str, *params):
    with cluster.connect() as connection:
        connection.autocommit = True
        cursor = connection.execute(statement, params)
        return cursor.fetchone() if cursor.description else None


@contextlib.contextmanager
def replay_paused(replica: Cluster):
    sql(replica, "SELECT pg_wal_replay_pause()")
    deadline = time.monotonic() + 10
    while sql(replica, "SELECT pg_get_wal_replay_pause_state()")[0] != "paused":
        assert time.monotonic() < deadline, "the replica did not pause its replay"
        time.sleep(0.05)
    try:
        yield
    finally:
        sql(replica, "SELECT pg_wal_replay_resume()")


def eventually(check, seconds=10):
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A primary, migrated; a streaming replica of it; gunicorn reading the replica for readers."""
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        pytest.skip("read replicas are PostgreSQL's: this runs in the PostgreSQL pass of the suite")
    bin_dir = need_postgres_bin()
    primary, replica = Cluster(bin_dir), Cluster(bin_dir)
    tmp_path = tmp_path_factory.mktemp("replicas")
    process = log = None
    try:
        primary.init()  # initdb's pg_hba.conf lets 127.0.0.1 replicate (trust); wal_level is `replica` by default
        server_env = production_env(tmp_path, DATABASE_URL=primary.url, REQUIRE_STAFF_2FA="0")
        manage(script_env(primary.url), "migrate", "--noinput", "-v0", timeout=300)
        made = json.loads(shell(server_env, SETUP).stdout.strip().splitlines()[-1])
        replica.run(
            *(bin_dir / "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"),
            *("-D", replica.data, "-R", "-X", "stream", "-c", "fast", "--no-sync"),
        )
        replica.start()  # a hot standby (hot_standby is on by default), following the primary
        manage(server_env, "collectstatic", "--noinput", "-v0")
        server_env.update(DATABASE_REPLICA_URL=replica.url, WEB_CONCURRENCY="1", GUNICORN_THREADS="4")
        port = free_port()
        process, log = start_gunicorn(server_env, port, tmp_path / "gunicorn.log")
        yield {
            "port": port,
            "primary": primary,
            "replica": replica,
            "log": log,
            "env": server_env,
            "staff": {**PROXY_HEADERS, "Cookie": made["cookie"]},
            "later": made["later"],
        }
    finally:
        if process is not None:
            stop_gunicorn(process)
            log.close()
        replica.remove()
        primary.remove()


def publish_later(live, status="published"):
    sql(live["primary"], "UPDATE testimonies_testimony SET status = %s WHERE id = %s", status, live["later"])


def shows_later(live, path="/api/testimonies/", headers=PROXY_HEADERS) -> bool:
    status, _headers, body = request(live["port"], path, headers=headers)
    assert status == 200, body
    assert PUBLISHED_QUOTE.encode() in body
    return LATER_QUOTE.encode() in body


def test_readers_read_the_replica_and_staff_the_primary(live):
    assert not shows_later(live)
    with replay_paused(live["replica"]):
        publish_later(live)
        # The primary has it; a reader's page, list and streamed export do not yet: they come from the replica.
        assert not shows_later(live)
        assert not shows_later(live, "/testimonies/")
        assert not shows_later(live, "/export/testimonies.csv")
        # Staff read the primary: they see it at once.
        assert shows_later(live, headers=live["staff"])
        assert request(live["port"], "/admin/", headers=live["staff"])[0] == 200  # a real staff session
    # Replayed, the replica has it too (and the page cache, keyed by the replica's generation, has moved on).
    eventually(lambda: shows_later(live))
    assert shows_later(live, "/export/testimonies.csv")
    publish_later(live, "draft")
    eventually(lambda: not shows_later(live))


READ_YOUR_WRITES = f"""
from core.replicas import ReplicaReads, current_reads
from testimonies.models import Testimony
current_reads.set(ReplicaReads())  # as in a reader's request
later = Testimony.objects.filter(quote={LATER_QUOTE!r})
seen = [later.public().exists()]
later.update(status="published")
seen.append(later.public().exists())
print(seen)
"""


def test_a_request_that_wrote_reads_its_write_from_the_primary(live):
    with replay_paused(live["replica"]):
        # Before its write, the replica (which has not seen the write) answers; after it, the primary.
        assert shell(live["env"], READ_YOUR_WRITES).stdout.strip().splitlines()[-1] == "[False, True]"
        assert not shows_later(live)  # another reader: the replica
    eventually(lambda: shows_later(live))
    publish_later(live, "draft")
    eventually(lambda: not shows_later(live))


STRAY_WRITE = """
from django.db import connections
with connections["replica"].cursor() as cursor:
    cursor.execute("SHOW default_transaction_read_only")
    print(cursor.fetchone()[0])
"""


def test_the_replicas_connections_are_read_only(live):
    assert shell(live["env"], STRAY_WRITE).stdout.strip().splitlines()[-1] == "on"


def test_readers_read_the_primary_while_the_replica_is_down(live):
    # The last of the live tests: it leaves the replica stopped, and this server reading the primary for 30 s.
    live["log"].seek(0, os.SEEK_END)
    live["replica"].stop()
    publish_later(live)
    try:
        for _n in range(5):
            assert shows_later(live)  # from the primary, not a 503
    finally:
        publish_later(live, "draft")
    live["log"].seek(0)
    logged = live["log"].read()
    assert logged.count("Database replica unavailable") == 1, logged  # once per retry interval, not per request
    assert "Traceback" not in logged


# --- In-process: the router's decisions ------------------------------------------------------------------------------


@pytest.fixture
def reader():
    reads = ReplicaReads()
    token = current_reads.set(reads)
    yield reads
    current_reads.reset(token)


def test_outside_a_readers_request_everything_uses_the_primary():
    router = ReplicaRouter()
    assert router.db_for_read(None) == router.db_for_write(None) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "testimonies") and not router.allow_migrate(REPLICA, "testimonies")


def test_a_reader_reads_the_replica_until_the_request_writes(reader):
    router = ReplicaRouter()
    assert router.db_for_read(None) == REPLICA
    assert router.db_for_write(None) == DEFAULT_DB_ALIAS
    assert router.db_for_read(None) == DEFAULT_DB_ALIAS and reader.wrote


def test_a_transaction_on_the_primary_reads_the_primary(reader, monkeypatch):
    monkeypatch.setattr(connections[DEFAULT_DB_ALIAS], "in_atomic_block", True)
    assert ReplicaRouter().db_for_read(None) == DEFAULT_DB_ALIAS
    monkeypatch.setattr(connections[DEFAULT_DB_ALIAS], "in_atomic_block", False)
    assert ReplicaRouter().db_for_read(None) == DEFAULT_DB_ALIAS  # the request may have written in it


def test_only_an_anonymous_get_or_head_may_read_the_replica():
    factory = RequestFactory()
    assert may_read_replica(factory.get("/testimonies/"))
    assert may_read_replica(factory.head("/testimonies/"))
    assert not may_read_replica(factory.post("/i18n/setlang/"))
    factory.cookies[settings.SESSION_COOKIE_NAME] = "staff"
    assert not may_read_replica(factory.get("/testimonies/"))
    assert not may_read_replica(RequestFactory().get("/api/testimonies/", HTTP_AUTHORIZATION="Bearer x"))


def test_a_streamed_response_reads_as_its_request_did(reader):
    def rows():
        for _n in range(2):
            yield ReplicaRouter().db_for_read(None)

    streamed = within(reader, rows())
    assert current_reads.get() is reader
    token = current_reads.set(None)  # the server iterates after the middleware has returned
    try:
        assert list(streamed) == [REPLICA, REPLICA]
        assert current_reads.get() is None
    finally:
        current_reads.reset(token)


class Unreachable:
    attempts = 0

    def close_if_health_check_failed(self):
        pass

    def ensure_connection(self):
        self.attempts += 1
        raise OperationalError("connection refused")


def test_an_unreachable_replica_is_tried_again_only_after_a_while(monkeypatch, caplog):
    clock = [1000.0]
    replica_connection = Unreachable()
    monkeypatch.setattr(replicas.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(replicas, "connections", {REPLICA: replica_connection})
    monkeypatch.setattr(replicas, "replica_unreachable_until", 0.0)
    with caplog.at_level(logging.WARNING, logger="core.replicas"):
        assert not replicas.replica_reachable()
        clock[0] += replicas.REPLICA_RETRY_SECONDS - 1
        assert not replicas.replica_reachable()
        assert replica_connection.attempts == 1 and len(caplog.records) == 1
        clock[0] += 2
        assert not replicas.replica_reachable()
        assert replica_connection.attempts == 2


def test_the_middleware_is_not_used_without_a_replica():
    with pytest.raises(MiddlewareNotUsed):
        ReplicaReadsMiddleware(lambda request: None)


def test_a_replica_needs_postgresql(tmp_path):
    env = production_env(tmp_path, DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5432/testimony")
    result = subprocess.run(  # noqa: S603 (this project's manage.py with fixed arguments)
        [sys.executable, "manage.py", "check"], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "DATABASE_REPLICA_URL needs PostgreSQL" in result.stderr
