"""Attendance (start and end of a manager's working day) and indexes for planning facts.

The partial indexes let :mod:`fieldapp.store.planning_facts` read every
customer's latest visit, last failed items, open complaints and recent orders
from index pages alone (tens of milliseconds for 5,000 customers).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
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
        "attendance",
        *_sync_columns(),
        sa.Column("manager_id", sa.Text),
        sa.Column("work_date", sa.Date, nullable=False),
        sa.Column("started_at", sa.Text, nullable=False),
        sa.Column("ended_at", sa.Text),
        sa.Column("start_latitude", sa.Float),
        sa.Column("start_longitude", sa.Float),
        sa.Column("end_latitude", sa.Float),
        sa.Column("end_longitude", sa.Float),
    )
    op.create_index("ix_attendance_manager_date", "attendance", ["manager_id", "work_date"])
    op.create_index("ix_visits_live_customer", "visits",
                    ["customer_id", "check_in_at", "status", "id", "template_id"],
                    sqlite_where=sa.text("deleted = 0"))
    op.create_index("ix_checklist_answers_failed", "checklist_answers", ["visit_id", "item_key"],
                    sqlite_where=sa.text("result = 'fail' AND deleted = 0"))
    op.create_index("ix_visit_notes_complaints", "visit_notes", ["visit_id"],
                    sqlite_where=sa.text("deleted = 0 AND complaints != ''"))
    op.create_index("ix_purchase_history_live", "purchase_history", ["customer_id", "month", "cartons"],
                    sqlite_where=sa.text("deleted = 0"))


def downgrade() -> None:
    for name, table in (("ix_purchase_history_live", "purchase_history"),
                        ("ix_visit_notes_complaints", "visit_notes"),
                        ("ix_checklist_answers_failed", "checklist_answers"),
                        ("ix_visits_live_customer", "visits")):
        op.drop_index(name, table_name=table)
    op.drop_table("attendance")
