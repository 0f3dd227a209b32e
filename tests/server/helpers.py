"""Helpers of the server tests: a migrated database (SQLite or PostgreSQL), the real app, seeded users.

``server`` runs on SQLite in tmp_path; ``pg_server`` on a uniquely named
PostgreSQL database (created, then dropped) at 127.0.0.1:5432 — skipped when
PostgreSQL is not reachable. Both go over HTTP through the real app (FastAPI
TestClient), with a fake clock so no test sleeps.
"""

from __future__ import annotations

import uuid
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterator


with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's TestClient warns about its httpx backend
    from fastapi.testclient import TestClient

from fieldsync import admin
from fieldsync.app import create_app
from fieldsync.core.config import Settings, utc_now
from fieldsync.core.db import create_db_engine
from fieldsync.migrate import upgrade_to_head

PASSWORD = "correct-horse-1"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


class FakeClock:
    def __init__(self) -> None:
        self.now = utc_now()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs) -> None:
        self.now += timedelta(**kwargs)


def customer_values(**overrides) -> dict[str, Any]:
    values = dict(code="C0001", licence_no="430121100001", licence_expiry="2030-06-30", store_name="王记便利店",
                  owner="王建国", phone="13812345678", address="长沙县黄兴镇蓝田村12号", latitude=None, longitude=None,
                  market_type="rural", business_format="grocery", grade=12, customer_class="B", route="R01",
                  order_day=None, modern_terminal=False, integrity_rating=None, ecommerce_enabled=False,
                  tags=["近学校"], manager_id=None, backup_manager_id=None, status="active", needs="", notes="")
    values.update(overrides)
    return values


def visit_values(customer_id: str, **overrides) -> dict[str, Any]:
    values = dict(customer_id=customer_id, visit_type="service", status="in_progress", manager_id=None,
                  on_behalf_of=None, check_in_at="2026-11-20T09:00:00+08:00", check_out_at=None, latitude=None,
                  longitude=None, template_id=None, template_version=None, score=None)
    values.update(overrides)
    return values


def ins(seq: int, entity: str, row_id: str, values: dict[str, Any]) -> dict[str, Any]:
    return {"seq": seq, "entity": entity, "row_id": row_id, "op": "insert", "base_version": 0,
            "changes": {k: [None, v] for k, v in values.items()}}


def upd(seq: int, entity: str, row_id: str, base: int, changes: dict[str, tuple[Any, Any]]) -> dict[str, Any]:
    return {"seq": seq, "entity": entity, "row_id": row_id, "op": "update", "base_version": base,
            "changes": {k: list(v) for k, v in changes.items()}}


def dele(seq: int, entity: str, row_id: str, base: int) -> dict[str, Any]:
    return {"seq": seq, "entity": entity, "row_id": row_id, "op": "delete", "base_version": base,
            "changes": {"deleted": [False, True]}}


