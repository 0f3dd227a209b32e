"""Sync bookkeeping: key/value sync state (server, user, pull cursor) and local conflict records.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "sync_conflicts",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("server_conflict_id", sa.Text),
        sa.Column("seq", sa.Integer),
        sa.Column("entity", sa.Text, nullable=False),
        sa.Column("row_id", sa.Text, nullable=False),
        sa.Column("fields", sa.Text, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("server_version", sa.Integer),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("resolved_at", sa.Text),
        sa.Column("resolution", sa.Text),
    )
    op.create_index("ix_sync_conflicts_open", "sync_conflicts", ["resolved_at", "created_at"])
    op.create_index("ix_sync_conflicts_row", "sync_conflicts", ["entity", "row_id"])


def downgrade() -> None:
    op.drop_table("sync_conflicts")
    op.drop_table("sync_state")
