"""Reading profile-level facts from ``profile_meta`` (key/value, local only)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from .schema import profile_meta

# Set to "1" by the demo generator: the profile holds made-up data.
DEMO_KEY = "demo"


def get_meta(conn: Connection, key: str) -> str | None:
    """The value stored under ``key``, or None."""
    return conn.execute(select(profile_meta.c.value).where(profile_meta.c.key == key)).scalar_one_or_none()


def is_demo_profile(conn: Connection) -> bool:
    """True when the profile was filled with demo data (the window shows a DEMO badge)."""
    return get_meta(conn, DEMO_KEY) == "1"
