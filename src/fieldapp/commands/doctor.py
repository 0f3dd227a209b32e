"""``fieldapp doctor``: check a profile's database without changing it.

For IT and support: where the data is, whether the file is sound, which
schema it has, what it holds and what still waits to be synced. The database
is opened read-only and migrations are never run, so it is safe on a laptop
whose database is damaged or was written by another FieldApp version.
(SQLite may create empty ``-wal``/``-shm`` side files to read a WAL-mode
database; the database file itself is not written.)
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

EXIT_HEALTHY = 0
EXIT_PROBLEM = 1
EXIT_UPGRADE_PENDING = 3
EXIT_NO_DATABASE = 4

EPILOG = """\
exit status:
  0  healthy: the database is sound and has this FieldApp's schema
  1  problem: damaged (integrity errors, truncated), not a FieldApp database,
     written by a newer FieldApp, or unreadable (locked, no permission)
  2  wrong command-line arguments
  3  schema upgrade pending: the database is sound but older; it will be
     backed up and upgraded on the next start of FieldApp
  4  no database: the data folder or its database file does not exist yet
     (FieldApp creates it on first start; check --data-dir if one was expected)

The database is opened read-only; doctor never upgrades or repairs it.
"""

# (report key, table, WHERE clause for the rows counted)
_COUNTS = (
    ("customers_live", "customers", "deleted = 0"),
    ("customers_deleted", "customers", "deleted != 0"),
    ("visits", "visits", "deleted = 0"),
    ("follow_ups", "follow_ups", "deleted = 0"),
    ("follow_ups_open", "follow_ups", "deleted = 0 AND status = 'open'"),
    ("purchases", "purchase_history", "deleted = 0"),
    ("templates", "checklist_templates", "deleted = 0"),
    ("search_entries", "customer_search", ""),
)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "doctor", help="check the profile's database without changing it",
        description="Report the data folder, database file, schema version, integrity, row counts, "
                    "changes not yet synced, backups, WAL mode and demo flag of a profile. "
                    "The profile is --data-dir (given before or after 'doctor'), else FIELDAPP_DATA_DIR, "
                    "else the user data folder.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print the report as JSON (for scripts)")
    # Also accepted after the subcommand, where IT tends to type it; SUPPRESS keeps the global value otherwise.
    parser.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS, help="profile folder to check")


def run(args: argparse.Namespace) -> int:
    from fieldapp.store.profile import Profile

    report = collect_report(Profile.at(getattr(args, "data_dir", None)))
    if getattr(args, "json", False):
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(render_text(report))
    return int(report["exit_code"])


def collect_report(profile) -> dict[str, Any]:
    """Everything doctor knows about ``profile``, JSON-serialisable. Never writes to the database."""
    from fieldapp.store.migrate import DatabaseState, inspect_database, list_backups, side_file

    db_path: Path = profile.db_path
    exists = db_path.is_file()
    wal = side_file(db_path, "-wal")
    report: dict[str, Any] = {
        "data_dir": str(profile.data_dir),
        "data_dir_exists": profile.data_dir.is_dir(),
        "database": {
            "path": str(db_path),
            "exists": exists,
            "size_bytes": db_path.stat().st_size if exists else None,
            "wal_bytes": wal.stat().st_size if wal.is_file() else None,
        },
        "backups": [_backup_info(p) for p in list_backups(profile)],
    }
    inspection = inspect_database(db_path, full_check=True, max_errors=100)
    report["state"] = inspection.state.value
    report["detail"] = inspection.detail
    report["schema"] = {"revision": inspection.revision, "head": inspection.head}
    corrupt = inspection.state == DatabaseState.CORRUPT
    checked = bool(inspection.integrity) or corrupt
    report["integrity"] = {
        "checked": checked,
        "ok": inspection.integrity == ["ok"] if checked else None,
        "errors": [] if inspection.integrity == ["ok"] else (inspection.integrity or [inspection.detail]),
    }
    readable = inspection.state in (DatabaseState.CURRENT, DatabaseState.OLD_SCHEMA, DatabaseState.NEWER_SCHEMA)
    report.update(_read_contents(db_path) if readable else {
        "journal_mode": None, "counts": {}, "pending_changes": None, "oldest_pending": None,
        "demo": None, "client_id": None})
    status, exit_code, summary = _verdict(report, inspection.state)
    report["status"], report["exit_code"], report["summary"] = status, exit_code, summary
    if readable and inspection.state != DatabaseState.NEWER_SCHEMA:
        report["warnings"] = _warnings(report)
    else:
        report["warnings"] = []
    return report


def _backup_info(path: Path) -> dict[str, Any]:
    stat = path.stat()
    return {"path": str(path), "size_bytes": stat.st_size,
            "modified": datetime.fromtimestamp(stat.st_mtime, timezone.utc).isoformat(timespec="seconds")}


def _read_contents(db_path: Path) -> dict[str, Any]:
    """Counts, pending changes and profile facts, read through a read-only connection."""
    from fieldapp.store.meta import DEMO_KEY
    from fieldapp.store.migrate import connect_read_only

    out: dict[str, Any] = {"counts": {}}
    conn = connect_read_only(db_path)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

        def scalar(sql: str, params: tuple = ()) -> Any:
            try:
                row = conn.execute(sql, params).fetchone()
            except sqlite3.Error:
                return None  # e.g. a column a newer schema renamed: report "unknown", not a crash
            return row[0] if row else None

        out["journal_mode"] = scalar("PRAGMA journal_mode")
        for key, table, where in _COUNTS:
            if table in tables:
                out["counts"][key] = scalar(f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else ""))
            else:
                out["counts"][key] = None
        if "change_journal" in tables:
            out["pending_changes"] = scalar("SELECT count(*) FROM change_journal WHERE acked_at IS NULL")
            out["oldest_pending"] = scalar("SELECT min(created_at) FROM change_journal WHERE acked_at IS NULL")
        else:
            out["pending_changes"] = out["oldest_pending"] = None
        demo = scalar("SELECT value FROM profile_meta WHERE key = ?", (DEMO_KEY,))
        out["demo"] = demo == "1"
        out["client_id"] = scalar("SELECT value FROM profile_meta WHERE key = 'client_id'")
    finally:
        conn.close()
    return out


def _verdict(report: dict[str, Any], state) -> tuple[str, int, str]:
    from fieldapp.store.migrate import DatabaseState

    path, detail = report["database"]["path"], report["detail"]
    if state == DatabaseState.MISSING:
        if not report["data_dir_exists"]:
            return "no_profile", EXIT_NO_DATABASE, (
                f"There is no FieldApp profile at {report['data_dir']}: the folder does not exist. "
                "FieldApp creates it on first start; if data was expected here, check --data-dir "
                "or FIELDAPP_DATA_DIR.")
        return "no_database", EXIT_NO_DATABASE, (
            f"There is no database in {report['data_dir']} yet ({detail}). "
            "FieldApp creates one on first start; if data was expected here, check --data-dir "
            "or FIELDAPP_DATA_DIR, and the backups listed below.")
    if state == DatabaseState.CURRENT:
        return "healthy", EXIT_HEALTHY, "The database is sound and up to date."
    if state == DatabaseState.OLD_SCHEMA:
        return "upgrade_pending", EXIT_UPGRADE_PENDING, (
            f"The database is sound but has the older schema {report['schema']['revision']} "
            f"(this FieldApp: {report['schema']['head']}). It will be backed up and upgraded on next start.")
    newest = report["backups"][0]["path"] if report["backups"] else None
    restore = (f" To go back to the newest backup: close FieldApp, delete {path}-wal and {path}-shm if they "
               f"exist, then copy {newest} to {path}."
               if newest else " There is no backup of this profile.")
    if state == DatabaseState.CORRUPT:
        return "corrupt", EXIT_PROBLEM, (
            f"The database file {path} is damaged ({detail}). FieldApp will refuse to open it.{restore}")
    if state == DatabaseState.NOT_FIELDAPP:
        return "not_fieldapp", EXIT_PROBLEM, (
            f"The file {path} is not a FieldApp database ({detail}). FieldApp will refuse to open it. "
            "Choose another data folder with --data-dir, or move the file away.")
    if state == DatabaseState.NEWER_SCHEMA:
        return "newer_schema", EXIT_PROBLEM, (
            f"The database {path} was written by a newer FieldApp ({detail}). "
            "This version will not open it: install the newer FieldApp.")
    return "unreadable", EXIT_PROBLEM, (
        f"The database {path} could not be read ({detail}). Close other programs that may use it and "
        "check the folder's permissions.")


def _warnings(report: dict[str, Any]) -> list[str]:
    out = []
    counts = report["counts"]
    if counts.get("search_entries") is not None and counts.get("customers_live") is not None \
            and counts["search_entries"] != counts["customers_live"]:
        out.append(f"The search index has {counts['search_entries']} entries for {counts['customers_live']} "
                   "customers: some customers may not be found by search.")
    if report.get("journal_mode") not in (None, "wal"):
        out.append(f"The journal mode is {report['journal_mode']!r}, not WAL; "
                   "FieldApp switches it to WAL when it opens the database.")
    return out


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


def _num(value: Any) -> str:
    return "n/a" if value is None else str(value)


def render_text(report: dict[str, Any]) -> str:
    """The human-readable report (English)."""
    from fieldapp import __version__

    db = report["database"]
    lines = [f"FieldApp {__version__} doctor", ""]

    def row(label: str, value: Any) -> None:
        lines.append(f"  {label + ':':<18}{value}")

    row("Data folder", report["data_dir"] + ("" if report["data_dir_exists"] else "  (does not exist)"))
    if db["exists"]:
        wal = f", WAL file {_size(db['wal_bytes'])}" if db["wal_bytes"] is not None else ""
        row("Database", f"{db['path']} ({_size(db['size_bytes'])}{wal})")
    else:
        row("Database", f"{db['path']}  (does not exist)")
    schema = report["schema"]
    if schema["revision"] is not None:
        relation = {"current": "up to date", "old_schema": "older: upgrade pending",
                    "newer_schema": "NEWER than this FieldApp"}.get(report["state"], "")
        row("Schema", f"{schema['revision']} (this FieldApp: {schema['head']}) - {relation}")
    else:
        row("Schema", f"unknown (this FieldApp: {schema['head']})")
    integrity = report["integrity"]
    if integrity["checked"]:
        row("Integrity check", "ok" if integrity["ok"] else "FAILED")
        if not integrity["ok"]:
            lines.extend(f"      {e}" for e in integrity["errors"][:20])
    else:
        row("Integrity check", "not run")
    if report.get("journal_mode"):
        row("Journal mode", "WAL" if report["journal_mode"] == "wal" else report["journal_mode"])
    if report.get("demo") is not None:
        row("Demo data", "yes (made-up data)" if report["demo"] else "no")
    counts = report["counts"]
    if counts:
        row("Customers", f"{_num(counts['customers_live'])} live, {_num(counts['customers_deleted'])} deleted")
        row("Visits", _num(counts["visits"]))
        row("Follow-ups", f"{_num(counts['follow_ups'])} ({_num(counts['follow_ups_open'])} open)")
        row("Purchases", _num(counts["purchases"]))
        row("Templates", _num(counts["templates"]))
        row("Search index", f"{_num(counts['search_entries'])} entries")
    if report.get("pending_changes") is not None:
        pending = report["pending_changes"]
        since = f" (oldest from {report['oldest_pending']})" if pending and report.get("oldest_pending") else ""
        row("Pending changes", f"{pending} not yet synced{since}")
    backups = report["backups"]
    row("Backups", f"{len(backups)}" + (f" in {Path(backups[0]['path']).parent}" if backups else ""))
    lines.extend(f"      {Path(b['path']).name}  {_size(b['size_bytes'])}  {b['modified']}" for b in backups[:10])
    if len(backups) > 10:
        lines.append(f"      ... and {len(backups) - 10} older")
    lines.append("")
    for warning in report["warnings"]:
        lines.append(f"Warning: {warning}")
    lines.append(f"Status: {report['status'].upper().replace('_', ' ')} - {report['summary']}")
    return "\n".join(lines) + "\n"
