"""The audit log: authentication events and decisions, as rows and as JSON log lines; no secret in any log."""

from __future__ import annotations

import io
import json
import logging

import pytest
from sqlalchemy import select

from fieldsync import admin
from fieldsync.audit import AuditEvent, list_events
from fieldsync.cli import main
from fieldsync.core.logs import JsonFormatter
from fieldsync.models import audit_log

from .helpers import PASSWORD, upd


def _rows(h, event: AuditEvent | None = None) -> list[dict]:
    stmt = select(audit_log).order_by(audit_log.c.id)
    if event is not None:
        stmt = stmt.where(audit_log.c.event == event.value)
    with h.engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def _login(h, username="zhang", password=PASSWORD, device_id="laptop-1"):
    return h.http.post("/api/v1/auth/login", json={"username": username, "password": password,
                                                  "device_id": device_id, "device_name": "ThinkPad"})


@pytest.fixture
def log_lines(caplog):
    """The JSON lines the server writes (formatted as in production), as text and parsed."""
    caplog.set_level(logging.DEBUG, logger="fieldsync")

    def lines() -> tuple[str, list[dict]]:
        formatter = JsonFormatter()
        text = [formatter.format(r) for r in caplog.records if r.name.startswith("fieldsync")]
        return "\n".join(text), [json.loads(t) for t in text]

    return lines


def test_sign_in_events_are_recorded_with_who_where_and_request(server, log_lines):
    r = _login(server)
    assert r.status_code == 200
    row = _rows(server, AuditEvent.LOGIN)[-1]
    assert (row["actor"], row["actor_id"], row["device_id"]) == ("zhang", server.users["zhang"], "laptop-1")
    assert row["request_id"] == r.headers["x-request-id"]  # the request context reaches the thread pool
    assert row["client_ip"] == "testclient" and row["at"] == server.clock.now
    registered = _rows(server, AuditEvent.DEVICE_REGISTERED)
    assert [(e["actor"], e["target"]) for e in registered] == [("zhang", "laptop-1")]
    _, parsed = log_lines()
    line = [p for p in parsed if p["event"] == "login" and p.get("audit")][-1]
    assert line["user"] == "zhang" and line["device_id"] == "laptop-1" and line["request_id"] == row["request_id"]


@pytest.mark.postgres
def test_audit_rows_on_postgres(pg_server):
    assert _login(pg_server).status_code == 200
    assert _login(pg_server, password="nope").status_code == 401
    lead = pg_server.login("lead1", device_id="lead-pc")
    assert lead.post("/api/v1/devices/laptop-1/revoke").status_code == 200
    events = [(r["event"], r["actor"]) for r in _rows(pg_server)]
    assert ("login", "zhang") in events and ("login_failed", "zhang") in events
    assert ("device_revoked", "lead1") in events
    assert list_events(pg_server.engine, username="zhang", limit=5)


def test_failed_and_throttled_sign_ins(server):
    for _ in range(5):
        assert _login(server, password="wrong-password").status_code == 401
    failed = _rows(server, AuditEvent.LOGIN_FAILED)
    assert len(failed) == 5 and all(f["actor"] == "zhang" and f["actor_id"] == server.users["zhang"] for f in failed)
    r = _login(server)
    assert r.status_code == 429
    throttled = _rows(server, AuditEvent.LOGIN_THROTTLED)
    assert len(throttled) == 1 and throttled[0]["actor"] == "zhang"
    assert throttled[0]["detail"]["retry_after"] == int(r.headers["Retry-After"])
    # A name that is nobody's is kept only as a hash: it may be a password typed in the wrong field.
    assert _login(server, username="correct-horse-battery").status_code == 401
    unknown = _rows(server, AuditEvent.LOGIN_FAILED)[-1]
    assert unknown["actor_id"] is None and unknown["actor"].startswith("unknown:")
    assert "correct-horse-battery" not in json.dumps(unknown, default=str)


