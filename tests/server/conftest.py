"""Fixtures of the server tests: a migrated database (SQLite or PostgreSQL), the real app, seeded users.

``server`` runs on SQLite in tmp_path; ``pg_server`` on a uniquely named
PostgreSQL database (created, then dropped) at 127.0.0.1:5432 — skipped when
PostgreSQL is not reachable. Both go over HTTP through the real app (FastAPI
TestClient), with a fake clock so no test sleeps. Builders live in helpers.py.
"""

from __future__ import annotations

import uuid
from typing import Iterator

import pytest

from tests.conftest import skip_or_fail_in_ci

from .helpers import Harness, make_harness

@pytest.fixture
def server(tmp_path) -> Iterator[Harness]:
    yield from make_harness(None, tmp_path / "server")


def _pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", connect_timeout=3):
            return True
    except Exception:
        return False


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, uniquely named PostgreSQL database, dropped afterwards."""
    if not _pg_available():
        skip_or_fail_in_ci("PostgreSQL is not reachable at 127.0.0.1:5432")
    import psycopg

    name = f"fieldsync_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_server(pg_url, tmp_path) -> Iterator[Harness]:
    yield from make_harness(pg_url, tmp_path / "server")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_server(request, tmp_path) -> Iterator[Harness]:
    """The same test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield from make_harness(None, tmp_path / "server")
    else:
        url = request.getfixturevalue("pg_url")
        yield from make_harness(url, tmp_path / "server")

