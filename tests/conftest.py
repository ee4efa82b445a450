"""Shared fixtures: an app with a fresh database per test, its client and CLI runner, and the
listings files the import tests read."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import itertools
import json
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import jinja2
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.security import generate_password_hash

from finder import accounts, create_app, db, models  # noqa: F401  (models fill Base.metadata)
from finder.directory import synth
from finder.models import Listing

BOSTON = (42.3427, -71.0922)  # in ZIP 02115, 0.26 mi from its Census point (the table's)

# The listings file the import, upload and command line tests start from: a doctor with an
# accented name and no coordinates, a program whose ZIP code lost its leading zero (as Excel
# leaves it) with coordinates, and an online group with no place at all.
HEADER = "external_id,kind,name,address,city,state,zip,latitude,longitude,tumor_sites,virtual\n"
ROWS = [
    "a1,doctor,Dr. Ana Peña,1 Example St,Boston,MA,02115,,,pancreas,no\n",
    "a2,program,Côte NET Center,2 Example Ave,Boston,MA,2115,42.35,-71.07,lung,no\n",
    "a3,support_group,Online NET Circle,,,,,,,,yes\n",
]


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    """A listings file of these rows under the header, as an admin's spreadsheet saves it."""
    return (header + "".join(rows)).encode(encoding)


# The suite runs on SQLite by default; scripts/test runs it again with this set to a real
# PostgreSQL + PostGIS database.
POSTGRES_URL = os.environ.get("FINDER_TEST_DATABASE_URL", "")
# Where SQLite test databases live: in memory (tmpfs) where the machine has it. A test's
# database lives for one test and is thrown away, as the PostgreSQL test cluster is, which
# runs with fsync off for the same reason; on disk every commit would wait for it
# (synchronous=FULL). A killed process still leaves its writes behind, as on disk.
TMPFS = Path("/dev/shm")


@pytest.fixture(scope="session")
def _databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder for this run's SQLite databases, removed when the run ends."""
    if TMPFS.is_dir() and os.access(TMPFS, os.W_OK):
        folder = Path(tempfile.mkdtemp(prefix="finder-tests-", dir=TMPFS))
        yield folder
        shutil.rmtree(folder, ignore_errors=True)
    else:
        yield tmp_path_factory.mktemp("databases")


@pytest.fixture(scope="session")
def _migrated(_databases: Path) -> str:
    """Migrate one database once per run: an SQLite file that each test gets a copy of (a
    copy takes a millisecond, Alembic a hundred), or the PostgreSQL test database, whose
    tables each test then empties."""
    if POSTGRES_URL:
        engine = sa.create_engine(POSTGRES_URL)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.create_schema(engine)
        engine.dispose()
        return POSTGRES_URL
    path = _databases / "migrated.sqlite"
    engine = db.make_engine(f"sqlite:///{path}")
    db.create_schema(engine)
    engine.dispose()
    # The last connection to close checkpointed the WAL into the file and removed it, so the
    # one file holds the whole database.
    assert not Path(f"{path}-wal").exists()
    return str(path)


# Which tables a test wrote to: rows in them, or an id taken (and maybe rolled back) since the
# last TRUNCATE ... RESTART IDENTITY, so ids start at 1 in every test as on a new database.
_WRITTEN_SQL = " UNION ALL ".join(
    f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")"
    + (
        f" OR (SELECT last_value IS NOT NULL FROM pg_sequences WHERE format('%I.%I', "
        f"schemaname, sequencename) = pg_get_serial_sequence('\"{t.name}\"', "
        f"'{t.autoincrement_column.name}'))"
        if t.autoincrement_column is not None
        else ""
    )
    for t in db.Base.metadata.sorted_tables
)


@pytest.fixture(scope="session")
def _postgres(_migrated: str) -> Iterator[sa.Engine | None]:
    """An engine on the PostgreSQL test database for emptying it between tests."""
    if not POSTGRES_URL:
        yield None
        return
    engine = sa.create_engine(POSTGRES_URL)
    yield engine
    engine.dispose()


_databases_made = itertools.count(1)


