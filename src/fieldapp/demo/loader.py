"""Loading demo data into a profile in one bulk write transaction."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Callable

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from fieldapp.core.entities import ChecklistTemplate, Customer
from fieldapp.core.messages import QT_TRANSLATE_NOOP, Message
from fieldapp.core.validation import blocking, validate_customer
from fieldapp.store.customers import bulk_index, row_to_customer
from fieldapp.store.journal import utc_now
from fieldapp.store.meta import DEMO_KEY
from fieldapp.store.schema import checklist_templates, customers, profile_meta, purchase_history
from fieldapp.store.templates import install_template

from . import vocabulary
from .generator import CUSTOMER_COLUMNS, MONTHS, PLAN_COLUMNS, PURCHASE_COLUMNS, DemoGenerator
from .templates import load_counter_checklist

MAX_CUSTOMERS = 100_000
CHUNK = 2000  # customers per chunk: progress and cancel granularity (~0.2 s of work at 50k)
DEMO_MARKER_KEY = DEMO_KEY  # profile_meta key; value "1" when the profile holds demo data

_SEARCH_FIELDS = ("store_name", "owner", "address", "code", "phone")
_SEARCH_POS = [(name, CUSTOMER_COLUMNS.index(name)) for name in _SEARCH_FIELDS]
_KEY_POS = CUSTOMER_COLUMNS.index("search_key")


class DemoError(Exception):
    """Demo data was not loaded; ``message`` says why (translatable). Nothing was written."""

    def __init__(self, message: Message):
        super().__init__(message.render())
        self.message = message


class ProfileNotEmpty(DemoError):
    """The profile already holds customers and ``force`` was not given."""

    def __init__(self, count: int):
        super().__init__(Message("Demo", QT_TRANSLATE_NOOP(
            "Demo", "This profile already holds {count} customers, so no demo data was added. Use an empty "
                    "data folder (--data-dir), or add the demo customers anyway with --force."), {"count": count}))
        self.count = count


class DemoCancelled(DemoError):
    """The caller's ``cancel()`` returned True; everything was rolled back."""

    def __init__(self) -> None:
        super().__init__(Message("Demo", QT_TRANSLATE_NOOP(
            "Demo", "Loading the demo data was cancelled. Nothing was added to the profile.")))


@dataclass(frozen=True)
class DemoSummary:
    customers: int
    purchases: int  # purchase_history rows
    months: int  # months of purchase history per customer
    template_code: str
    template_version: int
    template_added: bool  # False when the profile already had this template version
    county: str
    seed: int
    first_search_key: int
    elapsed_s: float  # wall time of the whole load, commit and checkpoint included


