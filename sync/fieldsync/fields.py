"""The synced fields of every entity, their wire types, and validation of pushed values.

The fields are the client's table columns minus its bookkeeping (id,
created_at, updated_at, deleted, version, search_key);
tests/server/test_fields.py checks this list against
:mod:`fieldapp.store.schema` so the two cannot drift apart.

Wire types: text, int, float, bool, date (``YYYY-MM-DD``), datetime (ISO 8601
text), enum (text from a fixed set), tags (list of text), json (any JSON).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fieldapp.core.entities import (
    AnswerResult,
    BusinessFormat,
    CustomerClass,
    CustomerStatus,
    FollowUpStatus,
    IntegrityRating,
    MarketType,
    OrderDay,
    VisitStatus,
    VisitType,
)
from fieldapp.core.protocol import Role
from fieldapp.core.review import ReviewAction

MAX_TEXT_CHARS = 20_000
MAX_JSON_CHARS = 200_000
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class FieldSpec:
    kind: str                 # text | int | float | bool | date | datetime | enum | tags | json
    nullable: bool = True
    default: Any = None       # used when an insert omits the field
    required: bool = False    # an insert must name it (NOT NULL without default)
    choices: frozenset[str] | None = None
    pattern: re.Pattern | None = None


def _choices(enum_cls) -> frozenset[str]:
    return frozenset(m.value for m in enum_cls)


def text(*, required=False, default: Any = "", nullable=False, pattern=None) -> FieldSpec:
    if nullable:
        return FieldSpec("text", True, None, False, pattern=pattern)
    return FieldSpec("text", False, None if required else default, required, pattern=pattern)


def ref() -> FieldSpec:  # an optional reference to another row or user
    return FieldSpec("text", True)


def enum(enum_cls, *, required=True) -> FieldSpec:
    return FieldSpec("enum", not required, None, required, _choices(enum_cls))


def num(kind: str, *, required=False, default: Any = None) -> FieldSpec:
    return FieldSpec(kind, not required and default is None, default, required)


ENTITY_FIELDS: dict[str, dict[str, FieldSpec]] = {
    "customer": {
        "code": text(required=True),
        "licence_no": text(required=True),
        "licence_expiry": FieldSpec("date"),
        "store_name": text(required=True),
        "owner": text(required=True),
        "phone": text(),
        "address": text(),
        "latitude": num("float"),
        "longitude": num("float"),
        "market_type": enum(MarketType),
        "business_format": enum(BusinessFormat),
        "grade": num("int", required=True),
        "customer_class": enum(CustomerClass),
        "route": text(),
        "order_day": enum(OrderDay, required=False),
        "modern_terminal": FieldSpec("bool", False, False),
        "integrity_rating": enum(IntegrityRating, required=False),
        "ecommerce_enabled": FieldSpec("bool", False, False),
        "tags": FieldSpec("tags", False, None, True),
        "manager_id": ref(),
        "backup_manager_id": ref(),
        "status": enum(CustomerStatus),
        "needs": text(),
        "notes": text(),
    },
    "purchase": {
        "customer_id": text(required=True),
        "month": text(required=True, pattern=MONTH_RE),
        "brand": text(required=True),
        "cartons": num("int", required=True),
        "amount_yuan": num("float", required=True),
    },
    "checklist_template": {
        "code": text(required=True),
        "name_zh": text(required=True),
        "name_en": text(required=True),
        "template_version": num("int", required=True),
        "items": FieldSpec("json", False, None, True),
    },
    "visit": {
        "customer_id": text(required=True),
        "visit_type": enum(VisitType),
        "status": enum(VisitStatus),
        "manager_id": ref(),
        "on_behalf_of": ref(),
        "check_in_at": FieldSpec("datetime"),
        "check_out_at": FieldSpec("datetime"),
        "latitude": num("float"),
        "longitude": num("float"),
        "template_id": ref(),
        "template_version": num("int"),
        "score": num("float"),
    },
    "checklist_answer": {
        "visit_id": text(required=True),
        "item_key": text(required=True),
        "result": enum(AnswerResult, required=False),
        "count": num("int"),
        "note": text(),
    },
    "visit_note": {
        "visit_id": text(required=True),
        "needs": text(),
        "concerns": text(),
        "complaints": text(),
        "market_info": text(),
        "abnormalities": text(),
        "advice": text(),
        "free_text": text(),
    },
    "follow_up": {
        "customer_id": text(required=True),
        "visit_id": ref(),
        "title": text(required=True),
        "due_date": FieldSpec("date"),
        "status": enum(FollowUpStatus),
        "owner_id": ref(),
        "source_item_key": ref(),
    },
    "attachment": {
        "visit_id": text(required=True),
        "item_key": ref(),
        "sha256": text(required=True, pattern=SHA256_RE),
        "filename": text(required=True),
        "mime_type": text(required=True),
        "size_bytes": num("int", required=True),
    },
    # A manager's working day (考勤). Scoped to its manager, not to a customer.
    "attendance": {
        "manager_id": ref(),
        "work_date": FieldSpec("date", False, None, True),
        "started_at": FieldSpec("datetime", False, None, True),
        "ended_at": FieldSpec("datetime"),
        "start_latitude": num("float"),
        "start_longitude": num("float"),
        "end_latitude": num("float"),
        "end_longitude": num("float"),
    },
    # Review events of a visit (append-only; see fieldapp.core.review). ``position`` and
    # ``author_id`` are set by the server; ``customer_id`` must be the visit's customer.
    "visit_review": {
        "visit_id": text(required=True),
        "customer_id": text(required=True),
        "author_id": ref(),
        "action": enum(ReviewAction),
        "text": text(),
        "created_at_client": FieldSpec("datetime", False, None, True),
        "position": num("int"),
    },
    # AB cover: ``manager_id`` on leave, ``backup_id`` covers. Written by leads; feeds scope.
    "cover_period": {
        "manager_id": text(required=True),
        "backup_id": text(required=True),
        "start_date": FieldSpec("date", False, None, True),
        "end_date": FieldSpec("date", False, None, True),
        "reason": text(),
        "cancelled": FieldSpec("bool", False, False),
    },
    # A user as the laptops see them (row id = user id). Written by the server from the users
    # table; a lead may change ``backup_id`` (the AB partner) of their team's members.
    "team_member": {
        "username": text(required=True),
        "display_name": text(),
        "role": enum(Role),
        "team_id": ref(),
        "backup_id": ref(),
        "active": FieldSpec("bool", False, True),
    },
}

# Fields naming the row this one hangs off (its parent must exist, in scope), and
# fields that can never change after insert (they decide the row's scope or authorship).
PARENT_FIELD = {"purchase": "customer_id", "visit": "customer_id", "follow_up": "customer_id",
                "checklist_answer": "visit_id", "visit_note": "visit_id", "attachment": "visit_id",
                "visit_review": "visit_id"}
IMMUTABLE_FIELDS = {
    "purchase": {"customer_id"},
    "visit": {"customer_id", "manager_id"},
    "follow_up": {"customer_id"},
    "checklist_answer": {"visit_id", "item_key"},
    "visit_note": {"visit_id"},
    "attachment": {"visit_id", "sha256"},
    "attendance": {"manager_id"},
    "cover_period": {"manager_id", "backup_id"},
    # a published template version never changes: visits keep the version they started with
    "checklist_template": {"code", "template_version", "items"},
    "visit_review": {"visit_id", "customer_id", "author_id", "action", "text", "created_at_client", "position"},
}
# Customer fields only leads and admins may change (they decide scope).
ASSIGNMENT_FIELDS = frozenset({"manager_id", "backup_manager_id"})


class InvalidValue(ValueError):
    """A pushed value does not fit its field; ``str()`` is a message safe to send back."""


def owner_scope_key(user_id: str) -> str:
    """The scope key of rows that belong to a user rather than a customer (attendance)."""
    return f"u:{user_id}"


def cover_scope_key(cover_id: str) -> str:
    """The scope key of a cover period: seen by its manager, its backup, their leads and admins."""
    return f"cover:{cover_id}"


def member_scope_key(user_id: str) -> str:
    """The scope key of a team member row: seen by the user, their AB partner, their lead, admins."""
    return f"m:{user_id}"


def default_values(entity: str) -> dict[str, Any]:
    return {name: (list(spec.default) if isinstance(spec.default, list) else spec.default)
            for name, spec in ENTITY_FIELDS[entity].items()}


def coerce(entity: str, name: str, value: Any) -> Any:
    """The canonical wire form of ``value`` for the field, or :class:`InvalidValue`."""
    spec = ENTITY_FIELDS[entity][name]
    if value is None:
        if spec.nullable:
            return None
        raise InvalidValue(f"{name} may not be empty (null)")
    kind = spec.kind
    if kind == "text" or kind == "enum":
        if not isinstance(value, str):
            raise InvalidValue(f"{name} must be text")
        if len(value) > MAX_TEXT_CHARS:
            raise InvalidValue(f"{name} is longer than {MAX_TEXT_CHARS} characters")
        if spec.choices is not None and value not in spec.choices:
            raise InvalidValue(f"{name} must be one of {', '.join(sorted(spec.choices))}")
        if spec.pattern is not None and not spec.pattern.match(value):
            raise InvalidValue(f"{name} has the wrong format")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
            raise InvalidValue(f"{name} must be a whole number")
        if abs(value) > 2**53:
            raise InvalidValue(f"{name} is out of range")
        return int(value)
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            raise InvalidValue(f"{name} must be a number")
        if abs(value) > 1e15:
            raise InvalidValue(f"{name} is out of range")
        return float(value)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):  # SQLite clients may send 0/1
            return bool(value)
        raise InvalidValue(f"{name} must be true or false")
    if kind == "date":
        try:
            return date.fromisoformat(value).isoformat() if isinstance(value, str) and len(value) == 10 else _bad()
        except ValueError:
            raise InvalidValue(f"{name} must be a date YYYY-MM-DD") from None
    if kind == "datetime":
        if not isinstance(value, str) or len(value) > 40:
            raise InvalidValue(f"{name} must be an ISO 8601 date and time")
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise InvalidValue(f"{name} must be an ISO 8601 date and time") from None
        return value
    if kind == "tags":
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            raise InvalidValue(f"{name} must be a list of text")
        if len(value) > 100 or any(len(t) > 200 for t in value):
            raise InvalidValue(f"{name} has too many or too long entries")
        return list(value)
    if kind == "json":
        import json

        if len(json.dumps(value, ensure_ascii=False)) > MAX_JSON_CHARS:
            raise InvalidValue(f"{name} is too large")
        return value
    raise AssertionError(kind)  # pragma: no cover


def _bad():
    raise ValueError


def try_coerce(entity: str, name: str, value: Any) -> Any:
    """Coerce if possible, else return the value unchanged (used for the client's ``old`` values)."""
    try:
        return coerce(entity, name, value)
    except InvalidValue:
        return value
