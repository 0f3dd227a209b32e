"""``fieldsync``: run and administer the FieldApp sync server.

Every subcommand takes ``--data-dir`` (default ``$FIELDSYNC_DATA_DIR``, else the
user data folder) and ``--database-url`` (default ``$FIELDSYNC_DATABASE_URL``,
else SQLite in the data dir). Administration works on the database directly.
Exit status: 0 done, 1 refused or failed (the message says why), 2 bad usage.
"""

from __future__ import annotations

import argparse
import getpass
import os
import socket
import sys
from datetime import date
from pathlib import Path

from . import __version__

DEFAULT_PORT = 8765


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", metavar="DIR",
                        help="server data folder: SQLite database, photos (default: $FIELDSYNC_DATA_DIR, "
                             "else the user data folder)")
    common.add_argument("--database-url", metavar="URL",
                        help="e.g. postgresql://user@host/fieldsync (default: $FIELDSYNC_DATABASE_URL, "
                             "else SQLite in the data folder)")
    return common


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date; use YYYY-MM-DD") from None


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(prog="fieldsync", description="FieldApp's central sync server.")
    parser.add_argument("--version", action="version", version=f"FieldSync {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = sub.add_parser("serve", parents=[common], help="run the server")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT,
                       help=f"port (default {DEFAULT_PORT}; 0 = any free port, printed at start)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument("--demo", action="store_true", help="create the demo team and users if there are no users")
    serve.add_argument("--log-level", default=None, choices=["debug", "info", "warning", "error"])

    sub.add_parser("migrate", parents=[common], help="create or upgrade the database schema")

    user = sub.add_parser("user", help="manage users").add_subparsers(dest="action", metavar="ACTION",
                                                                     required=True)
    add = user.add_parser("add", parents=[common], help="add a user (password from stdin, or prompted)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=["manager", "lead", "admin"])
    add.add_argument("--team")
    add.add_argument("--display-name")
    passwd = user.add_parser("passwd", parents=[common], help="set a user's password (from stdin, or prompted)")
    passwd.add_argument("username")
    for name, text in (("disable", "disable a user (refused at once everywhere)"), ("enable", "enable a user")):
        p = user.add_parser(name, parents=[common], help=text)
        p.add_argument("username")
    move = user.add_parser("team", parents=[common], help="move a user to a team (or none with --none)")
    move.add_argument("username")
    move.add_argument("team", nargs="?")
    user.add_parser("list", parents=[common], help="list users")

    team = sub.add_parser("team", help="manage teams").add_subparsers(dest="action", metavar="ACTION",
                                                                     required=True)
    tadd = team.add_parser("add", parents=[common], help="add a team")
    tadd.add_argument("name")
    tadd.add_argument("--lead", metavar="USER")

    assign = sub.add_parser("assign", parents=[common], help="assign a customer (id or code) to a manager")
    assign.add_argument("customer")
    assign.add_argument("manager")
    assign.add_argument("--backup", metavar="USER")

    cover = sub.add_parser("cover", help="AB cover periods").add_subparsers(dest="action", metavar="ACTION",
                                                                           required=True)
    cadd = cover.add_parser("add", parents=[common], help="BACKUP covers MANAGER's customers during leave")
    cadd.add_argument("manager")
    cadd.add_argument("--backup", required=True, metavar="USER")
    cadd.add_argument("--from", dest="start", required=True, type=_date, metavar="YYYY-MM-DD")
    cadd.add_argument("--to", dest="end", required=True, type=_date, metavar="YYYY-MM-DD")

    imp = sub.add_parser("import", help="import data").add_subparsers(dest="action", metavar="WHAT",
                                                                     required=True)
    icust = imp.add_parser("customers", parents=[common],
                           help="customers from a CSV file (UTF-8, UTF-8 with BOM, or GBK/GB18030 from Excel)")
    icust.add_argument("file", type=Path)
    icust.add_argument("--skip-invalid", action="store_true", help="import the valid rows even if others fail")
    icust.add_argument("--encoding", default="auto",
                       help="the file's encoding (default: auto = UTF-8 if it reads as UTF-8, else GB18030)")

    tmpl = sub.add_parser("template", help="checklist templates").add_subparsers(dest="action", metavar="ACTION",
                                                                                required=True)
    timp = tmpl.add_parser("import", parents=[common], help="import templates from a JSON file")
    timp.add_argument("file", type=Path)

    device = sub.add_parser("device", help="devices").add_subparsers(dest="action", metavar="ACTION",
                                                                    required=True)
    drev = device.add_parser("revoke", parents=[common], help="revoke a user's device (all devices if none named)")
    drev.add_argument("username")
    drev.add_argument("device_id", nargs="?")

    aud = sub.add_parser("audit", parents=[common], help="show the audit log (newest first)")
    aud.add_argument("--user", help="only events by or about this user name")
    aud.add_argument("--event", help="only this event (login_failed, device_revoked, ...)")
    aud.add_argument("--since", type=_date, help="only events from this day on (YYYY-MM-DD, UTC)")
    aud.add_argument("--limit", type=int, default=100)
    aud.add_argument("--json", action="store_true", help="one JSON object per line")

    purge = sub.add_parser("purge", parents=[common],
                           help="remove tombstones and push records older than the retention (180 days)")
    purge.add_argument("--days", type=int, default=None, help="retention in days (minimum 180)")

    demo = sub.add_parser("demo", parents=[common], help="create a demo team with users and customers")
    demo.add_argument("--password", help="password of the demo users (default: printed)")
    return parser


def _settings(args):
    from .core.config import Settings

    return Settings.from_env(data_dir=args.data_dir, database_url=args.database_url)


def _engine(settings):
    from .core.db import create_db_engine

    return create_db_engine(settings.effective_database_url)


def _read_password(prompt: str = "Password: ") -> str:
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("Repeat: ") != first:
            raise SystemExit("fieldsync: the passwords differ; nothing changed")
        return first
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def _where(settings) -> str:
    url = settings.effective_database_url
    return url.render_as_string(hide_password=True) if hasattr(url, "render_as_string") else \
        __import__("sqlalchemy").make_url(url).render_as_string(hide_password=True)


def cmd_migrate(args) -> int:
    from .migrate import upgrade_to_head

    settings = _settings(args)
    engine = _engine(settings)
    try:
        before, head = upgrade_to_head(engine)
    finally:
        engine.dispose()
    print(f"Database {_where(settings)}: schema {head}" + ("" if before == head else f" (was {before or 'empty'})"))
    return 0


def _prepare_database(settings) -> None:
    """SQLite is upgraded at start; PostgreSQL must have been migrated (fieldsync migrate)."""
    from .migrate import SchemaNotCurrent, check_current, upgrade_to_head

    engine = _engine(settings)
    try:
        if engine.dialect.name == "sqlite":
            upgrade_to_head(engine)
        else:
            check_current(engine)
    except SchemaNotCurrent as exc:
        raise SystemExit(f"fieldsync: {exc}") from None
    finally:
        engine.dispose()


def cmd_serve(args) -> int:
    import uvicorn

    from .core.logs import configure_logging, log_event

    settings = _settings(args)
    if args.log_level:
        settings = settings.replace(log_level=args.log_level.upper())
    configure_logging(settings.log_level)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    _prepare_database(settings)
    if args.demo:
        from .demo import create_demo

        engine = _engine(settings)
        try:
            created, password = create_demo(engine, settings, only_if_empty=True)
        finally:
            engine.dispose()
        if created:
            print(f"Demo team created. Users: lead1 (lead), zhang, li, wang, zhao (managers), admin. "
                  f"Password: {password}", flush=True)
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
    # and accepted sockets inherit it. Without it every reply written as headers + body waited
    # ~40 ms for the client's delayed ACK (Nagle): measured 44 ms -> 1.6 ms for /api/health.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as exc:
        raise SystemExit(f"fieldsync: cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if family == socket.AF_INET6 else args.host
    log_event("serve", host=args.host, port=port, workers=args.workers, database=_where(settings),
              data_dir=str(settings.data_dir))
    print(f"FieldSync listening on http://{host}:{port}", flush=True)
    if args.workers > 1:
        from uvicorn.supervisors import Multiprocess

        os.environ.update(settings.to_env())
        config = uvicorn.Config("fieldsync.app:create_app_from_env", factory=True, workers=args.workers,
                                log_config=None, access_log=False, proxy_headers=True, server_header=False)
        Multiprocess(config, sockets=[sock]).run()
    else:
        from .app import create_app

        config = uvicorn.Config(create_app(settings), log_config=None, access_log=False, proxy_headers=True,
                                server_header=False)
        uvicorn.Server(config).run(sockets=[sock])
    return 0


def cmd_user(args) -> int:
    from . import admin
    from .models import users

    settings = _settings(args)
    engine = _engine(settings)
    try:
        if args.action == "add":
            password = _read_password()
            admin.add_user(engine, settings, args.username, password, args.role, args.team, args.display_name)
            print(f"User {args.username} ({args.role}) added.")
        elif args.action == "passwd":
            admin.set_password(engine, settings, args.username, _read_password("New password: "))
            print(f"Password of {args.username} changed.")
        elif args.action in ("disable", "enable"):
            admin.set_disabled(engine, settings, args.username, args.action == "disable")
            print(f"User {args.username} {args.action}d.")
        elif args.action == "team":
            admin.set_team(engine, settings, args.username, args.team)
            print(f"User {args.username} moved to {args.team or 'no team'}.")
        elif args.action == "list":
            from sqlalchemy import select

            from .models import teams

            with engine.connect() as conn:
                rows = conn.execute(select(users.c.username, users.c.role, users.c.disabled, teams.c.name)
                                    .outerjoin(teams, teams.c.id == users.c.team_id).order_by(users.c.username))
                for r in rows:
                    print(f"{r.username}\t{r.role}\t{r.name or '-'}\t{'disabled' if r.disabled else 'active'}")
    finally:
        engine.dispose()
    return 0


def cmd_team(args) -> int:
    from . import admin

    settings = _settings(args)
    engine = _engine(settings)
    try:
        admin.add_team(engine, settings, args.name, args.lead)
    finally:
        engine.dispose()
    print(f"Team {args.name} added.")
    return 0


def cmd_assign(args) -> int:
    from . import admin

    settings = _settings(args)
    engine = _engine(settings)
    try:
        row = admin.assign(engine, settings, args.customer, args.manager, args.backup)
    finally:
        engine.dispose()
    print(f"Customer {row.values.get('code')} ({row.values.get('store_name')}) assigned to {args.manager}"
          + (f", backup {args.backup}" if args.backup else "") + ".")
    return 0


def cmd_cover(args) -> int:
    from . import admin

    settings = _settings(args)
    engine = _engine(settings)
    try:
        admin.add_cover(engine, settings, args.manager, args.backup, args.start, args.end)
    finally:
        engine.dispose()
    print(f"{args.backup} covers {args.manager}'s customers from {args.start} to {args.end}.")
    return 0


def cmd_import(args) -> int:
    from . import admin

    settings = _settings(args)
    engine = _engine(settings)
    try:
        report = admin.import_customers(engine, settings, args.file, skip_invalid=args.skip_invalid,
                                        encoding=args.encoding)
    finally:
        engine.dispose()
    if report.encoding not in ("utf-8", "utf-8-sig"):
        print(f"{args.file}: read as {report.encoding.upper()}", file=sys.stderr)
    for warning in report.warnings:
        print(f"{args.file}: warning: {warning}", file=sys.stderr)
    if report.warning_count > len(report.warnings):
        print(f"{args.file}: ... and {report.warning_count - len(report.warnings)} more warning(s)", file=sys.stderr)
    for error in report.errors:
        print(f"{args.file}: {error}", file=sys.stderr)
    if report.error_count > len(report.errors):
        print(f"{args.file}: ... and {report.error_count - len(report.errors)} more line(s) with errors",
              file=sys.stderr)
    if report.error_count and not args.skip_invalid:
        print(f"Nothing imported: {report.error_count} line(s) with errors. Fix them, or use --skip-invalid.",
              file=sys.stderr)
        return 1
    print(f"Imported {report.imported} new and updated {report.updated} customers"
          + (f"; skipped {report.skipped} invalid line(s)" if report.skipped else "") + ".")
    return 0


def cmd_audit(args) -> int:
    import json
    from datetime import datetime

    from .audit import list_events

    settings = _settings(args)
    engine = _engine(settings)
    try:
        since = datetime(args.since.year, args.since.month, args.since.day) if args.since else None
        events = list_events(engine, username=args.user, event=args.event, since=since, limit=args.limit)
    finally:
        engine.dispose()
    for e in events:
        if args.json:
            print(json.dumps({**e, "at": e["at"].isoformat() + "Z"}, ensure_ascii=False, default=str))
        else:
            detail = json.dumps(e["detail"], ensure_ascii=False, default=str) if e["detail"] else ""
            print(f"{e['at']:%Y-%m-%d %H:%M:%S}Z\t{e['event']}\t{e['actor'] or '-'}\t{e['device_id'] or '-'}\t"
                  f"{e['target'] or '-'}\t{e['client_ip'] or '-'}\t{detail}")
    return 0


def cmd_template(args) -> int:
    from . import admin

    settings = _settings(args)
    engine = _engine(settings)
    try:
        ids = admin.import_templates(engine, settings, args.file)
    finally:
        engine.dispose()
    print(f"{len(ids)} template(s) imported or already present.")
    return 0


def cmd_device(args) -> int:
    from . import admin

    settings = _settings(args)
    engine = _engine(settings)
    try:
        count = admin.revoke_devices(engine, settings, args.username, args.device_id)
    finally:
        engine.dispose()
    print(f"{count} device registration(s) of {args.username} revoked.")
    return 0


def cmd_purge(args) -> int:
    from .retention import purge

    settings = _settings(args)
    engine = _engine(settings)
    try:
        result = purge(engine, settings, days=args.days)
    finally:
        engine.dispose()
    print(f"Removed {result.tombstones} tombstone(s) and {result.push_records} push record(s) "
          f"older than {result.days} days.")
    return 0


def cmd_demo(args) -> int:
    from .demo import create_demo

    settings = _settings(args)
    _prepare_database(settings)
    engine = _engine(settings)
    try:
        created, password = create_demo(engine, settings, password=args.password)
    finally:
        engine.dispose()
    if created:
        print("Demo team created: lead1 (lead), zhang, li, wang, zhao (managers), admin (admin).")
    else:
        print("The demo users already exist.")
    print(f"Demo password: {password}")
    return 0


COMMANDS = {"serve": cmd_serve, "migrate": cmd_migrate, "user": cmd_user, "team": cmd_team,
            "assign": cmd_assign, "cover": cmd_cover, "import": cmd_import, "template": cmd_template,
            "device": cmd_device, "audit": cmd_audit, "purge": cmd_purge, "demo": cmd_demo}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from sqlalchemy.exc import OperationalError

    from .admin import AdminError
    from .migrate import SchemaNotCurrent

    try:
        return COMMANDS[args.command](args)
    except (AdminError, SchemaNotCurrent) as exc:
        print(f"fieldsync: {exc}", file=sys.stderr)
        return 1
    except OperationalError as exc:
        print(f"fieldsync: cannot use the database: {str(exc.orig or exc).strip().splitlines()[0]}",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
