"""Every error leaves the server as JSON ``ErrorBody {code, message, detail}``, never an HTML page.

Error bodies never carry a stack trace, an exception text or a SQL statement: an
unexpected error is logged with its traceback under a request id, and the client
gets ``internal_error`` with only that id.
"""

from __future__ import annotations

import logging
import re

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


def _body_parse_error(exc: BaseException) -> tuple[str, str]:
    """(code, message) of a body FastAPI could not parse, from the exception it wrapped."""
    cause = exc.__cause__
    if isinstance(cause, UnicodeDecodeError):
        return "invalid_utf8", (f"The request body is not valid UTF-8 (byte 0x{cause.object[cause.start]:02x} "
                                f"at offset {cause.start}).")
    if isinstance(cause, RecursionError):
        return "too_deeply_nested", "The JSON body is nested too deeply."
    if isinstance(cause, ValueError) and "digits" in str(cause):
        return "number_too_large", "The JSON body has a number with too many digits."
    return "malformed_json", "The request body is not valid JSON."


def _allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method served at ``path`` (Starlette's own 405 names only the first matching route's).

    Taken from the OpenAPI description (the routes of included routers are not a flat list),
    plus the app's own pages (``/docs``...).
    """
    methods: set[str] = set()
    for template, operations in app.openapi().get("paths", {}).items():
        pattern = "".join("[^/]+" if part.startswith("{") else re.escape(part)
                          for part in re.split(r"(\{[^}/]+\})", template))
        if re.fullmatch(pattern, path):
            methods |= {m.upper() for m in operations}
    for route in app.router.routes:
        regex, route_methods = getattr(route, "path_regex", None), getattr(route, "methods", None)
        if regex is not None and route_methods and regex.match(path):
            methods |= set(route_methods)
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> Response:
        return json_error(exc.status, exc.code, exc.message, exc.detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> Response:
        errors = _clean_validation_errors(exc.errors())
        if any(e["type"] == "json_invalid" for e in errors):
            return json_error(400, "malformed_json", "The request body is not valid JSON.", errors)
        what = "request body" if all(e["loc"][:1] == ["body"] for e in errors) else "request"
        return json_error(422, "invalid_body", f"The {what} does not match the protocol: "
                          + "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors[:3]), errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 400 and exc.__cause__ is not None:  # FastAPI could not parse the body
            code, message = _body_parse_error(exc)
            return json_error(400, code, message, None, headers)
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request.app, request.url.path))
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return json_error(exc.status_code, code, str(exc.detail), None, headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        request_id = getattr(request.state, "request_id", None)
        log_event("unhandled_error", logging.ERROR, exc_info=exc, request_id=request_id, path=request.url.path)
        return json_error(500, "internal_error", "The server hit an error. Try again later; report it to IT "
                          "if it persists.", {"request_id": request_id})
