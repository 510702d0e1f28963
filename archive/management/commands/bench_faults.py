"""Benchmark of the site while one session holds a lock on the testimony table (issue 22, item 1).

    DATABASE_URL=postgres://postgres@127.0.0.1:<port>/testimony_bench python manage.py bench_faults --seconds 30

Runs gunicorn twice against DATABASE_URL: as it was (2 synchronous workers, no database limits) and as configured
now (gunicorn.conf.py: threaded workers; DB_LOCK_TIMEOUT and friends), and each time holds an ACCESS EXCLUSIVE lock
on testimonies_testimony for --seconds while clients keep asking for locked pages (the testimony list and API),
pages that do not read that table (the admin login, the API schema) and a static file. Prints each URL's status
codes and latencies. Use a database of its own: the lock stops every reader of the table.
"""

import http.client
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

SETUPS = {
    # What issue 22 measured: gunicorn's synchronous workers and no limit on any database wait.
    "before: 2 sync workers, no DB limits": (
        ["--worker-class", "sync", "--workers", "2", "--threads", "1"],
        {"DB_LOCK_TIMEOUT": "0", "DB_STATEMENT_TIMEOUT": "0", "DB_IDLE_IN_TRANSACTION_TIMEOUT": "0"},
    ),
    "now: gunicorn.conf.py (gthread), DB limits": ([], {}),
}
LOCKED = ["/testimonies/", "/api/testimonies/"]
UNLOCKED = ["/admin/login/", "/api/schema/"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port, path, timeout=60) -> tuple[int, float]:
    start = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": "127.0.0.1"})
        response = conn.getresponse()
        response.read()
        return response.status, time.monotonic() - start
    except OSError:
        return 0, time.monotonic() - start
    finally:
        conn.close()


class Command(BaseCommand):
    help = "Latency of static files, unrelated pages and locked pages while the testimony table is locked."

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=int, default=30, help="How long the lock is held.")
        parser.add_argument("--clients", type=int, default=4, help="Concurrent clients asking for locked pages.")

    def handle(self, *args, seconds, clients, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_faults measures PostgreSQL's lock waits: set DATABASE_URL.")
        static_root = Path(tempfile.mkdtemp(prefix="bench-faults-static-"))
        os.environ["STATIC_ROOT"] = str(static_root)
        settings.STATIC_ROOT = static_root
        call_command("collectstatic", interactive=False, verbosity=0)
        css = "/static/" + self.css_name(static_root)
        self.stdout.write(f"Lock held {seconds} s; {clients} clients on locked pages, one per other URL.")
        try:
            for name, (arguments, env) in SETUPS.items():
                self.stdout.write(f"\n== {name}")
                self.run_setup(arguments, env, seconds, clients, css)
        finally:
            shutil.rmtree(static_root, ignore_errors=True)

    def css_name(self, static_root) -> str:
        import json

        manifest = json.loads((static_root / "staticfiles.json").read_text())
        return manifest["paths"]["css/site.css"]

    def run_setup(self, arguments, env, seconds, clients, css):
        port = free_port()
        environment = {**os.environ, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1", **env}
        command = [Path(sys.executable).parent / "gunicorn", "config.wsgi", "-c", "gunicorn.conf.py"]
        command += ["-b", f"127.0.0.1:{port}", *arguments]
        process = subprocess.Popen(  # noqa: S603 (gunicorn from this venv with fixed arguments)
            command,
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while get(port, "/", timeout=5)[0] != 200:
                if time.monotonic() > deadline:
                    raise CommandError("gunicorn did not come up")
                time.sleep(0.3)
            for path in [*LOCKED, *UNLOCKED, css]:
                get(port, path)  # warm every thread's connection
            self.measure(port, seconds, clients, css)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)

    def measure(self, port, seconds, clients, css):
        results: dict[str, list] = {}
        stop = threading.Event()
        lock = threading.Lock()

        def client(path):
            while not stop.is_set():
                status, elapsed = get(port, path)
                with lock:
                    results.setdefault(path, []).append((status, elapsed))
                time.sleep(0.05)

        holder = connections.create_connection("default")
        with holder.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
            cursor.execute("SET idle_in_transaction_session_timeout = 0")
            holder.set_autocommit(False)
            cursor.execute("LOCK TABLE testimonies_testimony IN ACCESS EXCLUSIVE MODE")
            threads = [threading.Thread(target=client, args=(path,)) for path in LOCKED for _n in range(clients // 2)]
            threads += [threading.Thread(target=client, args=(path,)) for path in [*UNLOCKED, css]]
            for thread in threads:
                thread.start()
            time.sleep(seconds)
            holder.rollback()
        holder.close()
        stop.set()
        for thread in threads:
            thread.join()
        self.stdout.write(f"{'url':<60} {'requests':>8} {'median s':>9} {'max s':>7}  statuses")
        for path, outcomes in results.items():
            times = [elapsed for _status, elapsed in outcomes]
            statuses = ", ".join(
                f"{status}×{count}" for status, count in sorted(Counter(s for s, _t in outcomes).items())
            )
            self.stdout.write(
                f"{path:<60} {len(outcomes):>8} {statistics.median(times):>9.2f} {max(times):>7.2f}  {statuses}"
            )
