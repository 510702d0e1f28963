"""`manage.py backup`: the database and both media folders in one archive (see core/backups.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from core.backups import BackupError, create_backup, media_files_phrase
from core.database import LongerLimitsCommand


class Command(LongerLimitsCommand):
    help = (
        "Back up the database (pg_dump on PostgreSQL, SQLite's online backup on SQLite), MEDIA_ROOT and "
        "PRIVATE_MEDIA_ROOT (or the object store's objects, with STORAGE_S3_*) into one "
        "archive in BACKUP_ROOT. The archive holds witnesses' identities: keep it on encrypted storage."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, help="Archive to write (default: BACKUP_ROOT/testimony-<time>.tar.gz)."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, output=None, database=DEFAULT_DB_ALIAS, **options):
        output = output or Path(settings.BACKUP_ROOT) / f"testimony-{timezone.now():%Y%m%dT%H%M%SZ}.tar.gz"
        if output.exists():
            raise CommandError(f"{output} exists already.")
        try:
            result = create_backup(output, database)
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = result.manifest
        self.stdout.write(
            f"Backed up the {manifest['vendor']} database ({sum(manifest['counts'].values())} rows in this project's "
            f"tables) and {media_files_phrase(manifest)} to {result.archive} "
            f"({result.archive.stat().st_size:,} bytes)."
        )
