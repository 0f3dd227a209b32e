"""A whole visit through the GUI: plan -> check-in -> checklist with photos -> notes -> follow-up -> check-out.

Then everything is asserted in the store: the completed visit and its score,
the answers, the note fields, the attachment rows and files, the follow-up, and
the journal entries that will carry all of it to the server.
"""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QFileDialog

from fieldapp.core.entities import AnswerResult, FollowUpStatus, VisitStatus, VisitType
from fieldapp.core.scoring import score_checklist
from fieldapp.gui.visit import PlanView, VisitScreen
from fieldapp.gui.visit.plan_view import COLUMNS
from fieldapp.store import visits as V
from fieldapp.store.journal import pending_entries
from fieldapp.store.photos import attachments_for_visit, find_photo

from .test_visit_common import TODAY, clock, customers, hub, jpeg_bytes, template  # noqa: F401


def click_row_button(qtbot, plan: PlanView, customer_id: str) -> None:
    """Click the "Start visit" button painted in the customer's row."""
    row = plan.model.row_of(customer_id)
    index = plan.model.index(row, COLUMNS.index("action"))
    plan.view.scrollTo(index)
    rect = plan.view.visualRect(index)
    qtbot.mouseClick(plan.view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rect.left() + 20, rect.top() + 14))


def test_a_whole_visit_through_the_gui(qtbot, hub, engine, profile, customers, template, clock, tmp_path,  # noqa: F811
                                       monkeypatch):
    wang = customers["wang"]

    # --- the plan shows the customer, with its reason --------------------------------------------
    plan = PlanView(today=lambda: TODAY, now=clock)
    qtbot.addWidget(plan)
    plan.resize(1200, 700)
    plan.show()
    with qtbot.waitSignal(plan.sig_plan_loaded, timeout=5000):
        plan.start()
    assert wang in plan.visible_customer_ids()
    assert "No visit on record (class B: every 14 days)." in plan.reasons_text(wang)
    assert "Regular visit due" in plan.reasons_text(wang)  # the kind chip's label, translated

    screen = VisitScreen(profile, now=clock)
    qtbot.addWidget(screen)
    screen.resize(1300, 900)
    screen.show()
    plan.sig_start_visit.connect(screen.start_for_customer)

    # --- start visit from the plan's row: the start page prepares, then check in -----------------
    with qtbot.waitSignal(screen.sig_start_info_loaded, timeout=5000):
        click_row_button(qtbot, plan, wang)
    assert screen.start_title.text() == "Visit 王记便利店"
    assert "No earlier visit on record" in screen.start_prepare.text()
    qtbot.mouseClick(screen.type_buttons[VisitType.INSPECTION], Qt.MouseButton.LeftButton)
    screen.lat_edit.setText("28.2001")
    screen.lon_edit.setText("113.0802")
    with qtbot.waitSignal(screen.sig_visit_started, timeout=5000) as started:
        qtbot.mouseClick(screen.check_in_button, Qt.MouseButton.LeftButton)
    visit_id = started.args[0]
    assert screen.in_progress and screen.visit_id == visit_id
    assert "Checked in at 09:30" in screen.check_in_label.text()
    assert set(screen.checklist.rows) == {item.key for item in template.items}

    # --- checklist: one failure, counts, a note; N/A where it does not apply ----------------------
    rows = screen.checklist.rows
    for key, result in (("counter_clean", AnswerResult.PASS), ("display_standard", AnswerResult.PASS),
                        ("new_products", AnswerResult.PASS), ("publicity", AnswerResult.NOT_APPLICABLE),
                        ("minors_sign", AnswerResult.NOT_APPLICABLE), ("no_counterfeit", AnswerResult.PASS),
                        ("price_marked", AnswerResult.FAIL)):
        qtbot.mouseClick(rows[key].buttons[result], Qt.MouseButton.LeftButton)
    rows["display_standard"].count_spin.setValue(14)
    rows["new_products"].count_spin.setValue(3)
    qtbot.keyClicks(rows["price_marked"].note_edit, "two price tags wrong")
    assert screen.live_score.failed == 1
    qtbot.waitUntil(screen.all_saved, timeout=5000)
    assert screen.save_indicator.text().endswith("All changes saved")

    # --- a photo on the display item, from a file (the dialog is patched) -------------------------
    photo = tmp_path / "IMG_0001.JPG"
    photo.write_bytes(jpeg_bytes())
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(photo), "")))
    with qtbot.waitSignal(screen.sig_photo_attached, timeout=5000) as attached:
        rows["display_standard"].attach_action.trigger()
    assert attached.args[0].item_key == "display_standard"
    qtbot.waitUntil(lambda: rows["display_standard"].strip.thumbnails_shown() == 1, timeout=5000)
    assert rows["display_standard"].photo_button.text() == "Photos: 1"

    # --- notes: typed, saved after the debounce ---------------------------------------------------
    screen.tabs.setCurrentWidget(screen.notes)
    qtbot.keyClicks(screen.notes.fields["needs"], "wants more Furongwang")
    screen.notes.set_text("complaints", "上周送货晚了两天")
    screen.notes.set_text("advice", "建议按品牌陈列标准调整柜台")
    assert screen.save_indicator.state == "saving"
    qtbot.waitUntil(screen.all_saved, timeout=5000)
    assert screen.save_indicator.state == "saved"

    # --- the failed item proposes a follow-up; the manager confirms it ----------------------------
    panel = screen.follow_up_panel
    assert "price_marked" in panel.proposals
    proposal_row = panel.proposals["price_marked"]
    assert proposal_row.title_edit.text() == "明码标价，价签与实际售价一致（two price tags wrong）"
    assert "1 proposed" in screen.tabs.tabText(2)
    with qtbot.waitSignal(screen.sig_follow_ups_changed, timeout=5000):
        qtbot.mouseClick(proposal_row.confirm_button, Qt.MouseButton.LeftButton)
    assert "price_marked" not in panel.proposals
    assert panel.model.rowCount() == 1 and panel.model.items[0].source_item_key == "price_marked"

    # --- check-out refused: the licence item is not answered ---------------------------------------
    with qtbot.waitSignal(screen.sig_check_out_refused, timeout=5000) as refused:
        qtbot.mouseClick(screen.check_out_button, Qt.MouseButton.LeftButton)
    assert refused.args[0] == ["'Retail licence displayed' is not answered yet."]
    assert screen.banner.isVisible()
    assert "Check-out refused" in screen.banner.text() and "Retail licence displayed" in screen.banner.text()
    assert rows["licence_displayed"].property("missing") == "true"
    assert screen.in_progress

    # --- answer it, with a photo pasted from the clipboard -----------------------------------------
    qtbot.mouseClick(rows["licence_displayed"].buttons[AnswerResult.PASS], Qt.MouseButton.LeftButton)
    assert rows["licence_displayed"].property("missing") == "false"
    image = QImage(200, 150, QImage.Format.Format_RGB32)
    image.fill(QColor("#2e7d32"))
    QApplication.clipboard().setImage(image)
    with qtbot.waitSignal(screen.sig_photo_attached, timeout=5000):
        rows["licence_displayed"].paste_action.trigger()

    # --- check-out succeeds: duration and score shown ----------------------------------------------
    clock.advance(minutes=25)
    with qtbot.waitSignal(screen.sig_checked_out, timeout=5000) as checked:
        qtbot.mouseClick(screen.check_out_button, Qt.MouseButton.LeftButton)
    result = checked.args[0]
    expected = score_checklist(template, screen._answers).score
    assert expected == 81.3  # passed 65 of 80 applicable weight points
    assert result.visit.score == expected and result.visit.status is VisitStatus.COMPLETED
    assert "after 25 min" in screen.banner.text() and "81.3" in screen.banner.text()
    assert screen.score_value.text() == "81.3"
    assert not screen.check_out_button.isVisible() and screen.close_button.isVisible()
    assert not rows["counter_clean"].buttons[AnswerResult.PASS].isEnabled()  # read-only after check-out

    # --- the plan ticks the store off ---------------------------------------------------------------
    qtbot.waitUntil(lambda: plan.model.index(plan.model.row_of(wang), COLUMNS.index("status")).data()
                    == "Visited · 81.3", timeout=5000)

    # --- everything is in the store, and journaled for sync ------------------------------------------
    with engine.connect() as conn:
        visit = V.get_visit(conn, visit_id)
        assert visit.status is VisitStatus.COMPLETED and visit.score == 81.3
        assert visit.visit_type is VisitType.INSPECTION
        assert (visit.latitude, visit.longitude) == (28.2001, 113.0802)
        assert visit.check_out_at - visit.check_in_at == timedelta(minutes=25)
        answers = V.get_answers(conn, visit_id)
        assert answers["price_marked"].result is AnswerResult.FAIL
        assert answers["price_marked"].note == "two price tags wrong"
        assert answers["display_standard"].count == 14 and answers["new_products"].count == 3
        assert answers["minors_sign"].result is AnswerResult.NOT_APPLICABLE
        assert answers["licence_displayed"].result is AnswerResult.PASS
        note = V.get_visit_note(conn, visit_id)
        assert note.needs == "wants more Furongwang"
        assert note.complaints == "上周送货晚了两天"
        assert note.advice == "建议按品牌陈列标准调整柜台"
        photos = attachments_for_visit(conn, visit_id)
        assert sorted(a.item_key for a in photos) == ["display_standard", "licence_displayed"]
        by_item = {a.item_key: a for a in photos}
        assert by_item["display_standard"].filename == "IMG_0001.JPG"
        assert by_item["licence_displayed"].mime_type == "image/png"
        for attachment in photos:
            assert find_photo(profile, attachment.sha256) is not None
        follow_ups = V.follow_ups_for_visit(conn, visit_id)
        assert [(f.title, f.status, f.source_item_key) for f in follow_ups] == [
            ("明码标价，价签与实际售价一致（two price tags wrong）", FollowUpStatus.OPEN, "price_marked")]
        entries = pending_entries(conn, limit=1000)
    journaled = {}
    for entry in entries:
        journaled.setdefault((entry["entity"], entry["row_id"]), []).append(entry)
    visit_entries = journaled[("visit", visit_id)]
    assert visit_entries[0]["op"] == "insert"
    assert visit_entries[-1]["changes"]["status"] == ["in_progress", "completed"]
    assert visit_entries[-1]["changes"]["score"] == [None, 81.3]
    for key, answer in answers.items():
        assert ("checklist_answer", answer.id) in journaled, key
    note_changes = {k for e in journaled[("visit_note", note.id)] for k in e["changes"]}
    assert {"needs", "complaints", "advice"} <= note_changes
    for attachment in photos:
        assert journaled[("attachment", attachment.id)][0]["op"] == "insert"
    assert journaled[("follow_up", follow_ups[0].id)][0]["changes"]["source_item_key"] == [None, "price_marked"]


