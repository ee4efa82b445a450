"""The same directory gives the same answers on SQLite (R*Tree) and PostgreSQL (PostGIS)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from flask import Flask

from finder import create_app, db
from finder.directory import importer, rows, synth
from finder.places.geocode import locate
from finder.search.nearby import Filters, nearby
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="runs in the PostgreSQL pass of scripts/test"
)
ORIGINS = [z for z, _ in synth.METROS][:25] + ["59101", "82001", "04401", "99701", "96720"]


def answers(app: Flask) -> list[list[tuple[int, float]]]:
    out = []
    with app.app_context():
        session = db.session()
        for z in ORIGINS:
            origin = locate(z)
            for radius, filters, limit in (
                (50, Filters(), 50),
                (5, Filters(), 20),
                (100, Filters(site="pancreas"), 30),
            ):
                results = nearby(session, origin, radius, filters, limit)
                out.append([(r.listing.external_id, r.distance_miles) for r in results.nearby])
                out.append([(r.listing.external_id, r.distance_miles) for r in results.remote])
    return out


def test_search_results_match_across_engines(app: Flask, tmp_path: Any) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=rows.COLUMNS)
    writer.writeheader()
    writer.writerows(synth.listings(4000, seed=11))
    data = out.getvalue().encode()
    lite = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'lite.sqlite'}"})
    for each in (app, lite):
        with each.app_context():
            db.create_schema(db.engine())
            assert importer.load_csv(db.session(), data, "synth").created == 4000
    postgres, sqlite = answers(app), answers(lite)
    assert sum(len(a) for a in sqlite) > 1000
    for pg, sl in zip(postgres, sqlite, strict=True):
        assert [i for i, _ in pg] == [i for i, _ in sl]
        for (_, a), (_, b) in zip(pg, sl, strict=True):
            if a is None or b is None:
                assert a == b
            else:
                assert a == pytest.approx(b, rel=0.001, abs=1e-6)
