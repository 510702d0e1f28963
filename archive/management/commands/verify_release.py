"""Check the stored files of the data releases against their recorded checksums."""

from django.core.management.base import BaseCommand, CommandError

from archive.models import DataRelease
from archive.releases import verify_release


class Command(BaseCommand):
    help = "Check every checksum of the stored releases (or of the given release numbers); fails on any mismatch."

    def add_arguments(self, parser):
        parser.add_argument("numbers", nargs="*", type=int, help="Release numbers; all releases when none is given.")

    def handle(self, *args, numbers, **options):
        releases = DataRelease.objects.public().order_by("number")
        if numbers:
            releases = releases.filter(number__in=numbers)
            missing = set(numbers) - set(releases.values_list("number", flat=True))
            if missing:
                raise CommandError(f"No release numbered {', '.join(map(str, sorted(missing)))}.")
        problems = []
        for release in releases:
            found = verify_release(release)
            problems += found
            self.stdout.write(f"Release {release.number}: {'TAMPERED' if found else 'intact'}")
        if problems:
            raise CommandError("\n".join(problems))
