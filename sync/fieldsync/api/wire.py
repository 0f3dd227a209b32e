"""HTTP plumbing: JSON responses, request bodies (gzip, size caps, protocol version), request log.

:class:`RequestBodyMiddleware` reads each request body before the routes do:
it refuses bodies over the cap (413) — declared by ``Content-Length`` or counted
while a chunked body streams in, so the cap bounds memory either way —, inflates
``Content-Encoding: gzip`` with the same cap on the *decompressed* size (so a
small "zip bomb" cannot exhaust memory), refuses text the database cannot hold
(NUL, unpaired UTF-16 surrogates), and answers 426 when the
``X-FieldApp-Protocol`` header or a JSON body's ``protocol_version`` is outside
the supported range — before the body is validated, so a newer client gets
"update" rather than a validation error. A photo chunk (``PUT /api/v1/photos/…``)
has its own, smaller cap: ``PHOTO_CHUNK_BYTES``.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
import zlib
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fieldapp.core.protocol import MIN_SUPPORTED_VERSION, PHOTO_CHUNK_BYTES, PROTOCOL_HEADER, PROTOCOL_VERSION

from ..core.logs import log_event, request_context
from ..serialize import dumps

JSON_TYPE = "application/json"
PHOTO_UPLOAD_PATH = re.compile(r"^/api/v1/photos/[^/]*$")
# A request id we echo back and log: short and plain, else we make our own.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# A \uD800-\uDFFF escape: decoded alone it is a string no database (nor UTF-8) can hold.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_OBJECT_START = re.compile(rb"\s*\{")
# UTF-8 of U+D800-U+DFFF: invalid UTF-8, yet Python's JSON parser decodes it (surrogatepass).
_ENCODED_SURROGATE = re.compile(rb"\xed[\xa0-\xbf]")


def is_json_type(content_type: str) -> bool:
    """Whether FastAPI parses a body of this Content-Type as JSON (``application/json``, ``application/*+json``)."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media == JSON_TYPE or (media.startswith("application/") and media.endswith("+json"))


def has_unpaired_surrogate(body: bytes) -> bool:
    """Whether the JSON ``body`` decodes to text with an unpaired surrogate (only parsed when one is escaped)."""
    if not _SURROGATE_ESCAPE.search(body):
        return False
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return False  # not JSON: the route's validation reports it
    try:
        json.dumps(parsed, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    except (ValueError, RecursionError):
        return False
    return False


def error_payload(code: str, message: str, detail: Any = None) -> dict:
    return {"code": code, "message": message, "detail": detail}


def protocol_error(version: Any) -> tuple[int, dict] | None:
    """(426, ErrorBody) when ``version`` is unsupported, else None."""
    if isinstance(version, bool) or not isinstance(version, int):
        return None  # not an int: left to body validation (422)
    if version < MIN_SUPPORTED_VERSION:
        return 426, error_payload(
            "protocol_too_old",
            f"This FieldApp speaks sync protocol {version}; the server needs {MIN_SUPPORTED_VERSION} to "
            f"{PROTOCOL_VERSION}. Please update FieldApp. Your unsent changes are kept.",
            {"client": version, "min": MIN_SUPPORTED_VERSION, "max": PROTOCOL_VERSION})
    if version > PROTOCOL_VERSION:
        return 426, error_payload(
            "protocol_too_new",
            f"This FieldApp speaks sync protocol {version}, newer than the server's ({PROTOCOL_VERSION}). "
            "Ask IT to update the sync server. Your unsent changes are kept.",
            {"client": version, "min": MIN_SUPPORTED_VERSION, "max": PROTOCOL_VERSION})
    return None


_VERSION_KEY = re.compile(rb'"protocol_version"\s*:\s*(-?\d{1,9}(?![\d.eE]))?')


def _body_protocol_problem(body: bytes) -> tuple[int, dict] | None:
    """426 for an unsupported top-level ``protocol_version``, without parsing big bodies in the usual case.

    A JSON key can only appear unescaped as a key, so a regex finds candidates; only a
    candidate out of range or not a plain whole number (``false``, ``"1"``, ``1.0``, which
    validation would coerce) costs a full parse, to be sure it is the top-level one.
    """
    candidates = [m.group(1) for m in _VERSION_KEY.finditer(body)]
    if all(v is not None and protocol_error(int(v)) is None for v in candidates):
        return None
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return None  # the route's validation reports it (too deep a nesting included)
    if isinstance(parsed, dict) and "protocol_version" in parsed:
        version = parsed["protocol_version"]
        if type(version) is not int:
            return 422, error_payload("invalid_body", "protocol_version must be a whole number.",
                                      [{"loc": ["body", "protocol_version"], "msg": "not a whole number",
                                        "type": "int_type"}])
        return protocol_error(version)
    return None


async def send_json(send: Send, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
    body = dumps(payload)
    raw = [(b"content-type", JSON_TYPE.encode()), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class RequestBodyMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int, max_chunk_bytes: int = PHOTO_CHUNK_BYTES):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_chunk_bytes = max_chunk_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b""):
            await send_json(send, 400, error_payload("invalid_text", "NUL characters are not allowed."))
            return
        header_version = headers.get(PROTOCOL_HEADER.lower())
        if header_version is not None:
            try:
                problem = protocol_error(int(header_version))
            except ValueError:
                problem = (400, error_payload("invalid_protocol_header",
                                              f"{PROTOCOL_HEADER} must be a whole number."))
            if problem:
                await send_json(send, *problem)
                return
        if scope["method"] in ("GET", "HEAD", "DELETE", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        cap = self.max_body_bytes
        too_large = error_payload("body_too_large", f"The request body exceeds {cap} bytes.")
        if scope["method"] == "PUT" and PHOTO_UPLOAD_PATH.match(scope["path"]):
            cap = self.max_chunk_bytes  # a photo chunk: refused before it is buffered whole
            too_large = error_payload("chunk_too_large", f"Send at most {cap} bytes per chunk.")
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > cap:
            await send_json(send, 413, too_large)
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > cap:  # a chunked body without Content-Length: stop reading at the cap
                await send_json(send, 413, too_large)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        encoding = headers.get("content-encoding", "identity").strip().lower()
        if encoding == "gzip":
            try:
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                body = inflater.decompress(body, cap + 1)
                if len(body) > cap or inflater.unconsumed_tail:
                    if too_large["code"] == "body_too_large":
                        too_large = error_payload("body_too_large",
                                                  f"The decompressed request body exceeds {cap} bytes.")
                    await send_json(send, 413, too_large)
                    return
                if not inflater.eof:
                    raise zlib.error("truncated gzip stream")
            except zlib.error:
                await send_json(send, 400, error_payload("bad_encoding", "The body is not valid gzip."))
                return
            scope = dict(scope)
            scope["headers"] = [(k, v) for k, v in scope["headers"]
                                if k.lower() not in (b"content-encoding", b"content-length")]
            scope["headers"].append((b"content-length", str(len(body)).encode()))
        elif encoding not in ("identity", ""):
            await send_json(send, 415, error_payload("unsupported_encoding",
                                                     "Only gzip request bodies are supported."))
            return
        json_body = is_json_type(headers.get("content-type", ""))
        if json_body and (b"\\u0000" in body or b"\x00" in body):
            # PostgreSQL cannot store NUL in text; no FieldApp value needs one.
            await send_json(send, 422, error_payload("invalid_text", "Text may not contain NUL characters."))
            return
        if json_body and (m := _ENCODED_SURROGATE.search(body)):
            await send_json(send, 400, error_payload(
                "invalid_utf8", f"The request body is not valid UTF-8 (an encoded surrogate at offset {m.start()})."))
            return
        if json_body and has_unpaired_surrogate(body):
            # "\ud800" alone is valid JSON but not Unicode text: nothing could store or send it.
            await send_json(send, 422, error_payload("invalid_text", "Text must be valid Unicode "
                                                     "(the body has an unpaired surrogate escape)."))
            return
        if json_body and _OBJECT_START.match(body):
            problem = _body_protocol_problem(body)
            if problem:
                await send_json(send, *problem)
                return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class RequestLogMiddleware:
    """Assigns a request id (or takes X-Request-ID), logs one JSON line per request, hides 500 details."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        request_id = headers.get(b"x-request-id", b"").decode("latin-1")
        if not _REQUEST_ID.match(request_id):
            request_id = uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = request_id
        client = scope.get("client")
        context_token = request_context.set({"request_id": request_id, "client": client[0] if client else None})
        start = time.perf_counter()
        status = 500
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status = message["status"]
                started = True
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [(b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            log_event("unhandled_error", logging.ERROR, exc_info=exc, request_id=request_id, path=scope["path"])
            if not started:
                await send_json(send, 500, error_payload("internal_error", "The server hit an error. "
                                                         "Try again later; report it to IT if it persists.",
                                                         {"request_id": request_id}),
                                {"x-request-id": request_id})
            status = 500
        finally:
            state = scope.get("state", {})
            log_event("request", logging.WARNING if status >= 500 else logging.INFO,
                      request_id=request_id, user=state.get("user"), method=scope["method"], path=scope["path"],
                      status=status, duration_ms=round((time.perf_counter() - start) * 1000, 1))
            request_context.reset(context_token)


class WireResponse(JSONResponse):
    """JSON of protocol objects (dataclasses unwrapped), UTF-8 unescaped, compact."""

    media_type = JSON_TYPE

    def render(self, content: Any) -> bytes:
        return dumps(content)
