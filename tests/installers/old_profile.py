"""A profile as an older FieldApp (schema revision 0001) left it: customers and unsynced changes.

Used by ``test_upgrade.py`` and by ``installers/linux/test-deb.sh`` (install version N,
write offline data, install N+1)::

    python -m tests.installers.old_profile DATA_DIR      # prints the expected facts as JSON

The rows are written with raw SQL matching migration 0001, the way that version's
store wrote them (row + search document + journal entry per change), so the
fixture does not depend on today's store code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import text

from fieldapp.core.search_text import index_tokens
from fieldapp.store.db import create_sqlite_engine
from fieldapp.store.migrate import alembic_config
from fieldapp.store.profile import Profile

OLD_REVISION = "0001"
CLIENT_ID = "7d7c7c59-5c55-4d5e-9a8e-00000000c0de"

CUSTOMERS = [
    dict(id="00000000-0000-4000-8000-000000000001", code="C0001", licence_no="430121100001",
         licence_expiry="2030-06-30", store_name="王记便利店", owner="王建国", phone="13812345678",
         address="长沙县黄兴镇蓝田村12号", grade=12, route="R01", tags=["近学校"], version=3),
    dict(id="00000000-0000-4000-8000-000000000002", code="C0002", licence_no="430121100002",
         licence_expiry="2029-01-31", store_name="李家超市", owner="李红", phone="13912345678",
         address="长沙县星沙街道开元路8号", grade=15, route="R02", tags=[], version=0),
    dict(id="00000000-0000-4000-8000-000000000003", code="C0003", licence_no="430121100003",
         licence_expiry="2028-12-31", store_name="平安烟酒", owner="赵平", phone="0731-84001234",
         address="长沙县榔梨镇", grade=6, route="R01", tags=["农村网点"], version=5),
]
CUSTOMER_COLUMNS = ("market_type", "business_format", "customer_class", "status")
DEFAULTS = dict(market_type="urban", business_format="convenience", customer_class="B", status="active")

# The change journal (outbox) as version N left it: one change already acknowledged by the
# server, three waiting: a new customer, an edit and a delete made offline.
JOURNAL = [
    dict(entity="customer", row_id=CUSTOMERS[0]["id"], op="update", base_version=2,
         changes={"phone": ["13800000000", "13812345678"]}, acked=True),
    dict(entity="customer", row_id=CUSTOMERS[1]["id"], op="insert", base_version=0,
         changes={"code": [None, "C0002"], "store_name": [None, "李家超市"], "owner": [None, "李红"]}, acked=False),
    dict(entity="customer", row_id=CUSTOMERS[0]["id"], op="update", base_version=3,
         changes={"grade": [11, 12], "tags": [[], ["近学校"]]}, acked=False),
    dict(entity="customer", row_id=CUSTOMERS[2]["id"], op="delete", base_version=5,
         changes={"deleted": [False, True]}, acked=False),
]
DELETED_IDS = {CUSTOMERS[2]["id"]}
NOW = "2026-11-01T08:00:00.000+00:00"


def make_old_profile(data_dir: Path, revision: str = OLD_REVISION) -> dict[str, Any]:
    """Create the profile at ``data_dir`` (must not hold a database) and return what it holds."""
    profile = Profile(Path(data_dir))
    profile.ensure_dirs()
    if profile.db_path.exists():
        raise FileExistsError(profile.db_path)
    engine = create_sqlite_engine(profile.db_path)
    try:
        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
        with engine.begin() as conn:
            for key, value in (("application", "fieldapp"), ("client_id", CLIENT_ID), ("created_at", NOW)):
                conn.execute(text("INSERT INTO profile_meta (key, value) VALUES (:k, :v)"), {"k": key, "v": value})
            for key, c in enumerate(CUSTOMERS, start=1):
                row = {**DEFAULTS, **c, "tags": json.dumps(c["tags"], ensure_ascii=False),
                       "deleted": c["id"] in DELETED_IDS, "search_key": key, "now": NOW}
                conn.execute(text(
                    "INSERT INTO customers (id, created_at, updated_at, deleted, version, code, licence_no, "
                    "licence_expiry, store_name, owner, phone, address, market_type, business_format, grade, "
                    "customer_class, route, tags, status, search_key) VALUES (:id, :now, :now, :deleted, "
                    ":version, :code, :licence_no, :licence_expiry, :store_name, :owner, :phone, :address, "
                    ":market_type, :business_format, :grade, :customer_class, :route, :tags, :status, :search_key)"),
                    row)
                if c["id"] not in DELETED_IDS:
                    doc = index_tokens(c["store_name"], c["owner"], c["address"], c["code"], c["phone"])
                    conn.execute(text("INSERT INTO customer_search (rowid, doc) VALUES (:k, :doc)"),
                                 {"k": key, "doc": doc})
            for entry in JOURNAL:
                conn.execute(text(
                    "INSERT INTO change_journal (entity, row_id, op, base_version, changes, created_at, acked_at, "
                    "outcome) VALUES (:entity, :row_id, :op, :base_version, :changes, :now, :acked, :outcome)"),
                    {**entry, "changes": json.dumps(entry["changes"], ensure_ascii=False, sort_keys=True),
                     "now": NOW, "acked": NOW if entry["acked"] else None,
                     "outcome": "applied" if entry["acked"] else None})
    finally:
        engine.dispose()
    return expected_facts()


def expected_facts() -> dict[str, Any]:
    pending = [e for e in JOURNAL if not e["acked"]]
    return {
        "revision": OLD_REVISION,
        "client_id": CLIENT_ID,
        "customers_live": len(CUSTOMERS) - len(DELETED_IDS),
        "customers_deleted": len(DELETED_IDS),
        "pending_changes": len(pending),
        "pending": [{k: e[k] for k in ("entity", "row_id", "op", "base_version", "changes")} for e in pending],
    }


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tests.installers.old_profile DATA_DIR")
    print(json.dumps(make_old_profile(Path(sys.argv[1])), ensure_ascii=False))
