"""End-to-end harness: the real FieldSync server process and real FieldApp client profiles.

``ServerProcess`` runs ``python -m fieldsync serve --port 0`` on 127.0.0.1 with
SQLite (a tmp data dir) or a throwaway PostgreSQL database, administered with
the ``fieldsync`` CLI. ``Laptop`` is one client profile (its own data dir,
database, SyncClient and SyncEngine) signed in as one user. ``assert_converged``
compares a laptop's rows with what the server holds for that user's scope
(read with a fresh full pull under a throw-away client id).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text, update

from fieldapp.core.merge import values_equal
from fieldapp.store import sync_state as ss
from fieldapp.store.customers import get_customer, save_customer
from fieldapp.store.db import write_transaction
from fieldapp.store.journal import pending_count, write_row
from fieldapp.store.migrate import open_profile_database
from fieldapp.store.profile import Profile
from fieldapp.store.schema import SYNCED_TABLES
from fieldapp.sync.account import login
from fieldapp.sync.engine import SyncEngine
from fieldapp.sync.http import SyncClient
from tests.conftest import make_customer

PASSWORD = "test-password-123"
PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
REPO = Path(__file__).resolve().parents[2]
SERVER_ENV = {"FIELDSYNC_PASSWORD_HASH": "fast", "FIELDSYNC_LOG_LEVEL": "WARNING"}


def pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_DSN, connect_timeout=3):
            return True
    except Exception:
        return False


def create_pg_database() -> tuple[str, str]:
    import psycopg

    name = f"fieldsync_e2e_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


class ServerProcess:
    """The real server in a child process. ``port`` stays the same across :meth:`restart`."""

    def __init__(self, data_dir: Path, database_url: str | None = None):
        self.data_dir = data_dir
        self.database_url = database_url
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.log: list[str] = []
        self.env = {**os.environ, **SERVER_ENV}
        self.env.pop("FIELDSYNC_DATABASE_URL", None)
        self.env.pop("FIELDSYNC_DATA_DIR", None)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _db_args(self) -> list[str]:
        args = ["--data-dir", str(self.data_dir)]
        if self.database_url:
            args += ["--database-url", self.database_url]
        return args

    def cli(self, *args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        """Run ``fieldsync ARGS --data-dir ... [--database-url ...]``."""
        result = subprocess.run([sys.executable, "-m", "fieldsync", *args, *self._db_args()], input=input,
                                capture_output=True, text=True, env=self.env, timeout=120)
        if check and result.returncode != 0:
            raise AssertionError(f"fieldsync {' '.join(args)} failed ({result.returncode}): "
                                 f"{result.stdout}{result.stderr}")
        return result

    def start(self, port: int | None = None) -> None:
        if self.database_url and port is None:
            self.cli("migrate")
        cmd = [sys.executable, "-m", "fieldsync", "serve", "--host", "127.0.0.1", "--port",
               str(port if port is not None else self.port), *self._db_args()]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env=self.env)
        deadline = time.monotonic() + 60
        assert self.proc.stdout is not None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError("fieldsync serve exited:\n" + "".join(self.log))
            self.log.append(line)
            if "FieldSync listening on http://" in line:
                self.port = int(line.strip().rsplit(":", 1)[1])
                break
            if time.monotonic() > deadline:
                raise AssertionError("fieldsync serve did not start:\n" + "".join(self.log))
        threading.Thread(target=self._drain, args=(self.proc,), daemon=True).start()
        self._wait_healthy()

    def _drain(self, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.log.append(line)
            if len(self.log) > 5000:
                del self.log[:1000]

    def _wait_healthy(self) -> None:
        client = SyncClient(self.url, connect_timeout=1, read_timeout=5)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.health()
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL (no graceful shutdown), as a crash or power cut would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> None:
        self.kill()
        self.start(port=self.port)

    # --- administration through the CLI ------------------------------------------------

    def add_team(self, name: str, lead: str | None = None) -> None:
        self.cli("team", "add", name, *(["--lead", lead] if lead else []))

    def add_user(self, username: str, role: str = "manager", team: str | None = None) -> str:
        self.cli("user", "add", username, "--role", role, *(["--team", team] if team else []),
                 input=PASSWORD + "\n")
        return username

    def assign(self, customer: str, manager: str, backup: str | None = None) -> None:
        self.cli("assign", customer, manager, *(["--backup", backup] if backup else []))

    def add_cover(self, manager: str, backup: str, start: date, end: date) -> None:
        self.cli("cover", "add", manager, "--backup", backup, "--from", start.isoformat(), "--to", end.isoformat())

    # --- direct database access (test-only manipulation of server state) ------------------

    def db(self):
        url = self.database_url or f"sqlite:///{self.data_dir / 'fieldsync.sqlite3'}"
        return create_engine(url)

    def end_cover(self, manager: str, backup: str) -> None:
        """Make the cover period of ``backup`` for ``manager`` end yesterday (the CLI has no 'cover end')."""
        engine = self.db()
        try:
            with engine.begin() as conn:
                ids = dict(conn.execute(text("SELECT username, id FROM users WHERE username IN (:a, :b)"),
                                        {"a": manager, "b": backup}).all())
                yesterday = date.today() - timedelta(days=2)
                conn.execute(text("UPDATE cover_periods SET start_date = :s, end_date = :e "
                                  "WHERE manager_id = :m AND backup_id = :b"),
                             {"s": yesterday - timedelta(days=5), "e": yesterday, "m": ids[manager],
                              "b": ids[backup]})
        finally:
            engine.dispose()

    def applied_count(self, client_id: str) -> int:
        engine = self.db()
        try:
            with engine.connect() as conn:
                return int(conn.execute(text("SELECT count(*) FROM applied_mutations WHERE client_id = :c"),
                                        {"c": client_id}).scalar_one())
        finally:
            engine.dispose()

    def row_count(self, entity: str) -> int:
        engine = self.db()
        try:
            with engine.connect() as conn:
                return int(conn.execute(text("SELECT count(*) FROM sync_rows WHERE entity = :e"),
                                        {"e": entity}).scalar_one())
        finally:
            engine.dispose()


def make_team(server: ServerProcess, managers: int = 2, lead: bool = False) -> dict[str, str]:
    """Unique user names {'team', 'lead', 'm1', 'm2', ...}, created with the fieldsync CLI."""
    names = {"team": unique("team-")}
    server.add_team(names["team"])
    if lead:
        names["lead"] = server.add_user(unique("lead"), "lead", names["team"])
    for i in range(1, managers + 1):
        names[f"m{i}"] = server.add_user(unique(f"m{i}_"), "manager", names["team"])
    return names


class Laptop:
    """One FieldApp profile signed in to the server as ``username``."""

    def __init__(self, root: Path, server_url: str, username: str, name: str | None = None,
                 profile: Profile | None = None, **engine_kwargs: Any):
        self.name = name or username
        self.profile = profile or Profile(root / f"laptop-{self.name}-{uuid.uuid4().hex[:6]}")
        self.engine = open_profile_database(self.profile)
        self.username = username
        self.server_url = server_url
        result = login(self.engine, server_url, username, PASSWORD, read_timeout=30)
        self.user = result.user
        self.client = result.client
        self.credentials = result.credentials
        self.sync_engine = SyncEngine(self.engine, self.profile, self.client, self.credentials, **engine_kwargs)
        self.client_id = self.sync_engine.client_id

    def use_server(self, url: str) -> None:
        """Talk to ``url`` (e.g. a fault proxy) from now on; keeps the access token."""
        token = self.client.access_token
        client = SyncClient(url, token_store=self.credentials, device_id=self.client_id, read_timeout=30)
        client.access_token = token
        client.user = self.user
        self.client = client
        self.sync_engine.client = client

    def sync(self, **kwargs):
        return self.sync_engine.sync(**kwargs)

    def close(self) -> None:
        self.client.close()
        self.engine.dispose()

    # --- local edits (offline) --------------------------------------------------------------

    def new_customer(self, **overrides):
        overrides.setdefault("code", unique("C"))
        customer = make_customer(**overrides)
        self.save(customer)
        return customer

    def save(self, customer) -> None:
        with write_transaction(self.engine) as conn:
            save_customer(conn, customer)

    def edit(self, customer_id: str, **changes):
        with write_transaction(self.engine) as conn:
            customer = get_customer(conn, customer_id)
            for k, v in changes.items():
                setattr(customer, k, v)
            save_customer(conn, customer)
        return customer

    def get(self, customer_id: str):
        with self.engine.connect() as conn:
            return get_customer(conn, customer_id)

    def new_visit(self, customer_id: str, *, answers: int = 2, note: str = "") -> str:
        visit_id = str(uuid.uuid4())
        with write_transaction(self.engine) as conn:
            write_row(conn, "visit", visit_id, {
                "customer_id": customer_id, "visit_type": "service", "status": "in_progress",
                "manager_id": self.user.id, "check_in_at": datetime.now().isoformat(timespec="seconds")})
            for i in range(answers):
                write_row(conn, "checklist_answer", str(uuid.uuid4()), {
                    "visit_id": visit_id, "item_key": f"item{i}", "result": "pass", "note": ""})
            write_row(conn, "visit_note", str(uuid.uuid4()), {"visit_id": visit_id, "needs": note})
            write_row(conn, "visit", visit_id, {"status": "completed",
                                                "check_out_at": datetime.now().isoformat(timespec="seconds")})
        return visit_id

    def pending(self) -> int:
        with self.engine.connect() as conn:
            return pending_count(conn)

    def rows(self, entity: str = "customer") -> dict[str, tuple[int, bool]]:
        table = SYNCED_TABLES[entity]
        with self.engine.connect() as conn:
            return {r.id: (int(r.version), bool(r.deleted)) for r in conn.execute(
                select(table.c.id, table.c.version, table.c.deleted).where(table.c.version > 0))}

    def ids(self, entity: str = "customer") -> set[str]:
        table = SYNCED_TABLES[entity]
        with self.engine.connect() as conn:
            return {r[0] for r in conn.execute(select(table.c.id))}

    def open_conflicts(self):
        with self.engine.connect() as conn:
            return ss.open_conflicts(conn)


def server_view(laptop: Laptop, entities=None) -> dict[str, dict[str, tuple[int, bool, dict]]]:
    """Everything in the laptop user's scope as the server has it now (fresh pull, throw-away client id)."""
    observer = f"observer-{uuid.uuid4()}"
    out: dict[str, dict[str, tuple[int, bool, dict]]] = {}
    cursor = None
    while True:
        page = laptop.client.pull(observer, cursor)
        for change in page.changes:
            out.setdefault(change.entity, {})[change.row_id] = (change.version, change.deleted, change.values)
        if not page.has_more:
            break
        cursor = page.cursor
    return out


