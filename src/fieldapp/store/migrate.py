"""Opening a profile's database safely: inspect, back up, upgrade.

At start the app calls :func:`open_profile_database`. It refuses (with a
:class:`DatabaseProblem` the GUI and CLI can show) a file that is corrupt, is
not a FieldApp database, was written by a newer FieldApp, or cannot be read
at all — and never writes to such a file. An older schema is first copied
aside with SQLite's online backup API (which includes changes still in the
``-wal`` file), then upgraded in one transaction; if the upgrade fails the copy
is put back and the user is told.

Hazards:
- Never copy the database file alone with a plain file copy while it may have
  a ``-wal`` file: committed changes can live only in the WAL. Use
  :func:`backup_database`.
- Never put a file back without deleting the old ``-wal``/``-shm`` first:
  SQLite would replay the stale WAL onto the restored file and corrupt it.
- :func:`inspect_database` opens the file read-only. SQLite may create empty
  ``-wal``/``-shm`` side files to read a WAL-mode database; the database file
  itself is never written.
"""

from __future__ import annotations

import enum
import logging
import os
import re
import shutil
import sqlite3
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from fieldapp.core.messages import QT_TRANSLATE_NOOP, Message

from .db import create_sqlite_engine, write_transaction
from .profile import Profile

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
APP_MARKER_KEY = "application"
APP_MARKER_VALUE = "fieldapp"
SQLITE_HEADER = b"SQLite format 3\x00"
SIDE_SUFFIXES = ("-wal", "-shm")
# Pre-upgrade backups kept per profile; older ones are deleted after a new one is made.
MAX_UPGRADE_BACKUPS = 10
UPGRADE_REASON_PREFIX = "before-upgrade"
_BACKUP_NAME_RE = re.compile(r"^fieldapp-(\d{8}T\d{12}Z)-(.+)\.sqlite3$")
# SQLite primary result codes that mean "the bytes are wrong" (vs. locked, no permission, I/O).
_CORRUPT_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB


class DatabaseState(str, enum.Enum):
    MISSING = "missing"
    CURRENT = "current"
    OLD_SCHEMA = "old_schema"
    NEWER_SCHEMA = "newer_schema"
    NOT_FIELDAPP = "not_fieldapp"
    CORRUPT = "corrupt"
    UNREADABLE = "unreadable"  # locked by another program, no permission, I/O error


@dataclass
class DatabaseInspection:
    state: DatabaseState
    revision: str | None
    head: str
    detail: str = ""
    integrity: list[str] = field(default_factory=list)
    path: Path | None = None

    @property
    def ok(self) -> bool:
        """True when :func:`open_profile_database` may open (and if needed create or upgrade) the file."""
        return self.state in (DatabaseState.CURRENT, DatabaseState.OLD_SCHEMA, DatabaseState.MISSING)


class DatabaseProblem(Exception):
    """The profile's database cannot be opened safely.

    ``message`` names the file, says why and what to do (translatable);
    ``backups`` are this profile's backups, newest first, to offer the user.
    """

    def __init__(self, inspection: DatabaseInspection, message: Message, backups: list[Path]):
        super().__init__(message.render())
        self.inspection = inspection
        self.message = message
        self.backups = backups


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def side_file(path: Path, suffix: str) -> Path:
    """The ``-wal`` or ``-shm`` file that belongs to the database at ``path``."""
    return Path(str(path) + suffix)


def connect_read_only(path: Path, *, timeout: float = 10.0) -> sqlite3.Connection:
    """A read-only sqlite3 connection to ``path`` (any characters in the path are safe).

    The path is passed as a percent-encoded ``file:`` URI: a raw path with
    ``?``, ``#`` or ``%`` in it would otherwise be misread as URI syntax.
    """
    uri = Path(os.path.abspath(path)).as_uri() + "?mode=ro"
    return sqlite3.connect(uri, uri=True, timeout=timeout)


def _state_for_error(exc: sqlite3.Error) -> DatabaseState:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return DatabaseState.CORRUPT if code & 0xFF in _CORRUPT_CODES else DatabaseState.UNREADABLE
    text = str(exc).lower()
    return DatabaseState.CORRUPT if ("malformed" in text or "not a database" in text) else DatabaseState.UNREADABLE


