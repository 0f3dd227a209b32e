"""Push: outcomes per mutation, exactly-once replays, merges and conflict records, rejections."""

from __future__ import annotations

import threading
import uuid

from sqlalchemy import func, select

from fieldsync.models import applied_mutations, conflicts, sync_rows

from .helpers import customer_values, dele, ins, upd, visit_values


def _row(h, entity, row_id):
    with h.engine.connect() as conn:
        r = conn.execute(select(sync_rows).where(sync_rows.c.entity == entity, sync_rows.c.row_id == row_id)
                         ).mappings().first()
        return dict(r) if r else None


def _count(h, table):
    with h.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_insert_update_delete_applied(server):
    zhang = server.login("zhang")
    cid = str(uuid.uuid4())
    out = zhang.push(ins(1, "customer", cid, customer_values(code="N1")))
    assert out[0]["status"] == "applied" and out[0]["version"] == 1
    assert out[0]["values"]["manager_id"] == zhang.user_id  # a new customer belongs to its creator
    out = zhang.push(upd(2, "customer", cid, 1, {"phone": ("13812345678", "13900000000")}))
    assert (out[0]["status"], out[0]["version"], out[0]["values"]["phone"]) == ("applied", 2, "13900000000")
    out = zhang.push(dele(3, "customer", cid, 2))
    assert (out[0]["status"], out[0]["version"]) == ("applied", 3)
    row = _row(server, "customer", cid)
    assert row["deleted"] is True and row["version"] == 3 and row["values"]["phone"] == "13900000000"


def test_replayed_batch_returns_stored_outcomes_and_applies_once(server):
    zhang = server.login("zhang")
    cid = server.customers["zhang1"]
    batch = [upd(1, "customer", cid, 1, {"grade": (12, 13)}),
             upd(2, "customer", cid, 1, {"route": ("R01", "R02")}),
             ins(3, "customer", "bad-one", {"code": "X"})]  # rejected (missing fields)
    first = zhang.push(*batch)
    second = zhang.push(*batch)
    assert first == second
    assert [o["status"] for o in first] == ["applied", "applied", "rejected"]
    row = _row(server, "customer", cid)
    assert row["version"] == 3  # two updates, each applied exactly once
    assert _count(server, applied_mutations) == 3


def test_replay_after_other_changes_still_returns_the_original_outcome(server):
    zhang, lead = server.login("zhang"), server.login("lead1")
    cid = server.customers["zhang1"]
    first = zhang.push(upd(1, "customer", cid, 1, {"grade": (12, 13)}))
    lead.push(upd(1, "customer", cid, 2, {"grade": (13, 20)}))
    again = zhang.push(upd(1, "customer", cid, 1, {"grade": (12, 13)}))
    assert again == first
    assert _row(server, "customer", cid)["values"]["grade"] == 20  # not set back to 13


def test_same_seq_twice_in_one_batch_is_applied_once(server):
    zhang = server.login("zhang")
    cid = server.customers["zhang1"]
    m = upd(7, "customer", cid, 1, {"grade": (12, 13)})
    out = zhang.push(m, m)
    assert out[0] == out[1]
    assert _row(server, "customer", cid)["version"] == 2


def test_concurrent_duplicate_push_applies_once(any_server):
    h = any_server
    zhang = h.login("zhang")
    cid = h.customers["zhang1"]
    batch = [upd(i, "customer", cid, 1, {f: (old, new)}) for i, (f, old, new) in
             enumerate([("grade", 12, 14), ("route", "R01", "R09"), ("phone", "13812345678", "13700000000")], 1)]
    results: list = []
    errors: list = []

    def send():
        try:
            results.append(zhang.push(*batch))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert all(r == results[0] for r in results)
    assert _row(h, "customer", cid)["version"] == 4  # 1 + three mutations, once each
    with h.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(applied_mutations)).scalar_one() == 3


