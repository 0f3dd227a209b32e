"""``fieldapp sync``: one headless sync of the profile with its server.

Sends the changes waiting in the outbox, receives the server's changes, checks
integrity, and prints a summary. Exit status: 0 synced, 2 synced but
conflicts or refused changes need the user's attention (open the window's
conflicts view), 1 failed (offline, not signed in, protocol mismatch, ...):
nothing is lost, the changes wait for the next sync.
"""

from __future__ import annotations

import argparse
import json
import sys

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFLICTS = 2

EPILOG = """\
exit status:
  0  synced
  1  failed: offline, not signed in, certificate or protocol problem, server error
     (changes are kept and sent by the next sync)
  2  synced, but conflicts or refused changes wait for the user (conflicts view)
"""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "sync", help="sync this profile with the server now (headless)",
        description="Send waiting changes to the sync server and receive its changes, without the window.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--login", action="store_true",
                        help="sign in first with the stored server and user (password from the terminal or "
                             "stdin); for computers without a keyring")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("-v", "--verbose", action="store_true", help="print progress")


def run(args) -> int:
    from fieldapp.store import sync_state as ss
    from fieldapp.store.migrate import DatabaseProblem, open_profile_database
    from fieldapp.store.profile import Profile
    from fieldapp.sync.account import login
    from fieldapp.sync.engine import SyncEngine
    from fieldapp.sync.errors import SyncError

    from .login import read_password

    profile = Profile.at(getattr(args, "data_dir", None))
    try:
        engine = open_profile_database(profile)
    except DatabaseProblem as exc:
        print(exc.message.render(), file=sys.stderr)
        return EXIT_FAILED
    try:
        try:
            if args.login:
                with engine.connect() as conn:
                    settings = ss.load_settings(conn)
                if not settings.configured:
                    print("No server set up for this profile: fieldapp login --server URL --user NAME",
                          file=sys.stderr)
                    return EXIT_FAILED
                password = read_password(f"Password for {settings.username} at {settings.server_url}: ")
                result = login(engine, settings.server_url, settings.username, password,
                               ca_bundle=settings.ca_bundle)
                sync = SyncEngine(engine, profile, result.client, result.credentials)
            else:
                sync = SyncEngine.for_profile(engine, profile)
        except SyncError as exc:
            print(f"Sync failed: {exc.message.render()}", file=sys.stderr)
            return EXIT_FAILED

        def progress(phase: str, done: int, total: int | None) -> None:
            if args.verbose:
                print(f"  {phase}: {done}" + (f"/{total}" if total is not None else ""), file=sys.stderr)

        report = sync.sync(progress=progress)
        warning = sync.credentials.warning if sync.credentials is not None else None
        if args.json:
            data = {k: v for k, v in report.__dict__.items() if k != "error"}
            print(json.dumps(data, ensure_ascii=False, indent=2))
        elif report.status == "failed":
            print(f"Sync failed: {report.message}", file=sys.stderr)
            print(f"{report.pending} changes are kept on this laptop and will be sent by the next sync.",
                  file=sys.stderr)
        else:
            print(f"Synced: {report.summary()}.")
            if report.status == "conflicts":
                print(f"{report.open_conflicts} conflicts or refused changes need your attention "
                      "(open FieldApp's conflicts view).")
        for line in report.warnings:
            print(f"Warning: {line}", file=sys.stderr)
        if warning is not None and report.error_kind in ("auth_expired",):
            print(f"Note: {warning.render()}", file=sys.stderr)
        if report.status == "failed":
            return EXIT_FAILED
        return EXIT_CONFLICTS if report.status == "conflicts" else EXIT_OK
    finally:
        engine.dispose()
