"""Create a local superuser for development, with a random password kept in a private file."""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

USERNAME = "admin"
EMAIL = "admin@localhost"
PASSWORD_FILE_NAME = ".admin_password"  # noqa: S105 (a file name, not a password)


class Command(BaseCommand):
    help = (
        f'Local development only: create the superuser "{USERNAME}" with a random password, kept in '
        f"BASE_DIR/{PASSWORD_FILE_NAME}. Later runs leave the account and its password alone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even though DEBUG is off (not meant for production)."
        )
        parser.add_argument(
            "--password-file",
            type=Path,
            default=None,
            help=f"Where to keep the password (default: BASE_DIR/{PASSWORD_FILE_NAME}).",
        )

    def handle(self, *args, force=False, password_file=None, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "ensure_local_admin is a local-development convenience and DEBUG is off. "
                "Create production accounts with `manage.py createsuperuser`, or pass --force."
            )
        path = Path(password_file or Path(settings.BASE_DIR) / PASSWORD_FILE_NAME)
        User = get_user_model()

        user = User.objects.filter(**{User.USERNAME_FIELD: USERNAME}).first()
        if user is None:
            password = secrets.token_urlsafe(16)
            with transaction.atomic():
                User.objects.create_superuser(USERNAME, EMAIL, password)
                # Written inside the transaction: if the file cannot be written, no account with a lost password.
                write_private(path, password)
            shown = PASSWORD_FILE_NAME if password_file is None else path
            self.stdout.write(self.style.SUCCESS(f"Admin account: {USERNAME} / {password} (also kept in {shown})"))
            return

        self.stdout.write(f'Admin account "{USERNAME}" already exists; its password is left unchanged.')
        if not path.exists():
            self.stdout.write(
                f"No password file at {path}; set a new password with `manage.py changepassword {USERNAME}`."
            )
            return
        password = path.read_text().strip()
        if check_password(password, user.password):
            self.stdout.write(f"Admin account: {USERNAME} / {password} (kept in {path})")
        else:
            self.stdout.write(
                self.style.WARNING(
                    f"The password kept in {path} no longer matches the account (it was changed since); "
                    f"use `manage.py changepassword {USERNAME}` to set a new one."
                )
            )


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by the owner only (0600), replacing the file atomically."""
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text + "\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
