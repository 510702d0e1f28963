"""Login protection: failed-login lockout with a cool-off, client addresses behind proxies, staff session
expiry and the optional two-factor login."""

import datetime
import importlib
import io

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib import admin
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, RequestFactory
from django.urls import clear_url_caches
from django.utils import timezone
from django_otp.admin import OTPAdminSite
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

import config.urls
from core.security import client_ip
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
LOGIN_URL = "/admin/login/?next=/admin/"


@pytest.fixture
def editor():
    return UserFactory(username="editor")


def log_in(client, username, password, **extra):
    return client.post(LOGIN_URL, {"username": username, "password": password, **extra})


def logged_in(client) -> bool:
    return client.get("/admin/").status_code == 200


# --- Lockout ---------------------------------------------------------------------------------------------------------


def test_cool_off_is_set_so_lockouts_end_by_themselves():
    assert isinstance(django_settings.AXES_COOLOFF_TIME, datetime.timedelta)
    assert datetime.timedelta(minutes=1) <= django_settings.AXES_COOLOFF_TIME <= datetime.timedelta(hours=24)
    assert 3 <= django_settings.AXES_FAILURE_LIMIT <= 10


def test_lockout_after_the_failure_limit_with_a_clear_message(client, editor):
    limit = django_settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        response = log_in(client, "editor", "wrong password")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.content.decode()

    response = log_in(client, "editor", "wrong password")

    assert response.status_code == 429
    html = response.content.decode()
    minutes = int(django_settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"Too many failed login attempts. Logging in is blocked for {minutes} minutes." in html
    assert "Testimony DB curation" in html
    # Locked out, the right password no longer gets in either.
    response = log_in(client, "editor", PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)


def test_lockout_ends_after_the_cool_off(client, editor):
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        log_in(client, "editor", "wrong password")
    assert log_in(client, "editor", PASSWORD).status_code == 429

    AccessAttempt.objects.update(
        attempt_time=timezone.now() - django_settings.AXES_COOLOFF_TIME - datetime.timedelta(seconds=1)
    )

    response = log_in(client, "editor", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert logged_in(client)


def test_a_username_is_locked_whichever_address_the_guesses_come_from(editor):
    for number in range(django_settings.AXES_FAILURE_LIMIT):
        log_in(Client(REMOTE_ADDR=f"198.51.100.{number}"), "editor", "wrong password")

    assert log_in(Client(REMOTE_ADDR="203.0.113.9"), "editor", PASSWORD).status_code == 429


def test_an_address_is_locked_whichever_usernames_it_tries(client):
    for number in range(django_settings.AXES_FAILURE_LIMIT):
        UserFactory(username=f"staff{number}")
        log_in(client, f"staff{number}", "wrong password")
    UserFactory(username="untouched")

    assert log_in(client, "untouched", PASSWORD).status_code == 429
    assert log_in(Client(REMOTE_ADDR="203.0.113.9"), "untouched", PASSWORD).status_code == 302


# --- Client address behind proxies -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "", "10.0.0.2"),
        # Without trusted proxies, the header is the client's own word and is ignored.
        (0, "198.51.100.7", "10.0.0.2"),
        (1, "198.51.100.7", "198.51.100.7"),
        # The client can prepend anything; the proxy appends the address it saw, which is what counts.
        (1, "1.2.3.4, 198.51.100.7", "198.51.100.7"),
        (2, "1.2.3.4, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
        (1, "2001:db8::1", "2001:db8::1"),
        # Not through the proxies as configured, or garbage: the socket address.
        (2, "198.51.100.7", "10.0.0.2"),
        (1, "", "10.0.0.2"),
        (1, "not-an-address", "10.0.0.2"),
        (1, "198.51.100.7, ' OR 1=1 --", "10.0.0.2"),
    ],
)
def test_client_ip(settings, proxies, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/admin/login/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded_for)

    assert client_ip(request) == expected


def test_behind_a_proxy_spoofed_forwarded_for_does_not_escape_the_lockout(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "127.0.0.1"
    for number in range(django_settings.AXES_FAILURE_LIMIT):
        UserFactory(username=f"staff{number}")
        spoofed = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{number}, 198.51.100.7")
        log_in(spoofed, f"staff{number}", "wrong password")
    UserFactory(username="someone")

    attacker = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="192.0.2.200, 198.51.100.7")
    assert log_in(attacker, "someone", PASSWORD).status_code == 429
    # Another reader behind the same proxy is not locked out with the attacker.
    colleague = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert log_in(colleague, "someone", PASSWORD).status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


# --- Staff sessions --------------------------------------------------------------------------------------------------


def test_staff_session_ends_with_the_browser_and_when_idle(client, editor):
    response = log_in(client, "editor", PASSWORD)
    assert response.status_code == 302

    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert not cookie["max-age"] and not cookie["expires"], "the cookie must end with the browser session"
    assert client.session.get_expire_at_browser_close()
    assert 0 < client.session.get_expiry_age() <= 8 * 60 * 60

    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))

    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_activity_extends_the_staff_session(client, editor):
    log_in(client, "editor", PASSWORD)
    soon = timezone.now() + datetime.timedelta(seconds=60)
    Session.objects.update(expire_date=soon)

    assert logged_in(client)

    assert Session.objects.get().expire_date > soon


