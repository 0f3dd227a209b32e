"""Visit review in the store: journaled events, derived status, refusals, correction and resubmission."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from fieldapp.core.entities import AnswerResult, ChecklistItem, ChecklistTemplate, ItemKind, VisitType
from fieldapp.core.protocol import Role
from fieldapp.core.review import ReviewAction, ReviewStatus
from fieldapp.store import reviews as R
from fieldapp.store import visits as V
from fieldapp.store.customers import save_customer
from fieldapp.store.db import write_transaction
from fieldapp.store.journal import utc_now, write_row
from fieldapp.store.schema import change_journal, visit_reviews, visits
from fieldapp.store.templates import DEFAULT_TEMPLATE_CODE, install_template

from ..conftest import make_customer

TZ = timezone(timedelta(hours=8))
T0 = datetime(2026, 11, 23, 9, 30, tzinfo=TZ)
MANAGER, LEAD, OTHER_LEAD = "mgr-a", "lead-1", "lead-2"
ME = R.Reviewer(MANAGER, Role.MANAGER, "team-1")
BOSS = R.Reviewer(LEAD, Role.LEAD, "team-1")
STRANGER = R.Reviewer(OTHER_LEAD, Role.LEAD, "team-2")


def simple_template() -> ChecklistTemplate:
    return ChecklistTemplate(code=DEFAULT_TEMPLATE_CODE, name_zh="柜台整理", name_en="Counter", version=1, items=[
        ChecklistItem("counter_clean", "柜台整洁", "Counter clean", ItemKind.PASS_FAIL, 50),
        ChecklistItem("price_tags", "明码标价", "Prices marked", ItemKind.PASS_FAIL, 50)])


@pytest.fixture
def visit_id(engine) -> str:
    """A checked-out visit of MANAGER with one failed item; team members known on this laptop."""
    with write_transaction(engine) as conn:
        install_template(conn, simple_template())
        customer = make_customer()
        save_customer(conn, customer)
        for uid, team, role in ((MANAGER, "team-1", "manager"), (LEAD, "team-1", "lead"),
                                (OTHER_LEAD, "team-2", "lead")):
            write_row(conn, "team_member", uid, {"username": uid, "display_name": uid.upper(), "role": role,
                                                 "team_id": team})
        visit = V.start_visit(conn, customer.id, VisitType.SERVICE, MANAGER, T0)
        V.set_answer(conn, visit.id, "counter_clean", result=AnswerResult.PASS)
        V.set_answer(conn, visit.id, "price_tags", result=AnswerResult.FAIL)
        V.check_out(conn, visit.id, T0 + timedelta(minutes=20))
    return visit.id


def act(engine, fn, *args):
    with write_transaction(engine) as conn:
        return fn(conn, *args)


def accept_all(engine) -> None:
    """What a sync does: the server accepts the pending events in journal order and numbers them."""
    with write_transaction(engine) as conn:
        entries = conn.execute(select(change_journal.c.seq, change_journal.c.row_id).where(
            change_journal.c.entity == "visit_review", change_journal.c.acked_at.is_(None))
            .order_by(change_journal.c.seq)).all()
        for seq, row_id in entries:
            visit = conn.execute(select(visit_reviews.c.visit_id).where(visit_reviews.c.id == row_id)).scalar()
            last = conn.execute(select(visit_reviews.c.position).where(
                visit_reviews.c.visit_id == visit, visit_reviews.c.position.is_not(None))
                .order_by(visit_reviews.c.position.desc())).scalar() or 0
            conn.execute(update(visit_reviews).where(visit_reviews.c.id == row_id).values(version=1,
                                                                                          position=last + 1))
            conn.execute(update(change_journal).where(change_journal.c.seq == seq).values(
                acked_at=utc_now(), outcome='{"status": "applied"}'))


def status(engine, visit_id):
    with engine.connect() as conn:
        return R.review_status(conn, visit_id)


def test_events_are_journaled_and_drive_the_status(engine, visit_id):
    assert status(engine, visit_id) is ReviewStatus.NEW
    event = act(engine, R.return_visit, visit_id, "价签不一致，请补拍", BOSS, T0 + timedelta(hours=2))
    with engine.connect() as conn:
        (entry,) = conn.execute(select(change_journal).where(change_journal.c.entity == "visit_review")).mappings()
        assert entry["op"] == "insert" and entry["row_id"] == event.id
        assert '"action": [null, "return"]' in entry["changes"] and '"author_id": [null, "lead-1"]' in entry["changes"]
        assert R.review_status(conn, visit_id) is ReviewStatus.RETURNED
        (flagged,) = R.returned_visits(conn, MANAGER)
        assert flagged.visit_id == visit_id and flagged.failed_items == 1 and flagged.manager_name == "MGR-A"
        assert R.available_actions(conn, visit_id, ME) == [ReviewAction.COMMENT, ReviewAction.RESUBMIT]
        assert R.available_actions(conn, visit_id, BOSS) == [ReviewAction.COMMENT, ReviewAction.APPROVE]
        assert R.available_actions(conn, visit_id, STRANGER) == []


def test_refusals_write_nothing(engine, visit_id):
    with pytest.raises(R.ReviewRefused, match="Only a lead"):
        act(engine, R.approve_visit, visit_id, ME, T0)
    with pytest.raises(R.ReviewRefused, match="Only a lead"):
        act(engine, R.approve_visit, visit_id, STRANGER, T0)        # another team's lead
    with pytest.raises(R.ReviewRefused, match="Say why"):
        act(engine, R.return_visit, visit_id, "", BOSS, T0)
    with pytest.raises(R.ReviewRefused, match="Only a returned visit"):
        act(engine, R.resubmit_visit, visit_id, ME, T0)
    with engine.connect() as conn:
        assert conn.execute(select(visit_reviews)).first() is None


def test_correction_and_resubmit(engine, visit_id):
    # Not returned: a checked-out visit stays closed.
    with pytest.raises(V.VisitClosed):
        act(engine, lambda c: V.set_answer(c, visit_id, "price_tags", result="pass", for_correction=True))
    act(engine, R.return_visit, visit_id, "价签不一致", BOSS, T0)
    accept_all(engine)
    with pytest.raises(V.VisitError, match="Only the visit's account manager"):
        act(engine, V.reopen_for_correction, visit_id, LEAD)
    act(engine, V.reopen_for_correction, visit_id, MANAGER)
    with pytest.raises(V.VisitClosed):  # the ordinary path stays closed
        act(engine, lambda c: V.set_answer(c, visit_id, "price_tags", result="pass"))
    act(engine, lambda c: V.set_answer(c, visit_id, "price_tags", result="pass", for_correction=True))
    act(engine, V.save_visit_note_field, visit_id, "advice", "已更正价签")
    act(engine, R.resubmit_visit, visit_id, ME, T0 + timedelta(hours=3), "已改正")
    with engine.connect() as conn:
        assert R.review_status(conn, visit_id) is ReviewStatus.RESUBMITTED
        assert conn.execute(select(visits.c.score).where(visits.c.id == visit_id)).scalar() == 100.0  # re-scored
        assert not V.correction_allowed(conn, visit_id)  # resubmitted: closed again
    with pytest.raises(V.VisitClosed):
        act(engine, lambda c: V.set_answer(c, visit_id, "price_tags", result="fail", for_correction=True))


def test_returned_visit_edited_while_the_lead_comments_keeps_both(engine, visit_id):
    act(engine, R.return_visit, visit_id, "请更正", BOSS, T0)
    accept_all(engine)
    # The manager corrects offline ...
    act(engine, lambda c: V.set_answer(c, visit_id, "price_tags", result="pass", for_correction=True))
    # ... while the lead's comment arrives (pulled: accepted by the server at position 2).
    with write_transaction(engine) as conn:
        conn.execute(visit_reviews.insert().values(
            id="lead-comment", created_at=utc_now(), updated_at=utc_now(), deleted=False, version=1,
            visit_id=visit_id, customer_id=V.get_visit(conn, visit_id).customer_id, author_id=LEAD,
            action="comment", text="另外注意陈列", created_at_client=T0.isoformat(), position=2))
    act(engine, R.resubmit_visit, visit_id, ME, T0 + timedelta(hours=1))
    with engine.connect() as conn:
        lines = R.review_history(conn, visit_id)
        assert [(line.event.action.value, line.status.value, line.state) for line in lines] == [
            ("return", "returned", "accepted"), ("comment", "returned", "accepted"),
            ("resubmit", "resubmitted", "pending")]
        assert lines[1].author_name == "LEAD-1" and lines[1].event.text == "另外注意陈列"
        assert V.get_answers(conn, visit_id)["price_tags"].result is AnswerResult.PASS


def test_refused_event_does_not_count(engine, visit_id):
    act(engine, R.approve_visit, visit_id, BOSS, T0)
    with write_transaction(engine) as conn:  # the server refused it (e.g. another lead returned it first)
        conn.execute(update(change_journal).where(change_journal.c.entity == "visit_review").values(
            acked_at=utc_now(), outcome='{"status": "rejected"}'))
    with engine.connect() as conn:
        assert R.review_status(conn, visit_id) is ReviewStatus.NEW
        assert [line.state for line in R.review_history(conn, visit_id)] == [R.REFUSED]


def test_review_queue_filters(engine, visit_id):
    act(engine, R.approve_visit, visit_id, BOSS, T0)
    with engine.connect() as conn:
        assert [r.visit_id for r in R.review_queue(conn)] == [visit_id]
        assert R.review_queue(conn, statuses=[ReviewStatus.NEW]) == []
        assert [r.status for r in R.review_queue(conn, manager_id=MANAGER)] == [ReviewStatus.APPROVED]
        assert R.review_queue(conn, manager_id="someone-else") == []
        assert R.review_queue(conn, first=T0.date() + timedelta(days=1)) == []
        assert R.review_queue(conn, first=T0.date(), last=T0.date())[0].store_name == "王记便利店"
        assert R.review_statuses(conn) == {visit_id: ReviewStatus.APPROVED}


def test_in_progress_visit_cannot_be_reviewed(engine, visit_id):
    with write_transaction(engine) as conn:
        customer = conn.execute(select(visits.c.customer_id).where(visits.c.id == visit_id)).scalar()
        other = V.start_visit(conn, customer, VisitType.SERVICE, MANAGER, T0 + timedelta(days=1))
    with pytest.raises(R.ReviewRefused, match="still in progress"):
        act(engine, R.approve_visit, other.id, BOSS, T0)