def test_throttle_per_user_name_across_devices(server):
    """Guessing from ever new device ids: the per-name count (20) locks the name on every device."""
    limit = server.settings.login_max_failures_user
    for i in range(limit):
        assert _login(server, password="wrong-password", device_id=f"bot-{i}").status_code == 401
    r = _login(server, device_id="zhangs-real-laptop")
    assert r.status_code == 429 and 0 < int(r.headers["Retry-After"]) <= server.settings.login_backoff_base_seconds + 1
    assert _login(server, "li").status_code == 200  # other users are not affected
    server.clock.advance(seconds=server.settings.login_backoff_base_seconds + 1)
    assert _login(server, device_id="zhangs-real-laptop").status_code == 200  # and the count starts again
    assert _login(server, password="wrong-password", device_id="bot-x").status_code == 401
    assert [r["device_id"] for r in _rows(server, AuditEvent.LOGIN_THROTTLED)] == ["zhangs-real-laptop"]


def test_refused_sign_ins_refreshes_and_requests(server):
    pair = _login(server).json()
    admin.set_disabled(server.engine, server.settings, "zhang")
    assert [e["target"] for e in _rows(server, AuditEvent.USER_DISABLED)] == ["zhang"]
    assert _rows(server, AuditEvent.USER_DISABLED)[0]["actor"] == "server"
    # The very next request with the old token is refused — and recorded.
    r = server.http.get("/api/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert r.status_code == 403
    refused = _rows(server, AuditEvent.ACCESS_REFUSED)
    assert refused[-1]["actor"] == "zhang" and refused[-1]["detail"] == {"code": "user_disabled"}
    r = server.http.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"], "device_id": "laptop-1"})
    assert r.status_code == 403
    assert _rows(server, AuditEvent.REFRESH_REFUSED)[-1]["detail"] == {"code": "user_disabled"}
    assert _login(server).status_code == 403
    assert _rows(server, AuditEvent.LOGIN_REFUSED)[-1]["detail"] == {"code": "user_disabled"}
    admin.set_disabled(server.engine, server.settings, "zhang", False)
    assert _rows(server, AuditEvent.USER_ENABLED)[-1]["target"] == "zhang"
    # An unknown refresh token: recorded without a user.
    r = server.http.post("/api/v1/auth/refresh", json={"refresh_token": "x" * 43, "device_id": "laptop-9"})
    assert r.status_code == 401
    last = _rows(server, AuditEvent.REFRESH_REFUSED)[-1]
    assert last["actor_id"] is None and last["device_id"] == "laptop-9" and last["detail"] == {"code": "invalid_token"}


def test_refresh_reuse_and_logout(server):
    pair = _login(server).json()
    new = server.http.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"],
                                                          "device_id": "laptop-1"}).json()
    assert _rows(server, AuditEvent.TOKEN_REFRESHED)[-1]["actor"] == "zhang"
    server.clock.advance(seconds=120)
    r = server.http.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"], "device_id": "laptop-1"})
    assert r.json()["code"] == "token_reused"
    reused = _rows(server, AuditEvent.REFRESH_TOKEN_REUSED)
    assert len(reused) == 1 and reused[0]["actor"] == "zhang" and reused[0]["detail"]["tokens_revoked"] >= 1
    assert new["access_token"]
    session = server.login("zhang", device_id="laptop-2")
    assert session.post("/api/v1/auth/logout").status_code == 204
    out = _rows(server, AuditEvent.LOGOUT)[-1]
    assert (out["actor"], out["device_id"]) == ("zhang", "laptop-2")