def test_rejected_mutation_does_not_block_the_others(server):
    zhang = server.login("zhang")
    cid = server.customers["zhang1"]
    visit = str(uuid.uuid4())
    out = zhang.push(
        upd(1, "customer", cid, 1, {"grade": (12, 15)}),
        upd(2, "customer", cid, 1, {"no_such_field": (None, 1)}),
        upd(3, "customer", cid, 1, {"grade": (12, "fifteen")}),
        ins(4, "purchase", str(uuid.uuid4()), {"customer_id": cid, "month": "2026-10", "brand": "x", "cartons": 1,
                                              "amount_yuan": 1.0}),
        ins(5, "checklist_template", str(uuid.uuid4()), {"code": "x"}),
        {"seq": 6, "entity": "spaceship", "row_id": "x", "op": "insert", "base_version": 0, "changes": {}},
        upd(7, "customer", "no-such-row", 1, {"grade": (1, 2)}),
        ins(8, "visit", visit, visit_values(cid)),
        upd(9, "customer", cid, 1, {"route": ("R01", "R05")}),
        upd(10, "customer", cid, 1, {"grade": [12]}),  # not [old, new]
    )
    status = {o["seq"]: (o["status"], (o["reason"] or "").split(":")[0]) for o in out}
    assert status == {
        1: ("applied", ""), 2: ("rejected", "unknown_field"), 3: ("rejected", "invalid_value"),
        4: ("rejected", "read_only_entity"), 5: ("rejected", "read_only_entity"),
        6: ("rejected", "unknown_entity"), 7: ("rejected", "not_found"), 8: ("applied", ""),
        9: ("applied", ""), 10: ("rejected", "bad_changes"),
    }
    row = _row(server, "customer", cid)
    assert row["values"]["grade"] == 15 and row["values"]["route"] == "R05"
    assert _row(server, "visit", visit)["values"]["manager_id"] == zhang.user_id
    # Rejected mutations are kept (with their payload) so IT can recover them.
    with server.engine.connect() as conn:
        kept = conn.execute(select(applied_mutations.c.seq).where(applied_mutations.c.mutation.is_not(None))
                            ).scalars().all()
    assert sorted(kept) == [2, 3, 4, 5, 6, 7, 10]


def test_manager_cannot_reassign_or_change_authorship(server):
    zhang = server.login("zhang")
    cid = server.customers["zhang1"]
    out = zhang.push(upd(1, "customer", cid, 1, {"manager_id": (zhang.user_id, server.users["li"])}),
                     ins(2, "customer", str(uuid.uuid4()), customer_values(code="N2", manager_id=server.users["li"])),
                     ins(3, "visit", str(uuid.uuid4()), visit_values(cid, manager_id=server.users["li"])))
    assert [o["reason"].split(":")[0] for o in out] == ["read_only_field", "forbidden_value", "forbidden_value"]
    assert _row(server, "customer", cid)["values"]["manager_id"] == zhang.user_id


def test_lead_can_reassign_within_the_team_only(server):
    lead = server.login("lead1")
    cid = server.customers["zhang1"]
    out = lead.push(upd(1, "customer", cid, 1, {"manager_id": (server.users["zhang"], server.users["li"])}),
                    upd(2, "customer", cid, 2, {"manager_id": (server.users["li"], server.users["zhao"])}))
    assert out[0]["status"] == "applied"
    assert out[1]["reason"].startswith("forbidden_value")
    assert _row(server, "customer", cid)["manager_id"] == server.users["li"]


def test_immutable_parent_reference(server):
    zhang = server.login("zhang")
    cid, other = server.customers["zhang1"], server.customers["zhang2"]
    visit = str(uuid.uuid4())
    zhang.push(ins(1, "visit", visit, visit_values(cid)))
    out = zhang.push(upd(2, "visit", visit, 1, {"customer_id": (cid, other)}))
    assert out[0]["reason"].startswith("read_only_field")


