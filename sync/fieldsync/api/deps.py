"""Route dependencies: settings, engine, the authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from ..auth import MAX_TOKEN, authenticate
from ..core.config import Settings
from ..errors import ApiError
from ..scope import Principal

bearer = HTTPBearer(auto_error=False, description="Access token from /api/v1/auth/login or /refresh")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def current_principal(request: Request,
                      credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise ApiError(401, "not_authenticated", "Sign in first (Authorization: Bearer <access token>).",
                       headers={"WWW-Authenticate": "Bearer"})
    if len(credentials.credentials) > MAX_TOKEN:
        raise ApiError(401, "invalid_token", "Please sign in again.", headers={"WWW-Authenticate": "Bearer"})
    principal = authenticate(request.app.state.engine, request.app.state.settings, credentials.credentials)
    request.state.user = principal.username
    return principal


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
CurrentUser = Annotated[Principal, Depends(current_principal)]
