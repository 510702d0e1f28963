"""manage.py prune_access_log [--older-than DAYS]: delete access-log rows older than DAYS (default
ACCESS_LOG_RETENTION_DAYS), the only way rows leave the log of who saw witnesses' identities."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from testimonies.models import AccessLogEntry


class Command(BaseCommand):
    help = "Delete rows of the restricted-fields access log older than --older-than days (default from settings)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=None, metavar="DAYS")

    def handle(self, *args, older_than=None, **options):
        days = settings.ACCESS_LOG_RETENTION_DAYS if older_than is None else older_than
        if days < 1:
            raise CommandError("--older-than must be at least 1 day.")
        deleted = AccessLogEntry.objects.prune(days)
        self.stdout.write(f"Deleted {deleted} access-log rows older than {days} days.")
