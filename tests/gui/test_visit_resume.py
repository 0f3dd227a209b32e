"""Autosave and resume: a visit survives closing the screen (and the app) mid-way; one visit at a time."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt

from fieldapp.core.entities import AnswerResult, VisitType
from fieldapp.gui.visit import VisitScreen
from fieldapp.store import visits as V

from .test_visit_common import clock, customers, hub, template, wait_idle  # noqa: F401


def start_visit(qtbot, screen: VisitScreen, customer_id: str, visit_type=VisitType.SERVICE) -> str:
    with qtbot.waitSignal(screen.sig_start_info_loaded, timeout=5000):
        screen.start_for_customer(customer_id, visit_type)
    with qtbot.waitSignal(screen.sig_visit_started, timeout=5000) as started:
        qtbot.mouseClick(screen.check_in_button, Qt.MouseButton.LeftButton)
    return started.args[0]


def close_widget(widget) -> None:
    widget.close()
    widget.deleteLater()
    QCoreApplication.processEvents()


def test_autosave_survives_recreating_the_widget(qtbot, hub, engine, profile, customers, clock):  # noqa: F811
    screen = VisitScreen(profile, now=clock)  # not given to qtbot: the test deletes it itself
    screen.show()
    visit_id = start_visit(qtbot, screen, customers["wang"], VisitType.GUIDANCE)
    rows = screen.checklist.rows
    qtbot.mouseClick(rows["counter_clean"].buttons[AnswerResult.FAIL], Qt.MouseButton.LeftButton)
    qtbot.keyClicks(rows["counter_clean"].note_edit, "dusty")
    rows["display_standard"].count_spin.setValue(9)
    screen.notes.set_text("market_info", "白沙（精品）断货一周")
    qtbot.waitUntil(screen.all_saved, timeout=5000)
    # Typed just before the window closes: not waited for; hiding the screen flushes it.
    screen.notes.set_text("concerns", "担心新品不好卖")
    assert not screen.all_saved()
    close_widget(screen)
    wait_idle(qtbot, hub)

    reopened = VisitScreen(profile, now=clock)
    qtbot.addWidget(reopened)
    reopened.show()
    with qtbot.waitSignal(reopened.sig_visit_loaded, timeout=5000) as loaded:
        reopened.resume_in_progress()
    state = loaded.args[0]
    assert state is not None and state.visit.id == visit_id
    assert reopened.page == 2 and reopened.in_progress
    rows = reopened.checklist.rows
    assert rows["counter_clean"].result is AnswerResult.FAIL
    assert rows["counter_clean"].note_edit.text() == "dusty"
    assert rows["display_standard"].count_spin.value() == 9
    assert reopened.notes.text("market_info") == "白沙（精品）断货一周"
    assert reopened.notes.text("concerns") == "担心新品不好卖"
    assert reopened.type_badge.text() == "Guidance visit"
    # The proposal from the failed item is back too, computed from the stored answers.
    assert "counter_clean" in reopened.follow_up_panel.proposals
    # Resuming does not write anything.
    qtbot.waitUntil(reopened.all_saved, timeout=5000)
    with engine.connect() as conn:
        assert V.get_answers(conn, visit_id)["counter_clean"].note == "dusty"


def test_nothing_in_progress_shows_the_empty_page(qtbot, hub, profile, customers, clock):  # noqa: F811
    screen = VisitScreen(profile, now=clock)
    qtbot.addWidget(screen)
    screen.show()
    with qtbot.waitSignal(screen.sig_visit_loaded, timeout=5000) as loaded:
        screen.resume_in_progress()
    assert loaded.args[0] is None
    assert screen.page == 0 and screen.empty_title.text() == "No visit in progress"


def test_only_one_visit_in_progress(qtbot, hub, engine, profile, customers, clock):  # noqa: F811
    screen = VisitScreen(profile, now=clock)
    qtbot.addWidget(screen)
    screen.show()
    first = start_visit(qtbot, screen, customers["wang"])

    # The start page of another store warns at once ...
    with qtbot.waitSignal(screen.sig_start_info_loaded, timeout=5000):
        screen.start_for_customer(customers["li"])
    assert screen.start_banner.isVisible()
    assert "A visit at 王记便利店 is still in progress (checked in at 09:30)" in screen.start_banner.text()
    # ... and checking in anyway is refused by the store, with its message.
    qtbot.mouseClick(screen.check_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Only one visit can be in progress at a time" in screen.start_banner.text(),
                    timeout=5000)
    with engine.connect() as conn:
        assert V.visit_in_progress(conn).id == first
    # "Go to that visit" brings the visit in progress back.
    with qtbot.waitSignal(screen.sig_visit_loaded, timeout=5000) as loaded:
        qtbot.mouseClick(screen.start_banner.action_button, Qt.MouseButton.LeftButton)
    assert loaded.args[0].visit.id == first and screen.page == 2


def test_discard_a_visit_started_by_mistake(qtbot, hub, engine, profile, customers, clock, monkeypatch):  # noqa: F811
    from PySide6.QtWidgets import QMessageBox

    screen = VisitScreen(profile, now=clock)
    qtbot.addWidget(screen)
    screen.show()
    visit_id = start_visit(qtbot, screen, customers["zhang"])
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    with qtbot.waitSignal(screen.sig_closed, timeout=5000):
        qtbot.mouseClick(screen.discard_button, Qt.MouseButton.LeftButton)
    assert screen.page == 0
    with engine.connect() as conn:
        assert V.get_visit(conn, visit_id) is None
        assert V.visit_in_progress(conn) is None


def test_follow_ups_added_edited_and_closed(qtbot, hub, engine, profile, customers, clock):  # noqa: F811
    screen = VisitScreen(profile, now=clock)
    qtbot.addWidget(screen)
    screen.show()
    visit_id = start_visit(qtbot, screen, customers["li"])
    panel = screen.follow_up_panel
    screen.tabs.setCurrentWidget(panel)

    qtbot.mouseClick(panel.new_button, Qt.MouseButton.LeftButton)
    assert panel.editor.isVisible()
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)  # empty title: refused in the form
    assert panel.editor_error.isVisible()
    qtbot.keyClicks(panel.title_edit, "bring new price tags")
    panel.owner_edit.setText("mgr-wang")
    with qtbot.waitSignal(screen.sig_follow_ups_changed, timeout=5000):
        qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert not panel.editor.isVisible()
    assert panel.model.rowCount() == 1
    added = panel.model.items[0]
    assert (added.title, added.owner_id, added.visit_id) == ("bring new price tags", "mgr-wang", visit_id)
    assert added.due_date.isoformat() == "2026-11-30"

    panel.select(added.id)
    panel.edit_selected()
    panel.title_edit.setText("bring new price tags (3 brands)")
    panel.no_due_check.setChecked(True)
    with qtbot.waitSignal(screen.sig_follow_ups_changed, timeout=5000):
        qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    panel.select(added.id)
    with qtbot.waitSignal(screen.sig_follow_ups_changed, timeout=5000):
        qtbot.mouseClick(panel.done_button, Qt.MouseButton.LeftButton)
    with engine.connect() as conn:
        stored = V.get_follow_up(conn, added.id)
    assert stored.title == "bring new price tags (3 brands)" and stored.due_date is None
    assert stored.status.value == "done"
    assert panel.model.index(0, 2).data() == "Done"
