"""End to end, team lead workspace: the real server process and real laptops (a manager, a backup, a lead).

- review: manager A visits offline and syncs; the lead pulls, returns the visit with a reason; A syncs,
  sees it flagged, corrects it while the lead adds a comment, resubmits; the lead approves; both laptops
  show the same history;
- template publishing: the checklist A uses is a version the lead published from their laptop;
- AB cover: a period the lead records offline gives B A's customers only while it runs, B's visit is
  credited on behalf of A, and moving the period into the past takes the customers away again.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from fieldapp.core.entities import AnswerResult, ChecklistItem, ItemKind, VisitType
from fieldapp.core.review import ReviewStatus
from fieldapp.store import cover as C
from fieldapp.store import reviews as R
from fieldapp.store import visits as V
from fieldapp.store.db import write_transaction
from fieldapp.store.publishing import publish_template_version

from .e2e import assert_converged, unique

pytestmark = pytest.mark.slow


def ok(laptop):
    report = laptop.sync()
    assert report.status == "ok", (laptop.name, report.message, [(c.entity, c.reason) for c in
                                                                 laptop.open_conflicts()])
    return report


def act(laptop, fn, *args, **kwargs):
    with write_transaction(laptop.engine) as conn:
        return fn(conn, *args, **kwargs)


def read(laptop, fn, *args, **kwargs):
    with laptop.engine.connect() as conn:
        return fn(conn, *args, **kwargs)


def history(laptop, visit_id):
    return [(line.event.position, line.event.action.value, line.event.text, line.status.value, line.state,
             line.author_name) for line in read(laptop, R.review_history, visit_id)]


def test_return_correct_resubmit_approve(live_server, laptops, team):
    names = team(managers=1, lead=True)
    lead = laptops(live_server.url, names["lead"], name="lead")
    a = laptops(live_server.url, names["m1"], name="A")
    boss, me = read(lead, R.current_reviewer), read(a, R.current_reviewer)
    assert boss.role.value == "lead" and me.user_id == a.user.id

    # The lead publishes the checklist the team will use; A gets it on the next sync.
    code = unique("counter_")
    template = act(lead, publish_template_version, code, "柜台整理", "Counter arrangement", [
        ChecklistItem("counter_clean", "柜台整洁", "Counter clean", ItemKind.PASS_FAIL, 50),
        ChecklistItem("price_tags", "明码标价", "Prices marked", ItemKind.PASS_FAIL, 50)])
    ok(lead)
    ok(a)

    # A visits offline, with a failed item, and syncs.
    customer = a.new_customer(store_name="湘江便利店")
    now = datetime.now().astimezone().replace(microsecond=0)
    visit = act(a, V.start_visit, customer.id, VisitType.INSPECTION, a.user.id, now, template_code=code)
    assert (visit.template_id, visit.template_version) == (template.id, 1)
    act(a, V.set_answer, visit.id, "counter_clean", result=AnswerResult.PASS)
    act(a, V.set_answer, visit.id, "price_tags", result=AnswerResult.FAIL, note="价签缺失")
    act(a, V.check_out, visit.id, now + timedelta(minutes=15))
    ok(a)

    # The lead reviews what was synced and returns it with a reason.
    ok(lead)
    (queued,) = read(lead, R.review_queue, statuses=[ReviewStatus.NEW])
    assert (queued.visit_id, queued.failed_items, queued.score, queued.manager_name) == (
        visit.id, 1, 50.0, names["m1"])
    act(lead, R.return_visit, visit.id, "价签问题请更正后重新提交", boss, now + timedelta(hours=1))
    ok(lead)

    # A sees the visit flagged, corrects it; meanwhile the lead adds a comment. Both are kept.
    ok(a)
    assert [r.visit_id for r in read(a, R.returned_visits, a.user.id)] == [visit.id]
    act(a, V.reopen_for_correction, visit.id, a.user.id)
    act(a, V.set_answer, visit.id, "price_tags", result=AnswerResult.PASS, note="已补价签", for_correction=True)
    act(a, V.save_visit_note_field, visit.id, "advice", "已指导店主补齐价签")
    act(lead, R.comment_on_visit, visit.id, "注意陈列面", boss, now + timedelta(hours=2))
    ok(lead)
    act(a, R.resubmit_visit, visit.id, me, now + timedelta(hours=3), "已更正")
    ok(a)
    ok(a)  # pull the lead's comment too (and settle positions)

    # The lead approves.
    ok(lead)
    assert read(lead, R.review_status, visit.id) is ReviewStatus.RESUBMITTED
    assert read(lead, V.get_answers, visit.id)["price_tags"].result is AnswerResult.PASS
    act(lead, R.approve_visit, visit.id, boss, now + timedelta(hours=4))
    ok(lead)
    ok(a)

    expected = [(1, "return", "价签问题请更正后重新提交", "returned", "accepted", names["lead"]),
                (2, "comment", "注意陈列面", "returned", "accepted", names["lead"]),
                (3, "resubmit", "已更正", "resubmitted", "accepted", names["m1"]),
                (4, "approve", "", "approved", "accepted", names["lead"])]
    assert history(a, visit.id) == history(lead, visit.id) == expected
    assert read(a, R.review_status, visit.id) is ReviewStatus.APPROVED
    assert read(a, V.get_visit, visit.id).score == 100.0
    assert_converged(a)
    assert_converged(lead)


def test_cover_period_grants_only_inside_the_period(live_server, laptops, team):
    names = team(managers=2, lead=True)
    lead = laptops(live_server.url, names["lead"], name="lead")
    a = laptops(live_server.url, names["m1"], name="A")
    b = laptops(live_server.url, names["m2"], name="B")
    a_customers = [a.new_customer(store_name=f"甲{i}") for i in range(2)]
    ok(a)
    ok(b)
    ok(lead)
    assert not (b.ids() & {c.id for c in a_customers})

    # The lead records A's leave offline, B covering; B's own overlapping leave is refused at once.
    today = date.today()
    period = act(lead, C.record_cover, a.user.id, b.user.id, today - timedelta(days=1), today + timedelta(days=3),
                 "年假")
    with pytest.raises(C.CoverError, match="cannot be away at the same time"):
        act(lead, C.record_cover, b.user.id, a.user.id, today + timedelta(days=2), today + timedelta(days=4))
    ok(lead)

    # Inside the period B receives A's customers and visits on A's behalf.
    ok(b)
    assert {c.id for c in a_customers} <= b.ids()
    assert read(b, C.covered_managers, b.user.id, today) == [a.user.id]
    customer = a_customers[0].id
    on_behalf = read(b, V.on_behalf_for, customer, b.user.id, today)
    assert on_behalf == a.user.id
    now = datetime.now().astimezone().replace(microsecond=0)
    visit = act(b, V.start_visit, customer, VisitType.SERVICE, b.user.id, now, on_behalf_of=on_behalf,
                template_code=unique("none_"))
    act(b, V.check_out, visit.id, now + timedelta(minutes=10))
    ok(b)
    ok(a)
    credited = read(a, V.get_visit, visit.id)
    assert (credited.manager_id, credited.on_behalf_of) == (b.user.id, a.user.id)
    assert_converged(b)

    # The period is moved into the past (it ended yesterday): B's access ends.
    act(lead, C.change_cover_dates, period.id, today - timedelta(days=6), today - timedelta(days=1))
    ok(lead)
    report = ok(b)
    assert report.removed > 0
    assert not (b.ids() & {c.id for c in a_customers}) and visit.id not in b.ids("visit")
    assert read(b, V.on_behalf_for, customer, b.user.id, today) is None
    assert period.id in b.ids("cover_period")   # the record of the cover stays
    assert_converged(b)
    ok(a)
    assert_converged(a)
    assert_converged(lead)
