"""geocode_cache.service: which online geocoder gave each cached answer

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 01:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("geocode_cache") as batch:
        batch.add_column(sa.Column("service", sa.String(20), server_default="", nullable=False))
    # Before this revision Nominatim was the only online geocoder, so it gave every answer.
    op.execute("UPDATE geocode_cache SET service = 'nominatim'")


def downgrade() -> None:
    with op.batch_alter_table("geocode_cache") as batch:
        batch.drop_column("service")