def test_refused_images_say_why(qtbot, hub, engine, profile, customers, clock, tmp_path, monkeypatch):  # noqa: F811
    screen = VisitScreen(profile, now=clock)
    qtbot.addWidget(screen)
    screen.show()
    with qtbot.waitSignal(screen.sig_start_info_loaded, timeout=5000):
        screen.start_for_customer(customers["li"], VisitType.SERVICE)
    with qtbot.waitSignal(screen.sig_visit_started, timeout=5000):
        screen.check_in()

    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(broken), "")))
    with qtbot.waitSignal(screen.sig_photo_refused, timeout=5000) as refused:
        screen.attach_file(None)
    assert "not a readable image" in refused.args[0]
    assert screen.banner.isVisible() and "not a readable image" in screen.banner.text()
    assert "The photo broken.jpg was not attached." in screen.banner.text()

    huge = tmp_path / "huge.jpg"
    with open(huge, "wb") as fh:  # a sparse file: refused by its size before it is read
        fh.write(jpeg_bytes())
        fh.truncate(40 * 1024 * 1024)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(huge), "")))
    with qtbot.waitSignal(screen.sig_photo_refused, timeout=5000) as refused:
        screen.attach_file("display_standard")
    assert "photos can be at most" in refused.args[0]

    QApplication.clipboard().clear()
    with qtbot.waitSignal(screen.sig_photo_refused, timeout=5000) as refused:
        screen.paste_photo(None)
    assert "clipboard holds no image" in refused.args[0]
    qtbot.waitUntil(screen.all_saved, timeout=5000)
    with engine.connect() as conn:
        assert attachments_for_visit(conn, screen.visit_id) == []
    assert screen.save_indicator.state != "error"
