"""Conflict records over the API: listed in scope, resolved into a new version that every client pulls."""

from __future__ import annotations

from .helpers import dele, upd


def _make_conflict(h):
    zhang, lead = h.login("zhang"), h.login("lead1")
    cid = h.customers["zhang1"]
    lead.push(upd(1, "customer", cid, 1, {"grade": (12, 18)}))
    out = zhang.push(upd(1, "customer", cid, 1, {"grade": (12, 14)}))[0]
    assert out["status"] == "conflict"
    return zhang, lead, cid, out["conflict_id"]


def test_resolve_writes_a_new_version(server):
    zhang, lead, cid, conflict_id = _make_conflict(server)
    zhang.sync_down()
    r = zhang.post(f"/api/v1/conflicts/{conflict_id}/resolve", {"values": {"grade": 14}})
    assert r.status_code == 200, r.text
    row = r.json()
    assert (row["entity"], row["row_id"], row["version"], row["values"]["grade"]) == ("customer", cid, 3, 14)
    assert zhang.get("/api/v1/conflicts").json()["conflicts"] == []
    # Resolving twice is refused.
    again = lead.post(f"/api/v1/conflicts/{conflict_id}/resolve", {"values": {"grade": 18}})
    assert again.status_code == 409 and again.json()["code"] == "already_resolved"
    # Every client pulls the resolution like any change.
    changes = [c for p in lead.sync_down() for c in p["changes"] if c["row_id"] == cid]
    assert changes[-1]["version"] == 3 and changes[-1]["values"]["grade"] == 14


def test_resolve_with_no_values_keeps_the_server_row(server):
    zhang, _lead, cid, conflict_id = _make_conflict(server)
    row = zhang.post(f"/api/v1/conflicts/{conflict_id}/resolve", {"values": {}}).json()
    assert (row["version"], row["values"]["grade"]) == (2, 18)


def test_conflicts_are_scoped(server):
    _zhang, _lead, _cid, conflict_id = _make_conflict(server)
    li, zhao_lead = server.login("li"), server.login("lead2")
    assert li.get("/api/v1/conflicts").json()["conflicts"] == []
    assert zhao_lead.get("/api/v1/conflicts").json()["conflicts"] == []
    r = li.post(f"/api/v1/conflicts/{conflict_id}/resolve", {"values": {"grade": 1}})
    assert r.status_code == 404
    assert [c["id"] for c in server.login("lead1", device_id="x").get("/api/v1/conflicts").json()["conflicts"]] \
        == [conflict_id]


def test_resolve_is_validated_and_authorised_like_a_push(server):
    zhang, _lead, _cid, conflict_id = _make_conflict(server)
    r = zhang.post(f"/api/v1/conflicts/{conflict_id}/resolve", {"values": {"grade": "high"}})
    assert r.status_code == 422 and "invalid_value" in r.json()["message"]
    r = zhang.post(f"/api/v1/conflicts/{conflict_id}/resolve", {"values": {"manager_id": server.users["li"]}})
    assert r.status_code == 422 and "read_only_field" in r.json()["message"]
    assert len(zhang.get("/api/v1/conflicts").json()["conflicts"]) == 1  # still open


def test_restore_a_row_deleted_on_the_server(server):
    zhang, lead = server.login("zhang"), server.login("lead1")
    cid = server.customers["zhang1"]
    lead.push(dele(1, "customer", cid, 1))
    out = zhang.push(upd(1, "customer", cid, 1, {"notes": ("", "还在营业")}))[0]
    record = zhang.get("/api/v1/conflicts").json()["conflicts"][0]
    assert record["id"] == out["conflict_id"] and record["kind"] == "deleted_on_server"
    row = zhang.post(f"/api/v1/conflicts/{record['id']}/resolve",
                     {"values": {"notes": record["fields"][0]["client"]}, "deleted": False}).json()
    assert row["deleted"] is False and row["values"]["notes"] == "还在营业"
