#!/usr/bin/env python3
"""Import speed: a generated file of N rows into a fresh SQLite database, rows per second.

    .venv/bin/python scripts/bench_import.py [--rows 100000]

Runs twice: rows with coordinates given, and the same rows without them (located by the
offline ZIP table). Each run is one transaction through finder.importer.load_csv, the same
function the CLI and the admin upload use.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from finder import create_app, db, importer, synth  # noqa: E402
from finder.geocode import zip_table  # noqa: E402
from finder.states import in_state  # noqa: E402


def generated(n: int, coordinates: bool) -> bytes:
    """A listings CSV of n synthetic rows, with or without latitude/longitude."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=synth.CSV_FIELDS)
    writer.writeheader()
    for row in synth.listings(n):
        if not coordinates:
            row["latitude"] = row["longitude"] = ""
        writer.writerow(row)
    return out.getvalue().encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    zip_table(), in_state(42.3, -71.1, "MA")  # one-time loads, not import cost
    for label, coordinates in (("coordinates given", True), ("offline ZIP geocoding", False)):
        data = generated(args.rows, coordinates)
        app = create_app({"DATABASE_URL": f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"})
        with app.app_context():
            db.create_schema(db.engine())
            start = time.perf_counter()
            report = importer.load_csv(db.session(), data, "bench", filename="bench.csv")
            seconds = time.perf_counter() - start
        assert report.applied and report.created == args.rows, report.problems[:3]
        print(
            f"{label:24} {args.rows:>8,} rows in {seconds:6.2f} s = "
            f"{args.rows / seconds:>8,.0f} rows/s"
        )


if __name__ == "__main__":
    main()
