"""Realistic client profiles for the client benchmarks: demo customers plus a history of visits.

:func:`county_profile` fills a new profile with the demo generator's county
(customers, twelve months of purchases, the counter checklist) and then
bulk-inserts a visit history as if it had been synced from the server
(``version = 1``, no journal entries — setup, not user work):

- every customer visited at its class's cadence over the last ``months``
  months (A weekly, B every two weeks, C monthly; ~80 % keep to it, the rest
  slip), a few never;
- every visit completed with the 9 checklist answers (~8 % fail), a note on
  every third visit (1 % record a complaint), follow-ups for failed items
  (most done, some open);
- optionally one customer (``rich_customer``) with ``rich_visits`` weekly
  visits going back years — the customer file benchmark opens it.

Seeded: the same arguments give the same rows. Takes ~15–40 s for 50,000
customers (dominated by the demo generation and the answers).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

TODAY = date(2026, 11, 23)
TZ = timezone(timedelta(hours=8))
CADENCE = {"A": 7, "B": 14, "C": 30}


@dataclass
class ProfileInfo:
    customers: int
    visits: int
    answers: int
    notes: int
    follow_ups: int
    rich_customer: str | None
    rich_visits: int
    build_s: float


def county_profile(folder: Path, customers: int, *, months: int = 3, rich_visits: int = 0, seed: int = 0,
                   today: date = TODAY):
    """A profile in ``folder`` (see the module docstring). Returns ``(engine, ProfileInfo)``."""
    import time

    from fieldapp.demo import generate_demo_profile
    from fieldapp.store.db import write_transaction
    from fieldapp.store.migrate import open_profile_database
    from fieldapp.store.profile import Profile
    from fieldapp.store.templates import current_template

    started = time.perf_counter()
    engine = open_profile_database(Profile(folder))
    generate_demo_profile(engine, customers, seed=seed, today=today)
    rng = random.Random(f"county_profile:{seed}")
    stamp = "2026-11-01T00:00:00.000+00:00"

    def new_id() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    with engine.connect() as conn:
        template = current_template(conn)
        rows = conn.exec_driver_sql("SELECT id, customer_class FROM customers ORDER BY search_key").fetchall()
    keys = [item.key for item in template.items]
    visits, answers, notes, follow_ups = [], [], [], []

    def add_visit(customer_id: str, day: date, manager: str = "mgr-bench") -> None:
        vid = new_id()
        check_in = datetime(day.year, day.month, day.day, rng.randint(8, 16), rng.randint(0, 59), tzinfo=TZ)
        failed = [k for k in keys if rng.random() < 0.08]
        visits.append((vid, stamp, stamp, customer_id, manager, check_in.isoformat(),
                       (check_in + timedelta(minutes=rng.randint(8, 40))).isoformat(), template.id,
                       template.version, round(100.0 * (len(keys) - len(failed)) / len(keys), 1)))
        for key in keys:
            answers.append((new_id(), stamp, stamp, vid, key, "fail" if key in failed else "pass",
                            12 if key == "display_standard" else None, "价签不符" if key in failed else ""))
        if rng.random() < 0.33:
            notes.append((new_id(), stamp, stamp, vid, "希望增加新品供货", "送货太晚" if rng.random() < 0.03 else ""))
        for key in failed[:1]:
            done = day < today - timedelta(days=10) and rng.random() < 0.85
            follow_ups.append((new_id(), stamp, stamp, customer_id, vid, f"复查：{key}",
                               (day + timedelta(days=7)).isoformat(), "done" if done else "open", manager, key))

    first_day = today - timedelta(days=30 * months)
    for customer_id, klass in rows:
        if rng.random() < 0.03:
            continue  # never visited yet
        interval = CADENCE.get(klass, 30)
        day = first_day + timedelta(days=rng.randint(0, interval - 1))
        late = rng.random() < 0.2
        while day < today:
            if day.weekday() < 5:
                add_visit(customer_id, day)
            day += timedelta(days=interval + (rng.randint(3, interval) if late else rng.randint(-1, 1)))
    rich = rows[len(rows) // 2][0] if rich_visits else None
    if rich:
        for n in range(rich_visits):
            add_visit(rich, today - timedelta(days=7 * (n + 1)))
    with write_transaction(engine) as conn:
        raw = conn.connection.driver_connection
        raw.executemany(
            "INSERT INTO visits (id, created_at, updated_at, deleted, version, customer_id, visit_type, status,"
            " manager_id, check_in_at, check_out_at, template_id, template_version, score)"
            " VALUES (?, ?, ?, 0, 1, ?, 'service', 'completed', ?, ?, ?, ?, ?, ?)", visits)
        raw.executemany(
            "INSERT INTO checklist_answers (id, created_at, updated_at, deleted, version, visit_id, item_key, result,"
            " count, note) VALUES (?, ?, ?, 0, 1, ?, ?, ?, ?, ?)", answers)
        raw.executemany(
            "INSERT INTO visit_notes (id, created_at, updated_at, deleted, version, visit_id, needs, complaints)"
            " VALUES (?, ?, ?, 0, 1, ?, ?, ?)", notes)
        raw.executemany(
            "INSERT INTO follow_ups (id, created_at, updated_at, deleted, version, customer_id, visit_id, title,"
            " due_date, status, owner_id, source_item_key) VALUES (?, ?, ?, 0, 1, ?, ?, ?, ?, ?, ?, ?)", follow_ups)
    # No ANALYZE: the app never runs it, so the query planner works without statistics here too.
    return engine, ProfileInfo(len(rows), len(visits), len(answers), len(notes), len(follow_ups), rich, rich_visits,
                               time.perf_counter() - started)
