"""Benchmark: demo data for 50,000 customers, then customer search over them.

Figures:

* ``demo generation``: :func:`fieldapp.demo.generate_demo_profile` for 50,000
  customers into a fresh profile (target < 10 s), once per repeat;
* ``fieldapp demo CLI``: the same through ``python -m fieldapp demo`` in a
  subprocess — imports, opening/creating the database, generation (target < 10 s);
* ``search …``: :func:`fieldapp.store.customers.search_customer_ids` end to end
  (SQL, FTS, sort, rows into Python) on one warm connection, for realistic
  queries: 2-character substrings of store names that match thousands of
  customers (``便利`` — the ORDER BY over many hits), village names, owner
  surname + given character, phone digits, one character, with and without a
  class/route filter, and the filter-only lists (target p95 < 30 ms);
* ``… fresh connection``: the GUI opens a new connection per query (NullPool),
  so its page cache starts cold; measured for the heaviest cases.

The profile lives under the system temporary folder (``FIELDAPP_BENCH_DIR`` to
choose another disk) and is deleted afterwards. Seeded and dated, so every run
searches the same data.
Run alone: ``python -m benchmarks demo_and_search [--repeat N]``.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

NAME = "demo_and_search"
DESCRIPTION = "Demo data for 50,000 customers (generation time), then customer search latency"
DEFAULT_REPEATS = 3
CUSTOMERS = 50_000
SEED = 0
TODAY = date(2026, 11, 23)
GENERATION_TARGET_S = 10.0
SEARCH_TARGET_MS = 30.0
SEARCH_SAMPLES = 60  # per query (at least; more with --repeat > 6)
FRESH_SAMPLES = 20


def _queries(conn):
    """(label, CustomerQuery) pairs; data-derived values come from the seeded profile."""
    from sqlalchemy import text

    from fieldapp.store.customers import CustomerQuery

    def one(sql: str) -> str:
        return conn.execute(text(sql)).scalar_one()

    # A village of the first rural town, its most common route, and a phone's last four digits.
    village = one("SELECT substr(address, 7, 3) FROM customers WHERE address LIKE '长沙县黄兴镇%村%组%' "
                  "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    route = one("SELECT route FROM customers GROUP BY route ORDER BY count(*) DESC, route LIMIT 1")
    digits = one("SELECT substr(phone, 8, 4) FROM customers WHERE length(phone) = 11 ORDER BY search_key LIMIT 1")
    return [
        ("'便利' (2-char store-name substring)", CustomerQuery(text="便利")),
        ("'超市' (2-char store-name substring)", CustomerQuery(text="超市")),
        ("'烟酒' (2-char store-name substring)", CustomerQuery(text="烟酒")),
        (f"'{village}' (village name)", CustomerQuery(text=village)),
        ("'王建' (owner surname + given char)", CustomerQuery(text="王建")),
        (f"'{digits}' (phone digits)", CustomerQuery(text=digits)),
        ("'王' (one character)", CustomerQuery(text="王")),
        ("'便利' + class A", CustomerQuery(text="便利", customer_class="A")),
        (f"'便利' + route {route}", CustomerQuery(text="便利", route=route)),
        (f"'{village}' + class C", CustomerQuery(text=village, customer_class="C")),
        (f"route {route} only (no text)", CustomerQuery(route=route)),
        ("class C only (no text)", CustomerQuery(customer_class="C")),
        ("all customers (no text, no filter)", CustomerQuery()),
    ]


def _time_ms(fn, samples: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(samples):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000.0)
    return out


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def _generate(folder: Path):
    from fieldapp.demo import generate_demo_profile
    from fieldapp.store.migrate import open_profile_database
    from fieldapp.store.profile import Profile

    engine = open_profile_database(Profile(folder))
    started, cpu = time.perf_counter(), time.process_time()
    summary = generate_demo_profile(engine, CUSTOMERS, seed=SEED, today=TODAY)
    return engine, time.perf_counter() - started, time.process_time() - cpu, summary


def _cli_seconds(folder: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "fieldapp", "--data-dir", str(folder), "demo",
                    "--customers", str(CUSTOMERS), "--seed", str(SEED)],
                   check=True, capture_output=True, text=True, timeout=300)
    return time.perf_counter() - started


def run(repeats: int = DEFAULT_REPEATS) -> list[dict]:
    from fieldapp.store.customers import search_customer_ids

    repeats = max(1, int(repeats))
    base = os.environ.get("FIELDAPP_BENCH_DIR") or None
    root = Path(tempfile.mkdtemp(prefix="fieldapp-bench-demo-", dir=base))
    engine = None
    try:
        generation, cpu, cli, summary = [], [], [], None
        for i in range(repeats):
            if engine is not None:
                engine.dispose()
                shutil.rmtree(root / f"gen{i - 1}", ignore_errors=True)
            engine, seconds, cpu_seconds, summary = _generate(root / f"gen{i}")
            generation.append(seconds)
            cpu.append(cpu_seconds)
            cli.append(_cli_seconds(root / f"cli{i}"))
            shutil.rmtree(root / f"cli{i}", ignore_errors=True)
        db_mib = (root / f"gen{repeats - 1}" / "fieldapp.sqlite3").stat().st_size / 2**20
        figures = [
            {"figure": f"demo generation, {CUSTOMERS:,} customers", "unit": "s", "samples": generation,
             "target": GENERATION_TARGET_S,
             "details": {"purchases": summary.purchases, "database_mib": round(db_mib, 1)},
             "note": f"{summary.purchases:,} purchase rows, database {db_mib:.0f} MiB"},
            {"figure": "demo generation, CPU time of this process", "unit": "s", "samples": cpu,
             "note": "less sensitive than wall time to other work on the machine (excludes I/O waits)"},
            {"figure": f"fieldapp demo CLI, {CUSTOMERS:,} customers", "unit": "s", "samples": cli,
             "target": GENERATION_TARGET_S},
        ]

        samples_per_query = max(SEARCH_SAMPLES, 10 * repeats)
        with engine.connect() as conn:
            for label, query in _queries(conn):
                hits = len(search_customer_ids(conn, query))
                samples = _time_ms(lambda q=query: search_customer_ids(conn, q), samples_per_query)
                figures.append({"figure": f"search {label}", "unit": "ms", "samples": samples,
                                "target": SEARCH_TARGET_MS, "target_stat": "p95",
                                "details": {"hits": hits, "p95": round(_p95(samples), 2)},
                                "note": f"{hits:,} hits"})
            heavy = [(label, q) for label, q in _queries(conn)
                     if label.startswith("'便利' (") or label.startswith("all customers")]

        def fresh(q):
            with engine.connect() as c:  # a new sqlite3 connection: cold page cache, as in the GUI
                return search_customer_ids(c, q)

        for label, query in heavy:
            samples = _time_ms(lambda q=query: fresh(q), FRESH_SAMPLES)
            figures.append({"figure": f"search {label}, fresh connection", "unit": "ms", "samples": samples,
                            "target": SEARCH_TARGET_MS, "target_stat": "p95",
                            "details": {"p95": round(_p95(samples), 2)}})
        return figures
    finally:
        if engine is not None:
            engine.dispose()
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    for fig in run(int(argv[0]) if argv else DEFAULT_REPEATS):
        s = fig["samples"]
        print(f"{fig['figure']}: median {statistics.median(s):.2f} {fig['unit']}, p95 {_p95(s):.2f}, "
              f"min {min(s):.2f}, max {max(s):.2f} (n={len(s)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
