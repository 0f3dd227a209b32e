"""Table definitions of the local database (SQLAlchemy Core).

These mirror the Alembic migrations in ``migrations/versions``; the migration
test compares them so they cannot drift apart.

Every *synced* table has the same bookkeeping columns (:func:`sync_columns`):
- ``id``: client-generated UUID, the identity everywhere (laptops and server);
- ``created_at`` / ``updated_at``: UTC ISO-8601 text, informative only — client
  clocks never decide a merge;
- ``deleted``: tombstone; rows are never physically removed while a delete may
  still need to be synced;
- ``version``: the server's version of the row last seen by this laptop
  (0 = never synced). It is the *base version* of every change sent up.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    JSON,
    MetaData,
    Table,
    Text,
    text,
)

metadata = MetaData()


def sync_columns() -> list[Column]:
    return [
        Column("id", Text, primary_key=True),
        Column("created_at", Text, nullable=False),
        Column("updated_at", Text, nullable=False),
        Column("deleted", Boolean, nullable=False, server_default=text("0")),
        Column("version", Integer, nullable=False, server_default=text("0")),
    ]


# Profile-level key/value facts: the marker that this is a FieldApp database,
# the client id used in the sync protocol, whether the profile holds demo data.
profile_meta = Table(
    "profile_meta",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

customers = Table(
    "customers",
    metadata,
    *sync_columns(),
    Column("code", Text, nullable=False),
    Column("licence_no", Text, nullable=False),
    Column("licence_expiry", Date),
    Column("store_name", Text, nullable=False),
    Column("owner", Text, nullable=False),
    Column("phone", Text, nullable=False, server_default=""),
    Column("address", Text, nullable=False, server_default=""),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("market_type", Text, nullable=False),
    Column("business_format", Text, nullable=False),
    Column("grade", Integer, nullable=False),
    Column("customer_class", Text, nullable=False),
    Column("route", Text, nullable=False, server_default=""),
    Column("order_day", Text),
    Column("modern_terminal", Boolean, nullable=False, server_default=text("0")),
    Column("integrity_rating", Text),
    Column("ecommerce_enabled", Boolean, nullable=False, server_default=text("0")),
    Column("tags", JSON, nullable=False),  # list of strings
    Column("manager_id", Text),
    Column("backup_manager_id", Text),
    Column("status", Text, nullable=False),
    Column("needs", Text, nullable=False, server_default=""),
    Column("notes", Text, nullable=False, server_default=""),
    # Local only, never synced: the stable integer rowid of this customer's row in
    # the FTS index (SQLite may renumber implicit rowids on VACUUM).
    Column("search_key", Integer, nullable=False, unique=True),
)
Index("ix_customers_store_name", customers.c.store_name)
Index("ix_customers_code", customers.c.code)
Index("ix_customers_route", customers.c.route)
Index("ix_customers_class", customers.c.customer_class)
# Covering index for text search (migration 0005): see that migration for why.
Index("ix_customers_search_cover", customers.c.search_key, customers.c.deleted, customers.c.customer_class,
      customers.c.route, customers.c.store_name, customers.c.id)

# Monthly purchases per brand; read-only on the laptop (comes from the order system).
purchase_history = Table(
    "purchase_history",
    metadata,
    *sync_columns(),
    Column("customer_id", Text, ForeignKey("customers.id"), nullable=False),
    Column("month", Text, nullable=False),  # YYYY-MM
    Column("brand", Text, nullable=False),
    Column("cartons", Integer, nullable=False),
    Column("amount_yuan", Float, nullable=False),
)
Index("ix_purchase_history_customer_month", purchase_history.c.customer_id, purchase_history.c.month)

checklist_templates = Table(
    "checklist_templates",
    metadata,
    *sync_columns(),
    Column("code", Text, nullable=False),
    Column("name_zh", Text, nullable=False),
    Column("name_en", Text, nullable=False),
    Column("template_version", Integer, nullable=False),
    Column("items", JSON, nullable=False),  # list of ChecklistItem dicts, in order
)
Index("ix_checklist_templates_code_version", checklist_templates.c.code, checklist_templates.c.template_version,
      unique=True)

# The change journal is the sync outbox: one row per local change, written in
# the same transaction as the change itself. ``seq`` is the per-client sequence
# number of the protocol. A row is pending until the server acknowledges it.
change_journal = Table(
    "change_journal",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("entity", Text, nullable=False),
    Column("row_id", Text, nullable=False),
    Column("op", Text, nullable=False),  # insert | update | delete
    Column("base_version", Integer, nullable=False),
    Column("changes", Text, nullable=False),  # JSON {field: [old, new]}
    Column("created_at", Text, nullable=False),
    Column("acked_at", Text),
    Column("outcome", Text),
)
Index("ix_change_journal_pending", change_journal.c.acked_at, change_journal.c.seq)
Index("ix_change_journal_row", change_journal.c.entity, change_journal.c.row_id)

# --- visit records (migration 0002) ---------------------------------------

visits = Table(
    "visits",
    metadata,
    *sync_columns(),
    Column("customer_id", Text, ForeignKey("customers.id"), nullable=False),
    Column("visit_type", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("manager_id", Text),
    Column("on_behalf_of", Text),
    Column("check_in_at", Text),
    Column("check_out_at", Text),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("template_id", Text),
    Column("template_version", Integer),
    Column("score", Float),
)
Index("ix_visits_customer", visits.c.customer_id, visits.c.check_in_at)

checklist_answers = Table(
    "checklist_answers",
    metadata,
    *sync_columns(),
    Column("visit_id", Text, ForeignKey("visits.id"), nullable=False),
    Column("item_key", Text, nullable=False),
    Column("result", Text),
    Column("count", Integer),
    Column("note", Text, nullable=False, server_default=""),
)
Index("ix_checklist_answers_visit_item", checklist_answers.c.visit_id, checklist_answers.c.item_key)

visit_notes = Table(
    "visit_notes",
    metadata,
    *sync_columns(),
    Column("visit_id", Text, ForeignKey("visits.id"), nullable=False),
    Column("needs", Text, nullable=False, server_default=""),
    Column("concerns", Text, nullable=False, server_default=""),
    Column("complaints", Text, nullable=False, server_default=""),
    Column("market_info", Text, nullable=False, server_default=""),
    Column("abnormalities", Text, nullable=False, server_default=""),
    Column("advice", Text, nullable=False, server_default=""),
    Column("free_text", Text, nullable=False, server_default=""),
)
Index("ix_visit_notes_visit", visit_notes.c.visit_id)

follow_ups = Table(
    "follow_ups",
    metadata,
    *sync_columns(),
    Column("customer_id", Text, ForeignKey("customers.id"), nullable=False),
    Column("visit_id", Text, ForeignKey("visits.id")),
    Column("title", Text, nullable=False),
    Column("due_date", Date),
    Column("status", Text, nullable=False),
    Column("owner_id", Text),
    Column("source_item_key", Text),
)
Index("ix_follow_ups_customer_status", follow_ups.c.customer_id, follow_ups.c.status)

attachments = Table(
    "attachments",
    metadata,
    *sync_columns(),
    Column("visit_id", Text, ForeignKey("visits.id"), nullable=False),
    Column("item_key", Text),
    Column("sha256", Text, nullable=False),
    Column("filename", Text, nullable=False),
    Column("mime_type", Text, nullable=False),
    Column("size_bytes", Integer, nullable=False),
)
Index("ix_attachments_visit", attachments.c.visit_id)

# --- sync bookkeeping (migration 0003) -------------------------------------

# Key/value state of the sync client: server URL, user name and id, the pull
# cursor, the last sync's outcome. Never the refresh token (that lives in the
# OS keyring, see fieldapp.sync.credentials).
sync_state = Table(
    "sync_state",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

# What the user must look at after a sync: a server conflict record (both values
# kept; the user chooses) or a rejected change (the server refused it; the
# local values are kept here so nothing typed is lost).
# ``fields`` is JSON {field: {"base": old, "local": new, "server": value}}.
sync_conflicts = Table(
    "sync_conflicts",
    metadata,
    Column("id", Text, primary_key=True),
    Column("kind", Text, nullable=False),  # conflict | rejected
    Column("server_conflict_id", Text),
    Column("seq", Integer),
    Column("entity", Text, nullable=False),
    Column("row_id", Text, nullable=False),
    Column("fields", Text, nullable=False),
    Column("reason", Text),
    Column("server_version", Integer),
    Column("created_at", Text, nullable=False),
    Column("resolved_at", Text),
    Column("resolution", Text),
)
Index("ix_sync_conflicts_open", sync_conflicts.c.resolved_at, sync_conflicts.c.created_at)
Index("ix_sync_conflicts_row", sync_conflicts.c.entity, sync_conflicts.c.row_id)

# --- attendance and planning indexes (migration 0004) ----------------------

# A manager's working day (考勤): start and end time and position. One row per
# manager and date; an ended day that is started again is reopened.
attendance = Table(
    "attendance",
    metadata,
    *sync_columns(),
    Column("manager_id", Text),
    Column("work_date", Date, nullable=False),
    Column("started_at", Text, nullable=False),
    Column("ended_at", Text),
    Column("start_latitude", Float),
    Column("start_longitude", Float),
    Column("end_latitude", Float),
    Column("end_longitude", Float),
)
Index("ix_attendance_manager_date", attendance.c.manager_id, attendance.c.work_date)

# Partial indexes for reading planning facts of every customer at once
# (store/planning_facts.py): covering, and limited to the rows those queries want.
Index("ix_visits_live_customer", visits.c.customer_id, visits.c.check_in_at, visits.c.status, visits.c.id,
      visits.c.template_id, sqlite_where=text("deleted = 0"))
Index("ix_checklist_answers_failed", checklist_answers.c.visit_id, checklist_answers.c.item_key,
      sqlite_where=text("result = 'fail' AND deleted = 0"))
Index("ix_visit_notes_complaints", visit_notes.c.visit_id, sqlite_where=text("deleted = 0 AND complaints != ''"))
Index("ix_purchase_history_live", purchase_history.c.customer_id, purchase_history.c.month,
      purchase_history.c.cartons, sqlite_where=text("deleted = 0"))

# --- team lead workspace (migration 0006) -----------------------------------

# Review events of a visit (审核): append-only, never updated or deleted (see
# fieldapp.core.review). ``position`` is the server's order of the event within
# its visit (NULL until the server accepted it); the visit's review status is
# derived from the events, it is not stored on the visit.
visit_reviews = Table(
    "visit_reviews",
    metadata,
    *sync_columns(),
    Column("visit_id", Text, ForeignKey("visits.id"), nullable=False),
    Column("customer_id", Text, nullable=False),
    Column("author_id", Text),
    Column("action", Text, nullable=False),  # comment | approve | return | resubmit
    Column("text", Text, nullable=False, server_default=""),
    Column("created_at_client", Text, nullable=False),
    Column("position", Integer),
)
Index("ix_visit_reviews_visit", visit_reviews.c.visit_id, visit_reviews.c.position)

# AB cover (AB角): while ``manager_id`` is on leave, ``backup_id`` covers their
# customers (the server grants them through the sync scope). Written by leads.
cover_periods = Table(
    "cover_periods",
    metadata,
    *sync_columns(),
    Column("manager_id", Text, nullable=False),
    Column("backup_id", Text, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("cancelled", Boolean, nullable=False, server_default=text("0")),
)
Index("ix_cover_periods_backup", cover_periods.c.backup_id, cover_periods.c.start_date)
Index("ix_cover_periods_manager", cover_periods.c.manager_id, cover_periods.c.start_date)

# Users this laptop needs the names of (a lead: their team; a manager: themself
# and their AB partner). The row id is the user id. Written by the server; a
# lead may change ``backup_id`` (the manager's AB partner).
team_members = Table(
    "team_members",
    metadata,
    *sync_columns(),
    Column("username", Text, nullable=False),
    Column("display_name", Text, nullable=False, server_default=""),
    Column("role", Text, nullable=False),  # manager | lead | admin
    Column("team_id", Text),
    Column("backup_id", Text),
    Column("active", Boolean, nullable=False, server_default=text("1")),
)
Index("ix_team_members_team", team_members.c.team_id)

# Synced entities by protocol name. The journal's ``entity`` column holds these names.
SYNCED_TABLES: dict[str, Table] = {
    "customer": customers,
    "purchase": purchase_history,
    "checklist_template": checklist_templates,
    "visit": visits,
    "checklist_answer": checklist_answers,
    "visit_note": visit_notes,
    "follow_up": follow_ups,
    "attachment": attachments,
    "attendance": attendance,
    "visit_review": visit_reviews,
    "cover_period": cover_periods,
    "team_member": team_members,
}

# Columns that are local bookkeeping and never part of a synced change.
LOCAL_ONLY_COLUMNS = {"created_at", "updated_at", "deleted", "version", "search_key"}
