"""The spatial index survives interrupted imports, and init-db, start-up and /healthz find and
repair one that no longer matches the listings."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from finder import create_app, db
from finder.directory import importer
from finder.models import Listing
from finder.paths import ROOT
from finder.places.geocode import locate
from finder.search import index
from finder.search.nearby import nearby
from tests.conftest import HEADER, POSTGRES_URL, make_app

FINDER = Path(sys.executable).parent / "finder"  # the console script, as an admin runs it
BILLINGS = (45.78, -108.51)  # a quiet town: few synthetic listings nearby

sqlite_only = pytest.mark.skipif(
    bool(POSTGRES_URL), reason="SQLite's R*Tree and file locking; runs in the SQLite pass"
)


def start_import(url: str, path: Path, source: str, *options: str) -> subprocess.Popen[str]:
    """`finder import-csv` in its own process, its messages (stderr) readable as they come."""
    return subprocess.Popen(
        [str(FINDER), "import-csv", str(path), "--source", source, *options],
        cwd=ROOT,
        env={**os.environ, "FINDER_DATABASE_URL": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


class Output:
    """A process's stderr (or another of its pipes), read on a thread so the pipe never fills."""

    def __init__(self, proc: subprocess.Popen[str], stream: IO[str] | None = None) -> None:
        self.lines: list[str] = []
        stream = stream or proc.stderr
        assert stream is not None
        self.thread = threading.Thread(target=lambda: self.lines.extend(stream), daemon=True)
        self.thread.start()

    def text(self) -> str:
        return "".join(self.lines)


def new_listing(app: Flask, source: str, lat: float, lon: float) -> int:
    """Import one listing at a place (the small-import path, which the triggers index)."""
    row = f"{source},doctor,Dr. {source},1 Main St,Billings,MT,59101,{lat},{lon},,no\n"
    with app.app_context():
        report = importer.load_csv(db.session(), (HEADER + row).encode(), source)
        assert report.applied and report.created == 1, report.problems
        return int(db.session().scalar(sa.select(Listing.id).where(Listing.source == source)))


def found_near(app: Flask, lat: float, lon: float, miles: float = 1) -> set[int]:
    """Ids a patient's radius search at a place shows."""
    with app.app_context():
        results = nearby(db.session(), locate(lat=lat, lon=lon), miles, limit=200)
        return {r.listing.id for r in results.nearby if not results.outside_radius}


def load(app: Flask, rows: int, source: str = "partner", seed: int = 3) -> None:
    with app.app_context():
        data = "".join(
            f"{source}{i},doctor,Dr. {source} {i},1 St,Boston,MA,02115,"
            f"{42.0 + i / 10000:.5f},-71.09,,no\n"
            for i in range(rows)
        )
        assert importer.load_csv(db.session(), (HEADER + data).encode(), source).applied


def execute(app: Flask, *statements: str) -> None:
    with app.app_context(), db.engine().begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def test_a_failed_big_import_keeps_the_index(app: Flask, monkeypatch: Any) -> None:
    def explode(*args: Any) -> None:
        raise RuntimeError("disk on fire")

    # The bulk path writes 2,500 rows and the R*Tree, then the import fails before commit.
    monkeypatch.setattr(importer, "_run", explode)
    with pytest.raises(RuntimeError, match="disk on fire"):
        load(app, 2500)
    monkeypatch.undo()
    later = new_listing(app, "later", *BILLINGS)
    assert later in found_near(app, *BILLINGS)
    with app.app_context():
        assert index.check_index(db.engine(), full=True) == []


