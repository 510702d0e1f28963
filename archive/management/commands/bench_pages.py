"""Benchmark of the public pages and the admin at scale (run by hand on a generated PostgreSQL database).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/testimony_bench python manage.py bench_pages --load

Each page is requested --requests times in-process (server time, no network, the page cache off) and its query
count recorded; then the testimony list and detail pages through the page cache (core.page_cache): the first
request after the publication generation moved on, and the cached requests after it. With --load, gunicorn with
2 workers serves the testimony list and detail pages to wrk over loopback, uncached and cached, beside a 404 that
renders nothing (the ceiling of the middleware alone). Set REDIS_URL to measure the shared cache.
"""

import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from core.generation import UPSERT
from core.page_cache import CACHE_HEADER
from core.roles import REVIEWER
from sites.models import Site
from testimonies.models import AbuseType, Source, Testimony
from units.models import Unit

# Targets (median, p95) in ms by kind of page.
TARGETS_MS = {
    "public": (50, 150),
    "list": (40, None),
    "search": (100, None),
    "selective": (30, None),
    "suggest": (20, None),
    "admin": (300, None),
    # The overview's charts (issue 19): nine aggregates over the filtered testimonies.
    "overview": (150, None),
    "overview filtered": (100, None),
    # The map's markers of one viewport (sites.clusters): one grid aggregate and the single sites.
    "map markers": (100, 150),
}


