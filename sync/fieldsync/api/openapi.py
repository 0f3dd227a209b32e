"""The OpenAPI description, completed with what the routes alone do not say.

FastAPI describes each route's own answers. Some answers come from the layers
around every route, and some limits are checked in code rather than by the
request types (which are plain dataclasses shared with the client). This module
adds both, so ``/openapi.json`` describes the server's real behaviour — the
schemathesis run (tests/server/test_fuzz_schemathesis.py) checks every answer
against it:

- every operation: 400 (malformed body or header, NUL in the URL), 426 (protocol
  version), 500 (``internal_error`` with a request id); with a body also 413, 415
  and 422; with a bearer token also 401 and 403; with path parameters also 404.
  All as ``ErrorBody``.
- limits checked in code: name lengths, ``seq`` range, batch size, protocol version,
  the photo name pattern and size.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from fieldapp.core.protocol import MAX_MUTATIONS_PER_PUSH, MAX_PHOTO_BYTES, MIN_SUPPORTED_VERSION, PROTOCOL_VERSION

from ..auth import MAX_NAME, MAX_PASSWORD, MAX_TOKEN
from ..clients import MAX_CLIENT_ID
from ..limits import MAX_SEQ

ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorBody"}

COMMON_ERRORS = {
    "400": "Malformed request: body not JSON / not UTF-8 / nested too deeply, bad gzip, bad protocol header, "
           "NUL in the URL",
    "426": "Protocol version out of range (protocol_too_old / protocol_too_new)",
    "500": "internal_error: the server hit an error; detail.request_id names it in the server's log",
}
BODY_ERRORS = {
    "413": "Body too large (body_too_large, chunk_too_large, too_many_mutations, invalid_total)",
    "415": "Content-Encoding other than gzip",
    "422": "The body does not match the protocol, or text the server cannot store (NUL, unpaired surrogate)",
}
AUTH_ERRORS = {
    "401": "not_authenticated, invalid_token, token_expired, token_revoked",
    "403": "user_disabled, device_revoked, forbidden",
}
PATH_ERRORS = {
    "404": "Not found (also: not in your scope)",
    "422": "A path or query parameter does not match the protocol",
}

_NAME = {"minLength": 1, "maxLength": MAX_NAME}
# Limits the server checks in code; (schema, property) -> JSON Schema keywords.
CONSTRAINTS: dict[str, dict[str, dict[str, Any]]] = {
    "LoginRequest": {"username": _NAME, "password": {"maxLength": MAX_PASSWORD}, "device_id": _NAME},
    "RefreshRequest": {"refresh_token": {"minLength": 1, "maxLength": MAX_TOKEN}, "device_id": _NAME},
    "PushRequest": {"client_id": {"minLength": 1, "maxLength": MAX_CLIENT_ID},
                    "mutations": {"maxItems": MAX_MUTATIONS_PER_PUSH}},
    "Mutation": {"seq": {"minimum": 0, "maximum": MAX_SEQ}},
    "PullRequest": {"client_id": {"minLength": 1, "maxLength": MAX_CLIENT_ID}, "limit": {"minimum": 1}},
}
PARAMETERS: dict[str, dict[str, Any]] = {
    "sha256": {"pattern": "^[0-9a-fA-F]{64}$"},
    "total": {"maximum": MAX_PHOTO_BYTES},
}


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_SCHEMA}}}


def complete(spec: dict[str, Any]) -> dict[str, Any]:
    """Add the answers of the surrounding layers and the limits checked in code (in place; returned)."""
    for path, operations in spec.get("paths", {}).items():
        for method, op in operations.items():
            responses = op.setdefault("responses", {})
            errors = dict(COMMON_ERRORS)
            if method in ("post", "put", "patch"):
                errors.update(BODY_ERRORS)
            if op.get("security"):
                errors.update(AUTH_ERRORS)
            if "{" in path or op.get("parameters"):
                errors.update(PATH_ERRORS)
            for status, description in errors.items():
                if "HTTPValidationError" in str(responses.get(status)):
                    del responses[status]  # FastAPI's default 422 body; ours is an ErrorBody
                responses.setdefault(status, _error_response(description))
            for param in op.get("parameters", []):
                param.setdefault("schema", {}).update(PARAMETERS.get(param.get("name"), {}))
    schemas = spec.get("components", {}).get("schemas", {})
    for name, props in CONSTRAINTS.items():
        for prop, keywords in props.items():
            if name in schemas and prop in schemas[name].get("properties", {}):
                schemas[name]["properties"][prop].update(keywords)
    for schema in schemas.values():
        version = schema.get("properties", {}).get("protocol_version")
        if version is not None:
            version.update(minimum=MIN_SUPPORTED_VERSION, maximum=PROTOCOL_VERSION)
    schemas.pop("HTTPValidationError", None)  # every 422 is an ErrorBody
    schemas.pop("ValidationError", None)
    return spec


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(get_openapi(
                title=app.title, version=app.version, openapi_version=app.openapi_version,
                description=app.description, routes=app.routes))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
