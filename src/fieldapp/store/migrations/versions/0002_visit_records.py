"""Visit records: visits, checklist answers, visit notes, follow-ups, attachments.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
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
        "visits",
        *_sync_columns(),
        sa.Column("customer_id", sa.Text, sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("visit_type", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("manager_id", sa.Text),
        sa.Column("on_behalf_of", sa.Text),
        sa.Column("check_in_at", sa.Text),
        sa.Column("check_out_at", sa.Text),
        sa.Column("latitude", sa.Float),
        sa.Column("longitude", sa.Float),
        sa.Column("template_id", sa.Text),
        sa.Column("template_version", sa.Integer),
        sa.Column("score", sa.Float),
    )
    op.create_index("ix_visits_customer", "visits", ["customer_id", "check_in_at"])
    op.create_table(
        "checklist_answers",
        *_sync_columns(),
        sa.Column("visit_id", sa.Text, sa.ForeignKey("visits.id"), nullable=False),
        sa.Column("item_key", sa.Text, nullable=False),
        sa.Column("result", sa.Text),
        sa.Column("count", sa.Integer),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_checklist_answers_visit_item", "checklist_answers", ["visit_id", "item_key"])
    op.create_table(
        "visit_notes",
        *_sync_columns(),
        sa.Column("visit_id", sa.Text, sa.ForeignKey("visits.id"), nullable=False),
        sa.Column("needs", sa.Text, nullable=False, server_default=""),
        sa.Column("concerns", sa.Text, nullable=False, server_default=""),
        sa.Column("complaints", sa.Text, nullable=False, server_default=""),
        sa.Column("market_info", sa.Text, nullable=False, server_default=""),
        sa.Column("abnormalities", sa.Text, nullable=False, server_default=""),
        sa.Column("advice", sa.Text, nullable=False, server_default=""),
        sa.Column("free_text", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_visit_notes_visit", "visit_notes", ["visit_id"])
    op.create_table(
        "follow_ups",
        *_sync_columns(),
        sa.Column("customer_id", sa.Text, sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("visit_id", sa.Text, sa.ForeignKey("visits.id")),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("due_date", sa.Date),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("owner_id", sa.Text),
        sa.Column("source_item_key", sa.Text),
    )
    op.create_index("ix_follow_ups_customer_status", "follow_ups", ["customer_id", "status"])
    op.create_table(
        "attachments",
        *_sync_columns(),
        sa.Column("visit_id", sa.Text, sa.ForeignKey("visits.id"), nullable=False),
        sa.Column("item_key", sa.Text),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("mime_type", sa.Text, nullable=False),
        sa.Column("size_bytes", sa.Integer, nullable=False),
    )
    op.create_index("ix_attachments_visit", "attachments", ["visit_id"])


def downgrade() -> None:
    for table in ("attachments", "follow_ups", "visit_notes", "checklist_answers", "visits"):
        op.drop_table(table)