def test_insert_of_an_existing_id(server):
    zhang, li = server.login("zhang"), server.login("li")
    cid = str(uuid.uuid4())
    values = customer_values(code="DUP")
    assert zhang.push(ins(1, "customer", cid, values))[0]["status"] == "applied"
    # The same client journals the insert again (another seq): idempotent, nothing changes.
    again = zhang.push(ins(2, "customer", cid, values))[0]
    assert (again["status"], again["version"]) == ("applied", 1)
    # Another client using the same id: refused.
    assert li.push(ins(1, "customer", cid, customer_values(code="DUP2")))[0]["reason"].startswith("duplicate_id")
    assert _row(server, "customer", cid)["values"]["code"] == "DUP"


def test_insert_missing_required_field_rejected(server):
    zhang = server.login("zhang")
    values = customer_values()
    del values["licence_no"]
    out = zhang.push(ins(1, "customer", str(uuid.uuid4()), values))
    assert out[0]["status"] == "rejected" and "licence_no" in out[0]["reason"]


def test_wrongly_typed_values_rejected_per_mutation(server):
    zhang = server.login("zhang")
    cid = server.customers["zhang1"]
    cases = {"grade": "12", "modern_terminal": "yes", "tags": "a,b", "licence_expiry": "30/06/2030",
             "market_type": "suburban", "latitude": "north", "store_name": None}
    out = zhang.push(*[upd(i, "customer", cid, 1, {f: (None, v)}) for i, (f, v) in enumerate(cases.items(), 1)])
    assert all(o["status"] == "rejected" and o["reason"].startswith("invalid_value") for o in out), out
    assert _row(server, "customer", cid)["version"] == 1


# --- merges ------------------------------------------------------------------------


def test_stale_base_merges_field_by_field(server):
    zhang, lead = server.login("zhang"), server.login("lead1")
    cid = server.customers["zhang1"]
    assert lead.push(upd(1, "customer", cid, 1, {"route": ("R01", "R07")}))[0]["status"] == "applied"
    out = zhang.push(upd(1, "customer", cid, 1, {"phone": ("13812345678", "13911112222")}))[0]
    assert out["status"] == "merged" and out["version"] == 3
    assert out["values"]["route"] == "R07" and out["values"]["phone"] == "13911112222"


def test_same_value_on_both_sides_is_merged_without_a_new_version(server):
    zhang, lead = server.login("zhang"), server.login("lead1")
    cid = server.customers["zhang1"]
    lead.push(upd(1, "customer", cid, 1, {"grade": (12, 18)}))
    out = zhang.push(upd(1, "customer", cid, 1, {"grade": (12, 18)}))[0]
    assert (out["status"], out["version"], out["conflict_id"]) == ("merged", 2, None)
    assert _count(server, conflicts) == 0


def test_conflict_keeps_server_value_and_records_both(server):
    zhang, lead = server.login("zhang"), server.login("lead1")
    cid = server.customers["zhang1"]
    lead.push(upd(1, "customer", cid, 1, {"grade": (12, 18)}))
    out = zhang.push(upd(1, "customer", cid, 1, {"grade": (12, 14), "route": ("R01", "R03")}))[0]
    assert out["status"] == "conflict" and out["conflict_id"]
    assert out["values"]["grade"] == 18 and out["values"]["route"] == "R03"
    listed = zhang.get("/api/v1/conflicts").json()["conflicts"]
    (record,) = listed
    assert record["id"] == out["conflict_id"] and record["entity"] == "customer" and record["row_id"] == cid
    assert record["fields"] == [{"field": "grade", "base": 12, "server": 18, "client": 14, "merged": 18,
                                 "resolution": "server_kept"}]
    assert record["username"] == "zhang"


def test_free_text_keeps_both_and_notes_the_conflict(server):
    zhang, lead = server.login("zhang"), server.login("lead1")
    cid = server.customers["zhang1"]
    lead.push(upd(1, "customer", cid, 1, {"needs": ("", "周五补货")}))
    out = zhang.push(upd(1, "customer", cid, 1, {"needs": ("", "需要新价签")}))[0]
    assert out["status"] == "conflict"
    assert out["values"]["needs"] == "周五补货\n——\n需要新价签"
    record = zhang.get("/api/v1/conflicts").json()["conflicts"][0]
    assert record["fields"][0]["resolution"] == "kept_both"


