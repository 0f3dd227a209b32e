from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from fieldapp.core.protocol import ErrorBody, LoginRequest, RefreshRequest, TokenPair, UserInfo

from ... import auth
from ..deps import CurrentUser, EngineDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["auth"])
ERRORS = {401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 422: {"model": ErrorBody},
          426: {"model": ErrorBody}}


@router.post("/auth/login", response_model=TokenPair, responses={**ERRORS, 429: {"model": ErrorBody}},
             summary="Sign in from a device (registered at its first sign-in); returns an access and a refresh token")
async def login(body: LoginRequest, engine: EngineDep, settings: SettingsDep):
    # argon2 is slow on purpose: run it off the event loop.
    return await run_in_threadpool(auth.login, engine, settings, body)


@router.post("/auth/refresh", response_model=TokenPair, responses=ERRORS,
             summary="Exchange a refresh token for a new pair (the old refresh token is retired)")
def refresh(body: RefreshRequest, engine: EngineDep, settings: SettingsDep):
    return auth.refresh(engine, settings, body)


@router.post("/auth/logout", status_code=204, responses=ERRORS, summary="Revoke this device's tokens")
def logout(user: CurrentUser, engine: EngineDep, settings: SettingsDep):
    auth.logout(engine, settings, user)
    return Response(status_code=204)


@router.get("/me", response_model=UserInfo, responses=ERRORS, summary="Who am I")
def me(user: CurrentUser):
    return UserInfo(id=user.user_id, username=user.username, display_name=user.display_name, role=user.role,
                    team_id=user.team_id)
