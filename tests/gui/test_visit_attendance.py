"""Attendance: start and end of the working day, journaled; ending is refused while a visit is in progress."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt

from fieldapp.core.entities import VisitType
from fieldapp.gui.visit import AttendanceBar
from fieldapp.store import visits as V
from fieldapp.store.db import write_transaction
from fieldapp.store.journal import pending_entries

from .test_visit_common import NOW, TODAY, clock, customers, hub, template  # noqa: F401


def test_start_and_end_of_the_working_day(qtbot, hub, engine, customers, clock):  # noqa: F811
    clock.now = NOW.replace(hour=8, minute=2)
    bar = AttendanceBar(today=lambda: TODAY, now=clock)
    qtbot.addWidget(bar)
    bar.show()
    with qtbot.waitSignal(bar.sig_changed, timeout=5000):
        bar.refresh()
    assert bar.status_label.text() == "Working day not started"
    assert bar.start_button.isVisible() and not bar.end_button.isVisible()

    with qtbot.waitSignal(bar.sig_changed, timeout=5000):
        qtbot.mouseClick(bar.start_button, Qt.MouseButton.LeftButton)
    assert bar.status_label.text() == "Working day started at 08:02"
    assert bar.end_button.isVisible() and not bar.start_button.isVisible()

    # A visit in progress: the store refuses to end the day, the bar says why.
    with write_transaction(engine) as conn:
        visit = V.start_visit(conn, customers["wang"], VisitType.SERVICE, None, NOW,
                              template_code="counter_arrangement")
    clock.now = NOW.replace(hour=17, minute=30)
    qtbot.mouseClick(bar.end_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(bar.error_label.isVisible, timeout=5000)
    assert "The visit at 王记便利店 is still in progress" in bar.error_label.text()
    with write_transaction(engine) as conn:
        V.discard_visit(conn, visit.id)

    with qtbot.waitSignal(bar.sig_changed, timeout=5000):
        qtbot.mouseClick(bar.end_button, Qt.MouseButton.LeftButton)
    assert not bar.error_label.isVisible()
    assert bar.status_label.text() == "Working day 08:02–17:30"
    assert bar.start_button.text() == "Resume working day"

    with engine.connect() as conn:
        day = V.working_day(conn, None, TODAY)
        entries = [e for e in pending_entries(conn) if e["entity"] == "attendance"]
    assert day.ended_at - day.started_at == timedelta(hours=9, minutes=28)
    assert [e["op"] for e in entries] == ["insert", "update"]
