"""The spatial index's upkeep: its DDL, the bulk insert that keeps it in step, and the check
and repair that start-up, `finder init-db` and /healthz run."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from finder import db
from finder.models import Listing

log = logging.getLogger(__name__)

# SQLite: a point is a box of zero size in the built-in R*Tree. Triggers keep it in step with
# the table, so every writer (ORM, bulk Core insert, raw SQL) updates it.
SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS listing_rtree "
    "USING rtree(id, min_lat, max_lat, min_lon, max_lon)",
    "CREATE TRIGGER IF NOT EXISTS listing_rtree_insert AFTER INSERT ON listing "
    "WHEN new.latitude IS NOT NULL AND new.longitude IS NOT NULL BEGIN "
    "INSERT INTO listing_rtree VALUES "
    "(new.id, new.latitude, new.latitude, new.longitude, new.longitude); END",
    "CREATE TRIGGER IF NOT EXISTS listing_rtree_update AFTER UPDATE OF latitude, longitude "
    "ON listing BEGIN DELETE FROM listing_rtree WHERE id = old.id; "
    "INSERT INTO listing_rtree SELECT new.id, new.latitude, new.latitude, new.longitude, "
    "new.longitude WHERE new.latitude IS NOT NULL AND new.longitude IS NOT NULL; END",
    "CREATE TRIGGER IF NOT EXISTS listing_rtree_delete AFTER DELETE ON listing BEGIN "
    "DELETE FROM listing_rtree WHERE id = old.id; END",
)
# PostgreSQL: a generated geography column, so it can never disagree with latitude/longitude,
# and its GiST index serves ST_DWithin and the <-> nearest-neighbour operator.
POSTGRESQL_DDL = (
    "CREATE EXTENSION IF NOT EXISTS postgis",
    "ALTER TABLE listing ADD COLUMN IF NOT EXISTS geog geography(Point, 4326) "
    "GENERATED ALWAYS AS (CASE WHEN latitude IS NOT NULL AND longitude IS NOT NULL THEN "
    "ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)::geography END) STORED",
    "CREATE INDEX IF NOT EXISTS ix_listing_geog ON listing USING gist (geog)",
)


def bulk_insert(session: Session, rows: list[dict[str, Any]], chunk: int = 5000) -> None:
    """Insert many listings in the session's transaction, keeping the spatial index in step.

    On SQLite the per-row R*Tree trigger costs more than the insert itself, so a big batch
    drops it, fills the R*Tree with one statement, and puts the trigger back, all inside the
    same transaction (a crash rolls all of it back; readers keep their snapshot). The caller
    opens that transaction with db.lock_writes() first.
    """
    table = cast(sa.Table, Listing.__table__)
    if session.get_bind().dialect.name != "sqlite" or len(rows) < 2000:
        for i in range(0, len(rows), chunk):
            session.execute(sa.insert(table), rows[i : i + chunk])
        return
    conn = session.connection()
    raw = conn.connection.dbapi_connection
    if not (isinstance(raw, sqlite3.Connection) and raw.in_transaction):
        # Outside a transaction sqlite3 commits DDL on the spot: a crash after the DROP
        # below would lose the trigger, and every listing added later would be unsearchable.
        raise RuntimeError("bulk_insert needs an open transaction: call db.lock_writes() first")
    names = [c.name for c in table.columns if c.name != "id"]
    compiled = sa.insert(table).compile(dialect=conn.dialect, column_keys=names)
    params = _parameters(rows, [table.c[n] for n in compiled.positiontup or ()], conn.dialect)
    before = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM listing").scalar()
    conn.exec_driver_sql("DROP TRIGGER IF EXISTS listing_rtree_insert")
    conn.exec_driver_sql(str(compiled), params)
    conn.exec_driver_sql(
        "INSERT INTO listing_rtree SELECT id, latitude, latitude, longitude, longitude "
        "FROM listing WHERE id > ? AND latitude IS NOT NULL AND longitude IS NOT NULL",
        (before,),
    )
    conn.exec_driver_sql(SQLITE_DDL[1])


def _parameters(
    rows: list[dict[str, Any]], columns: list[sa.Column[Any]], dialect: sa.Dialect
) -> list[tuple[Any, ...]]:
    """Each row's values in column order, converted as the columns' types bind them for this
    database (tag lists to '|a|b|', dates and times to text), for the DBAPI's executemany."""
    converted = []
    for column in columns:
        name = column.name
        values = [row[name] for row in rows]
        # The database's own converter: the generic type's leaves dates and times to sqlite3's
        # default adapters (deprecated since Python 3.12, and not SQLAlchemy's text format).
        process = column.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            # Most such columns of a big batch hold few distinct values (one timestamp, yes or
            # no): convert each of those once instead of calling the converter for every cell.
            try:
                distinct = set(values)
            except TypeError:  # unhashable values (lists)
                distinct = None
            if distinct is not None and len(distinct) * 4 < len(values):
                done = {v: process(v) for v in distinct}
                values = [done[v] for v in values]
            else:
                values = list(map(process, values))
        converted.append(values)
    return list(zip(*converted, strict=True))


