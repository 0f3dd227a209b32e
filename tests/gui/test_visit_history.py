"""The customer history widget: past visits, the score and purchase charts, open follow-ups; live refresh."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from fieldapp.core.entities import AnswerResult, VisitType
from fieldapp.gui.visit import CustomerHistoryWidget
from fieldapp.gui.visit import ops as visit_ops
from fieldapp.store import visits as V
from fieldapp.store.db import write_transaction

from .test_visit_common import TODAY, TZ, add_purchases, customers, hub, template  # noqa: F401


def visit(engine, customer_id: str, when: datetime, minutes: int, failed=(), visit_type=VisitType.SERVICE,
          check_out: bool = True) -> str:
    with write_transaction(engine) as conn:
        v = V.start_visit(conn, customer_id, visit_type, None, when, template_code="counter_arrangement")
        for item in V.visit_template(conn, v).items:
            result = AnswerResult.FAIL if item.key in failed else AnswerResult.NOT_APPLICABLE
            if item.key in ("counter_clean", "price_marked", "new_products") and item.key not in failed:
                result = AnswerResult.PASS
            V.set_answer(conn, v.id, item.key, result=result,
                         count=4 if item.kind.value == "count" and result is not AnswerResult.NOT_APPLICABLE else None,
                         note="价签缺失" if item.key in failed else None)
        if check_out:
            V.check_out(conn, v.id, when + timedelta(minutes=minutes))
    return v.id


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=TZ)


def test_history_shows_visits_charts_and_follow_ups(qtbot, hub, engine, customers):  # noqa: F811
    wang = customers["wang"]
    visit(engine, wang, at(date(2026, 9, 2)), 30, failed=("counter_clean",))
    visit(engine, wang, at(date(2026, 10, 5)), 20, visit_type=VisitType.INSPECTION)
    last = visit(engine, wang, at(date(2026, 11, 9)), 45, failed=("price_marked",), visit_type=VisitType.GUIDANCE)
    with write_transaction(engine) as conn:
        V.add_follow_up(conn, wang, "送新版价签", date(2026, 11, 16), visit_id=last)
        V.add_follow_up(conn, wang, "协助开通电子结算", None)
    add_purchases(engine, wang, [("2026-07", "芙蓉王", 30), ("2026-08", "芙蓉王", 26), ("2026-08", "白沙", 8),
                                 ("2026-10", "白沙", 19)])

    widget = CustomerHistoryWidget(today=lambda: TODAY)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    with qtbot.waitSignal(widget.sig_loaded, timeout=5000) as loaded:
        widget.set_customer(wang)
    history = loaded.args[0].history
    assert widget.title.text() == "王记便利店 — history"

    # Past visits, latest first, with type, score and duration.
    model = widget.visits_model
    assert model.rowCount() == 3
    assert [model.index(r, 0).data() for r in range(3)] == ["2026-11-09 10:00", "2026-10-05 10:00",
                                                           "2026-09-02 10:00"]
    assert model.index(0, 1).data() == "Guidance visit"
    assert model.index(0, 3).data() == "45 min"
    assert model.index(1, 2).data() == "100.0"
    assert model.index(0, 2).data() == f"{history.visits[0].score:.1f}"
    assert model.index(0, 4).data() == "1"

    # The score chart has one point per scored visit; the purchase chart one bar per month of the window.
    assert widget.score_series.count() == 3
    assert [round(p.y(), 1) for p in widget.score_series.points()] == [s for _d, s in history.scores]
    assert widget.cartons_set.count() == 12  # 2025-11 .. 2026-10, months without orders as 0
    assert widget.months_axis.count() == 12
    assert widget.cartons_set.at(11) == 19 and widget.cartons_set.at(9) == 34 and widget.cartons_set.at(10) == 0
    assert widget.months_axis.at(11) == "26/10"

    # Tiles and lists.
    assert widget.visits_tile.value.text() == "3"
    assert widget.follow_tile.value.text() == "2"
    assert widget.cartons_tile.value.text() == "19"
    assert "送新版价签" in widget.follow_list.text() and "协助开通电子结算" in widget.follow_list.text()
    assert "Every product price-marked, tags match actual prices" in widget.failed_list.text()

    # A visit checked out through an operation refreshes the widget by itself.
    fourth = visit(engine, wang, at(TODAY, 9), 0, check_out=False)
    with qtbot.waitSignal(widget.sig_loaded, timeout=5000):
        visit_ops.check_out(parent=widget, visit_id=fourth, customer_id=wang,
                            now=at(TODAY, 9) + timedelta(minutes=33)).run_in_background()
    assert widget.visits_model.rowCount() == 4
    assert widget.score_series.count() == 4
    assert widget.visits_model.index(0, 3).data() == "33 min"


def test_history_of_a_customer_without_any(qtbot, hub, customers):  # noqa: F811
    widget = CustomerHistoryWidget(today=lambda: TODAY)
    qtbot.addWidget(widget)
    widget.show()
    with qtbot.waitSignal(widget.sig_loaded, timeout=5000):
        widget.set_customer(customers["zhang"])
    assert widget.visits_model.rowCount() == 0
    assert widget.score_series.count() == 0 and widget.cartons_set.count() == 0
    assert widget.visits_empty.isVisible() and widget.score_empty.isVisible() and widget.purchase_empty.isVisible()
    assert widget.average_tile.value.text() == "—"
    widget.set_customer(None)
    assert widget.empty_label.isVisible() and not widget.body.isVisible()
