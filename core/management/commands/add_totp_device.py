"""Register an authenticator app (TOTP) for a staff member, e.g. before turning on REQUIRE_STAFF_2FA."""

import io

import segno
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = (
        "Register a TOTP device (an authenticator app) for a staff user and print the QR code to scan with it. "
        "The code holds the device's secret: run this where only that staff member can see the screen."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="Authenticator app", help="A label for the device.")

    def handle(self, *args, username, name, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user {username!r}.")
        if not user.is_staff:
            raise CommandError(f"{username!r} is not staff; only staff log in to the admin.")
        device = TOTPDevice.objects.create(user=user, name=name, confirmed=True)
        qr = io.StringIO()
        segno.make(device.config_url, micro=False).terminal(out=qr, compact=True)
        self.stdout.write(
            f"Registered TOTP device {device.name!r} for {username}. Scan this code with the authenticator app:"
        )
        self.stdout.write(qr.getvalue())
        self.stdout.write(f"or enter this address in the app by hand: {device.config_url}")
        self.stdout.write(
            "The admin login then asks for the app's 6-digit code. Remove lost devices in the admin under "
            "TOTP devices; `manage.py addstatictoken` gives one-time recovery codes."
        )
