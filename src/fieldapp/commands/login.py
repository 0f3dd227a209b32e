"""``fieldapp login``: sign this profile in to a sync server.

The password is read from the terminal without echo, or from standard input
when it is not a terminal (one line; for scripts). The server address, user
name and CA bundle path are stored in the profile; the refresh token in the
OS keyring — or, if this computer has none, in memory only (then ``fieldapp
sync`` in a later process needs ``--login``). Exit status 0 signed in,
1 failed.
"""

from __future__ import annotations

import argparse
import getpass
import sys

EPILOG = """\
exit status:
  0  signed in
  1  not signed in (wrong password, server unreachable, certificate problem, ...)

examples:
  fieldapp login --server https://sync.example.org --user zhangwei
  echo "$PASSWORD" | fieldapp login --server https://sync.example.org --user zhangwei
"""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "login", help="sign in to the sync server",
        description="Sign this profile in to a FieldSync server. The password is asked on the terminal "
                    "(or read from standard input when it is not a terminal).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", metavar="URL", help="server address, e.g. https://sync.example.org "
                        "(default: the one this profile used last)")
    parser.add_argument("--user", metavar="NAME", help="user name (default: the one this profile used last)")
    parser.add_argument("--ca-bundle", metavar="PATH",
                        help="CA certificates file to trust for the server (from IT), instead of the system's")


def read_password(prompt: str) -> str:
    """From the terminal without echo, else one line of standard input."""
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(prompt)
    line = sys.stdin.readline() if sys.stdin is not None else ""
    return line.rstrip("\r\n")


def run(args) -> int:
    from fieldapp.store import sync_state as ss
    from fieldapp.store.migrate import DatabaseProblem, open_profile_database
    from fieldapp.store.profile import Profile
    from fieldapp.sync.account import login
    from fieldapp.sync.errors import SyncError

    profile = Profile.at(getattr(args, "data_dir", None))
    try:
        engine = open_profile_database(profile)
    except DatabaseProblem as exc:
        print(exc.message.render(), file=sys.stderr)
        return 1
    try:
        with engine.connect() as conn:
            settings = ss.load_settings(conn)
        server = args.server or settings.server_url
        user = args.user or settings.username
        if not server or not user:
            print("Give the server and the user: fieldapp login --server URL --user NAME", file=sys.stderr)
            return 1
        password = read_password(f"Password for {user} at {server}: ")
        if not password:
            print("No password given.", file=sys.stderr)
            return 1
        try:
            result = login(engine, server, user, password, ca_bundle=args.ca_bundle or settings.ca_bundle)
        except (SyncError, ValueError) as exc:
            print(f"Sign-in failed: {exc.message.render() if isinstance(exc, SyncError) else exc}",
                  file=sys.stderr)
            return 1
        role = result.user.role.value if result.user.role else ""
        print(f"Signed in to {result.client.base_url} as {result.user.username} "
              f"({result.user.display_name}, {role}).")
        if result.warning is not None:
            print(f"Warning: {result.warning.render()}", file=sys.stderr)
        return 0
    finally:
        engine.dispose()
