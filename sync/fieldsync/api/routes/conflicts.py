from __future__ import annotations

from fastapi import APIRouter

from fieldapp.core.protocol import ConflictList, ErrorBody, ResolveRequest, RowChange

from ... import conflicts
from ..deps import CurrentUser, EngineDep, SettingsDep
from ..wire import WireResponse

router = APIRouter(prefix="/api/v1/conflicts", tags=["conflicts"])
ERRORS = {401: {"model": ErrorBody}, 404: {"model": ErrorBody}, 409: {"model": ErrorBody},
          422: {"model": ErrorBody}}


@router.get("", response_model=ConflictList, responses=ERRORS, summary="Open conflicts in your scope")
def list_open(user: CurrentUser, engine: EngineDep, settings: SettingsDep):
    return WireResponse(conflicts.list_conflicts(engine, settings, user))


@router.post("/{conflict_id}/resolve", response_model=RowChange, responses=ERRORS,
             summary="Settle a conflict: the chosen values become a new server version of the row")
def resolve(conflict_id: str, body: ResolveRequest, user: CurrentUser, engine: EngineDep, settings: SettingsDep):
    return WireResponse(conflicts.resolve(engine, settings, user, conflict_id, body))
