"""Who may read and write what: every endpoint against every kind of caller.

The world (helpers.seed, plus): team north = lead1 + zhang, li, wang, sun, ma; team
south = lead2 + zhao; admin. zhang is on leave today and wang covers him (during
cover); sun covers zhang later in the month (outside cover). ma is a disabled
user; zhang also has a revoked laptop and a laptop whose access token expired.

MATRIX gives the expected HTTP status of one representative request per endpoint
for each role. The endpoints are enumerated from the app (its OpenAPI description
and its routes): an endpoint without a row makes ``test_every_endpoint_has_a_row``
fail, so a new endpoint cannot ship without deciding who may call it.

Every cell is independent: it signs in afresh (a new device), and the target it
acts on (a conflict, a device, a photo) is made for that cell. Disabling the user
or revoking the device happens right before the cell's request: refused at once.

For the endpoints that read or write rows, the content is checked too: callers
who may not see zhang's customer never get a byte of it (its unique name is
searched for in the whole answer), and their writes to it are rejected as
``not_found``, exactly like a row that does not exist.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from fieldsync import admin
from fieldsync.models import devices, tokens
from fieldsync.rows import get_row

from .helpers import PASSWORD, ins, make_harness, upd, visit_values

ROLES = ("anonymous", "manager", "manager_other_team", "backup_during_cover", "backup_outside_cover", "lead",
         "lead_other_team", "admin", "disabled_user", "revoked_device", "expired_token")
USER = {"manager": "zhang", "manager_other_team": "zhao", "backup_during_cover": "wang",
        "backup_outside_cover": "sun", "lead": "lead1", "lead_other_team": "lead2", "admin": "admin",
        "disabled_user": "ma", "revoked_device": "zhang", "expired_token": "zhang"}

# Expected status per role, in the order of ROLES:
#   anon  = no token; mgr = zhang (owns the customer); other = zhao (team south);
#   bk-in = wang, covering zhang today; bk-out = sun, covering zhang on other days;
#   lead = lead1 (zhang's lead); o-lead = lead2; admin; disabled = ma after `user disable`;
#   revoked = zhang on a revoked laptop; expired = zhang with an expired access token.
# The "target" of each request is zhang's: his customer, its conflict, his photo, his laptop.
# Push and pull answer 200 to everyone signed in; what they may see or change is in SEES_ZHANG.
MATRIX: dict[tuple[str, str], tuple[int, ...]] = {
    #                                                anon  mgr other bk-in bk-out lead o-lead admin disabled revoked expired
    ("GET", "/api/health"):                         (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "/api/v1/auth/login"):                 (401, 200, 200, 200, 200, 200, 200, 200, 403, 403, 200),
    ("POST", "/api/v1/auth/refresh"):               (401, 200, 200, 200, 200, 200, 200, 200, 403, 403, 200),
    ("POST", "/api/v1/auth/logout"):                (401, 204, 204, 204, 204, 204, 204, 204, 403, 403, 401),
    ("GET", "/api/v1/me"):                          (401, 200, 200, 200, 200, 200, 200, 200, 403, 403, 401),
    ("POST", "/api/v1/sync/push"):                  (401, 200, 200, 200, 200, 200, 200, 200, 403, 403, 401),
    ("POST", "/api/v1/sync/pull"):                  (401, 200, 200, 200, 200, 200, 200, 200, 403, 403, 401),
    ("GET", "/api/v1/sync/digest"):                 (401, 200, 200, 200, 200, 200, 200, 200, 403, 403, 401),
    ("GET", "/api/v1/photos/{sha256}"):             (401, 200, 200, 200, 200, 200, 200, 200, 403, 403, 401),
    ("PUT", "/api/v1/photos/{sha256}"):             (401, 200, 200, 200, 200, 200, 200, 200, 403, 403, 401),
    ("GET", "/api/v1/photos/{sha256}/content"):     (401, 200, 404, 200, 404, 200, 404, 200, 403, 403, 401),
    ("GET", "/api/v1/conflicts"):                   (401, 200, 200, 200, 200, 200, 200, 200, 403, 403, 401),
    ("POST", "/api/v1/conflicts/{conflict_id}/resolve"):
                                                    (401, 200, 404, 200, 404, 200, 404, 200, 403, 403, 401),
    ("GET", "/api/v1/devices"):                     (401, 200, 200, 200, 200, 200, 200, 200, 403, 403, 401),
    ("POST", "/api/v1/devices/{device_id}/revoke"): (401, 200, 404, 404, 404, 200, 404, 200, 403, 403, 401),
}
# Whether the role's pulls, digests, conflict lists and pushes reach zhang's customer.
SEES_ZHANG = {"manager": True, "manager_other_team": False, "backup_during_cover": True,
              "backup_outside_cover": False, "lead": True, "lead_other_team": False, "admin": True}
# Whether the role's device list shows zhang's laptops.
SEES_ZHANG_DEVICES = {"manager": True, "manager_other_team": False, "backup_during_cover": False,
                      "backup_outside_cover": False, "lead": True, "lead_other_team": False, "admin": True}
# Pages FastAPI serves besides the API: public on purpose, no data.
PUBLIC_PAGES = {("GET", "/openapi.json"), ("GET", "/docs"), ("GET", "/docs/oauth2-redirect"), ("GET", "/redoc")}


# --- the world ----------------------------------------------------------------------------------------------


class World:
    def __init__(self, h):
        self.h = h
        self.n = itertools.count(1)
        s, e = h.settings, h.engine
        for name in ("sun", "ma"):
            h.users[name] = admin.add_user(e, s, name, PASSWORD, "manager", team="north")
        today = s.today()
        admin.add_cover(e, s, "zhang", "wang", today - timedelta(days=1), today + timedelta(days=1))
        admin.add_cover(e, s, "zhang", "sun", today + timedelta(days=10), today + timedelta(days=20))
        admin.set_disabled(e, s, "ma")
        self.customer = h.customers["zhang1"]
        self.marker = "zhang1 店"  # the customer's store name: searched for in answers
        self.zhang = h.login("zhang", device_id="zhang-main")
        self.lead = h.login("lead1", device_id="lead-main")
        # zhang's photo, attached to a visit of his customer.
        self.photo = os.urandom(1500)
        self.sha = hashlib.sha256(self.photo).hexdigest()
        self.put_photo(self.zhang.headers, self.sha, self.photo)
        visit = str(uuid.uuid4())
        out = self.zhang.push(ins(self.seq(), "visit", visit, visit_values(self.customer)),
                              ins(self.seq(), "attachment", str(uuid.uuid4()), {
                                  "visit_id": visit, "item_key": "display_standard", "sha256": self.sha,
                                  "filename": "counter.jpg", "mime_type": "image/jpeg",
                                  "size_bytes": len(self.photo)}))
        assert [o["status"] for o in out] == ["applied", "applied"]

    def seq(self) -> int:
        return next(self.n)

    def put_photo(self, headers, sha, data):
        return self.h.http.put(f"/api/v1/photos/{sha}", params={"offset": 0, "total": len(data)}, content=data,
                               headers={**headers, "Content-Type": "application/octet-stream"})

    def version(self) -> int:
        with self.h.engine.connect() as conn:
            return get_row(conn, "customer", self.customer).version

    def new_conflict(self) -> str:
        base = self.version()
        grade = 20 + self.seq() % 50
        assert self.lead.push(upd(self.seq(), "customer", self.customer, base, {"grade": (None, grade)}))
        out = self.zhang.push(upd(self.seq(), "customer", self.customer, base, {"grade": (None, grade + 1)}))[0]
        assert out["status"] == "conflict", out
        return out["conflict_id"]

    def credentials(self, role: str) -> dict:
        """Fresh credentials of ``role`` for one cell: tokens, headers, the device used."""
        n = self.seq()
        if role == "anonymous":
            return {"headers": {}, "tokens": None, "username": "nobody", "device_id": f"anon-{n}",
                    "password": "wrong password"}
        username = USER[role]
        device_id = f"{role}-{n}"
        if role == "disabled_user":
            admin.set_disabled(self.h.engine, self.h.settings, username, False)
        session = self.h.login(username, device_id=device_id)
        creds = {"headers": session.headers, "tokens": session.tokens, "username": username,
                 "device_id": device_id, "password": PASSWORD}
        if role == "disabled_user":
            admin.set_disabled(self.h.engine, self.h.settings, username)
        elif role == "revoked_device":
            assert self.lead.post(f"/api/v1/devices/{device_id}/revoke").status_code == 200
        elif role == "expired_token":
            with self.h.engine.begin() as conn:
                pk = conn.execute(select(devices.c.id).where(devices.c.device_id == device_id)).scalar_one()
                conn.execute(update(tokens).where(tokens.c.device_pk == pk, tokens.c.kind == "access")
                             .values(expires_at=self.h.clock.now - timedelta(seconds=1)))
        return creds


# --- one representative request per endpoint ------------------------------------------------------------------


def _client_id(creds) -> str:
    return f"client-{creds['device_id']}"


def req_health(w, c):
    return w.h.http.get("/api/health", headers=c["headers"])


def req_login(w, c):
    return w.h.http.post("/api/v1/auth/login", json={"username": c["username"], "password": c["password"],
                                                     "device_id": c["device_id"]})


def req_refresh(w, c):
    token = c["tokens"]["refresh_token"] if c["tokens"] else "x" * 43
    return w.h.http.post("/api/v1/auth/refresh", json={"refresh_token": token, "device_id": c["device_id"]})


def req_logout(w, c):
    return w.h.http.post("/api/v1/auth/logout", headers=c["headers"])


def req_me(w, c):
    return w.h.http.get("/api/v1/me", headers=c["headers"])


def req_push(w, c):
    base = w.version()
    body = {"client_id": _client_id(c), "mutations": [
        upd(w.seq(), "customer", w.customer, base, {"notes": (None, f"note {w.seq()}")}),
        ins(w.seq(), "visit", str(uuid.uuid4()), visit_values(w.customer))]}
    return w.h.http.post("/api/v1/sync/push", json=body, headers=c["headers"])


def req_pull(w, c):
    return w.h.http.post("/api/v1/sync/pull", json={"client_id": _client_id(c), "cursor": None},
                         headers=c["headers"])


def req_digest(w, c):
    return w.h.http.get("/api/v1/sync/digest", headers=c["headers"])


def req_photo_status(w, c):
    return w.h.http.get(f"/api/v1/photos/{w.sha}", headers=c["headers"])


def req_photo_put(w, c):
    data = os.urandom(700)
    return w.put_photo(c["headers"], hashlib.sha256(data).hexdigest(), data)


def req_photo_content(w, c):
    return w.h.http.get(f"/api/v1/photos/{w.sha}/content", headers=c["headers"])


def req_conflicts(w, c):
    w.new_conflict()
    return w.h.http.get("/api/v1/conflicts", headers=c["headers"])


def req_resolve(w, c):
    conflict_id = w.new_conflict()
    return w.h.http.post(f"/api/v1/conflicts/{conflict_id}/resolve", json={"values": {}}, headers=c["headers"])


def req_devices(w, c):
    return w.h.http.get("/api/v1/devices", headers=c["headers"])


def req_revoke(w, c):
    victim = f"zhang-laptop-{w.seq()}"
    w.h.login("zhang", device_id=victim)
    c["victim"] = victim
    return w.h.http.post(f"/api/v1/devices/{victim}/revoke", headers=c["headers"])


REQUESTS = {
    ("GET", "/api/health"): req_health,
    ("POST", "/api/v1/auth/login"): req_login,
    ("POST", "/api/v1/auth/refresh"): req_refresh,
    ("POST", "/api/v1/auth/logout"): req_logout,
    ("GET", "/api/v1/me"): req_me,
    ("POST", "/api/v1/sync/push"): req_push,
    ("POST", "/api/v1/sync/pull"): req_pull,
    ("GET", "/api/v1/sync/digest"): req_digest,
    ("GET", "/api/v1/photos/{sha256}"): req_photo_status,
    ("PUT", "/api/v1/photos/{sha256}"): req_photo_put,
    ("GET", "/api/v1/photos/{sha256}/content"): req_photo_content,
    ("GET", "/api/v1/conflicts"): req_conflicts,
    ("POST", "/api/v1/conflicts/{conflict_id}/resolve"): req_resolve,
    ("GET", "/api/v1/devices"): req_devices,
    ("POST", "/api/v1/devices/{device_id}/revoke"): req_revoke,
}


# --- content checks: nothing of zhang's customer reaches those who may not see it ---------------------------------


def check_content(w, op, role, r, c) -> None:
    if r.status_code >= 400:
        body = r.json()
        assert set(body) == {"code", "message", "detail"}
        assert w.marker not in r.text and w.customer not in r.text  # errors never name the row
        return
    sees = SEES_ZHANG.get(role)
    if op == ("POST", "/api/v1/sync/push"):
        outcomes = r.json()["outcomes"]
        if sees:
            assert [o["status"] for o in outcomes] in (["applied", "applied"], ["merged", "applied"]), outcomes
        else:  # exactly like a row that does not exist; nothing of it echoed
            assert [o["status"] for o in outcomes] == ["rejected", "rejected"], outcomes
            assert all(o["reason"].startswith("not_found") and o["values"] is None for o in outcomes), outcomes
            assert w.marker not in r.text
    elif op == ("POST", "/api/v1/sync/pull"):
        pages = [r.json()]
        while pages[-1]["has_more"]:
            pages.append(w.h.http.post("/api/v1/sync/pull", json={"client_id": _client_id(c),
                                                                  "cursor": pages[-1]["cursor"]},
                                       headers=c["headers"]).json())
        text = json.dumps(pages, ensure_ascii=False)
        ids = {ch["row_id"] for p in pages for ch in p["changes"] if ch["entity"] == "customer"}
        assert (w.customer in ids) == sees, (role, ids)
        if not sees:
            assert w.marker not in text and w.customer not in text and w.sha not in text
    elif op == ("GET", "/api/v1/sync/digest"):
        customers = {d["entity"]: d["count"] for d in r.json()["digests"]}.get("customer", 0)
        pulled = req_pull(w, c).json()
        assert customers >= len([ch for ch in pulled["changes"] if ch["entity"] == "customer"])
        if not sees:
            everyone = len(w.h.customers)
            assert customers < everyone or role == "admin"
    elif op == ("GET", "/api/v1/conflicts"):
        rows = {x["row_id"] for x in r.json()["conflicts"]}
        assert (w.customer in rows) == sees, (role, rows)
    elif op == ("GET", "/api/v1/devices"):
        owners = {d["username"] for d in r.json()["devices"]}
        assert ("zhang" in owners) == SEES_ZHANG_DEVICES[role] or role == "manager", (role, owners)
    elif op == ("GET", "/api/v1/photos/{sha256}/content"):
        assert r.content == w.photo
    elif op == ("POST", "/api/v1/devices/{device_id}/revoke"):
        assert {d["device_id"] for d in r.json()["devices"]} == {c["victim"]}


# --- the tests ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    gen = make_harness(None, tmp_path_factory.mktemp("authz") / "server")
    h = next(gen)
    yield World(h)
    gen.close()


def _api_operations(app) -> set[tuple[str, str]]:
    """Every (method, path) the app serves: its OpenAPI description, plus its routes (hidden ones too)."""
    ops = {(m.upper(), p) for p, methods in app.openapi()["paths"].items() for m in methods}

    def walk(routes):
        for route in routes:
            inner = getattr(route, "original_router", None) or getattr(route, "app", None)
            if hasattr(inner, "routes") and not hasattr(route, "methods"):
                walk(inner.routes)
            elif getattr(route, "methods", None) and getattr(route, "path", None):
                ops.update((m, route.path) for m in route.methods if m != "HEAD")

    walk(app.routes)
    return ops


def test_every_endpoint_has_a_row(world):
    served = _api_operations(world.h.http.app)
    missing = served - set(MATRIX) - PUBLIC_PAGES
    assert not missing, f"endpoints without a row in the authorization matrix: {sorted(missing)}"
    assert not set(MATRIX) - served, f"rows for endpoints that do not exist: {sorted(set(MATRIX) - served)}"
    assert set(REQUESTS) == set(MATRIX)
    assert all(len(row) == len(ROLES) for row in MATRIX.values())


@pytest.mark.parametrize("op", list(MATRIX), ids=[f"{m} {p}" for m, p in MATRIX])
def test_authorization_matrix(world, op):
    failures = []
    for role, expected in zip(ROLES, MATRIX[op]):
        creds = world.credentials(role)
        r = REQUESTS[op](world, creds)
        if r.status_code != expected:
            failures.append(f"{role}: expected {expected}, got {r.status_code} {r.text[:200]}")
            continue
        try:
            check_content(world, op, role, r, creds)
        except AssertionError as exc:
            failures.append(f"{role}: {exc}")
    assert not failures, "\n".join(failures)


def test_refusals_name_the_reason(world):
    for role, code in (("disabled_user", "user_disabled"), ("revoked_device", "device_revoked"),
                       ("expired_token", "token_expired"), ("anonymous", "not_authenticated")):
        r = req_me(world, world.credentials(role))
        assert r.json()["code"] == code, (role, r.text)


def test_disable_and_revoke_take_effect_on_the_very_next_request(world):
    h = world.h
    laptop, desktop = h.login("li", device_id="li-laptop"), h.login("li", device_id="li-desktop")
    for session in (laptop, desktop):
        assert session.post("/api/v1/sync/pull", {"client_id": f"c-{session.device_id}"}).status_code == 200
    assert world.lead.post("/api/v1/devices/li-laptop/revoke").status_code == 200
    for path in ("/api/v1/me", "/api/v1/sync/digest", "/api/v1/conflicts", "/api/v1/devices"):
        assert laptop.get(path).status_code == 403, path
    assert laptop.post("/api/v1/sync/push", {"client_id": "c-li-laptop", "mutations": []}).status_code == 403
    r = h.http.post("/api/v1/auth/refresh", json={"refresh_token": laptop.tokens["refresh_token"],
                                                  "device_id": "li-laptop"})
    assert r.status_code == 403 and r.json()["code"] == "device_revoked"
    assert desktop.get("/api/v1/me").status_code == 200  # the other device is unaffected
    admin.set_disabled(h.engine, h.settings, "li")
    try:
        assert desktop.get("/api/v1/me").status_code == 403
        assert desktop.post("/api/v1/sync/pull", {"client_id": "c-li-desktop"}).status_code == 403
        r = h.http.post("/api/v1/auth/refresh", json={"refresh_token": desktop.tokens["refresh_token"],
                                                      "device_id": "li-desktop"})
        assert r.status_code == 403 and r.json()["code"] == "user_disabled"
    finally:
        admin.set_disabled(h.engine, h.settings, "li", False)


def test_out_of_scope_writes_leave_no_trace(world):
    """A push by someone outside the scope changes nothing and learns nothing, even with the right version."""
    zhao = world.h.login("zhao", device_id=f"zhao-{world.seq()}")
    before = world.version()
    out = zhao.push(upd(world.seq(), "customer", world.customer, before, {"store_name": ("zhang1 店", "hijacked")}),
                    {"seq": world.seq(), "entity": "customer", "row_id": world.customer, "op": "delete",
                     "base_version": before, "changes": {"deleted": [False, True]}})
    assert [o["status"] for o in out] == ["rejected", "rejected"]
    unknown = zhao.push(upd(world.seq(), "customer", str(uuid.uuid4()), 1, {"notes": ("", "x")}))[0]
    assert out[0]["reason"] == unknown["reason"]  # the same answer as for a row that does not exist
    assert world.version() == before
    r = zhao.post(f"/api/v1/conflicts/{world.new_conflict()}/resolve", {"values": {"store_name": "hijacked"}})
    assert r.status_code == 404 and "hijacked" not in json.dumps(world.zhang.sync_down(), ensure_ascii=False)
