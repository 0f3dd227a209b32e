"""Initial server schema: users, teams, devices, tokens, cover periods, synced rows,
client scope snapshots, applied mutations, conflicts, photos.

Revision ID: s0001
Revises:
Create Date: 2026-11-23
"""
import uuid

import sqlalchemy as sa
from alembic import op

revision = "s0001"
down_revision = None
branch_labels = None
depends_on = None

JsonValue = sa.JSON()
FALSE = sa.text("false")


def upgrade() -> None:
    meta = op.create_table(
        "server_meta",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_server_meta"),
    )
    counter = op.create_table(
        "sync_counter",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("value", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sync_counter"),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.Text),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("lead_id", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_teams"),
        sa.UniqueConstraint("name", name="uq_teams_name"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Text),
        sa.Column("username", sa.Text, nullable=False),
        sa.Column("display_name", sa.Text, nullable=False, server_default=""),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("team_id", sa.Text),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=FALSE),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_users_team_id_teams"),
    )
    op.create_index("ix_users_team", "users", ["team_id"])
    op.create_table(
        "devices",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("device_id", sa.Text, nullable=False),
        sa.Column("device_name", sa.Text, nullable=False, server_default=""),
        sa.Column("registered_at", sa.DateTime, nullable=False),
        sa.Column("last_seen_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime),
        sa.PrimaryKeyConstraint("id", name="pk_devices"),
        sa.UniqueConstraint("user_id", "device_id", name="uq_devices_user_device"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_devices_user_id_users"),
    )
    op.create_index("ix_devices_device_id", "devices", ["device_id"])
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("token_hash", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("device_pk", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime),
        sa.Column("rotated_at", sa.DateTime),
        sa.Column("pair_id", sa.Text, nullable=False),
        sa.Column("replaced_by", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_tokens_token_hash"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_tokens_user_id_users"),
        sa.ForeignKeyConstraint(["device_pk"], ["devices.id"], name="fk_tokens_device_pk_devices"),
    )
    op.create_index("ix_tokens_device", "tokens", ["device_pk", "revoked_at"])
    op.create_table(
        "login_failures",
        sa.Column("key", sa.Text),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failed_at", sa.DateTime, nullable=False),
        sa.Column("locked_until", sa.DateTime),
        sa.PrimaryKeyConstraint("key", name="pk_login_failures"),
    )
    op.create_table(
        "cover_periods",
        sa.Column("id", sa.Text),
        sa.Column("manager_id", sa.Text, nullable=False),
        sa.Column("backup_id", sa.Text, nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cover_periods"),
        sa.ForeignKeyConstraint(["manager_id"], ["users.id"], name="fk_cover_periods_manager_id_users"),
        sa.ForeignKeyConstraint(["backup_id"], ["users.id"], name="fk_cover_periods_backup_id_users"),
    )
    op.create_index("ix_cover_periods_backup", "cover_periods", ["backup_id", "start_date"])
    op.create_index("ix_cover_periods_manager", "cover_periods", ["manager_id", "start_date"])
    op.create_table(
        "sync_rows",
        sa.Column("entity", sa.Text, nullable=False),
        sa.Column("row_id", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=FALSE),
        sa.Column("values", JsonValue, nullable=False),
        sa.Column("customer_id", sa.Text),
        sa.Column("parent_id", sa.Text),
        sa.Column("manager_id", sa.Text),
        sa.Column("photo_sha256", sa.Text),
        sa.Column("server_seq", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.Text),
        sa.Column("created_by_client", sa.Text),
        sa.Column("last_client_id", sa.Text),
        sa.Column("run_base_version", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.PrimaryKeyConstraint("entity", "row_id", name="pk_sync_rows"),
        sa.UniqueConstraint("server_seq", name="uq_sync_rows_server_seq"),
    )
    op.create_index("ix_sync_rows_customer_seq", "sync_rows", ["customer_id", "server_seq"])
    for name, columns, where in (("ix_sync_rows_manager", ["manager_id"], "entity = 'customer'"),
                                 ("ix_sync_rows_parent", ["parent_id"], "parent_id IS NOT NULL"),
                                 ("ix_sync_rows_photo", ["photo_sha256"], "photo_sha256 IS NOT NULL"),
                                 ("ix_sync_rows_tombstones", ["updated_at"], "deleted")):
        op.create_index(name, "sync_rows", columns, postgresql_where=sa.text(where), sqlite_where=sa.text(where))
    op.create_table(
        "clients",
        sa.Column("client_id", sa.Text),
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_seen_at", sa.DateTime, nullable=False),
        sa.Column("scope_epoch", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("pruned_epoch", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.PrimaryKeyConstraint("client_id", name="pk_clients"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_clients_user_id_users"),
    )
    op.create_table(
        "client_scope",
        sa.Column("client_id", sa.Text, nullable=False),
        sa.Column("customer_id", sa.Text, nullable=False),
        sa.Column("added_epoch", sa.Integer, nullable=False),
        sa.Column("removed_epoch", sa.Integer),
        sa.PrimaryKeyConstraint("client_id", "customer_id", "added_epoch", name="pk_client_scope"),
        sa.ForeignKeyConstraint(["client_id"], ["clients.client_id"], name="fk_client_scope_client_id_clients"),
    )
    op.create_index("ix_client_scope_open", "client_scope", ["client_id", "removed_epoch"])
    op.create_table(
        "applied_mutations",
        sa.Column("client_id", sa.Text, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("entity", sa.Text, nullable=False),
        sa.Column("row_id", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("outcome", JsonValue, nullable=False),
        sa.Column("mutation", JsonValue),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("client_id", "seq", name="pk_applied_mutations"),
    )
    op.create_index("ix_applied_mutations_created", "applied_mutations", ["created_at"])
    op.create_table(
        "conflicts",
        sa.Column("id", sa.Text),
        sa.Column("entity", sa.Text, nullable=False),
        sa.Column("row_id", sa.Text, nullable=False),
        sa.Column("customer_id", sa.Text),
        sa.Column("client_id", sa.Text),
        sa.Column("seq", sa.BigInteger),
        sa.Column("user_id", sa.Text),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("fields", JsonValue, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("resolved_at", sa.DateTime),
        sa.Column("resolved_by", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_conflicts"),
    )
    op.create_index("ix_conflicts_status_customer", "conflicts", ["status", "customer_id"])
    op.create_index("ix_conflicts_row", "conflicts", ["entity", "row_id"])
    op.create_table(
        "photos",
        sa.Column("sha256", sa.Text),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("received_bytes", sa.BigInteger, nullable=False),
        sa.Column("complete", sa.Boolean, nullable=False, server_default=FALSE),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("completed_at", sa.DateTime),
        sa.Column("uploaded_by", sa.Text),
        sa.PrimaryKeyConstraint("sha256", name="pk_photos"),
    )
    # The counter row every writer locks, and this database's identity.
    op.bulk_insert(counter, [{"id": 1, "value": 0}])
    op.bulk_insert(meta, [{"key": "instance_id", "value": uuid.uuid4().hex},
                          {"key": "purged_through_seq", "value": "0"}])


def downgrade() -> None:
    for table in ("photos", "conflicts", "applied_mutations", "client_scope", "clients", "sync_rows",
                  "cover_periods", "login_failures", "tokens", "devices", "users", "teams", "sync_counter",
                  "server_meta"):
        op.drop_table(table)