class Command(BaseCommand):
    help = "Median and 95th-percentile server time and query counts of every public list and detail page."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=30)
        parser.add_argument("--load", action="store_true", help="Also load gunicorn (2 workers) with wrk.")
        parser.add_argument("--load-seconds", type=int, default=20)

    def handle(self, *args, requests, load, load_seconds, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_pages measures the PostgreSQL set-up: set DATABASE_URL.")
        if Testimony.objects.count() < 1000:
            raise CommandError("Generate data first: manage.py generate_data --testimonies 100000")
        # DEBUG is off as in production, so static files come from the collected manifest.
        call_command("collectstatic", interactive=False, verbosity=0)
        pages = self.pages()
        self.stdout.write(f"{'page':<36} {'cold ms':>8} {'median ms':>9} {'p95 ms':>7} {'queries':>7}  target")
        with override_settings(
            ALLOWED_HOSTS=["testserver", *settings.ALLOWED_HOSTS], DEBUG=False, PAGE_CACHE_SECONDS=0
        ):
            for name, (kind, url, client) in pages.items():
                cold, median, p95, queries = self.measure(client, url, requests)
                median_target, p95_target = TARGETS_MS[kind]
                verdict = "ok" if median < median_target and (p95_target is None or p95 < p95_target) else "MISSED"
                target = f"median<{median_target}" + (f", p95<{p95_target}" if p95_target else "")
                self.stdout.write(
                    f"{name:<36} {cold:>8.1f} {median:>9.1f} {p95:>7.1f} {queries:>7}  {target}: {verdict}"
                )
        self.stdout.write(
            "cold: the first request after the cache was emptied (facet counts are cached per publication "
            "generation, core.generation); median and p95 over the following requests."
        )
        with override_settings(ALLOWED_HOSTS=["testserver", *settings.ALLOWED_HOSTS], DEBUG=False):
            self.page_cache(pages, requests)
        if load:
            self.load(pages, load_seconds)

    def page_cache(self, pages, requests):
        """The first request after a publication change (a miss: no slower than uncached) and cached requests."""
        self.stdout.write(f"{'page cache':<36} {'after change ms':>15} {'cached median ms':>16} {'p95 ms':>7}")
        for name in ("testimony list", "testimony detail"):
            _, url, client = pages[name]
            misses, hits = [], []
            for _ in range(5):
                with connection.cursor() as cursor:
                    cursor.execute(UPSERT)  # what any write to a record does (core.generation)
                started = time.perf_counter()
                response = client.get(url)
                misses.append((time.perf_counter() - started) * 1000)
                if response[CACHE_HEADER] != "miss":
                    raise CommandError(f"{url}: expected a miss after the generation moved on")
            for _ in range(requests):
                started = time.perf_counter()
                response = client.get(url)
                hits.append((time.perf_counter() - started) * 1000)
                if response[CACHE_HEADER] != "hit":
                    raise CommandError(f"{url}: expected a cached page")
            p95 = statistics.quantiles(hits, n=20)[-1]
            self.stdout.write(
                f"{name:<36} {statistics.median(misses):>15.1f} {statistics.median(hits):>16.1f} {p95:>7.1f}"
            )

    def pages(self) -> dict:
        public_client = Client()
        admin_client = Client()
        user, _ = get_user_model().objects.get_or_create(username="bench-admin", defaults={"is_staff": True})
        user.is_superuser = True
        user.save()
        admin_client.force_login(user)
        # A reviewer without the restricted-fields permission: the search of most staff, without real names.
        reviewer, _ = get_user_model().objects.get_or_create(username="bench-reviewer", defaults={"is_staff": True})
        reviewer.groups.add(Group.objects.get(name=REVIEWER))
        reviewer_client = Client()
        reviewer_client.force_login(reviewer)
        testimony = Testimony.objects.public().order_by("-pk").first()
        site = Site.objects.public().filter(testimonies__isnull=False).first()
        unit = Unit.objects.public().filter(testimonies__isnull=False).first()
        source = Source.objects.public().filter(publications__isnull=False).first()
        abuse = AbuseType.objects.public().first() or AbuseType.objects.first()
        # A selective term (a number in one witness label, like a name) and one in half the synthetic quotes.
        rare = testimony.witness_label.split()[1].strip(",")
        common = "basement"
        # A site's name as a Russian reader types it ("Подвал 12"): folded and transliterated to find "Basement 12".
        cyrillic = "Подвал"
        markers = reverse("sites:site_map_markers")
        return {
            "testimony list": ("public", "/testimonies/", public_client),
            "testimony list ?site=": ("public", f"/testimonies/?site={site.slug}", public_client),
            "testimony list ?abuse_type=": ("public", f"/testimonies/?abuse_type={abuse.slug}", public_client),
            "testimony list (facets)": ("list", "/testimonies/", public_client),
            "testimony list ?q=<rare term>": ("selective", f"/testimonies/?q={rare}", public_client),
            "testimony list ?q=<common term>": ("search", f"/testimonies/?q={common}", public_client),
            "testimony list ?q=<site name, Cyrillic>": ("search", f"/testimonies/?q={cyrillic}", public_client),
            "/search/?q=<common term>": ("search", f"/search/?q={common}", public_client),
            "/search/?q=<rare term>": ("search", f"/search/?q={rare}", public_client),
            "suggest site": ("suggest", f"/search/suggest/?type=site&q={site.name[:5]}", public_client),
            "suggest unit": ("suggest", f"/search/suggest/?type=unit&q={unit.name[:4]}", public_client),
            "site list": ("public", "/sites/", public_client),
            "map page": ("public", "/sites/map/", public_client),
            # Eastern Ukraine (35,46,41,50) at the zoom of a regional view, as the map's script asks for it: widened
            # to whole tiles of 5.625°. The synthetic sites are spread over the region.
            "map markers viewport": (
                "map markers",
                f"{markers}?bbox=33.75,45,45,50.625&zoom=6",
                public_client,
            ),
            "unit list": ("public", "/units/", public_client),
            "source list": ("public", "/sources/", public_client),
            "home": ("public", "/", public_client),
            "overview": ("overview", "/overview/", public_client),
            "overview ?region=&date_after=": (
                "overview filtered",
                f"/overview/?region={site.region.slug if site.region else ''}&date_after=2024-01-01",
                public_client,
            ),
            "testimony detail": ("public", testimony.get_absolute_url(), public_client),
            "site detail": ("public", site.get_absolute_url(), public_client),
            "unit detail": ("public", unit.get_absolute_url(), public_client),
            "source detail": ("public", source.get_absolute_url(), public_client),
            "admin testimony changelist": ("admin", "/admin/testimonies/testimony/", admin_client),
            "admin search <rare term>": ("admin", f"/admin/testimonies/testimony/?q={rare}", reviewer_client),
            "admin search <common term>": ("admin", f"/admin/testimonies/testimony/?q={common}", reviewer_client),
            "admin search <rare>, +real names": ("admin", f"/admin/testimonies/testimony/?q={rare}", admin_client),
        }

    def measure(self, client, url, requests) -> tuple[float, float, float, int]:
        client.get(url)  # warm connections and Python's own caches
        cache.clear()
        started = time.perf_counter()
        client.get(url)
        cold = (time.perf_counter() - started) * 1000
        executed = []
        with connection.execute_wrapper(lambda execute, sql, *args: executed.append(sql) or execute(sql, *args)):
            response = client.get(url)
        if response.status_code != 200:
            raise CommandError(f"{url} answered {response.status_code}")
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        p95 = statistics.quantiles(timings, n=20)[-1]
        return cold, statistics.median(timings), p95, len(executed)

    def load(self, pages, seconds):
        wrk = shutil.which("wrk")
        gunicorn = Path(sys.executable).with_name("gunicorn")
        if not wrk or not gunicorn.exists():
            raise CommandError("--load needs wrk (apt-get install wrk) and gunicorn (in requirements.txt).")
        script = Path(settings.BASE_DIR) / "bench" / "p95.lua"
        targets = [
            ("uncached", "0", ("testimony detail", "testimony list")),
            ("cached", "600", ("testimony detail", "testimony list", "404")),
        ]
        rates = {}
        for label, cache_seconds, names in targets:
            env = {
                **os.environ,
                "DEBUG": "0",
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "PAGE_CACHE_SECONDS": cache_seconds,
            }
            server = subprocess.Popen(  # noqa: S603 - fixed arguments
                [str(gunicorn), "config.wsgi", "--workers", "2", "--bind", "127.0.0.1:8765", "--log-level", "warning"],
                env=env,
            )
            try:
                time.sleep(3)
                for name in names:
                    path = "/no-such-page/" if name == "404" else pages[name][1]
                    output = subprocess.run(  # noqa: S603 - fixed arguments
                        [wrk, "-t2", "-c8", f"-d{seconds}s", "-s", str(script), f"http://127.0.0.1:8765{path}"],
                        capture_output=True,
                        text=True,
                        check=True,
                    ).stdout
                    result = re.search(r"RESULT (.*)", output)
                    rates[label, name] = float(re.search(r"rps=([\d.]+)", output).group(1)) if result else 0.0
                    self.stdout.write(
                        f"load {label} {name} (gunicorn 2 workers, wrk 2 threads 8 connections {seconds}s): "
                        f"{result.group(1) if result else output}"
                    )
            finally:
                server.terminate()
                server.wait(timeout=10)
        ceiling = rates["cached", "404"]
        for name in ("testimony detail", "testimony list"):
            ratio = rates["cached", name] / ceiling if ceiling else 0
            verdict = "ok" if ratio >= 0.5 else "MISSED"
            self.stdout.write(f"cached {name}: {ratio:.2f} of the 404 ceiling (target >= 0.5): {verdict}")