class Session:
    """One signed-in client profile talking to the server over HTTP."""

    def __init__(self, http: TestClient, username: str, tokens: dict, client_id: str | None = None,
                 device_id: str = "laptop-1"):
        self.http = http
        self.username = username
        self.tokens = tokens
        self.user_id = tokens["user"]["id"]
        self.client_id = client_id or f"client-{username}-{uuid.uuid4().hex[:8]}"
        self.device_id = device_id
        self.cursor: str | None = None
        self.rows: dict[tuple[str, str], dict] = {}  # what this client holds after pulls

    def reauth(self) -> "Session":
        """Sign in again (after the fake clock moved past the token's expiry); keeps cursor and rows."""
        r = self.http.post("/api/v1/auth/login", json={"username": self.username, "password": PASSWORD,
                                                      "device_id": self.device_id})
        assert r.status_code == 200, r.text
        self.tokens = r.json()
        return self

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens['access_token']}"}

    def get(self, path: str, **kw):
        return self.http.get(path, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def post(self, path: str, json: Any = None, **kw):
        return self.http.post(path, json=json, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def push(self, *mutations: dict, expect: int = 200) -> list[dict]:
        r = self.post("/api/v1/sync/push", {"client_id": self.client_id, "mutations": list(mutations)})
        assert r.status_code == expect, r.text
        return r.json()["outcomes"] if expect == 200 else r.json()

    def pull_page(self, cursor: str | None = None, limit: int = 2000) -> dict:
        r = self.post("/api/v1/sync/pull", {"client_id": self.client_id, "cursor": cursor, "limit": limit})
        assert r.status_code == 200, r.text
        return r.json()

    def sync_down(self, limit: int = 2000, max_pages: int = 1000) -> list[dict]:
        """Pull every page from the stored cursor, applying pages to ``rows``; returns the pages."""
        pages = []
        for _ in range(max_pages):
            page = self.pull_page(self.cursor, limit)
            pages.append(page)
            assert not page["full_resync_required"]
            for ref in page["revoked"]:
                self.rows.pop((ref["entity"], ref["row_id"]), None)
            for ch in page["changes"]:
                key = (ch["entity"], ch["row_id"])
                if key not in self.rows or self.rows[key]["version"] <= ch["version"]:
                    self.rows[key] = ch
            self.cursor = page["cursor"]
            if not page["has_more"]:
                return pages
        raise AssertionError("pull never finished")

    def ids(self, entity: str) -> set[str]:
        return {rid for (e, rid) in self.rows if e == entity}


@dataclass
class Harness:
    settings: Settings
    engine: Any
    clock: FakeClock
    http: TestClient
    users: dict[str, str] = field(default_factory=dict)        # username -> id
    customers: dict[str, str] = field(default_factory=dict)    # label -> id

    def login(self, username: str, device_id: str = "laptop-1", client_id: str | None = None,
              password: str = PASSWORD) -> Session:
        r = self.http.post("/api/v1/auth/login", json={"username": username, "password": password,
                                                      "device_id": device_id, "device_name": "Test laptop"})
        assert r.status_code == 200, r.text
        return Session(self.http, username, r.json(), client_id, device_id)

    def add_customer(self, label: str, manager: str | None, **overrides) -> str:
        cid = str(uuid.uuid4())
        values = customer_values(code=label.upper()[:20], store_name=f"{label} 店",
                                 manager_id=self.users.get(manager) if manager else None, **overrides)
        admin.write_values(self.engine, self.settings, "customer", cid, values)
        self.customers[label] = cid
        return cid


def seed(h: Harness) -> None:
    """Team north: lead1 + zhang, li, wang; team south: lead2 + zhao; admin. Customers per manager."""
    s, e = h.settings, h.engine
    h.users["lead1"] = admin.add_user(e, s, "lead1", PASSWORD, "lead")
    admin.add_team(e, s, "north", lead="lead1")
    h.users["lead2"] = admin.add_user(e, s, "lead2", PASSWORD, "lead")
    admin.add_team(e, s, "south", lead="lead2")
    for name in ("zhang", "li", "wang"):
        h.users[name] = admin.add_user(e, s, name, PASSWORD, "manager", team="north")
    h.users["zhao"] = admin.add_user(e, s, "zhao", PASSWORD, "manager", team="south")
    h.users["admin"] = admin.add_user(e, s, "admin", PASSWORD, "admin")
    for label, manager in (("zhang1", "zhang"), ("zhang2", "zhang"), ("li1", "li"), ("li2", "li"),
                           ("zhao1", "zhao")):
        h.add_customer(label, manager)


def make_harness(url, data_dir: Path, **settings_overrides) -> Iterator[Harness]:
    clock = FakeClock()
    settings = Settings(data_dir=data_dir, database_url=str(url) if url else None, password_hash="fast",
                        clock=clock, **settings_overrides)
    engine = create_db_engine(settings.effective_database_url)
    upgrade_to_head(engine)
    app = create_app(settings, engine)
    with TestClient(app) as http:
        h = Harness(settings, engine, clock, http)
        seed(h)
        yield h
    engine.dispose()


