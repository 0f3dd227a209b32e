"""``fieldapp write-managed-config``: write the machine-wide settings file.

The Windows installer runs this (a deferred custom action, as SYSTEM) with its
``SERVER_URL``, ``CA_BUNDLE`` and ``LOCKED`` properties; IT can also run it by
hand or from a deployment script on any platform. Values are checked with the
same rules the app applies when it reads the file (:mod:`fieldapp.settings`),
so a typo fails the install instead of leaving a hundred laptops without a
server. An empty option means "not given" (msiexec passes unset properties as
empty strings): the value already in the file, if any, is kept.

Exit codes: 0 written (or nothing to do), 2 invalid value, 1 cannot write.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path
from typing import Any

from fieldapp.settings import (
    KEYS,
    LOCKED_KEY,
    default_managed_config_path,
    dump_toml,
    managed_config_path,
    validate,
    write_atomically,
)

NAME = "write-managed-config"


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        NAME, help="write the machine-wide settings file (used by the installers; needs admin rights)",
        description="Write or update the machine-wide settings file "
                    f"(default here: {default_managed_config_path()}; $FIELDAPP_MANAGED_CONFIG overrides). "
                    "Options left out or empty keep the file's current value.")
    parser.add_argument("--server-url", metavar="URL", help="sync server, https://...")
    parser.add_argument("--ca-bundle", metavar="PEM", help="CA certificate(s) the server's certificate chains to")
    parser.add_argument("--sync-interval", metavar="MINUTES", help="automatic sync interval, 0 = off")
    parser.add_argument("--language", metavar="LANG", help="UI language: zh_CN or en")
    parser.add_argument("--allow-http-localhost", action="store_true",
                        help="allow a plain-http server_url on this machine (tests, demos)")
    parser.add_argument("--lock", metavar="KEYS",
                        help="comma-separated settings users cannot change, e.g. server_url,ca_bundle "
                             "(an empty string unlocks all; left out: keep the file's list)")
    parser.add_argument("--path", metavar="FILE", help="file to write instead of the machine-wide one")
    parser.add_argument("--replace", action="store_true", help="start from an empty file instead of updating")
    return parser


def _existing(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        print(f"{NAME}: {path}: the existing file is not valid ({exc}); it is replaced", file=sys.stderr)
        return {}


def build_values(args: argparse.Namespace, existing: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The file's new content and the problems found (empty list = valid)."""
    values: dict[str, Any] = {k: existing[k] for k in (*KEYS, LOCKED_KEY) if k in existing}
    problems: list[str] = []
    if args.allow_http_localhost:
        values["allow_http_localhost"] = True
    given: dict[str, Any] = {}
    if args.server_url:
        given["server_url"] = args.server_url
    if args.ca_bundle:
        given["ca_bundle"] = args.ca_bundle
    if args.language:
        given["language"] = args.language
    if args.sync_interval not in (None, ""):
        try:
            given["sync_interval_minutes"] = int(args.sync_interval)
        except ValueError:
            problems.append(f"--sync-interval: {args.sync_interval!r} is not a whole number")
    allow_http = values.get("allow_http_localhost") is True
    for key, value in given.items():
        normalised, problem = validate(key, value, allow_http_localhost=allow_http)
        if problem is None:
            values[key] = normalised
        elif key == "ca_bundle" and isinstance(value, str) and value.strip():
            # The certificate may be rolled out after the app; the app warns until it exists.
            print(f"{NAME}: warning: {problem.render()}; written anyway", file=sys.stderr)
            values[key] = value.strip()
        else:
            problems.append(problem.render())
    if args.lock is not None:
        names = [n.strip() for n in args.lock.replace(";", ",").split(",") if n.strip()]
        unknown = [n for n in names if n not in KEYS]
        if unknown:
            problems.append(f"--lock: unknown setting(s) {', '.join(unknown)} (known: {', '.join(KEYS)})")
        values[LOCKED_KEY] = list(dict.fromkeys(names))
    return values, problems


def run(args: argparse.Namespace) -> int:
    path = Path(args.path) if args.path else managed_config_path()
    existing = {} if args.replace else _existing(path)
    values, problems = build_values(args, existing)
    if problems:
        for problem in problems:
            print(f"{NAME}: {problem}", file=sys.stderr)
        print(f"{NAME}: nothing written to {path}", file=sys.stderr)
        return 2
    if not values and not path.exists():
        print(f"{NAME}: no settings given; {path} not created")
        return 0
    ordered = {k: values[k] for k in (*KEYS, LOCKED_KEY) if k in values}
    text = dump_toml(ordered, "FieldApp machine-wide settings (managed by IT).\n"
                              "Read before each user's own settings; keys listed in `locked` cannot be\n"
                              "changed by users. Reference: docs/deployment.md, \"Managed settings\".")
    try:
        write_atomically(path, text, mode=0o644)
    except OSError as exc:
        print(f"{NAME}: cannot write {path}: {exc}", file=sys.stderr)
        return 1
    print(f"{NAME}: wrote {path}")
    return 0
