from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from fieldapp.core.protocol import MIN_SUPPORTED_VERSION, PROTOCOL_VERSION

from ... import __version__
from ..deps import EngineDep
from ..wire import WireResponse

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    server_version: str
    protocol_version: int
    min_protocol_version: int
    database: str


@router.get("/api/health", response_model=Health, summary="Is the server up and its database reachable?",
            responses={503: {"model": Health, "description": "the database is unreachable"}})
def health(engine: EngineDep):
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        database, status, code = "ok", "ok", 200
    except Exception:
        database, status, code = "error", "degraded", 503
    return WireResponse(Health(status=status, server_version=__version__, protocol_version=PROTOCOL_VERSION,
                               min_protocol_version=MIN_SUPPORTED_VERSION, database=database).model_dump(),
                        status_code=code)
