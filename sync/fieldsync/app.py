"""The FastAPI application factory.

``create_app(settings)`` builds an app on its own engine; tests create one per
database. ``create_app_from_env()`` is the factory uvicorn workers import
(``serve --workers N``): settings come from ``FIELDSYNC_*`` variables.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from sqlalchemy import Engine
from starlette.middleware.gzip import GZipMiddleware

from fieldapp.core.protocol import PROTOCOL_VERSION

from . import __version__
from .api.errors import install_error_handlers
from .api.headers import SecurityHeadersMiddleware
from .api.openapi import install_openapi
from .api.routes import auth, conflicts, devices, health, photos, sync
from .api.strict import strict_json_body
from .api.wire import RequestBodyMiddleware, RequestLogMiddleware, WireResponse
from .core.config import Settings
from .core.db import create_db_engine
from .core.logs import configure_logging

DESCRIPTION = f"""Central sync server of FieldApp (sync protocol {PROTOCOL_VERSION}).

Bodies are JSON and may be gzip-compressed (`Content-Encoding: gzip`); every request body carries
`protocol_version`, and the server answers 426 (`protocol_too_old` / `protocol_too_new`) when it is out of range.
Errors are `ErrorBody {{code, message, detail}}`. See docs/sync-protocol.md and docs/security.md.
"""


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    own_engine = engine is None
    engine = engine or create_db_engine(settings.effective_database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        if own_engine:
            engine.dispose()

    app = FastAPI(title="FieldSync", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  default_response_class=WireResponse, dependencies=[Depends(strict_json_body)])
    app.state.settings = settings
    app.state.engine = engine
    install_error_handlers(app)
    for module in (health, auth, sync, photos, conflicts, devices):
        app.include_router(module.router)
    install_openapi(app)
    # Outermost last: security headers go on every answer (those of the layers below
    # included), the request log sees everything, gzip wraps responses, the body
    # middleware inflates and checks requests before routing.
    app.add_middleware(RequestBodyMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(GZipMiddleware, minimum_size=500, compresslevel=6)
    app.add_middleware(RequestLogMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, hsts_seconds=settings.hsts_seconds)
    return app


def create_app_from_env() -> FastAPI:
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    return create_app(settings)
