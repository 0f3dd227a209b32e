"""Benchmark: visit planning for a large territory, and ordering a day's route.

Figures:

* ``plan today, 5,000 customers``: :func:`fieldapp.core.planning.plan_visits` with a 1-day horizon.
* ``plan week, 5,000 customers``: the same with a 7-day horizon (5 working days).
* ``order 60-stop route``: :func:`fieldapp.core.routing.order_route` on 60 stops
  spread over a rural county; the result also reports the route length before
  (input order), after nearest neighbour alone, and after 2-opt/Or-opt.
* ``plan from a profile, N customers``: the same planning from a real profile
  database (:func:`benchmarks.profiles.county_profile`: the demo county with
  its purchases and three months of visits with answers, notes and
  follow-ups), for 5,000 and 50,000 customers —
  :func:`fieldapp.store.planning_facts.build_planning_facts` on a new
  connection, then :func:`build_plan` for today and for the week (what the
  window's plan view reads at start-up). Figures: facts, facts + plan today,
  facts + plan week. Set ``FIELDAPP_BENCH_PLAN_PROFILES=5000`` to skip the
  50,000 profile (it takes ~40 s to build).

The data are synthetic and seeded, so every run plans the same customers.
Standalone: ``python -m benchmarks.scenarios.planning [repeats]``.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import date, timedelta

from fieldapp.core.entities import CustomerClass, CustomerStatus
from fieldapp.core.planning import CustomerPlanningFacts, build_plan
from fieldapp.core.routing import Stop, nearest_neighbour_route, order_route, route_length_km

NAME = "planning"
DESCRIPTION = "Visit planning: 5,000 synthetic customers, a 60-stop route, and from profiles of 5,000 and 50,000"

TODAY = date(2026, 11, 23)  # a Monday
CUSTOMERS = 5000
STOPS = 60
OFFICE = (28.19, 113.05)  # county office the day starts from
PLAN_TARGET_MS = 200.0
ROUTE_TARGET_MS = 50.0
SEED = 20261123

_LABELS = ("柜台整洁", "卷烟出样", "明码标价", "新品上柜", "许可证悬挂", "不向未成年人售烟标识")


def synthetic_customers(count: int = CUSTOMERS, today: date = TODAY, seed: int = SEED) -> list[CustomerPlanningFacts]:
    """A territory with the mix a county sees: mostly small C stores, a few suspended or closed,
    some with problems pending (failed items, follow-ups, complaints, expiring licences, falling orders)."""
    rng = random.Random(seed)
    first_month = date(today.year - (1 if today.month <= 8 else 0), (today.month - 8 - 1) % 12 + 1, 1)
    customers = []
    for n in range(count):
        klass = rng.choices([CustomerClass.A, CustomerClass.B, CustomerClass.C], weights=[15, 35, 50])[0]
        status = rng.choices([CustomerStatus.ACTIVE, CustomerStatus.SUSPENDED, CustomerStatus.CLOSED],
                             weights=[97, 2, 1])[0]
        interval = {CustomerClass.A: 7, CustomerClass.B: 14, CustomerClass.C: 30}[klass]
        # Most stores were seen within their interval; some slipped behind.
        last_visit = None if rng.random() < 0.03 else today - timedelta(days=rng.randint(1, interval * 13 // 10))
        failed = tuple(rng.sample(_LABELS, rng.randint(1, 3))) if rng.random() < 0.10 else ()
        open_fu = rng.randint(1, 3) if rng.random() < 0.15 else 0
        fu_due = today + timedelta(days=rng.randint(-10, 20)) if open_fu and rng.random() < 0.9 else None
        base = rng.uniform(5, 80)
        dropping = rng.random() < 0.05
        orders = []
        for k in range(8):
            month = date(first_month.year + (first_month.month - 1 + k) // 12, (first_month.month - 1 + k) % 12 + 1, 1)
            factor = 0.4 if dropping and k == 7 else rng.uniform(0.85, 1.15)
            orders.append((month, round(base * factor)))
        customers.append(CustomerPlanningFacts(
            customer_id=f"cust-{n:05d}", store_name=f"客户{n:05d}", customer_class=klass, status=status,
            last_visit=last_visit, failed_items=failed, open_follow_ups=open_fu, earliest_follow_up_due=fu_due,
            open_complaint=rng.random() < 0.02, licence_expiry=today + timedelta(days=rng.randint(-10, 700)),
            monthly_orders=tuple(orders),
            latitude=28.0 + rng.random() * 0.4 if rng.random() < 0.9 else None,
            longitude=112.85 + rng.random() * 0.4))
    return customers


def synthetic_stops(count: int = STOPS, seed: int = SEED) -> list[Stop]:
    """Stops scattered over roughly 40 km x 40 km, listed in no useful order."""
    rng = random.Random(seed)
    return [Stop(f"stop-{n:02d}", 28.0 + rng.random() * 0.36, 112.85 + rng.random() * 0.4) for n in range(count)]


def _time_ms(fn, repeats: int) -> list[float]:
    fn()  # warm-up: imports, caches
    samples = []
    for _ in range(max(1, repeats)):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000.0)
    return samples


def _profile_figures(count: int, repeats: int) -> list[dict]:
    """Planning facts read from a profile database of ``count`` customers, then the plan."""
    import os
    import shutil
    import tempfile
    from pathlib import Path

    from benchmarks.profiles import county_profile
    from fieldapp.store.planning_facts import build_planning_facts

    root = Path(tempfile.mkdtemp(prefix="fieldapp-bench-plan-", dir=os.environ.get("FIELDAPP_BENCH_DIR") or None))
    engine = None
    try:
        engine, info = county_profile(root / "profile", count, months=3, today=TODAY)

        def facts():
            with engine.connect() as conn:
                return build_planning_facts(conn, TODAY)

        loaded = facts()
        today_plan = build_plan(loaded, TODAY, horizon_days=1)
        n = max(3, repeats // 3)
        label = f"{count:,} customers"
        details = {"visits": info.visits, "answers": info.answers, "follow_ups": info.follow_ups,
                   "planned_today": len(today_plan.visits), "build_s": round(info.build_s, 1)}
        return [
            {"figure": f"planning facts from a profile, {label} (new connection)", "unit": "ms",
             "samples": _time_ms(facts, n), "details": details},
            {"figure": f"plan today from a profile, {label} (facts + plan)", "unit": "ms", "target": PLAN_TARGET_MS
             if count <= CUSTOMERS else None,
             "samples": _time_ms(lambda: build_plan(facts(), TODAY, horizon_days=1), n)},
            {"figure": f"plan week from a profile, {label} (facts + plan)", "unit": "ms", "target": PLAN_TARGET_MS
             if count <= CUSTOMERS else None,
             "samples": _time_ms(lambda: build_plan(facts(), TODAY, horizon_days=7), n)},
        ]
    finally:
        if engine is not None:
            engine.dispose()
        shutil.rmtree(root, ignore_errors=True)


def run(repeats: int) -> list[dict]:
    import os

    profile_sizes = [int(x) for x in (os.environ.get("FIELDAPP_BENCH_PLAN_PROFILES") or "5000,50000").split(",") if x]
    return _synthetic_figures(repeats) + [f for size in profile_sizes for f in _profile_figures(size, repeats)]


def _synthetic_figures(repeats: int) -> list[dict]:
    customers = synthetic_customers()
    today_plan = build_plan(customers, TODAY, horizon_days=1)
    week_plan = build_plan(customers, TODAY, horizon_days=7)
    stops = synthetic_stops()
    nn = nearest_neighbour_route(stops, OFFICE)
    ordered = order_route(stops, OFFICE)
    return [
        {"figure": "plan today, 5,000 customers", "unit": "ms", "target": PLAN_TARGET_MS,
         "samples": _time_ms(lambda: build_plan(customers, TODAY, horizon_days=1), repeats),
         "details": {"planned": len(today_plan.visits), "unplaced": len(today_plan.unplaced)}},
        {"figure": "plan week, 5,000 customers", "unit": "ms", "target": PLAN_TARGET_MS,
         "samples": _time_ms(lambda: build_plan(customers, TODAY, horizon_days=7), repeats),
         "details": {"planned": len(week_plan.visits), "unplaced": len(week_plan.unplaced)}},
        {"figure": "order 60-stop route", "unit": "ms", "target": ROUTE_TARGET_MS,
         "samples": _time_ms(lambda: order_route(stops, OFFICE), repeats),
         "details": {"km_input_order": round(route_length_km(stops, OFFICE), 1),
                     "km_nearest_neighbour": round(route_length_km(nn, OFFICE), 1),
                     "km_ordered": round(route_length_km(ordered, OFFICE), 1)}},
    ]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    repeats = int(args[0]) if args else 10
    for figure in run(repeats):
        samples = figure["samples"]
        median = statistics.median(samples)
        verdict = "ok" if median <= figure["target"] else "OVER TARGET"
        details = ", ".join(f"{k}={v}" for k, v in figure.get("details", {}).items())
        print(f"{figure['figure']}: median {median:.2f} {figure['unit']} (min {min(samples):.2f}, "
              f"max {max(samples):.2f}, n={len(samples)}), target {figure['target']:g} {figure['unit']}: "
              f"{verdict}" + (f"  [{details}]" if details else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
