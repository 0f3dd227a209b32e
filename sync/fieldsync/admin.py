"""Administration on the database directly (used by the ``fieldsync`` CLI and by tests).

Writes of synced rows (assignments, imports) go through :mod:`fieldsync.rows`
under the writers' lock like pushes do, so clients pull them as ordinary
changes.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, select, update

from fieldapp.core.entities import ItemKind
from fieldapp.core.protocol import Role

from . import customer_import
from .audit import AuditEvent
from .audit import record as audit
from .auth import revoke_device
from .core.config import Settings
from .core.db import write_transaction
from .core.security import hash_password
from .cover import create_cover
from .fields import InvalidValue, coerce, owner_scope_key
from .models import devices, sync_rows, teams, users
from .rows import StoredRow, get_row, lock_counter, new_row, save_rows


class AdminError(Exception):
    """A refused administrative action; the message says why and what to do."""


def _now(settings: Settings):
    return settings.now()


# --- users and teams ---------------------------------------------------------------


def get_user(conn: Connection, username: str) -> dict:
    row = conn.execute(select(users).where(users.c.username == username)).mappings().first()
    if row is None:
        raise AdminError(f"no user named {username!r}")
    return dict(row)


def get_team(conn: Connection, name: str) -> dict:
    row = conn.execute(select(teams).where(teams.c.name == name)).mappings().first()
    if row is None:
        raise AdminError(f"no team named {name!r} (create it with: fieldsync team add {name})")
    return dict(row)


def add_user(engine: Engine, settings: Settings, username: str, password: str, role: str,
             team: str | None = None, display_name: str | None = None) -> str:
    username = username.strip()
    if not username or len(username) > 100 or any(c.isspace() for c in username):
        raise AdminError("a user name is 1 to 100 characters without spaces")
    if len(password) < 8:
        raise AdminError("the password must have at least 8 characters")
    Role(role)
    pw_hash = hash_password(password, settings.password_hash)
    now = _now(settings)
    with write_transaction(engine) as conn:
        if conn.execute(select(users.c.id).where(users.c.username == username)).first():
            raise AdminError(f"the user {username!r} already exists")
        team_id = get_team(conn, team)["id"] if team else None
        user_id = str(uuid.uuid4())
        conn.execute(users.insert().values(id=user_id, username=username, display_name=display_name or username,
                                           role=role, team_id=team_id, password_hash=pw_hash, disabled=False,
                                           created_at=now, updated_at=now))
        audit(conn, AuditEvent.USER_ADDED, at=now, target=username, detail={"role": role, "team": team})
    return user_id


def set_password(engine: Engine, settings: Settings, username: str, password: str) -> None:
    if len(password) < 8:
        raise AdminError("the password must have at least 8 characters")
    pw_hash = hash_password(password, settings.password_hash)
    with write_transaction(engine) as conn:
        user = get_user(conn, username)
        conn.execute(update(users).where(users.c.id == user["id"]).values(password_hash=pw_hash,
                                                                          updated_at=_now(settings)))
        audit(conn, AuditEvent.PASSWORD_CHANGED, at=_now(settings), target=username)


def set_disabled(engine: Engine, settings: Settings, username: str, disabled: bool = True) -> None:
    """Disable (or enable) a user: every request with their tokens is refused at once."""
    with write_transaction(engine) as conn:
        user = get_user(conn, username)
        conn.execute(update(users).where(users.c.id == user["id"]).values(disabled=disabled,
                                                                          updated_at=_now(settings)))
        audit(conn, AuditEvent.USER_DISABLED if disabled else AuditEvent.USER_ENABLED, at=_now(settings),
              target=username)


def set_team(engine: Engine, settings: Settings, username: str, team: str | None) -> None:
    with write_transaction(engine) as conn:
        user = get_user(conn, username)
        team_id = get_team(conn, team)["id"] if team else None
        conn.execute(update(users).where(users.c.id == user["id"]).values(team_id=team_id,
                                                                          updated_at=_now(settings)))


def add_team(engine: Engine, settings: Settings, name: str, lead: str | None = None) -> str:
    name = name.strip()
    if not name:
        raise AdminError("a team needs a name")
    with write_transaction(engine) as conn:
        if conn.execute(select(teams.c.id).where(teams.c.name == name)).first():
            raise AdminError(f"the team {name!r} already exists")
        team_id = str(uuid.uuid4())
        lead_row = get_user(conn, lead) if lead else None
        if lead_row is not None and lead_row["role"] not in (Role.LEAD.value, Role.ADMIN.value):
            raise AdminError(f"{lead} is a {lead_row['role']}; a team lead needs the role lead")
        conn.execute(teams.insert().values(id=team_id, name=name, lead_id=lead_row["id"] if lead_row else None,
                                           created_at=_now(settings)))
        if lead_row is not None:
            conn.execute(update(users).where(users.c.id == lead_row["id"]).values(team_id=team_id))
    return team_id


def revoke_devices(engine: Engine, settings: Settings, username: str, device_id: str | None = None) -> int:
    with write_transaction(engine) as conn:
        user = get_user(conn, username)
        stmt = select(devices.c.id).where(devices.c.user_id == user["id"], devices.c.revoked_at.is_(None))
        if device_id:
            stmt = stmt.where(devices.c.device_id == device_id)
        ids = [r[0] for r in conn.execute(stmt)]
        for pk in ids:
            revoke_device(conn, pk, _now(settings))
    return len(ids)


# --- assignments and cover ------------------------------------------------------------


def _find_customer(conn: Connection, ref: str) -> StoredRow:
    row = get_row(conn, "customer", ref)
    if row is None:
        for r in conn.execute(select(sync_rows.c.row_id, sync_rows.c["values"]).where(
                sync_rows.c.entity == "customer", sync_rows.c.deleted.is_(False))):
            if r._mapping["values"].get("code") == ref:
                return get_row(conn, "customer", r.row_id)
        raise AdminError(f"no customer with id or code {ref!r}")
    return row


def assign(engine: Engine, settings: Settings, customer: str, manager: str,
           backup: str | None = None) -> StoredRow:
    """Assign a customer (id or code) to a manager, optionally with a backup manager."""
    now = _now(settings)
    with write_transaction(engine) as conn:
        lock_counter(conn)
        row = _find_customer(conn, customer)
        manager_row = get_user(conn, manager)
        values = dict(row.values, manager_id=manager_row["id"])
        if backup is not None:
            backup_row = get_user(conn, backup)
            if backup_row["id"] == manager_row["id"]:
                raise AdminError("the backup must be someone other than the manager")
            values["backup_manager_id"] = backup_row["id"]
        if values == row.values:
            return row
        return save_rows(conn, [row.next_version(values, deleted=row.deleted, client_id=None, user_id=None)],
                         now)[0]


def _overlap(start_a: date, end_a: date, start_b, end_b) -> Any:
    return and_(start_b <= end_a, end_b >= start_a)


def add_cover(engine: Engine, settings: Settings, manager: str, backup: str, start: date, end: date,
              reason: str = "") -> str:
    """Record that ``backup`` covers ``manager``'s customers from ``start`` to ``end`` (inclusive).

    The same rules and the same records as a cover period a lead pushes (:mod:`fieldsync.cover`):
    a synced ``cover_period`` row the laptops pull, and the ``cover_periods`` row the scope reads.
    """
    if end < start:
        raise AdminError("the cover period ends before it starts")
    with write_transaction(engine) as conn:
        a = get_user(conn, manager)
        b = get_user(conn, backup)
        if a["id"] == b["id"]:
            raise AdminError("a manager cannot cover for themselves")
        try:
            return create_cover(conn, a["id"], b["id"], start, end, _now(settings), reason=reason)
        except ValueError as exc:
            raise AdminError(str(exc)) from None


# --- imports ---------------------------------------------------------------------------

ImportReport = customer_import.ImportReport
CSV_MANAGER_COLUMNS = customer_import.MANAGER_COLUMNS  # user names, resolved to ids


def import_customers(engine: Engine, settings: Settings, path: Path, *, skip_invalid: bool = False,
                     today: date | None = None, encoding: str = "auto") -> ImportReport:
    """Import customers from CSV (header = Customer field names; ``manager`` = a user name).

    Every row is validated with the app's own rules; errors are reported by
    line number. With any error nothing is imported, unless ``skip_invalid``.
    A row whose ``code`` already exists updates that customer. UTF-8 (with or
    without BOM) or GBK/GB18030 files, read line by line; formula-looking cells
    are kept as text and reported as warnings — see :mod:`fieldsync.customer_import`.
    """
    try:
        return customer_import.import_customers(engine, Path(path), _now(settings), skip_invalid=skip_invalid,
                                                encoding=encoding)
    except customer_import.CsvProblem as exc:
        raise AdminError(f"{path}: {exc}") from None


TEMPLATE_KEYS = {"key", "label_zh", "label_en", "kind", "weight", "photo_required", "required"}


def _template_problems(t: Any) -> list[str]:
    if not isinstance(t, dict):
        return ["a template must be an object"]
    problems = []
    for key in ("code", "name_zh", "name_en"):
        if not isinstance(t.get(key), str) or not t.get(key):
            problems.append(f"{key} is required")
    version = t.get("version", t.get("template_version"))
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append("version must be a whole number >= 1")
    items = t.get("items")
    if not isinstance(items, list) or not items:
        return problems + ["items must be a non-empty list"]
    keys = set()
    kinds = {k.value for k in ItemKind}
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict):
            problems.append(f"item {i} must be an object")
            continue
        unknown = set(item) - TEMPLATE_KEYS
        if unknown:
            problems.append(f"item {i}: unknown keys {sorted(unknown)}")
        if not isinstance(item.get("key"), str) or not item.get("key"):
            problems.append(f"item {i}: key is required")
        elif item["key"] in keys:
            problems.append(f"item {i}: key {item['key']!r} is used twice")
        keys.add(item.get("key"))
        for label in ("label_zh", "label_en"):
            if not isinstance(item.get(label), str) or not item.get(label):
                problems.append(f"item {i}: {label} is required")
        if item.get("kind", "pass_fail") not in kinds:
            problems.append(f"item {i}: kind must be one of {sorted(kinds)}")
        weight = item.get("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
            problems.append(f"item {i}: weight must be a number >= 0")
    return problems


def import_templates(engine: Engine, settings: Settings, path: Path) -> list[str]:
    """Import checklist templates from JSON (one object or a list). Returns the ids; AdminError on any problem.

    A template is identified by code and version; importing the same one again
    changes nothing, a changed one needs a new version (answers keep the version they used).
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AdminError(f"{path}: not readable JSON ({exc})") from None
    return import_templates_data(engine, settings, data if isinstance(data, list) else [data])


