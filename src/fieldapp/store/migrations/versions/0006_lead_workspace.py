"""Team lead workspace: visit review events, AB cover periods, team members (all synced).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _sync_columns():
    return [
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.text("0")),
        sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("0")),
    ]


def upgrade() -> None:
    op.create_table(
        "visit_reviews",
        *_sync_columns(),
        sa.Column("visit_id", sa.Text, sa.ForeignKey("visits.id"), nullable=False),
        sa.Column("customer_id", sa.Text, nullable=False),
        sa.Column("author_id", sa.Text),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at_client", sa.Text, nullable=False),
        sa.Column("position", sa.Integer),
    )
    op.create_index("ix_visit_reviews_visit", "visit_reviews", ["visit_id", "position"])
    op.create_table(
        "cover_periods",
        *_sync_columns(),
        sa.Column("manager_id", sa.Text, nullable=False),
        sa.Column("backup_id", sa.Text, nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("cancelled", sa.Boolean, nullable=False, server_default=sa.text("0")),
    )
    op.create_index("ix_cover_periods_backup", "cover_periods", ["backup_id", "start_date"])
    op.create_index("ix_cover_periods_manager", "cover_periods", ["manager_id", "start_date"])
    op.create_table(
        "team_members",
        *_sync_columns(),
        sa.Column("username", sa.Text, nullable=False),
        sa.Column("display_name", sa.Text, nullable=False, server_default=""),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("team_id", sa.Text),
        sa.Column("backup_id", sa.Text),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.text("1")),
    )
    op.create_index("ix_team_members_team", "team_members", ["team_id"])


def downgrade() -> None:
    op.drop_table("team_members")
    op.drop_table("cover_periods")
    op.drop_table("visit_reviews")
