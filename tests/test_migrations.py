"""Migrations: an empty database upgrades to head, and head matches the models."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from finder import db
from finder.db import include_object


def test_head_matches_the_models(app: Flask) -> None:
    with app.app_context(), db.engine().connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": include_object, "compare_type": True}
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
