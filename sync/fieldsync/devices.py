"""Devices: listing (own / team / all) and revocation by the owner's lead or an admin."""

from __future__ import annotations

from sqlalchemy import Engine, select

from fieldapp.core.protocol import DeviceInfo, DeviceList

from .auth import revoke_device
from .core.config import Settings
from .core.db import write_transaction
from .errors import ApiError
from .models import devices, users
from .scope import Principal


def _iso(value) -> str:
    return value.isoformat() + "Z"


def _visible(stmt, principal: Principal):
    if principal.is_admin:
        return stmt
    if principal.is_lead and principal.team_id is not None:
        return stmt.where((users.c.team_id == principal.team_id) | (users.c.id == principal.user_id))
    return stmt.where(users.c.id == principal.user_id)


def _info(r) -> DeviceInfo:
    return DeviceInfo(device_id=r.device_id, device_name=r.device_name, user_id=r.user_id, username=r.username,
                      registered_at=_iso(r.registered_at), last_seen_at=_iso(r.last_seen_at),
                      revoked=r.revoked_at is not None)


def _query():
    return (select(devices.c.id, devices.c.device_id, devices.c.device_name, devices.c.user_id,
                   devices.c.registered_at, devices.c.last_seen_at, devices.c.revoked_at, users.c.username,
                   users.c.team_id)
            .join(users, users.c.id == devices.c.user_id))


def list_devices(engine: Engine, principal: Principal) -> DeviceList:
    with engine.connect() as conn:
        rows = conn.execute(_visible(_query(), principal).order_by(users.c.username, devices.c.registered_at))
        return DeviceList(devices=[_info(r) for r in rows])


def revoke(engine: Engine, settings: Settings, principal: Principal, device_id: str) -> DeviceList:
    """Revoke ``device_id`` for every user whose devices the caller manages (own, team as lead, all as admin)."""
    now = settings.now()
    with write_transaction(engine) as conn:
        rows = conn.execute(_visible(_query().where(devices.c.device_id == device_id[:100]), principal)).all()
        if not rows:
            raise ApiError(404, "not_found", "No such device among those you manage.")
        for r in rows:
            revoke_device(conn, r.id, now, actor=principal)  # each recorded in the audit log
        revoked = conn.execute(_query().where(devices.c.id.in_([r.id for r in rows]))).all()
    return DeviceList(devices=[_info(r) for r in revoked])
