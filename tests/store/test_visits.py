"""The visit day in the store: lifecycle, journal entries, refusals, template versions, attendance."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta, timezone

import pytest
from PIL import Image
from sqlalchemy import select

from fieldapp.core.entities import (
    AnswerResult,
    ChecklistItem,
    ChecklistTemplate,
    FollowUpStatus,
    ItemKind,
    VisitStatus,
    VisitType,
)
from fieldapp.store import visits as V
from fieldapp.store.customers import save_customer
from fieldapp.store.db import write_transaction
from fieldapp.store.photos import attach_photo, photos_by_item
from fieldapp.store.schema import change_journal, checklist_answers, follow_ups, visit_notes
from fieldapp.store.templates import DEFAULT_TEMPLATE_CODE, current_template, get_template, install_template

from ..conftest import make_customer

TZ = timezone(timedelta(hours=8))
T0 = datetime(2026, 11, 23, 9, 30, tzinfo=TZ)
MANAGER = "mgr-wang"


def counter_template(version: int = 1, *, extra: list[ChecklistItem] = (), template_id: str | None = None
                     ) -> ChecklistTemplate:
    """A small counter-arrangement checklist: weights 20/30/30/20, one photo item, one optional item."""
    items = [
        ChecklistItem("counter_clean", "柜台整洁", "Counter clean and tidy", ItemKind.PASS_FAIL, 20),
        ChecklistItem("display", "卷烟出样", "Brand display standard", ItemKind.COUNT, 30, photo_required=True),
        ChecklistItem("price_tags", "明码标价", "Prices marked", ItemKind.NOTE, 30),
        ChecklistItem("minors_sign", "不向未成年人售烟标识", "No sales to minors sign", ItemKind.PASS_FAIL, 20,
                      required=False),
        *extra,
    ]
    kwargs = {"id": template_id} if template_id else {}
    return ChecklistTemplate(code=DEFAULT_TEMPLATE_CODE, name_zh="柜台整理", name_en="Counter arrangement", version=version,
                             items=items, **kwargs)


def jpeg_bytes(color=(200, 30, 30), size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def setup_customer(engine, **overrides) -> str:
    customer = make_customer(**overrides)
    with write_transaction(engine) as conn:
        save_customer(conn, customer)
    return customer.id


@pytest.fixture
def customer_id(engine) -> str:
    with write_transaction(engine) as conn:
        install_template(conn, counter_template())
    return setup_customer(engine)


def journal(engine, entity: str | None = None, row_id: str | None = None) -> list[dict]:
    stmt = select(change_journal).order_by(change_journal.c.seq)
    if entity:
        stmt = stmt.where(change_journal.c.entity == entity)
    if row_id:
        stmt = stmt.where(change_journal.c.row_id == row_id)
    with engine.connect() as conn:
        return [dict(r, changes=json.loads(r["changes"])) for r in conn.execute(stmt).mappings()]


def start(engine, customer_id, now=T0, **kwargs) -> V.Visit:
    with write_transaction(engine) as conn:
        return V.start_visit(conn, customer_id, VisitType.INSPECTION, MANAGER, now, **kwargs)


def answer(engine, visit_id, key, **fields):
    with write_transaction(engine) as conn:
        return V.set_answer(conn, visit_id, key, **fields)


def answer_all_passing(engine, visit_id):
    answer(engine, visit_id, "counter_clean", result=AnswerResult.PASS)
    answer(engine, visit_id, "display", result=AnswerResult.PASS, count=12)
    answer(engine, visit_id, "price_tags", result=AnswerResult.PASS)


# --- the whole visit ----------------------------------------------------------


def test_whole_visit_lifecycle_rows_and_journal(engine, profile, customer_id):
    visit = start(engine, customer_id, position=(28.19, 113.05))
    entries = journal(engine, "visit", visit.id)
    assert [e["op"] for e in entries] == ["insert"]
    assert entries[0]["changes"]["check_in_at"] == [None, T0.isoformat(timespec="seconds")]
    assert entries[0]["changes"]["status"] == [None, "in_progress"]
    assert entries[0]["changes"]["template_version"] == [None, 1]
    assert entries[0]["changes"]["latitude"] == [None, 28.19]

    # Checklist answers, saved field by field as they are entered.
    first = answer(engine, visit.id, "counter_clean", result=AnswerResult.PASS)
    assert first.op == "insert"
    assert answer(engine, visit.id, "counter_clean", result=AnswerResult.PASS).op == "none"  # unchanged: nothing
    answer(engine, visit.id, "counter_clean", result=AnswerResult.FAIL)
    answer(engine, visit.id, "display", result="pass")
    answer(engine, visit.id, "display", count=12)
    answer(engine, visit.id, "price_tags", result=AnswerResult.FAIL)
    answer(engine, visit.id, "price_tags", note="价签与实际售价不一致")
    clean_entries = journal(engine, "checklist_answer", first.row_id)
    assert [e["op"] for e in clean_entries] == ["insert", "update"]
    assert clean_entries[0]["changes"] == {"visit_id": [None, visit.id], "item_key": [None, "counter_clean"],
                                           "result": [None, "pass"]}
    assert clean_entries[1]["changes"] == {"result": ["pass", "fail"]}
    with engine.connect() as conn:
        rows = conn.execute(select(checklist_answers).where(checklist_answers.c.visit_id == visit.id)).mappings().all()
    assert {r["item_key"]: (r["result"], r["count"], r["note"]) for r in rows} == {
        "counter_clean": ("fail", None, ""), "display": ("pass", 12, ""),
        "price_tags": ("fail", None, "价签与实际售价不一致")}

    # Visit note: each debounced field save is one journal entry with the right old and new value.
    saves = [("needs", "希望增加黄鹤楼供货"), ("needs", "希望增加黄鹤楼（1916）供货"), ("complaints", "送货晚了两天"),
             ("needs", "希望增加黄鹤楼（1916）供货")]
    results = []
    for field, value in saves:
        with write_transaction(engine) as conn:
            results.append(V.save_visit_note_field(conn, visit.id, field, value))
    assert [r.op for r in results] == ["insert", "update", "update", "none"]
    note_entries = journal(engine, "visit_note", results[0].row_id)
    assert [e["changes"] for e in note_entries] == [
        {"visit_id": [None, visit.id], "needs": [None, "希望增加黄鹤楼供货"]},
        {"needs": ["希望增加黄鹤楼供货", "希望增加黄鹤楼（1916）供货"]},
        {"complaints": ["", "送货晚了两天"]},
    ]
    with engine.connect() as conn:
        note = V.get_visit_note(conn, visit.id)
        assert conn.execute(select(visit_notes.c.id).where(visit_notes.c.visit_id == visit.id)).scalars().all() == [
            note.id]
    assert (note.needs, note.complaints, note.concerns) == ("希望增加黄鹤楼（1916）供货", "送货晚了两天", "")

    # A photo for the display item, and a follow-up written during the visit.
    with write_transaction(engine) as conn:
        attachment = attach_photo(conn, profile, visit.id, "display", jpeg_bytes())
        follow_up = V.add_follow_up(conn, customer_id, "下周带新品宣传册", date(2026, 11, 30), owner_id=MANAGER,
                                    visit_id=visit.id)
    assert [e["op"] for e in journal(engine, "attachment", attachment.id)] == ["insert"]
    fu_entries = journal(engine, "follow_up", follow_up.id)
    assert fu_entries[0]["changes"]["due_date"] == [None, "2026-11-30"]
    assert fu_entries[0]["changes"]["status"] == [None, "open"]

    # Check-out: completed, score of the visit's template stored, follow-ups proposed for the failed items.
    with write_transaction(engine) as conn:
        result = V.check_out(conn, visit.id, T0 + timedelta(minutes=25))
    assert result.visit.status is VisitStatus.COMPLETED
    assert result.duration == timedelta(minutes=25)
    # Applicable: clean 20 (fail) + display 30 (pass) + price 30 (fail) -> 30 / 80.
    assert result.score.score == 37.5
    assert [p.source_item_key for p in result.proposed_follow_ups] == ["counter_clean", "price_tags"]
    assert result.proposed_follow_ups[1].title == "明码标价（价签与实际售价不一致）"
    assert result.proposed_follow_ups[0].due_date == date(2026, 11, 30)
    assert all(p.owner_id == MANAGER and p.visit_id == visit.id for p in result.proposed_follow_ups)
    visit_entries = journal(engine, "visit", visit.id)
    assert [e["op"] for e in visit_entries] == ["insert", "update"]
    assert visit_entries[1]["changes"] == {
        "check_out_at": [None, (T0 + timedelta(minutes=25)).isoformat(timespec="seconds")],
        "status": ["in_progress", "completed"], "score": [None, 37.5]}
    with engine.connect() as conn:
        stored = V.get_visit(conn, visit.id)
        assert V.visit_in_progress(conn) is None
        assert conn.execute(select(follow_ups.c.id).where(follow_ups.c.visit_id == visit.id)).scalars().all() == [
            follow_up.id]  # proposals are not stored until confirmed
    assert stored.status is VisitStatus.COMPLETED and stored.score == 37.5
    assert V.visit_duration(stored) == timedelta(minutes=25)

    # The user confirms one proposal.
    with write_transaction(engine) as conn:
        V.create_follow_ups(conn, result.proposed_follow_ups[1:])
        confirmed = V.follow_ups_for_visit(conn, visit.id)
    assert {f.title for f in confirmed} == {"下周带新品宣传册", "明码标价（价签与实际售价不一致）"}
    assert journal(engine, "follow_up", result.proposed_follow_ups[1].id)[0]["op"] == "insert"


def test_notes_can_still_be_written_after_check_out_but_answers_cannot(engine, profile, customer_id):
    visit = start(engine, customer_id)
    answer_all_passing(engine, visit.id)
    with write_transaction(engine) as conn:
        attach_photo(conn, profile, visit.id, "display", jpeg_bytes())
        V.check_out(conn, visit.id, T0 + timedelta(minutes=10))
    with write_transaction(engine) as conn:
        assert V.save_visit_note_field(conn, visit.id, "advice", "建议调整陈列").op == "insert"
    before = len(journal(engine))
    with pytest.raises(V.VisitClosed) as refused, write_transaction(engine) as conn:
        V.set_answer(conn, visit.id, "counter_clean", result=AnswerResult.FAIL)
    assert refused.value.message.context == "Visit"
    with pytest.raises(V.VisitClosed), write_transaction(engine) as conn:
        V.check_out(conn, visit.id, T0 + timedelta(minutes=20))
    assert len(journal(engine)) == before


def test_unknown_note_field_and_unknown_item_are_refused(engine, customer_id):
    visit = start(engine, customer_id)
    with pytest.raises(ValueError), write_transaction(engine) as conn:
        V.save_visit_note_field(conn, visit.id, "score", "100")
    with pytest.raises(V.VisitError) as refused, write_transaction(engine) as conn:
        V.set_answer(conn, visit.id, "no_such_item", result=AnswerResult.PASS)
    assert refused.value.message.params["key"] == "no_such_item"


# --- only one visit in progress ---------------------------------------------------


def test_only_one_visit_in_progress(engine, profile, customer_id):
    other_customer = setup_customer(engine, code="C0002", licence_no="430121100002", store_name="李家超市")
    visit = start(engine, customer_id)
    before = len(journal(engine))
    with pytest.raises(V.VisitAlreadyInProgress) as refused:
        start(engine, other_customer, T0 + timedelta(minutes=5))
    assert refused.value.visit_id == visit.id
    assert refused.value.message.params["store"] == "王记便利店"
    assert "Only one visit" in refused.value.message.render()
    assert len(journal(engine)) == before  # nothing written
    with engine.connect() as conn:
        assert V.visit_in_progress(conn).id == visit.id
        assert V.visit_in_progress(conn, MANAGER).id == visit.id
        assert V.visit_in_progress(conn, "someone-else") is None

    answer_all_passing(engine, visit.id)
    with write_transaction(engine) as conn:
        attach_photo(conn, profile, visit.id, "display", jpeg_bytes())
        V.check_out(conn, visit.id, T0 + timedelta(minutes=15))
    second = start(engine, other_customer, T0 + timedelta(minutes=30))
    with engine.connect() as conn:
        assert V.visit_in_progress(conn).id == second.id


def test_discarded_visit_frees_the_slot_and_tombstones_its_records(engine, profile, customer_id):
    visit = start(engine, customer_id)
    answer(engine, visit.id, "counter_clean", result=AnswerResult.PASS)
    with write_transaction(engine) as conn:
        V.save_visit_note_field(conn, visit.id, "needs", "x")
        attachment = attach_photo(conn, profile, visit.id, None, jpeg_bytes())
        V.discard_visit(conn, visit.id)
    with engine.connect() as conn:
        assert V.visit_in_progress(conn) is None
        assert V.get_visit(conn, visit.id) is None
        assert photos_by_item(conn, visit.id) == {}
    deletes = {(e["entity"], e["row_id"]) for e in journal(engine) if e["op"] == "delete"}
    assert ("visit", visit.id) in deletes and ("attachment", attachment.id) in deletes
    assert {e for e, _ in deletes} == {"visit", "checklist_answer", "visit_note", "attachment"}
    start(engine, customer_id, T0 + timedelta(minutes=3))


# --- check-out refusal -------------------------------------------------------------


def test_check_out_refused_with_everything_missing_then_accepted(engine, profile, customer_id):
    visit = start(engine, customer_id)
    answer(engine, visit.id, "display", result=AnswerResult.PASS, count=8)  # photo still missing
    answer(engine, visit.id, "counter_clean", result=AnswerResult.PASS)
    before = len(journal(engine))
    with pytest.raises(V.CheckOutRefused) as refused, write_transaction(engine) as conn:
        V.check_out(conn, visit.id, T0 + timedelta(minutes=10))
    missing = refused.value.messages
    # Template order: the display photo, then the unanswered required price item; the optional item is not asked for.
    assert [m.params["key"] for m in missing] == ["display", "price_tags"]
    assert "photo" in missing[0].render() and "not answered" in missing[1].render()
    assert all(m.context == "Checklist" for m in missing)
    assert len(journal(engine)) == before
    with engine.connect() as conn:
        assert V.get_visit(conn, visit.id).status is VisitStatus.IN_PROGRESS
        assert [m.params["key"] for m in V.missing_for_check_out(conn, visit.id)] == ["display", "price_tags"]

    answer(engine, visit.id, "price_tags", result=AnswerResult.PASS)
    with pytest.raises(V.CheckOutRefused) as refused, write_transaction(engine) as conn:
        V.check_out(conn, visit.id, T0 + timedelta(minutes=11))
    assert [m.params["key"] for m in refused.value.messages] == ["display"]

    with write_transaction(engine) as conn:
        attach_photo(conn, profile, visit.id, "display", jpeg_bytes())
        result = V.check_out(conn, visit.id, T0 + timedelta(minutes=12))
    assert result.score.score == 100.0
    assert result.proposed_follow_ups == []


def test_failed_item_with_open_follow_up_is_not_proposed_again(engine, profile, customer_id):
    with write_transaction(engine) as conn:
        V.add_follow_up(conn, customer_id, "柜台整洁待整改", date(2026, 11, 25), source_item_key="counter_clean")
    visit = start(engine, customer_id)
    answer_all_passing(engine, visit.id)
    answer(engine, visit.id, "counter_clean", result=AnswerResult.FAIL)
    answer(engine, visit.id, "minors_sign", result=AnswerResult.FAIL)
    with write_transaction(engine) as conn:
        attach_photo(conn, profile, visit.id, "display", jpeg_bytes())
        result = V.check_out(conn, visit.id, T0 + timedelta(minutes=12), follow_up_due=date(2026, 12, 1))
    assert [(p.source_item_key, p.due_date) for p in result.proposed_follow_ups] == [
        ("minors_sign", date(2026, 12, 1))]


# --- template versions ---------------------------------------------------------------


def test_visit_keeps_the_template_version_it_started_with(engine, profile, customer_id):
    visit = start(engine, customer_id)
    with engine.connect() as conn:
        v1 = current_template(conn)
    assert (visit.template_id, visit.template_version) == (v1.id, 1)

    # A newer version arrives mid-visit (by sync) with an extra required item.
    extra = ChecklistItem("licence_shown", "许可证悬挂", "Licence displayed", ItemKind.PASS_FAIL, 10)
    with write_transaction(engine) as conn:
        install_template(conn, counter_template(2, extra=[extra]))
        assert current_template(conn).version == 2
        assert get_template(conn, v1.id).version == 1
    with pytest.raises(V.VisitError):
        answer(engine, visit.id, "licence_shown", result=AnswerResult.PASS)
    answer_all_passing(engine, visit.id)
    with write_transaction(engine) as conn:
        attach_photo(conn, profile, visit.id, "display", jpeg_bytes())
        # Not refused for the new required item: the visit is checked against version 1.
        result = V.check_out(conn, visit.id, T0 + timedelta(minutes=5))
        stored = V.get_visit(conn, visit.id)
    assert result.score.score == 100.0
    assert (stored.template_id, stored.template_version) == (v1.id, 1)

    nxt = start(engine, customer_id, T0 + timedelta(hours=1))
    assert nxt.template_version == 2
    with pytest.raises(V.CheckOutRefused) as refused, write_transaction(engine) as conn:
        V.check_out(conn, nxt.id, T0 + timedelta(hours=2))
    assert "licence_shown" in [m.params["key"] for m in refused.value.messages]


def test_visit_without_any_template_has_no_checklist(engine):
    customer_id = setup_customer(engine)
    visit = start(engine, customer_id)
    assert visit.template_id is None
    with write_transaction(engine) as conn:
        result = V.check_out(conn, visit.id, T0 + timedelta(minutes=3))
    assert result.score is None and result.visit.score is None


# --- follow-ups --------------------------------------------------------------


def test_follow_up_update_and_close_are_journaled_per_changed_field(engine, customer_id):
    with write_transaction(engine) as conn:
        follow_up = V.add_follow_up(conn, customer_id, "回访价签", date(2026, 12, 1))
    with write_transaction(engine) as conn:
        assert V.update_follow_up(conn, follow_up.id, due_date=date(2026, 12, 3), owner_id="mgr-li").op == "update"
        assert V.update_follow_up(conn, follow_up.id, due_date=date(2026, 12, 3)).op == "none"
        V.close_follow_up(conn, follow_up.id)
        stored = V.get_follow_up(conn, follow_up.id)
    assert stored.status is FollowUpStatus.DONE and stored.due_date == date(2026, 12, 3)
    assert [e["changes"] for e in journal(engine, "follow_up", follow_up.id)][1:] == [
        {"due_date": ["2026-12-01", "2026-12-03"], "owner_id": [None, "mgr-li"]},
        {"status": ["open", "done"]},
    ]
    with pytest.raises(V.VisitError) as refused, write_transaction(engine) as conn:
        V.add_follow_up(conn, customer_id, "   ")
    assert refused.value.message.context == "Visit"


# --- attendance ----------------------------------------------------------------


def test_working_day_start_and_end(engine, customer_id):
    with write_transaction(engine) as conn:
        day = V.start_working_day(conn, MANAGER, T0 - timedelta(hours=1), (28.2, 113.0))
    assert day.work_date == date(2026, 11, 23) and day.is_open
    with pytest.raises(V.AttendanceError), write_transaction(engine) as conn:
        V.start_working_day(conn, MANAGER, T0)
    visit = start(engine, customer_id)
    with pytest.raises(V.AttendanceError) as refused, write_transaction(engine) as conn:
        V.end_working_day(conn, MANAGER, T0 + timedelta(hours=1))
    assert refused.value.message.params["store"] == "王记便利店"
    with write_transaction(engine) as conn:
        V.discard_visit(conn, visit.id)
        ended = V.end_working_day(conn, MANAGER, T0 + timedelta(hours=8), (28.3, 113.1))
    assert ended.ended_at == T0 + timedelta(hours=8)
    entries = journal(engine, "attendance", day.id)
    assert [e["op"] for e in entries] == ["insert", "update"]
    assert entries[1]["changes"]["ended_at"] == [None, (T0 + timedelta(hours=8)).isoformat(timespec="seconds")]
    # Back to work after ending the day: the same day reopens.
    with write_transaction(engine) as conn:
        again = V.start_working_day(conn, MANAGER, T0 + timedelta(hours=9))
        assert again.id == day.id and again.is_open
        assert V.open_working_day(conn, MANAGER).id == day.id
        assert [d.id for d in V.working_days(conn, MANAGER, date(2026, 11, 1), date(2026, 11, 30))] == [day.id]
    with pytest.raises(V.AttendanceError), write_transaction(engine) as conn:
        V.end_working_day(conn, "never-started", T0)


def test_visits_of_day_and_duration_of_a_visit_in_progress(engine, customer_id):
    visit = start(engine, customer_id)
    with engine.connect() as conn:
        assert [v.id for v in V.visits_of_day(conn, date(2026, 11, 23))] == [visit.id]
        assert V.visits_of_day(conn, date(2026, 11, 24)) == []
        stored = V.get_visit(conn, visit.id)
    assert V.visit_duration(stored) is None
    assert V.visit_duration(stored, T0 + timedelta(minutes=7)) == timedelta(minutes=7)
    assert V.visit_duration(stored, T0 - timedelta(minutes=7)) == timedelta(0)  # clock set back


def test_migration_0004_upgrades_a_database_with_visits(profile):
    """A 0003 database holding a visit in progress is upgraded: the visit is kept and still resumable."""
    from sqlalchemy import inspect

    from fieldapp.store.migrate import open_profile_database
    from fieldapp.store.schema import attendance

    from .dbtools import create_database_at

    old = create_database_at(profile, "0003")
    now = "2026-11-23T01:00:00.000+00:00"
    with write_transaction(old) as conn:
        conn.exec_driver_sql(
            "INSERT INTO customers (id, created_at, updated_at, deleted, version, code, licence_no, store_name, owner,"
            " market_type, business_format, grade, customer_class, tags, status, search_key)"
            " VALUES ('c1', ?, ?, 0, 3, 'C1', '430121100001', '王记便利店', '王', 'rural', 'grocery', 5, 'C', '[]',"
            " 'active', 1)", (now, now))
        conn.exec_driver_sql(
            "INSERT INTO visits (id, created_at, updated_at, deleted, version, customer_id, visit_type, status,"
            " manager_id, check_in_at) VALUES ('v1', ?, ?, 0, 2, 'c1', 'service', 'in_progress', ?, ?)",
            (now, now, MANAGER, T0.isoformat(timespec="seconds")))
    old.dispose()
    engine = open_profile_database(profile)
    try:
        inspector = inspect(engine)
        assert {c["name"] for c in inspector.get_columns("attendance")} == set(attendance.c.keys())
        assert "ix_visits_live_customer" in {i["name"] for i in inspector.get_indexes("visits")}
        with write_transaction(engine) as conn:
            resumed = V.visit_in_progress(conn, MANAGER)
            assert (resumed.id, resumed.check_in_at) == ("v1", T0)
            assert V.save_visit_note_field(conn, "v1", "needs", "升级后继续").op == "insert"
            assert V.start_working_day(conn, MANAGER, T0).work_date == date(2026, 11, 23)
    finally:
        engine.dispose()
