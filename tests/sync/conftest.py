"""Fixtures of the end-to-end sync tests: one real server process per module and database, client laptops."""

from __future__ import annotations

from typing import Callable, Iterator

import pytest

from tests.conftest import skip_or_fail_in_ci

from .e2e import Laptop, ServerProcess, create_pg_database, drop_pg_database, make_team, pg_available
from .proxy import FaultProxy


def _start_server(kind: str, tmp_path_factory) -> Iterator[ServerProcess]:
    data_dir = tmp_path_factory.mktemp(f"fieldsync-{kind}")
    pg_name = None
    url = None
    if kind == "postgres":
        if not pg_available():
            skip_or_fail_in_ci("PostgreSQL is not reachable at 127.0.0.1:5432")
        pg_name, url = create_pg_database()
    server = ServerProcess(data_dir, url)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        if pg_name:
            drop_pg_database(pg_name)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def live_server(request, tmp_path_factory) -> Iterator[ServerProcess]:
    """The real server (SQLite, then PostgreSQL), shared by the tests of a module: use unique names."""
    yield from _start_server(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory) -> Iterator[ServerProcess]:
    yield from _start_server("sqlite", tmp_path_factory)


@pytest.fixture
def laptops(tmp_path) -> Iterator[Callable[..., Laptop]]:
    """``laptops(server_url, username, **engine_kwargs)`` -> a signed-in profile, closed at the end."""
    made: list[Laptop] = []

    def make(server_url: str, username: str, **kwargs) -> Laptop:
        laptop = Laptop(tmp_path, server_url, username, **kwargs)  # kwargs: name, profile, SyncEngine options
        made.append(laptop)
        return laptop

    yield make
    for laptop in made:
        laptop.close()


@pytest.fixture
def proxy_to() -> Iterator[Callable[[ServerProcess], FaultProxy]]:
    made: list[FaultProxy] = []

    def make(server: ServerProcess) -> FaultProxy:
        proxy = FaultProxy(server.port)
        made.append(proxy)
        return proxy

    yield make
    for proxy in made:
        proxy.close()


@pytest.fixture
def team(live_server) -> Callable[..., dict[str, str]]:
    """``team(managers=2, lead=True)`` -> unique user names {'team', 'lead', 'm1', 'm2', ...} on the live server."""

    def make(managers: int = 2, lead: bool = False) -> dict[str, str]:
        return make_team(live_server, managers, lead)

    return make
