"""Several app servers (README, "Past one machine"): two gunicorn instances on their own loopback ports, with the
production settings behind the TLS proxy, share one PostgreSQL database, one Redis and one S3 store (SeaweedFS, the
`seaweedfs` fixture), and nothing else. What a curator does on one server holds on the other: an evidence image
uploaded through server A's admin is served by server B from the store; a login on A is a session on B; failed
logins on A and B count towards one lockout; a reader's page cached by A is a hit on B, and a withhold on A is off
the reader's next page on B.

The servers are a second copy of the application, outside this test process: they get a PostgreSQL database of
their own (created, migrated and dropped here) and a Redis database of their own (emptied before and after). Staff
two-factor login is off (REQUIRE_STAFF_2FA=0): tests/test_login_protection.py tests it, and here a password is
enough to be the curator on both servers."""

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from typing import NamedTuple

import pytest
from django.conf import settings

from tests.admin_forms import FormFields
from tests.conftest import S3_ACCESS_KEY, S3_BUCKETS, S3_SECRET_KEY, redis_or_skip
from tests.factories import image_bytes
from tests.test_object_storage import empty_buckets
from tests.test_production_settings import manage, production_env
from tests.test_serve import HOST, PROXY_HEADERS, stop_gunicorn

# One worker starts the cluster (pytest-xdist); its SeaweedFS is that worker's own.
pytestmark = pytest.mark.xdist_group("cluster")

# A Redis database number of this module's own (tests/test_shared_cache.py has 13), emptied before and after.
REDIS_URL = "redis://127.0.0.1:6379/11"
ORIGIN = f"https://{HOST}"
LOGIN_PATH = "/admin/login/?next=/admin/"
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
# Low, so that the lockout test needs few attempts (each one hashes a password with the production work factor).
FAILURE_LIMIT = 3
# Records made once in the cluster's database; the tests work on them through the servers only.
SETUP = """
import json
from tests.factories import TestimonyFactory, UserFactory
UserFactory(username="cluster-curator", is_superuser=True)
UserFactory(username="cluster-locked-out")
documented = TestimonyFactory(witness_label="Witness whose photograph is uploaded on A")
withheld = TestimonyFactory(witness_label="Witness withheld on A")
print(json.dumps({"documented": documented.pk, "withheld": withheld.pk}))
"""