# Keeping the index in step with the table. SQLite's R*Tree is only as right as its triggers,
# and they can be lost (an import interrupted before this release dropped one for good), so
# start-up, `finder init-db` and /healthz check it. PostGIS's GiST index is an ordinary index
# that PostgreSQL keeps in step itself: there, what can go wrong is that it is missing.
SQLITE_TRIGGERS = ("listing_rtree_insert", "listing_rtree_update", "listing_rtree_delete")
_PARTS_SQL = (
    "SELECT name FROM sqlite_master WHERE name IN ('listing', 'listing_rtree', "
    "'listing_rtree_insert', 'listing_rtree_update', 'listing_rtree_delete')"
)
# Each check is one statement, so one snapshot: an import committing meanwhile can't make a
# mismatch appear. listing_rtree_rowid (the R*Tree's own table of ids) counts and finds the
# top id without walking the tree.
_NEWEST_SQL = (
    "WITH newest AS (SELECT id FROM listing WHERE latitude IS NOT NULL AND longitude IS NOT "
    "NULL ORDER BY id DESC LIMIT 1) SELECT (SELECT id FROM newest), "
    "EXISTS (SELECT 1 FROM listing_rtree WHERE id = (SELECT id FROM newest)), "
    "(SELECT max(rowid) FROM listing_rtree_rowid), (SELECT max(id) FROM listing)"
)
_SIZES_SQL = (
    "SELECT (SELECT count(*) FROM listing_rtree_rowid), "
    "(SELECT count(*) FROM listing WHERE latitude IS NOT NULL AND longitude IS NOT NULL)"
)
_COMPARE_SQL = (
    "SELECT (SELECT count(*) FROM listing l WHERE latitude IS NOT NULL AND longitude IS NOT "
    "NULL AND NOT EXISTS (SELECT 1 FROM listing_rtree_rowid r WHERE r.rowid = l.id)), "
    "(SELECT count(*) FROM listing_rtree_rowid r WHERE NOT EXISTS (SELECT 1 FROM listing l "
    "WHERE l.id = r.rowid AND latitude IS NOT NULL AND longitude IS NOT NULL)), "
    # 1e-4 degrees (about 10 m): more than the R*Tree's 32-bit rounding, less than a move.
    "(SELECT count(*) FROM listing_rtree r JOIN listing l ON l.id = r.id WHERE max("
    "abs(r.min_lat - l.latitude), abs(r.max_lat - l.latitude), "
    "abs(r.min_lon - l.longitude), abs(r.max_lon - l.longitude)) > 1e-4)"
)
_FILL_SQL = (
    "INSERT INTO listing_rtree SELECT id, latitude, latitude, longitude, longitude "
    "FROM listing WHERE latitude IS NOT NULL AND longitude IS NOT NULL"
)
REPAIR_WAIT = 30.0  # seconds a repair waits for a running import to finish
NO_RTREE = "the R*Tree table listing_rtree is missing"


@dataclass(frozen=True)
class Repair:
    """What a repair found wrong (nothing when the index matched) and how many listings the
    index now holds."""

    problems: tuple[str, ...]
    listings: int


def check_index(engine: sa.Engine, *, full: bool = False) -> list[str]:
    """What is wrong with the spatial index, in words; empty when it matches the listings (or
    there are no tables yet).

    Cheap enough for /healthz (0.1 ms at 100,000 listings): the index and its triggers exist,
    the R*Tree holds the newest located listing and nothing past the newest listing. `full`
    also compares the counts, which reads every listing (start-up: 20 ms at 100,000).
    """
    with engine.connect() as conn:
        problems = _structure(conn)
        if problems is None or problems or conn.dialect.name != "sqlite":
            return problems or []
        return _counts(conn, full)


def repair_index(engine: sa.Engine, wait: float | None = None) -> Repair:
    """Compare the spatial index with the listings id by id and rebuild it if they differ, in
    one transaction that no import runs beside (db.Busy if one runs longer than `wait`
    seconds, REPAIR_WAIT unless given)."""
    with engine.begin() as conn:
        db.lock_writes(conn, REPAIR_WAIT if wait is None else wait)
        problems = _structure(conn)
        if problems is None:
            return Repair((), 0)
        if conn.dialect.name == "sqlite" and NO_RTREE not in problems:
            problems += _compare(conn)
        if problems:
            return Repair(tuple(problems), _rebuild(conn))
        return Repair((), _indexed(conn))


