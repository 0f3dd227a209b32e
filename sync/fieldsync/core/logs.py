"""Structured logs: one JSON object per line on stderr.

Every record has ``time``, ``level``, ``event``; request records add
``request_id``, ``user``, ``method``, ``path``, ``status`` and ``duration_ms``.
Log with ``log_event("push", client_id=..., mutations=...)``. A record logged
while a request is handled carries that request's ``request_id`` (from
:data:`request_context`, set by the request log middleware) unless given.

Secrets never reach a log line: fields whose name has the word password, token, secret or
authorization are replaced by ``"[redacted]"`` (:func:`redact`) — a safety net;
callers do not pass them in the first place.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any

LOGGER_NAME = "fieldsync"
logger = logging.getLogger(LOGGER_NAME)

#: The request being handled in this context: ``{"request_id": ..., "client": ...}`` (empty outside requests).
#: Context variables follow a request into the thread pool, so service code sees it too.
request_context: ContextVar[dict[str, Any]] = ContextVar("fieldsync_request", default={})

# A field is secret when one of the words of its name is one of these ("access_token", "password",
# "Authorization"; not "tokens_revoked").
_SECRET_WORDS = {"password", "passwd", "pwd", "token", "secret", "authorization", "cookie", "credentials"}
REDACTED = "[redacted]"


def _is_secret(name: str) -> bool:
    return any(word in _SECRET_WORDS for word in re.split(r"[^a-z]+", name.lower()))


def redact(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with the values of secret-sounding keys (also in nested dicts) replaced by ``[redacted]``."""
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if _is_secret(str(key)):
            out[key] = REDACTED
        elif isinstance(value, dict):
            out[key] = redact(value)
        else:
            out[key] = value
    return out


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "event": getattr(record, "event", None) or record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if fields:
            entry.update(redact(fields))
        elif record.name != LOGGER_NAME:
            entry["logger"] = record.name
            if record.getMessage() != entry["event"]:
                entry["message"] = record.getMessage()
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO") -> None:
    """Send fieldsync's and uvicorn's logs to stderr as JSON lines (idempotent)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    for name in (LOGGER_NAME, "uvicorn", "uvicorn.error"):
        log = logging.getLogger(name)
        log.handlers[:] = [handler]
        log.setLevel(level.upper())
        log.propagate = False
    logging.getLogger("uvicorn.access").disabled = True  # our request log replaces it


def log_event(event: str, level: int = logging.INFO, exc_info: Any = None, **fields: Any) -> None:
    request_id = request_context.get().get("request_id")
    if request_id and "request_id" not in fields:
        fields = {"request_id": request_id, **fields}
    logger.log(level, event, extra={"event": event, "fields": fields}, exc_info=exc_info)