def _file_problem(path: Path, size: int, wal_has_content: bool) -> str | None:
    """What is wrong with the file's SQLite header and size, if anything (no SQLite call needed)."""
    with open(path, "rb") as fh:
        header = fh.read(100)
    if len(header) < 100 or header[:16] != SQLITE_HEADER:
        return "the file does not start with the SQLite header: it is not a database, or its start was overwritten"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return f"the header gives an impossible page size ({page_size})"
    if size % page_size:
        return (f"the file size ({size} bytes) is not a whole number of {page_size}-byte pages: "
                "it was cut short or appended to")
    header_pages = int.from_bytes(header[28:32], "big")
    header_valid = header[24:28] == header[92:96]
    # With changes still in the WAL the main file may legitimately be behind its header.
    if not wal_has_content and header_valid and header_pages and size < header_pages * page_size:
        return f"the file is truncated: it holds {size // page_size} of its {header_pages} pages"
    return None


def inspect_database(path: Path, *, full_check: bool = True, max_errors: int = 20) -> DatabaseInspection:
    """Classify the file at ``path`` without writing to it (opened read-only).

    ``full_check`` runs ``PRAGMA integrity_check`` (reads every page and index),
    otherwise the faster ``quick_check``. Never raises for a bad file: the
    problem is reported as the inspection's state and detail.
    """
    path = Path(path)
    head = head_revision()

    def result(state: DatabaseState, revision: str | None = None, detail: str = "",
               integrity: list[str] | None = None) -> DatabaseInspection:
        return DatabaseInspection(state, revision, head, detail, integrity or [], path)

    try:
        size = path.stat().st_size if path.exists() else -1
        wal = side_file(path, "-wal")
        wal_has_content = wal.exists() and wal.stat().st_size > 0
        if size < 0 or (size == 0 and not wal_has_content):
            return result(DatabaseState.MISSING, detail="no database file" if size < 0 else "empty file")
        if size > 0:
            problem = _file_problem(path, size, wal_has_content)
            if problem:
                return result(DatabaseState.CORRUPT, detail=problem)
    except OSError as exc:
        return result(DatabaseState.UNREADABLE, detail=str(exc))
    try:
        conn = connect_read_only(path)
    except sqlite3.Error as exc:
        return result(_state_for_error(exc), detail=str(exc))
    try:
        check = "integrity_check" if full_check else "quick_check"
        rows = [r[0] for r in conn.execute(f"PRAGMA {check}({int(max_errors)})").fetchall()]
        if rows != ["ok"]:
            return result(DatabaseState.CORRUPT, detail="; ".join(rows[:3]), integrity=rows)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            return result(DatabaseState.MISSING, detail="empty database", integrity=rows)
        if "alembic_version" not in tables or "profile_meta" not in tables:
            return result(DatabaseState.NOT_FIELDAPP, detail="its tables are " + ", ".join(sorted(tables)[:8]),
                          integrity=rows)
        marker = conn.execute("SELECT value FROM profile_meta WHERE key = ?", (APP_MARKER_KEY,)).fetchone()
        if not marker or marker[0] != APP_MARKER_VALUE:
            return result(DatabaseState.NOT_FIELDAPP, detail="it has no FieldApp marker", integrity=rows)
        versions = [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]
    except sqlite3.Error as exc:
        return result(_state_for_error(exc), detail=str(exc))
    finally:
        conn.close()
    if len(versions) != 1:
        return result(DatabaseState.CORRUPT, detail=f"it records {len(versions)} schema versions instead of one",
                      integrity=rows)
    revision = versions[0]
    if revision == head:
        return result(DatabaseState.CURRENT, revision, integrity=rows)
    if revision in known_revisions():
        return result(DatabaseState.OLD_SCHEMA, revision, integrity=rows)
    return result(DatabaseState.NEWER_SCHEMA, revision,
                  f"schema {revision}; this FieldApp knows schemas up to {head}", rows)


# --- backups ---------------------------------------------------------------

