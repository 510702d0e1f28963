"""The shared cache: with REDIS_URL, the cache, the sessions (cached_db) and the login lockout counters
(django-axes' cache handler) are in Redis, tested against the real Redis at 127.0.0.1:6379 on a database number of
their own, emptied before and after each test. Redis down: pages are still served and staff stay logged in (the
cache ignores its errors, sessions fall back to the database), but a login is refused with a 503 (fail closed:
no unthrottled password guessing while the counters cannot be read)."""

import os

import pytest
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core.cache import cache, caches
from django.test import Client

from config.settings import redis_caches
from tests.conftest import free_ports, redis_or_skip
from tests.factories import UserFactory

# One worker runs them all (pytest-xdist): each test empties the same Redis database.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("redis")]
# A database number of these tests' own, so that a Redis shared with anything else is not touched.
REDIS_DB = 13
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
PASSWORD = "correct horse battery staple"
LOGIN_URL = "/admin/login/?next=/admin/"


@pytest.fixture
def redis_server():
    server = redis_or_skip(REDIS_URL)
    server.flushdb()
    yield server
    server.flushdb()
    server.close()


def use_redis(settings, url: str) -> None:
    settings.CACHES = redis_caches(url, 1)
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
    settings.AXES_CACHE = "axes"
    AxesProxyHandler.get_implementation(force=True)


@pytest.fixture
def shared(settings, redis_server):
    use_redis(settings, REDIS_URL)
    yield redis_server
    caches.close_all()


@pytest.fixture(autouse=True)
def axes_handler_as_configured():
    yield
    # The settings are back as they were: so is the handler django-axes memoised.
    AxesProxyHandler.get_implementation(force=True)


@pytest.fixture
def editor():
    return UserFactory(username="editor")


def log_in(client, username, password):
    return client.post(LOGIN_URL, {"username": username, "password": password})


def test_without_redis_url_the_cache_is_each_processs_own_memory():
    assert django_settings.CACHES["default"]["BACKEND"].endswith("LocMemCache") or os.environ.get("REDIS_URL")


def test_the_cache_is_in_redis(shared):
    cache.set("greeting", "привет", 60)
    assert cache.get("greeting") == "привет"
    assert any(key.endswith(b"greeting") for key in shared.scan_iter())


def test_sessions_are_in_redis_and_the_database(shared, client, editor):
    assert log_in(client, "editor", PASSWORD).status_code == 302
    key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert Session.objects.filter(session_key=key).exists()
    assert any(key.encode() in name for name in shared.scan_iter())
    # Another app server (another client with the cookie) finds the session.
    other = Client()
    other.cookies[django_settings.SESSION_COOKIE_NAME] = key
    assert other.get("/admin/").status_code == 200


def test_the_lockout_counts_in_redis(shared, client, editor):
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        response = log_in(client, "editor", "wrong password")
    assert response.status_code == 429
    assert log_in(Client(), "editor", PASSWORD).status_code == 429  # from "another server" too
    assert not AccessAttempt.objects.exists()
    assert any(b"axes" in key for key in shared.scan_iter())


def test_redis_down_pages_are_served_staff_stay_in_and_logins_are_refused(settings, shared, client, editor):
    assert log_in(client, "editor", PASSWORD).status_code == 302
    (port,) = free_ports(1)
    use_redis(settings, f"redis://127.0.0.1:{port}/0")
    cache.set("anything", 1)
    assert cache.get("anything") is None
    anonymous = Client(raise_request_exception=False)
    assert anonymous.get("/").status_code == 200
    assert anonymous.get("/testimonies/").status_code == 200
    # The session is read from the database.
    assert client.get("/admin/").status_code == 200
    response = log_in(anonymous, "editor", "wrong password")
    assert response.status_code == 503 and response["Retry-After"]
    assert "counts failed logins" in response.content.decode()
    response = log_in(anonymous, "editor", PASSWORD)
    assert response.status_code == 503
