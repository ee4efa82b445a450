"""Shared fixtures: an app with a fresh database per test, its client and CLI runner."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from finder import create_app, db, models  # noqa: F401  (models fill Base.metadata)
from finder.models import Listing

BOSTON = (42.3427, -71.0922)  # the centroid of ZIP 02115 in the shipped table


# The suite runs on SQLite by default; scripts/test runs it again with this set to a real
# PostgreSQL + PostGIS database.
POSTGRES_URL = os.environ.get("FINDER_TEST_DATABASE_URL", "")


@pytest.fixture(scope="session")
def _postgres_migrated() -> bool:
    """Migrate the PostgreSQL test database once per run (tests then empty its tables)."""
    if POSTGRES_URL:
        engine = sa.create_engine(POSTGRES_URL)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.create_schema(engine)
        engine.dispose()
    return bool(POSTGRES_URL)


@pytest.fixture
def database_url(tmp_path: Any, _postgres_migrated: bool) -> str:
    """A fresh, migrated, empty database for one test."""
    if not _postgres_migrated:
        return f"sqlite:///{tmp_path / 'test.sqlite'}"
    engine = sa.create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        tables = [t for t in db.Base.metadata.sorted_tables]
        names = ", ".join(f'"{t.name}"' for t in tables)
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return POSTGRES_URL


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "GEOCODER_MIN_DELAY": 0})
    with app.app_context():
        db.create_schema(db.engine())
    yield app
    with app.app_context():
        db.engine().dispose()


@pytest.fixture
def other_app(app: Flask, database_url: str, tmp_path: Any) -> Iterator[Flask]:
    """A second app on the same database, as another gunicorn worker or app server is."""
    other = create_app({"TESTING": True, "DATABASE_URL": database_url, "GEOCODER_MIN_DELAY": 0})
    other.instance_path = str(tmp_path / "other-server")  # its own disk, like another machine
    yield other
    with other.app_context():
        db.engine().dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


_ids = itertools.count(1)


@pytest.fixture
def add(app: Flask) -> Callable[..., Listing]:
    """Add one published listing (a doctor in Boston unless told otherwise) and return it."""

    def make(**fields: Any) -> Listing:
        values: dict[str, Any] = {
            "kind": "doctor",
            "name": f"Dr. Test {next(_ids)}",
            "latitude": BOSTON[0],
            "longitude": BOSTON[1],
            "city": "Boston",
            "state": "MA",
            "zip": "02115",
            "address": "1 Example Street",
            "source": "test",
            "last_verified": dt.date(2026, 1, 15),
        }
        values.update(fields)
        with app.app_context():
            session = db.session()
            item = Listing(**values)
            session.add(item)
            session.commit()
            session.refresh(item)
            session.expunge(item)
        return item

    return make


class FakeNominatim(BaseHTTPRequestHandler):
    mode = "ok"
    requests: list[dict[str, Any]] = []

    def do_GET(self) -> None:  # noqa: N802
        params = parse_qs(urlparse(self.path).query)
        type(self).requests.append(
            {
                "path": urlparse(self.path).path,
                "params": params,
                "agent": self.headers.get("User-Agent"),
            }
        )
        if self.mode == "slow":
            time.sleep(1.5)
        if self.mode == "down":
            self.send_response(503)
            self.end_headers()
            return
        body = (
            []
            if self.mode == "empty"
            else [
                {
                    "lat": "42.3505",
                    "lon": "-71.0763",
                    "display_name": "1 Example St, Boston, MA",
                    "place_id": 1,
                    "osm_type": "node",
                    "osm_id": 1,
                }
            ]
        )
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake_nominatim() -> Iterator[dict[str, Any]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNominatim)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeNominatim.mode, FakeNominatim.requests = "ok", []
    yield {
        "GEOCODER": "nominatim",
        "GEOCODER_DOMAIN": f"127.0.0.1:{server.server_address[1]}",
        "GEOCODER_SCHEME": "http",
        "GEOCODER_TIMEOUT": 0.5,
        "GEOCODER_USER_AGENT": "net-finder-test",
    }
    server.shutdown()
    server.server_close()
    thread.join()