def import_templates_data(engine: Engine, settings: Settings, templates: list[Any]) -> list[str]:
    """Import checklist templates given as parsed JSON (see :func:`import_templates`)."""
    problems = []
    for i, t in enumerate(templates, 1):
        problems += [f"template {i}: {p}" for p in _template_problems(t)]
    if problems:
        raise AdminError("\n".join(problems))
    now = _now(settings)
    ids = []
    with write_transaction(engine) as conn:
        lock_counter(conn)
        to_save = []
        for t in templates:
            version = t.get("version", t.get("template_version"))
            items = [dict(key=it["key"], label_zh=it["label_zh"], label_en=it["label_en"],
                          kind=it.get("kind", "pass_fail"), weight=float(it.get("weight", 1.0)),
                          photo_required=bool(it.get("photo_required", False)),
                          required=bool(it.get("required", True))) for it in t["items"]]
            values = dict(code=t["code"], name_zh=t["name_zh"], name_en=t["name_en"], template_version=version,
                          items=items)
            row_id = t.get("id") or str(uuid.uuid5(uuid.NAMESPACE_URL, f"fieldapp-template:{t['code']}:{version}"))
            existing = get_row(conn, "checklist_template", row_id)
            if existing is None:
                for r in conn.execute(select(sync_rows.c.row_id, sync_rows.c["values"]).where(
                        sync_rows.c.entity == "checklist_template")):
                    v = r._mapping["values"]
                    if v.get("code") == t["code"] and v.get("template_version") == version:
                        existing = get_row(conn, "checklist_template", r.row_id)
            if existing is not None:
                if existing.values != values:
                    raise AdminError(f"template {t['code']} version {version} already exists with other content; "
                                     "give the changed template a new version")
                ids.append(existing.row_id)
                continue
            to_save.append(new_row("checklist_template", row_id, values, None, client_id=None, user_id=None))
            ids.append(row_id)
        save_rows(conn, to_save, now)
    return ids


