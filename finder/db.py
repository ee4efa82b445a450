"""Database wiring: the declarative base, one engine per app, one session per request."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from flask import Flask, current_app, g
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker


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
    cur = dbapi_conn.cursor()
    for pragma in (
        "journal_mode=WAL",
        "synchronous=FULL",
        "busy_timeout=5000",
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


def init_app(app: Flask) -> None:
    """Give the app its engine and a request-scoped session that is closed after each request."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["finder.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


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


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, other: Any) -> bool:
    """For migrations: leave the spatial index's own objects (R*Tree, PostGIS) to spatial.py."""
    from finder.spatial import UNMODELLED

    return name not in UNMODELLED


def create_schema(bind: sa.Engine) -> None:
    """Migrate the database to the newest schema (safe to run again)."""
    with bind.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
