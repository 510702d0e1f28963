"""Production settings: `check --deploy` is clean, and every response carries the hardening headers."""

import json
import os
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.management.utils import get_random_secret_key
from django.test import Client
from django.urls import reverse

from tests.admin_forms import admin_url
from tests.factories import CitationFactory, SiteFactory, TestimonyFactory, UnitFactory
from tests.public_crawl import EXPORTS, XLSX_EXPORTS, public_urls
from tests.test_admin import APPEND_ONLY, INSTANCE_BUILDERS, REGISTERED_MODELS

# Every variable the settings read, so that the developer's own environment cannot leak into these runs.
CONFIG_VARIABLES = (
    "DATABASE_URL",
    "DATABASE_REPLICA_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "BEHIND_TLS_PROXY",
    "SECURE_SSL_REDIRECT",
    "SECURE_COOKIES",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_AGE",
    "AXES_FAILURE_LIMIT",
    "AXES_COOLOFF_MINUTES",
    "TRUSTED_PROXY_COUNT",
    "REQUIRE_STAFF_2FA",
    "STATIC_ROOT",
    "MEDIA_ROOT",
)


OUTER_MAKE_VARIABLES = ("MAKEFLAGS", "MFLAGS", "GNUMAKEFLAGS", "MAKEOVERRIDES", "MAKELEVEL")


def production_env(tmp_path, **overrides) -> dict[str, str]:
    """The environment of a production app server behind an HTTPS reverse proxy, as the README describes."""
    # Nor the browser tests' lifted async-safety check (tests/conftest.py), which `check --deploy` refuses.
    # Nor an outer make's flags (`make test` runs the suite): variables given on its command line travel in
    # MAKEFLAGS and override the environment in a `make serve` started here, so a `DATABASE_URL=` there would send
    # every test server to the checkout's db.sqlite3, where two test workers' migrations collide.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in CONFIG_VARIABLES and key not in OUTER_MAKE_VARIABLES and key != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        SECRET_KEY=get_random_secret_key() + get_random_secret_key(),
        DEBUG="0",
        ALLOWED_HOSTS="testimony.example.org",
        CSRF_TRUSTED_ORIGINS="https://testimony.example.org",
        BEHIND_TLS_PROXY="1",
        SECURE_SSL_REDIRECT="1",
        SECURE_HSTS_SECONDS="31536000",
        TRUSTED_PROXY_COUNT="1",
        REQUIRE_STAFF_2FA="1",
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    env.update(overrides)
    return env


