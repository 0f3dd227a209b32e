"""``fieldapp logout``: forget this profile's sign-in (revoked on the server when reachable).

Unsent changes stay in the profile and are sent after the next sign-in.
"""

from __future__ import annotations

import sys


def add_parser(subparsers) -> None:
    subparsers.add_parser(
        "logout", help="sign out of the sync server",
        description="Delete this profile's sign-in token (and revoke it on the server if it can be reached). "
                    "Changes not yet sent stay in the profile.")


def run(args) -> int:
    from fieldapp.store.journal import pending_count
    from fieldapp.store.migrate import DatabaseProblem, open_profile_database
    from fieldapp.store.profile import Profile
    from fieldapp.sync.account import logout

    profile = Profile.at(getattr(args, "data_dir", None))
    try:
        engine = open_profile_database(profile)
    except DatabaseProblem as exc:
        print(exc.message.render(), file=sys.stderr)
        return 1
    try:
        confirmed = logout(engine)
        with engine.connect() as conn:
            waiting = pending_count(conn)
        print("Signed out." + ("" if confirmed else " (The server could not be told; the token was deleted here.)"))
        if waiting:
            print(f"{waiting} changes are still waiting to be sent; they are sent after the next sign-in.")
        return 0
    finally:
        engine.dispose()
