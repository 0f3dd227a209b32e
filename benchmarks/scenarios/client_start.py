"""Benchmark: starting FieldApp on a profile of 50,000 customers — time to the window, and memory.

Each run is a new process, ``python -m benchmarks.app_probe --data-dir D``:
exactly ``python -m fieldapp --data-dir D`` (the window, ``QT_QPA_PLATFORM=offscreen``)
with timing probes that need no hook in the app (see :mod:`benchmarks.app_probe`).
Times are from the moment this process starts the child:

* ``cold start to the main window with the customer count`` (target < 1.5 s):
  the window has been shown and its customer list reported the count (the
  ids of all 50,000 customers are loaded);
* ``… first customer rows``: the first page of rows arrived and was painted;
* ``… main window shown``: ``show()`` of the main window (before any query);
* ``type to results in the window``: ``便利`` set in the search field until the
  matching ids reached the list (the window's 150 ms debounce included). The
  store's search latency itself is the ``demo_and_search`` scenario's;
* ``peak memory (VmHWM)`` after the window is up and the search ran (target
  < 300 MB), read by the process itself from /proc/self/status.

``details`` hold the child's CPU time (user + system, from ``wait4``), each
run's milestones and the jobs of the window's DB worker (name, when queued,
started, ended) of the median run — where the start-up time goes.

"Cold" means a new process; the operating system's file cache is warm (the
profile was just written, and the previous run read the same files): clearing
it needs root and would disturb everyone else on the machine. The first run
after creating the profile is a warm-up and is not counted. Settings
(``QSettings``) go to a temporary ``XDG_CONFIG_HOME``, so every run is a first
run for the window geometry. Run alone: ``python -m benchmarks client_start``.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

NAME = "client_start"
DESCRIPTION = "Cold start of the window on 50,000 customers (to the count, to the rows), type-to-results, peak RSS"
DEFAULT_REPEATS = 5
CUSTOMERS = 50_000
SEED = 0
TODAY = date(2026, 11, 23)
START_TARGET_S = 1.5
RSS_TARGET_MB = 300.0
PROBE_TIMEOUT_S = 60
REPO = Path(__file__).resolve().parents[2]


def _profile(folder: Path) -> None:
    from fieldapp.demo import generate_demo_profile
    from fieldapp.store.migrate import open_profile_database
    from fieldapp.store.profile import Profile

    engine = open_profile_database(Profile(folder))
    try:
        generate_demo_profile(engine, CUSTOMERS, seed=SEED, today=TODAY)
    finally:
        engine.dispose()


def probe_once(data_dir: Path, config_dir: Path, extra_env: dict[str, str] | None = None) -> dict:
    """Start the window once; returns the probe's marks relative to the start, plus the child's CPU time."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(config_dir),
           "FIELDAPP_PROBE_TIMEOUT": str(PROBE_TIMEOUT_S), "PYTHONPATH": _pythonpath(), **(extra_env or {})}
    env.pop("FIELDAPP_PROBE_PROFILE", None)
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.app_probe", "--data-dir", str(data_dir)],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    killer = threading.Timer(PROBE_TIMEOUT_S + 30, proc.kill)
    killer.start()
    try:
        assert proc.stdout is not None
        output = proc.stdout.read().decode("utf-8", "replace")
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        killer.cancel()
    line = next((x for x in output.splitlines() if x.startswith("app-probe: ")), None)
    if line is None or proc.returncode != 0:
        raise RuntimeError(f"the window did not come up (exit {proc.returncode}): {output[-2000:]}")
    marks = json.loads(line[len("app-probe: "):])
    out = {k: round(v - started, 4) for k, v in marks.items()
           if k in ("main", "qapplication", "shown", "count", "rows", "search_typed", "search_ids", "search_rows")}
    out.update({k: v for k, v in marks.items() if not isinstance(v, float) and k != "db_jobs"})
    out["child_cpu_s"] = round(usage.ru_utime + usage.ru_stime, 3)
    out["child_maxrss_kib"] = usage.ru_maxrss
    out["db_jobs"] = [[name, round(q - started, 3), s and round(s - started, 3), e and round(e - started, 3)]
                      for name, q, s, e in marks.get("db_jobs", [])]
    return out


