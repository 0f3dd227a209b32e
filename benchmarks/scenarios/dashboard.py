"""Benchmark: the team lead's assessment dashboard for 10 managers × 500 customers × 6 months of visits.

Figures (target < 1 s each):

* ``dashboard figures (pure)``: everything the dashboard shows, computed by
  :mod:`fieldapp.core.assessment` from facts already in memory, starting from a
  fresh :class:`~fieldapp.core.assessment.AssessmentFacts` (so its indexes are
  built inside the measurement, as on every refresh): the month's figures for
  each manager and the team, the trend over the last 6 months and the last 12
  weeks, and the month's visits per day;
* ``facts from SQLite``: :func:`fieldapp.store.assessment_facts.build_assessment_facts`
  for the 6 months of the trend (plus the 30-day coverage lookback) on a
  profile database holding that team's synced records, on a warm connection;
* ``facts + figures, fresh connection``: a new connection (cold page cache, as
  the GUI's NullPool gives), the facts, then all figures — the refresh a lead waits for.

The data are synthetic and seeded: 5,000 customers (A 15 %, B 35 %, C 50 %),
visited about as often as their class asks with some slipping, ~5 % by the
backup on behalf of the manager, a few forgotten check-outs, late syncs,
follow-ups and complaints; every visit answers the 9-item counter checklist
(so the answers table has the size a real one would). The database is built with
bulk inserts under the system temporary folder (``FIELDAPP_BENCH_DIR`` to choose
another disk) and deleted afterwards.
Standalone: ``python -m benchmarks.scenarios.dashboard [repeats]``.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from fieldapp.core.assessment import (
    AssessmentFacts,
    CustomerFact,
    FollowUpFact,
    PlannedFact,
    VisitFact,
    assess,
    daily_visits,
    trend,
)
from fieldapp.core.entities import ChecklistItem, CustomerClass, FollowUpStatus, VisitStatus
from fieldapp.core.periods import PeriodKind, last_periods, period_containing

NAME = "dashboard"
DESCRIPTION = "Assessment dashboard for 10 managers x 500 customers x 6 months: figures, facts from SQLite"
DEFAULT_REPEATS = 10
MANAGERS = 10
CUSTOMERS_PER_MANAGER = 500
AS_OF = date(2026, 11, 20)
MONTHS = 6
FIRST_DAY = date(2026, 5, 1)  # visits from here (covers the trend's first month and its lookback)
TARGET_MS = 1000.0
SEED = 20261120
TZ = timezone(timedelta(hours=8))
ITEM_KEYS = ("counter_clean", "display_standard", "price_tags", "new_products", "publicity", "minors_sign",
             "licence_displayed", "no_counterfeit", "brand_substitution")
INTERVALS = {CustomerClass.A: 7, CustomerClass.B: 14, CustomerClass.C: 30}


def _items() -> tuple[ChecklistItem, ...]:
    return tuple(ChecklistItem(key, f"项目{n}", key.replace("_", " "), weight=100 / len(ITEM_KEYS))
                 for n, key in enumerate(ITEM_KEYS))


def synthetic_facts(seed: int = SEED) -> AssessmentFacts:
    """The team's facts (see the module docstring), seeded."""
    rng = random.Random(seed)
    managers = [f"mgr-{m:02d}" for m in range(MANAGERS)]
    customers, visits, follow_ups, planned = [], [], [], []
    days = (AS_OF - FIRST_DAY).days + 1
    for m, manager in enumerate(managers):
        backup = managers[(m + 1) % MANAGERS]
        for n in range(CUSTOMERS_PER_MANAGER):
            cid = f"cust-{m:02d}-{n:03d}"
            klass = rng.choices([CustomerClass.A, CustomerClass.B, CustomerClass.C], weights=[15, 35, 50])[0]
            customers.append(CustomerFact(cid, klass, manager, backup))
            interval = INTERVALS[klass]
            day = FIRST_DAY + timedelta(days=rng.randint(0, interval - 1))
            while day <= AS_OF:
                if day.weekday() >= 5:
                    day += timedelta(days=7 - day.weekday())  # weekend: Monday
                    continue
                covering = rng.random() < 0.05
                check_in = datetime(day.year, day.month, day.day, rng.randint(8, 16), rng.randint(0, 59), tzinfo=TZ)
                minutes = 600 if rng.random() < 0.01 else rng.randint(8, 60)
                failed = tuple(rng.sample(ITEM_KEYS, rng.choices([0, 1, 2, 3], weights=[60, 25, 10, 5])[0]))
                check_out = check_in + timedelta(minutes=minutes)
                delay = timedelta(hours=rng.expovariate(1 / 10)) if rng.random() < 0.95 else timedelta(
                    days=rng.uniform(2, 6))
                vid = f"v-{len(visits):06d}"
                complaint = rng.random() < 0.02
                visits.append(VisitFact(
                    vid, backup if covering else manager, cid, klass, manager if covering else None, check_in,
                    check_out, round(100.0 * (len(ITEM_KEYS) - len(failed)) / len(ITEM_KEYS), 1), failed,
                    VisitStatus.COMPLETED, check_out + delay if rng.random() < 0.9 else None, check_in, complaint))
                if rng.random() < 0.9:
                    planned.append(PlannedFact(backup if covering else manager, cid, day))
                if failed or complaint:
                    due = day + timedelta(days=7)
                    done = rng.random() < 0.8
                    status = FollowUpStatus.DONE if done else FollowUpStatus.OPEN
                    closed = due + timedelta(days=rng.randint(-6, 3)) if done else None
                    follow_ups.append(FollowUpFact(f"f-{len(follow_ups):06d}", cid, manager, due, status,
                                                   created_on=day, closed_on=closed, is_complaint=complaint,
                                                   visit_id=vid))
                # next visit: the interval, give or take; now and then late
                day += timedelta(days=max(1, interval + rng.randint(-2, 2) + (interval if rng.random() < 0.08 else 0)))
            if rng.random() < 0.1:  # planned but never visited
                planned.append(PlannedFact(manager, cid, FIRST_DAY + timedelta(days=rng.randint(0, days - 1))))
    return AssessmentFacts(tuple(customers), tuple(visits), tuple(follow_ups), tuple(planned), _items())


