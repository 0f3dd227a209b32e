"""Structured logs: one JSON object per line on stderr.

Every record has ``time``, ``level``, ``event``; request records add
``request_id``, ``user``, ``method``, ``path``, ``status`` and ``duration_ms``.
Log with ``log_event("push", client_id=..., mutations=...)``.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from typing import Any

LOGGER_NAME = "fieldsync"
logger = logging.getLogger(LOGGER_NAME)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "event": getattr(record, "event", None) or record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if fields:
            entry.update(fields)
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
    logger.log(level, event, extra={"event": event, "fields": fields}, exc_info=exc_info)