def _visit_with_answer(h, author):
    s = h.login(author)
    cid = h.customers[f"{author}1"]
    visit, answer = str(uuid.uuid4()), str(uuid.uuid4())
    out = s.push(ins(1, "visit", visit, visit_values(cid)),
                 ins(2, "checklist_answer", answer, {"visit_id": visit, "item_key": "counter_clean",
                                                     "result": "pass", "count": None, "note": ""}))
    assert [o["status"] for o in out] == ["applied", "applied"]
    return s, visit, answer


def test_checklist_answer_visit_author_wins(server):
    zhang, _visit, answer = _visit_with_answer(server, "zhang")
    lead = server.login("lead1")
    assert lead.push(upd(1, "checklist_answer", answer, 1, {"result": ("pass", "fail")}))[0]["status"] == "applied"
    # zhang (the visit's author) edited offline from version 1: the author wins, still recorded.
    out = zhang.push(upd(3, "checklist_answer", answer, 1, {"result": ("pass", "na")}))[0]
    assert out["status"] == "conflict" and out["values"]["result"] == "na"
    record = [c for c in zhang.get("/api/v1/conflicts").json()["conflicts"] if c["id"] == out["conflict_id"]][0]
    assert record["fields"][0]["resolution"] == "author_won" and record["fields"][0]["server"] == "fail"
    # The other way round: a non-author's stale edit does not override the author.
    out = lead.push(upd(2, "checklist_answer", answer, 2, {"result": ("fail", "pass")}))[0]
    assert out["status"] == "conflict" and out["values"]["result"] == "na"


def test_own_queued_edits_with_the_same_base_are_not_conflicts(server):
    """A client journals several edits of one row offline, all with base = the version it saw."""
    zhang = server.login("zhang")
    cid = server.customers["zhang1"]
    out = zhang.push(upd(1, "customer", cid, 1, {"grade": (12, 13)}))
    out += zhang.push(upd(2, "customer", cid, 1, {"grade": (13, 14)}),   # a later batch, same base
                      dele(3, "customer", cid, 1))
    assert [o["status"] for o in out] == ["applied", "applied", "applied"]
    row = _row(server, "customer", cid)
    assert row["deleted"] is True and row["values"]["grade"] == 14


def test_update_of_a_row_deleted_on_the_server_is_a_conflict(server):
    zhang, lead = server.login("zhang"), server.login("lead1")
    cid = server.customers["zhang1"]
    lead.push(dele(1, "customer", cid, 1))
    out = zhang.push(upd(1, "customer", cid, 1, {"grade": (12, 16)}))[0]
    assert out["status"] == "conflict" and out["reason"].startswith("deleted_on_server")
    row = _row(server, "customer", cid)
    assert row["deleted"] is True and row["values"]["grade"] == 12  # the tombstone stays
    record = zhang.get("/api/v1/conflicts").json()["conflicts"][0]
    assert record["kind"] == "deleted_on_server" and record["fields"][0]["client"] == 16


def test_revive_with_current_base_is_applied(server):
    zhang = server.login("zhang")
    cid = server.customers["zhang1"]
    zhang.push(dele(1, "customer", cid, 1))
    out = zhang.push(upd(2, "customer", cid, 2, {"deleted": (True, False), "grade": (12, 11)}))[0]
    assert out["status"] == "applied"
    row = _row(server, "customer", cid)
    assert row["deleted"] is False and row["values"]["grade"] == 11


def test_delete_of_a_row_changed_since_is_a_conflict_and_the_row_stays(server):
    zhang, lead = server.login("zhang"), server.login("lead1")
    cid = server.customers["zhang1"]
    lead.push(upd(1, "customer", cid, 1, {"notes": ("", "重要客户")}))
    out = zhang.push(dele(1, "customer", cid, 1))[0]
    assert out["status"] == "conflict" and out["reason"].startswith("changed_on_server")
    assert _row(server, "customer", cid)["deleted"] is False
    # Deleting again from the current version settles it.
    assert zhang.push(dele(2, "customer", cid, 2))[0]["status"] == "applied"


