"""Import a CSV file in the format of a public export: `manage.py import_csv sites sites.csv --dry-run`."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from core.csv_import import IMPORTERS, decode, import_csv
from core.database import LongerLimitsCommand


class Command(LongerLimitsCommand):
    help = (
        "Import testimonies, sites, units or sources from a CSV file with the columns of the public export "
        "(docs/data-dictionary.md). All or nothing: any error is reported with its row and column and nothing is "
        "written. New records are drafts; publishing needs --user of a reviewer and a status column."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(IMPORTERS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check everything and report; write nothing.")
        parser.add_argument(
            "--user",
            help=(
                "Import as this user: their permissions apply and they are recorded in the history. Without it, "
                "no user is recorded and the import may not publish, withhold or change published records."
            ),
        )

    def handle(self, kind, file, dry_run, user, **options):
        importer_user, check_permissions = None, False
        if user:
            try:
                importer_user = get_user_model().objects.get(username=user, is_active=True)
            except get_user_model().DoesNotExist:
                raise CommandError(f"No active user {user!r}.") from None
            check_permissions = True
        try:
            text = decode(file.read_bytes())
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None

        result = import_csv(kind, text, importer_user, dry_run=dry_run, check_permissions=check_permissions)

        if result.ignored_columns:
            self.stdout.write(
                f"Ignored columns (computed or owned by another file): {', '.join(result.ignored_columns)}"
            )
        if result.problems:
            for problem in result.problems:
                self.stderr.write(str(problem))
            count = len(result.problems)
            raise CommandError(f"{count} error{'s' if count > 1 else ''}; nothing was imported.")
        for outcome in result.outcomes:
            if outcome.action != "unchanged" and options["verbosity"] > 1:
                self.stdout.write(f"row {outcome.row}: {outcome.action} {outcome.record} {', '.join(outcome.columns)}")
        prefix = "Dry run, nothing written. " if dry_run else "Imported. "
        self.stdout.write(self.style.SUCCESS(prefix + result.summary()))