def write_values(engine: Engine, settings: Settings, entity: str, row_id: str, values: dict[str, Any],
                 customer_id: str | None = None) -> StoredRow:
    """Insert or update a synced row as server tooling (demo data, tests, order-system feeds)."""
    clean = {}
    for k, v in values.items():
        try:
            clean[k] = coerce(entity, k, v)
        except (InvalidValue, KeyError) as exc:
            raise AdminError(f"{entity}.{k}: {exc}") from None
    with write_transaction(engine) as conn:
        lock_counter(conn)
        existing = get_row(conn, entity, row_id)
        if existing is None:
            from .fields import default_values

            full = {**default_values(entity), **clean}
            if entity == "customer":
                customer_id = row_id
            elif entity == "attendance":
                customer_id = owner_scope_key(full["manager_id"])
            elif customer_id is None and entity != "checklist_template":
                parent = get_row(conn, "visit", full.get("visit_id")) if "visit_id" in full and entity not in (
                    "follow_up",) else get_row(conn, "customer", full.get("customer_id"))
                if parent is None:
                    raise AdminError(f"{entity} {row_id}: its parent does not exist")
                customer_id = parent.customer_id
            row = new_row(entity, row_id, full, customer_id, client_id=None, user_id=None)
        else:
            row = existing.next_version({**existing.values, **clean}, deleted=existing.deleted, client_id=None,
                                        user_id=None)
        return save_rows(conn, [row], _now(settings))[0]


def delete_row(engine: Engine, settings: Settings, entity: str, row_id: str) -> StoredRow:
    with write_transaction(engine) as conn:
        lock_counter(conn)
        existing = get_row(conn, entity, row_id)
        if existing is None:
            raise AdminError(f"no {entity} {row_id}")
        return save_rows(conn, [existing.next_version(existing.values, deleted=True, client_id=None, user_id=None)],
                         _now(settings))[0]