def manage(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (this interpreter and manage.py, with the test's own arguments)
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_an_outer_makes_command_line_does_not_override_the_servers_environment(tmp_path, monkeypatch):
    """`make test DATABASE_URL=` would hand its variables to a `make serve` started by a test, through MAKEFLAGS,
    over the environment the test gives it."""
    monkeypatch.setenv("MAKEFLAGS", "DATABASE_URL=sqlite:///checkout.sqlite3")
    env = production_env(tmp_path)
    makefile = tmp_path / "Makefile"
    makefile.write_text("show:\n\t@echo $$DATABASE_URL\n")
    shown = subprocess.run(  # noqa: S603 (make with a test's own Makefile)
        ["make", "--no-print-directory", "-f", str(makefile), "show"],  # noqa: S607 (make from PATH, as make serve)
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.strip() == env["DATABASE_URL"] == f"sqlite:///{tmp_path / 'prod.sqlite3'}"


def test_the_makefile_passes_the_environment_to_its_commands(tmp_path):
    """`make serve` in production takes DATABASE_URL, REDIS_URL and the rest from the environment; a variable the
    Makefile sets for one target only must not stop it (GNU make 4.3 then passes it to no target's commands, and
    `make serve` served db.sqlite3)."""
    makefile = tmp_path / "Makefile"
    makefile.write_text(
        f"include {settings.BASE_DIR / 'Makefile'}\nshow-environment:\n\t@echo $$DATABASE_URL $$REDIS_URL\n"
    )
    env = production_env(tmp_path, REDIS_URL="redis://127.0.0.1:6379/15")
    shown = subprocess.run(  # noqa: S603 (make with the project's Makefile)
        ["make", "--no-print-directory", "-C", str(settings.BASE_DIR), "-f", str(makefile), "show-environment"],  # noqa: S607
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.split() == [env["DATABASE_URL"], "redis://127.0.0.1:6379/15"]


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_fails_without_the_https_settings(tmp_path):
    """The check above can fail: leaving HSTS and the redirect off is reported."""
    env = production_env(tmp_path, SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="0")

    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr


def test_environment_drives_the_production_settings(tmp_path):
    names = (
        "DEBUG ALLOWED_HOSTS SECURE_PROXY_SSL_HEADER SESSION_COOKIE_SECURE CSRF_COOKIE_SECURE SESSION_COOKIE_NAME "
        "SECURE_HSTS_SECONDS SECURE_HSTS_PRELOAD TRUSTED_PROXY_COUNT SESSION_COOKIE_AGE AXES_FAILURE_LIMIT "
        "AXES_COOLOFF_TIME"
    )
    script = (
        "import json; from django.conf import settings; from django.contrib import admin; import config.urls; "
        f"values = {{name: str(getattr(settings, name)) for name in {names.split()!r}}}; "
        "print(json.dumps(values | {'admin': admin.site.__class__.__name__}))"
    )
    env = production_env(tmp_path, SESSION_COOKIE_AGE="900", AXES_FAILURE_LIMIT="4", AXES_COOLOFF_MINUTES="15")

    result = manage(env, "shell", "-c", script)

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "DEBUG": "False",
        "ALLOWED_HOSTS": "['testimony.example.org']",
        "SECURE_PROXY_SSL_HEADER": "('HTTP_X_FORWARDED_PROTO', 'https')",
        "SESSION_COOKIE_SECURE": "True",
        "CSRF_COOKIE_SECURE": "True",
        "SESSION_COOKIE_NAME": "__Host-sessionid",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_PRELOAD": "True",
        "TRUSTED_PROXY_COUNT": "1",
        "SESSION_COOKIE_AGE": "900",
        "AXES_FAILURE_LIMIT": "4",
        "AXES_COOLOFF_TIME": "0:15:00",
        "admin": "OTPAdminSite",
    }


@pytest.fixture
def https_proxy(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = settings.SECURE_HSTS_PRELOAD = True
    # SecurityMiddleware reads its settings when the client builds the middleware chain.
    return Client()


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https(https_proxy):
    response = https_proxy.get("/sites/?q=x")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/sites/?q=x"


@pytest.mark.django_db
def test_https_through_the_proxy_gets_hsts(https_proxy):
    response = https_proxy.get("/sites/", headers={"x-forwarded-proto": "https"})

    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


@pytest.mark.django_db
def test_every_page_sends_the_hardening_headers(client):
    for url in ("/", "/testimonies/", reverse("testimonies:testimony_export"), "/no-such-page/", "/admin/login/"):
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY", url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", url
        policy = dict(directive.strip().split(" ", 1) for directive in response["Content-Security-Policy"].split(";"))
        assert policy["default-src"] == "'none'", url
        assert policy["script-src"] == policy["style-src"] == "'self'", url
        assert policy["frame-ancestors"] == policy["object-src"] == policy["base-uri"] == "'none'", url
        assert policy["form-action"] == "'self'", url
        # Under default-src 'none' each kind of content this site uses needs its own directive (tests/test_browser.py
        # shows the pages, the map and the evidence images in a browser under this very policy).
        assert policy["img-src"] == policy["font-src"] == policy["connect-src"] == "'self'", url
        assert "unsafe" not in response["Content-Security-Policy"], url


class InlineCode(HTMLParser):
    """Collects what a strict Content-Security-Policy would block: inline scripts, styles and handlers."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and "src" not in attrs and attrs.get("type") != "application/json":
            self.found.append(f"inline <script> {attrs}")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs.items():
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value}>")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


@pytest.mark.django_db
def test_public_pages_need_no_inline_script_or_style(client):
    testimony = TestimonyFactory(sites=[SiteFactory()], units=[UnitFactory()])
    CitationFactory(testimony=testimony)
    urls = [url for url in public_urls() if not url.startswith(tuple(map(reverse, EXPORTS + XLSX_EXPORTS)))]

    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        if response["Content-Type"].startswith("text/html"):  # GeoJSON and the API are data, not pages
            assert inline_code(response.content.decode()) == [], url


@pytest.mark.django_db
def test_admin_pages_need_no_inline_script_or_style(admin_client):
    assert inline_code(Client().get("/admin/login/").content.decode()) == []
    pages = ["/admin/", "/admin/password_change/"]
    for model in REGISTERED_MODELS:
        record = INSTANCE_BUILDERS[model._meta.label]()
        pages += [admin_url(model, "changelist"), admin_url(model, "change", record.pk)]
        if model._meta.label not in APPEND_ONLY:  # written by services only: no add page, no history
            pages += [admin_url(model, "add"), admin_url(model, "history", record.pk)]

    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        # templates/simple_history/object_history_list.html drops the paginator's inline style too.
        assert inline_code(response.content.decode()) == [], url


def test_the_random_page_cost_is_a_positive_number_or_left_to_the_server(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from config import settings as project_settings

    assert project_settings.random_page_cost("1.1") == 1.1
    assert project_settings.random_page_cost(" ") is None
    for wrong in ("fast", "0", "-1", "nan", "inf"):
        with pytest.raises(ImproperlyConfigured, match="DB_RANDOM_PAGE_COST"):
            project_settings.random_page_cost(wrong)

    def options(cost):
        monkeypatch.setattr(project_settings, "DB_RANDOM_PAGE_COST", cost)
        database = {}
        project_settings.postgresql_limits(database)
        return database["OPTIONS"]["options"]

    assert "-c random_page_cost=1.1" in options(1.1)
    assert "random_page_cost" not in options(None)
