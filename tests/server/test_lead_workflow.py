"""The team lead workspace over HTTP: review events, roles, AB cover periods, template publishing,
team members, the team's conflict inbox."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from fieldsync import admin
from fieldsync.models import cover_periods, users

from .helpers import dele, ins, upd, visit_values


def review(seq: int, visit_id: str, customer_id: str, action: str, text: str = "", row_id: str | None = None):
    return ins(seq, "visit_review", row_id or str(uuid.uuid4()), {
        "visit_id": visit_id, "customer_id": customer_id, "action": action, "text": text,
        "created_at_client": "2026-11-20T18:00:00+08:00"})


def completed_visit(session, customer_id: str, seq: int = 1) -> str:
    visit = str(uuid.uuid4())
    out = session.push(ins(seq, "visit", visit, visit_values(customer_id, status="completed",
                                                             check_out_at="2026-11-20T09:30:00+08:00")))
    assert out[0]["status"] == "applied", out
    return visit


def codes(outcomes):
    return [(o["status"], (o["reason"] or "").split(":")[0]) for o in outcomes]


def test_review_flow_and_roles(server):
    zhang, li, lead, lead2 = (server.login(n) for n in ("zhang", "li", "lead1", "lead2"))
    cid = server.customers["zhang1"]
    visit = completed_visit(zhang, cid)
    # A manager cannot approve or return, not even their own visit; another manager cannot comment.
    assert codes(zhang.push(review(2, visit, cid, "approve"))) == [("rejected", "forbidden")]
    assert codes(li.push(review(1, visit, cid, "comment", "看看"))) == [("rejected", "not_found")]  # not in scope
    # The lead of another team does not even see it.
    assert codes(lead2.push(review(1, visit, cid, "return", "no"))) == [("rejected", "not_found")]
    # Resubmitting what was never returned; returning without a reason.
    out = zhang.push(review(3, visit, cid, "resubmit"))
    assert codes(out) == [("rejected", "review_refused")] and "Only a returned visit" in out[0]["reason"]
    assert "Say why" in lead.push(review(1, visit, cid, "return"))[0]["reason"]

    ret = lead.push(review(2, visit, cid, "return", "价签照片不清楚"))[0]
    assert ret["status"] == "applied"
    assert (ret["values"]["position"], ret["values"]["author_id"]) == (1, server.users["lead1"])
    # A second lead decision in the same state is refused; a comment is fine.
    assert codes(lead.push(review(3, visit, cid, "return", "again"))) == [("rejected", "review_refused")]
    assert lead.push(review(4, visit, cid, "comment", "尽快"))[0]["values"]["position"] == 2
    # The manager comments and resubmits in one batch (offline): both accepted, in order.
    out = zhang.push(review(4, visit, cid, "comment", "已重拍"), review(5, visit, cid, "resubmit"))
    assert [o["values"]["position"] for o in out] == [3, 4]
    assert lead.push(review(5, visit, cid, "approve"))[0]["values"]["position"] == 5
    # Events are append-only.
    zhang.sync_down()
    event_id = sorted(zhang.ids("visit_review"))[0]
    base = zhang.rows[("visit_review", event_id)]["version"]
    assert codes(zhang.push(upd(6, "visit_review", event_id, base, {"text": ("x", "y")}),
                            dele(7, "visit_review", event_id, base))) == [("rejected", "invalid_op")] * 2
    # Both sides hold the same history in the same order.
    lead.sync_down()

    def history(s):
        rows = [r["values"] for (e, _), r in s.rows.items() if e == "visit_review"]
        return [(v["position"], v["action"]) for v in sorted(rows, key=lambda v: v["position"])]
    assert history(zhang) == history(lead) == [(1, "return"), (2, "comment"), (3, "comment"), (4, "resubmit"),
                                               (5, "approve")]
    # Other teams see none of it.
    zhao = server.login("zhao")
    for other in (lead2, zhao):
        other.sync_down()
        assert not other.ids("visit_review") and not other.ids("visit")


def test_review_customer_must_match_and_author_is_the_pusher(server):
    zhang, lead = server.login("zhang"), server.login("lead1")
    cid = server.customers["zhang1"]
    visit = completed_visit(zhang, cid)
    assert codes(lead.push(review(1, visit, server.customers["zhang2"], "approve"))) == [("rejected", "invalid_value")]
    m = review(2, visit, cid, "approve")
    m["changes"]["author_id"] = [None, server.users["zhang"]]
    assert codes(lead.push(m)) == [("rejected", "forbidden_value")]
    in_progress = str(uuid.uuid4())
    zhang.push(ins(2, "visit", in_progress, visit_values(cid)))
    assert "still in progress" in lead.push(review(3, in_progress, cid, "approve"))[0]["reason"]


def test_lead_records_cover_and_scope_follows(server):
    h = server
    zhang, li, lead, lead2 = (h.login(n) for n in ("zhang", "li", "lead1", "lead2"))
    today = h.settings.today()
    cover = str(uuid.uuid4())

    def period(seq, row_id, manager, backup, start, end, **kw):
        return ins(seq, "cover_period", row_id, {"manager_id": h.users[manager], "backup_id": h.users[backup],
                                                "start_date": start.isoformat(), "end_date": end.isoformat(),
                                                **kw})

    # Managers cannot record cover; another team's lead cannot arrange it for north.
    assert codes(zhang.push(period(1, cover, "zhang", "li", today, today))) == [("rejected", "read_only_entity")]
    assert codes(lead2.push(period(1, cover, "zhang", "li", today, today))) == [("rejected", "forbidden_value")]
    out = lead.push(period(1, cover, "zhang", "li", today - timedelta(days=1), today + timedelta(days=3),
                           reason="年假"))
    assert codes(out) == [("applied", "")]
    with h.engine.connect() as conn:
        row = conn.execute(select(cover_periods).where(cover_periods.c.id == cover)).mappings().one()
        assert (row["backup_id"], row["reason"], row["cancelled"]) == (h.users["li"], "年假", False)
    # li (the backup) now receives zhang's customers, and the cover period itself.
    li.sync_down()
    assert {h.customers["zhang1"], h.customers["zhang2"]} <= li.ids("customer")
    assert cover in li.ids("cover_period") and h.users["zhang"] in li.ids("team_member")
    zhang.sync_down()
    assert cover in zhang.ids("cover_period")
    # A and B cannot be away at the same time; A cannot have two periods at once.
    out = lead.push(period(2, str(uuid.uuid4()), "li", "zhang", today + timedelta(days=2), today + timedelta(days=5)),
                    period(3, str(uuid.uuid4()), "zhang", "wang", today + timedelta(days=3), today + timedelta(days=4)),
                    period(4, str(uuid.uuid4()), "wang", "wang", today, today))
    assert codes(out) == [("rejected", "overlapping_leave"), ("rejected", "overlapping_leave"),
                          ("rejected", "invalid_value")]
    assert "cannot be away at the same time" in out[0]["reason"] and "li" in out[0]["reason"]
    # Two periods in one batch are checked against each other too.
    out = lead.push(period(5, str(uuid.uuid4()), "wang", "li", today + timedelta(days=10), today + timedelta(days=12)),
                    period(6, str(uuid.uuid4()), "li", "wang", today + timedelta(days=11), today + timedelta(days=13)))
    assert codes(out) == [("applied", ""), ("rejected", "overlapping_leave")]
    # Cancelling ends the backup's access at once: the customers are revoked.
    assert codes(lead.push(upd(7, "cover_period", cover, 1, {"cancelled": (False, True)}))) == [("applied", "")]
    assert codes(lead.push(dele(8, "cover_period", cover, 2))) == [("rejected", "invalid_op")]
    pages = li.sync_down()
    revoked = {(r["entity"], r["row_id"]) for p in pages for r in p["revoked"]}
    assert ("customer", h.customers["zhang1"]) in revoked
    assert not ({h.customers["zhang1"], h.customers["zhang2"]} & li.ids("customer"))


def test_cli_cover_is_synced_too(server):
    h = server
    today = h.settings.today()
    cover = admin.add_cover(h.engine, h.settings, "zhang", "li", today, today + timedelta(days=1), reason="病假")
    li = h.login("li")
    li.sync_down()
    values = li.rows[("cover_period", cover)]["values"]
    assert (values["manager_id"], values["reason"], values["start_date"]) == (h.users["zhang"], "病假",
                                                                              today.isoformat())
    assert h.customers["zhang1"] in li.ids("customer")


def good_template(**overrides):
    values = {"code": "counter_arrangement", "name_zh": "柜台整理", "name_en": "Counter", "template_version": 1,
              "items": [{"key": "clean", "label_zh": "柜台整洁", "label_en": "Clean", "kind": "pass_fail",
                         "weight": 60}, {"key": "price", "label_zh": "明码标价", "label_en": "Prices",
                                         "kind": "pass_fail", "weight": 40}]}
    values.update(overrides)
    return values


def test_template_publishing_is_validated(server):
    lead, zhang = server.login("lead1"), server.login("zhang")
    bad_items = {
        "no items": [],
        "duplicate keys": [{"key": "a", "label_zh": "甲", "weight": 50}, {"key": "a", "label_zh": "乙", "weight": 50}],
        "weights": [{"key": "a", "label_zh": "甲", "weight": 50}, {"key": "b", "label_zh": "乙", "weight": 40}],
    }
    out = lead.push(*(ins(i, "checklist_template", str(uuid.uuid4()), good_template(items=items))
                      for i, items in enumerate(bad_items.values(), start=1)))
    assert codes(out) == [("rejected", "invalid_template")] * 3
    assert "no items" in out[0]["reason"]
    assert "The key 'a' is used by items 1 and 2" in out[1]["reason"]
    assert "add up to 90" in out[2]["reason"]
    first = str(uuid.uuid4())
    assert codes(lead.push(ins(4, "checklist_template", first, good_template()))) == [("applied", "")]
    # Not the next version: refused with the version to use; the next one is accepted.
    out = lead.push(ins(5, "checklist_template", str(uuid.uuid4()), good_template(template_version=3)))
    assert codes(out) == [("rejected", "invalid_template")] and "version 2" in out[0]["reason"]
    second = str(uuid.uuid4())
    assert codes(lead.push(ins(6, "checklist_template", second, good_template(template_version=2)))) == \
        [("applied", "")]
    # A published version never changes.
    assert codes(lead.push(upd(7, "checklist_template", first, 1, {"items": ([], good_template()["items"][:1])}))) \
        == [("rejected", "read_only_field")]
    zhang.sync_down()
    assert {first, second} <= zhang.ids("checklist_template")


def test_team_members_and_backup(server):
    h = server
    lead, zhang, zhao = h.login("lead1"), h.login("zhang"), h.login("zhao")
    lead.sync_down()
    assert lead.ids("team_member") == {h.users[n] for n in ("lead1", "zhang", "li", "wang")}
    member = lead.rows[("team_member", h.users["zhang"])]
    assert (member["values"]["username"], member["values"]["role"], member["values"]["active"]) == \
        ("zhang", "manager", True)
    zhang.sync_down()
    assert zhang.ids("team_member") == {h.users["zhang"], h.users["lead1"]}
    # A manager cannot change team members; a lead assigns the AB partner.
    assert codes(zhang.push(upd(1, "team_member", h.users["zhang"], member["version"],
                                {"backup_id": (None, h.users["li"])}))) == [("rejected", "read_only_entity")]
    out = lead.push(upd(1, "team_member", h.users["zhang"], member["version"], {"backup_id": (None, h.users["li"])}),
                    upd(2, "team_member", h.users["zhang"], member["version"], {"role": ("manager", "admin")}),
                    upd(3, "team_member", h.users["li"], 1, {"backup_id": (None, h.users["zhao"])}))
    assert codes(out) == [("applied", ""), ("rejected", "read_only_field"), ("rejected", "forbidden_value")]
    with h.engine.connect() as conn:
        assert conn.execute(select(users.c.backup_id).where(users.c.id == h.users["zhang"])).scalar() == h.users["li"]
    zhang.sync_down()
    assert zhang.ids("team_member") == {h.users["zhang"], h.users["li"], h.users["lead1"]}
    # A disabled user shows as inactive on the next pull.
    admin.set_disabled(h.engine, h.settings, "wang")
    lead.sync_down()
    assert lead.rows[("team_member", h.users["wang"])]["values"]["active"] is False
    zhao.sync_down()
    assert zhao.ids("team_member") == {h.users["zhao"], h.users["lead2"]}


def test_lead_sees_and_resolves_the_teams_conflicts(server):
    h = server
    zhang, zhang2 = h.login("zhang"), h.login("zhang", device_id="laptop-2")
    cid = h.customers["zhang1"]
    zhang.push(upd(1, "customer", cid, 1, {"phone": ("13812345678", "13800000001")}))
    out = zhang2.push(upd(1, "customer", cid, 1, {"phone": ("13812345678", "13800000002")}))[0]
    assert out["status"] == "conflict"
    lead, lead2, li = h.login("lead1"), h.login("lead2"), h.login("li")
    listed = lead.get("/api/v1/conflicts").json()["conflicts"]
    assert [c["id"] for c in listed] == [out["conflict_id"]] and listed[0]["username"] == "zhang"
    assert listed[0]["fields"][0]["client"] == "13800000002"
    assert lead2.get("/api/v1/conflicts").json()["conflicts"] == []
    assert li.get("/api/v1/conflicts").json()["conflicts"] == []
    assert lead2.post(f"/api/v1/conflicts/{out['conflict_id']}/resolve", {"values": {}}).status_code == 404
    row = lead.post(f"/api/v1/conflicts/{out['conflict_id']}/resolve", {"values": {"phone": "13800000002"}}).json()
    assert row["values"]["phone"] == "13800000002" and row["version"] == 3
    assert lead.get("/api/v1/conflicts").json()["conflicts"] == []
    zhang.sync_down()
    assert zhang.rows[("customer", cid)]["values"]["phone"] == "13800000002"


def test_visits_in_progress_keep_their_template_version(server):
    lead, zhang = server.login("lead1"), server.login("zhang")
    v1 = str(uuid.uuid4())
    lead.push(ins(1, "checklist_template", v1, good_template()))
    cid = server.customers["zhang1"]
    visit = str(uuid.uuid4())
    zhang.push(ins(1, "visit", visit, visit_values(cid, template_id=v1, template_version=1)))
    lead.push(ins(2, "checklist_template", str(uuid.uuid4()), good_template(template_version=2)))
    out = zhang.push(upd(2, "visit", visit, 1, {"status": ("in_progress", "completed")}))[0]
    assert (out["values"]["template_id"], out["values"]["template_version"]) == (v1, 1)



def test_migration_turns_existing_cover_periods_into_synced_rows(tmp_path):
    from datetime import date, datetime

    from alembic import command

    from fieldsync.core.db import create_db_engine
    from fieldsync.migrate import alembic_config, upgrade_to_head
    from fieldsync.models import sync_counter, sync_rows

    engine = create_db_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    try:
        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "s0001")
        now = datetime(2026, 11, 1)
        with engine.begin() as conn:
            for uid in ("a", "b"):
                conn.exec_driver_sql("INSERT INTO users (id, username, display_name, role, password_hash, disabled, "
                                     "created_at, updated_at) VALUES (?, ?, '', 'manager', 'x', 0, ?, ?)",
                                     (uid, uid, now, now))
            conn.exec_driver_sql("INSERT INTO cover_periods (id, manager_id, backup_id, start_date, end_date, "
                                 "created_at) VALUES ('cp1', 'a', 'b', ?, ?, ?)",
                                 (date(2026, 12, 1), date(2026, 12, 5), now))
        upgrade_to_head(engine)
        with engine.connect() as conn:
            row = conn.execute(select(sync_rows).where(sync_rows.c.entity == "cover_period")).mappings().one()
            assert row["values"] == {"manager_id": "a", "backup_id": "b", "start_date": "2026-12-01",
                                     "end_date": "2026-12-05", "reason": "", "cancelled": False}
            assert (row["customer_id"], row["server_seq"]) == ("cover:cp1", 1)
            assert conn.execute(select(sync_counter.c.value)).scalar_one() == 1
            assert conn.execute(select(cover_periods.c.cancelled)).scalar_one() is False
    finally:
        engine.dispose()
