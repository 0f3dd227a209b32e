"""The server's tables (SQLAlchemy Core). Alembic migrations in ``migrations/versions`` mirror them;
tests/server/test_migrations.py compares the two so they cannot drift apart.

Synced data lives in one generic table, :data:`sync_rows`: one row per synced
record (latest version only), its field values as JSON, plus a few columns
derived from the values that the server needs to query:

- ``customer_id``: the customer a row belongs to — the unit of scope (a
  customer row is its own customer; a checklist answer belongs to its visit's
  customer). NULL only for checklist templates, which everyone sees.
- ``parent_id``: the row this one references (visit -> customer, answer -> visit ...),
  used to keep pull pages free of dangling references.
- ``manager_id``: customers only — who the customer is assigned to (scope).
- ``photo_sha256``: attachments only — which photo they reference.
- ``server_seq``: the server change sequence number of the row's latest
  version, unique and increasing in commit order (see :mod:`fieldsync.rows`).

Timestamps are naive UTC.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

# Plain JSON (text) on PostgreSQL too, not JSONB: the server never queries inside the
# values, and text is cheaper to write and is passed through to pull pages as is.
JsonValue = JSON(none_as_null=True)

# Key/value facts about this server database: instance id (part of every
# cursor, so a cursor from another server is detected), tombstone purge mark.
server_meta = Table(
    "server_meta", metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

# The single counter row of the server change sequence. Writers lock it first.
sync_counter = Table(
    "sync_counter", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("value", BigInteger, nullable=False),
)

teams = Table(
    "teams", metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("lead_id", Text),  # users.id; no FK: users reference teams too
    Column("created_at", DateTime, nullable=False),
)

users = Table(
    "users", metadata,
    Column("id", Text, primary_key=True),
    Column("username", Text, nullable=False, unique=True),
    Column("display_name", Text, nullable=False, server_default=""),
    Column("role", Text, nullable=False),  # manager | lead | admin
    Column("team_id", Text, ForeignKey("teams.id")),
    Column("password_hash", Text, nullable=False),
    Column("disabled", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("backup_id", Text),  # the manager's AB partner (users.id; s0002); set by leads via team_member
)
Index("ix_users_team", users.c.team_id)

# A device is a (user, device id) registration, created at the first login.
devices = Table(
    "devices", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Text, ForeignKey("users.id"), nullable=False),
    Column("device_id", Text, nullable=False),
    Column("device_name", Text, nullable=False, server_default=""),
    Column("registered_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
    UniqueConstraint("user_id", "device_id", name="uq_devices_user_device"),
)
Index("ix_devices_device_id", devices.c.device_id)

# Opaque bearer tokens, stored as SHA-256 hex of the token.
tokens = Table(
    "tokens", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", Text, nullable=False, unique=True),
    Column("kind", Text, nullable=False),  # access | refresh
    Column("user_id", Text, ForeignKey("users.id"), nullable=False),
    Column("device_pk", Integer, ForeignKey("devices.id"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
    Column("rotated_at", DateTime),          # refresh tokens: when exchanged for a new pair
    Column("pair_id", Text, nullable=False),  # access and refresh token issued together
    Column("replaced_by", Text),             # refresh tokens: pair_id of the pair issued in exchange
)
Index("ix_tokens_device", tokens.c.device_pk, tokens.c.revoked_at)

# Failed logins per key ("u:<user>" or "ud:<user>\x00<device>"); throttles guessing.
login_failures = Table(
    "login_failures", metadata,
    Column("key", Text, primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failed_at", DateTime, nullable=False),
    Column("locked_until", DateTime),
)

# AB cover: while ``manager_id`` is on leave, ``backup_id`` covers their customers. The scope
# reads this table; it is kept in step with the synced ``cover_period`` rows (fieldsync.cover).
cover_periods = Table(
    "cover_periods", metadata,
    Column("id", Text, primary_key=True),
    Column("manager_id", Text, ForeignKey("users.id"), nullable=False),
    Column("backup_id", Text, ForeignKey("users.id"), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("created_at", DateTime, nullable=False),
    # s0002: the synced entity ``cover_period`` (row id = this id) writes these rows too.
    Column("reason", Text, nullable=False, server_default=""),
    Column("cancelled", Boolean, nullable=False, server_default=text("false")),
)
Index("ix_cover_periods_backup", cover_periods.c.backup_id, cover_periods.c.start_date)
Index("ix_cover_periods_manager", cover_periods.c.manager_id, cover_periods.c.start_date)

sync_rows = Table(
    "sync_rows", metadata,
    Column("entity", Text, nullable=False),
    Column("row_id", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False, server_default=text("false")),
    Column("values", JsonValue, nullable=False),
    Column("customer_id", Text),
    Column("parent_id", Text),
    Column("manager_id", Text),
    Column("photo_sha256", Text),
    Column("server_seq", BigInteger, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("updated_by", Text),           # users.id of the last writer (NULL: server tooling)
    Column("created_by_client", Text),    # client id of the inserting client
    # versions after run_base_version were all written by last_client_id (see fieldsync.rows)
    Column("last_client_id", Text),
    Column("run_base_version", Integer, nullable=False, server_default=text("0")),
    PrimaryKeyConstraint("entity", "row_id", name="pk_sync_rows"),
    UniqueConstraint("server_seq", name="uq_sync_rows_server_seq"),
)
# Partial indexes: each row version written updates only the indexes that concern it.
Index("ix_sync_rows_customer_seq", sync_rows.c.customer_id, sync_rows.c.server_seq)
Index("ix_sync_rows_manager", sync_rows.c.manager_id, postgresql_where=text("entity = 'customer'"),
      sqlite_where=text("entity = 'customer'"))
Index("ix_sync_rows_parent", sync_rows.c.parent_id, postgresql_where=text("parent_id IS NOT NULL"),
      sqlite_where=text("parent_id IS NOT NULL"))
Index("ix_sync_rows_photo", sync_rows.c.photo_sha256, postgresql_where=text("photo_sha256 IS NOT NULL"),
      sqlite_where=text("photo_sha256 IS NOT NULL"))
Index("ix_sync_rows_tombstones", sync_rows.c.updated_at, postgresql_where=text("deleted"),
      sqlite_where=text("deleted"))

# One sync client (a profile on a laptop), bound to the user who first used it.
clients = Table(
    "clients", metadata,
    Column("client_id", Text, primary_key=True),
    Column("user_id", Text, ForeignKey("users.id"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False),
    Column("scope_epoch", Integer, nullable=False, server_default=text("0")),
    # snapshots older than this epoch were pruned: a cursor from before needs a full re-sync
    Column("pruned_epoch", Integer, nullable=False, server_default=text("0")),
)

# The customers each client has been sent, by scope epoch: a customer is in the
# client's snapshot of epoch e when added_epoch <= e < removed_epoch (or not removed).
client_scope = Table(
    "client_scope", metadata,
    Column("client_id", Text, ForeignKey("clients.client_id"), nullable=False),
    Column("customer_id", Text, nullable=False),
    Column("added_epoch", Integer, nullable=False),
    Column("removed_epoch", Integer),
    PrimaryKeyConstraint("client_id", "customer_id", "added_epoch", name="pk_client_scope"),
)
Index("ix_client_scope_open", client_scope.c.client_id, client_scope.c.removed_epoch)

# Exactly-once push: the outcome of every (client, seq) the server has handled.
applied_mutations = Table(
    "applied_mutations", metadata,
    Column("client_id", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("user_id", Text, nullable=False),
    Column("entity", Text, nullable=False),
    Column("row_id", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("outcome", JsonValue, nullable=False),
    Column("mutation", JsonValue),  # kept for rejected mutations, so IT can recover them
    Column("created_at", DateTime, nullable=False),
    PrimaryKeyConstraint("client_id", "seq", name="pk_applied_mutations"),
)
Index("ix_applied_mutations_created", applied_mutations.c.created_at)

conflicts = Table(
    "conflicts", metadata,
    Column("id", Text, primary_key=True),
    Column("entity", Text, nullable=False),
    Column("row_id", Text, nullable=False),
    Column("customer_id", Text),
    Column("client_id", Text),
    Column("seq", BigInteger),
    Column("user_id", Text),               # whose push conflicted
    Column("kind", Text, nullable=False),  # fields | deleted_on_server | changed_on_server
    Column("fields", JsonValue, nullable=False),  # list of FieldConflict dicts
    Column("version", Integer, nullable=False),   # the row's version right after the merge
    Column("status", Text, nullable=False),       # open | resolved
    Column("created_at", DateTime, nullable=False),
    Column("resolved_at", DateTime),
    Column("resolved_by", Text),
)
Index("ix_conflicts_status_customer", conflicts.c.status, conflicts.c.customer_id)
Index("ix_conflicts_row", conflicts.c.entity, conflicts.c.row_id)

# Content-addressed photos; the bytes live in files under the data dir.
photos = Table(
    "photos", metadata,
    Column("sha256", Text, primary_key=True),
    Column("size_bytes", BigInteger, nullable=False),
    Column("received_bytes", BigInteger, nullable=False),
    Column("complete", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", DateTime, nullable=False),
    Column("completed_at", DateTime),
    Column("uploaded_by", Text),
)

# The audit log (s0003): who signed in, failed, was throttled, refreshed, reused a refresh
# token, signed out; devices revoked, users disabled; conflicts resolved and review decisions.
# Append-only; written by fieldsync.audit in the same transaction as the action where one exists.
audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("event", Text, nullable=False),
    Column("actor_id", Text),     # users.id of who did it (NULL: unknown user, or server tooling)
    Column("actor", Text),        # their user name (for a failed sign-in: the name that was tried)
    Column("device_id", Text),    # the device the request came from
    Column("target", Text),       # what it was done to: a user name, a device id, a conflict id, a row id
    Column("client_ip", Text),
    Column("request_id", Text),
    Column("detail", JsonValue),  # small JSON object; never a password or a token
)
Index("ix_audit_log_at", audit_log.c.at)
Index("ix_audit_log_actor", audit_log.c.actor_id, audit_log.c.at)
Index("ix_audit_log_event", audit_log.c.event, audit_log.c.at)
