"""Switching the UI language re-labels the working-day screens, core reasons included.

The Chinese texts come from resources/i18n/visit_strings_zh_CN.txt merged into the project's .ts and compiled
by the screenshot script's own pipeline (the .qm shipped may not hold these strings yet).
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail_in_ci
from PySide6.QtCore import QCoreApplication, Qt, QTranslator

from fieldapp.core.entities import AnswerResult
from fieldapp.gui.visit import CustomerHistoryWidget, PlanView, VisitScreen

from .test_visit_common import TODAY, clock, customers, hub, template  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


def load_script():
    spec = importlib.util.spec_from_file_location("visit_screenshots", ROOT / "scripts" / "visit_screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def chinese(qapp, tmp_path):
    lrelease = Path(sys.executable).parent / "pyside6-lrelease"
    if not lrelease.exists() and not shutil.which("pyside6-lrelease"):
        skip_or_fail_in_ci("pyside6-lrelease is not installed")
    qm = load_script().build_qm(tmp_path)
    translator = QTranslator()
    assert translator.load(str(qm))
    QCoreApplication.installTranslator(translator)
    yield translator
    QCoreApplication.removeTranslator(translator)


def test_all_screens_follow_the_language(qtbot, hub, profile, customers, clock, chinese):  # noqa: F811
    plan = PlanView(today=lambda: TODAY, now=clock)
    qtbot.addWidget(plan)
    plan.show()
    with qtbot.waitSignal(plan.sig_plan_loaded, timeout=5000):
        plan.start()
    screen = VisitScreen(profile, now=clock)
    qtbot.addWidget(screen)
    screen.show()
    with qtbot.waitSignal(screen.sig_start_info_loaded, timeout=5000):
        screen.start_for_customer(customers["wang"])
    with qtbot.waitSignal(screen.sig_visit_started, timeout=5000):
        screen.check_in()
    history = CustomerHistoryWidget(today=lambda: TODAY)
    qtbot.addWidget(history)
    history.show()
    with qtbot.waitSignal(history.sig_loaded, timeout=5000):
        history.set_customer(customers["wang"])

    # The translator was installed before the widgets existed: they were built in Chinese.
    assert plan.title.text() == "拜访计划"
    assert "（B 类：每 14 天一次）" in plan.reasons_text(customers["wang"])  # a core message, translated
    assert screen.check_out_button.text() == "签退"
    assert screen.tabs.tabText(1) == "拜访记录"
    assert screen.notes.labels["needs"].text() == "需求"
    assert history.visits_tile.caption.text() == "拜访次数"

    # Removing it sends LanguageChange: everything turns back to English, without a reload.
    QCoreApplication.removeTranslator(chinese)
    qtbot.waitUntil(lambda: plan.title.text() == "Visit plan", timeout=5000)
    assert plan.today_button.text() == "Today"
    assert "No visit on record (class B: every 14 days)." in plan.reasons_text(customers["wang"])
    assert screen.check_out_button.text() == "Check out"
    assert screen.tabs.tabText(1) == "Visit notes"
    assert screen.checklist.rows["counter_clean"].buttons[AnswerResult.PASS].text() == "Pass"
    assert history.visits_tile.caption.text() == "Visits on record"
    assert plan.model.headerData(3, Qt.Orientation.Horizontal) == "Why this visit"
