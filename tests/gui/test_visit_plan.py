"""The plan view: reasons shown, manual add / drop / reorder kept across restarts, route order, week view."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QModelIndex, Qt

from fieldapp.core.entities import AnswerResult, VisitType
from fieldapp.gui.visit import AddCustomerDialog, PlanView
from fieldapp.gui.visit.plan_view import COLUMNS
from fieldapp.store import visits as V
from fieldapp.store.day_plans import load_day_plan
from fieldapp.store.db import write_transaction

from .test_visit_common import TODAY, TZ, add_customer, clock, customers, hub, template  # noqa: F401


def open_plan(qtbot, clock, mode: str = "today") -> PlanView:  # noqa: F811
    plan = PlanView(today=lambda: TODAY, now=clock)
    qtbot.addWidget(plan)
    plan.resize(1200, 700)
    plan.show()
    with qtbot.waitSignal(plan.sig_plan_loaded, timeout=5000):
        if mode == "today":
            plan.start()
        else:
            plan.set_mode(mode)
    return plan


def complete_visit(engine, customer_id: str, when: datetime, failed=()) -> str:
    with write_transaction(engine) as conn:
        visit = V.start_visit(conn, customer_id, VisitType.INSPECTION, None, when, template_code="counter_arrangement")
        template = V.visit_template(conn, visit)
        for item in template.items:
            result = AnswerResult.FAIL if item.key in failed else AnswerResult.NOT_APPLICABLE
            if item.key == "counter_clean" and item.key not in failed:
                result = AnswerResult.PASS
            V.set_answer(conn, visit.id, item.key, result=result, note="脏" if item.key in failed else None)
        V.check_out(conn, visit.id, when + timedelta(minutes=20))
    return visit.id


def test_reasons_are_shown_for_each_planned_visit(qtbot, hub, engine, customers, clock):  # noqa: F811
    # 张三 was visited three days ago (class C: monthly), with one failed item: not due today.
    complete_visit(engine, customers["zhang"], datetime(2026, 11, 20, 10, 0, tzinfo=TZ), failed=("counter_clean",))
    plan = open_plan(qtbot, clock)
    ids = plan.visible_customer_ids()
    assert set(ids) == {customers["li"], customers["wang"]}
    assert ids[0] == customers["li"]  # the licence warning makes it more urgent
    li = plan.reasons_text(customers["li"])
    assert "Licence expiring: Licence expires on 2026-12-03 (in 10 days): help the retailer renew it." in li
    assert "No visit on record (class A: every 7 days)." in li
    assert plan.model.index(0, COLUMNS.index("class")).data() == "A"
    assert plan.model.index(0, COLUMNS.index("store")).data() == "李家超市"
    assert "2 visits planned" in plan.summary_label.text()

    # The week view places 张三's recheck of the failed item a week after that visit.
    plan.set_mode("week")
    qtbot.waitUntil(lambda: plan.snapshot is not None and plan.snapshot.horizon_days == 7, timeout=5000)
    assert plan.day_tabs.isVisible() and plan.day_tabs.count() == 5  # Monday to Friday
    assert plan.day_tabs.tabText(0) == "Today 11/23 (2)"
    friday = plan.snapshot.plan.days[4]
    assert friday.day.isoformat() == "2026-11-27"
    assert [v.customer_id for v in friday.visits] == [customers["zhang"]]
    plan.select_day(friday.day)
    assert "Failed at the last visit (2026-11-20): 柜台整洁. Check they are put right." in \
        plan.reasons_text(customers["zhang"])


def test_manual_order_is_kept(qtbot, hub, engine, customers, clock):  # noqa: F811
    plan = open_plan(qtbot, clock)
    before = plan.visible_customer_ids()
    assert len(before) == 3
    # Up button on the last row.
    plan.view.selectRow(2)
    with qtbot.waitSignal(plan.sig_plan_saved, timeout=5000):
        qtbot.mouseClick(plan.up_button, Qt.MouseButton.LeftButton)
    moved = [before[0], before[2], before[1]]
    assert plan.visible_customer_ids() == moved
    assert plan.view.currentIndex().row() == 1  # the moved row stays selected
    # Drag the first row below the last (the model handles the drop).
    model = plan.model
    with qtbot.waitSignal(plan.sig_plan_saved, timeout=5000):
        data = model.mimeData([model.index(0, 1)])
        assert model.dropMimeData(data, Qt.DropAction.MoveAction, 3, 0, QModelIndex()) is False
    dragged = [moved[1], moved[2], moved[0]]
    assert plan.visible_customer_ids() == dragged
    assert "your own order" in plan.summary_label.text()

    with engine.connect() as conn:
        saved = load_day_plan(conn, TODAY)
    assert [v.customer_id for v in saved.plan.visits] == dragged
    # A new view (the app restarted) shows the manager's order.
    again = open_plan(qtbot, clock)
    assert again.visible_customer_ids() == dragged
    # "Back to generated plan" forgets it.
    with qtbot.waitSignal(again.sig_plan_loaded, timeout=5000):
        qtbot.mouseClick(again.reset_button, Qt.MouseButton.LeftButton)
    assert again.visible_customer_ids() == before


def test_drop_and_add_by_hand_are_kept(qtbot, hub, engine, customers, clock):  # noqa: F811
    far = add_customer(engine, code="C0009", licence_no="430121100009", store_name="远郊烟酒店", grade=3,
                       latitude=28.60, longitude=113.40)
    complete_visit(engine, far, datetime(2026, 11, 16, 10, 0, tzinfo=TZ))  # visited a week ago: not due
    plan = open_plan(qtbot, clock)
    assert far not in plan.visible_customer_ids()

    plan.view.selectRow(plan.model.row_of(customers["wang"]))
    with qtbot.waitSignal(plan.sig_plan_saved, timeout=5000):
        qtbot.mouseClick(plan.drop_button, Qt.MouseButton.LeftButton)
    assert customers["wang"] not in plan.visible_customer_ids()

    dialog = AddCustomerDialog(plan, TODAY)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.sig_results, timeout=5000):
        dialog.search_edit.setText("远郊")  # (QTest cannot type CJK characters)
    assert dialog.chosen_id == far
    dialog.note_edit.setText("retailer asked for new price tags")
    with qtbot.waitSignal(plan.sig_plan_saved, timeout=5000):
        assert plan.add_customer(dialog.chosen_id, dialog.note())
    assert plan.visible_customer_ids()[-1] == far
    assert "Added by hand: Added by hand: retailer asked for new price tags" in plan.reasons_text(far)

    again = open_plan(qtbot, clock)
    ids = again.visible_customer_ids()
    assert customers["wang"] not in ids and ids[-1] == far
    assert "retailer asked for new price tags" in again.reasons_text(far)
    # In the week view the dropped customer moves on to Tuesday.
    with qtbot.waitSignal(again.sig_plan_loaded, timeout=5000):
        again.set_mode("week")
    tuesday = again.snapshot.plan.days[1]
    assert customers["wang"] in [v.customer_id for v in tuesday.visits]


def test_add_customer_through_the_dialog(qtbot, hub, engine, customers, clock, monkeypatch):  # noqa: F811
    plan = open_plan(qtbot, clock)
    plan.view.selectRow(plan.model.row_of(customers["zhang"]))
    with qtbot.waitSignal(plan.sig_plan_saved, timeout=5000):
        plan.drop_customer(customers["zhang"])

    def fake_exec(dialog):  # the modal loop, replaced: pick the first match of a search
        with qtbot.waitSignal(dialog.sig_results, timeout=5000):
            dialog.search_edit.setText("张三")
        return AddCustomerDialog.DialogCode.Accepted

    monkeypatch.setattr(AddCustomerDialog, "exec", fake_exec)
    with qtbot.waitSignal(plan.sig_plan_saved, timeout=5000):
        qtbot.mouseClick(plan.add_button, Qt.MouseButton.LeftButton)
    assert plan.visible_customer_ids()[-1] == customers["zhang"]
    assert plan.reasons_text(customers["zhang"]).startswith("Added by hand: Added by hand.")


def test_order_as_route_and_total_km(qtbot, hub, engine, customers, clock):  # noqa: F811
    plan = open_plan(qtbot, clock)
    assert "route" in plan.summary_label.text() and "km" in plan.summary_label.text()
    with qtbot.waitSignal(plan.sig_plan_saved, timeout=5000):
        qtbot.mouseClick(plan.route_button, Qt.MouseButton.LeftButton)
    ids = plan.visible_customer_ids()
    # 王记 (28.20) lies between 张三 (28.21) and 李家 (28.25) on no straight line: the route visits the two
    # close stores together.
    assert abs(ids.index(customers["wang"]) - ids.index(customers["zhang"])) == 1
    distances = [plan.model.index(row, COLUMNS.index("distance")).data() for row in range(3)]
    assert distances[0] == "" and all(d.endswith(" km") for d in distances[1:])


def test_visits_of_the_day_are_ticked_off_or_listed(qtbot, hub, engine, customers, clock):  # noqa: F811
    plan = open_plan(qtbot, clock)
    # Started from the plan: the day is fixed, so the store stays listed after its visit.
    with qtbot.waitSignal(plan.sig_start_visit, timeout=5000) as started:
        plan.start_visit_at(plan.model.row_of(customers["wang"]))
    assert started.args[0] == customers["wang"]
    qtbot.waitUntil(lambda: plan.current_day().saved, timeout=5000)
    complete_visit(engine, customers["wang"], datetime(2026, 11, 23, 9, 0, tzinfo=TZ))
    with qtbot.waitSignal(plan.sig_plan_loaded, timeout=5000):
        plan.refresh()
    row = plan.model.row_of(customers["wang"])
    assert plan.model.index(row, COLUMNS.index("status")).data().startswith("Visited")
    assert "No visit on record" in plan.reasons_text(customers["wang"])  # the reason it was planned for
    assert plan.model.action(row) is None
    assert "1 done" in plan.summary_label.text()


def test_a_visit_started_elsewhere_shows_as_unplanned(qtbot, hub, engine, customers, clock):  # noqa: F811
    other = add_customer(engine, code="C0010", licence_no="430121100010", store_name="临时拜访店", grade=3)
    complete_visit(engine, other, datetime(2026, 11, 10, 10, 0, tzinfo=TZ))
    with write_transaction(engine) as conn:
        visit = V.start_visit(conn, other, VisitType.SERVICE, None, datetime(2026, 11, 23, 8, 30, tzinfo=TZ),
                              template_code="counter_arrangement")
    plan = open_plan(qtbot, clock)
    assert plan.visible_customer_ids()[-1] == other
    assert plan.reasons_text(other) == "Visited today without being on the plan."
    row = plan.model.row_of(other)
    assert plan.model.index(row, COLUMNS.index("status")).data() == "In progress"
    assert plan.model.action(row) == "resume"
    with qtbot.waitSignal(plan.sig_resume_visit, timeout=5000) as resumed:
        plan.start_visit_at(row)
    assert resumed.args[0] == visit.id
