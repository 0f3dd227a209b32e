"""Opening a profile's database safely: inspect, back up, upgrade.

At start the app calls :func:`open_profile_database`. It refuses (with a
:class:`DatabaseProblem` the GUI and CLI can show) a file that is corrupt, is
not a FieldApp database, or was written by a newer FieldApp — and never
overwrites such a file. An older schema is first copied aside with SQLite's
online backup API, then upgraded; if the upgrade fails the copy is put back.
"""

from __future__ import annotations

import enum
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
from sqlalchemy import Engine

from fieldapp.core.messages import QT_TRANSLATE_NOOP, Message

from .db import create_sqlite_engine
from .profile import Profile

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
APP_MARKER_KEY = "application"
APP_MARKER_VALUE = "fieldapp"
SQLITE_HEADER = b"SQLite format 3\x00"


class DatabaseState(str, enum.Enum):
    MISSING = "missing"
    CURRENT = "current"
    OLD_SCHEMA = "old_schema"
    NEWER_SCHEMA = "newer_schema"
    NOT_FIELDAPP = "not_fieldapp"
    CORRUPT = "corrupt"


@dataclass
class DatabaseInspection:
    state: DatabaseState
    revision: str | None
    head: str
    detail: str = ""
    integrity: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.state in (DatabaseState.CURRENT, DatabaseState.OLD_SCHEMA, DatabaseState.MISSING)


class DatabaseProblem(Exception):
    """The profile's database cannot be opened safely. ``message`` says why and what to do."""

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


def inspect_database(path: Path, *, full_check: bool = True) -> DatabaseInspection:
    """Classify the file at ``path`` without modifying it (opened read-only)."""
    head = head_revision()
    if not path.exists() or path.stat().st_size == 0:
        return DatabaseInspection(DatabaseState.MISSING, None, head)
    with open(path, "rb") as fh:
        if fh.read(16) != SQLITE_HEADER:
            return DatabaseInspection(DatabaseState.NOT_FIELDAPP, None, head, "not an SQLite database")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return DatabaseInspection(DatabaseState.CORRUPT, None, head, str(exc))
    try:
        check = "integrity_check" if full_check else "quick_check"
        rows = [r[0] for r in conn.execute(f"PRAGMA {check}(20)").fetchall()]
        if rows != ["ok"]:
            return DatabaseInspection(DatabaseState.CORRUPT, None, head, "; ".join(rows[:3]), rows)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            return DatabaseInspection(DatabaseState.MISSING, None, head, "empty database", rows)
        if "alembic_version" not in tables or "profile_meta" not in tables:
            return DatabaseInspection(DatabaseState.NOT_FIELDAPP, None, head,
                                      "tables: " + ", ".join(sorted(tables)[:8]), rows)
        marker = conn.execute("SELECT value FROM profile_meta WHERE key = ?", (APP_MARKER_KEY,)).fetchone()
        if not marker or marker[0] != APP_MARKER_VALUE:
            return DatabaseInspection(DatabaseState.NOT_FIELDAPP, None, head, "no FieldApp marker", rows)
        revision_row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = revision_row[0] if revision_row else None
    except sqlite3.DatabaseError as exc:
        return DatabaseInspection(DatabaseState.CORRUPT, None, head, str(exc))
    finally:
        conn.close()
    if revision == head:
        return DatabaseInspection(DatabaseState.CURRENT, revision, head, integrity=rows)
    if revision in known_revisions():
        return DatabaseInspection(DatabaseState.OLD_SCHEMA, revision, head, integrity=rows)
    return DatabaseInspection(DatabaseState.NEWER_SCHEMA, revision, head,
                              f"schema {revision} is unknown to this FieldApp version", rows)


def list_backups(profile: Profile) -> list[Path]:
    """Backups of this profile, newest first."""
    if not profile.backup_dir.exists():
        return []
    return sorted(profile.backup_dir.glob("*.sqlite3"), key=lambda p: p.stat().st_mtime, reverse=True)


def backup_database(profile: Profile, reason: str) -> Path:
    """Copy the live database aside with SQLite's online backup API (consistent even in WAL mode)."""
    profile.ensure_dirs()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    target = profile.backup_dir / f"fieldapp-{stamp}-{reason}.sqlite3"
    src = sqlite3.connect(f"file:{profile.db_path}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return target


def _restore(backup: Path, profile: Profile) -> None:
    for suffix in ("-wal", "-shm"):
        Path(str(profile.db_path) + suffix).unlink(missing_ok=True)
    shutil.copy2(backup, profile.db_path)


def upgrade_to_head(engine: Engine) -> None:
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _ensure_profile_meta(engine: Engine) -> None:
    from .schema import profile_meta

    with engine.begin() as conn:
        existing = {r.key for r in conn.execute(profile_meta.select())}
        defaults = {APP_MARKER_KEY: APP_MARKER_VALUE, "client_id": str(uuid.uuid4()),
                    "created_at": datetime.now(timezone.utc).isoformat()}
        for key, value in defaults.items():
            if key not in existing:
                conn.execute(profile_meta.insert().values(key=key, value=value))


_MESSAGES = {
    DatabaseState.CORRUPT: QT_TRANSLATE_NOOP(
        "Database", "The database file {path} is damaged ({detail}). It has not been changed. "
        "Restore a backup, or move the file away to start an empty profile."),
    DatabaseState.NOT_FIELDAPP: QT_TRANSLATE_NOOP(
        "Database", "The file {path} is not a FieldApp database ({detail}). It has not been changed. "
        "Choose another data folder with --data-dir, or move the file away."),
    DatabaseState.NEWER_SCHEMA: QT_TRANSLATE_NOOP(
        "Database", "The database {path} was written by a newer FieldApp ({detail}). "
        "Install the newer version; this one will not touch the file."),
}


def open_profile_database(profile: Profile) -> Engine:
    """Inspect, back up if needed, upgrade, and return an engine on the profile's database.

    Raises :class:`DatabaseProblem` when the file must not be opened.
    """
    profile.ensure_dirs()
    inspection = inspect_database(profile.db_path, full_check=False)
    if not inspection.ok:
        message = Message("Database", _MESSAGES[inspection.state],
                          {"path": str(profile.db_path), "detail": inspection.detail})
        raise DatabaseProblem(inspection, message, list_backups(profile))
    backup: Path | None = None
    if inspection.state == DatabaseState.OLD_SCHEMA:
        backup = backup_database(profile, f"before-upgrade-from-{inspection.revision}")
    engine = create_sqlite_engine(profile.db_path)
    try:
        upgrade_to_head(engine)
        _ensure_profile_meta(engine)
    except Exception as exc:
        engine.dispose()
        if backup is not None:
            _restore(backup, profile)
        message = Message("Database", QT_TRANSLATE_NOOP(
            "Database", "Upgrading the database failed ({detail}); the previous version was restored "
            "from {backup}. Nothing was lost. Please report this to IT."),
            {"detail": str(exc), "backup": str(backup)})
        raise DatabaseProblem(inspection, message, list_backups(profile)) from exc
    return engine
