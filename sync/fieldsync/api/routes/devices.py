from __future__ import annotations

from fastapi import APIRouter

from fieldapp.core.protocol import DeviceList, ErrorBody

from ... import devices
from ..deps import CurrentUser, EngineDep, SettingsDep
from ..wire import WireResponse

router = APIRouter(prefix="/api/v1/devices", tags=["devices"])
ERRORS = {401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}}


@router.get("", response_model=DeviceList, responses=ERRORS,
            summary="Registered devices: your own; a lead's team's; an admin's all")
def list_devices(user: CurrentUser, engine: EngineDep):
    return WireResponse(devices.list_devices(engine, user))


@router.post("/{device_id}/revoke", response_model=DeviceList, responses=ERRORS,
             summary="Revoke a device (yours, your team's as lead, any as admin): its tokens stop working at once")
def revoke(device_id: str, user: CurrentUser, engine: EngineDep, settings: SettingsDep):
    return WireResponse(devices.revoke(engine, settings, user, device_id))
