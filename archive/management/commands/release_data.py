"""Write a data release: every public export, its datapackage.json and a manifest.json, as one zip."""

from django.core.management.base import BaseCommand, CommandError

from archive.releases import ReleaseError, abandon_releases, make_release


class Command(BaseCommand):
    help = "Write a dated, checksummed release of every public export onto the release storage."

    def add_arguments(self, parser):
        parser.add_argument("--notes", default="", help="What this release is for; kept in its manifest and page.")
        parser.add_argument(
            "--abandon", action="store_true", help="Delete a release left half-written by a process that died."
        )

    def handle(self, *args, notes, abandon, **options):
        if abandon:
            self.stdout.write(f"Abandoned releases deleted: {abandon_releases()}")
            return
        try:
            release = make_release(notes=notes)
        except ReleaseError as error:
            raise CommandError(str(error)) from error
        counts = ", ".join(f"{name} {rows}" for name, rows in release.row_counts.items())
        self.stdout.write(f"Release {release.number}: {release.file.name} ({release.size} bytes)")
        self.stdout.write(f"SHA-256 {release.sha256}")
        self.stdout.write(f"Rows: {counts}")
