"""Benchmark: one laptop syncing with a local FieldSync server on PostgreSQL (real server, real client).

Figures (each sync is :meth:`SyncEngine.sync` — push, pull, integrity digest —
timed per phase from its progress callback):

* ``push 10,000 journaled changes``: 1,000 completed visits journaled through
  the store's write path (visit insert, 7 answers, a note, the check-out
  update = 10 entries each), pushed in 20 batches of 500 (target < 2 s; the
  push phase). The whole sync is reported too: the next pull brings the
  10,000 rows back (the server does not leave out the client's own writes).
* ``initial pull, 50,000 customers``: a new laptop of a manager with 50,000
  customers: the pull phase (target < 5 s) and the whole first sync with the
  integrity digest.
* ``no-op sync``: the next sync with nothing to send or receive, for 50,000
  and for 500 customers (target < 100 ms).
* ``one day's work``: 20 visits with the counter checklist answered item by
  item, the four note fields typed (two autosaves each), 40 real JPEG photos
  of ~1 MB (``FIELDAPP_BENCH_PHOTO_KB`` to change), recorded with the store
  functions the GUI calls, then one sync.
* ``bytes per record``: journal blocks of 500 entries of one kind, pushed in
  batches of 500 (one kind per request), and pulled by a new laptop in pages
  of 500 (one kind per page): request/response bytes on the wire divided by
  500 — gzip bodies as sent, plus HTTP headers (target < 300 bytes for a visit).

Server: ``fieldsync serve --workers 2`` on a throw-away PostgreSQL database
(``FIELDAPP_BENCH_PG``); ``details`` carry the server's CPU seconds (its
process tree, from /proc) and the client's. Setup (users, 56,000 customers)
is done in-process with the server's code and takes ~30 s.
Run alone: ``python -m benchmarks sync [--repeat N]``.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import time

from benchmarks import synclab as L

NAME = "sync"
DESCRIPTION = "One laptop against a local FieldSync on PostgreSQL: push 10k, pull 50k, no-op, a day's work, bytes"
DEFAULT_REPEATS = 3
WORKERS = 2
BIG = 50_000            # customers of the manager whose first sync is measured
SMALL = 500             # customers of an ordinary manager
PUSH_CHANGES = 10_000   # = PUSH_VISITS * 10 journal entries
PUSH_VISITS = 1_000
NOOP_SAMPLES = 20
DAY_VISITS = 20
PHOTOS_PER_VISIT = 2
PHOTO_BYTES = int(float(os.environ.get("FIELDAPP_BENCH_PHOTO_KB", "1000")) * 1000)
BLOCK = 500             # = MAX_MUTATIONS_PER_PUSH: one kind per push batch / pull page
PUSH_TARGET_S = 2.0
PULL_TARGET_S = 5.0
NOOP_TARGET_MS = 100.0
VISIT_BYTES_TARGET = 300.0
PULL_KINDS = ["customer_insert", "visit_complete_insert", "answer_insert", "note_insert", "attachment_insert",
              "follow_up_insert", "attendance_insert"]
PUSH_ONLY_KINDS = ["visit_insert", "visit_update", "customer_update"]
KIND_LABELS = {"customer_insert": "customer (insert)", "customer_update": "customer (edit of 2 fields)",
               "visit_insert": "visit (check-in insert)", "visit_update": "visit (check-out update)",
               "visit_complete_insert": "visit (completed, one insert)", "answer_insert": "checklist answer",
               "note_insert": "visit note (4 fields)", "attachment_insert": "attachment row (photo metadata)",
               "follow_up_insert": "follow-up", "attendance_insert": "attendance day"}
PULL_ENTITY = {"customer_insert": "customer", "visit_complete_insert": "visit", "answer_insert": "checklist_answer",
               "note_insert": "visit_note", "attachment_insert": "attachment", "follow_up_insert": "follow_up",
               "attendance_insert": "attendance"}


def _require_ok(report, what: str, laptop: L.Laptop | None = None) -> None:
    if report.status != "ok" or report.pending:
        reasons = L.rejection_reasons(laptop) if laptop is not None else {}
        raise RuntimeError(f"{what}: sync {report.status} ({report.message}); pending {report.pending}, "
                           f"warnings {report.warnings[:3]}; rejections {reasons}")


def _measure(server: L.SyncServer, laptop: L.Laptop):
    """One sync with the server's CPU and this process's CPU; returns (report, phases, seconds, details)."""
    laptop.session.reset()
    mon = server.monitor(interval=0.2)
    cpu0 = time.process_time()
    report, phases, seconds = laptop.sync()
    client_cpu = time.process_time() - cpu0
    srv = mon.stop()
    wire = laptop.session.totals()
    details = {"phases_s": {k: round(v, 3) for k, v in phases.items()}, "server_cpu_s": srv["cpu_s"],
               "client_cpu_s": round(client_cpu, 2), "requests": wire.requests, "bytes_up": wire.request_bytes,
               "bytes_down": wire.response_bytes}
    return report, phases, seconds, details


def run(repeats: int = DEFAULT_REPEATS) -> list[dict]:
    repeats = max(1, int(repeats))
    if not L.pg_available():
        raise RuntimeError(f"PostgreSQL is not reachable ({L.PG_DSN}); set FIELDAPP_BENCH_PG")
    root = L.bench_root("fieldapp-bench-sync-")
    db = L.PgDatabase("sync")
    server = None
    laptops: list[L.Laptop] = []
    load_start = L.load_avg()
    try:
        # --- setup (not measured) ---------------------------------------------------------------
        t0 = time.perf_counter()
        L.migrate(db.url)
        settings = L.server_settings(root / "server", db.url)
        engine = L.db_engine(db.url)
        team = L.add_team(engine, "bench-sync")
        pushers = [f"pusher{i}" for i in range(repeats)]
        names = ["big", "small", "day", "bytes", *pushers]
        ids = L.bulk_users(engine, names, team_id=team)
        L.import_template(engine, settings)
        customers = L.demo_customer_values(BIG + 3 * SMALL + 100 * repeats, seed=11)
        at = 0
        for name, count in (("big", BIG), ("small", SMALL), ("day", SMALL), ("bytes", BLOCK - 1),
                            *((p, 100) for p in pushers)):
            L.bulk_customers(engine, settings, customers[at:at + count], [ids[name]])
            at += count
        engine.dispose()
        server = L.SyncServer(root / "server", db.url, workers=WORKERS).start()
        setup_s = time.perf_counter() - t0

        def laptop(name: str, user: str) -> L.Laptop:
            lap = L.Laptop(root / name, server.url, user)
            laptops.append(lap)
            return lap

        figures: list[dict] = []

        # --- push 10,000 -------------------------------------------------------------------------
        push_s, push_whole, push_details = [], [], []
        for i, user in enumerate(pushers):
            lap = laptop(f"push{i}", user)
            report, *_ = lap.sync()  # its 100 customers and the template
            _require_ok(report, "pusher initial sync")
            with lap.engine.connect() as conn:
                cids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM customers ORDER BY id")]
            entries = L.journal_visits(lap, cids, PUSH_VISITS, seed=i)
            assert entries == PUSH_CHANGES, entries
            report, phases, seconds, details = _measure(server, lap)
            _require_ok(report, "push of 10,000")
            if report.pushed != PUSH_CHANGES:
                raise RuntimeError(f"pushed {report.pushed}, expected {PUSH_CHANGES}")
            push_s.append(phases.get("push", 0.0))
            push_whole.append(seconds)
            push_details.append(details)
        push_requests = lap.session.counts.get("POST /api/v1/sync/push")
        figures.append({"figure": f"push {PUSH_CHANGES:,} journaled changes (push phase)", "unit": "s",
                        "samples": push_s, "target": PUSH_TARGET_S,
                        "details": {"runs": push_details, "batches": push_requests.requests if push_requests else None,
                                    "push_bytes_up": push_requests.request_bytes if push_requests else None,
                                    "push_bytes_down": push_requests.response_bytes if push_requests else None},
                        "note": f"20 batches of 500; {PUSH_VISITS:,} visits x (insert, 7 answers, note, check-out)"})
        figures.append({"figure": f"push {PUSH_CHANGES:,}: whole sync (push, pull of the echoes, digest)",
                        "unit": "s", "samples": push_whole,
                        "note": "the next pull brings the 10,000 rows just pushed back to the laptop"})

        # --- initial pull of 50,000 and no-op syncs ---------------------------------------------
        pull_s, first_sync_s, pull_details = [], [], []
        for i in range(repeats):
            lap = laptop(f"big{i}", "big")
            report, phases, seconds, details = _measure(server, lap)
            _require_ok(report, "initial pull")
            if report.pulled < BIG:
                raise RuntimeError(f"pulled {report.pulled} rows, expected at least {BIG}")
            pull_s.append(phases.get("push", 0.0) + phases.get("pull", 0.0))
            first_sync_s.append(seconds)
            details["pages"] = lap.session.counts["POST /api/v1/sync/pull"].requests
            pull_details.append(details)
            if i < repeats - 1:
                lap.close()
                laptops.remove(lap)
                shutil.rmtree(root / f"big{i}", ignore_errors=True)
        figures.append({"figure": f"initial pull, {BIG:,} customers (pull phase)", "unit": "s", "samples": pull_s,
                        "target": PULL_TARGET_S, "details": {"runs": pull_details},
                        "note": f"{pull_details[-1]['pages']} pages; {pull_details[-1]['bytes_down'] / 1e6:.1f} MB "
                                "down (gzip)"})
        figures.append({"figure": f"first sync, {BIG:,} customers (pull + integrity digest)", "unit": "s",
                        "samples": first_sync_s, "target": PULL_TARGET_S})

        big_laptop = lap
        noop_big, noop_big_details = [], []
        for _ in range(NOOP_SAMPLES * repeats // 3 or NOOP_SAMPLES):
            report, phases, seconds, details = _measure(server, big_laptop)
            _require_ok(report, "no-op sync")
            noop_big.append(seconds * 1000)
            noop_big_details.append(details)
        small = laptop("small", "small")
        _require_ok(small.sync()[0], "small initial sync")
        noop_small, noop_small_details = [], []
        for _ in range(NOOP_SAMPLES * repeats // 3 or NOOP_SAMPLES):
            report, phases, seconds, details = _measure(server, small)
            _require_ok(report, "no-op sync")
            noop_small.append(seconds * 1000)
            noop_small_details.append(details)

        def phase_medians(runs: list[dict]) -> dict:
            keys = {k for r in runs for k in r["phases_s"]}
            return {k: round(1000 * statistics.median(r["phases_s"].get(k, 0.0) for r in runs), 1) for k in keys}

        for label, samples, runs in ((f"{BIG:,}", noop_big, noop_big_details),
                                     (f"{SMALL:,}", noop_small, noop_small_details)):
            figures.append({
                "figure": f"no-op sync, {label} customers", "unit": "ms", "samples": samples,
                "target": NOOP_TARGET_MS,
                "details": {"phase_median_ms": phase_medians(runs), "requests": runs[-1]["requests"],
                            "bytes_up": runs[-1]["bytes_up"], "bytes_down": runs[-1]["bytes_down"],
                            "server_cpu_ms_median": round(1000 * statistics.median(r["server_cpu_s"] for r in runs)),
                            "client_cpu_ms_median": round(1000 * statistics.median(r["client_cpu_s"] for r in runs))},
                "note": "3 requests (pull, digest; push only when something waits); "
                        "phase medians in details"})
        big_laptop.close()
        laptops.remove(big_laptop)

        # --- one day's work ----------------------------------------------------------------------
        day = laptop("day", "day")
        _require_ok(day.sync()[0], "day initial sync")
        with day.engine.connect() as conn:
            day_customers = [r[0] for r in conn.exec_driver_sql("SELECT id FROM customers ORDER BY code LIMIT 60")]
        day_s, day_details, record_s = [], [], []
        for i in range(repeats):
            started = time.perf_counter()
            work = L.record_day(day, day_customers[i * DAY_VISITS % len(day_customers):] + day_customers,
                                visits=DAY_VISITS, photos_per_visit=PHOTOS_PER_VISIT, photo_bytes=PHOTO_BYTES,
                                seed=100 + i)
            record_s.append(time.perf_counter() - started)
            report, phases, seconds, details = _measure(server, day)
            _require_ok(report, "day's work")
            if report.photos_uploaded != work.photos:
                raise RuntimeError(f"uploaded {report.photos_uploaded} photos of {work.photos}")
            counts = day.session.counts
            push = counts.get("POST /api/v1/sync/push", L.WireCount())
            details.update(journal_entries=work.journal_entries, photos=work.photos,
                           photo_mb=round(work.photo_bytes / 1e6, 1),
                           records_push_bytes_up=push.request_bytes, records_push_bytes_down=push.response_bytes,
                           bytes_per_visit_records=round((push.request_bytes + push.response_bytes) / work.visits),
                           by_endpoint={k: {"n": v.requests, "up": v.request_bytes, "down": v.response_bytes}
                                        for k, v in counts.items()})
            day_s.append(seconds)
            day_details.append(details)
        last = day_details[-1]
        figures.append({"figure": f"one day's work: {DAY_VISITS} visits, {DAY_VISITS * PHOTOS_PER_VISIT} photos "
                                  f"x {PHOTO_BYTES / 1e6:g} MB (one sync)", "unit": "s", "samples": day_s,
                        "details": {"runs": day_details, "record_offline_s": [round(x, 1) for x in record_s]},
                        "note": f"{last['journal_entries']} journal entries, {last['photo_mb']} MB of photos; "
                                f"visit records {last['bytes_per_visit_records']} B/visit up+down"})
        figures.append({"figure": "one day's work: records pushed, bytes per visit (up + down)", "unit": "bytes",
                        "samples": [d["bytes_per_visit_records"] for d in day_details],
                        "note": "visit + 9 answers + note (8 autosaves) + 2 attachment rows + check-out, "
                                "request and response, headers included; photos not counted"})

        # --- bytes per record type ---------------------------------------------------------------
        bytes_lap = laptop("bytes", "bytes")
        _require_ok(bytes_lap.sync()[0], "bytes initial sync")
        with bytes_lap.engine.connect() as conn:
            own = [r[0] for r in conn.exec_driver_sql("SELECT id FROM customers ORDER BY id")]
        per_kind_push: dict[str, list[dict]] = {}
        per_kind_pull: dict[str, list[dict]] = {}
        for i in range(repeats):
            bytes_lap.session.reset()
            L.journal_blocks(bytes_lap, own, PULL_KINDS, block=BLOCK, seed=i)
            _push_blocks(bytes_lap, PULL_KINDS, per_kind_push)
            # A new laptop of the same user pulls everything in pages of BLOCK: one kind per page.
            reader = L.Laptop(root / f"reader{i}", server.url, "bytes")
            reader.sync_engine.pull_limit = BLOCK
            report, *_ = reader.sync()
            _require_ok(report, "bytes reader")
            _attribute_pull_pages(reader, per_kind_pull)
            reader.close()
            L.journal_blocks(bytes_lap, own, PUSH_ONLY_KINDS, block=BLOCK, seed=1000 + i)
            _push_blocks(bytes_lap, PUSH_ONLY_KINDS, per_kind_push)
        for kind in PULL_KINDS + PUSH_ONLY_KINDS:
            runs = per_kind_push.get(kind, [])
            if runs:
                target = VISIT_BYTES_TARGET if kind in ("visit_insert", "visit_complete_insert") else None
                figures.append({"figure": f"bytes per record, push: {KIND_LABELS[kind]}", "unit": "bytes",
                                "samples": [r["up"] for r in runs], "target": target,
                                "details": {"down_per_record": [r["down"] for r in runs]},
                                "note": f"request; the reply adds {runs[-1]['down']} B/record "
                                        "(outcome with the row's values)"})
        for kind in PULL_KINDS:
            runs = per_kind_pull.get(kind, [])
            if runs:
                target = VISIT_BYTES_TARGET if kind == "visit_complete_insert" else None
                figures.append({"figure": f"bytes per record, pull: {PULL_ENTITY[kind]}", "unit": "bytes",
                                "samples": [r["down"] for r in runs], "target": target,
                                "details": {"rows_in_page": [r["rows"] for r in runs]}})

        for fig in figures:
            fig.setdefault("details", {})
            fig["details"].setdefault("setup_s", round(setup_s, 1))
            fig["details"].setdefault("load_avg_at_start", load_start)
        errors = server.errors_logged()
        if errors:
            figures[0]["details"]["server_errors"] = errors[:20]
        return figures
    finally:
        for lap in laptops:
            try:
                lap.close()
            except Exception:  # noqa: BLE001
                pass
        if server is not None:
            server.stop()
        db.drop()
        shutil.rmtree(root, ignore_errors=True)


def _push_blocks(laptop: L.Laptop, kinds: list[str], out: dict[str, list[dict]]) -> None:
    """Sync with batches of BLOCK: each push request carries one kind; record its bytes per record."""
    laptop.session.reset()
    laptop.sync_engine.batch_size = BLOCK
    report, *_ = laptop.sync()
    _require_ok(report, "block push", laptop)
    pushes = [entry for entry in laptop.session.log if entry[0] == "POST /api/v1/sync/push"]
    if len(pushes) != len(kinds) or report.pushed != BLOCK * len(kinds):
        raise RuntimeError(f"expected {len(kinds)} push batches of {BLOCK}, got {len(pushes)} "
                           f"({report.pushed} mutations)")
    for kind, (_key, up, down) in zip(kinds, pushes):
        out.setdefault(kind, []).append({"up": round(up / BLOCK, 1), "down": round(down / BLOCK, 1)})


def _attribute_pull_pages(reader: L.Laptop, out: dict[str, list[dict]]) -> None:
    """Bytes per row of the pages that hold one kind only (see journal_blocks)."""
    for page in reader.pull_pages:
        entities = page["entities"]
        total = sum(entities.values())
        if not total:
            continue
        entity, rows = max(entities.items(), key=lambda kv: kv[1])
        if rows < 0.95 * total or rows < BLOCK * 0.9:
            continue
        for kind, ent in PULL_ENTITY.items():
            if ent == entity:
                out.setdefault(kind, []).append({"down": round(page["down"] / total, 1), "rows": total})


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    for fig in run(int(argv[0]) if argv else DEFAULT_REPEATS):
        s = fig["samples"]
        print(f"{fig['figure']}: median {statistics.median(s):.3f} {fig['unit']} (n={len(s)}) {fig.get('note', '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