def _backup_sort_key(path: Path) -> tuple[str, float, str]:
    match = _BACKUP_NAME_RE.match(path.name)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = 0.0
    stamp = match.group(1) if match else datetime.fromtimestamp(mtime, timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    return stamp, mtime, path.name


def list_backups(profile: Profile) -> list[Path]:
    """Backups of this profile, newest first (by the time in the name, else the file time)."""
    if not profile.backup_dir.is_dir():
        return []
    return sorted(profile.backup_dir.glob("*.sqlite3"), key=_backup_sort_key, reverse=True)


def _fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _unlink_with_sides(path: Path) -> None:
    for p in (path, *(side_file(path, s) for s in (*SIDE_SUFFIXES, "-journal"))):
        p.unlink(missing_ok=True)


def backup_database(profile: Profile, reason: str) -> Path:
    """Copy the live database aside and return the copy's path.

    Uses SQLite's online backup API, so the copy is consistent and includes
    changes still in the ``-wal`` file. The copy is switched to rollback-journal
    mode (a single self-contained file IT can move around), checked with
    ``quick_check``, flushed to disk, and only then given its final name, so a
    ``*.sqlite3`` file in the backup folder is always a complete backup.
    Raises :class:`sqlite3.Error` or :class:`OSError` on failure (nothing left behind).
    """
    profile.backup_dir.mkdir(parents=True, exist_ok=True)
    safe_reason = re.sub(r"[^A-Za-z0-9._-]+", "-", reason).strip("-") or "backup"
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    target = profile.backup_dir / f"fieldapp-{stamp}-{safe_reason}.sqlite3"
    partial = target.with_name(target.name + ".partial")
    try:
        src = connect_read_only(profile.db_path)
        try:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode = DELETE")
                check = [r[0] for r in dst.execute("PRAGMA quick_check").fetchall()]
            finally:
                dst.close()
        finally:
            src.close()
        if check != ["ok"]:
            raise sqlite3.DatabaseError(f"the backup copy failed its check: {'; '.join(check[:3])}")
        _fsync(partial)
        os.replace(partial, target)
    except BaseException:
        _unlink_with_sides(partial)
        raise
    return target


def prune_backups(profile: Profile, *, keep: int = MAX_UPGRADE_BACKUPS,
                  reason_prefix: str = UPGRADE_REASON_PREFIX) -> list[Path]:
    """Delete all but the newest ``keep`` backups whose reason starts with ``reason_prefix``.

    Backups made for other reasons (or copied in by hand) are never touched.
    Returns the deleted paths.
    """
    ours = [p for p in list_backups(profile)
            if (m := _BACKUP_NAME_RE.match(p.name)) and m.group(2).startswith(reason_prefix)]
    removed = []
    for path in ours[keep:]:
        try:
            _unlink_with_sides(path)
            removed.append(path)
        except OSError as exc:  # a backup we cannot delete is not worth failing the start over
            log.warning("could not delete old backup %s: %s", path, exc)
    return removed


def restore_backup(backup: Path, profile: Profile) -> None:
    """Put ``backup`` in place of the profile's database. No connection may be open on it.

    The copy is written next to the database first and then renamed over it,
    so the database file is always either the old or the restored one. The
    stale ``-wal``/``-shm`` files are removed before the rename.
    """
    tmp = profile.db_path.with_name(profile.db_path.name + ".restoring")
    try:
        shutil.copyfile(backup, tmp)
        _fsync(tmp)
        for suffix in SIDE_SUFFIXES:
            side_file(profile.db_path, suffix).unlink(missing_ok=True)
        os.replace(tmp, profile.db_path)
    finally:
        tmp.unlink(missing_ok=True)


# --- schema ----------------------------------------------------------------

def upgrade_to_head(conn: Connection) -> None:
    """Run every pending migration on ``conn``, inside the caller's transaction."""
    config = alembic_config()
    config.attributes["connection"] = conn
    command.upgrade(config, "head")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _ensure_profile_meta(conn: Connection) -> None:
    from .schema import profile_meta

    existing = {r.key for r in conn.execute(profile_meta.select())}
    defaults = {APP_MARKER_KEY: APP_MARKER_VALUE, "client_id": str(uuid.uuid4()),
                "created_at": datetime.now(timezone.utc).isoformat()}
    for key, value in defaults.items():
        if key not in existing:
            conn.execute(profile_meta.insert().values(key=key, value=value))


def _prepare_schema(engine: Engine) -> None:
    """Upgrade to head and write the profile marker in ONE transaction.

    A crash part-way through therefore leaves either the old database or an
    empty one, never a half-created database without its FieldApp marker
    (which the next start would refuse as "not a FieldApp database").
    """
    with write_transaction(engine) as conn:
        upgrade_to_head(conn)
        _ensure_profile_meta(conn)


# --- messages ----------------------------------------------------------------

_REFUSALS = {
    (DatabaseState.CORRUPT, True): QT_TRANSLATE_NOOP(
        "Database", "The database file {path} is damaged ({detail}). It has not been changed. "
        "To go back to the newest backup: close FieldApp, delete {path}-wal and {path}-shm if they exist, "
        "then copy {backup} to {path}. "
        "Changes made since that backup and not yet synced will be missing."),
    (DatabaseState.CORRUPT, False): QT_TRANSLATE_NOOP(
        "Database", "The database file {path} is damaged ({detail}). It has not been changed. "
        "There is no backup in {backup_dir}. Ask IT to try to recover the file, or move it away "
        "to start an empty profile and sync again."),
    (DatabaseState.NOT_FIELDAPP, True): QT_TRANSLATE_NOOP(
        "Database", "The file {path} is not a FieldApp database ({detail}). It has not been changed. "
        "Choose another data folder with --data-dir, or move the file away (with its -wal and -shm files) "
        "and copy the newest backup {backup} to {path}."),
    (DatabaseState.NOT_FIELDAPP, False): QT_TRANSLATE_NOOP(
        "Database", "The file {path} is not a FieldApp database ({detail}). It has not been changed. "
        "Choose another data folder with --data-dir, or move the file away."),
    (DatabaseState.NEWER_SCHEMA, True): QT_TRANSLATE_NOOP(
        "Database", "The database {path} was written by a newer FieldApp ({detail}). "
        "This version will not touch it. Install the newer FieldApp version."),
    (DatabaseState.UNREADABLE, True): QT_TRANSLATE_NOOP(
        "Database", "The database {path} could not be read ({detail}). It has not been changed. "
        "Close other programs that may be using it (another FieldApp window, a backup or sync tool) and "
        "check that you may read and write the folder, then start FieldApp again."),
}


def problem_message(inspection: DatabaseInspection, profile: Profile, backups: list[Path]) -> Message:
    """The message shown when :func:`open_profile_database` refuses the file."""
    key = (inspection.state, bool(backups))
    text = _REFUSALS.get(key) or _REFUSALS[(inspection.state, True)]
    return Message("Database", text, {
        "path": str(profile.db_path), "detail": inspection.detail, "backup_dir": str(profile.backup_dir),
        "backup": str(backups[0]) if backups else ""})


def open_profile_database(profile: Profile) -> Engine:
    """Inspect, back up if needed, upgrade, and return an engine on the profile's database.

    Raises :class:`DatabaseProblem` when the file must not be opened (it is
    then left untouched), when the pre-upgrade backup cannot be made (nothing
    is upgraded), or when the upgrade fails (the backup is put back first).
    """
    profile.ensure_dirs()
    inspection = inspect_database(profile.db_path, full_check=False)
    if not inspection.ok:
        backups = list_backups(profile)
        raise DatabaseProblem(inspection, problem_message(inspection, profile, backups), backups)
    backup: Path | None = None
    if inspection.state == DatabaseState.OLD_SCHEMA:
        try:
            backup = backup_database(profile, f"{UPGRADE_REASON_PREFIX}-from-{inspection.revision}")
        except (sqlite3.Error, OSError) as exc:
            message = Message("Database", QT_TRANSLATE_NOOP(
                "Database", "FieldApp must upgrade the database {path} but could not back it up first ({detail}), "
                "so it has not been changed. Free some disk space in {backup_dir} and start FieldApp again."),
                {"path": str(profile.db_path), "detail": str(exc), "backup_dir": str(profile.backup_dir)})
            raise DatabaseProblem(inspection, message, list_backups(profile)) from exc
        prune_backups(profile)
        log.info("upgrading %s from schema %s to %s; backup at %s",
                 profile.db_path, inspection.revision, inspection.head, backup)
    engine = create_sqlite_engine(profile.db_path)
    try:
        _prepare_schema(engine)
    except Exception as exc:
        engine.dispose()
        raise _upgrade_failed(inspection, profile, backup, exc) from exc
    return engine


def _upgrade_failed(inspection: DatabaseInspection, profile: Profile, backup: Path | None,
                    exc: Exception) -> DatabaseProblem:
    params = {"path": str(profile.db_path), "detail": str(exc), "backup": str(backup)}
    if backup is None:
        text = QT_TRANSLATE_NOOP(
            "Database", "Creating the database {path} failed ({detail}). Please report this to IT.")
    else:
        try:
            restore_backup(backup, profile)
        except OSError as restore_exc:
            params["restore_detail"] = str(restore_exc)
            text = QT_TRANSLATE_NOOP(
                "Database", "Upgrading the database {path} failed ({detail}) and putting the backup back failed "
                "too ({restore_detail}). Do not use FieldApp on this profile: ask IT to copy the backup {backup} "
                "to {path}.")
        else:
            text = QT_TRANSLATE_NOOP(
                "Database", "Upgrading the database {path} failed ({detail}); the previous version was restored "
                "from {backup}. Nothing was lost. Please report this to IT.")
    return DatabaseProblem(inspection, Message("Database", text, params), list_backups(profile))
