"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 06:33:24.881084
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The spatial index as this migration made it, written out here so that the migration never
# changes when today's code does (finder/search/index.py holds the live copy).
SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS listing_rtree USING rtree(id, min_lat, max_lat, min_lon, max_lon)",
    "CREATE TRIGGER IF NOT EXISTS listing_rtree_insert AFTER INSERT ON listing WHEN new.latitude IS NOT NULL AND new.longitude IS NOT NULL BEGIN INSERT INTO listing_rtree VALUES (new.id, new.latitude, new.latitude, new.longitude, new.longitude); END",
    "CREATE TRIGGER IF NOT EXISTS listing_rtree_update AFTER UPDATE OF latitude, longitude ON listing BEGIN DELETE FROM listing_rtree WHERE id = old.id; INSERT INTO listing_rtree SELECT new.id, new.latitude, new.latitude, new.longitude, new.longitude WHERE new.latitude IS NOT NULL AND new.longitude IS NOT NULL; END",
    "CREATE TRIGGER IF NOT EXISTS listing_rtree_delete AFTER DELETE ON listing BEGIN DELETE FROM listing_rtree WHERE id = old.id; END",
)
POSTGRESQL_DDL = (
    "CREATE EXTENSION IF NOT EXISTS postgis",
    "ALTER TABLE listing ADD COLUMN IF NOT EXISTS geog geography(Point, 4326) GENERATED ALWAYS AS (CASE WHEN latitude IS NOT NULL AND longitude IS NOT NULL THEN ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)::geography END) STORED",
    "CREATE INDEX IF NOT EXISTS ix_listing_geog ON listing USING gist (geog)",
)


def upgrade() -> None:
    op.create_table(
        "admin_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "geocode_cache",
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("address"),
    )
    op.create_table(
        "import_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("user", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("unpublished", sa.Integer(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "listing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("credentials", sa.String(length=100), nullable=False),
        sa.Column("specialties", sa.String(length=400), nullable=False),
        sa.Column("organization", sa.String(length=200), nullable=False),
        sa.Column("services", sa.String(length=400), nullable=False),
        sa.Column("tumor_sites", sa.String(length=400), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("address2", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("zip", sa.String(length=10), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("website", sa.String(length=500), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("precision", sa.String(length=10), nullable=False),
        sa.Column("telehealth", sa.Boolean(), nullable=False),
        sa.Column("virtual", sa.Boolean(), nullable=False),
        sa.Column("languages", sa.String(length=400), nullable=False),
        sa.Column("meeting_schedule", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("last_verified", sa.Date(), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('doctor', 'program', 'support_group')", name="ck_listing_kind"
        ),
        sa.CheckConstraint(
            "latitude IS NULL OR (latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180)",
            name="ck_listing_coordinates",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "external_id", name="uq_listing_source_external_id"),
    )
    op.create_index(
        "ix_listing_online",
        "listing",
        ["name"],
        unique=False,
        sqlite_where=sa.text("virtual = 1"),
        postgresql_where=sa.text("virtual"),
    )
    op.create_index(
        "ix_listing_telehealth_state",
        "listing",
        ["state"],
        unique=False,
        sqlite_where=sa.text("telehealth = 1 AND virtual = 0"),
        postgresql_where=sa.text("telehealth AND NOT virtual"),
    )
    # The spatial index: SQLite's R*Tree and its triggers, or PostGIS's geography column.
    # (A later change to the index needs its own migration.)
    ddl = {"sqlite": SQLITE_DDL, "postgresql": POSTGRESQL_DDL}.get(op.get_bind().dialect.name, ())
    for statement in ddl:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS listing_rtree")
    op.drop_index("ix_listing_telehealth_state", table_name="listing")
    op.drop_index("ix_listing_online", table_name="listing")
    op.drop_table("listing")
    op.drop_table("import_run")
    op.drop_table("geocode_cache")
    op.drop_table("admin_user")
