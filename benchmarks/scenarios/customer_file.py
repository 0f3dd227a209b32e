"""Benchmark: opening a customer file whose customer has 200 past visits, in a profile of 50,000 customers.

What is timed is what the window's DB worker does when a customer is opened:
:func:`fieldapp.store.customers.get_customer` and
:func:`fieldapp.store.history.customer_history` (the latest 50 visits with
their failed-item counts, the visit count, the score series of all 200
visits, open follow-ups, the items failed at the last visit, 12 months of
purchases by brand) — on a new connection each time (the worker's pool
hands out connections; a cold page cache is the worst case) and on one warm
connection.

The profile (:func:`benchmarks.profiles.county_profile`): the demo county's
50,000 customers with their purchases, three months of visits at each
class's cadence (every visit with its 9 answers; notes, follow-ups), and one
customer with 200 weekly visits going back four years. The issue sets no
target for this figure; 100 ms is the usual bound for "instant".
Run alone: ``python -m benchmarks customer_file [--repeat N]``.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

NAME = "customer_file"
DESCRIPTION = "Open a customer file with 200 past visits (customer + history) in a 50,000-customer profile"
DEFAULT_REPEATS = 50
CUSTOMERS = 50_000
RICH_VISITS = 200


def _time_ms(fn, repeats: int, warmup: int = 2) -> tuple[list[float], list[float]]:
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return wall, cpu


def run(repeats: int = DEFAULT_REPEATS) -> list[dict]:
    from benchmarks.profiles import county_profile
    from fieldapp.store.customers import get_customer
    from fieldapp.store.history import customer_history

    repeats = max(1, int(repeats))
    root = Path(tempfile.mkdtemp(prefix="fieldapp-bench-file-", dir=os.environ.get("FIELDAPP_BENCH_DIR") or None))
    engine = None
    try:
        engine, info = county_profile(root / "profile", CUSTOMERS, rich_visits=RICH_VISITS)
        cid = info.rich_customer

        def open_file(conn):
            customer = get_customer(conn, cid)
            return customer, customer_history(conn, cid)

        with engine.connect() as conn:
            customer, history = open_file(conn)
            warm, warm_cpu = _time_ms(lambda: open_file(conn), repeats)

        def fresh():
            with engine.connect() as conn:
                return open_file(conn)

        cold, cold_cpu = _time_ms(fresh, repeats)
        db_mib = (root / "profile" / "fieldapp.sqlite3").stat().st_size / 2**20
        details = {"visits_in_file": history.visit_count, "visits_listed": len(history.visits),
                   "score_points": len(history.scores), "open_follow_ups": len(history.open_follow_ups),
                   "purchase_months": len(history.purchases), "profile_visits": info.visits,
                   "profile_answers": info.answers, "database_mib": round(db_mib), "build_s": round(info.build_s, 1)}
        return [
            {"figure": f"open a customer file with {RICH_VISITS} visits (new connection)", "unit": "ms",
             "samples": cold, "target_stat": "p95",
             "details": {**details, "cpu_median_ms": round(statistics.median(cold_cpu), 2)},
             "note": f"{info.customers:,} customers, {info.visits:,} visits, {info.answers:,} answers; "
                     f"database {db_mib:.0f} MiB; no target in issue 7 (100 ms = instant)"},
            {"figure": f"open a customer file with {RICH_VISITS} visits (warm connection)", "unit": "ms",
             "samples": warm, "target_stat": "p95",
             "details": {"cpu_median_ms": round(statistics.median(warm_cpu), 2)}},
        ]
    finally:
        if engine is not None:
            engine.dispose()
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    for fig in run(int(argv[0]) if argv else DEFAULT_REPEATS):
        s = fig["samples"]
        print(f"{fig['figure']}: median {statistics.median(s):.2f} {fig['unit']} (n={len(s)}) {fig.get('note', '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
