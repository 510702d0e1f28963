"""Under faults: bounded database waits, honest 503s, one log line per outage, and a SQLite that a preview cannot lock.

The live tests start a private PostgreSQL cluster (initdb/pg_ctl, as the `postgres` user when run as root) on a free
loopback port and gunicorn with this project's gunicorn.conf.py against it, then stop the cluster, restart it and
hold a lock on the testimony table. Without initdb they skip (and fail under REQUIRE_SYSTEM_TOOLS=1, as in CI).
"""

import contextlib
import glob
import json
import logging
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client

from core.database import IMPORT_LOCK_KEY, longer_limits
from core.errors import BUSY, DOWN, DatabaseOutageFilter, unavailability
from sites.models import Site, SiteAlias
from tests.factories import SiteFactory
from tests.test_production_settings import production_env
from tests.test_serve import request, start_gunicorn, stop_gunicorn

# One worker runs the module: its private PostgreSQL cluster and gunicorn start once, not once on each worker.
pytestmark = pytest.mark.xdist_group("faults")

REQUIRE_SYSTEM_TOOLS = os.environ.get("REQUIRE_SYSTEM_TOOLS") == "1"


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def need_postgres_bin() -> Path:
    path = postgres_bin()
    if path is None:
        message = "initdb/pg_ctl (PostgreSQL server binaries) are not installed: apt-get install postgresql"
        if REQUIRE_SYSTEM_TOOLS:
            pytest.fail(message)
        pytest.skip(message)
    return path


def script_env(database_url: str, **overrides) -> dict[str, str]:
    """A plain (non-production) environment for manage.py in a subprocess against another database."""
    env = production_env(Path(tempfile.gettempdir()), DATABASE_URL=database_url)
    env.update(
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        BEHIND_TLS_PROXY="0",
        REQUIRE_STAFF_2FA="0",
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(overrides)
    return env


def manage(env, *args, timeout=180):
    result = subprocess.run(  # noqa: S603 (this project's manage.py with fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}"
    return result


def shell(env, code: str, **overrides):
    return manage({**env, **overrides}, "shell", "--no-imports", "-c", code)


def free_port() -> int:
    """A loopback port free now. PostgreSQL needs its port before it starts (it cannot name one it picked), so
    this small race is accepted here; the cluster's start fails loudly if another process took the port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """A throw-away PostgreSQL cluster in a temporary folder, on a free loopback port."""

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="testimony-faults-"))
        self.port = free_port()
        self.as_postgres = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            shutil.chown(self.folder, "postgres")
            self.as_postgres = ["runuser", "-u", "postgres", "--"]
        self.data = self.folder / "data"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/testimony_faults"

    def run(self, *command):
        subprocess.run([*self.as_postgres, *command], check=True, capture_output=True, timeout=120)  # noqa: S603

    def init(self):
        self.run(self.bin / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        self.start()
        self.run(self.bin / "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "testimony_faults")

    def start(self):
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(self.bin / "pg_ctl", "-D", self.data, "-o", options, "-l", self.folder / "log", "-w", "start")

    def stop(self):
        self.run(self.bin / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def connect(self):
        return psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=testimony_faults")

    def remove(self):
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


SETUP = """
from django.contrib.auth import get_user_model
from tests.factories import SiteFactory, TestimonyFactory
get_user_model().objects.create_superuser("root", "root@example.org", "a long enough password")
TestimonyFactory(status="published", sites=[SiteFactory(slug="held", status="draft")])
"""


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The private cluster, migrated, and gunicorn (2 threaded workers, gunicorn.conf.py) serving it."""
    cluster = Cluster(need_postgres_bin())
    tmp_path = tmp_path_factory.mktemp("faults")
    process = log = None
    try:
        cluster.init()
        env = script_env(cluster.url)
        manage(env, "migrate", "--noinput", "-v0", timeout=300)
        shell(env, SETUP)
        port = free_port()
        server_env = production_env(
            tmp_path, DATABASE_URL=cluster.url, REQUIRE_STAFF_2FA="0", WEB_CONCURRENCY="2", GUNICORN_THREADS="8"
        )
        manage(server_env, "collectstatic", "--noinput", "-v0")
        env["STATIC_ROOT"] = server_env["STATIC_ROOT"]  # the scripts render pages too
        process, log = start_gunicorn(server_env, port, tmp_path / "gunicorn.log")
        yield {"port": port, "cluster": cluster, "log": log, "env": env}
    finally:
        if process is not None:
            stop_gunicorn(process)
            log.close()
        cluster.remove()


def timed(port, path):
    start = time.monotonic()
    status, headers, body = request(port, path)
    return status, headers, body, time.monotonic() - start


def css_path(port) -> str:
    status, _headers, body = request(port, "/")
    assert status == 200
    return body.decode().split('rel="stylesheet" href="')[1].split('"')[0]


def test_a_database_outage_is_an_honest_503_logged_once_and_the_site_recovers(live):
    port, cluster = live["port"], live["cluster"]
    css = css_path(port)
    live["log"].seek(0, os.SEEK_END)
    cluster.stop()
    try:
        status, headers, body, seconds = timed(port, "/testimonies/")
        assert status == 503 and seconds < 5
        assert headers["Retry-After"].isdigit()
        page = body.decode()
        assert "Temporarily unavailable" in page and 'class="site-header"' in page  # the site's own page
        status, headers, body, _seconds = timed(port, "/api/testimonies/")
        assert status == 503 and headers["Content-Type"] == "application/problem+json"
        assert json.loads(body)["status"] == 503 and headers["Retry-After"].isdigit()
        # Static files never needed the database.
        assert timed(port, css)[0] == 200
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _n: request(port, "/")[0], range(40)))
        assert set(statuses) == {503}
    finally:
        cluster.start()
    # Recovery without restarting gunicorn: the next requests find the database again.
    deadline = time.monotonic() + 10
    while request(port, "/")[0] != 200:
        assert time.monotonic() < deadline, "the site did not recover after the database came back"
        time.sleep(0.2)
    assert request(port, "/api/testimonies/")[0] == 200
    live["log"].seek(0)
    logged = live["log"].read()
    # 42 failed requests: at most one line per worker process, with the count, and no traceback.
    assert 1 <= logged.count("Database unavailable") <= 2, logged
    assert "Traceback" not in logged


