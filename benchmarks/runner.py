"""The benchmark runner: discover scenarios, run them, print a table, append JSON lines.

See ``benchmarks/__init__.py`` for the scenario contract. Exit status: 0 when
every figure ran and met its target, 1 when a scenario failed or a figure
missed its target, 2 for bad arguments (unknown scenario).
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import math
import os
import pkgutil
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
import traceback
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "results.jsonl"
FALLBACK_REPEATS = 5  # for a scenario that declares no default of its own
SCENARIO_PACKAGE = "benchmarks.scenarios"


# --- discovery -------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    module_name: str
    module: ModuleType | None = None
    error: str | None = None  # import failure (traceback text)

    @property
    def description(self) -> str:
        if self.module is None:
            return f"(cannot import: {self.error.strip().splitlines()[-1] if self.error else '?'})"
        text = getattr(self.module, "DESCRIPTION", None) or (self.module.__doc__ or "").strip().splitlines()[:1]
        return text if isinstance(text, str) else (text[0] if text else "")

    def default_repeats(self) -> int:
        """The scenario's own default: ``DEFAULT_REPEATS``, else ``run``'s default argument."""
        assert self.module is not None
        declared = getattr(self.module, "DEFAULT_REPEATS", None)
        if isinstance(declared, int):
            return declared
        default = inspect.signature(self.module.run).parameters.get("repeats")
        if default is not None and isinstance(default.default, int):
            return default.default
        return FALLBACK_REPEATS


def discover() -> list[Scenario]:
    """Every module in ``benchmarks/scenarios``, imported (import errors are kept, not raised)."""
    package = importlib.import_module(SCENARIO_PACKAGE)
    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module_name = f"{SCENARIO_PACKAGE}.{info.name}"
        try:
            module = importlib.import_module(module_name)
        except Exception:  # noqa: BLE001 - one broken scenario must not hide the others
            found.append(Scenario(info.name, module_name, error=traceback.format_exc()))
            continue
        if not callable(getattr(module, "run", None)):
            continue  # a helper module, not a scenario
        found.append(Scenario(str(getattr(module, "NAME", info.name)), module_name, module))
    return found


# --- statistics ------------------------------------------------------------------


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p95 of 20 samples is the 19th smallest)."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Figure:
    scenario: str
    figure: str
    unit: str
    samples: list[float]
    target: float | None = None
    target_stat: str = "median"
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 0.95)

    @property
    def stdev(self) -> float | None:
        return statistics.stdev(self.samples) if len(self.samples) >= 2 else None

    @property
    def judged(self) -> float:
        return self.p95 if self.target_stat == "p95" else self.median

    @property
    def meets_target(self) -> bool | None:
        return None if self.target is None else self.judged <= self.target

    @classmethod
    def from_dict(cls, scenario: str, data: dict[str, Any]) -> "Figure":
        samples = [float(s) for s in data["samples"]]
        if not samples:
            raise ValueError(f"figure {data.get('figure')!r} has no samples")
        stat = data.get("target_stat", "median")
        if stat not in ("median", "p95"):
            raise ValueError(f"figure {data.get('figure')!r}: target_stat must be 'median' or 'p95'")
        target = data.get("target")
        return cls(scenario, str(data["figure"]), str(data["unit"]), samples,
                   None if target is None else float(target), stat, str(data.get("note") or ""),
                   dict(data.get("details") or {}))

    def record(self, context: dict[str, Any]) -> dict[str, Any]:
        """The JSON line for this figure."""
        return {
            "scenario": self.scenario, "figure": self.figure, "value": self.median, "stat": "median",
            "unit": self.unit, "p95": self.p95, "n": len(self.samples),
            "spread": {"min": min(self.samples), "max": max(self.samples), "stdev": self.stdev},
            "samples": self.samples, "target": self.target, "target_stat": self.target_stat,
            "meets_target": self.meets_target, "note": self.note or None, "details": self.details or None,
            **context,
        }


# --- environment -----------------------------------------------------------------


def git_state() -> dict[str, Any]:
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"git_commit": commit, "git_dirty": None if status is None else bool(status)}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    if sys.platform == "darwin":
        try:
            return subprocess.run(["sysctl", "-n", "machdep.cpu.brand_string"], capture_output=True, text=True,
                                  timeout=5).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            pass
    return platform.processor() or platform.machine()


def _ram_gib() -> float | None:
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (AttributeError, ValueError, OSError):
        return None


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cpu": _cpu_model(), "cores": os.cpu_count(), "ram_gib": _ram_gib(),
        "python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "platform": platform.platform(),
    }
    try:
        # Other work on the machine skews timings; the load at the start says how busy it was.
        info["load_avg_1m"] = round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        pass
    return info


# --- output ----------------------------------------------------------------------


def _width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    if value == 0 or abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if abs(value) >= 0.01 else f"{value:.2g}"


def render_table(figures: list[Figure]) -> str:
    header = ("scenario", "figure", "median", "p95", "min–max", "stdev", "unit", "target", "n", "")
    rows = []
    for f in figures:
        verdict = {None: "", True: "ok", False: "OVER"}[f.meets_target]
        # A target of 0 (errors, differences) is met only by 0: "= 0" reads right, "< 0" would not.
        target = "-" if f.target is None else ((f"< {_num(f.target)}" if f.target else "= 0")
                                              + (" p95" if f.target_stat == "p95" else ""))
        rows.append((f.scenario, f.figure, _num(f.median), _num(f.p95),
                     f"{_num(min(f.samples))}–{_num(max(f.samples))}", _num(f.stdev), f.unit, target,
                     str(len(f.samples)), verdict))
    right = {2, 3, 4, 5, 8}
    widths = [max(_width(r[i]) for r in (header, *rows)) for i in range(len(header))]
    lines = ["  ".join(_pad(cell, widths[i], i in right) for i, cell in enumerate(row)).rstrip()
             for row in (header, *rows)]
    lines.insert(1, "  ".join("-" * w for w in widths).rstrip())
    notes = [f"  {f.scenario} / {f.figure}: {f.note}" for f in figures if f.note]
    return "\n".join(lines + (["", "notes:", *notes] if notes else [])) + "\n"


def append_results(path: Path, figures: list[Figure], context: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        for f in figures:
            out.write(json.dumps(f.record(context), ensure_ascii=False) + "\n")


# --- command line ----------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="Run FieldApp benchmark scenarios (benchmarks/scenarios/*.py).")
    parser.add_argument("scenarios", nargs="*", metavar="scenario",
                        help="scenario names (default: all); see --list")
    parser.add_argument("--repeat", type=_positive_int, metavar="N",
                        help="repeats passed to each scenario's run() (default: the scenario's own)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="FILE",
                        help=f"JSON-lines file to append to (default: {DEFAULT_OUT.relative_to(REPO_ROOT)})")
    parser.add_argument("--no-save", action="store_true", help="print the table only; append nothing")
    parser.add_argument("--full", action="store_true",
                        help="the full (longer) variant of scenarios that have one, e.g. load with 1,000 laptops")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    available = discover()
    if args.list:
        for s in available:
            print(f"{s.name:24s} {s.description}")
        return 0
    by_name = {s.name: s for s in available} | {s.module_name.rsplit(".", 1)[1]: s for s in available}
    unknown = [name for name in args.scenarios if name not in by_name]
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}; available: "
                     f"{', '.join(s.name for s in available) or 'none'}")
    selected = [by_name[name] for name in args.scenarios] if args.scenarios else available

    context = {"timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"), **git_state(),
               "machine": machine_info()}
    figures: list[Figure] = []
    failed: list[str] = []
    for scenario in selected:
        if scenario.module is None:
            print(f"[{scenario.name}] cannot be imported:\n{scenario.error}", file=sys.stderr)
            failed.append(scenario.name)
            continue
        repeats = args.repeat or scenario.default_repeats()
        print(f"[{scenario.name}] running (repeats={repeats}) ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        kwargs = {"full": True} if args.full and "full" in inspect.signature(scenario.module.run).parameters else {}
        try:
            results = [Figure.from_dict(scenario.name, d) for d in scenario.module.run(repeats, **kwargs)]
        except Exception:  # noqa: BLE001 - report and go on with the other scenarios
            print(f"[{scenario.name}] failed:\n{traceback.format_exc()}", file=sys.stderr)
            failed.append(scenario.name)
            continue
        print(f"[{scenario.name}] done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
        figures.extend(results)
        if not args.no_save and results:
            append_results(args.out, results, {**context, "repeat": repeats, **({"full": True} if kwargs else {})})

    if figures:
        sys.stdout.write(render_table(figures))
        m = context["machine"]
        print(f"\nmachine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB, Python {m['python']}, "
              f"SQLite {m['sqlite']}, load {m.get('load_avg_1m', '?')}; commit "
              f"{(context['git_commit'] or '?')[:10]}{' (dirty)' if context['git_dirty'] else ''}")
        if not args.no_save:
            print(f"results appended to {args.out}")
    if failed:
        print(f"failed scenarios: {', '.join(failed)}", file=sys.stderr)
    over = [f for f in figures if f.meets_target is False]
    return 1 if failed or over else 0
