#!/usr/bin/env python3
"""Import speed: a generated file of N rows into a fresh SQLite database, rows per second.

    .venv/bin/python scripts/bench_import.py [--rows 100000] [--phases]

Runs twice: rows with coordinates given, and the same rows without them (located by the
offline ZIP table). Each run is one transaction through finder.importer.load_csv, the same
function the CLI and the admin upload use. --phases also prints where the time went, in µs
a row: reading and validating rows (one pass), the state-outline check, locating, the bulk
insert (with the R*Tree), the rest of applying, and the commit.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from finder import create_app, db  # noqa: E402
from finder.directory import importer, locate, synth  # noqa: E402
from finder.directory.rows import COLUMNS  # noqa: E402
from finder.places.geocode import zip_table  # noqa: E402
from finder.places.states import STATES, in_state  # noqa: E402
from finder.search import index  # noqa: E402

# (label, module, function): the importer's steps, timed by wrapping them (--phases).
PHASES = (
    ("state check", importer, "misplaced"),
    ("locate", locate, "locate_rows"),
    ("bulk insert + R*Tree", index, "bulk_insert"),
    ("apply (rest)", importer, "_apply"),
)


def generated(n: int, coordinates: bool) -> bytes:
    """A listings CSV of n synthetic rows, with or without latitude/longitude."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for row in synth.listings(n):
        if not coordinates:
            row["latitude"] = row["longitude"] = ""
        writer.writerow(row)
    return out.getvalue().encode()


def timed(spent: dict[str, float], label: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """func, adding the seconds each call takes to spent[label]."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.perf_counter() - start

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--phases", action="store_true", help="also print µs a row per step")
    args = parser.parse_args()
    # One-time loads, not import cost: the ZIP table and every state's outline.
    zip_table()
    for code in STATES:
        in_state(0.0, 0.0, code)
    spent: dict[str, float] = {}
    if args.phases:
        for label, module, name in PHASES:
            setattr(module, name, timed(spent, label, getattr(module, name)))
    for label, coordinates in (("coordinates given", True), ("offline ZIP geocoding", False)):
        data = generated(args.rows, coordinates)
        app = create_app({"DATABASE_URL": f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"})
        with app.app_context():
            db.create_schema(db.engine())
            session = db.session()
            session.commit = timed(spent, "commit", session.commit)
            spent.clear()
            start = time.perf_counter()
            report = importer.load_csv(session, data, "bench", filename="bench.csv")
            seconds = time.perf_counter() - start
        assert report.applied and report.created == args.rows, report.problems[:3]
        print(
            f"{label:24} {args.rows:>8,} rows in {seconds:6.2f} s = "
            f"{args.rows / seconds:>8,.0f} rows/s"
        )
        if args.phases:
            # _apply's own time includes the bulk insert; reading and validating rows is what
            # no step covers.
            spent["apply (rest)"] -= spent["bulk insert + R*Tree"]
            spent["read + validate rows"] = seconds - sum(spent.values())
            for step, took in spent.items():
                print(f"    {step:22} {took / args.rows * 1e6:6.1f} µs a row")


if __name__ == "__main__":
    main()