def test_a_held_table_lock_gives_bounded_waits_and_takes_no_other_page_down(live):
    port, cluster = live["port"], live["cluster"]
    css = css_path(port)
    with cluster.connect() as holder:
        holder.execute("LOCK TABLE testimonies_testimony IN ACCESS EXCLUSIVE MODE")
        with ThreadPoolExecutor(12) as pool:
            # Addresses no earlier request had, so that no page cache answers them: each must read the locked table.
            locked = [pool.submit(timed, port, f"/testimonies/?held={n}") for n in range(6)]
            locked_api = pool.submit(timed, port, "/api/testimonies/?page_size=17")
            time.sleep(0.5)  # the locked requests are waiting now
            others = [pool.submit(timed, port, path) for path in (css, "/admin/login/", "/api/schema/", css)]
            for future in others:
                status, _headers, _body, seconds = future.result()
                assert status == 200 and seconds < 1
            for future in [*locked, locked_api]:
                status, headers, _body, seconds = future.result()
                assert status == 503 and seconds < 5 and headers["Retry-After"].isdigit()
            assert locked_api.result()[1]["Content-Type"] == "application/problem+json"
        holder.rollback()
    assert request(port, "/testimonies/")[0] == 200


ADMIN_SAVE = """
import json, time
from django.test import Client
from django.contrib.auth import get_user_model
from sites.models import Site
from tests.admin_forms import admin_url, form_data
client = Client(raise_request_exception=False)
client.force_login(get_user_model().objects.get(username="root"))
url = admin_url(Site, "change", Site.objects.get(slug="held").pk)
data = form_data(client.get(url), Site)
data["name"] = ["Renamed"]
start = time.monotonic()
response = client.post(url, data)
print(json.dumps({"status": response.status_code, "seconds": time.monotonic() - start,
                  "retry_after": response.get("Retry-After"), "page": response.content.decode()}))
"""


