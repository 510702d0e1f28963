"""Benchmark of data releases: time and peak memory of `release_data` at scale, and the answer times of /data/ and
/export/datapackage.json.

Run by hand on a database of its own, e.g.
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/testimony_bench python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/testimony_bench python manage.py bench_release
It writes real releases onto the release storage (set RELEASE_ROOT to a scratch folder).
"""

import gc
import platform
import resource
import statistics
import time
import tracemalloc

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.test import RequestFactory

from archive.models import DataRelease
from archive.releases import make_release
from archive.synthetic import SyntheticArchive
from archive.views import DataPackageView, ReleaseListView
from testimonies.models import Testimony


def answer_times(view, path: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        request = RequestFactory().get(path, HTTP_HOST="localhost")
        started = time.perf_counter()
        response = view(request)
        if hasattr(response, "render"):
            response.render()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, path
    return times


class Command(BaseCommand):
    help = "Measure a data release (time, peak memory, size) and the answer times of /data/ and the data package."

    def add_arguments(self, parser):
        parser.add_argument("--testimonies", type=int, default=100_000, help="Generate data up to this many.")
        parser.add_argument("--requests", type=int, default=30)

    def handle(self, *args, testimonies, requests, **options):
        existing = Testimony.objects.count()
        if existing < testimonies:
            self.stdout.write(f"Generating {testimonies - existing:,} testimonies…")
            started = time.perf_counter()
            SyntheticArchive(testimonies - existing, seed=existing).build()
            self.stdout.write(f"  generated in {time.perf_counter() - started:.1f} s")
        self.stdout.write(f"Machine: {platform.platform()}, {platform.processor() or platform.machine()}")
        self.stdout.write(
            f"Testimonies: {Testimony.objects.count():,} in all, {Testimony.objects.public().count():,} public"
        )

        for label in ("a release", "the next release (compared with the one before)"):
            gc.collect()
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            tracemalloc.start()
            started = time.perf_counter()
            release = make_release(notes="benchmark")
            elapsed = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            rows = release.row_counts
            self.stdout.write(
                f"Release {release.number}, {label}: {elapsed:.1f} s, {sum(rows.values()):,} rows "
                f"({rows.get('testimonies.csv', 0):,} testimonies), zip {release.size / 1e6:.1f} MB; "
                f"peak Python memory (tracemalloc) {peak / 1e6:.1f} MB, "
                f"peak RSS growth {(rss_after - rss_before) / 1024:.1f} MB"
            )

        self.stdout.write(f"Releases listed: {DataRelease.objects.public().count()}")
        # The pages are rendered with DEBUG off, as in production: static files from the collected manifest.
        call_command("collectstatic", interactive=False, verbosity=0)
        for name, view, path in (
            ("/data/", ReleaseListView.as_view(), "/data/"),
            ("/export/datapackage.json", DataPackageView.as_view(), "/export/datapackage.json"),
        ):
            times = answer_times(view, path, requests)
            self.stdout.write(
                f"{name}: median {statistics.median(times):.1f} ms, max {max(times):.1f} ms over {requests} requests "
                "(target < 50 ms)"
            )
