"""The audit log of authentication events and decisions (docs/security.md).

Revision ID: s0003
Revises: s0002
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "s0003"
down_revision = "s0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("event", sa.Text, nullable=False),
        sa.Column("actor_id", sa.Text),
        sa.Column("actor", sa.Text),
        sa.Column("device_id", sa.Text),
        sa.Column("target", sa.Text),
        sa.Column("client_ip", sa.Text),
        sa.Column("request_id", sa.Text),
        sa.Column("detail", sa.JSON(none_as_null=True)),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_actor", "audit_log", ["actor_id", "at"])
    op.create_index("ix_audit_log_event", "audit_log", ["event", "at"])


def downgrade() -> None:
    op.drop_table("audit_log")
