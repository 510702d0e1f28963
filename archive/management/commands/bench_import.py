"""Benchmark of the CSV import (issue 22, item 6), on a PostgreSQL database of its own:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/testimony_bench python manage.py bench_import --rows 5000

Imports --rows new testimonies (each with 2 sites, 1 unit and 2 abuse types, as an editor's file would have them),
then the same file with every quote changed (updates), and prints rows per second of each, with the database's
statement count per row. Every row is written with its history, stamps and checks, in one transaction.
"""

import cProfile
import csv
import io
import pstats
import time

from django.core.management.base import CommandError
from django.db import connection

from core.csv_import import import_csv
from core.database import LongerLimitsCommand
from sites.models import Site
from testimonies.models import AbuseType, Testimony
from units.models import Unit

HEADER = ["id", "witness_label", "witness_role", "quote", "given_on", "site_slugs", "unit_slugs", "abuse_type_slugs"]


class Command(LongerLimitsCommand):
    help = "Rows per second of the CSV import (creates, then updates) on PostgreSQL."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=5000)
        parser.add_argument("--profile", action="store_true", help="Print the 25 costliest functions.")

    def handle(self, *args, rows, profile, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_import measures the PostgreSQL set-up: set DATABASE_URL.")
        run = f"bench-{int(time.time())}"
        sites = [
            Site.objects.get_or_create(slug=f"bench-site-{n}", defaults={"name": f"Site {n}"})[0] for n in range(20)
        ]
        units = [
            Unit.objects.get_or_create(slug=f"bench-unit-{n}", defaults={"name": f"Unit {n}"})[0] for n in range(10)
        ]
        abuse = [
            AbuseType.objects.get_or_create(slug=f"bench-abuse-{n}", defaults={"name": f"Abuse {n}"})[0]
            for n in range(5)
        ]

        def text(ids=None, suffix=""):
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(HEADER)
            for n in range(rows):
                writer.writerow(
                    [
                        ids[n] if ids else "",
                        f"{run} witness {n}",
                        "former_detainee",
                        f"What witness {n} saw in the basement{suffix}.",
                        "2025-07-01",
                        f"{sites[n % 20].slug}; {sites[(n + 7) % 20].slug}",
                        units[n % 10].slug,
                        f"{abuse[n % 5].slug}; {abuse[(n + 2) % 5].slug}",
                    ]
                )
            return buffer.getvalue()

        self.stdout.write(f"{rows:,} rows per file; testimonies before: {Testimony.objects.count():,}")
        created = self.measure("create", text(), rows, profile)
        ids = [str(pk) for pk in created]
        self.measure("update", text(ids, " (corrected)"), rows, profile)

    def measure(self, label, text, rows, profile):
        profiler = cProfile.Profile() if profile else None
        statements = []

        def count(execute, sql, params, many, context):
            statements.append(1)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            start = time.perf_counter()
            if profiler:
                profiler.enable()
            result = import_csv("testimonies", text, None, check_permissions=False)
            if profiler:
                profiler.disable()
            seconds = time.perf_counter() - start
        if result.problems:
            raise CommandError(f"{label}: {result.problems[:3]}")
        self.stdout.write(
            f"{label}: {rows:,} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s, "
            f"{len(statements) / rows:.2f} statements per row ({dict(result.counts)})"
        )
        if profiler:
            pstats.Stats(profiler, stream=self.stdout).sort_stats("cumulative").print_stats(25)
        run = text.splitlines()[1].split(",")[1].rsplit(" witness", 1)[0]
        return list(
            Testimony.objects.filter(witness_label__startswith=f"{run} witness")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