def generate_demo_profile(engine: Engine, customers: int, seed: int = 0,
                          progress: Callable[[int, int], None] | None = None,
                          cancel: Callable[[], bool] | None = None, *,
                          force: bool = False, today: date | None = None) -> DemoSummary:
    """Fill a profile with realistic demo data for one county (湖南省长沙县).

    Adds ``customers`` retail customers (1 to 100,000) spread over the county's
    towns and villages, twelve months of purchase history (one to three brands
    each), and the counter-arrangement checklist template from
    ``resources/templates/counter_checklist.json``; sets ``profile_meta``
    ``demo = "1"``. Every customer passes :func:`validate_customer` (an expired
    licence, ~1 % of them, is only a warning). The same ``seed`` and ``today``
    (default: the current date; licence expiries and purchase months are relative
    to it) give the same data, ids included, in an empty profile.

    **Demo data is not user work and is deliberately not journaled**: rows are
    bulk-inserted with ``version = 0`` and no ``change_journal`` entries, so
    nothing of it is ever sent to the server. The sync side should refuse or
    warn on a profile whose ``demo`` marker is set.

    Everything happens in one write transaction (BEGIN IMMEDIATE): it refuses
    with :class:`ProfileNotEmpty` if the profile holds any customer row (live or
    tombstoned) unless ``force``; ``progress(done, total)`` is called after each
    chunk of customers and ``cancel()`` is checked before each chunk and before
    the commit — returning True rolls everything back and raises
    :class:`DemoCancelled`. Any exception (also from the callbacks) rolls back too.

    Speed (50,000 customers in a few seconds): rows are inserted with the
    driver's ``executemany`` through the SQLAlchemy connection, already in
    storage form; ids of one load are ascending so indexes fill by appending;
    the connection uses ``synchronous = NORMAL`` for the load (WAL stays
    consistent; a power cut can only lose the whole load, never corrupt it) and
    a larger page cache. Blocks the calling thread: call it from a worker.
    """
    if not isinstance(customers, int) or not 1 <= customers <= MAX_CUSTOMERS:
        raise ValueError(f"customers must be a whole number from 1 to {MAX_CUSTOMERS}, not {customers!r}")
    started = time.perf_counter()
    today = today or date.today()
    template = load_counter_checklist()
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        saved = {name: raw.execute(f"PRAGMA {name}").fetchone()[0]
                 for name in ("synchronous", "cache_size", "busy_timeout")}
        # Set outside the transaction: SQLite refuses to change the safety level inside one.
        raw.execute("PRAGMA synchronous = NORMAL")
        raw.execute("PRAGMA cache_size = -65536")  # 64 MiB for the index pages of a large load
        try:
            with conn.execution_options(sqlite_immediate=True).begin():
                summary = _load(conn, template, customers, seed, today, force, progress, cancel)
            # Copy the large WAL into the database and shrink it now rather than on the
            # next small write; never wait for readers (busy: it stays for later).
            raw.execute("PRAGMA busy_timeout = 0")
            try:
                raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            except sqlite3.Error:
                pass
        finally:
            for name, value in saved.items():
                raw.execute(f"PRAGMA {name} = {int(value)}")
    return replace(summary, elapsed_s=time.perf_counter() - started)


# Purchase rows are expanded inside SQLite from the per-brand plans (plan x 12
# months): about a million rows for 50,000 customers, and building and binding
# them one by one in Python took about 40 % of the whole load. The month-to-month
# variation is a deterministic integer hash of (customer, brand slot, month,
# seed): u1 in [0, 1) scales the volume by 0.75-1.25, u2 (per mille) decides
# whether a minor brand was ordered that month. Ids: the load's prefix + a hex
# counter built from (search key, slot, month), unique and ascending per customer.
_HASH_MOD = 1000003
_U1 = ("(((p.search_key * 40503 + mo.m * 9973 + p.slot * 7919 + :salt1) % 1000003)"
       " * 2654435761 % 4294967296) / 4294967296.0")
_U2 = ("(((p.search_key * 30011 + mo.m * 7717 + p.slot * 6007 + :salt2) % 1000003)"
       " * 2246822519 % 4294967296) % 1000")
_EXPAND_PURCHASES = f"""
INSERT INTO {purchase_history.name} ({', '.join(PURCHASE_COLUMNS)})
SELECT printf('%s%012x', :prefix, search_key * 64 + slot * 16 + m), :now, :now, 0, 0,
       customer_id, month, brand, cartons, cartons * cents / 100.0
FROM (SELECT p.search_key, p.slot, p.customer_id, p.brand, p.cents, mo.m, mo.month,
             CAST(p.avg_cartons * mo.factor * (0.75 + 0.5 * {_U1}) + 0.5 AS INTEGER) AS cartons
      FROM temp.demo_plan AS p CROSS JOIN temp.demo_months AS mo
      WHERE {_U2} < p.chance)
WHERE cartons > 0
"""