# --- Two-factor login ------------------------------------------------------------------------------------------------


def reload_urls():
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.fixture
def staff_2fa(settings):
    settings.REQUIRE_STAFF_2FA = True
    reload_urls()
    yield
    settings.REQUIRE_STAFF_2FA = False
    reload_urls()


def current_code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def log_in_with_code(client, device, code=None):
    """The second step of the OTP admin login: the password again, the device chosen and its code."""
    return log_in(
        client, device.user.username, PASSWORD, otp_device=device.persistent_id, otp_token=code or current_code(device)
    )


def test_admin_is_the_ordinary_admin_site_unless_2fa_is_required():
    assert django_settings.REQUIRE_STAFF_2FA is False
    assert not isinstance(admin.site, OTPAdminSite)


def test_with_2fa_required_a_password_alone_does_not_get_in(client, editor, staff_2fa):
    assert isinstance(admin.site, OTPAdminSite)
    device = TOTPDevice.objects.create(user=editor, name="phone")

    response = log_in(client, "editor", PASSWORD)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="otp_token"' in html and f'value="{device.persistent_id}"' in html
    assert "Please enter your OTP token." in html
    assert not logged_in(client)


def test_with_2fa_required_the_code_from_the_device_gets_in(client, editor, staff_2fa):
    device = TOTPDevice.objects.create(user=editor, name="phone")

    response = log_in_with_code(client, device)

    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert logged_in(client)


def test_with_2fa_required_a_wrong_code_does_not_get_in(client, editor, staff_2fa):
    device = TOTPDevice.objects.create(user=editor, name="phone")
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"

    response = log_in_with_code(client, device, wrong)

    assert "Invalid token." in response.content.decode()
    assert not logged_in(client)


def test_with_2fa_required_a_session_without_a_verified_device_is_not_staff(client, editor, staff_2fa):
    client.force_login(editor)

    response = client.get("/admin/")

    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_add_totp_device_enrols_an_authenticator_app(client, editor, staff_2fa):
    out = io.StringIO()
    call_command("add_totp_device", "editor", "--name", "Anna's phone", stdout=out)

    device = TOTPDevice.objects.get(user=editor)
    assert device.name == "Anna's phone" and device.confirmed
    output = out.getvalue()
    assert device.config_url in output and "otpauth://totp/" in output
    assert "issuer=Testimony%20DB" in device.config_url
    assert "\u2588" in output or "\u2580" in output, "the QR code is drawn in the terminal"
    assert log_in_with_code(client, device).status_code == 302


def test_add_totp_device_refuses_unknown_and_non_staff_users():
    UserFactory(username="reader", is_staff=False)
    with pytest.raises(CommandError, match="no user"):
        call_command("add_totp_device", "nobody", stdout=io.StringIO())
    with pytest.raises(CommandError, match="not staff"):
        call_command("add_totp_device", "reader", stdout=io.StringIO())
    assert not TOTPDevice.objects.exists()


# --- The password policy ---------------------------------------------------------------------------------------------


def test_passwords_need_twelve_characters_and_are_neither_common_nor_like_the_username():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    user = UserFactory(username="irina.kovalenko")
    with pytest.raises(ValidationError, match="at least 12 characters"):
        validate_password("vX7#qLm2!pZ", user)  # 11 characters
    validate_password("vX7#qLm2!pZe", user)  # 12 characters: accepted
    for weak in ("password1234", "qwertyuiop123", "irina.kovalenko!", "482019573601"):
        with pytest.raises(ValidationError):
            validate_password(weak, user)


def test_the_admin_refuses_a_short_new_password(client):
    user = UserFactory(username="editor", is_staff=True, password=PASSWORD)
    client.force_login(user)
    response = client.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": "vX7#qLm2!pZ", "new_password2": "vX7#qLm2!pZ"},
    )
    assert response.status_code == 200 and "at least 12 characters" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
