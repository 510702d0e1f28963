"""gunicorn settings for `make serve` (gunicorn reads this file from the working directory).

Each value can be set from the environment; `make serve` passes the address to bind to.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# gunicorn's rule of thumb for synchronous workers: two per core plus one. Behind nginx, which buffers slow
# clients, synchronous workers are the right kind (a streamed CSV export is handed to nginx at full speed).
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count() + 1)
# A worker silent for this long is restarted; the largest CSV export takes a few seconds.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
# Recycle workers now and then, so that no slow leak can grow without bound.
max_requests = 1000
max_requests_jitter = 100
# No access log unless asked for: a log of who read which testimony, with addresses, is itself a risk to
# keep. Set GUNICORN_ACCESS_LOG=- to log requests to standard output.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
# Only the local reverse proxy may set X-Forwarded-* for gunicorn.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
