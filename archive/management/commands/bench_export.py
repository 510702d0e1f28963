"""Benchmark of /export/testimonies.csv against PostgreSQL's own COPY of the same query (the ceiling), and with
`--format xlsx` of /export/testimonies.xlsx against the CSV export.

Run by hand on a database of its own, e.g.
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/testimony_bench python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/testimony_bench python manage.py bench_export [--format xlsx]
"""

import gc
import platform
import resource
import time
import tracemalloc

import psycopg
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import RequestFactory

from archive.synthetic import SyntheticArchive
from core.csv_export import export_queryset
from testimonies.exports import TESTIMONY_COLUMNS
from testimonies.models import Testimony
from testimonies.views import TestimonyExportView


def consume_export(file_format: str = "csv") -> tuple[int, int]:
    """Stream the whole public export as a client would; return (CSV rows or XLSX chunks, bytes)."""
    request = RequestFactory().get(f"/export/testimonies.{file_format}", HTTP_HOST="localhost")
    response = TestimonyExportView.as_view(file_format=file_format)(request)
    rows = size = 0
    for chunk in response.streaming_content:
        rows += 1
        size += len(chunk)
    response.close()
    return rows - 1, size


def peak_memory(file_format: str) -> tuple[float, float]:
    """Peak Python memory (tracemalloc) and growth of the process's peak RSS over one export, in MB."""
    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    consume_export(file_format)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6, (rss_after - rss_before) / 1024


class Command(BaseCommand):
    help = "Measure rows per second and peak memory of the testimonies CSV export against a raw COPY."

    def add_arguments(self, parser):
        parser.add_argument("--testimonies", type=int, default=100_000, help="Generate data up to this many.")
        parser.add_argument("--repeat", type=int, default=3)
        parser.add_argument(
            "--format", choices=("csv", "xlsx"), default="csv", help="xlsx: the XLSX export against the CSV export."
        )

    def handle(self, *args, testimonies, repeat, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_export compares with PostgreSQL's COPY: set DATABASE_URL to a PostgreSQL database."
            )
        existing = Testimony.objects.count()
        if existing < testimonies:
            self.stdout.write(f"Generating {testimonies - existing:,} testimonies…")
            started = time.perf_counter()
            SyntheticArchive(testimonies - existing, seed=existing).build()
            self.stdout.write(f"  generated in {time.perf_counter() - started:.1f} s")
        public = Testimony.objects.public().count()
        self.stdout.write(f"Machine: {platform.platform()}, {platform.processor() or platform.machine()}")
        self.stdout.write(f"Testimonies: {Testimony.objects.count():,} in all, {public:,} public (exported)")
        if options["format"] == "xlsx":
            self.compare_xlsx(public, repeat)
            return

        export_times, copy_times = [], []
        for _ in range(repeat):
            started = time.perf_counter()
            rows, size = consume_export()
            export_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            copy_rows, copy_size = self.copy_rows()
            copy_times.append(time.perf_counter() - started)
        export_best, copy_best = min(export_times), min(copy_times)
        self.stdout.write(
            f"Django export: {rows:,} rows, {size / 1e6:.1f} MB, best of {repeat}: {export_best:.2f} s "
            f"= {rows / export_best:,.0f} rows/s"
        )
        self.stdout.write(
            f"COPY ceiling:  {copy_rows:,} rows, {copy_size / 1e6:.1f} MB, best of {repeat}: "
            f"{copy_best:.2f} s = {copy_rows / copy_best:,.0f} rows/s"
        )
        self.stdout.write(f"Ratio export/COPY: {copy_best / export_best:.2f} (target ≥ 0.5)")

        traced, rss = peak_memory("csv")
        self.stdout.write(f"Peak Python memory during the export (tracemalloc): {traced:.1f} MB (target < 50 MB)")
        self.stdout.write(f"Growth of the process's peak RSS during it: {rss:.1f} MB")

    def compare_xlsx(self, rows: int, repeat: int) -> None:
        """The XLSX export's rows/s against the CSV export's (target ≥ 0.3 of it) and its memory (< 50 MB).

        Memory first, while the process's peak RSS is still that of start-up (run again after generating data)."""
        traced, rss = peak_memory("xlsx")
        times = {"csv": [], "xlsx": []}
        sizes = {}
        for _ in range(repeat):
            for file_format in times:
                started = time.perf_counter()
                sizes[file_format] = consume_export(file_format)[1]
                times[file_format].append(time.perf_counter() - started)
        best = {file_format: min(values) for file_format, values in times.items()}
        for file_format in times:
            self.stdout.write(
                f"{file_format.upper()} export: {rows:,} rows, {sizes[file_format] / 1e6:.1f} MB, best of {repeat}: "
                f"{best[file_format]:.2f} s = {rows / best[file_format]:,.0f} rows/s"
            )
        self.stdout.write(f"Ratio XLSX/CSV rows per second: {best['csv'] / best['xlsx']:.2f} (target ≥ 0.3)")
        self.stdout.write(f"Peak Python memory during the XLSX export (tracemalloc): {traced:.1f} MB (target < 50 MB)")
        self.stdout.write(f"Growth of the process's peak RSS during it: {rss:.1f} MB")

    def copy_rows(self) -> tuple[int, int]:
        queryset = export_queryset(Testimony.objects.public(), TESTIMONY_COLUMNS)
        sql, params = queryset.query.sql_with_params()
        connection.ensure_connection()
        raw = connection.connection
        query = psycopg.ClientCursor(raw).mogrify(sql, params)
        rows = size = 0
        with raw.cursor() as cursor, cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
            for block in copy:
                size += len(block)
                rows += bytes(block).count(b"\n")
        return rows - 1, size