def dashboard(facts: AssessmentFacts) -> dict:
    """What the dashboard computes on a refresh: the month, two trends, the daily chart."""
    fresh = AssessmentFacts(facts.customers, facts.visits, facts.follow_ups, facts.planned, facts.items)
    month = period_containing(PeriodKind.MONTH, AS_OF)
    team = fresh.manager_ids()
    result = assess(fresh, month, team, as_of=AS_OF)
    months = trend(fresh, PeriodKind.MONTH, AS_OF, MONTHS, team)
    weeks = trend(fresh, PeriodKind.WEEK, AS_OF, 12, team)
    days = daily_visits(fresh, month, team, as_of=AS_OF)
    return {"assessment": result, "months": months, "weeks": weeks, "days": days}


# --- the database ------------------------------------------------------------------------------


def _text(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment is not None else None


def build_database(facts: AssessmentFacts, folder: Path):
    """A profile database holding ``facts`` as synced rows (bulk inserts); returns its engine.

    The visits of manager mgr-00 are "made on this laptop": they have journal
    entries with acknowledgements (so ``synced_at`` is read from the journal);
    the others are pulled rows without journal entries.
    """
    from fieldapp.demo.templates import load_counter_checklist
    from fieldapp.store.db import write_transaction
    from fieldapp.store.migrate import open_profile_database
    from fieldapp.store.profile import Profile
    from fieldapp.store.templates import install_template

    engine = open_profile_database(Profile(folder / "profile"))
    template = load_counter_checklist()
    keys = [item.key for item in template.items]
    now = "2026-11-20T12:00:00.000+00:00"
    own = "mgr-00"
    with write_transaction(engine) as conn:
        install_template(conn, template)
        raw = conn.connection.driver_connection
        raw.executemany(
            "INSERT INTO customers (id, created_at, updated_at, deleted, version, code, licence_no, store_name, owner,"
            " phone, address, market_type, business_format, grade, customer_class, route, tags, manager_id,"
            " backup_manager_id, status, needs, notes, search_key) VALUES"
            " (?, ?, ?, 0, 1, ?, ?, ?, ?, '', '', 'rural', 'grocery', 10, ?, 'R01', '[]', ?, ?, 'active', '', '', ?)",
            [(c.customer_id, now, now, f"C{k:05d}", f"4301211{k:05d}", f"客户{k:05d}", "店主", c.customer_class.value,
              c.manager_id, c.backup_manager_id, k + 1) for k, c in enumerate(facts.customers)])
        raw.executemany(
            "INSERT INTO visits (id, created_at, updated_at, deleted, version, customer_id, visit_type, status,"
            " manager_id, on_behalf_of, check_in_at, check_out_at, template_id, template_version, score)"
            " VALUES (?, ?, ?, 0, 2, ?, 'service', 'completed', ?, ?, ?, ?, ?, ?, ?)",
            [(v.visit_id, now, now, v.customer_id, v.manager_id, v.on_behalf_of, _text(v.check_in_at),
              _text(v.check_out_at), template.id, template.version, v.score) for v in facts.visits])
        answers = []
        item_of = {key: keys[n % len(keys)] for n, key in enumerate(ITEM_KEYS)}
        for v in facts.visits:
            failed = {item_of[k] for k in v.failed_items}
            for key in keys:
                answers.append((f"{v.visit_id}-{key}", now, now, v.visit_id, key,
                                "fail" if key in failed else "pass"))
        raw.executemany(
            "INSERT INTO checklist_answers (id, created_at, updated_at, deleted, version, visit_id, item_key, result,"
            " note) VALUES (?, ?, ?, 0, 1, ?, ?, ?, '')", answers)
        raw.executemany(
            "INSERT INTO visit_notes (id, created_at, updated_at, deleted, version, visit_id, needs, complaints,"
            " market_info) VALUES (?, ?, ?, 0, 1, ?, '希望增加货源', ?, '')",
            [(f"n-{v.visit_id}", now, now, v.visit_id, "送货太晚" if v.has_complaint else "")
             for v in facts.visits if v.has_complaint or int(v.visit_id[2:]) % 3 == 0])
        raw.executemany(
            "INSERT INTO follow_ups (id, created_at, updated_at, deleted, version, customer_id, visit_id, title,"
            " due_date, status, owner_id) VALUES (?, ?, ?, 0, 1, ?, ?, '跟进', ?, ?, ?)",
            [(f.follow_up_id, now, now, f.customer_id, f.visit_id, f.due_date.isoformat(), f.status.value, f.owner_id)
             for f in facts.follow_ups])
        journal = []
        for v in facts.visits:
            if v.manager_id != own:
                continue
            acked = (v.synced_at or v.check_out_at).astimezone(timezone.utc).isoformat(timespec="milliseconds")
            journal.append(("visit", v.visit_id, "insert", 0, json.dumps({"status": [None, "in_progress"]}),
                            acked, acked))
            journal.append(("visit", v.visit_id, "update", 1, json.dumps({"status": ["in_progress", "completed"]}),
                            acked, acked))
        for f in facts.follow_ups:
            if f.owner_id == own and f.closed_on is not None:
                stamp = f"{f.closed_on.isoformat()}T02:00:00.000+00:00"
                journal.append(("follow_up", f.follow_up_id, "update", 1, json.dumps({"status": ["open", "done"]}),
                                stamp, stamp))
        raw.executemany(
            "INSERT INTO change_journal (entity, row_id, op, base_version, changes, created_at, acked_at, outcome)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, '{\"status\": \"applied\"}')", journal)
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    return engine


def _time_ms(fn, repeats: int) -> list[float]:
    fn()  # warm-up
    samples = []
    for _ in range(max(1, repeats)):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000.0)
    return samples


