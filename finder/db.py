"""Database wiring: the declarative base, one engine per app, one session per request, and
writers taking turns."""

from __future__ import annotations

import math
import sqlite3
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from flask import Flask, current_app, g, make_response, render_template, request
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from werkzeug.wrappers import Response

# Seconds a short write (a sign-in, an edit) waits for SQLite's one writer, such as an
# import's write phase (about 4 s at 100,000 rows), before giving up: well inside gunicorn's
# 30 s worker timeout, so a wait ends in an answer, not a killed worker.
BUSY_TIMEOUT = 15.0
RETRY_AFTER = 60  # seconds a refused writer is told to wait (the Retry-After header)
LOCKED = "An import is running; try again in a minute."
ANOTHER_IMPORT = "Another import is running; try again in a minute."
# PostgreSQL advisory lock that imports and spatial index repairs take in turn.
IMPORT_LOCK = 0x4E45_5446  # "NETF"
POLL = 0.25  # seconds between a waiting import's tries for SQLite's write lock


class Busy(Exception):
    """Another writer held the database for longer than this one would wait."""


class Base(DeclarativeBase):
    """Base class of every mapped table."""


def make_engine(url: str) -> sa.Engine:
    """Create an engine for a database URL, with SQLite tuned for a small web server."""
    if not url.startswith("sqlite"):
        if url.startswith("postgresql"):
            import geoalchemy2  # noqa: F401  (teaches SQLAlchemy the geography type)
        # JIT compilation costs more than these short queries take (measured: half of a
        # 50-mile search at 1M listings).
        return sa.create_engine(url, pool_pre_ping=True, connect_args={"options": "-c jit=off"})
    engine = sa.create_engine(url)
    sa.event.listen(engine, "connect", _sqlite_connect)
    return engine


def _sqlite_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    # WAL lets readers run during an import; FULL sync because a committed import must survive
    # power loss; the busy timeout lets two writers queue instead of failing.
    #
    # Transactions stay as Python's sqlite3 opens them: BEGIN just before the first INSERT,
    # UPDATE or DELETE, so reads before it take no snapshot. A transaction that read first
    # and then writes gets "database is locked" at once, busy timeout or not, whenever another
    # writer holds the lock (SQLite won't let a stale snapshot wait), and most admin writes
    # read first. Work that must be one transaction from its first statement, DDL included
    # (an import), opens it explicitly with lock_writes().
    cur = dbapi_conn.cursor()
    for pragma in (
        "journal_mode=WAL",
        "synchronous=FULL",
        f"busy_timeout={int(BUSY_TIMEOUT * 1000)}",
        "foreign_keys=ON",
    ):
        cur.execute(f"PRAGMA {pragma}")
    try:
        cur.execute("SELECT sin(0)")
    except sqlite3.OperationalError:
        # SQLite built without its math functions: provide the ones search's SQL uses.
        for name in ("sin", "cos", "asin", "sqrt", "radians"):
            dbapi_conn.create_function(name, 1, getattr(math, name), deterministic=True)
    cur.close()


def lock_writes(conn: sa.Connection, wait: float) -> None:
    """Make this connection's transaction the one bulk writer (an import, an index repair),
    waiting up to `wait` seconds for another to finish; raises Busy if it doesn't.

    SQLite: BEGIN IMMEDIATE, so everything after, DDL included, is in one transaction that
    holds the write lock. PostgreSQL: an advisory lock until the transaction ends (other
    writes go on; imports and repairs take turns).
    """
    if conn.dialect.name == "postgresql":
        _lock_postgresql(conn, wait)
        return
    raw = conn.connection.dbapi_connection
    assert isinstance(raw, sqlite3.Connection)
    if raw.in_transaction:
        return  # sqlite3 opened it at a write, so this transaction holds the lock already
    deadline = time.monotonic() + wait
    cur = raw.cursor()
    try:
        # Try without SQLite's busy wait and sleep between tries, so the short writes
        # (sign-ins, edits) queued behind a running import get in before this one does.
        cur.execute("PRAGMA busy_timeout = 0")
        while True:
            try:
                cur.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not is_locked(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise Busy(ANOTHER_IMPORT) from None
            time.sleep(min(POLL, max(0.0, deadline - time.monotonic())))
    finally:
        cur.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
        cur.close()


def _lock_postgresql(conn: sa.Connection, wait: float) -> None:
    if wait <= 0:
        if not conn.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(IMPORT_LOCK))):
            raise Busy(ANOTHER_IMPORT)
        return
    before = conn.scalar(sa.text("SELECT current_setting('lock_timeout')"))
    conn.execute(sa.select(sa.func.set_config("lock_timeout", f"{int(wait * 1000)}ms", True)))
    try:
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(IMPORT_LOCK)))
    except sa.exc.OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available
            raise Busy(ANOTHER_IMPORT) from None
        raise
    conn.execute(sa.select(sa.func.set_config("lock_timeout", before, True)))


def is_locked(exc: BaseException) -> bool:
    """True for SQLite's "database is locked": a writer waited out the busy timeout."""
    orig = getattr(exc, "orig", exc)
    code = getattr(orig, "sqlite_errorcode", None) or 0
    return isinstance(orig, sqlite3.OperationalError) and code & 0xFF == sqlite3.SQLITE_BUSY


def init_app(app: Flask) -> None:
    """Give the app its engine and a request-scoped session that is closed after each request;
    a write that found the database busy is answered 503 with Retry-After, never a 500."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["finder.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)
    app.register_error_handler(Busy, _busy)
    app.register_error_handler(sa.exc.OperationalError, _locked)


def _locked(exc: sa.exc.OperationalError) -> Response:
    if not is_locked(exc):
        raise exc  # any other database failure stays a 500
    return _busy(Busy(LOCKED))


def _busy(exc: Busy) -> Response:
    s = g.get("db_session")
    if s is not None:
        s.rollback()  # the page below reads through the same session
    if request.path.startswith("/api/"):  # the API's error body, as api.error() writes it
        response = make_response({"error": {"code": "busy", "message": str(exc)}})
    else:
        response = make_response(render_template("errors/busy.html", message=str(exc)))
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def engine() -> sa.Engine:
    """The current app's engine."""
    maker: sessionmaker[Session] = current_app.extensions["finder.sessionmaker"]
    bind = maker.kw["bind"]
    assert isinstance(bind, sa.Engine)
    return bind


def session() -> Session:
    """The session of the current app context, opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["finder.sessionmaker"]()
    session: Session = g.db_session
    return session


def _close_session(_exc: BaseException | None) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        s.close()


MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: sa.Connection) -> Config:
    """Alembic's configuration for migrating over this connection (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def create_schema(bind: sa.Engine) -> None:
    """Migrate the database to the newest schema (safe to run again)."""
    with bind.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