def _pythonpath() -> str:
    parts = [str(REPO)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return os.pathsep.join(parts)


def run(repeats: int = DEFAULT_REPEATS) -> list[dict]:
    repeats = max(1, int(repeats))
    base = os.environ.get("FIELDAPP_BENCH_DIR") or None
    root = Path(tempfile.mkdtemp(prefix="fieldapp-bench-start-", dir=base))
    try:
        data_dir = root / "profile"
        _profile(data_dir)
        config_dir = root / "config"
        config_dir.mkdir()
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        probe_once(data_dir, config_dir)  # warm-up: .pyc files, file cache
        runs = [probe_once(data_dir, config_dir) for _ in range(repeats)]
    finally:
        shutil.rmtree(root, ignore_errors=True)

    def col(key: str) -> list[float]:
        return [r[key] for r in runs if r.get(key) is not None]

    count = col("count")
    median_run = sorted(runs, key=lambda r: r["count"])[len(runs) // 2]
    jobs = [{"job": name, "queued_s": q, "wait_ms": round(1000 * (s - q)) if s else None,
             "ran_ms": round(1000 * (e - s)) if s and e else None} for name, q, s, e in median_run["db_jobs"]]
    milestones = {k: median_run.get(k) for k in ("main", "qapplication", "shown", "count", "rows")}
    cpu = col("child_cpu_s")
    hwm_mb = [r["vm_hwm_kib"] / 1024 for r in runs]
    figures = [
        {"figure": f"cold start to the main window with the customer count, {CUSTOMERS:,} customers", "unit": "s",
         "samples": count, "target": START_TARGET_S,
         "details": {"median_run_milestones_s": milestones, "db_worker_jobs_median_run": jobs,
                     "child_cpu_s": cpu, "load_avg_1m_at_start": load},
         "note": f"milestones of the median run (s): python+imports to QApplication {milestones['qapplication']}, "
                 f"window shown {milestones['shown']}, count {milestones['count']}; child CPU median "
                 f"{statistics.median(cpu):.2f} s"},
        {"figure": "cold start to the first customer rows on screen", "unit": "s", "samples": col("rows"),
         "note": "the first page of rows arrived and the event loop ran once (painted)"},
        {"figure": "cold start to the main window shown (before the count)", "unit": "s", "samples": col("shown")},
        {"figure": "type '便利' to matching ids in the window (150 ms debounce included)", "unit": "ms",
         "samples": [1000 * (r["search_ids"] - r["search_typed"]) for r in runs if "search_ids" in r],
         "details": {"hits": runs[-1].get("search_hits")},
         "note": "store-level search latency: scenario demo_and_search"},
        {"figure": f"peak memory (VmHWM) of the window with {CUSTOMERS:,} customers, after a search", "unit": "MiB",
         "samples": hwm_mb, "target": RSS_TARGET_MB,
         "details": {"rss_mib_at_shown": [round(r.get("rss_kib_at_shown", 0) / 1024, 1) for r in runs],
                     "rss_mib_at_count": [round(r.get("rss_kib_at_count", 0) / 1024, 1) for r in runs],
                     "rss_mib_at_rows": [round(r.get("rss_kib_at_rows", 0) / 1024, 1) for r in runs],
                     "rss_mib_at_end": [round(r["vm_rss_kib"] / 1024, 1) for r in runs]},
         "note": "MiB (2^20 bytes; 300 MiB = 315 MB), from /proc/self/status of the app process"},
    ]
    return figures


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    for fig in run(int(argv[0]) if argv else DEFAULT_REPEATS):
        s = fig["samples"]
        print(f"{fig['figure']}: median {statistics.median(s):.3f} {fig['unit']} (n={len(s)}) {fig.get('note', '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