@pytest.fixture
def database_url(
    request: pytest.FixtureRequest,
    _migrated: str,
    _databases: Path,
    _postgres: sa.Engine | None,
) -> Iterator[str]:
    """A fresh, migrated, empty database for one test."""
    if _postgres is None:
        name = re.sub(r"[^\w.-]+", "-", request.node.name)[:80]
        path = _databases / f"{next(_databases_made)}-{name}.sqlite"
        shutil.copyfile(_migrated, path)
        yield f"sqlite:///{path}"
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        return
    # TRUNCATE costs about 10 ms a table whether or not it holds a row: only the tables the
    # last test wrote to are emptied.
    with _postgres.begin() as conn:
        written = conn.execute(sa.text(_WRITTEN_SQL)).scalars().all()
        if written:
            names = ", ".join(f'"{name}"' for name in written)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    yield POSTGRES_URL


class CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once per run and shared by every test's app, as one server's
    workers each compile a template once: compiling them again for each test's new app took
    a sixth of the suite's time. A template whose source changed is compiled again."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = CompiledTemplates()


def make_app(**config: Any) -> Flask:
    """create_app for a test, its templates compiled once per run."""
    app = create_app({"TESTING": True, **config})
    app.jinja_env.bytecode_cache = TEMPLATES
    return app


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """The app on a fresh database (already migrated: see _migrated)."""
    app = make_app(DATABASE_URL=database_url, GEOCODER_MIN_DELAY=0)
    yield app
    with app.app_context():
        db.engine().dispose()


@pytest.fixture
def other_app(app: Flask, database_url: str, tmp_path: Any) -> Iterator[Flask]:
    """A second app on the same database, as another gunicorn worker or app server is."""
    other = make_app(DATABASE_URL=database_url, GEOCODER_MIN_DELAY=0)
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


# scrypt at werkzeug's default cost takes 0.1 s a hash (0.3 s on a busy machine), and the suite
# signs in hundreds of times: tests hash at a low cost, except those marked full_cost_hashing.
# The hashes are scrypt all the same, and checking reads the cost from the stored hash.
QUICK_HASH = "scrypt:256:8:1"
_QUICK_DUMMY = generate_password_hash("not a password", method=QUICK_HASH)


@pytest.fixture(autouse=True)
def _quick_password_hashes(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("full_cost_hashing"):
        return
    quick = functools.partial(generate_password_hash, method=QUICK_HASH)
    monkeypatch.setattr(accounts, "generate_password_hash", quick)
    monkeypatch.setattr(accounts, "_DUMMY", _QUICK_DUMMY)  # an unknown email costs the same


# Generated listings files, like a partner's big export. synth finds each listing's nearest
# ZIP (50,000 took 3 s here, 6 s on a busy machine), so it makes 10,000 once per run and the
# rest repeat them, each row under an id and name of its own: as many rows to check and write.
SYNTHETIC_LISTINGS = 10_000


@pytest.fixture(scope="session")
def synthetic_csv(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int], Path]:
    """A listings CSV of `rows` generated rows, with no source column, so one file imports as
    many sources as it is given."""
    folder = tmp_path_factory.mktemp("synthetic")
    listings = list(synth.listings(SYNTHETIC_LISTINGS, seed=1))
    made: dict[int, Path] = {}

    def make(rows: int) -> Path:
        if rows not in made:
            made[rows] = folder / f"{rows}.csv"
            with made[rows].open("w", newline="", encoding="utf-8") as out:
                writer = csv.DictWriter(out, fieldnames=synth.CSV_FIELDS)
                writer.writeheader()
                for i in range(rows):
                    row, copy = listings[i % len(listings)], i // len(listings)
                    if copy:
                        row = {
                            **row,
                            "external_id": f"{row['external_id']}-{copy}",
                            "name": f"{row['name']} ({copy + 1})",
                        }
                    writer.writerow(row)
        return made[rows]

    return make


# Seconds a test server takes to notice it is shut down (the standard library's 0.5 s made each
# test that started one half a second longer).
POLL = 0.01


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
        try:
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client timed out and left ("slow"), as it should

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake_nominatim() -> Iterator[dict[str, Any]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNominatim)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(POLL,), daemon=True)
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
