"""Server settings: defaults, then ``FIELDSYNC_*`` environment variables, then CLI flags.

The CLI passes settings to worker processes through the environment
(:meth:`Settings.to_env`), so ``serve --workers N`` and a single process see the
same configuration.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable

import platformdirs
from sqlalchemy import URL

ENV_PREFIX = "FIELDSYNC_"
DB_FILENAME = "fieldsync.sqlite3"


def utc_now() -> datetime:
    """Naive UTC: every timestamp the server stores is UTC without tzinfo (same on SQLite and PostgreSQL)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("FieldSync", appauthor=False, roaming=False))


@dataclass
class Settings:
    data_dir: Path = field(default_factory=default_data_dir)
    database_url: str | None = None  # None: SQLite file in data_dir
    access_ttl_seconds: int = 15 * 60
    refresh_ttl_seconds: int = 30 * 24 * 3600
    # A refresh token presented again within this many seconds of its rotation
    # (the client lost the reply) gets a fresh pair instead of revoking the device.
    refresh_grace_seconds: int = 60
    login_max_failures: int = 5             # per user name + device before throttling
    login_max_failures_user: int = 20       # per user name over all devices
    login_backoff_base_seconds: int = 30    # doubled per further failure
    login_backoff_max_seconds: int = 15 * 60
    max_body_bytes: int = 16 * 1024 * 1024  # decompressed request body
    # Strict-Transport-Security max-age on answers to HTTPS requests (directly or via the TLS proxy); 0: never.
    hsts_seconds: int = 2 * 365 * 24 * 3600
    password_hash: str = "default"          # "default" (argon2 RFC 9106 low-memory) or "fast" (tests only)
    timezone: str = "Asia/Shanghai"         # the calendar of cover periods
    log_level: str = "INFO"
    # Injectable clock (tests move time instead of sleeping).
    clock: Callable[[], datetime] = field(default=utc_now, repr=False, compare=False)

    _ENV = {  # field -> converter
        "data_dir": Path, "database_url": str, "access_ttl_seconds": int, "refresh_ttl_seconds": int,
        "refresh_grace_seconds": int, "login_max_failures": int, "login_max_failures_user": int,
        "login_backoff_base_seconds": int, "login_backoff_max_seconds": int, "max_body_bytes": int,
        "hsts_seconds": int,
        "password_hash": str, "timezone": str, "log_level": str,
    }

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        environ = os.environ if environ is None else environ
        values = {}
        for name, conv in cls._ENV.items():
            raw = environ.get(ENV_PREFIX + name.upper())
            if raw not in (None, ""):
                values[name] = conv(raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "data_dir" in values:
            values["data_dir"] = Path(values["data_dir"]).expanduser().resolve()
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        out = {}
        for name in self._ENV:
            value = getattr(self, name)
            if value is not None:
                out[ENV_PREFIX + name.upper()] = str(value)
        return out

    def replace(self, **changes) -> "Settings":
        return dataclasses.replace(self, **changes)

    @property
    def effective_database_url(self) -> str | URL:
        if self.database_url:
            return self.database_url
        # URL.create, not an f-string: a folder name with '?' or '#' must not become URL syntax.
        return URL.create("sqlite+pysqlite", database=str(self.data_dir / DB_FILENAME))

    @property
    def photo_dir(self) -> Path:
        return self.data_dir / "photos"

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """The calendar date at the server's site (cover periods are whole local days)."""
        try:
            from zoneinfo import ZoneInfo

            tz = ZoneInfo(self.timezone)
        except Exception:  # no tz database: fall back to UTC rather than fail
            tz = timezone.utc
        return self.clock().replace(tzinfo=timezone.utc).astimezone(tz).date()
