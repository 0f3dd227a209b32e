"""``fieldapp`` command line: the window by default, plus demo, doctor and --version.

Subcommands live in :mod:`fieldapp.commands`; each exposes ``add_parser`` and
``run(args) -> int``. Heavy imports (Qt, SQLAlchemy) happen inside the command
that needs them so ``fieldapp --version`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__

# subcommand name -> module under fieldapp.commands
COMMANDS = {
    "demo": "demo",
    "doctor": "doctor",
    "login": "login",
    "logout": "logout",
    "sync": "sync",
    "write-managed-config": "managed_config",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fieldapp",
        description="FieldApp: offline-first customer files, visits and sync for field account managers.")
    parser.add_argument("--version", action="version", version=f"FieldApp {__version__}")
    parser.add_argument("--data-dir", metavar="DIR",
                        help="profile folder (default: $FIELDAPP_DATA_DIR, else the user data folder)")
    parser.add_argument("--lang", choices=["zh_CN", "en"], help="UI language (default: settings, else system)")
    parser.add_argument("--demo", action="store_true",
                        help="fill an empty profile with demo data before opening the window")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMANDS.items():
        importlib.import_module(f"fieldapp.commands.{module}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command:
        module = importlib.import_module(f"fieldapp.commands.{COMMANDS[args.command]}")
        return int(module.run(args) or 0)
    from fieldapp.gui.app import run_app

    return run_app(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
