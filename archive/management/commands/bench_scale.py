"""The cost curve of issue #24: the same pages measured the same way on archives of any size (run by hand).

    createdb testimony_bench10k
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/testimony_bench10k python manage.py migrate
    DATABASE_URL=... python manage.py generate_data --testimonies 10000
    DATABASE_URL=... python manage.py bench_scale

Server time in-process (no network), the page cache off, median of --requests after WARM_UP requests (facet
counts stay cached per publication generation, as in production; the rows "first reader after a change" empty
every cache before each request). For each page, the plan of its slowest query (EXPLAIN, not run again) names the
indexes it reads, so that a page that scans the archive shows as such. The full CSV export is streamed once and
given in rows per second. Run it on 10,000, 100,000 and 1,000,000 testimonies and compare the columns
(bench/RESULTS.md).
"""

import html
import re
import statistics
import time

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import override_settings

from archive.management.commands.bench_export import consume_export
from archive.management.commands.bench_pages import Command as PagesCommand
from testimonies.models import Testimony

# The rows of the table, by the names bench_pages gives its pages (the map's from the map work).
PAGES = [
    "testimony list",
    "testimony list ?abuse_type=",
    "testimony list ?q=<common term>",
    "testimony list ?q=<rare term>",
    "testimony detail",
    "site detail",
    "unit detail",
    "site list",
    "map page",
    "map markers viewport",
    "testimony list, middle page",
    "testimony list, middle page by cursor",
    "API testimony list",
    "API testimony list, middle page by number",
    "API testimony list, middle page by cursor",
    "admin testimony changelist",
    "testimony list, first reader after a change",
    "testimony list ?q=<common term>, first reader after a change",
    "site list, first reader after a change",
    "map page, first reader after a change",
    "map markers viewport, first reader after a change",
]
# Requests before the measured ones, as a server's long-lived connection has made them: a connection prepares a
# query at its second run (settings.DB_PREPARED_STATEMENTS), and PostgreSQL plans a prepared query for its values
# five times before it weighs a generic plan, kept for the later runs.
WARM_UP = 7
# A page measured with every cache emptied before each request: as its first reader sees it after any write to the
# archive (a new publication generation), or with filters nobody asked for yet (its facet counts computed anew).
FIRST_READER = ", first reader after a change"
PLAN_NODE = re.compile(
    r"(Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)(?: Backward)?(?: using (\S+))? on (\S+)"
)


class Command(PagesCommand):
    help = "Median server time of the main public pages, the admin changelist and the export's rows/s, with plans."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=5)
        parser.add_argument("--plans", action="store_true", help="Print the scans of each page's slowest query.")
        parser.add_argument(
            "--only", action="append", default=[], help="Measure only the pages whose name contains this (repeatable)."
        )
        parser.add_argument("--no-export", action="store_true", help="Leave out the full CSV export.")

    def handle(self, *args, requests, plans, only, no_export, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_scale measures the PostgreSQL set-up: set DATABASE_URL.")
        total = Testimony.objects.count()
        if total < 1000:
            raise CommandError("Generate data first: manage.py generate_data --testimonies 10000")
        call_command("collectstatic", interactive=False, verbosity=0)
        pages = self.pages()
        public_client = pages["testimony list"][2]
        pages["API testimony list"] = ("public", "/api/testimonies/", public_client)
        pages.update(self.middle_api_pages(public_client))
        self.stdout.write(f"Archive: {total:,} testimonies, {Testimony.objects.public().count():,} public")
        self.stdout.write(f"{'page':<62} {'median ms':>9} {'queries':>7}  scans of the slowest query")
        with override_settings(
            ALLOWED_HOSTS=["testserver", *settings.ALLOWED_HOSTS], DEBUG=False, PAGE_CACHE_SECONDS=0
        ):
            for name in PAGES:
                if only and not any(part in name for part in only):
                    continue
                page = name.removesuffix(FIRST_READER)
                if page not in pages:
                    self.stdout.write(f"{name:<62} {'-':>9} {'-':>7}  (no such page in this version)")
                    continue
                _, url, client = pages[page]
                median, queries, slowest = self.timed(client, url, requests, first_reader=page != name)
                scans = self.scans(slowest) if plans else ""
                self.stdout.write(f"{name:<62} {median:>9.1f} {queries:>7}  {scans}")
        if no_export:
            return
        started = time.perf_counter()
        rows, _ = consume_export()
        elapsed = time.perf_counter() - started
        self.stdout.write(f"{'full CSV export':<62} {rows / elapsed:>9,.0f} rows/s ({rows:,} rows in {elapsed:.1f} s)")

    def middle_api_pages(self, client) -> dict:
        """The page in the middle of the testimonies, on the list and in the API by number (its keys read through
        every record before it, core.listing.records_between), and on both by the cursor of the page before it
        (core.keyset: read from the index)."""
        middle = max(2, Testimony.objects.public().count() // 2 // 25)
        by_number = f"/api/testimonies/?per_page=25&page={middle}"
        with override_settings(ALLOWED_HOSTS=["testserver", *settings.ALLOWED_HOSTS]):
            before = client.get(f"/api/testimonies/?per_page=25&page={middle - 1}").json()
            listed_before = client.get(f"/testimonies/?per_page=25&page={middle - 1}")
        pages = {
            "testimony list, middle page": ("public", f"/testimonies/?per_page=25&page={middle}", client),
            "API testimony list, middle page by number": ("public", by_number, client),
        }
        if before["next"] and "after=" in before["next"]:
            pages["API testimony list, middle page by cursor"] = ("public", before["next"], client)
        next_page = re.search(r'<a href="(\?[^"]*after=[^"]*)" rel="next">', listed_before.content.decode())
        if next_page:
            # The list's Next link, as a reader or a crawler follows it.
            url = "/testimonies/" + html.unescape(next_page.group(1))
            pages["testimony list, middle page by cursor"] = ("public", url, client)
        return pages

    def timed(self, client, url, requests, first_reader: bool = False) -> tuple[float, int, str]:
        """The median time of `url` after a warm-up; `first_reader`: with every cache emptied before each request
        (the facet counts, the public regions, the page count...), the warm-up warming only connections and
        Python's own caches."""
        for _ in range(WARM_UP):  # connections, Python's caches, prepared statements, the facet counts
            response = client.get(url)
            if response.status_code != 200:
                raise CommandError(f"{url} answered {response.status_code}")
        timings, executed = [], []

        def record(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                executed.append((time.perf_counter() - started, sql, params))

        for index in range(requests):
            if first_reader:
                cache.clear()
            started = time.perf_counter()
            if index == 0:
                with connection.execute_wrapper(record):
                    client.get(url)
            else:
                client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        slowest = max(executed, key=lambda item: item[0]) if executed else (0, "", None)
        return statistics.median(timings), len(executed), (slowest[1], slowest[2])

    def scans(self, query) -> str:
        sql, params = query
        if not sql or not sql.lstrip().upper().startswith("SELECT"):
            return ""
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        found = []
        for kind, index, table in PLAN_NODE.findall(plan):
            text = f"{kind} {index} on {table}" if index else f"{kind} on {table}"
            if text not in found:
                found.append(text)
        return "; ".join(found[:4])
