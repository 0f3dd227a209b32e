"""Covering index for customer search.

A text search finds customers through ``search_key`` (the FTS rowid). Without a
covering index SQLite then reads every hit's table row to filter, sort and
return ids: for a common two-character query ("便利", ~12,000 of 50,000 stores)
that row-by-row read was most of the query time. With deleted, class, route,
store name and id in the index the search never touches the table unless a tag
filter or another sort column needs it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_customers_search_cover", "customers",
                    ["search_key", "deleted", "customer_class", "route", "store_name", "id"])


def downgrade() -> None:
    op.drop_index("ix_customers_search_cover", table_name="customers")
