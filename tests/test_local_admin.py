import stat
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


@pytest.fixture
def local(settings, tmp_path):
    """A development setting whose BASE_DIR is a temporary directory, so no test writes into the repository."""
    settings.DEBUG = True
    settings.BASE_DIR = tmp_path
    return tmp_path


def run(*args) -> str:
    out = StringIO()
    call_command("ensure_local_admin", *args, stdout=out)
    return out.getvalue()


def test_creates_superuser_and_private_password_file(local):
    output = run()

    password_file = local / ".admin_password"
    password = password_file.read_text().strip()
    assert f"Admin account: admin / {password} (also kept in .admin_password)" in output
    assert len(password) >= 16
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.is_staff and user.is_active
    assert user.email == "admin@localhost"
    assert user.check_password(password)
    assert not list(local.glob("*.tmp"))


def test_second_run_keeps_the_password_and_reprints_it(local):
    run()
    password_file = local / ".admin_password"
    password = password_file.read_text().strip()
    hashed = get_user_model().objects.get(username="admin").password

    output = run()

    assert "already exists" in output
    assert f"admin / {password}" in output
    assert str(password_file) in output
    assert password_file.read_text().strip() == password
    assert get_user_model().objects.get(username="admin").password == hashed
    assert get_user_model().objects.count() == 1


def test_existing_account_without_password_file_is_left_alone(local):
    run()
    (local / ".admin_password").unlink()

    output = run()

    assert "already exists" in output
    assert "changepassword" in output
    assert not (local / ".admin_password").exists()


def test_stale_password_file_is_reported_not_printed_as_valid(local):
    run()
    user = get_user_model().objects.get(username="admin")
    user.set_password("changed by hand, 2025")
    user.save()
    stale = (local / ".admin_password").read_text().strip()

    output = run()

    assert "no longer matches" in output
    assert f"admin / {stale}" not in output


def test_password_differs_between_fresh_databases(local):
    run()
    first = (local / ".admin_password").read_text()
    get_user_model().objects.all().delete()

    run()

    assert (local / ".admin_password").read_text() != first
    assert stat.S_IMODE((local / ".admin_password").stat().st_mode) == 0o600


def test_refuses_without_debug(settings, tmp_path):
    settings.DEBUG = False
    settings.BASE_DIR = tmp_path

    with pytest.raises(CommandError, match="DEBUG"):
        run()

    assert not get_user_model().objects.filter(username="admin").exists()
    assert not (tmp_path / ".admin_password").exists()


def test_force_runs_without_debug(settings, tmp_path):
    settings.DEBUG = False
    settings.BASE_DIR = tmp_path

    output = run("--force")

    assert "Admin account: admin / " in output
    assert get_user_model().objects.filter(username="admin", is_superuser=True).exists()


def test_password_file_option(local, tmp_path_factory):
    target = tmp_path_factory.mktemp("elsewhere") / "pw"

    output = run("--password-file", str(target))

    assert f"(also kept in {target})" in output
    assert get_user_model().objects.get(username="admin").check_password(target.read_text().strip())
    assert not (local / ".admin_password").exists()