def local_view(laptop: Laptop) -> dict[str, dict[str, tuple[int, bool, dict]]]:
    out: dict[str, dict[str, tuple[int, bool, dict]]] = {}
    with laptop.engine.connect() as conn:
        for entity, table in SYNCED_TABLES.items():
            cols = ss.synced_columns(table)
            for row in conn.execute(select(table).where(table.c.version > 0)).mappings():
                values = {c: ss.value_to_wire(row[c]) for c in cols}
                out.setdefault(entity, {})[row["id"]] = (int(row["version"]), bool(row["deleted"]), values)
    return out


def assert_converged(laptop: Laptop, *, check_pending: bool = True) -> dict:
    """The laptop holds exactly the server's rows of its user's scope, same versions and values."""
    if check_pending:
        assert laptop.pending() == 0, f"{laptop.name}: {laptop.pending()} changes still pending"
    server = server_view(laptop)
    local = local_view(laptop)
    for entity in set(server) | set(local):
        s, loc = server.get(entity, {}), local.get(entity, {})
        assert set(s) == set(loc), (f"{laptop.name} {entity}: only on server {sorted(set(s) - set(loc))[:5]}, "
                                    f"only local {sorted(set(loc) - set(s))[:5]}")
        for row_id, (version, deleted, values) in s.items():
            lv, ld, lvalues = loc[row_id]
            assert (lv, ld) == (version, deleted), f"{laptop.name} {entity} {row_id}: {(lv, ld)} != {(version, deleted)}"
            for name, value in values.items():
                if name in lvalues:
                    assert values_equal(_norm(lvalues[name]), _norm(value)), (
                        f"{laptop.name} {entity} {row_id}.{name}: local {lvalues[name]!r} != server {value!r}")
    return server


def _norm(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value
