"""admin_user.session_version: signing out or a new password ends every session of that admin

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing admins start at 0; the sessions they have now name no version at all, so
    # everyone signs in once more after this upgrade.
    with op.batch_alter_table("admin_user") as batch:
        batch.add_column(
            sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("admin_user") as batch:
        batch.drop_column("session_version")
