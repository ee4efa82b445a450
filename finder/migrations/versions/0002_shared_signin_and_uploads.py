"""failed sign-ins and pending uploads in the database, shared by every app server

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signin_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_signin_failure_key_at", "signin_failure", ["key_hash", "failed_at"])
    op.create_index("ix_signin_failure_failed_at", "signin_failure", ["failed_at"])
    op.create_table(
        "pending_upload",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("skip_invalid", sa.Boolean(), nullable=False),
        sa.Column("replace_source", sa.Boolean(), nullable=False),
        sa.Column("user", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_pending_upload_created_at", "pending_upload", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_pending_upload_created_at", table_name="pending_upload")
    op.drop_table("pending_upload")
    op.drop_index("ix_signin_failure_failed_at", table_name="signin_failure")
    op.drop_index("ix_signin_failure_key_at", table_name="signin_failure")
    op.drop_table("signin_failure")
