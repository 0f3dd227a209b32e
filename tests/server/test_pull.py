"""Pull: pages and cursors, resume, reference-closed pages, tombstones, scope grants and revocations, digest."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import timedelta

from sqlalchemy import select

from fieldapp.core.protocol import SYNCED_ENTITIES
from fieldsync import admin
from fieldsync.models import sync_rows

from .helpers import dele, ins, upd, visit_values

ENTITY_ORDER = ["team_member", "cover_period", "customer", "checklist_template", "purchase", "visit", "follow_up",
                "checklist_answer", "visit_note", "attachment", "visit_review", "attendance"]


def server_scope_rows(h, customer_ids: set[str]) -> dict[tuple[str, str], int]:
    """(entity, row_id) -> version of every row of these customers plus the templates."""
    with h.engine.connect() as conn:
        rows = conn.execute(select(sync_rows.c.entity, sync_rows.c.row_id, sync_rows.c.version,
                                   sync_rows.c.customer_id)).all()
    return {(r.entity, r.row_id): r.version for r in rows
            if r.customer_id in customer_ids or r.entity == "checklist_template"}


def local_digest(session) -> dict[str, tuple[int, str]]:
    out = {}
    for entity in SYNCED_ENTITIES:
        lines = sorted(f"{rid}:{r['version']}:{1 if r['deleted'] else 0}\n"
                       for (e, rid), r in session.rows.items() if e == entity)
        out[entity] = (len(lines), hashlib.sha256("".join(lines).encode()).hexdigest())
    return out


def server_digest(session) -> dict[str, tuple[int, str]]:
    r = session.get("/api/v1/sync/digest")
    assert r.status_code == 200
    return {d["entity"]: (d["count"], d["checksum"]) for d in r.json()["digests"]}


def add_visit(session, customer_id: str, seq: int, answers: int = 0) -> tuple[str, list[str]]:
    visit = str(uuid.uuid4())
    answer_ids = [str(uuid.uuid4()) for _ in range(answers)]
    muts = [ins(seq, "visit", visit, visit_values(customer_id))]
    muts += [ins(seq + 1 + i, "checklist_answer", a, {"visit_id": visit, "item_key": f"item{i}", "result": "pass"})
             for i, a in enumerate(answer_ids)]
    assert all(o["status"] == "applied" for o in session.push(*muts))
    return visit, answer_ids


def test_initial_pull_gets_exactly_the_users_scope(server):
    admin.import_templates_data(server.engine, server.settings, [{
        "code": "t", "name_zh": "检查", "name_en": "Check", "version": 1,
        "items": [{"key": "a", "label_zh": "甲", "label_en": "A"}]}])
    zhang = server.login("zhang")
    zhang.sync_down()
    assert zhang.ids("customer") == {server.customers["zhang1"], server.customers["zhang2"]}
    assert len(zhang.ids("checklist_template")) == 1
    lead = server.login("lead1")
    lead.sync_down()
    assert lead.ids("customer") == {server.customers[c] for c in ("zhang1", "zhang2", "li1", "li2")}
    boss = server.login("admin")
    boss.sync_down()
    assert boss.ids("customer") == set(server.customers.values())


def test_pagination_resume_and_convergence(any_server):
    h = any_server
    zhang = h.login("zhang")
    for i, cust in enumerate(("zhang1", "zhang2")):
        for j in range(4):
            add_visit(zhang, h.customers[cust], seq=1000 * (i + 1) + 10 * j, answers=2)
    reader = h.login("zhang", device_id="laptop-2")
    pages = reader.sync_down(limit=3)
    assert len(pages) > 5
    assert all(len(p["changes"]) <= 3 * 3 for p in pages)  # limit, plus at most the parents of each row
    expected = server_scope_rows(h, {h.customers["zhang1"], h.customers["zhang2"], "m:" + h.users["zhang"],
                                  "m:" + h.users["lead1"]})
    assert {k: r["version"] for k, r in reader.rows.items()} == expected
    assert local_digest(reader) == server_digest(reader)

    # Nothing new: an empty page with the same position.
    page = reader.pull_page(reader.cursor)
    assert page["changes"] == [] and page["revoked"] == [] and not page["has_more"]


def test_a_lost_page_is_delivered_again_from_the_same_cursor(server):
    zhang = server.login("zhang")
    zhang.sync_down()
    for j in range(3):
        add_visit(zhang, server.customers["zhang1"], seq=10 * (j + 1), answers=1)
    before = zhang.cursor
    first = zhang.pull_page(before, limit=2)
    again = zhang.pull_page(before, limit=2)  # the reply to the first was lost
    assert first == again
    zhang.sync_down(limit=2)
    expected = server_scope_rows(server, {server.customers["zhang1"], server.customers["zhang2"],
                                          "m:" + server.users["zhang"], "m:" + server.users["lead1"]})
    assert {k: r["version"] for k, r in zhang.rows.items()} == expected


def test_pages_send_parents_before_children(server):
    zhang = server.login("zhang")
    zhang.sync_down()
    cid = server.customers["zhang1"]
    visit, (answer,) = add_visit(zhang, cid, seq=1, answers=1)
    # The visit changes after its answer was written: by seq, the answer comes first.
    zhang.push(upd(5, "visit", visit, 1, {"status": ("in_progress", "completed")}))
    reader = server.login("zhang", device_id="laptop-2", client_id=zhang.client_id)
    reader.cursor = zhang.cursor
    page = reader.pull_page(reader.cursor, limit=1)
    entities = [(c["entity"], c["row_id"]) for c in page["changes"]]
    assert entities == [("visit", visit), ("checklist_answer", answer)]  # the parent came along, first
    assert page["changes"][0]["values"]["status"] == "completed"


def test_changes_are_ordered_parents_first_within_a_page(server):
    boss = server.login("admin")
    pages = boss.sync_down()
    ranks = [ENTITY_ORDER.index(c["entity"]) for c in pages[0]["changes"]]
    assert ranks == sorted(ranks)


def test_incremental_pull_sees_changes_in_scope_only(server):
    zhang, li, lead = server.login("zhang"), server.login("li"), server.login("lead1")
    zhang.sync_down()
    li.push(upd(1, "customer", server.customers["li1"], 1, {"notes": ("", "li 的秘密笔记")}))
    lead.push(upd(1, "customer", server.customers["zhang1"], 1, {"route": ("R01", "R02")}))
    pages = zhang.sync_down()
    changes = [c for p in pages for c in p["changes"]]
    assert [(c["row_id"], c["values"]["route"]) for c in changes] == [(server.customers["zhang1"], "R02")]
    assert "秘密" not in json.dumps(pages, ensure_ascii=False)


def test_tombstones_are_pulled(server):
    zhang = server.login("zhang")
    zhang.sync_down()
    visit, _ = add_visit(zhang, server.customers["zhang1"], seq=1)
    zhang.sync_down()
    zhang.push(dele(5, "visit", visit, 1))
    pages = zhang.sync_down()
    (change,) = [c for p in pages for c in p["changes"]]
    assert (change["entity"], change["row_id"], change["deleted"], change["version"]) == ("visit", visit, True, 2)
    assert local_digest(zhang) == server_digest(zhang)


def test_out_of_scope_push_is_refused_and_nothing_leaks(server):
    zhang, li = server.login("zhang"), server.login("li")
    li_customer = server.customers["li1"]
    li.push(upd(1, "customer", li_customer, 1, {"notes": ("", "机密：进货价每条三十五元")}))
    li_visit, _ = add_visit(li, li_customer, seq=10)
    out = zhang.push(
        upd(1, "customer", li_customer, 2, {"grade": (12, 30)}),
        dele(2, "customer", li_customer, 2),
        ins(3, "visit", str(uuid.uuid4()), visit_values(li_customer)),
        upd(4, "visit", li_visit, 1, {"status": ("in_progress", "completed")}),
        ins(5, "visit_note", str(uuid.uuid4()), {"visit_id": li_visit, "needs": "x"}),
        upd(6, "customer", "does-not-exist", 1, {"grade": (1, 2)}),
    )
    assert all(o["status"] == "rejected" for o in out)
    assert all(o["values"] is None for o in out)
    # Same answer whether the row exists elsewhere or not at all.
    assert out[0]["reason"] == out[5]["reason"] == "not_found: no such record in your scope"
    text = json.dumps(out, ensure_ascii=False)
    assert "机密" not in text and "三十五" not in text
    with server.engine.connect() as conn:
        row = conn.execute(select(sync_rows.c.version, sync_rows.c.deleted).where(
            sync_rows.c.row_id == li_customer)).one()
    assert (row.version, row.deleted) == (2, False)
    pages = zhang.sync_down()
    assert li_customer not in json.dumps(pages) and li_visit not in json.dumps(pages)
    assert zhang.get("/api/v1/conflicts").json()["conflicts"] == []


def test_cover_period_grants_then_revokes(any_server):
    h = any_server
    zhang, wang = h.login("zhang"), h.login("wang")
    zhang_visit, zhang_answers = add_visit(zhang, h.customers["zhang1"], seq=1, answers=2)
    wang.sync_down()
    assert wang.ids("customer") == set()
    today = h.settings.today()
    admin.add_cover(h.engine, h.settings, "zhang", "wang", today, today + timedelta(days=2))
    # Granted: wang receives zhang's customers with their older rows, although his cursor is past them.
    pages = wang.sync_down(limit=2)
    assert wang.ids("customer") == {h.customers["zhang1"], h.customers["zhang2"]}
    assert wang.ids("visit") == {zhang_visit} and wang.ids("checklist_answer") == set(zhang_answers)
    assert all(p["revoked"] == [] for p in pages)
    assert local_digest(wang) == server_digest(wang)
    # During the cover, wang may work on them.
    out = wang.push(upd(1, "customer", h.customers["zhang1"], 1, {"route": ("R01", "R08")}))
    assert out[0]["status"] == "applied"
    # The period ends: the rows are revoked, children first.
    h.clock.advance(days=3)
    pages = wang.reauth().sync_down()
    revoked = [(r["entity"], r["row_id"]) for p in pages for r in p["revoked"]]
    assert set(revoked) == {("customer", h.customers["zhang1"]), ("customer", h.customers["zhang2"]),
                            ("visit", zhang_visit)} | {("checklist_answer", a) for a in zhang_answers}
    order = [ENTITY_ORDER.index(e) for e, _ in revoked]
    assert order == sorted(order, reverse=True)
    # Only the cover period itself and the two partners' names stay (lead workspace entities).
    assert {e for e, _ in wang.rows} == {"cover_period", "team_member"}
    assert local_digest(wang) == server_digest(wang)
    out = wang.push(upd(2, "customer", h.customers["zhang1"], 2, {"route": ("R08", "R09")}))
    assert out[0]["reason"].startswith("not_found")


def test_reassignment_moves_rows_between_managers(server):
    zhang, li, lead = server.login("zhang"), server.login("li"), server.login("lead1")
    cid = server.customers["zhang2"]
    visit, answers = add_visit(zhang, cid, seq=1, answers=1)
    zhang.sync_down()
    li.sync_down()
    lead.push(upd(1, "customer", cid, 1, {"manager_id": (server.users["zhang"], server.users["li"])}))
    zpages = zhang.sync_down()
    assert {(r["entity"], r["row_id"]) for p in zpages for r in p["revoked"]} == {
        ("customer", cid), ("visit", visit), ("checklist_answer", answers[0])}
    li.sync_down()
    assert cid in li.ids("customer") and visit in li.ids("visit")
    assert li.rows[("customer", cid)]["values"]["manager_id"] == server.users["li"]
    for s in (zhang, li):
        assert local_digest(s) == server_digest(s)


def test_a_scope_change_during_a_lost_reply_is_not_lost(server):
    wang = server.login("wang")
    wang.sync_down()
    today = server.settings.today()
    admin.add_cover(server.engine, server.settings, "zhang", "wang", today, today)
    lost = wang.pull_page(wang.cursor)  # the grant; the reply never arrives
    assert lost["changes"]
    wang.sync_down()                     # retried from the old cursor
    assert wang.ids("customer") == {server.customers["zhang1"], server.customers["zhang2"]}


def test_stale_or_foreign_cursors(server):
    zhang = server.login("zhang")
    zhang.sync_down()
    r = zhang.post("/api/v1/sync/pull", {"client_id": zhang.client_id, "cursor": "!!not-a-cursor!!"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_cursor"
    data = json.loads(base64.urlsafe_b64decode(zhang.cursor + "=" * (-len(zhang.cursor) % 4)))
    data["i"] = "000000000000"  # another server
    other = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    assert zhang.pull_page(other)["full_resync_required"] is True
    # Another client's cursor is not valid for this one.
    li = server.login("li")
    li.sync_down()
    assert zhang.pull_page(li.cursor)["full_resync_required"] is True


def test_cursor_older_than_tombstone_retention_needs_full_resync(server):
    from fieldsync.retention import purge

    zhang, lead = server.login("zhang"), server.login("lead1")
    zhang.sync_down()
    old_cursor = zhang.cursor
    visit, _ = add_visit(lead, server.customers["zhang1"], seq=1)
    lead.push(dele(3, "visit", visit, 1))
    server.clock.advance(days=181)
    result = purge(server.engine, server.settings)
    assert result.tombstones == 1
    page = zhang.reauth().pull_page(old_cursor)
    assert page["full_resync_required"] is True and page["changes"] == []
    zhang.cursor, zhang.rows = None, {}
    zhang.sync_down()
    assert visit not in zhang.ids("visit")
    assert local_digest(zhang) == server_digest(zhang)


def test_purge_keeps_tombstones_still_referenced(server):
    from fieldsync.retention import purge

    zhang = server.login("zhang")
    visit, _ = add_visit(zhang, server.customers["zhang1"], seq=1, answers=1)
    zhang.push(dele(10, "customer", server.customers["zhang1"], 1))
    server.clock.advance(days=200)
    assert purge(server.engine, server.settings).tombstones == 0  # the live visit still needs its customer


def test_digest_matches_for_every_role(server):
    zhang = server.login("zhang")
    add_visit(zhang, server.customers["zhang1"], seq=1, answers=3)
    for name in ("zhang", "li", "lead1", "lead2", "admin"):
        s = server.login(name, device_id=f"d-{name}")
        s.sync_down(limit=4)
        assert local_digest(s) == server_digest(s), name


def test_limit_validation(server):
    zhang = server.login("zhang")
    r = zhang.post("/api/v1/sync/pull", {"client_id": zhang.client_id, "limit": 0})
    assert r.status_code == 422
    page = zhang.pull_page(None, limit=10**6)  # clamped to the maximum, not an error
    assert not page["has_more"]


def attendance_values(**overrides):
    values = dict(manager_id=None, work_date="2026-11-20", started_at="2026-11-20T08:30:00+08:00", ended_at=None,
                  start_latitude=28.2, start_longitude=113.1, end_latitude=None, end_longitude=None)
    values.update(overrides)
    return values


def test_attendance_belongs_to_its_manager_and_their_lead(server):
    zhang, li, lead, lead2 = (server.login(n) for n in ("zhang", "li", "lead1", "lead2"))
    day = str(uuid.uuid4())
    out = zhang.push(ins(1, "attendance", day, attendance_values()),
                     ins(2, "attendance", str(uuid.uuid4()), attendance_values(manager_id=server.users["li"])))
    assert out[0]["status"] == "applied" and out[0]["values"]["manager_id"] == zhang.user_id
    assert out[1]["reason"].startswith("forbidden_value")
    assert zhang.push(upd(3, "attendance", day, 1, {"ended_at": (None, "2026-11-20T17:45:00+08:00")})
                      )[0]["status"] == "applied"
    for session, sees in ((zhang, True), (lead, True), (li, False), (lead2, False)):
        session.sync_down()
        assert (day in session.ids("attendance")) is sees, session.username
        assert local_digest(session) == server_digest(session)
    assert li.push(upd(1, "attendance", day, 2, {"ended_at": (None, "x")}))[0]["reason"].startswith("not_found")
    # A manager moving to another team leaves the lead's scope with their attendance.
    admin.set_team(server.engine, server.settings, "zhang", "south")
    pages = lead.sync_down()
    assert ("attendance", day) in {(r["entity"], r["row_id"]) for p in pages for r in p["revoked"]}
    lead2.sync_down()
    assert day in lead2.ids("attendance")
