from __future__ import annotations

from fastapi import APIRouter

from fieldapp.core.protocol import DigestResponse, ErrorBody, PullRequest, PullResponse, PushRequest, PushResponse

from ... import pull as pull_service
from ... import push as push_service
from ...limits import check_push
from ..deps import CurrentUser, EngineDep, SettingsDep
from ..wire import WireResponse

router = APIRouter(prefix="/api/v1/sync", tags=["sync"])
ERRORS = {401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 409: {"model": ErrorBody},
          413: {"model": ErrorBody}, 422: {"model": ErrorBody}, 426: {"model": ErrorBody}}


@router.post("/push", response_model=PushResponse, responses=ERRORS,
             summary="Apply a batch of the client's journal, exactly once; one outcome per mutation")
def push(body: PushRequest, user: CurrentUser, engine: EngineDep, settings: SettingsDep):
    check_push(body)
    return WireResponse(push_service.push(engine, settings, user, body))


@router.post("/pull", response_model=PullResponse, responses=ERRORS,
             summary="A page of changes after the cursor, plus rows that left the user's scope")
def pull(body: PullRequest, user: CurrentUser, engine: EngineDep, settings: SettingsDep):
    return WireResponse(pull_service.pull(engine, settings, user, body))


@router.get("/digest", response_model=DigestResponse, responses=ERRORS,
            summary="Per entity: count and checksum of the rows in the user's scope")
def digest(user: CurrentUser, engine: EngineDep, settings: SettingsDep):
    return WireResponse(pull_service.digest(engine, settings, user))
