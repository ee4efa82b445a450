"""Writers taking turns: two imports at once, and admin sign-ins and uploads while an import
writes, end cleanly (no 500, no traceback); reads never wait."""

from __future__ import annotations

import contextlib
import io
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from finder import accounts, db
from finder.directory import importer
from finder.models import ImportRun, Listing
from finder.search import index
from tests.conftest import HEADER
from tests.test_admin import EMAIL, PASSWORD, form_token, login
from tests.test_spatial_index import Output, sqlite_only, start_import

BUSY = "Another import is running; try again in a minute."
ROW = "a1,doctor,Dr. A,1 St,Boston,MA,02115,,,,no\n"


@pytest.fixture(autouse=True)
def _admin_account(app: Flask) -> None:
    app.config["SESSION_COOKIE_SECURE"] = False  # the test client talks plain http
    with app.app_context():
        accounts.set_password(db.session(), EMAIL, PASSWORD)


def sign_in(app: Flask) -> int:
    """An admin signing in from a fresh browser: three short writes. The response's status."""
    return login(app.test_client()).status_code


def count(app: Flask, model: type[Listing] | type[ImportRun]) -> int:
    with app.app_context():
        return int(db.session().scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def test_two_big_imports_at_once_both_finish_and_sign_ins_meanwhile_succeed(
    app: Flask, synthetic_csv: Callable[[int], Path]
) -> None:
    url = app.config["DATABASE_URL"]
    data = synthetic_csv(30_000)  # imported as two sources: 60,000 new listings
    procs = [start_import(url, data, source) for source in ("a", "b")]
    outputs = [(Output(proc, proc.stdout), Output(proc)) for proc in procs]

    def writing() -> bool:
        """An import has said it is writing (it holds the write lock until it commits), and
        hasn't ended."""
        return any(
            proc.poll() is None and "Writing" in err.text()
            for proc, (_, err) in zip(procs, outputs, strict=True)
        )

    statuses, while_writing = [], 0
    deadline = time.monotonic() + 300
    while any(p.poll() is None for p in procs) and time.monotonic() < deadline:
        during_a_write = writing()
        statuses.append(sign_in(app))
        if during_a_write:
            while_writing += 1
        # A sign-in every 50 ms while one writes (each waits for the lock); every 0.2 s while
        # both still read their files. Back to back, they would take the imports' CPU.
        time.sleep(0.05 if during_a_write else 0.2)
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.wait(timeout=300) == 0, err.text()
        out.thread.join(timeout=60)
        err.thread.join(timeout=60)
        assert "created         30000" in out.text(), err.text()
        assert "Traceback" not in err.text()
    assert while_writing and set(statuses) == {302}, (while_writing, statuses)
    assert (count(app, Listing), count(app, ImportRun)) == (60_000, 2)
    with app.app_context():
        assert index.check_index(db.engine(), full=True) == []


@contextlib.contextmanager
def import_running(app: Flask) -> Iterator[None]:
    """Another import in its write phase: it holds the lock that imports take."""
    with app.app_context(), db.engine().connect() as conn:
        conn.begin()
        db.lock_writes(conn, 0)
        yield
        conn.rollback()


def test_an_import_while_another_runs_is_refused_in_words(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "small.csv"
    path.write_text(HEADER + ROW, encoding="utf-8")
    with import_running(app), app.app_context():
        args = ["import-csv", str(path), "--source", "partner", "--wait", "0.5"]
        result = runner.invoke(args=args)
    assert result.exit_code == 1 and f"Error: {BUSY}" in result.stderr
    assert isinstance(result.exception, SystemExit)  # a message, not a traceback
    assert count(app, Listing) == 0


def test_an_upload_while_an_import_runs_gets_a_busy_page(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "WAIT", 0.3)  # the web's wait, shortened for the test
    client = app.test_client()
    assert login(client).status_code == 302
    form = {
        "file": (io.BytesIO((HEADER + ROW).encode()), "partner.csv"),
        "source": "partner",
        "csrf_token": form_token(client, "/admin/import"),
    }
    with import_running(app):
        res = client.post("/admin/import", data=form, content_type="multipart/form-data")
    assert res.status_code == 503 and res.headers["Retry-After"] == "60"
    assert BUSY in res.get_data(as_text=True)


@pytest.fixture
def write_lock(app: Flask) -> Iterator[Callable[[float], threading.Event]]:
    """Hold SQLite's write lock (as an import's write phase does) for some seconds, or until
    the test ends; the event is set once it is let go."""
    path = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    threads, test_over = [], threading.Event()

    def hold(seconds: float) -> threading.Event:
        held, released = threading.Event(), threading.Event()

        def run() -> None:
            conn = sqlite3.connect(path, isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO geocode_cache (address, latitude, longitude, created_at) "
                "VALUES ('x', 1, 1, '2026-01-01')"
            )
            held.set()
            test_over.wait(seconds)
            conn.execute("ROLLBACK")
            conn.close()
            released.set()

        threads.append(threading.Thread(target=run, daemon=True))
        threads[-1].start()
        held.wait()
        return released

    yield hold
    test_over.set()
    for thread in threads:
        thread.join()


@sqlite_only
def test_a_sign_in_waits_out_a_long_import_write_and_reads_never_wait(
    app: Flask, write_lock: Callable[[float], threading.Event]
) -> None:
    client = app.test_client()
    assert client.get("/search?q=02115").status_code == 200  # loads the ZIP table first
    # Longer than the old 5 s busy timeout: a 200,000-row file's write phase on a slow disk.
    released = write_lock(7)
    assert client.get("/search?q=02115").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert not released.is_set()  # the reads were answered while the writer held on
    assert sign_in(app) == 302
    assert released.is_set()


@sqlite_only
def test_a_write_that_waits_too_long_gets_a_busy_page(
    app: Flask, monkeypatch: pytest.MonkeyPatch, write_lock: Callable[[float], threading.Event]
) -> None:
    monkeypatch.setattr(db, "BUSY_TIMEOUT", 0.2)
    with app.app_context():
        db.engine().dispose()  # new connections take the short timeout

    @app.get("/api/v1/test-write")  # the API has no writes yet; this one stands in
    def test_write() -> dict[str, str]:
        db.session().execute(sa.text("DELETE FROM geocode_cache"))
        db.session().commit()
        return {}

    client = app.test_client()
    write_lock(300)  # held until the test ends
    page = login(client)
    assert page.status_code == 503 and page.headers["Retry-After"] == "60"
    assert "An import is running; try again in a minute." in page.get_data(as_text=True)
    assert page.mimetype == "text/html"
    api = client.get("/api/v1/test-write")
    assert api.status_code == 503 and api.headers["Retry-After"] == "60"
    assert api.get_json()["error"]["code"] == "busy"
