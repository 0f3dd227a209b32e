"""Benchmark: a region syncing at 8 a.m. — N simulated laptops against FieldSync on PostgreSQL.

Each simulated laptop is an asyncio task with its own ``httpx.AsyncClient``
(its own TCP connection), its own user, device and client id, a refresh token
from yesterday, a pull cursor from yesterday, and an outbox of yesterday
evening's work: 2 completed visits, each a visit insert, 9 checklist answers,
a note and the check-out update (24 mutations, gzip like the real client).
Overnight the office changed 2 of each manager's customers. The morning sync
is what the real client does when the access token has expired:

    POST /auth/refresh → POST /sync/push (24 mutations) → POST /sync/pull (until
    has_more is false) → GET /sync/digest

Laptops arrive spread evenly over an arrival window (seeded jitter), as a
region's laptops do when people start work: 5 laptops per second
(``FIELDAPP_BENCH_LOAD_RATE``), so 1,000 laptops arrive within 200 s — a
sharp 8 a.m. peak (a region's managers rarely start within less than a few
minutes of each other). ``FIELDAPP_BENCH_LOAD_WINDOW_S`` sets the window
directly. A last run starts 200 laptops **at once** (a stress test, not a
morning): its throughput is the server's saturated capacity on this machine,
the number to size from.

Figures per N (50 and 200 by default; ``--full`` or
``FIELDAPP_BENCH_LOAD_CLIENTS=50,200,1000`` adds 1,000):
request latency (all requests; target p95 < 2 s), errors (target 0: any HTTP
error, exception, timeout or a push outcome other than ``applied``),
throughput (mutations applied per second of the busy period), and the
morning sync's duration per laptop. ``details``: latency per request kind
(p50/p95/p99), requests/s, the server's CPU (its process tree, from /proc)
and peak RSS, the PostgreSQL backends' CPU, and this load generator's CPU —
all on the same 2 cores, so the generator's share is a cost the server does
not have in production.

Server: ``fieldsync serve --workers 2`` (``FIELDAPP_BENCH_LOAD_WORKERS``) on
a throw-away PostgreSQL database; each manager has 50 customers
(``FIELDAPP_BENCH_LOAD_CUSTOMERS``). Users, devices and tokens are created
in-process with the server's own code (bulk insert, ``fieldsync.auth.login``);
yesterday's cursors come from a real pull. Bounded: every request times out
after 60 s and a whole N after 10 minutes.
Run: ``python -m benchmarks load`` (quick) or ``python -m benchmarks load --full``.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import random
import shutil
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from benchmarks import synclab as L

NAME = "load"
DESCRIPTION = "N laptops (50, 200; --full adds 1,000) syncing at 8 a.m. against FieldSync on PostgreSQL"
DEFAULT_REPEATS = 1
QUICK_CLIENTS = (50, 200)
FULL_CLIENTS = (50, 200, 1000)
WORKERS = int(os.environ.get("FIELDAPP_BENCH_LOAD_WORKERS", "2"))
CUSTOMERS_PER_CLIENT = int(os.environ.get("FIELDAPP_BENCH_LOAD_CUSTOMERS", "50"))
VISITS_PER_CLIENT = 2
OVERNIGHT_EDITS = 2
ARRIVALS_PER_S = float(os.environ.get("FIELDAPP_BENCH_LOAD_RATE", "5"))
STRESS_CLIENTS = int(os.environ.get("FIELDAPP_BENCH_LOAD_STRESS", "200"))  # all at once; 0 = no stress run
REQUEST_TIMEOUT_S = 60.0
RUN_DEADLINE_S = 600.0
SETUP_CONCURRENCY = 16
P95_TARGET_MS = 2000.0
ITEMS = L.ITEM_KEYS
SEED = 8


@dataclass
class Laptop:
    username: str
    user_id: str
    device_id: str
    refresh_token: str
    customer_ids: list[str]
    access: str = ""  # yesterday's access token: only for the set-up pull (expired by the morning)
    cursor: str | None = None
    body: bytes = b""
    mutations: int = 0
    results: list[tuple[str, float, float, int, str]] = field(default_factory=list)  # kind, start, s, status, err
    applied: int = 0
    session_s: float | None = None


# --- setup -------------------------------------------------------------------------------------


def _outbox(laptop: Laptop, template_id: str, rng: random.Random) -> tuple[bytes, int]:
    """Yesterday evening's 2 visits as a gzip PushRequest body (what the real client sends)."""
    tz = timezone(timedelta(hours=8))
    mutations, seq = [], 0

    def add(entity: str, row_id: str, op: str, changes: dict, base: int = 0) -> None:
        nonlocal seq
        seq += 1
        mutations.append({"seq": seq, "entity": entity, "row_id": row_id, "op": op, "base_version": base,
                          "changes": {k: list(v) for k, v in changes.items()}})

    for n in range(VISITS_PER_CLIENT):
        vid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        check_in = datetime(2026, 11, 22, 15 + n, rng.randint(0, 59), tzinfo=tz)
        add("visit", vid, "insert", {
            "customer_id": (None, laptop.customer_ids[n % len(laptop.customer_ids)]), "visit_type": (None, "service"),
            "status": (None, "in_progress"), "manager_id": (None, laptop.user_id), "on_behalf_of": (None, None),
            "check_in_at": (None, check_in.isoformat()), "latitude": (None, 28.2 + rng.random() * 0.3),
            "longitude": (None, 113.0 + rng.random() * 0.3), "template_id": (None, template_id),
            "template_version": (None, 1)})
        for key in ITEMS:
            add("checklist_answer", str(uuid.UUID(int=rng.getrandbits(128), version=4)), "insert", {
                "visit_id": (None, vid), "item_key": (None, key),
                "result": (None, "pass" if rng.random() < 0.9 else "fail"),
                "count": (None, 12 if key in ("display_standard", "new_products") else None), "note": (None, "")})
        add("visit_note", str(uuid.UUID(int=rng.getrandbits(128), version=4)), "insert", {
            "visit_id": (None, vid), "needs": (None, L.NOTES["needs"]), "market_info": (None, L.NOTES["market_info"])})
        add("visit", vid, "update", {"status": ("in_progress", "completed"), "score": (None, 92.5),
                                     "check_out_at": (None, (check_in + timedelta(minutes=18)).isoformat())})
    body = json.dumps({"client_id": laptop.device_id, "mutations": mutations, "protocol_version": 1},
                      ensure_ascii=False, separators=(",", ":")).encode()
    return gzip.compress(body, compresslevel=6), len(mutations)


