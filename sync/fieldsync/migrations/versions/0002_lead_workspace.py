"""Team lead workspace: cover periods get a reason and a cancelled flag, users an AB partner;
existing cover periods become synced ``cover_period`` rows.

Revision ID: s0002
Revises: s0001
Create Date: 2026-11-24
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "s0002"
down_revision = "s0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cover_periods") as batch:
        batch.add_column(sa.Column("reason", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("cancelled", sa.Boolean, nullable=False, server_default=sa.text("false")))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("backup_id", sa.Text))
    # Cover periods recorded before (fieldsync cover add) become synced rows, so laptops see them.
    conn = op.get_bind()
    covers = conn.execute(sa.text(
        "SELECT id, manager_id, backup_id, start_date, end_date FROM cover_periods "
        "WHERE id NOT IN (SELECT row_id FROM sync_rows WHERE entity = 'cover_period') ORDER BY created_at, id"
    )).all()
    if not covers:
        return
    last = conn.execute(sa.text("UPDATE sync_counter SET value = value + :n WHERE id = 1 RETURNING value"),
                        {"n": len(covers)}).scalar_one()
    first = int(last) - len(covers) + 1
    now = datetime.now(timezone.utc).replace(tzinfo=None)  # naive UTC, as every server timestamp
    sync_rows = sa.table("sync_rows", sa.column("values", sa.JSON()), sa.column("created_at", sa.DateTime()),
                         sa.column("updated_at", sa.DateTime()), sa.column("deleted", sa.Boolean()),
                         *(sa.column(c) for c in ("entity", "row_id", "version", "customer_id", "server_seq",
                                                  "run_base_version")))
    for i, c in enumerate(covers):
        values = {"manager_id": c.manager_id, "backup_id": c.backup_id, "start_date": str(c.start_date)[:10],
                  "end_date": str(c.end_date)[:10], "reason": "", "cancelled": False}
        conn.execute(sa.insert(sync_rows).values(
            entity="cover_period", row_id=c.id, version=1, deleted=False,
            values=values,
            customer_id=f"cover:{c.id}", server_seq=first + i, created_at=now, updated_at=now, run_base_version=0))


def downgrade() -> None:
    op.execute("DELETE FROM sync_rows WHERE entity IN ('cover_period', 'team_member')")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("backup_id")
    with op.batch_alter_table("cover_periods") as batch:
        batch.drop_column("cancelled")
        batch.drop_column("reason")
