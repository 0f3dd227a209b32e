"""Customer files, purchase history, checklist templates, the change journal and search.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
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
        "profile_meta",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "customers",
        *_sync_columns(),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("licence_no", sa.Text, nullable=False),
        sa.Column("licence_expiry", sa.Date),
        sa.Column("store_name", sa.Text, nullable=False),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("phone", sa.Text, nullable=False, server_default=""),
        sa.Column("address", sa.Text, nullable=False, server_default=""),
        sa.Column("latitude", sa.Float),
        sa.Column("longitude", sa.Float),
        sa.Column("market_type", sa.Text, nullable=False),
        sa.Column("business_format", sa.Text, nullable=False),
        sa.Column("grade", sa.Integer, nullable=False),
        sa.Column("customer_class", sa.Text, nullable=False),
        sa.Column("route", sa.Text, nullable=False, server_default=""),
        sa.Column("order_day", sa.Text),
        sa.Column("modern_terminal", sa.Boolean, nullable=False, server_default=sa.text("0")),
        sa.Column("integrity_rating", sa.Text),
        sa.Column("ecommerce_enabled", sa.Boolean, nullable=False, server_default=sa.text("0")),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("manager_id", sa.Text),
        sa.Column("backup_manager_id", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("needs", sa.Text, nullable=False, server_default=""),
        sa.Column("notes", sa.Text, nullable=False, server_default=""),
        sa.Column("search_key", sa.Integer, nullable=False, unique=True),
    )
    op.create_index("ix_customers_store_name", "customers", ["store_name"])
    op.create_index("ix_customers_code", "customers", ["code"])
    op.create_index("ix_customers_route", "customers", ["route"])
    op.create_index("ix_customers_class", "customers", ["customer_class"])
    op.create_table(
        "purchase_history",
        *_sync_columns(),
        sa.Column("customer_id", sa.Text, sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("month", sa.Text, nullable=False),
        sa.Column("brand", sa.Text, nullable=False),
        sa.Column("cartons", sa.Integer, nullable=False),
        sa.Column("amount_yuan", sa.Float, nullable=False),
    )
    op.create_index("ix_purchase_history_customer_month", "purchase_history", ["customer_id", "month"])
    op.create_table(
        "checklist_templates",
        *_sync_columns(),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("name_zh", sa.Text, nullable=False),
        sa.Column("name_en", sa.Text, nullable=False),
        sa.Column("template_version", sa.Integer, nullable=False),
        sa.Column("items", sa.JSON, nullable=False),
    )
    op.create_index("ix_checklist_templates_code_version", "checklist_templates", ["code", "template_version"],
                    unique=True)
    op.create_table(
        "change_journal",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entity", sa.Text, nullable=False),
        sa.Column("row_id", sa.Text, nullable=False),
        sa.Column("op", sa.Text, nullable=False),
        sa.Column("base_version", sa.Integer, nullable=False),
        sa.Column("changes", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("acked_at", sa.Text),
        sa.Column("outcome", sa.Text),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_change_journal_pending", "change_journal", ["acked_at", "seq"])
    op.create_index("ix_change_journal_row", "change_journal", ["entity", "row_id"])
    # Bigram documents (see fieldapp.core.search_text); rowid = customers.search_key.
    op.execute("CREATE VIRTUAL TABLE customer_search USING fts5(doc, tokenize = 'unicode61 remove_diacritics 2')")


def downgrade() -> None:
    op.execute("DROP TABLE customer_search")
    for table in ("change_journal", "checklist_templates", "purchase_history", "customers", "profile_meta"):
        op.drop_table(table)