def test_delete_is_idempotent(server):
    zhang = server.login("zhang")
    cid = server.customers["zhang1"]
    a = zhang.push(dele(1, "customer", cid, 1))[0]
    b = zhang.push(dele(2, "customer", cid, 2))[0]
    assert (a["status"], b["status"], a["version"], b["version"]) == ("applied", "applied", 2, 2)


def test_visit_children_and_follow_up(server):
    zhang = server.login("zhang")
    cid, other = server.customers["zhang1"], server.customers["zhang2"]
    visit, note, fu, att = (str(uuid.uuid4()) for _ in range(4))
    sha = "ab" * 32
    out = zhang.push(
        ins(1, "visit", visit, visit_values(cid)),
        ins(2, "visit_note", note, {"visit_id": visit, "needs": "要新品"}),
        ins(3, "follow_up", fu, {"customer_id": cid, "visit_id": visit, "title": "补价签", "status": "open"}),
        ins(4, "attachment", att, {"visit_id": visit, "sha256": sha, "filename": "a.jpg", "mime_type": "image/jpeg",
                                   "size_bytes": 10}),
        ins(5, "follow_up", str(uuid.uuid4()), {"customer_id": other, "visit_id": visit, "title": "x",
                                               "status": "open"}),
        ins(6, "visit_note", str(uuid.uuid4()), {"visit_id": "no-such-visit"}),
    )
    assert [o["status"] for o in out[:4]] == ["applied"] * 4
    assert out[4]["reason"].startswith("invalid_value") and out[5]["reason"].startswith("not_found")
    other_visit = str(uuid.uuid4())
    out = zhang.push(ins(7, "visit", other_visit, visit_values(other)),
                     upd(8, "follow_up", fu, 1, {"visit_id": (visit, other_visit)}))
    assert out[0]["status"] == "applied" and out[1]["reason"].startswith("invalid_value")
    assert _row(server, "visit_note", note)["customer_id"] == cid
    assert _row(server, "attachment", att)["photo_sha256"] == sha


def test_too_many_mutations_is_413(server):
    zhang = server.login("zhang")
    cid = server.customers["zhang1"]
    r = zhang.post("/api/v1/sync/push", {"client_id": zhang.client_id, "mutations": [
        upd(i, "customer", cid, 1, {"grade": (12, 13)}) for i in range(501)]})
    assert r.status_code == 413 and r.json()["code"] == "too_many_mutations"
    assert _row(server, "customer", cid)["version"] == 1


def test_client_id_belongs_to_one_user(server):
    zhang, li = server.login("zhang"), server.login("li")
    zhang.push(upd(1, "customer", server.customers["zhang1"], 1, {"grade": (12, 13)}))
    li.client_id = zhang.client_id
    r = li.post("/api/v1/sync/push", {"client_id": zhang.client_id, "mutations": [
        upd(1, "customer", server.customers["li1"], 1, {"grade": (12, 13)})]})
    assert r.status_code == 409 and r.json()["code"] == "client_bound_to_other_user"
    assert "grade" not in r.text  # zhang's stored outcome is not handed out


def test_new_customer_with_its_visit_and_edits_in_one_batch(any_server):
    """Rows inserted earlier in a batch are in scope for the mutations after them (nothing loaded yet)."""
    zhang = any_server.login("zhang")
    cid, visit, note = (str(uuid.uuid4()) for _ in range(3))
    out = zhang.push(ins(1, "customer", cid, customer_values(code="NEW1")),
                     upd(2, "customer", cid, 0, {"phone": ("13812345678", "13900000001")}),
                     ins(3, "visit", visit, visit_values(cid)),
                     ins(4, "visit_note", note, {"visit_id": visit, "needs": "要新品"}),
                     upd(5, "visit", visit, 0, {"status": ("in_progress", "completed")}))
    assert [o["status"] for o in out] == ["applied"] * 5, out
    assert _row(any_server, "customer", cid)["values"]["phone"] == "13900000001"
    assert _row(any_server, "visit_note", note)["customer_id"] == cid
    assert _row(any_server, "visit", visit)["values"]["status"] == "completed"
