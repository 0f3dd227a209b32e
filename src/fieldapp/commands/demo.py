"""``fieldapp demo``: fill a profile with made-up customers of one county, for trying and benchmarking.

The data is not journaled and never syncs; the profile is marked as a demo
profile (the window shows a DEMO DATA badge). A profile that already holds
customers is refused unless ``--force``.
"""

from __future__ import annotations

import argparse
import sys
import time

DEFAULT_CUSTOMERS = 3000
MAX_CUSTOMERS = 100_000  # = fieldapp.demo.MAX_CUSTOMERS (not imported: keep `fieldapp --help` light)

EXIT_OK = 0
EXIT_FAILED = 1  # database problem, or the profile is not empty
EXIT_INTERRUPTED = 130


def customer_count(text: str) -> int:
    """argparse type for --customers: a whole number from 1 to 100,000."""
    try:
        value = int(text.strip().replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number; give 1 to {MAX_CUSTOMERS:,}") from None
    if not 1 <= value <= MAX_CUSTOMERS:
        raise argparse.ArgumentTypeError(f"{value} is out of range; give 1 to {MAX_CUSTOMERS:,}")
    return value


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo", help="fill the profile with demo customers (never synced)",
        description="Add made-up retail customers of one county (湖南省长沙县) with twelve months of purchase "
                    "history, and the counter-arrangement checklist template. Demo data is not recorded "
                    "for sync and never leaves the laptop. Uses --data-dir (or FIELDAPP_DATA_DIR).")
    parser.add_argument("--customers", type=customer_count, default=DEFAULT_CUSTOMERS, metavar="N",
                        help=f"number of customers, 1 to {MAX_CUSTOMERS:,} (default {DEFAULT_CUSTOMERS:,})")
    parser.add_argument("--seed", type=int, default=0, metavar="S",
                        help="random seed; the same seed gives the same data (default 0)")
    parser.add_argument("--force", action="store_true",
                        help="add the demo customers even if the profile already holds customers")
    # Also accepted after the subcommand; SUPPRESS keeps the global --data-dir when absent here.
    parser.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS,
                        help="profile folder (same as the global option)")


class _ProgressLine:
    """``done / total`` on stderr: rewritten in place on a terminal, a line per 10 % otherwise."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.last_step = -1

    def __call__(self, done: int, total: int) -> None:
        percent = done * 100 // total if total else 100
        if self.tty:
            self.stream.write(f"\rDemo data: {done:,} / {total:,} customers ({percent}%)")
            if done >= total:
                self.stream.write("\n")
        elif percent // 10 != self.last_step:
            self.last_step = percent // 10
            self.stream.write(f"Demo data: {done:,} / {total:,} customers ({percent}%)\n")
        self.stream.flush()


def run(args: argparse.Namespace) -> int:
    from fieldapp.demo import DemoError, generate_demo_profile
    from fieldapp.store.migrate import DatabaseProblem, open_profile_database
    from fieldapp.store.profile import Profile

    started = time.perf_counter()
    profile = Profile.at(getattr(args, "data_dir", None))
    try:
        engine = open_profile_database(profile)
    except DatabaseProblem as exc:
        print(exc.message.render(), file=sys.stderr)
        return EXIT_FAILED
    try:
        summary = generate_demo_profile(engine, args.customers, seed=args.seed, progress=_ProgressLine(),
                                        force=args.force)
    except DemoError as exc:
        print(exc.message.render(), file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("\nInterrupted; nothing was added to the profile.", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        engine.dispose()
    elapsed = time.perf_counter() - started
    print(f"Demo data added to {profile.data_dir}\n"
          f"  county:     {summary.county} (seed {summary.seed})\n"
          f"  customers:  {summary.customers:,}\n"
          f"  purchases:  {summary.purchases:,} rows ({summary.months} months)\n"
          f"  template:   {summary.template_code} v{summary.template_version}"
          f"{'' if summary.template_added else ' (already present)'}\n"
          f"  elapsed:    {elapsed:.1f} s (generation {summary.elapsed_s:.1f} s)")
    return EXIT_OK
