"""`manage.py restore <archive>`: put back the database and the media files of a backup."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from core.backups import BackupError, media_files_phrase, restore_backup
from core.database import LongerLimitsCommand


class Command(LongerLimitsCommand):
    help = (
        "Replace the whole database, MEDIA_ROOT and PRIVATE_MEDIA_ROOT (or the object store's objects) with those of "
        "a backup made by "
        "`manage.py backup`. Stop the app servers first. Everything is checked before anything is replaced."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help="Do not ask for confirmation."
        )

    def handle(self, *args, archive, database=DEFAULT_DB_ALIAS, interactive=True, **options):
        if not archive.is_file():
            raise CommandError(f"{archive} is not a file.")
        target = connections[database].settings_dict["NAME"]
        if interactive:
            answer = input(
                f"This replaces everything in the database {target}, in {settings.MEDIA_ROOT} and in "
                f"{settings.PRIVATE_MEDIA_ROOT} with the "
                f"contents of {archive}. Type 'yes' to go on: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing was restored.")
        try:
            manifest = restore_backup(archive, database)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored the backup of {manifest['created']}: {sum(manifest['counts'].values())} rows in this "
            f"project's tables and {media_files_phrase(manifest)}."
        )