def ensure_index(engine: sa.Engine) -> list[str]:
    """Check the spatial index at start-up (counts and triggers) and rebuild it if it doesn't
    match, logging what was found; returns the problems found."""
    try:
        problems = check_index(engine, full=True)
    except sa.exc.SQLAlchemyError as exc:
        # A database that is down now may be back before the first request: start anyway,
        # and let /healthz say so meanwhile.
        log.error("Spatial index not checked: %s", exc)
        return []
    if not problems:
        return []
    log.warning("Spatial index does not match the listings: %s.", "; ".join(problems))
    try:
        repair = repair_index(engine)
    except (db.Busy, sa.exc.SQLAlchemyError) as exc:  # an import running; a read-only replica
        log.error("Spatial index not rebuilt (%s). Run `finder init-db` on the primary.", exc)
        return problems
    if repair.problems:
        log.warning("Spatial index rebuilt: %s.", listings_text(repair.listings))
    return problems


def listings_text(n: int) -> str:
    """How many listings, in words: "1 listing", "2,500 listings"."""
    return f"{n:,} listing{'' if n == 1 else 's'}"


def _structure(conn: sa.Connection) -> list[str] | None:
    """Missing parts of the index; None when there is no listing table yet."""
    if conn.dialect.name == "postgresql":
        listing, column, valid = conn.exec_driver_sql(
            "SELECT to_regclass('listing') IS NOT NULL, EXISTS (SELECT 1 FROM pg_attribute "
            "WHERE attrelid = to_regclass('listing') AND attname = 'geog' AND NOT attisdropped), "
            "(SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('ix_listing_geog'))"
        ).one()
        if not listing:
            return None
        if not column:
            return ["column listing.geog is missing"]
        if valid is None:
            return ["index ix_listing_geog is missing"]
        return [] if valid else ["index ix_listing_geog is invalid"]
    if conn.dialect.name != "sqlite":
        return None
    found = set(conn.exec_driver_sql(_PARTS_SQL).scalars())
    if "listing" not in found:
        return None
    if "listing_rtree" not in found:
        return [NO_RTREE]
    return [f"trigger {name} is missing" for name in SQLITE_TRIGGERS if name not in found]


def _counts(conn: sa.Connection, full: bool) -> list[str]:
    """SQLite: the newest located listing is in the R*Tree, no entry is past the newest
    listing, and with `full` the sizes agree (which reads every listing)."""
    problems = []
    if full:
        entries, located = conn.exec_driver_sql(_SIZES_SQL).one()
        if entries != located:
            problems.append(
                f"the R*Tree holds {entries:,} entries for {located:,} located listings"
            )
    newest, indexed, top, last = conn.exec_driver_sql(_NEWEST_SQL).one()
    if newest is not None and not indexed:
        problems.append(f"the newest located listing (#{newest}) is missing from the R*Tree")
    if top is not None and top > (last or 0):
        problems.append(f"the R*Tree has entries past the newest listing (up to #{top})")
    return problems


def _compare(conn: sa.Connection) -> list[str]:
    """SQLite: listings missing from the R*Tree, entries without a listing, and entries not
    where their listing is (as an update the triggers missed would leave them)."""
    missing, stray, moved = conn.exec_driver_sql(_COMPARE_SQL).one()
    problems = []
    if missing:
        one = missing == 1
        problems.append(
            f"{missing:,} located listing{'' if one else 's'} {'is' if one else 'are'} "
            "missing from the R*Tree"
        )
    if stray:
        one = stray == 1
        problems.append(
            f"{stray:,} R*Tree entr{'y' if one else 'ies'} {'has' if one else 'have'} "
            "no located listing"
        )
    if moved:
        problems.append(
            "1 R*Tree entry is not where its listing is"
            if moved == 1
            else f"{moved:,} R*Tree entries are not where their listings are"
        )
    return problems


def _rebuild(conn: sa.Connection) -> int:
    """Create what is missing and refill the index from the listings; how many it holds."""
    if conn.dialect.name == "postgresql":
        for statement in POSTGRESQL_DDL:
            conn.exec_driver_sql(statement)
        if _structure(conn):  # an invalid index is there, so IF NOT EXISTS skipped it
            conn.exec_driver_sql("REINDEX INDEX ix_listing_geog")
        return _indexed(conn)
    for name in SQLITE_TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    # A new R*Tree fills in less than half the time it takes to empty the old one row by row.
    conn.exec_driver_sql("DROP TABLE IF EXISTS listing_rtree")
    conn.exec_driver_sql(SQLITE_DDL[0])
    conn.exec_driver_sql(_FILL_SQL)
    for statement in SQLITE_DDL[1:]:
        conn.exec_driver_sql(statement)
    return _indexed(conn)


def _indexed(conn: sa.Connection) -> int:
    if conn.dialect.name == "sqlite":
        sql = "SELECT count(*) FROM listing_rtree_rowid"
    else:
        sql = "SELECT count(*) FROM listing WHERE geog IS NOT NULL"
    return int(conn.exec_driver_sql(sql).scalar_one())
