"""Login, throttling, tokens (expiry, refresh rotation, reuse), immediate disable/revoke, devices."""

from __future__ import annotations

from sqlalchemy import select

from fieldsync import admin
from fieldsync.models import devices, tokens

from .helpers import PASSWORD


def _login(h, username="zhang", password=PASSWORD, device_id="laptop-1"):
    return h.http.post("/api/v1/auth/login", json={"username": username, "password": password,
                                                  "device_id": device_id, "device_name": "ThinkPad"})


def _refresh(h, refresh_token, device_id="laptop-1"):
    return h.http.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token, "device_id": device_id})


def _me(h, access):
    return h.http.get("/api/v1/me", headers={"Authorization": f"Bearer {access}"})


def test_login_returns_tokens_and_registers_the_device(server):
    r = _login(server)
    assert r.status_code == 200
    body = r.json()
    assert body["user"]["username"] == "zhang" and body["user"]["role"] == "manager"
    assert body["access_expires_in"] == 900 and body["access_token"] != body["refresh_token"]
    me = _me(server, body["access_token"])
    assert me.status_code == 200 and me.json()["id"] == body["user"]["id"]
    with server.engine.connect() as conn:
        device = conn.execute(select(devices)).mappings().one()
        stored = conn.execute(select(tokens.c.token_hash)).scalars().all()
    assert (device["device_id"], device["device_name"]) == ("laptop-1", "ThinkPad")
    assert body["access_token"] not in stored and body["refresh_token"] not in stored  # only hashes


def test_bad_password_and_unknown_user_look_the_same(server):
    a, b = _login(server, password="wrong-password"), _login(server, username="nobody")
    assert a.status_code == b.status_code == 401
    assert a.json() == b.json() and a.json()["code"] == "invalid_credentials"


def test_missing_or_garbage_token(server):
    assert server.http.get("/api/v1/me").json()["code"] == "not_authenticated"
    r = server.http.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"
    r = server.http.post("/api/v1/sync/pull", json={"client_id": "x"})
    assert r.status_code == 401


def test_throttling_after_repeated_failures_with_backoff(server):
    for _ in range(5):
        assert _login(server, password="wrong-password").status_code == 401
    r = _login(server)  # even the right password is refused while throttled
    assert r.status_code == 429 and r.json()["code"] == "too_many_attempts"
    first_wait = int(r.headers["Retry-After"])
    assert 0 < first_wait <= 31
    # Another device is not throttled by this device's failures.
    assert _login(server, device_id="laptop-2").status_code == 200
    server.clock.advance(seconds=first_wait)
    assert _login(server, password="wrong-password").status_code == 401  # 6th failure: longer lock
    r = _login(server)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > first_wait
    server.clock.advance(seconds=int(r.headers["Retry-After"]))
    assert _login(server).status_code == 200
    # A success clears the count.
    assert _login(server, password="wrong-password").status_code == 401
    assert _login(server).status_code == 200


def test_access_token_expires(server):
    access = _login(server).json()["access_token"]
    server.clock.advance(seconds=901)
    r = _me(server, access)
    assert r.status_code == 401 and r.json()["code"] == "token_expired"


def test_refresh_rotates_and_reuse_revokes_the_device(server):
    pair = _login(server).json()
    r = _refresh(server, pair["refresh_token"])
    assert r.status_code == 200
    new = r.json()
    assert new["refresh_token"] != pair["refresh_token"] and new["access_token"] != pair["access_token"]
    assert _me(server, new["access_token"]).status_code == 200
    assert _me(server, pair["access_token"]).json()["code"] == "token_revoked"  # retired with its pair
    # The old refresh token shows up again after the grace period: it was copied.
    server.clock.advance(seconds=120)
    r = _refresh(server, pair["refresh_token"])
    assert r.status_code == 401 and r.json()["code"] == "token_reused"
    assert _me(server, new["access_token"]).json()["code"] == "token_revoked"
    assert _refresh(server, new["refresh_token"]).json()["code"] == "token_revoked"
    assert _login(server).status_code == 200  # signing in again works


def test_refresh_retry_within_grace_gets_a_fresh_pair(server):
    pair = _login(server).json()
    lost = _refresh(server, pair["refresh_token"]).json()  # the reply never arrived
    retry = _refresh(server, pair["refresh_token"])
    assert retry.status_code == 200
    assert _me(server, retry.json()["access_token"]).status_code == 200
    assert _me(server, lost["access_token"]).status_code == 401  # the lost pair is retired
    assert _refresh(server, lost["refresh_token"]).status_code == 401


def test_refresh_needs_the_same_device(server):
    pair = _login(server).json()
    assert _refresh(server, pair["refresh_token"], device_id="other").json()["code"] == "invalid_token"


def test_refresh_token_expires(server):
    pair = _login(server).json()
    server.clock.advance(days=31)
    assert _refresh(server, pair["refresh_token"]).json()["code"] == "token_expired"


def test_disabled_user_is_refused_at_once(server):
    pair = _login(server).json()
    admin.set_disabled(server.engine, server.settings, "zhang")
    assert _me(server, pair["access_token"]).json()["code"] == "user_disabled"
    assert _refresh(server, pair["refresh_token"]).json()["code"] == "user_disabled"
    r = _login(server)
    assert r.status_code == 403 and r.json()["code"] == "user_disabled"
    admin.set_disabled(server.engine, server.settings, "zhang", False)
    assert _login(server).status_code == 200


def test_lead_revokes_a_team_members_device_at_once(server):
    zhang = server.login("zhang")
    lead = server.login("lead1")
    assert zhang.get("/api/v1/me").status_code == 200
    listed = lead.get("/api/v1/devices").json()["devices"]
    assert {d["username"] for d in listed} == {"zhang", "lead1"}
    r = lead.post("/api/v1/devices/laptop-1/revoke")
    assert r.status_code == 200
    assert {d["username"] for d in r.json()["devices"]} == {"zhang", "lead1"}  # laptop-1 of both
    assert zhang.get("/api/v1/me").json()["code"] == "device_revoked"
    r = _login(server, "zhang")
    assert r.status_code == 403 and r.json()["code"] == "device_revoked"
    assert _login(server, "zhang", device_id="laptop-new").status_code == 200


def test_revoking_devices_outside_your_team_is_refused(server):
    server.login("zhao", device_id="zhao-pc")
    lead, li = server.login("lead1"), server.login("li", device_id="li-pc")
    assert lead.post("/api/v1/devices/zhao-pc/revoke").status_code == 404
    assert li.post("/api/v1/devices/zhao-pc/revoke").status_code == 404
    assert {d["username"] for d in li.get("/api/v1/devices").json()["devices"]} == {"li"}
    boss = server.login("admin", device_id="admin-pc")
    assert boss.post("/api/v1/devices/zhao-pc/revoke").status_code == 200
    assert len(boss.get("/api/v1/devices").json()["devices"]) == 4


def test_logout_revokes_this_devices_tokens(server):
    a = server.login("zhang", device_id="a")
    b = server.login("zhang", device_id="b")
    r = a.post("/api/v1/auth/logout")
    assert r.status_code == 204
    assert a.get("/api/v1/me").json()["code"] == "token_revoked"
    assert _refresh(server, a.tokens["refresh_token"], device_id="a").status_code == 401
    assert b.get("/api/v1/me").status_code == 200
