"""gunicorn settings for `make serve` (gunicorn reads this file from the working directory).

Each value can be set from the environment; `make serve` passes the address to bind to.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Threaded workers (gthread): one worker process per core plus one, each serving GUNICORN_THREADS requests at a
# time. With synchronous workers, two requests waiting for one database lock took every worker, and the whole site
# (static files, the admin login, the API) answered nothing until the lock was released; with threads, a request
# waiting on a lock holds one thread of many, and the database limits (DB_LOCK_TIMEOUT) end the wait within
# seconds. Python code runs one thread at a time per process, so the processes are still what uses the cores.
# Each thread keeps its own database connection: workers × threads must stay below PostgreSQL's max_connections.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() + 1)
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# A worker silent for this long is restarted. It must stay above DB_STATEMENT_TIMEOUT (30 s), so that a slow
# statement ends with the database's own error (a 503) rather than a killed worker; the largest CSV export takes
# a few seconds.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
# Recycle workers now and then, so that no slow leak can grow without bound. The jitter is as large as the limit:
# each worker restarts after 10,000 to 20,000 requests, so workers that started together do not all restart in the
# same second (with a jitter of 100, two workers under load restarted together four times in 30 s). Not fewer:
# cached pages are served at 500+ requests a second per server, and a worker that restarted every 1,000 requests
# spent a second in ten starting up.
max_requests = 10_000
max_requests_jitter = 10_000
# No access log unless asked for: a log of who read which testimony, with addresses, is itself a risk to
# keep. Set GUNICORN_ACCESS_LOG=- to log requests to standard output.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
# Only the local reverse proxy may set X-Forwarded-* for gunicorn.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# gunicorn's control socket (gunicorn 27) is one path per user, ~/.gunicorn/gunicorn.ctl: a second server on the
# same machine (another app server, a test, a benchmark) would take it over. Nothing here uses it.
control_socket_disable = True


def post_worker_init(worker):
    """Freeze what a worker holds once the application is loaded (settings, models, the URL configuration and the
    views it imports), so that Python's garbage collector stops walking those objects again and again: with the
    pages loaded (the benchmark's process), a full collection walked about 175,000 objects and held one request in
    nine or so for about 100 ms; the objects made after this point are collected as before (bench/RESULTS.md)."""
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports every view module, so that they are frozen too)
    gc.freeze()
