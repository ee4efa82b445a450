"""Patients' reports, admin edit history, who verified a listing and which imports made it

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 03:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("listing") as batch:
        batch.add_column(
            sa.Column("verified_by", sa.String(200), server_default="", nullable=False)
        )
        batch.add_column(sa.Column("created_by_import", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("changed_by_import", sa.Integer(), nullable=True))
    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("right_value", sa.Text(), nullable=False),
        sa.Column("email", sa.String(200), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sender_hash", sa.String(64), nullable=True),
        sa.Column("closed_by", sa.String(200), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("result_listing_id", sa.Integer(), nullable=True),
    )
    op.create_index("ix_report_listing_id", "report", ["listing_id"])
    op.create_index("ix_report_sender_hash", "report", ["sender_hash"])
    op.create_index("ix_report_status_created", "report", ["status", "created_at"])
    op.create_table(
        "listing_change",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(50), nullable=False),
        sa.Column("old", sa.Text(), nullable=False),
        sa.Column("new", sa.Text(), nullable=False),
        sa.Column("user", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_listing_change_listing_at", "listing_change", ["listing_id", "at"])


def downgrade() -> None:
    op.drop_table("listing_change")
    op.drop_table("report")
    with op.batch_alter_table("listing") as batch:
        batch.drop_column("changed_by_import")
        batch.drop_column("created_by_import")
        batch.drop_column("verified_by")
