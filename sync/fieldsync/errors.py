"""Errors the service layer raises; the API turns them into an ErrorBody response."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error answered with ``status`` and ``ErrorBody(code, message, detail)``."""

    def __init__(self, status: int, code: str, message: str, detail: Any = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail
        self.headers = headers or {}


def not_found(message: str = "Not found.") -> ApiError:
    return ApiError(404, "not_found", message)


def forbidden(message: str = "You are not allowed to do this.") -> ApiError:
    return ApiError(403, "forbidden", message)
