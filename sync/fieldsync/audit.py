"""The audit log: authentication events and decisions, as table rows and as structured log lines.

What is recorded (:class:`AuditEvent`): sign-ins that succeeded, failed, were
throttled or refused (disabled user, revoked device); token refreshes, refused
refreshes and refresh-token reuse; sign-outs; requests refused because the user
was disabled or the device revoked; devices registered and revoked; users added,
disabled, enabled, their passwords changed; conflicts resolved; review decisions.

How to record — one call, in the transaction of the action itself where there is
one, so the record exists exactly when the action happened::

    audit.record(conn, AuditEvent.CONFLICT_RESOLVED, at=now, actor=principal,
                 target=conflict_id, detail={"entity": "customer", "row_id": row_id})

``actor`` is the :class:`~fieldsync.scope.Principal` of the request (or an
:class:`Actor`; ``None`` for server tooling such as the ``fieldsync`` CLI). The
request id and the client's IP address are taken from the request being handled.
Outside a transaction (a refusal whose transaction was rolled back) use
:func:`record_now`.

**Review decisions.** When a lead approves or returns a visit (``visit_review``
events), call ``audit.record(conn, AuditEvent.REVIEW_DECISION, at=now, actor=principal,
target=visit_id, detail={"action": "approve", "review_id": row_id})`` in the push
transaction.

Never pass a password or a token (hashes included) in ``detail``: the log line's
fields are redacted by name as a safety net (:func:`fieldsync.core.logs.redact`),
the table row is not.

Every record is also one JSON log line: ``{"event": "<event>", "audit": true, ...}``.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from .core.db import write_transaction
from .core.logs import log_event, redact, request_context
from .models import audit_log, users

MAX_TEXT = 200


class AuditEvent(str, enum.Enum):
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGIN_THROTTLED = "login_throttled"
    LOGIN_REFUSED = "login_refused"            # right password, but the user is disabled or the device revoked
    TOKEN_REFRESHED = "token_refreshed"
    REFRESH_REFUSED = "refresh_refused"        # unknown, expired, revoked token; disabled user; revoked device
    REFRESH_TOKEN_REUSED = "refresh_token_reused"  # a retired refresh token again: the device is signed out
    LOGOUT = "logout"
    ACCESS_REFUSED = "access_refused"          # a request with the token of a disabled user / revoked device
    DEVICE_REGISTERED = "device_registered"
    DEVICE_REVOKED = "device_revoked"
    USER_ADDED = "user_added"
    USER_DISABLED = "user_disabled"
    USER_ENABLED = "user_enabled"
    PASSWORD_CHANGED = "password_changed"
    CONFLICT_RESOLVED = "conflict_resolved"
    REVIEW_DECISION = "review_decision"


# Failures are logged as warnings; everything else as info.
_WARNINGS = {AuditEvent.LOGIN_FAILED, AuditEvent.LOGIN_THROTTLED, AuditEvent.LOGIN_REFUSED,
             AuditEvent.REFRESH_REFUSED, AuditEvent.REFRESH_TOKEN_REUSED, AuditEvent.ACCESS_REFUSED}


@dataclass(frozen=True)
class Actor:
    """Who did it, when not the principal of a request (e.g. a failed sign-in: only a name was given)."""

    user_id: str | None = None
    username: str | None = None
    device_id: str | None = None


#: Server tooling (the ``fieldsync`` command line, scheduled jobs).
SERVER = Actor(None, "server", None)


def _actor(actor: Any) -> Actor:
    if actor is None:
        return SERVER
    if isinstance(actor, Actor):
        return actor
    return Actor(getattr(actor, "user_id", None), getattr(actor, "username", None), getattr(actor, "device_id", None))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)[:MAX_TEXT]


def record(conn: Connection, event: AuditEvent, *, at: datetime, actor: Any = None, target: Any = None,
           detail: dict[str, Any] | None = None) -> None:
    """Write one audit record in ``conn``'s transaction and log it as one JSON line."""
    who = _actor(actor)
    context = request_context.get()
    row = dict(at=at, event=event.value, actor_id=_text(who.user_id), actor=_text(who.username),
               device_id=_text(who.device_id), target=_text(target), client_ip=_text(context.get("client")),
               request_id=_text(context.get("request_id")), detail=redact(detail) if detail else None)
    conn.execute(insert(audit_log).values(**row))
    log_event(event.value, logging.WARNING if event in _WARNINGS else logging.INFO, audit=True,
              user=row["actor"], user_id=row["actor_id"], device_id=row["device_id"], target=row["target"],
              client_ip=row["client_ip"], detail=row["detail"])


def record_now(engine: Engine, event: AuditEvent, **kwargs: Any) -> None:
    """:func:`record` in a transaction of its own (for events whose own transaction was rolled back)."""
    with write_transaction(engine) as conn:
        record(conn, event, **kwargs)


def list_events(engine: Engine, *, username: str | None = None, event: str | None = None,
                since: datetime | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """The latest audit records first, optionally of one user (as actor or target) or one event."""
    stmt = select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(max(1, min(limit, 10000)))
    if username:
        user_id = select(users.c.id).where(users.c.username == username).scalar_subquery()
        stmt = stmt.where((audit_log.c.actor == username) | (audit_log.c.actor_id == user_id)
                          | (audit_log.c.target == username))
    if event:
        stmt = stmt.where(audit_log.c.event == event)
    if since:
        stmt = stmt.where(audit_log.c.at >= since)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]
