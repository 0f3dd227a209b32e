"""Login, token refresh and rotation, logout, per-request authentication, device revocation.

Tokens are opaque random strings; the server stores only their SHA-256. Every
request looks the token up together with its user and device, so disabling a
user or revoking a device takes effect on the very next request.

Refresh tokens rotate: each refresh returns a new pair and retires the old
refresh token. Presenting a retired refresh token again means it was copied —
all of the device's tokens are revoked — unless it happens within
``refresh_grace_seconds`` of the rotation (the client retried after losing the
reply): then the pair issued in between is revoked and a new one issued.

Login is throttled per user name + device and per user name: after
``login_max_failures`` failures the next attempts get 429 with Retry-After,
doubling per further failure up to ``login_backoff_max_seconds``.

Every sign-in (succeeded, failed, throttled, refused), refresh (done, refused,
reused token), sign-out, device revocation, and every request refused because
the user was disabled or the device revoked is recorded in the audit log
(:mod:`fieldsync.audit`).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, and_, delete, insert, select, update

from fieldapp.core.protocol import LoginRequest, RefreshRequest, Role, TokenPair, UserInfo

from .audit import Actor, AuditEvent
from .audit import record as audit
from .audit import record_now as audit_now
from .clients import dialect_insert
from .core.config import Settings
from .core.db import write_transaction
from .core.security import dummy_verify, hash_password, needs_rehash, new_token, token_hash, verify_password
from .errors import ApiError
from .models import devices, login_failures, tokens, users
from .scope import Principal

MAX_NAME = 100
MAX_PASSWORD = 1024
MAX_TOKEN = 200  # our tokens are 43 characters; anything much longer is not one


def user_info(row) -> UserInfo:
    m = row._mapping if hasattr(row, "_mapping") else row
    return UserInfo(id=m["id"], username=m["username"], display_name=m["display_name"], role=Role(m["role"]),
                    team_id=m["team_id"])


def _check_text(name: str, value: str, limit: int) -> None:
    if not isinstance(value, str) or not value or len(value) > limit:
        raise ApiError(422, "invalid_body", f"{name} must be 1 to {limit} characters.")


# --- throttling -------------------------------------------------------------------


def _throttle_keys(username: str, device_id: str) -> list[tuple[str, str]]:
    pair = hashlib.sha256(f"{username}\n{device_id}".encode()).hexdigest()
    return [("ud", f"ud:{pair}"), ("u", f"u:{hashlib.sha256(username.encode()).hexdigest()}")]


def _check_throttle(conn: Connection, settings: Settings, keys: list[tuple[str, str]], now: datetime) -> None:
    rows = conn.execute(select(login_failures).where(login_failures.c.key.in_([k for _, k in keys]))).mappings()
    wait = 0
    for r in rows:
        if r["locked_until"] is not None and r["locked_until"] > now:
            wait = max(wait, int((r["locked_until"] - now).total_seconds()) + 1)
    if wait:
        raise ApiError(429, "too_many_attempts",
                       f"Too many failed sign-ins. Try again in {wait} seconds.",
                       detail={"retry_after": wait}, headers={"Retry-After": str(wait)})


def _record_failure(conn: Connection, settings: Settings, keys: list[tuple[str, str]], now: datetime) -> None:
    for kind, key in keys:
        limit = settings.login_max_failures if kind == "ud" else settings.login_max_failures_user
        conn.execute(dialect_insert(conn, login_failures).values(key=key, failures=0, last_failed_at=now)
                     .on_conflict_do_nothing(index_elements=["key"]))
        failures = conn.execute(update(login_failures).where(login_failures.c.key == key)
                                .values(failures=login_failures.c.failures + 1, last_failed_at=now)
                                .returning(login_failures.c.failures)).scalar_one()
        if failures >= limit:
            delay = min(settings.login_backoff_base_seconds * 2 ** (failures - limit),
                        settings.login_backoff_max_seconds)
            conn.execute(update(login_failures).where(login_failures.c.key == key)
                         .values(locked_until=now + timedelta(seconds=delay)))


# --- tokens ---------------------------------------------------------------------------


def _issue_pair(conn: Connection, settings: Settings, user_row, device_pk: int, now: datetime) -> TokenPair:
    access, refresh, pair_id = new_token(), new_token(), uuid.uuid4().hex
    conn.execute(insert(tokens), [
        dict(token_hash=token_hash(access), kind="access", user_id=user_row["id"], device_pk=device_pk,
             created_at=now, expires_at=now + timedelta(seconds=settings.access_ttl_seconds), pair_id=pair_id),
        dict(token_hash=token_hash(refresh), kind="refresh", user_id=user_row["id"], device_pk=device_pk,
             created_at=now, expires_at=now + timedelta(seconds=settings.refresh_ttl_seconds), pair_id=pair_id),
    ])
    return TokenPair(access_token=access, refresh_token=refresh, access_expires_in=settings.access_ttl_seconds,
                     user=user_info(user_row))


def _revoke_device_tokens(conn: Connection, device_pk: int, now: datetime) -> int:
    return conn.execute(update(tokens).where(tokens.c.device_pk == device_pk, tokens.c.revoked_at.is_(None))
                        .values(revoked_at=now)).rowcount


def _tried(user, username: str, device_id: str) -> Actor:
    """Who tried to sign in, for the audit log. A name that is no user's is kept only as a hash:
    people type their password into the name field, and the log must never hold one."""
    if user is not None:
        return Actor(user["id"], user["username"], device_id)
    return Actor(None, "unknown:" + hashlib.sha256(username.encode("utf-8")).hexdigest()[:16], device_id)


def login(engine: Engine, settings: Settings, req: LoginRequest) -> TokenPair:
    _check_text("username", req.username, MAX_NAME)
    _check_text("device_id", req.device_id, MAX_NAME)
    if not isinstance(req.password, str) or len(req.password) > MAX_PASSWORD:
        raise ApiError(422, "invalid_body", f"password must be at most {MAX_PASSWORD} characters.")
    username = req.username.strip()
    now = settings.now()
    keys = _throttle_keys(username, req.device_id)
    throttled = None
    with engine.connect() as conn:
        user = conn.execute(select(users).where(users.c.username == username)).mappings().first()
        try:
            _check_throttle(conn, settings, keys, now)
        except ApiError as exc:
            throttled = exc
    tried = _tried(user, username, req.device_id)
    if throttled is not None:
        audit_now(engine, AuditEvent.LOGIN_THROTTLED, at=now, actor=tried, detail=throttled.detail)
        raise throttled
    # The slow hash runs outside any transaction; unknown users cost the same time.
    if user is None:
        dummy_verify(req.password, settings.password_hash)
        ok = False
    else:
        ok = verify_password(user["password_hash"], req.password, settings.password_hash)
    if not ok:
        with write_transaction(engine) as conn:
            _record_failure(conn, settings, keys, now)
            audit(conn, AuditEvent.LOGIN_FAILED, at=now, actor=tried, detail={"known_user": user is not None})
        raise ApiError(401, "invalid_credentials", "Wrong user name or password.")
    actor = Actor(user["id"], username, req.device_id)
    try:
        pair = _login_known(engine, settings, req, user, keys, now)
    except ApiError as exc:
        audit_now(engine, AuditEvent.LOGIN_REFUSED, at=now, actor=actor, detail={"code": exc.code})
        raise
    return pair


def _login_known(engine: Engine, settings: Settings, req: LoginRequest, user, keys, now: datetime) -> TokenPair:
    """Sign in ``user`` whose password was right: register the device, issue a pair (or refuse)."""
    username = user["username"]
    actor = Actor(user["id"], username, req.device_id)
    with write_transaction(engine) as conn:
        conn.execute(delete(login_failures).where(login_failures.c.key.in_([k for _, k in keys])))
        if user["disabled"]:
            raise ApiError(403, "user_disabled", "This account is disabled. Ask your team lead or IT.")
        device = conn.execute(select(devices).where(devices.c.user_id == user["id"],
                                                    devices.c.device_id == req.device_id)).mappings().first()
        if device is None:
            device_pk = conn.execute(insert(devices).values(
                user_id=user["id"], device_id=req.device_id, device_name=(req.device_name or "")[:200],
                registered_at=now, last_seen_at=now).returning(devices.c.id)).scalar_one()
            audit(conn, AuditEvent.DEVICE_REGISTERED, at=now, actor=actor, target=req.device_id,
                  detail={"device_name": (req.device_name or "")[:200]})
        else:
            if device["revoked_at"] is not None:
                raise ApiError(403, "device_revoked",
                               "This computer's access was revoked. Ask your team lead or IT.")
            device_pk = device["id"]
            conn.execute(update(devices).where(devices.c.id == device_pk).values(
                last_seen_at=now, device_name=(req.device_name or device["device_name"])[:200]))
        if needs_rehash(user["password_hash"], settings.password_hash):
            conn.execute(update(users).where(users.c.id == user["id"]).values(
                password_hash=hash_password(req.password, settings.password_hash)))
        pair = _issue_pair(conn, settings, user, device_pk, now)
        audit(conn, AuditEvent.LOGIN, at=now, actor=actor)
    return pair


def refresh(engine: Engine, settings: Settings, req: RefreshRequest) -> TokenPair:
    _check_text("refresh_token", req.refresh_token, MAX_TOKEN)
    _check_text("device_id", req.device_id, MAX_NAME)
    now = settings.now()
    try:
        with write_transaction(engine) as conn:
            outcome = _refresh(conn, settings, req, now)
    except _Refused as exc:  # rolled back: recorded on its own
        audit_now(engine, AuditEvent.REFRESH_REFUSED, at=now, actor=exc.actor, detail={"code": exc.code})
        raise
    if isinstance(outcome, ApiError):  # raised only now: the revocation above is committed
        raise outcome
    return outcome


class _Refused(ApiError):
    """A refused refresh, with who presented the token (as far as it is known)."""

    def __init__(self, actor: Actor, status: int, code: str, message: str):
        super().__init__(status, code, message)
        self.actor = actor


def _refresh(conn: Connection, settings: Settings, req: RefreshRequest, now: datetime) -> TokenPair | ApiError:
    row = conn.execute(
        select(tokens, users.c.disabled, users.c.username, devices.c.device_id,
               devices.c.revoked_at.label("device_revoked_at"))
        .join(users, users.c.id == tokens.c.user_id).join(devices, devices.c.id == tokens.c.device_pk)
        .where(tokens.c.token_hash == token_hash(req.refresh_token), tokens.c.kind == "refresh")
    ).mappings().first()
    if row is None or row["device_id"] != req.device_id:
        raise _Refused(Actor(None, None, req.device_id), 401, "invalid_token", "Please sign in again.")
    actor = Actor(row["user_id"], row["username"], row["device_id"])
    if row["device_revoked_at"] is not None:
        raise _Refused(actor, 403, "device_revoked", "This computer's access was revoked. Ask your team lead or IT.")
    if row["disabled"]:
        raise _Refused(actor, 403, "user_disabled", "This account is disabled. Ask your team lead or IT.")
    if row["revoked_at"] is not None:
        raise _Refused(actor, 401, "token_revoked", "You were signed out. Please sign in again.")
    if row["expires_at"] <= now:
        raise _Refused(actor, 401, "token_expired", "Your session expired. Please sign in again.")
    user = conn.execute(select(users).where(users.c.id == row["user_id"])).mappings().one()
    # Retire the token; of concurrent refreshes exactly one wins this update.
    won = conn.execute(update(tokens).where(tokens.c.id == row["id"], tokens.c.rotated_at.is_(None))
                       .values(rotated_at=now)).rowcount == 1
    if not won:
        rotated = conn.execute(select(tokens.c.rotated_at, tokens.c.replaced_by)
                               .where(tokens.c.id == row["id"])).one()
        if (now - rotated.rotated_at).total_seconds() > settings.refresh_grace_seconds:
            # A retired token presented again: it was copied. Sign the device out.
            revoked = _revoke_device_tokens(conn, row["device_pk"], now)
            audit(conn, AuditEvent.REFRESH_TOKEN_REUSED, at=now, actor=actor,
                  detail={"rotated_at": rotated.rotated_at.isoformat() + "Z", "tokens_revoked": revoked})
            return ApiError(401, "token_reused", "Your session was ended for safety. Please sign in again.")
        # A retry after a lost reply: retire the pair issued in between, issue another.
        if rotated.replaced_by:
            conn.execute(update(tokens).where(tokens.c.pair_id == rotated.replaced_by,
                                              tokens.c.revoked_at.is_(None)).values(revoked_at=now))
    pair = _issue_pair(conn, settings, user, row["device_pk"], now)
    new_pair = conn.execute(select(tokens.c.pair_id).where(
        tokens.c.token_hash == token_hash(pair.refresh_token))).scalar_one()
    conn.execute(update(tokens).where(tokens.c.id == row["id"]).values(replaced_by=new_pair))
    # The old pair's access token retires with it.
    conn.execute(update(tokens).where(and_(tokens.c.pair_id == row["pair_id"], tokens.c.kind == "access",
                                           tokens.c.revoked_at.is_(None))).values(revoked_at=now))
    conn.execute(update(devices).where(devices.c.id == row["device_pk"]).values(last_seen_at=now))
    audit(conn, AuditEvent.TOKEN_REFRESHED, at=now, actor=actor, detail={"retry": not won})
    return pair


def authenticate(engine: Engine, settings: Settings, token: str) -> Principal:
    """The principal of a bearer access token, or ApiError 401/403."""
    now = settings.now()
    with engine.connect() as conn:
        row = conn.execute(
            select(tokens.c.kind, tokens.c.expires_at, tokens.c.revoked_at, tokens.c.device_pk, users.c.id,
                   users.c.username, users.c.display_name, users.c.role, users.c.team_id, users.c.disabled,
                   devices.c.device_id, devices.c.revoked_at.label("device_revoked_at"))
            .join(users, users.c.id == tokens.c.user_id).join(devices, devices.c.id == tokens.c.device_pk)
            .where(tokens.c.token_hash == token_hash(token))
        ).mappings().first()
    if row is None or row["kind"] != "access":
        raise ApiError(401, "invalid_token", "Please sign in again.")
    refused = None
    if row["disabled"]:
        refused = ApiError(403, "user_disabled", "This account is disabled. Ask your team lead or IT.")
    elif row["device_revoked_at"] is not None:
        refused = ApiError(403, "device_revoked", "This computer's access was revoked. Ask your team lead or IT.")
    if refused is not None:  # a lost laptop (or a former employee) still trying: worth a record
        audit_now(engine, AuditEvent.ACCESS_REFUSED, at=now, actor=Actor(row["id"], row["username"],
                                                                          row["device_id"]),
                  detail={"code": refused.code})
        raise refused
    if row["revoked_at"] is not None:
        raise ApiError(401, "token_revoked", "You were signed out. Please sign in again.")
    if row["expires_at"] <= now:
        raise ApiError(401, "token_expired", "The access token expired; refresh it.")
    return Principal(user_id=row["id"], username=row["username"], display_name=row["display_name"],
                     role=Role(row["role"]), team_id=row["team_id"], device_pk=row["device_pk"],
                     device_id=row["device_id"])


def logout(engine: Engine, settings: Settings, principal: Principal) -> None:
    now = settings.now()
    with write_transaction(engine) as conn:
        revoked = _revoke_device_tokens(conn, principal.device_pk, now)
        audit(conn, AuditEvent.LOGOUT, at=now, actor=principal, detail={"tokens_revoked": revoked})


def revoke_device(conn: Connection, device_pk: int, now: datetime, actor=None) -> None:
    """Revoke a device registration and all its tokens (recorded in the audit log; ``actor`` None: server tooling)."""
    newly = conn.execute(update(devices).where(devices.c.id == device_pk, devices.c.revoked_at.is_(None))
                         .values(revoked_at=now)).rowcount
    revoked = _revoke_device_tokens(conn, device_pk, now)
    owner = conn.execute(select(devices.c.device_id, users.c.username).join(users, users.c.id == devices.c.user_id)
                         .where(devices.c.id == device_pk)).first()
    if owner is not None:
        audit(conn, AuditEvent.DEVICE_REVOKED, at=now, actor=actor, target=owner.device_id,
              detail={"owner": owner.username, "already_revoked": not newly, "tokens_revoked": revoked})