def test_device_revocations_by_a_lead_and_by_it(server):
    server.login("zhang", device_id="zhang-pc")
    lead = server.login("lead1", device_id="lead-pc")
    assert lead.post("/api/v1/devices/zhang-pc/revoke").status_code == 200
    row = _rows(server, AuditEvent.DEVICE_REVOKED)[-1]
    assert (row["actor"], row["device_id"], row["target"]) == ("lead1", "lead-pc", "zhang-pc")
    assert row["detail"]["owner"] == "zhang" and row["request_id"]
    server.login("li", device_id="li-pc")
    assert admin.revoke_devices(server.engine, server.settings, "li") == 1
    row = _rows(server, AuditEvent.DEVICE_REVOKED)[-1]
    assert (row["actor"], row["target"], row["detail"]["owner"]) == ("server", "li-pc", "li")


def test_conflict_resolution_is_a_recorded_decision(server):
    zhang, lead = server.login("zhang"), server.login("lead1")
    cid = server.customers["zhang1"]
    lead.push(upd(1, "customer", cid, 1, {"grade": (12, 18)}))
    conflict_id = zhang.push(upd(1, "customer", cid, 1, {"grade": (12, 14)}))[0]["conflict_id"]
    assert lead.post(f"/api/v1/conflicts/{conflict_id}/resolve", {"values": {"grade": 14}}).status_code == 200
    row = _rows(server, AuditEvent.CONFLICT_RESOLVED)[-1]
    assert (row["actor"], row["target"]) == ("lead1", conflict_id)
    assert row["detail"]["row_id"] == cid and row["detail"]["fields"] == ["grade"] and row["detail"]["version"] == 3


def test_admin_actions_and_the_audit_command(server, capsys, monkeypatch):
    admin.add_user(server.engine, server.settings, "newbie", "a-long-password", "manager", team="north")
    admin.set_password(server.engine, server.settings, "newbie", "another-long-password")
    assert [e["target"] for e in _rows(server, AuditEvent.USER_ADDED)][-1] == "newbie"
    assert [e["target"] for e in _rows(server, AuditEvent.PASSWORD_CHANGED)] == ["newbie"]
    _login(server, password="wrong")
    events = list_events(server.engine, username="zhang")
    assert events[0]["event"] == "login_failed"
    monkeypatch.setenv("FIELDSYNC_DATA_DIR", str(server.settings.data_dir))
    monkeypatch.delenv("FIELDSYNC_DATABASE_URL", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["audit", "--user", "newbie"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[1] for line in out] == ["password_changed", "user_added"]
    assert main(["audit", "--event", "login_failed", "--json"]) == 0
    parsed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert parsed and all(p["event"] == "login_failed" for p in parsed)
    for forbidden in ("a-long-password", "another-long-password"):
        assert forbidden not in json.dumps(_rows(server), default=str)


def test_no_log_line_and_no_audit_row_holds_a_password_or_a_token(server, log_lines):
    secret = "Sup3r-Secret-Pw!"
    admin.add_user(server.engine, server.settings, "wu", secret, "manager", team="north")
    r = _login(server, "wu", secret)
    pair = r.json()
    _login(server, "wu", secret + "-typo")
    _login(server, secret, secret)  # the password typed into the name field
    refreshed = server.http.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"],
                                                                "device_id": "laptop-1"}).json()
    headers = {"Authorization": f"Bearer {refreshed['access_token']}"}
    server.http.get("/api/v1/me", headers=headers)
    server.http.get("/api/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})  # retired
    server.http.post("/api/v1/auth/logout", headers=headers)
    text, parsed = log_lines()
    assert any(p["event"] == "request" for p in parsed) and any(p.get("audit") for p in parsed)
    stored = json.dumps(_rows(server), default=str)
    for value in (secret, pair["access_token"], pair["refresh_token"], refreshed["access_token"],
                  refreshed["refresh_token"]):
        assert value not in text, value
        assert value not in stored, value
    # The logger's safety net: a field named like a secret is redacted whatever the caller passes.
    from fieldsync.core.logs import log_event
    log_event("oops", password=secret, access_token="tok-123", detail={"refresh_token": "tok-456"})
    text, _ = log_lines()
    assert secret not in text and "tok-123" not in text and "tok-456" not in text and "[redacted]" in text
