#!/usr/bin/env python3
"""Search and page latency, in process, at the demo size and at generated sizes.

    .venv/bin/python scripts/bench_search.py [--sizes demo,100000] [--requests 300]

Prints median and p99 milliseconds for nearby() and for /healthz, /api/v1/search, /search and
/search?map=0 through Flask's test client (no network: this measures the app, not a server).
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from finder import create_app, db, importer, synth  # noqa: E402
from finder.cli import DEMO_CSV  # noqa: E402
from finder.geocode import locate  # noqa: E402
from finder.search import Filters, nearby  # noqa: E402

ORIGINS = [z for z, _ in synth.METROS] + ["59001", "82001", "58501", "04401", "99701"]


def csv_bytes(n: int) -> bytes:
    """A generated listings CSV of n rows."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=synth.CSV_FIELDS)
    writer.writeheader()
    writer.writerows(synth.listings(n))
    return out.getvalue().encode()


def timings(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and p99 of `runs` calls, in milliseconds (after a few warm-up calls)."""
    for _ in range(5):
        fn()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def run(size: str, runs: int) -> list[tuple[str, float, float]]:
    """Load a directory of `size` listings into a fresh SQLite file and time searches on it."""
    tmp = tempfile.mkdtemp()
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite"})
    data = DEMO_CSV.read_bytes() if size == "demo" else csv_bytes(int(size))
    with app.app_context():
        db.create_schema(db.engine())
        t = time.perf_counter()
        report = importer.load_csv(db.session(), data, "bench")
        secs = time.perf_counter() - t
        print(
            f"  loaded {report.created} listings in {secs:.1f} s "
            f"({report.created / secs:,.0f} rows/s), {len(report.problems)} problems"
        )
    gc.collect()
    gc.freeze()  # start-up objects never need collecting; keeps GC pauses out of p99
    rng = random.Random(3)
    client = app.test_client()
    rows = []
    with app.app_context():
        session = db.session()
        places = [locate(z) for z in ORIGINS]
        rows.append(
            (
                "nearby() 50 mi",
                *timings(lambda: nearby(session, rng.choice(places), 50, Filters(), 50), runs),
            )
        )
        rows.append(
            (
                "nearby() nearest-20 (5 mi)",
                *timings(lambda: nearby(session, rng.choice(places), 5, Filters(), 20), runs),
            )
        )
    for label, path in (
        ("GET /healthz", "/healthz"),
        ("GET /api/v1/search", "/api/v1/search?q={}&radius=50"),
        ("GET /search", "/search?q={}&radius=50"),
        ("GET /search?map=0", "/search?q={}&radius=50&map=0"),
    ):

        def get(path: str = path) -> None:
            res = client.get(path.format(rng.choice(ORIGINS)))
            assert res.status_code == 200, res.status_code

        rows.append((label, *timings(get, runs)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="demo,100000")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    for size in args.sizes.split(","):
        print(f"\n## {size} listings (SQLite, in process, {args.requests} requests each)")
        print(f"  {'what':32} {'p50 ms':>8} {'p99 ms':>8}")
        for label, p50, p99 in run(size, args.requests):
            print(f"  {label:32} {p50:8.2f} {p99:8.2f}")


if __name__ == "__main__":
    main()