def test_an_admin_save_behind_an_imports_locks_fails_fast_saying_so(live):
    cluster = live["cluster"]
    with cluster.connect() as importer:
        # What an import's write transaction holds: its marker and the rows it matched.
        importer.execute("SELECT pg_advisory_xact_lock_shared(%s)", [IMPORT_LOCK_KEY])
        importer.execute("SELECT id FROM sites_site WHERE slug = 'held' FOR UPDATE")
        outcome = json.loads(shell(live["env"], ADMIN_SAVE).stdout.strip().splitlines()[-1])
        importer.rollback()
    assert outcome["status"] == 503 and outcome["seconds"] < 5 and outcome["retry_after"]
    assert "A CSV import is running" in outcome["page"]


# --- SQLite: an import preview takes no lock -------------------------------------------------------------------------

PREVIEW = """
import time
from core.csv_import import CsvImporter, import_csv
planned = CsvImporter.check_together
def slowly(self):
    print("previewing", flush=True)
    time.sleep(7)  # longer than Python's default busy timeout of 5 s
    planned(self)
CsvImporter.check_together = slowly
text = "slug,name,kind,region,territory\\nnew-site,New site,basement,Donetsk,russia\\n"
result = import_csv("sites", text, None, dry_run=True, check_permissions=False)
print("previewed", result.counts["create"], len(result.problems), flush=True)
"""

STAFF_WRITE = """
import time
from django.contrib.sessions.backends.db import SessionStore
from tests.factories import SiteFactory
start = time.monotonic()
session = SessionStore()
session["seen"] = True
session.save()
SiteFactory(slug="saved-during-preview")
print(time.monotonic() - start)
"""


