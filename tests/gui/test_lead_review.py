"""The review queue: the team's visits, the detail panel, approve / return (with a reason) / comment."""

from __future__ import annotations

import pytest

from fieldapp.core.review import ReviewStatus
from fieldapp.gui.lead import LeadWorkspace, ReviewView
from fieldapp.gui.lead import ops as lead_ops
from fieldapp.gui.lead import review as review_module
from fieldapp.store import reviews as R
from fieldapp.store.journal import pending_entries

from .test_lead_common import MGR_A, NOW, TODAY, hub, team_visits, wait_idle  # noqa: F401 - fixtures

pytestmark = pytest.mark.usefixtures("translations")


def open_review(qtbot) -> ReviewView:
    view = ReviewView(profile=None, today=lambda: TODAY, now=lambda: NOW)
    qtbot.addWidget(view)
    view.resize(1300, 800)
    view.show()
    teams = []
    lead_ops.load_team(parent=view, success=teams.append).run_in_background()
    qtbot.waitUntil(lambda: bool(teams), timeout=5000)
    view.set_team(teams[0])
    with qtbot.waitSignal(view.sig_queue_loaded, timeout=5000):
        view.start()
    return view


def select(qtbot, view: ReviewView, visit_id: str) -> None:
    row = next(i for i, r in enumerate(view.model.rows) if r.visit_id == visit_id)
    view.table.selectRow(row)
    qtbot.waitUntil(lambda: view.panel.detail is not None and view.panel.detail.visit.id == visit_id, timeout=5000)


def review_entries(engine) -> list[dict]:
    with engine.connect() as conn:
        # "changes" holds [old, new] per field
        return [dict(e, changes={k: v[1] for k, v in e["changes"].items()})
                for e in pending_entries(conn) if e["entity"] == "visit_review"]


def test_queue_lists_the_team_visits_newest_first(qtbot, hub, team_visits):
    view = open_review(qtbot)
    assert [r.store_name for r in view.model.rows] == ["张三食杂店", "李家超市", "王记便利店"]
    assert [r.manager_name for r in view.model.rows] == ["李娜", "张伟", "张伟"]
    assert view.model.data(view.model.index(2, 5)) == "1"  # the failed item of 王记
    assert view.model.data(view.model.index(2, 3)) == "New"

    # filters: one manager; a status nobody has yet
    with qtbot.waitSignal(view.sig_queue_loaded, timeout=5000):
        view.manager_combo.setCurrentIndex(view.manager_combo.findData(MGR_A))
    assert {r.store_name for r in view.model.rows} == {"李家超市", "王记便利店"}
    with qtbot.waitSignal(view.sig_queue_loaded, timeout=5000):
        view.status_combo.setCurrentIndex(view.status_combo.findData(ReviewStatus.APPROVED))
    assert view.model.rows == []


def test_detail_panel_shows_the_visit(qtbot, hub, team_visits):
    view = open_review(qtbot)
    select(qtbot, view, team_visits["wang"])
    panel = view.panel
    body = panel.body.text()
    assert panel.title.text() == "王记便利店"
    assert "张伟" in body and "25 min" in body and "28.20120" in body and "50.0" in body
    assert "✗ Prices marked" in body and "#ffebe9" in body   # the failed answer, highlighted
    assert "希望多配新品" in body and "周边超市在搞促销" in body
    assert "Not reviewed yet." in panel.history.text()
    assert panel.approve_button.isEnabled() and panel.return_button.isEnabled() and panel.comment_button.isEnabled()


def test_approve_changes_the_status_and_journals_a_review(qtbot, hub, team_visits, engine):
    view = open_review(qtbot)
    select(qtbot, view, team_visits["wang"])
    view.panel.approve_button.click()
    qtbot.waitUntil(lambda: view.panel.detail.status is ReviewStatus.APPROVED, timeout=5000)
    qtbot.waitUntil(lambda: any(r.status is ReviewStatus.APPROVED for r in view.model.rows), timeout=5000)
    entries = review_entries(engine)
    assert len(entries) == 1 and entries[0]["changes"]["action"] == "approve"
    assert entries[0]["changes"]["visit_id"] == team_visits["wang"]
    assert "王组长" in view.panel.history.text() and "waiting to sync" in view.panel.history.text()
    assert not view.panel.approve_button.isEnabled()   # approved: no second approval


def test_return_requires_a_reason(qtbot, hub, team_visits, engine, monkeypatch):
    view = open_review(qtbot)
    select(qtbot, view, team_visits["wang"])
    asked = []
    monkeypatch.setattr(review_module, "ask_text", lambda *a, **k: asked.append(k) or None)
    view.panel.return_button.click()
    assert asked == [{"required": True}]
    wait_idle(qtbot, hub)
    assert review_entries(engine) == []   # cancelled: nothing written

    monkeypatch.setattr(review_module, "ask_text", lambda *a, **k: "价签与实际售价不一致，请补拍照片")
    view.panel.return_button.click()
    qtbot.waitUntil(lambda: view.panel.detail.status is ReviewStatus.RETURNED, timeout=5000)
    entries = review_entries(engine)
    assert [e["changes"]["action"] for e in entries] == ["return"]
    assert entries[0]["changes"]["text"] == "价签与实际售价不一致，请补拍照片"
    assert "价签与实际售价不一致" in view.panel.history.text()
    with engine.connect() as conn:
        assert R.review_status(conn, team_visits["wang"]) is ReviewStatus.RETURNED


def test_the_reason_dialog_needs_text(qtbot):
    dialog = review_module.TextDialog(None, "Return", "Why?", required=True)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.edit.setPlainText("  ")
    assert not ok.isEnabled()
    dialog.edit.setPlainText("缺照片")
    assert ok.isEnabled() and dialog.text() == "缺照片"


def test_comment_is_kept_in_the_history(qtbot, hub, team_visits, engine, monkeypatch):
    view = open_review(qtbot)
    select(qtbot, view, team_visits["li"])
    monkeypatch.setattr(review_module, "ask_text", lambda *a, **k: "陈列不错")
    view.panel.comment_button.click()
    qtbot.waitUntil(lambda: "陈列不错" in view.panel.history.text(), timeout=5000)
    assert view.panel.detail.status is ReviewStatus.NEW
    assert [e["changes"]["action"] for e in review_entries(engine)] == ["comment"]


def test_workspace_shows_for_a_lead(qtbot, hub, team_visits):
    workspace = LeadWorkspace(today=lambda: TODAY, now=lambda: NOW)
    qtbot.addWidget(workspace)
    with qtbot.waitSignal(workspace.sig_role_known, timeout=5000) as blocker:
        workspace.start()
    assert blocker.args == [True]
    assert workspace.stack.currentWidget() is workspace.tabs
    qtbot.waitUntil(lambda: len(workspace.review.model.rows) == 3, timeout=5000)


def test_main_window_adds_the_team_tab_for_a_lead(qtbot, hub, team_visits, profile, translations):
    from .conftest import open_main_window

    window = open_main_window(qtbot, profile, translations)
    qtbot.waitUntil(lambda: window.tabs.count() == 4, timeout=5000)
    assert window.tabs.tabText(3) == "Team" and window.tabs.widget(3) is window.lead
    window.shutdown_sync()