def _insert_sql(table_name: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table_name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def _load(conn: Connection, template: ChecklistTemplate, total: int, seed: int, today: date, force: bool,
          progress: Callable[[int, int], None] | None, cancel: Callable[[], bool] | None) -> DemoSummary:
    existing = conn.execute(select(func.count()).select_from(customers)).scalar_one()
    if existing and not force:
        raise ProfileNotEmpty(existing)
    taken_codes: set[str] = set()
    taken_licences: set[str] = set()
    if existing:
        for code, licence in conn.execute(select(customers.c.code, customers.c.licence_no)):
            taken_codes.add(code)
            taken_licences.add(licence)
    start_key = conn.execute(select(func.coalesce(func.max(customers.c.search_key), 0) + 1)).scalar_one()
    gen = DemoGenerator(seed=seed, total=total, today=today, dialect=conn.dialect, start_key=start_key,
                        taken_codes=taken_codes, taken_licences=taken_licences, timestamp=utc_now())
    customer_sql = _insert_sql(customers.name, CUSTOMER_COLUMNS)
    plan_sql = _insert_sql("temp.demo_plan", PLAN_COLUMNS)
    conn.exec_driver_sql(f"CREATE TEMP TABLE demo_plan ({', '.join(PLAN_COLUMNS)})")
    conn.exec_driver_sql("CREATE TEMP TABLE demo_months (m, month, factor)")
    conn.exec_driver_sql("INSERT INTO temp.demo_months VALUES (?, ?, ?)",
                         [(i, month, factor) for i, (month, factor) in enumerate(gen.months)])
    expand = {"prefix": gen.purchase_prefix, "now": gen.timestamp,
              "salt1": (seed * 7 + 17) % _HASH_MOD, "salt2": (seed * 13 + 29) % _HASH_MOD}
    done = purchases = 0
    while done < total:
        if cancel is not None and cancel():
            raise DemoCancelled()
        size = min(CHUNK, total - done)
        customer_rows: list[tuple[Any, ...]] = []
        plan_rows: list[tuple[Any, ...]] = []
        for _ in range(size):
            row, grade = gen.customer()
            customer_rows.append(row)
            plan_rows.extend(gen.purchase_plan(row[_KEY_POS], row[0], grade))
        _check_sample(customer_rows[0], today)
        conn.exec_driver_sql(customer_sql, customer_rows)
        conn.exec_driver_sql(plan_sql, plan_rows)
        purchases += conn.exec_driver_sql(_EXPAND_PURCHASES, expand).rowcount
        conn.exec_driver_sql("DELETE FROM temp.demo_plan")
        bulk_index(conn, ((row[_KEY_POS], {name: row[i] for name, i in _SEARCH_POS}) for row in customer_rows))
        done += size
        if progress is not None:
            progress(done, total)
    conn.exec_driver_sql("DROP TABLE temp.demo_plan")
    conn.exec_driver_sql("DROP TABLE temp.demo_months")
    if cancel is not None and cancel():
        raise DemoCancelled()

    # The bundled template, unless the profile already has this version (e.g. from the server).
    added = conn.execute(select(checklist_templates.c.id).where(
        checklist_templates.c.code == template.code,
        checklist_templates.c.template_version == template.version)).first() is None
    if added:
        install_template(conn, replace(template, id=gen.template_id))
    conn.execute(sqlite_insert(profile_meta).values(key=DEMO_MARKER_KEY, value="1")
                 .on_conflict_do_update(index_elements=[profile_meta.c.key], set_={"value": "1"}))
    return DemoSummary(customers=total, purchases=purchases, months=MONTHS, template_code=template.code,
                       template_version=template.version, template_added=added,
                       county=vocabulary.PROVINCE + vocabulary.COUNTY, seed=seed, first_search_key=start_key,
                       elapsed_s=0.0)


def storage_row_to_customer(row: tuple[Any, ...]) -> Customer:
    """A :class:`Customer` from a generated storage-form customer row."""
    data = dict(zip(CUSTOMER_COLUMNS, row))
    data["tags"] = json.loads(data["tags"])
    data["licence_expiry"] = date.fromisoformat(data["licence_expiry"])
    return row_to_customer(data)


def _check_sample(row: tuple[Any, ...], today: date) -> None:
    # One customer per chunk goes through the real validation: a generator that
    # drifts from the rules fails loudly instead of filling profiles with bad data.
    errors = blocking(validate_customer(storage_row_to_customer(row), today=today))
    if errors:
        raise AssertionError("demo generator produced an invalid customer: "
                             + "; ".join(e.render() for e in errors))
