"""Migrations: an empty database upgrades to head, and head matches the models."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from finder import db
from finder.models import UNMODELLED

T0 = dt.datetime(2026, 3, 1, 12, 0)
INSERT_ADMIN = (
    "INSERT INTO admin_user (email, password_hash, created_at) "
    "VALUES (:email, :password_hash, :created_at)"
)
SELECT_ADMIN = "SELECT email, password_hash, session_version FROM admin_user"


def test_head_matches_the_models(app: Flask) -> None:
    with app.app_context(), db.engine().connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "include_object": lambda obj, name, *_: name not in UNMODELLED,
                "compare_type": True,
            },
        )
        assert compare_metadata(context, db.Base.metadata) == []
        assert context.get_current_revision() is not None


def test_spatial_index_exists(app: Flask) -> None:
    with app.app_context(), db.engine().connect() as conn:
        inspector = sa.inspect(conn)
        if conn.dialect.name == "sqlite":
            assert "listing_rtree" in inspector.get_table_names()
        else:
            columns = {c["name"] for c in inspector.get_columns("listing")}
            assert "geog" in columns
            assert "ix_listing_geog" in {i["name"] for i in inspector.get_indexes("listing")}


def test_upgrade_is_safe_to_run_again(app: Flask) -> None:
    with app.app_context():
        db.create_schema(db.engine())
        db.create_schema(db.engine())
        assert db.session().execute(sa.text("SELECT count(*) FROM listing")).scalar() == 0


def test_0003_keeps_every_admin_and_gives_each_a_session_version(
    database_url: str, tmp_path: Path
) -> None:
    if database_url.startswith("sqlite"):
        database_url = f"sqlite:///{tmp_path / 'at-0002.sqlite'}"  # a database of its own
    engine = db.make_engine(database_url)
    admin = {"email": "admin@example.org", "password_hash": "scrypt:x", "created_at": T0}
    try:
        # On PostgreSQL: the shared test database, inside one transaction that is rolled back,
        # so it stays at head for the other tests.
        with engine.connect() as conn, conn.begin() as outer:
            config = db.alembic_config(conn)
            if MigrationContext.configure(conn).get_current_revision():
                command.downgrade(config, "0002")
            command.upgrade(config, "0002")
            conn.execute(sa.text(INSERT_ADMIN), admin)
            command.upgrade(config, "head")
            rows = conn.execute(sa.text(SELECT_ADMIN)).all()
            assert [tuple(r) for r in rows] == [("admin@example.org", "scrypt:x", 0)]
            command.downgrade(config, "0002")
            columns = {c["name"] for c in sa.inspect(conn).get_columns("admin_user")}
            assert "session_version" not in columns
            command.upgrade(config, "head")
            outer.rollback()
    finally:
        engine.dispose()


def test_0004_says_nominatim_gave_every_answer_cached_before_it(
    database_url: str, tmp_path: Path
) -> None:
    if database_url.startswith("sqlite"):
        database_url = f"sqlite:///{tmp_path / 'at-0003.sqlite'}"  # a database of its own
    engine = db.make_engine(database_url)
    insert = (
        "INSERT INTO geocode_cache (address, latitude, longitude, created_at) "
        "VALUES (:address, :latitude, :longitude, :created_at)"
    )
    cached = [
        {"address": "1 Example St, Boston, MA, 02115", "latitude": 42.35, "longitude": -71.07},
        {"address": "99 Nowhere Ln, Boston, MA, 02115", "latitude": None, "longitude": None},
    ]
    try:
        with engine.connect() as conn, conn.begin() as outer:
            config = db.alembic_config(conn)
            if MigrationContext.configure(conn).get_current_revision():
                command.downgrade(config, "0003")
            command.upgrade(config, "0003")
            conn.execute(sa.text(insert), [{**c, "created_at": T0} for c in cached])
            command.upgrade(config, "head")
            rows = conn.execute(
                sa.text("SELECT address, latitude, service FROM geocode_cache ORDER BY address")
            ).all()
            assert [tuple(r) for r in rows] == [
                ("1 Example St, Boston, MA, 02115", 42.35, "nominatim"),
                ("99 Nowhere Ln, Boston, MA, 02115", None, "nominatim"),
            ]
            command.downgrade(config, "0003")
            columns = {c["name"] for c in sa.inspect(conn).get_columns("geocode_cache")}
            assert "service" not in columns and "latitude" in columns
            command.upgrade(config, "head")
            outer.rollback()
    finally:
        engine.dispose()
