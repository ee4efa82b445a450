"""gunicorn settings for NET Finder in production: `scripts/serve` starts gunicorn with them.

Command-line options override this file, e.g. `scripts/serve --bind 10.0.0.5:8000 --workers 3`.
"""

from __future__ import annotations

import gc
import os
from typing import Any

# Loopback only unless told otherwise: a reverse proxy (nginx, Caddy) on the same machine
# terminates HTTPS and forwards here. PORT picks the port, like scripts/run.
bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"

# Sync workers: pages are CPU-bound (search, Jinja, the map's data), and gthread measured
# about 2x slower for them. (2 x CPUs) + 1 keeps the CPUs busy while a worker waits on the
# database; past 8 more processes mostly add memory, and SQLite has one writer anyway.
# WEB_CONCURRENCY (gunicorn's own variable) or --workers overrides.
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * (os.cpu_count() or 1) + 1, 8)))
worker_class = "sync"
timeout = 30  # a worker silent this long is killed and replaced
graceful_timeout = 20  # on restart, requests in flight get this long to finish

# Load the app once in the master, then fork: workers share its memory and start in
# milliseconds, and broken education content stops the server before any worker starts.
preload_app = True

# No query string, no referrer: both hold a patient's ZIP code or city (the referrer of a
# listing page is the search that found it). No client address or user agent either: behind
# the proxy the address is the proxy's own, and a log line is no place to profile patients.
accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'

# Objects made while the app loads live as long as the process. With the collector off while
# they are made and frozen before the fork, workers neither copy their memory pages nor scan
# them in every full collection: those scans were the p99 spikes.
gc.disable()


def on_starting(server: Any) -> None:
    """Keep query strings out of the error log too (the filter is inherited by the workers)."""
    from finder import logs

    logs.keep_queries_out("gunicorn.error")


def when_ready(server: Any) -> None:
    """The app is loaded: warm what every worker needs, freeze it, collect normally again."""
    from finder.places.geocode import zip_table

    # The offline ZIP table takes ~1 s and ~190 MB to load: once here, shared by the workers,
    # rather than in each worker during some patient's first search.
    zip_table()
    gc.collect()
    gc.freeze()
    gc.enable()


def post_fork(server: Any, worker: Any) -> None:
    """A worker must not reuse a database connection the master may have opened."""
    from finder import db

    app = server.app.wsgi()
    with app.app_context():
        db.engine().dispose(close=False)