def run(repeats: int = DEFAULT_REPEATS) -> list[dict]:
    from fieldapp.store.assessment_facts import build_assessment_facts

    facts = synthetic_facts()
    result = dashboard(facts)
    team = result["assessment"].team
    details = {"managers": MANAGERS, "customers": len(facts.customers), "visits": len(facts.visits),
               "follow_ups": len(facts.follow_ups), "planned": len(facts.planned),
               "month_visits": team.visits, "month_coverage_pct": round(team.coverage.percent or 0, 1),
               "month_avg_score": round(team.score.value or 0, 1)}
    figures = [{"figure": "dashboard figures (pure), 10 managers x 500 customers x 6 months", "unit": "ms",
                "target": TARGET_MS, "samples": _time_ms(lambda: dashboard(facts), repeats), "details": details}]

    base = Path(os.environ.get("FIELDAPP_BENCH_DIR") or tempfile.gettempdir())
    folder = Path(tempfile.mkdtemp(prefix="fieldapp-bench-dashboard-", dir=base))
    try:
        started = time.perf_counter()
        engine = build_database(facts, folder)
        build_s = time.perf_counter() - started
        first = last_periods(PeriodKind.MONTH, AS_OF, MONTHS)[0].start
        try:
            with engine.connect() as conn:
                loaded = build_assessment_facts(conn, first, AS_OF, plan_owner_id=None)
                samples = _time_ms(lambda: build_assessment_facts(conn, first, AS_OF, plan_owner_id=None), repeats)
            figures.append({"figure": "facts from SQLite (6 months + lookback)", "unit": "ms", "target": TARGET_MS,
                            "samples": samples,
                            "details": {"visits_read": len(loaded.visits), "follow_ups_read": len(loaded.follow_ups),
                                        "database_build_s": round(build_s, 1)}})

            def cold() -> None:
                with engine.connect() as conn:
                    dashboard(build_assessment_facts(conn, first, AS_OF, plan_owner_id=None))

            figures.append({"figure": "facts + figures, fresh connection", "unit": "ms", "target": TARGET_MS,
                            "samples": _time_ms(cold, repeats)})
        finally:
            engine.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    repeats = int(args[0]) if args else 5
    for figure in run(repeats):
        samples = figure["samples"]
        median = statistics.median(samples)
        verdict = "ok" if median <= figure["target"] else "OVER TARGET"
        details = ", ".join(f"{k}={v}" for k, v in figure.get("details", {}).items())
        print(f"{figure['figure']}: median {median:.1f} {figure['unit']} (min {min(samples):.1f}, "
              f"max {max(samples):.1f}, n={len(samples)}), target {figure['target']:g} {figure['unit']}: "
              f"{verdict}" + (f"  [{details}]" if details else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