@sqlite_only
def test_an_interrupted_import_keeps_the_index(
    app: Flask, synthetic_csv: Callable[[int], Path]
) -> None:
    """kill -9 and SIGTERM of a 50,000-row `finder import-csv` at points through its write
    phase: nothing of it stays, the database is sound, and the next listing is found."""
    path = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))

    def wal(database: Path) -> int:
        """Bytes in a database's WAL: how far a write into it has got."""
        log = Path(f"{database}-wal")
        return log.stat().st_size if log.exists() else 0

    # A directory to start from, and the size of a whole 50,000-row write phase in the WAL:
    # the kills below are placed by how far the write has got, not by the clock. The same
    # file, imported again as another source, is 50,000 new listings.
    data = synthetic_csv(50_000)
    with app.app_context():
        first = importer.load_csv(db.session(), data.read_bytes(), "first")
        whole = wal(path)
        db.engine().dispose()  # the last connection out moves the WAL into the file
    assert first.applied and first.created == 50_000, first.problems[:3]
    assert whole and not wal(path)
    points = [(0.0, signal.SIGKILL), (0.05, signal.SIGTERM), (0.3, signal.SIGKILL)]
    points += [(0.6, signal.SIGTERM)]
    # Each kill hits an import into its own copy of that directory, so two imports run at once
    # (one reads its file while the other writes); each is placed by its own WAL.
    copies = [path.with_name(f"{path.stem}-{n}.sqlite") for n in range(len(points))]
    todo = list(range(len(points)))
    running: dict[int, tuple[subprocess.Popen[str], Output]] = {}
    try:
        deadline = time.monotonic() + 600
        while (todo or running) and time.monotonic() < deadline:
            while todo and len(running) < 2:
                n = todo.pop(0)
                shutil.copyfile(path, copies[n])
                proc = start_import(f"sqlite:///{copies[n]}", data, "second")
                running[n] = (proc, Output(proc))
            for n, (proc, err) in list(running.items()):
                point, sig = points[n]
                size = wal(copies[n])
                # At 0%: the moment the import says it starts writing (or its first frame).
                if proc.poll() is None and (
                    size <= point * whole or (size == 0 and "Writing" not in err.text())
                ):
                    continue
                proc.send_signal(sig)
                assert proc.wait(timeout=60) == -sig, f"finished before {point:.0%}: {err.text()}"
                del running[n]
            time.sleep(0.002)
        assert not todo and not running, "the imports took over 10 minutes"
        for n, (point, sig) in enumerate(points):  # nothing of it stays; the index works
            with sqlite3.connect(copies[n]) as conn:
                assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
                assert conn.execute("SELECT count(*) FROM listing").fetchone()[0] == 50_000
            restarted = make_app(DATABASE_URL=f"sqlite:///{copies[n]}")
            later = new_listing(restarted, "later", *BILLINGS)
            assert later in found_near(restarted, *BILLINGS), (
                f"lost after {sig.name} at {point:.0%}"
            )
            with restarted.app_context():
                assert index.check_index(db.engine(), full=True) == []
                db.engine().dispose()
    finally:
        for proc, _ in running.values():
            proc.kill()
            proc.wait()
        for copy in copies:
            for leftover in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
                leftover.unlink(missing_ok=True)


def cli(runner: FlaskCliRunner, *args: str) -> Any:
    with runner.app.app_context():
        return runner.invoke(args=list(args))


DAMAGE = {
    "insert trigger": (
        ["DROP TRIGGER listing_rtree_insert"],
        "trigger listing_rtree_insert is missing",
    ),
    "rows missing": (
        ["DELETE FROM listing_rtree WHERE id % 10 = 0"],
        "10 located listings are missing from the R*Tree",
    ),
    "stray rows": (
        ["INSERT INTO listing_rtree VALUES (999999, 1, 1, 1, 1)"],
        "1 R*Tree entry has no located listing",
    ),
    "moved": (
        ["UPDATE listing_rtree SET min_lat = 10, max_lat = 10 WHERE id = 5"],
        "1 R*Tree entry is not where its listing is",
    ),
}


@sqlite_only
@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_init_db_repairs_the_r_tree_and_says_what_it_found(
    app: Flask, runner: FlaskCliRunner, damage: str
) -> None:
    load(app, 100)
    statements, found = DAMAGE[damage]
    execute(app, *statements)
    result = cli(runner, "init-db")
    assert result.exit_code == 0, result.output
    assert found in result.output and "Spatial index rebuilt: 100 listings." in result.output
    later = new_listing(app, "later", *BILLINGS)
    assert later in found_near(app, *BILLINGS)
    assert len(found_near(app, 42.005, -71.09, miles=10)) == 100
    again = cli(runner, "init-db")
    assert "Spatial index: 101 listings, in step." in again.output


@sqlite_only
def test_init_db_brings_back_listings_added_while_the_trigger_was_gone(
    app: Flask, runner: FlaskCliRunner
) -> None:
    execute(app, "DROP TRIGGER listing_rtree_insert")
    lost = new_listing(app, "lost", *BILLINGS)
    assert lost not in found_near(app, *BILLINGS)  # what patients saw before the fix
    result = cli(runner, "init-db")
    assert "1 located listing is missing from the R*Tree" in result.output
    assert lost in found_near(app, *BILLINGS)