def _headers(token: str | None = None, gz: bool = False) -> dict[str, str]:
    h = {"X-FieldApp-Protocol": "1", "Accept-Encoding": "gzip", "Content-Type": "application/json",
         "User-Agent": "FieldApp-load/1"}
    if token:
        h["Authorization"] = f"Bearer {token}"
    if gz:
        h["Content-Encoding"] = "gzip"
    return h


async def _initial_pull(base_url: str, laptop: Laptop, access: str) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT_S) as http:
        cursor = None
        for _ in range(50):
            r = await http.post("/api/v1/sync/pull", headers=_headers(access), content=json.dumps(
                {"client_id": laptop.device_id, "cursor": cursor, "protocol_version": 1}))
            r.raise_for_status()
            data = r.json()
            cursor = data["cursor"]
            if not data["has_more"]:
                break
        laptop.cursor = cursor


async def _gather_bounded(coros, limit: int) -> None:
    sem = asyncio.Semaphore(limit)

    async def one(c):
        async with sem:
            await c

    await asyncio.gather(*(one(c) for c in coros))


def _setup(n: int, db_url: str, settings, base_url: str, offset: int) -> list[Laptop]:
    from fieldsync.rows import get_rows, lock_counter, save_rows

    engine = L.db_engine(db_url)
    try:
        team = L.add_team(engine, f"region-{n}-{offset}")
        names = [f"r{offset}-m{i:04d}" for i in range(n)]
        ids = L.bulk_users(engine, names, team_id=team)
        customers = L.demo_customer_values(n * CUSTOMERS_PER_CLIENT, seed=offset, start_key=1 + offset * 100_000)
        owners = [ids[names[i // CUSTOMERS_PER_CLIENT]] for i in range(len(customers))]
        # one manager each: bulk_customers assigns round-robin over the list, so pass a list per customer
        L.bulk_customers(engine, settings, customers, owners)
        laptops = []
        for i, name in enumerate(names):
            device = f"laptop-{offset}-{i:04d}-{uuid.uuid4().hex[:6]}"
            pair = L.in_process_login(engine, settings, name, device)
            own = [cid for cid, _ in customers[i * CUSTOMERS_PER_CLIENT:(i + 1) * CUSTOMERS_PER_CLIENT]]
            laptops.append(Laptop(name, ids[name], device, pair.refresh_token, own, access=pair.access_token))
        with engine.connect() as conn:
            template_id = conn.exec_driver_sql(
                "SELECT row_id FROM sync_rows WHERE entity = 'checklist_template' LIMIT 1").scalar_one()
    finally:
        engine.dispose()

    async def pulls():
        await _gather_bounded([_initial_pull(base_url, lap, lap.access) for lap in laptops], SETUP_CONCURRENCY)

    asyncio.run(pulls())

    # Overnight, the office edits a few customers of every manager (new versions: the morning pull brings them).
    engine = L.db_engine(db_url)
    try:
        keys = [("customer", cid) for lap in laptops for cid in lap.customer_ids[:OVERNIGHT_EDITS]]
        with engine.connect() as conn:
            with conn.begin():
                lock_counter(conn)
                rows = get_rows(conn, keys)
                changed = [rows[k].next_version({**rows[k].values, "notes": "总部：下周起调整送货日为周三"},
                                                deleted=False, client_id=None, user_id=None) for k in keys]
                save_rows(conn, changed, settings.now())
    finally:
        engine.dispose()
    rng = random.Random(f"load:{SEED}:{n}:{offset}")
    for lap in laptops:
        lap.body, lap.mutations = _outbox(lap, template_id, rng)
    return laptops


# --- the morning ----------------------------------------------------------------------------------


async def _morning_sync(base_url: str, lap: Laptop, delay: float, t0: float) -> None:
    import httpx

    await asyncio.sleep(delay)
    started = time.perf_counter()

    async def call(kind: str, method: str, path: str, **kw) -> Any:
        t = time.perf_counter()
        try:
            r = await http.request(method, path, **kw)
            elapsed = time.perf_counter() - t
            err = "" if r.status_code < 400 else f"HTTP {r.status_code}: {r.text[:120]}"
            lap.results.append((kind, t - t0, elapsed, r.status_code, err))
            return r.json() if not err else None
        except Exception as exc:  # noqa: BLE001 - every failure is a counted error
            lap.results.append((kind, t - t0, time.perf_counter() - t, 0, f"{type(exc).__name__}: {exc}"[:160]))
            return None

    async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT_S,
                                 limits=httpx.Limits(max_connections=1, max_keepalive_connections=1)) as http:
        pair = await call("refresh", "POST", "/api/v1/auth/refresh", headers=_headers(), content=json.dumps(
            {"refresh_token": lap.refresh_token, "device_id": lap.device_id, "protocol_version": 1}))
        if pair is None:
            return
        access = pair["access_token"]
        pushed = await call("push", "POST", "/api/v1/sync/push", headers=_headers(access, gz=True), content=lap.body)
        if pushed is None:
            return
        outcomes = pushed.get("outcomes") or []
        lap.applied = sum(1 for o in outcomes if o.get("status") == "applied")
        if lap.applied != lap.mutations:
            bad = [o for o in outcomes if o.get("status") != "applied"][:2]
            lap.results.append(("push-outcome", 0.0, 0.0, 200, f"{lap.mutations - lap.applied} not applied: {bad}"))
        cursor = lap.cursor
        for _ in range(50):
            page = await call("pull", "POST", "/api/v1/sync/pull", headers=_headers(access), content=json.dumps(
                {"client_id": lap.device_id, "cursor": cursor, "protocol_version": 1}))
            if page is None:
                return
            cursor = page["cursor"]
            if not page["has_more"]:
                break
        await call("digest", "GET", "/api/v1/sync/digest", headers=_headers(access))
    lap.session_s = time.perf_counter() - started


def _window_s(n: int) -> float:
    raw = os.environ.get("FIELDAPP_BENCH_LOAD_WINDOW_S")
    return float(raw) if raw not in (None, "") else n / ARRIVALS_PER_S





def _one_n(n: int, db: L.PgDatabase, settings, server: L.SyncServer, offset: int,
           window: float | None = None) -> dict:
    t_setup = time.perf_counter()
    laptops = _setup(n, db.url, settings, server.url, offset)
    setup_s = time.perf_counter() - t_setup
    window = _window_s(n) if window is None else window
    rng = random.Random(f"arrivals:{SEED}:{n}")
    delays = sorted(min(window, max(0.0, (i + rng.random()) * window / n)) if window else 0.0 for i in range(n))
    rng.shuffle(laptops)
    load = L.load_avg()
    mon = server.monitor(interval=0.5)
    pg = L.PgBackendMonitor(db.name).start()
    sys0 = L.system_cpu_times()
    cpu0 = time.process_time()
    t0 = time.perf_counter()

    async def morning():
        tasks = [asyncio.create_task(_morning_sync(server.url, lap, d, t0)) for lap, d in zip(laptops, delays)]
        done, pending = await asyncio.wait(tasks, timeout=RUN_DEADLINE_S + window)
        for task in pending:
            task.cancel()
        return len(pending)

    unfinished = asyncio.run(morning())
    wall = time.perf_counter() - t0
    gen_cpu = time.process_time() - cpu0
    sys1 = L.system_cpu_times()
    pg_cpu = pg.stop()
    srv = mon.stop()
    machine_busy = round(100.0 * (sys1[0] - sys0[0]) / max(1.0, sys1[1] - sys0[1]), 1)

    requests = [r for lap in laptops for r in lap.results if r[0] != "push-outcome"]
    errors = [r for lap in laptops for r in lap.results if r[4]]
    first = min((r[1] for r in requests), default=0.0)
    last = max((r[1] + r[2] for r in requests), default=0.0)
    busy = max(1e-9, last - first)
    applied = sum(lap.applied for lap in laptops)
    by_kind: dict[str, list[float]] = {}
    for kind, _start, seconds, _status, _err in requests:
        by_kind.setdefault(kind, []).append(seconds)
    error_kinds: dict[str, int] = {}
    for r in errors:
        key = f"{r[0]}: {r[4][:100]}"
        error_kinds[key] = error_kinds.get(key, 0) + 1
    sessions = [lap.session_s for lap in laptops if lap.session_s is not None]
    return {
        "n": n, "window_s": round(window, 1), "setup_s": round(setup_s, 1), "wall_s": round(wall, 1),
        "busy_s": round(busy, 2), "unfinished": n - len(sessions),
        "latencies_ms": [r[2] * 1000 for r in requests], "sessions_s": sessions,
        "errors": len(errors) + unfinished,
        "error_kinds": dict(sorted(error_kinds.items(), key=lambda kv: -kv[1])[:10]),
        "applied": applied, "expected": sum(lap.mutations for lap in laptops),
        "mutations_per_s": round(applied / busy, 1), "requests_per_s": round(len(requests) / busy, 1),
        "syncs_per_s": round(len(sessions) / busy, 2),
        "latency_by_kind_ms": {k: L.summary_ms(v) for k, v in sorted(by_kind.items())},
        "server": srv, "pg_backends_cpu_s": round(pg_cpu, 2), "generator_cpu_s": round(gen_cpu, 2),
        "machine_cpu_busy_pct": machine_busy,
        "load_avg_at_start": load,
    }


def run(repeats: int = DEFAULT_REPEATS, full: bool = False) -> list[dict]:
    if not L.pg_available():
        raise RuntimeError(f"PostgreSQL is not reachable ({L.PG_DSN}); set FIELDAPP_BENCH_PG")
    raw = os.environ.get("FIELDAPP_BENCH_LOAD_CLIENTS")
    sizes = [int(x) for x in raw.split(",") if x] if raw else list(FULL_CLIENTS if full else QUICK_CLIENTS)
    root = L.bench_root("fieldapp-bench-load-")
    db = L.PgDatabase("load")
    server = None
    figures: list[dict] = []
    try:
        L.migrate(db.url)
        settings = L.server_settings(root / "server", db.url)
        engine = L.db_engine(db.url)
        L.import_template(engine, settings)
        engine.dispose()
        server = L.SyncServer(root / "server", db.url, workers=WORKERS).start()
        results = []
        for offset, n in enumerate(sizes):
            for r in range(max(1, int(repeats))):
                results.append(_one_n(n, db, settings, server, offset * 10 + r + 1))
        stress = _one_n(STRESS_CLIENTS, db, settings, server, 99, window=0.0) if STRESS_CLIENTS else None
        server_errors = server.errors_logged()
        for n in sizes:
            runs = [x for x in results if x["n"] == n]
            last = runs[-1]
            lat = [v for x in runs for v in x["latencies_ms"]]
            common = {"window_s": last["window_s"], "workers": WORKERS, "customers_per_laptop": CUSTOMERS_PER_CLIENT,
                      "mutations_per_laptop": last["expected"] // n}
            figures += [
                {"figure": f"{n:,} laptops: request latency (refresh, push, pull, digest)", "unit": "ms",
                 "samples": lat, "target": P95_TARGET_MS, "target_stat": "p95",
                 "details": {**common, "by_kind": last["latency_by_kind_ms"], "p99": round(L.pct(lat, 0.99), 1),
                             "server": last["server"], "pg_backends_cpu_s": last["pg_backends_cpu_s"],
                             "generator_cpu_s": last["generator_cpu_s"], "busy_s": last["busy_s"],
                             "machine_cpu_busy_pct": last["machine_cpu_busy_pct"],
                             "requests_per_s": last["requests_per_s"], "load_avg_at_start": last["load_avg_at_start"],
                             "setup_s": last["setup_s"]},
                 "note": f"arrivals over {last['window_s']:g} s; p99 {L.pct(lat, 0.99):.0f} ms; server CPU "
                         f"{last['server']['cpu_s']:.0f} s ({last['server']['cpu_pct_of_one_core']:.0f} % of a core), "
                         f"PostgreSQL {last['pg_backends_cpu_s']:.0f} s, generator {last['generator_cpu_s']:.0f} s, "
                         f"server RSS {last['server']['peak_rss_mib']:.0f} MiB; machine CPU busy "
                         f"{last['machine_cpu_busy_pct']:.0f} %"},
                {"figure": f"{n:,} laptops: errors", "unit": "errors", "samples": [float(x["errors"]) for x in runs],
                 "target": 0.0, "details": {"kinds": last["error_kinds"], "unfinished": last["unfinished"],
                                            "server_log_errors": server_errors[:10]}},
                {"figure": f"{n:,} laptops: throughput (mutations applied per second)", "unit": "mut/s",
                 "samples": [x["mutations_per_s"] for x in runs],
                 "details": {"applied": last["applied"], "expected": last["expected"],
                             "syncs_per_s": last["syncs_per_s"], "requests_per_s": last["requests_per_s"]},
                 "note": f"{last['syncs_per_s']:g} morning syncs/s, {last['requests_per_s']:g} requests/s over "
                         f"{last['busy_s']:.0f} s"},
                {"figure": f"{n:,} laptops: morning sync per laptop (refresh to digest)", "unit": "s",
                 "samples": [s for x in runs for s in x["sessions_s"]] or [float("nan")], "target_stat": "p95"},
            ]
        if stress is not None:
            lat = stress["latencies_ms"]
            figures += [
                {"figure": f"stress: {STRESS_CLIENTS} laptops at once, saturated throughput", "unit": "syncs/s",
                 "samples": [stress["syncs_per_s"]],
                 "details": {"mutations_per_s": stress["mutations_per_s"], "requests_per_s": stress["requests_per_s"],
                             "latency_p50_ms": round(L.pct(lat, 0.5)), "latency_p95_ms": round(L.pct(lat, 0.95)),
                             "by_kind": stress["latency_by_kind_ms"], "errors": stress["errors"],
                             "error_kinds": stress["error_kinds"], "server": stress["server"],
                             "pg_backends_cpu_s": stress["pg_backends_cpu_s"],
                             "generator_cpu_s": stress["generator_cpu_s"],
                             "machine_cpu_busy_pct": stress["machine_cpu_busy_pct"],
                             "load_avg_at_start": stress["load_avg_at_start"]},
                 "note": f"{stress['mutations_per_s']:g} mutations/s; latency p50 {L.pct(lat, 0.5) / 1000:.1f} s, "
                         f"p95 {L.pct(lat, 0.95) / 1000:.1f} s (queueing: no target); {stress['errors']} errors; "
                         f"per sync: server CPU {1000 * stress['server']['cpu_s'] / STRESS_CLIENTS:.0f} ms, "
                         f"PostgreSQL {1000 * stress['pg_backends_cpu_s'] / STRESS_CLIENTS:.0f} ms, generator "
                         f"{1000 * stress['generator_cpu_s'] / STRESS_CLIENTS:.0f} ms"},
                {"figure": f"stress: {STRESS_CLIENTS} laptops at once, errors", "unit": "errors",
                 "samples": [float(stress["errors"])], "details": {"kinds": stress["error_kinds"]},
                 "note": "no target: an overload test; errors here show how the server fails when saturated"},
            ]
        return figures
    finally:
        if server is not None:
            server.stop()
        db.drop()
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    for fig in run(1, full="--full" in argv):
        s = fig["samples"]
        print(f"{fig['figure']}: median {statistics.median(s):.1f}, p95 {L.pct(s, 0.95):.1f} {fig['unit']} "
              f"{fig.get('note', '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
