"""Benchmark: a day's work synced over a 2G link in the hills — 64 kbit/s, 600 ms round trips, drops.

The laptop's traffic goes through :class:`benchmarks.throttle_proxy.ThrottleProxy`
(64 kbit/s each way, 600 ms RTT, every connection cut every ~20 s: uniformly
10–30 s apart, seeded) to a FieldSync server on PostgreSQL. The same day's
work is also synced cleanly (through the same proxy, unthrottled, no drops)
to an exact copy of the server database (``CREATE DATABASE … TEMPLATE``), from
an exact copy of the laptop's profile, so both runs start from identical states.

Three days are synced, one after the other (each by its own user):

* **records only**: 20 visits with the counter checklist answered item by
  item and the note fields typed (the ``sync`` scenario's day, ~420 journal
  entries, ~27 kB on the wire), no photos;
* **records only, drops every ~3 s** (1.5–4.5 s apart): the same day on a
  link so bad that drops land in the middle of the push and its reply — the
  exactly-once check under stress (the ~20 s link rarely cuts a 6 s sync);
* **with photos**: the same day plus 40 photos. 40 photos of 1 MB are 40 MB,
  ~87 minutes of transmission at 64 kbit/s before any drop, so the default
  uses **40 photos of 50 kB** (2 MB, ~5 minutes on the link);
  ``FIELDAPP_BENCH_POOR_PHOTO_KB=1000`` runs the full size (hours).

Figures for each day:

* ``time to complete``: from the first sync attempt until a sync ends ``ok``
  with nothing pending. Between attempts the laptop does what the app does
  (``fieldapp.sync.backoff``): a sync that failed because the connection broke
  is followed by a health probe; the first probe that succeeds starts the next
  sync at once, a failed probe waits the probe backoff (15 s, doubling).
  Bounded: the photo day stops after ``FIELDAPP_BENCH_POOR_DEADLINE_S``
  (default 8 minutes, 1.5 times the ideal ~5 minutes) and is then reported
  as not complete, with how far it got; the records-only days after 10 minutes.
* ``bytes re-sent because of drops`` (target < 10 %): for a finished sync,
  bytes that crossed the link in the dropped run minus the bytes of the clean
  run, over the clean run — everything sent again: exchanges cut by a drop,
  and the requests a new attempt repeats (photo status checks, pulls, the
  digest). For a sync that did not finish: the bytes of the exchanges cut by
  drops over the bytes that got through (a lower bound).
* ``rows (and photos) differing from the clean sync`` (target 0): the
  server's view of the user's scope after the dropped run against the clean
  run's — rows missing on one side or with another version, deleted flag or
  values — plus photos not complete on the server.

Other knobs: ``FIELDAPP_BENCH_POOR_KBIT``, ``…_RTT_MS``, ``…_DROP_S``.
Run alone: ``python -m benchmarks poor_network``.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import dataclass

from benchmarks import synclab as L
from benchmarks.throttle_proxy import ThrottleProxy

NAME = "poor_network"
DESCRIPTION = "A day's work over 64 kbit/s, 600 ms RTT and a drop every ~20 s: time, bytes re-sent, same result"
DEFAULT_REPEATS = 1
KBIT = float(os.environ.get("FIELDAPP_BENCH_POOR_KBIT", "64"))
RTT_MS = float(os.environ.get("FIELDAPP_BENCH_POOR_RTT_MS", "600"))
DROP_EVERY_S = float(os.environ.get("FIELDAPP_BENCH_POOR_DROP_S", "20"))
PHOTO_BYTES = int(float(os.environ.get("FIELDAPP_BENCH_POOR_PHOTO_KB", "50")) * 1000)
VISITS = 20
PHOTOS_PER_VISIT = 2
CUSTOMERS = 300
SEED = 20261123
MAX_ATTEMPTS = 300
DEADLINE_S = float(os.environ.get("FIELDAPP_BENCH_POOR_DEADLINE_S", str(8 * 60)))
HARD_DROP_EVERY_S = 3.0  # the records-only day again, with drops every 1.5-4.5 s: drops in the middle of the push
RESENT_TARGET_PCT = 10.0


def _setup(root, db: L.PgDatabase, users: list[str]):
    L.migrate(db.url)
    settings = L.server_settings(root / "server-a", db.url)
    engine = L.db_engine(db.url)
    team = L.add_team(engine, "bench-poor")
    ids = L.bulk_users(engine, users, team_id=team)
    L.import_template(engine, settings)
    customers = L.demo_customer_values(CUSTOMERS * len(users), seed=5)
    L.bulk_customers(engine, settings, customers, [ids[users[i // CUSTOMERS]] for i in range(len(customers))])
    engine.dispose()


def sync_until_done(laptop: L.Laptop, *, deadline_s: float, max_attempts: int) -> dict:
    """Sync as the app would, until ``ok`` with nothing pending (bounded in attempts and time)."""
    from fieldapp.sync.backoff import ProbeSchedule
    from fieldapp.sync.errors import SyncError

    schedule = ProbeSchedule()
    attempts: list[dict] = []
    started = time.monotonic()
    waited = 0.0
    done = False
    while len(attempts) < max_attempts and time.monotonic() - started < deadline_s:
        report, phases, seconds = laptop.sync()
        attempts.append({"status": report.status, "kind": report.error_kind, "s": round(seconds, 1),
                         "pushed": report.pushed, "photos": report.photos_uploaded, "pulled": report.pulled,
                         "message": report.message[:160] if report.status != "ok" else ""})
        if report.status == "ok" and report.pending == 0:
            done = True
            break
        if report.status != "failed" or not report.retryable:
            break  # conflicts, or a failure retrying cannot fix: the app would stop and tell the user
        while time.monotonic() - started < deadline_s:
            try:
                laptop.client.health()
                schedule.succeeded()
                break
            except SyncError:
                delay = min(schedule.failed(), max(0.0, deadline_s - (time.monotonic() - started)))
                waited += delay
                time.sleep(delay)
    kinds: dict[str, int] = {}
    for a in attempts:
        if a["status"] != "ok":
            key = f"{a['kind']}: {a['message'][:90]}"
            kinds[key] = kinds.get(key, 0) + 1
    return {"done": done, "seconds": time.monotonic() - started, "attempts": attempts, "failures": kinds,
            "backoff_wait_s": round(waited, 1)}


@dataclass
class Variant:
    key: str
    user: str
    photos_per_visit: int
    deadline_s: float
    drop_every_s: float
    label: str


def _variants() -> list[Variant]:
    photos = f"{VISITS * PHOTOS_PER_VISIT} photos x {PHOTO_BYTES / 1000:g} kB"
    return [
        Variant("records", "field-records", 0, 600.0, DROP_EVERY_S, f"{VISITS} visits, no photos"),
        Variant("records_hard", "field-records-hard", 0, 600.0, HARD_DROP_EVERY_S,
                f"{VISITS} visits, no photos, drops every ~{HARD_DROP_EVERY_S:g} s"),
        Variant("photos", "field-photos", PHOTOS_PER_VISIT, DEADLINE_S, DROP_EVERY_S, f"{VISITS} visits, {photos}"),
    ]


def run(repeats: int = DEFAULT_REPEATS) -> list[dict]:
    repeats = max(1, int(repeats))
    if not L.pg_available():
        raise RuntimeError(f"PostgreSQL is not reachable ({L.PG_DSN}); set FIELDAPP_BENCH_PG")
    runs = [_one_run(r) for r in range(repeats)]
    link = f"{KBIT:g} kbit/s, {RTT_MS:g} ms RTT"
    figures: list[dict] = []
    for v in _variants():
        results = [x[v.key] for x in runs]
        last = results[-1]
        complete = all(x["poor"]["done"] for x in results)
        scaled = " (photos scaled down from 1 MB: FIELDAPP_BENCH_POOR_PHOTO_KB)" if v.photos_per_visit and \
            PHOTO_BYTES < 1_000_000 else ""
        status = "completed" if complete else (
            f"DID NOT COMPLETE within {v.deadline_s / 60:g} min: {last['progress']}")
        figures += [
            {"figure": f"{v.label} over {link}" + ("" if v.drop_every_s != DROP_EVERY_S else
                                                      f", a drop every ~{DROP_EVERY_S:g} s") + ": time to complete",
             "unit": "s",
             "samples": [x["poor"]["seconds"] for x in results],
             "details": {"runs": [{k: val for k, val in x.items() if k != "poor"} | {
                 "attempts": x["poor"]["attempts"][:100], "failures": x["poor"]["failures"],
                 "backoff_wait_s": x["poor"]["backoff_wait_s"], "done": x["poor"]["done"]} for x in results]},
             "note": f"{status}; a clean sync moves {last['clean']['bytes'] / 1e6:.3f} MB (both ways), ideal on "
                     f"this link ~{last['ideal_s']:.0f} s{scaled}"},
            {"figure": f"{v.label}: bytes re-sent because of drops", "unit": "%",
             "samples": [x["extra_pct"] for x in results], "target": RESENT_TARGET_PCT,
             "details": {"lost_in_broken_exchanges_pct": [x["lost_pct"] for x in results],
                         "drops": [x["proxy"]["drops"] for x in results],
                         "exchanges_broken": [x["proxy"]["exchanges_broken"] for x in results],
                         "requests_by_endpoint": last["wire_by_endpoint_poor"]},
             "note": (f"bytes over a clean sync's; exchanges cut by a drop {last['lost_pct']:.1f} % of the clean "
                      f"sync's bytes, the rest requests repeated by new attempts; " if complete else
                      "NOT COMPLETE: the bytes of exchanges cut by drops over the bytes that got through; ")
                     + f"{last['proxy']['drops']} drops, {last['proxy']['exchanges_broken']} cut an exchange"},
            {"figure": f"{v.label}: sync attempts", "unit": "syncs",
             "samples": [float(len(x["poor"]["attempts"])) for x in results]},
            {"figure": f"{v.label}: rows (and photos) differing from the clean sync", "unit": "rows",
             "samples": [x["differences"] for x in results], "target": 0.0,
             "details": {"problems": last["problems"][:20], "rows_compared": last["rows_compared"],
                         "photos_complete": last["photos_complete"]}},
        ]
    return figures


def _one_run(r: int) -> dict:
    root = L.bench_root("fieldapp-bench-poor-")
    db_a = L.PgDatabase("poor_a")
    db_b = None
    servers: list[L.SyncServer] = []
    proxies: list[ThrottleProxy] = []
    laptops: list[L.Laptop] = []
    variants = _variants()
    try:
        _setup(root, db_a, [v.user for v in variants])
        server = L.SyncServer(root / "server-a", db_a.url).start()
        servers.append(server)
        clean: dict[str, L.Laptop] = {}
        works, tokens = {}, {}
        for v in variants:
            lap = L.Laptop(root / f"clean-{v.key}", server.url, v.user)
            laptops.append(lap)
            clean[v.key] = lap
            first, *_ = lap.sync()
            if first.status != "ok":
                raise RuntimeError(f"initial sync failed: {first.message}")
            with lap.engine.connect() as conn:
                cids = [row[0] for row in conn.exec_driver_sql("SELECT id FROM customers ORDER BY code LIMIT 40")]
            works[v.key] = L.record_day(lap, cids, visits=VISITS, photos_per_visit=v.photos_per_visit,
                                        photo_bytes=PHOTO_BYTES, seed=SEED + r)
            lap.engine.dispose()  # no connection open: the profile folder can be copied
            tokens[v.key] = (lap.tokens.get_refresh_token(), lap.client.access_token)
        server.stop()
        servers.remove(server)
        # Two identical starting points: the database (same instance id, users, devices, tokens) and the profiles.
        db_b = db_a.clone("poor_b")
        for v in variants:
            L.copy_profile(root / f"clean-{v.key}", root / f"poor-{v.key}")
        server_a = L.SyncServer(root / "server-a", db_a.url).start()
        server_b = L.SyncServer(root / "server-b", db_b.url).start()
        servers += [server_a, server_b]
        out = {}
        for v in variants:
            out[v.key] = _compare_run(v, r, clean[v.key], root, server_a, server_b, tokens[v.key], works[v.key],
                                      proxies, laptops)
        return out
    finally:
        for proxy in proxies:
            proxy.close()
        for lap in laptops:
            try:
                lap.close()
            except Exception:  # noqa: BLE001
                pass
        for server in servers:
            server.stop()
        db_a.drop()
        if db_b is not None:
            db_b.drop()
        shutil.rmtree(root, ignore_errors=True)


def _compare_run(v: Variant, r: int, clean_lap: L.Laptop, root, server_a: L.SyncServer, server_b: L.SyncServer,
                 tokens_at_copy: tuple, work: L.DayWork, proxies: list, laptops: list) -> dict:
    counting = ThrottleProxy(server_a.port).start()
    proxies.append(counting)
    clean_lap.connect(counting.url, access_token=clean_lap.client.access_token)
    clean = sync_until_done(clean_lap, deadline_s=600, max_attempts=3)
    if not clean["done"]:
        raise RuntimeError(f"the clean sync failed: {clean['attempts']}")
    clean_stats = counting.stats()
    counting.close()

    poor_lap = L.Laptop(root / f"poor-{v.key}", server_b.url, v.user, login=False)
    laptops.append(poor_lap)
    poor_lap.user = clean_lap.user
    poor_lap.tokens.set_refresh_token(tokens_at_copy[0])
    link = ThrottleProxy(server_b.port, up_kbit=KBIT, down_kbit=KBIT, rtt_ms=RTT_MS, drop_every_s=v.drop_every_s,
                         seed=SEED + r).start()
    proxies.append(link)
    poor_lap.connect(link.url, access_token=tokens_at_copy[1])
    poor = sync_until_done(poor_lap, deadline_s=v.deadline_s, max_attempts=MAX_ATTEMPTS)
    link_stats = link.stats()
    link.close()
    wire = {k: {"n": x.requests, "up": x.request_bytes, "down": x.response_bytes}
            for k, x in poor_lap.session.counts.items()}
    failed = {k: x.requests for k, x in poor_lap.session.failed.items()}
    photos_per_attempt = [a["photos"] for a in poor["attempts"]]

    # Same result? Compare what each server holds for the user, read directly (not through the link).
    poor_lap.connect(server_b.url, access_token=poor_lap.client.access_token)
    clean_lap.connect(server_a.url, access_token=clean_lap.client.access_token)
    view_clean = L.server_view(clean_lap.client)
    view_poor = L.server_view(poor_lap.client)
    differing, problems = L.compare_views(view_clean, view_poor)
    shas = sorted({val[2]["sha256"] for val in view_clean.get("attachment", {}).values()})
    complete = sum(1 for sha in shas if poor_lap.client.photo_status(sha).complete)
    if complete != len(shas):
        differing += len(shas) - complete
        problems.append(f"photos: {len(shas) - complete} of {len(shas)} not complete on the server")
    pending = poor_lap.pending()
    if pending:
        problems.append(f"{pending} journal entries still pending on the laptop")
    rows = sum(len(x) for x in view_clean.values())

    clean_bytes = clean_stats.bytes_total
    poor_bytes = link_stats.bytes_total + link_stats.bytes_in_flight_lost  # everything that used the link
    # Requests and replies alternate on one connection: transmission both ways, one RTT per exchange,
    # one more per new connection (the TCP handshake).
    ideal = (clean_stats.bytes_up + clean_stats.bytes_down) / (KBIT * 1000 / 8) + \
        (clean_stats.exchanges + clean_stats.connections) * RTT_MS / 1000
    return {
        "photos": work.photos, "photo_bytes": work.photo_bytes, "journal_entries": work.journal_entries,
        "clean": {"bytes": clean_bytes, "up": clean_stats.bytes_up, "down": clean_stats.bytes_down,
                  "exchanges": clean_stats.exchanges, "seconds_unthrottled": round(clean["seconds"], 1)},
        "proxy": {"bytes_up": link_stats.bytes_up, "bytes_down": link_stats.bytes_down,
                  "drops": link_stats.drops, "drops_idle": link_stats.drops_idle,
                  "exchanges": link_stats.exchanges, "exchanges_broken": link_stats.exchanges_broken,
                  "bytes_lost": link_stats.bytes_lost, "connections": link_stats.connections,
                  "drop_times_s": link_stats.drop_times[:200]},
        "poor": poor, "ideal_s": ideal,
        "progress": f"{complete}/{len(shas)} photos on the server, {pending} of {work.journal_entries} records "
                    "not yet pushed",
        # Re-sent: everything beyond what had to cross. Finished: the bytes over the clean sync's. Not finished:
        # at least the bytes of the exchanges the drops cut (they were sent for nothing), over the rest.
        "extra_pct": round(100.0 * (poor_bytes - clean_bytes) / clean_bytes, 2) if poor["done"] else
        round(100.0 * link_stats.bytes_lost / max(1, poor_bytes - link_stats.bytes_lost), 2),
        "lost_pct": round(100.0 * link_stats.bytes_lost / clean_bytes, 2),
        "differences": float(differing), "problems": problems, "rows_compared": rows,
        "photos_complete": f"{complete}/{len(shas)}", "wire_by_endpoint_poor": wire,
        "failed_requests_poor": failed,
        "last_attempt_with_photo_progress": max((i + 1 for i, n in enumerate(photos_per_attempt) if n), default=0),
        "load_avg": L.load_avg(),
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    for fig in run(int(argv[0]) if argv else DEFAULT_REPEATS):
        print(f"{fig['figure']}: {fig['samples']} {fig['unit']}  {fig.get('note', '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
