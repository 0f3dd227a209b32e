"""Every error leaves the server as JSON ``ErrorBody {code, message, detail}``, never an HTML page."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from ..core.logs import log_event
from ..errors import ApiError
from .wire import JSON_TYPE, dumps, error_payload

_HTTP_CODES = {401: "not_authenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
               413: "body_too_large", 415: "unsupported_media_type"}


def json_error(status: int, code: str, message: str, detail=None, headers=None) -> Response:
    return Response(dumps(error_payload(code, message, detail)), status_code=status, media_type=JSON_TYPE,
                    headers=headers)


def _clean_validation_errors(errors) -> list[dict]:
    out = []
    for e in list(errors)[:20]:  # never echo the (possibly huge) input back
        out.append({"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", ""))[:200],
                    "type": str(e.get("type", ""))})
    return out


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> Response:
        return json_error(exc.status, exc.code, exc.message, exc.detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> Response:
        errors = _clean_validation_errors(exc.errors())
        if any(e["type"] == "json_invalid" for e in errors):
            return json_error(400, "malformed_json", "The request body is not valid JSON.", errors)
        return json_error(422, "invalid_body", "The request body does not match the protocol: "
                          + "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors[:3]), errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> Response:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return json_error(exc.status_code, code, str(exc.detail), None, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        request_id = getattr(request.state, "request_id", None)
        log_event("unhandled_error", logging.ERROR, exc_info=exc, request_id=request_id, path=request.url.path)
        return json_error(500, "internal_error", "The server hit an error. Try again later; report it to IT "
                          "if it persists.", {"request_id": request_id})