def postgresql_server() -> dict:
    """The connection settings of the PostgreSQL server the test suite runs on; skips the module on SQLite."""
    import dj_database_url

    url = os.environ.get("DATABASE_URL", "")
    if not url or dj_database_url.parse(url)["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("several app servers need a database server: runs in the PostgreSQL pass of .ci/run")
    return {"url": url, **dj_database_url.parse(url)}


def database_url(server: dict, name: str) -> str:
    return urllib.parse.urlsplit(server["url"])._replace(path=f"/{name}").geturl()


def run_sql(server: dict, statement: str, params=(), database="postgres") -> list[tuple]:
    import psycopg

    with psycopg.connect(
        host=server["HOST"] or None,
        port=server["PORT"] or None,
        user=server["USER"] or None,
        password=server["PASSWORD"] or None,
        dbname=database,
        autocommit=True,
    ) as connection:
        cursor = connection.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def start_gunicorn(env: dict, log_path: Path) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "config.wsgi",
        "--config",
        "gunicorn.conf.py",
        # A port the system picks, named in gunicorn's log: no port is freed and reused.
        "--bind",
        "127.0.0.1:0",
        # gunicorn 27 gives every server of one user the same control socket (~/.gunicorn/gunicorn.ctl); unused here.
        "--no-control-socket",
    ]
    with log_path.open("w") as log:
        return subprocess.Popen(  # noqa: S603 (gunicorn with fixed arguments)
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_for_port(process: subprocess.Popen, log_path: Path, deadline: float) -> int:
    while True:
        listening = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", log_path.read_text())
        if listening:
            port = int(listening.group(1))
            try:
                Visitor().get(port, "/")
                return port
            except OSError:
                pass
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"gunicorn did not come up:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.25)


@pytest.fixture(scope="module")
def cluster(request, tmp_path_factory):
    """Two app servers, A and B, on one database, one Redis and one S3 store; each with local media folders of its
    own, which must stay empty."""
    server = postgresql_server()
    redis_server = redis_or_skip(REDIS_URL)
    store = request.getfixturevalue("seaweedfs")
    tmp_path = tmp_path_factory.mktemp("cluster")
    name = f"testimony_cluster_{os.getpid()}"
    env = production_env(
        tmp_path,
        DATABASE_URL=database_url(server, name),
        REDIS_URL=REDIS_URL,
        STORAGE_S3_ENDPOINT_URL=store["endpoint"],
        STORAGE_S3_BUCKET=S3_BUCKETS[0],
        STORAGE_S3_PRIVATE_BUCKET=S3_BUCKETS[1],
        STORAGE_S3_ACCESS_KEY=S3_ACCESS_KEY,
        STORAGE_S3_SECRET_KEY=S3_SECRET_KEY,
        STORAGE_S3_REGION="us-east-1",
        REQUIRE_STAFF_2FA="0",
        AXES_FAILURE_LIMIT=str(FAILURE_LIMIT),
        PAGE_CACHE_SECONDS="600",
        # One process each, with threads: two servers are the point, not many workers on a shared machine.
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="4",
    )
    redis_server.flushdb()
    empty_buckets(store["client"])
    run_sql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    processes = []
    try:
        for args in (["create_database"], ["migrate", "--noinput"], ["collectstatic", "--noinput"]):
            done = manage(env, *args)
            assert done.returncode == 0, (args, done.stdout, done.stderr)
        setup = manage(env, "shell", "-c", SETUP)
        assert setup.returncode == 0, setup.stderr
        records = json.loads(setup.stdout.strip().splitlines()[-1])

        servers = {}
        for label in ("A", "B"):
            own = tmp_path / label
            server_env = {
                **env,
                "MEDIA_ROOT": str(own / "media"),
                "PRIVATE_MEDIA_ROOT": str(own / "private_media"),
                "RELEASE_ROOT": str(own / "releases"),
            }
            log_path = tmp_path / f"gunicorn-{label}.log"
            processes.append(process := start_gunicorn(server_env, log_path))
            servers[label] = (process, log_path)
        deadline = time.monotonic() + 60
        ports = {label: wait_for_port(*servers[label], deadline) for label in servers}
        yield {
            **ports,
            "records": records,
            "store": store,
            "redis": redis_server,
            "local_folders": [tmp_path / label for label in servers],
            "env": env,
            "sql": lambda statement, params=(): run_sql(server, statement, params, database=name),
        }
    finally:
        for process in processes:
            stop_gunicorn(process, signal.SIGINT)  # gunicorn's quick shutdown: no request is left to finish
        run_sql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        empty_buckets(store["client"])
        redis_server.flushdb()
        redis_server.close()


class Response(NamedTuple):
    status: int
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


class Visitor:
    """One browser behind the TLS proxy: the cookies it was given, sent to whichever app server its next request
    reaches (to the browser, both are https://testimony.example.org). The cookies are Secure, under __Host- names,
    so they are kept here rather than by a cookie jar that would refuse them over the proxy's plain HTTP."""

    def __init__(self, address="198.51.100.7"):
        self.cookies = {}
        self.headers = {**PROXY_HEADERS, "X-Forwarded-For": address}

    def request(self, port, method, path, body=None, headers=None) -> Response:
        headers = {**self.headers, **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            answer = Response(response.status, dict(response.getheaders()), response.read())
            for header in response.msg.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    if morsel["max-age"] == "0":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return answer
        finally:
            connection.close()

    def get(self, port, path) -> Response:
        return self.request(port, "GET", path)

    def post(self, port, path, fields, files=()) -> Response:
        """A form submitted from a page of this site, urlencoded or, with files, as multipart/form-data."""
        if files:
            body, content_type = multipart(fields, files)
        else:
            body, content_type = urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded"
        headers = {"Content-Type": content_type, "Origin": ORIGIN, "Referer": ORIGIN + path}
        return self.request(port, "POST", path, body=body, headers=headers)


def multipart(fields, files) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, content_type) in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def csrf_token(page: Response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def log_in(visitor: Visitor, port: int, username: str, password: str) -> Response:
    form = visitor.get(port, LOGIN_PATH)
    assert form.status == 200, form.body[:300]
    fields = [("csrfmiddlewaretoken", csrf_token(form)), ("username", username), ("password", password)]
    return visitor.post(port, LOGIN_PATH, [*fields, ("next", "/admin/")])


def admin_form(visitor: Visitor, port: int, path: str, form_id: str) -> list[tuple[str, str]]:
    """The fields of an admin form as the browser would submit them."""
    page = visitor.get(port, path)
    assert page.status == 200, page.body[:300]
    parser = FormFields(form_id)
    parser.feed(page.text)
    return [(name, value) for name, value in parser.fields if "__prefix__" not in name]


def changelist_action(visitor: Visitor, port: int, changelist: str, action: str, pk: int) -> Response:
    """A changelist action on one record, as the curator picks it from the actions menu."""
    page = visitor.get(port, changelist)
    assert page.status == 200, page.body[:300]
    fields = [("csrfmiddlewaretoken", csrf_token(page)), ("action", action), ("_selected_action", pk), ("index", 0)]
    return visitor.post(port, changelist, fields)


@pytest.fixture(scope="module")
def curator(cluster):
    """A curator (superuser) who logged in through server A."""
    visitor = Visitor()
    response = log_in(visitor, cluster["A"], "cluster-curator", PASSWORD)
    assert response.status == 302 and response.headers["Location"] == "/admin/", response.body[:500]
    assert "__Host-sessionid" in visitor.cookies
    return visitor


def test_a_login_on_one_server_is_a_session_on_the_other(cluster, curator):
    on_b = curator.get(cluster["B"], "/admin/")
    assert on_b.status == 200, on_b.headers
    assert "cluster-curator" in on_b.text and "Log out" in on_b.text
    # Read from the shared Redis (cached_db), the database standing behind it.
    session_key = curator.cookies["__Host-sessionid"].encode()
    assert any(session_key in key for key in cluster["redis"].scan_iter())
    # Without the cookie, B sends the visitor to the login page.
    assert Visitor().get(cluster["B"], "/admin/").status == 302


def test_evidence_uploaded_on_one_server_is_served_from_the_store_by_the_other(cluster, curator):
    add = "/admin/testimonies/evidenceimage/add/"
    fields = [
        (name, value)
        for name, value in admin_form(curator, cluster["A"], add, "evidenceimage_form")
        if name not in ("testimony", "caption")
    ]
    fields += [("testimony", cluster["records"]["documented"]), ("caption", "The cellar door"), ("_save", "Save")]
    uploaded = curator.post(
        cluster["A"], add, fields, files=[("upload", ("door.png", image_bytes(seed=17), "image/png"))]
    )
    assert uploaded.status == 302, uploaded.body[:2000]
    ((pk, public_id, display, status),) = cluster["sql"](
        "SELECT id, public_id, display, status FROM testimonies_evidenceimage"
    )
    assert status == "draft"
    reader = Visitor(address="192.0.2.44")
    image = f"/evidence/{public_id}/"
    assert reader.get(cluster["B"], image).status == 404, "a draft is not public"

    published = changelist_action(curator, cluster["A"], "/admin/testimonies/evidenceimage/", "mark_published", pk)
    assert published.status == 302
    served = reader.get(cluster["B"], image)

    assert served.status == 200 and served.headers["Content-Type"] == "image/png"
    stored = cluster["store"]["client"].get_object(Bucket=S3_BUCKETS[0], Key=f"evidence/{display}")["Body"].read()
    assert served.body == stored
    assert reader.get(cluster["A"], image).body == stored
    # In the store only: neither server wrote a file of it to its own disk.
    assert [path for folder in cluster["local_folders"] for path in folder.rglob("*") if path.is_file()] == []


def test_failed_logins_on_both_servers_count_towards_one_lockout(cluster):
    guesser = Visitor(address="203.0.113.9")
    alternated = (["A", "B"] * FAILURE_LIMIT)[:FAILURE_LIMIT]
    answers = [
        log_in(guesser, cluster[server], "cluster-locked-out", "wrong password").status for server in alternated
    ]
    # Neither server alone saw FAILURE_LIMIT failures (A two, B one): only counted together do they reach it.
    assert answers == [200] * (FAILURE_LIMIT - 1) + [429]
    # The account is locked on both servers, for the right password from another address too.
    for server in ("A", "B"):
        attempt = log_in(Visitor(address="203.0.113.10"), cluster[server], "cluster-locked-out", PASSWORD)
        assert attempt.status == 429, (server, attempt.status)
        assert "__Host-sessionid" not in attempt.headers.get("Set-Cookie", "")


def test_a_page_cached_by_one_server_is_a_hit_on_the_other_until_a_withhold_on_either(cluster, curator):
    reader = Visitor(address="192.0.2.45")
    witness = "Witness withheld on A"
    first = reader.get(cluster["A"], "/testimonies/")
    second = reader.get(cluster["B"], "/testimonies/")
    assert (first.status, first.headers["X-Page-Cache"]) == (200, "miss")
    assert (second.status, second.headers["X-Page-Cache"]) == (200, "hit")
    assert second.body == first.body and witness in second.text

    withheld = changelist_action(
        curator, cluster["A"], "/admin/testimonies/testimony/", "mark_withheld", cluster["records"]["withheld"]
    )
    assert withheld.status == 302
    status = cluster["sql"]("SELECT status FROM testimonies_testimony WHERE id = %s", [cluster["records"]["withheld"]])
    assert status == [("withheld",)]

    after = reader.get(cluster["B"], "/testimonies/")
    assert (after.status, after.headers["X-Page-Cache"]) == (200, "miss")
    assert witness not in after.text
    assert "Witness whose photograph is uploaded on A" in after.text
    assert reader.cookies == {}, "the public site sets no cookie"


def test_create_database_leaves_an_existing_database_alone(cluster):
    """`make cluster-demo` runs it at every start: the second time, the database and its records stay."""
    again = manage(cluster["env"], "create_database")
    assert again.returncode == 0 and "exists" in again.stdout, again.stderr
    assert cluster["sql"]("SELECT count(*) FROM testimonies_testimony") == [(2,)]
