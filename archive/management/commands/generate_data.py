"""Fill the database with synthetic records in bulk, for benchmarks (use a database of its own)."""

import time

from django.core.management.base import CommandError

from archive.synthetic import SyntheticArchive
from core.database import LongerLimitsCommand


class Command(LongerLimitsCommand):
    help = "Generate N synthetic testimonies with proportionate sites, units, sources and publications."

    def add_arguments(self, parser):
        parser.add_argument("--testimonies", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, testimonies, seed, **options):
        if testimonies < 1:
            raise CommandError("--testimonies must be at least 1.")
        started = time.perf_counter()
        result = SyntheticArchive(testimonies, seed=seed).build()
        for name, number in result.counts.items():
            self.stdout.write(f"  {name:<24} {number:>9,}")
        self.stdout.write(f"Generated in {time.perf_counter() - started:.1f} s.")
