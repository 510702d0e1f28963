"""`make serve` runs the real thing: gunicorn with whitenoise, production settings, behind an HTTPS proxy."""

import contextlib
import gc
import http.client
import os
import re
import runpy
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.test_production_settings import production_env

# One worker runs the module: `make serve` (collectstatic, gunicorn) starts once, not once on each worker.
pytestmark = pytest.mark.xdist_group("serve")

HOST = "testimony.example.org"
PROXY_HEADERS = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}


def request(port, path, method="GET", headers=PROXY_HEADERS):
    """One request sent as written (http.client does not normalise `..` in the path, unlike a browser)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def start_gunicorn(env: dict, port: int, log_path: Path) -> tuple[subprocess.Popen, object]:
    """gunicorn with this project's gunicorn.conf.py on 127.0.0.1:`port` under `env`, once it answers "/": the
    process and its open log. A server that does not come up within a minute is stopped and fails the test."""
    log = log_path.open("w+")
    process = subprocess.Popen(  # noqa: S603 (gunicorn from this venv with fixed arguments)
        [Path(sys.executable).parent / "gunicorn", "config.wsgi", "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while True:
        with contextlib.suppress(OSError):
            if request(port, "/")[0] == 200:
                return process, log
        if process.poll() is not None or time.monotonic() > deadline:
            stop_gunicorn(process)
            log.seek(0)
            output = log.read()
            log.close()
            pytest.fail(f"gunicorn did not come up:\n{output}")
        time.sleep(0.25)


def stop_gunicorn(process: subprocess.Popen, stop_signal: int = signal.SIGTERM) -> None:
    """Stop the server's process group; one that has not stopped after 30 s (a busy machine) is killed."""
    with contextlib.suppress(ProcessLookupError):  # it had stopped by itself
        os.killpg(process.pid, stop_signal)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("serve")
    media = tmp_path / "media"
    (media / "evidence").mkdir(parents=True)
    (media / "evidence" / "witness.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>')
    bin_dir = Path(sys.executable).parent
    command = [
        "make",
        "--no-print-directory",
        "-o",
        ".venv/.installed",  # never reinstall from inside a test
        "serve",
        f"PY={sys.executable}",
        f"GUNICORN={bin_dir / 'gunicorn'}",
        "PORT=0",  # gunicorn binds a port the system picks, and names it in its log: no port is freed and reused
    ]
    env = production_env(tmp_path, WEB_CONCURRENCY="2")
    log = (tmp_path / "serve.log").open("w+")
    process = subprocess.Popen(  # noqa: S603 (make with fixed arguments)
        command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 90
        port = None
        while True:
            # Read through a file of its own: seeking `log` would move the offset gunicorn writes at.
            listening = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", Path(log.name).read_text())
            port = port or (listening and int(listening.group(1)))
            try:
                if port:
                    request(port, "/")
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"make serve did not come up:\n{log.read()}")
            time.sleep(0.25)
        # The server migrated the test's own database, not the checkout's db.sqlite3 (which another test worker's
        # server would migrate at the same time).
        assert (tmp_path / "prod.sqlite3").stat().st_size > 0
        yield {"port": port, "tmp_path": tmp_path, "log": log}
    finally:
        stop_gunicorn(process)
        log.close()


def test_a_worker_freezes_what_it_loaded_so_that_garbage_collections_skip_it():
    """gunicorn.conf.py's `post_worker_init`: the objects a worker holds once the application is loaded are moved
    out of the collector's reach (a full collection walked them all, a 100 ms pause about once in ten requests)."""
    hooks = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))
    gc.unfreeze()
    try:
        hooks["post_worker_init"](worker=None)
        frozen = gc.get_freeze_count()
    finally:
        gc.unfreeze()
    assert frozen > 10_000


def test_serves_pages_with_the_production_headers(server):
    status, headers, body = request(server["port"], "/")

    assert status == 200, body[:500]
    assert b"Testimony DB" in body
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "upgrade-insecure-requests" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert "Set-Cookie" not in headers, "the public site sets no cookie"


def test_plain_http_is_redirected_to_https(server):
    status, headers, _ = request(server["port"], "/sites/", headers={"Host": HOST})

    assert status == 301
    assert headers["Location"] == f"https://{HOST}/sites/"


def test_static_files_come_from_whitenoise_with_hashed_names(server):
    _, _, body = request(server["port"], "/")
    stylesheet = re.search(rb'href="(/static/css/site\.[0-9a-f]{12}\.css)"', body)
    assert stylesheet, "the page links the hashed (manifest) name of the stylesheet"

    status, headers, css = request(server["port"], stylesheet.group(1).decode())

    assert status == 200 and b".site-header" in css
    assert "immutable" in headers["Cache-Control"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/favicon.ico", "image/"), ("/apple-touch-icon.png", "image/png")],
)
def test_the_icons_browsers_and_phones_ask_for_are_served_at_the_root(server, path, content_type):
    """Browsers ask for /favicon.ico beside any document that names no icon (a JSON or CSV download, an image), and
    phones for /apple-touch-icon.png: both come from the static files, not as a 404 in every log."""
    status, headers, body = request(server["port"], path)

    assert status == 200 and headers["Content-Type"].startswith(content_type), (path, status, headers)
    assert body and headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    [
        "/static/../config/settings.py",
        "/static/%2e%2e/config/settings.py",
        "/static/..%2fconfig/settings.py",
        "/static/css/../../config/settings.py",
        "/static/../.secret_key",
        "/media/evidence/witness.svg",
        "/media/../config/settings.py",
        "/../config/settings.py",
    ],
)
def test_no_path_reaches_files_outside_the_collected_static_files(server, path):
    status, _, body = request(server["port"], path)

    assert status in (400, 404), (path, status)
    assert b"SECRET_KEY" not in body and b"<svg" not in body


def test_public_pages_refuse_writes(server):
    for method in ("POST", "PUT", "PATCH", "DELETE", "QUERY"):
        for path in ("/testimonies/", "/export/testimonies.csv"):
            status, headers, _ = request(server["port"], path, method=method)
            # The view's own 405 (core.security.UnsupportedMethodMiddleware), not the CSRF check's 403.
            assert (status, headers.get("Allow")) == (405, "GET, HEAD"), (method, path)


def test_admin_login_page_is_served_with_two_factor_when_required(server):
    status, headers, body = request(server["port"], "/admin/login/")

    assert status == 200
    assert b'name="otp_token"' in body
    assert "__Host-csrftoken" in headers.get("Set-Cookie", "")
    assert "Secure" in headers["Set-Cookie"] and "HttpOnly" in headers["Set-Cookie"]