@pytest.mark.skipif(not POSTGRES_URL, reason="runs in the PostgreSQL pass of scripts/test")
def test_init_db_rebuilds_a_missing_gist_index(app: Flask, runner: FlaskCliRunner) -> None:
    load(app, 50)
    try:
        execute(app, "DROP INDEX ix_listing_geog")
        with app.app_context():
            assert index.check_index(db.engine()) == ["index ix_listing_geog is missing"]
        assert app.test_client().get("/healthz").status_code == 503
        result = cli(runner, "init-db")
        assert "index ix_listing_geog is missing" in result.output
        assert "Spatial index rebuilt: 50 listings." in result.output
    finally:
        execute(app, *index.POSTGRESQL_DDL)  # other tests share this database
    assert app.test_client().get("/healthz").status_code == 200
    assert len(found_near(app, 42.002, -71.09, miles=5)) == 50


def test_healthz_reports_an_index_that_does_not_match(app: Flask, client: FlaskClient) -> None:
    load(app, 20)
    assert client.get("/healthz").get_json() == {"status": "ok"}
    if POSTGRES_URL:
        execute(app, "DROP INDEX ix_listing_geog")
    else:
        execute(app, "DROP TRIGGER listing_rtree_insert", "DELETE FROM listing_rtree")
    try:
        res = client.get("/healthz")
    finally:
        if POSTGRES_URL:
            execute(app, *index.POSTGRESQL_DDL)
    body = res.get_json()
    assert res.status_code == 503 and body["status"] == "error"
    assert "finder init-db" in body["reason"] and body["problems"]


def test_start_up_check_repairs_and_logs_what_it_found(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    load(app, 30)
    with app.app_context(), caplog.at_level(logging.INFO, logger="finder.search.index"):
        assert index.ensure_index(db.engine()) == []
        assert caplog.records == []  # in step: says nothing
        if POSTGRES_URL:
            execute(app, "DROP INDEX ix_listing_geog")
            problem = "index ix_listing_geog is missing"
        else:
            execute(app, "DROP TRIGGER listing_rtree_insert", "DELETE FROM listing_rtree")
            problem = "trigger listing_rtree_insert is missing"
        assert problem in index.ensure_index(db.engine())
        assert index.check_index(db.engine(), full=True) == []
    logged = caplog.text
    assert problem in logged and "Spatial index rebuilt: 30 listings" in logged


def test_start_up_check_during_an_import_leaves_the_repair_to_init_db(
    app: Flask, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(app, 30)
    if POSTGRES_URL:
        execute(app, "DROP INDEX ix_listing_geog")
    else:
        execute(app, "DROP TRIGGER listing_rtree_insert")
    monkeypatch.setattr(index, "REPAIR_WAIT", 0.3)
    try:
        with app.app_context(), db.engine().connect() as other, caplog.at_level(logging.INFO):
            other.begin()
            db.lock_writes(other, 0)  # an import in its write phase
            assert index.ensure_index(db.engine())  # starts anyway, with the problem known
            other.rollback()
            assert app.test_client().get("/healthz").status_code == 503
    finally:
        if POSTGRES_URL:
            execute(app, *index.POSTGRESQL_DDL)
    assert "Another import is running" in caplog.text and "finder init-db" in caplog.text


def test_start_up_check_on_a_new_database_is_quiet(tmp_path: Path) -> None:
    fresh = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite'}"})
    with fresh.app_context():
        assert index.ensure_index(db.engine()) == []  # no tables yet: init-db makes them


def test_app_start_repairs_the_index_before_any_search(
    app: Flask, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    load(app, 30)
    if POSTGRES_URL:
        execute(app, "DROP INDEX ix_listing_geog")
    else:
        execute(app, "DROP TRIGGER listing_rtree_insert", "DELETE FROM listing_rtree")
    with caplog.at_level(logging.INFO, logger="finder.search.index"):
        restarted = create_app({"TESTING": True, "DATABASE_URL": database_url})
    assert "Spatial index rebuilt: 30 listings" in caplog.text
    with restarted.app_context():
        assert index.check_index(db.engine(), full=True) == []
        db.engine().dispose()
    assert restarted.test_client().get("/healthz").get_json() == {"status": "ok"}
