"""AB cover (overlapping leave refused with a clear message; cancel) and the ledger export (XLSX, Chinese headers)."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from PySide6.QtCore import QDate

from fieldapp.gui.lead import CoverView, ExportDialog
from fieldapp.gui.lead import cover as cover_module
from fieldapp.gui.lead import export_dialog as export_module
from fieldapp.gui.lead import ops as lead_ops
from fieldapp.store.cover import cover_periods_of

from .test_lead_common import MGR_A, MGR_B, TODAY, hub, team_visits  # noqa: F401 - fixtures


def open_cover(qtbot) -> CoverView:
    view = CoverView(today=lambda: TODAY)
    qtbot.addWidget(view)
    teams = []
    lead_ops.load_team(parent=view, success=teams.append).run_in_background()
    qtbot.waitUntil(lambda: bool(teams), timeout=5000)
    view.set_team(teams[0])
    view.show()
    with qtbot.waitSignal(view.sig_loaded, timeout=5000):
        view.start()
    return view


def fill(dialog, manager: str, backup: str, start: date, end: date, reason: str = "") -> None:
    dialog.manager_combo.setCurrentIndex(dialog.manager_combo.findData(manager))
    dialog.backup_combo.setCurrentIndex(dialog.backup_combo.findData(backup))
    dialog.from_edit.setDate(QDate(start))
    dialog.to_edit.setDate(QDate(end))
    dialog.reason_edit.setText(reason)


@pytest.mark.usefixtures("translations")
def test_record_leave_then_overlap_is_refused_clearly(qtbot, hub, team_visits, engine, monkeypatch):
    view = open_cover(qtbot)
    assert view.model.rowCount() == 0
    dialog = view.new_cover()
    assert dialog.backup_combo.currentData() == MGR_B     # the AB partner is suggested
    fill(dialog, MGR_A, MGR_B, date(2026, 11, 25), date(2026, 11, 27), "年假")
    with qtbot.waitSignal(view.sig_loaded, timeout=5000):
        dialog.save()
    assert not dialog.isVisible()
    assert view.model.rowCount() == 1
    assert [view.model.data(view.model.index(0, c)) for c in range(5)] == \
        ["张伟", "李娜", "2026-11-25", "2026-11-27", "年假"]

    # B cannot go on leave while A is away and B covers
    dialog = view.new_cover()
    fill(dialog, MGR_B, MGR_A, date(2026, 11, 26), date(2026, 11, 28))
    with qtbot.waitSignal(dialog.sig_refused, timeout=5000) as refused:
        dialog.save()
    assert "cannot be away at the same time" in refused.args[0] or "covers" in refused.args[0]
    assert dialog.isVisible() and dialog.error_label.isVisible()
    assert dialog.error_label.text() == refused.args[0]
    with engine.connect() as conn:
        assert len(cover_periods_of(conn)) == 1
    dialog.reject()

    # cancel the recorded period (after confirming)
    monkeypatch.setattr(cover_module, "confirm", lambda *_a: True)
    view.table.selectRow(0)
    assert view.cancel_button.isEnabled()
    with qtbot.waitSignal(view.sig_loaded, timeout=5000):
        view.cancel_button.click()
    assert view.model.data(view.model.index(0, 5)) == "Cancelled"


def test_overlap_refusal_in_chinese(qtbot, hub, team_visits, zh_ui):
    view = open_cover(qtbot)
    dialog = view.new_cover()
    fill(dialog, MGR_A, MGR_B, date(2026, 11, 25), date(2026, 11, 27))
    with qtbot.waitSignal(view.sig_loaded, timeout=5000):
        dialog.save()
    dialog = view.new_cover()
    fill(dialog, MGR_A, MGR_B, date(2026, 11, 26), date(2026, 11, 30))
    with qtbot.waitSignal(dialog.sig_refused, timeout=5000) as refused:
        dialog.save()
    assert "张伟" in refused.args[0] and "2026-11-25" in refused.args[0]
    assert not any("a" <= ch <= "z" for ch in refused.args[0].replace("张伟", ""))  # translated, no English left
    dialog.reject()


def test_export_writes_xlsx_with_chinese_headers(qtbot, hub, team_visits, zh_ui, tmp_path, monkeypatch):
    target = tmp_path / "拜访清单.xlsx"
    monkeypatch.setattr(export_module, "choose_path", lambda *_a: str(target))
    dialog = ExportDialog(today=lambda: TODAY, manager_ids=[MGR_A, MGR_B])
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.export_button.isEnabled()          # no file chosen yet
    dialog.browse_button.click()
    assert dialog.path_edit.text() == str(target)
    with qtbot.waitSignal(dialog.sig_exported, timeout=10_000) as done:
        dialog.export_button.click()
    assert done.args == [3, str(target)]
    sheet = openpyxl.load_workbook(target).active
    headers = [c.value for c in sheet[1]]
    assert any("客户" in (h or "") for h in headers), headers
    assert all(not (h or "").isascii() for h in headers), headers
    stores = {cell.value for row in sheet.iter_rows(min_row=2) for cell in row}
    assert {"王记便利店", "李家超市", "张三食杂店"} <= stores
    assert "3" in dialog.result_label.text()


@pytest.mark.usefixtures("translations")
def test_export_csv_follows_the_format(qtbot, hub, team_visits, tmp_path):
    dialog = ExportDialog(today=lambda: TODAY)
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(str(tmp_path / "ledger.xlsx"))
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("csv"))
    assert dialog.path_edit.text().endswith("ledger.csv")
    with qtbot.waitSignal(dialog.sig_exported, timeout=10_000):
        dialog.export_button.click()
    text = (tmp_path / "ledger.csv").read_text(encoding="utf-8-sig")
    assert "王记便利店" in text