@pytest.mark.django_db(transaction=True)  # SQLite's backup waits for a transaction of the same connection
def test_an_import_preview_does_not_block_a_staff_save_on_sqlite(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's write lock: this runs in the SQLite pass of the suite")
    database = tmp_path / "preview.sqlite3"
    copy = sqlite3.connect(database)
    connection.ensure_connection()
    connection.connection.backup(copy)  # the migrated test database, in a file other processes can open
    copy.close()
    env = script_env(f"sqlite:///{database}")
    preview = subprocess.Popen(  # noqa: S603 (this project's manage.py with fixed arguments)
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", PREVIEW],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert preview.stdout.readline().strip() == "previewing"
        seconds = float(shell(env, STAFF_WRITE, SQLITE_BUSY_TIMEOUT="2").stdout)
        assert seconds < 2
        assert preview.stdout.readline().split() == ["previewed", "1", "0"]
    finally:
        preview.kill()
        preview.wait()
    check = sqlite3.connect(database)
    assert check.execute("SELECT slug FROM sites_site").fetchall() == [("saved-during-preview",)]
    check.close()


# --- In-process: the error pages, the log filter, the sliding session ------------------------------------------------


@pytest.fixture
def failing_home(monkeypatch):
    """The home page and the testimony API raise what the test gives."""
    from archive.views import HomeView
    from core.json_api import ApiListView

    raised = {}

    def fail(*args, **kwargs):
        raise raised["error"]

    monkeypatch.setattr(HomeView, "get", fail)
    monkeypatch.setattr(ApiListView, "get", fail)
    return raised


@pytest.mark.django_db
def test_a_locked_sqlite_database_is_a_503_and_a_bug_is_the_sites_own_500(failing_home):
    client = Client(raise_request_exception=False)
    failing_home["error"] = OperationalError("database is locked")
    response = client.get("/")
    assert response.status_code == 503 and response["Retry-After"] == "10"
    assert b"The database is busy" in response.content and b'class="site-header"' in response.content
    response = client.get("/api/testimonies/")
    assert response.status_code == 503 and response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Temporarily unavailable"

    failing_home["error"] = ValueError("a bug")
    response = client.get("/")
    assert response.status_code == 500 and "Retry-After" not in response
    assert b"Server error" in response.content and b'class="site-header"' in response.content
    response = client.get("/api/testimonies/")
    assert response.status_code == 500 and response.json()["status"] == 500


def test_what_counts_as_unavailable():
    assert unavailability(OperationalError("database is locked")) == BUSY
    assert unavailability(OperationalError("no such table: x")) is None  # a bug, not an outage
    assert unavailability(ValueError("x")) is None
    refused = OperationalError("connection refused")
    refused.__cause__ = psycopg.OperationalError("connection refused")
    assert unavailability(refused) == DOWN
    timed_out = OperationalError("canceling statement due to lock timeout")
    timed_out.__cause__ = psycopg.errors.LockNotAvailable("lock timeout")
    assert unavailability(timed_out) == BUSY


def test_an_outage_is_logged_once_per_interval_with_a_count(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("core.errors.time.monotonic", lambda: clock[0])
    outage_filter = DatabaseOutageFilter(interval=60)
    error = OperationalError("database is locked")

    def record(exc):
        return logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Service Unavailable: /", (), exc)

    passed = [outage_filter.filter(record((OperationalError, error, None))) for _n in range(100)]
    assert passed.count(True) == 1
    clock[0] += 61
    logged = record((OperationalError, error, None))
    assert outage_filter.filter(logged)
    assert "99 more such failures" in logged.getMessage() and logged.exc_info is None
    bug = record((ValueError, ValueError("x"), None))
    assert outage_filter.filter(bug) and bug.exc_info is not None


@pytest.mark.django_db
def test_a_staff_session_is_saved_now_and_then_not_on_every_request(admin_client, monkeypatch):
    from django.contrib.sessions.models import Session

    clock = [1_000_000.0]
    monkeypatch.setattr("core.sessions.time.time", lambda: clock[0])
    admin_client.get("/admin/")
    saved = Session.objects.get().expire_date
    clock[0] += 60
    admin_client.get("/admin/")
    assert Session.objects.get().expire_date == saved  # a minute later: no write
    clock[0] += settings.SESSION_COOKIE_AGE / 10
    time.sleep(0.01)
    admin_client.get("/admin/")
    assert Session.objects.get().expire_date > saved  # the expiry slid


@pytest.mark.django_db
def test_web_requests_wait_briefly_and_the_long_commands_longer():
    if connection.vendor != "postgresql":
        pytest.skip("lock and statement timeouts are PostgreSQL settings")

    def show(name):
        with connection.cursor() as cursor:
            cursor.execute(f"SHOW {name}")
            return cursor.fetchone()[0]

    assert (show("lock_timeout"), show("statement_timeout")) == ("3s", "30s")
    with longer_limits():
        assert (show("lock_timeout"), show("statement_timeout")) == ("1min", "1h")
    assert (show("lock_timeout"), show("statement_timeout")) == ("3s", "30s")
    # Nor is a query JIT-compiled (longer than the lists' and exports' queries run), and an index is costed as
    # for an SSD (settings.DB_RANDOM_PAGE_COST).
    assert show("jit") == "off"
    if settings.DB_RANDOM_PAGE_COST is not None:  # 1.1 unless the environment says otherwise
        assert float(show("random_page_cost")) == settings.DB_RANDOM_PAGE_COST


@pytest.mark.django_db
def test_a_query_run_again_on_a_connection_is_prepared_on_postgresql():
    """Parameters are bound on the server, so that a page's queries keep their text whatever the values, and a
    query run a second time is prepared (parsed once); DB_PREPARED_STATEMENTS=0 goes back to client-side binding,
    for a pooler in transaction mode."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    for slug in ("first", "second", "third"):
        list(Site.objects.public().filter(slug=slug))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "sites_site"' in statement and "$1" in statement for statement in prepared), prepared
    shown = "from django.db import connection as c; print(c.settings_dict['OPTIONS'].get('prepare_threshold'))"
    env = script_env(os.environ["DATABASE_URL"])
    assert shell(env, shown).stdout.split() == ["2"]
    assert shell(env, shown, DB_PREPARED_STATEMENTS="0").stdout.split() == ["None"]


@pytest.mark.django_db
def test_a_bulk_statement_binds_no_more_parameters_than_postgresql_takes():
    """Bound on the server, a statement takes at most 65,535 parameters: a bulk insert of 17,000 records of four
    columns goes in batches (core.postgresql: the batch size that bulk_update and deletions use too)."""
    if connection.vendor != "postgresql":
        pytest.skip("the limit is PostgreSQL's protocol's")
    site = SiteFactory()
    SiteAlias.objects.bulk_create(SiteAlias(site=site, name=f"Alias {n}", language="ru") for n in range(17_000))
    assert SiteAlias.objects.filter(site=site, language="ru").count() == 17_000
