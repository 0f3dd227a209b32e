"""The assessment dashboard: one bar per manager with the right numbers; the figures table; period steps."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from fieldapp.core.assessment import assess
from fieldapp.core.periods import PeriodKind
from fieldapp.gui.lead import DashboardView
from fieldapp.gui.lead import ops as lead_ops
from fieldapp.store.assessment_facts import build_assessment_facts

from .test_lead_common import MGR_A, MGR_B, TODAY, hub, team_visits  # noqa: F401 - fixtures

pytestmark = pytest.mark.usefixtures("translations")


def open_dashboard(qtbot) -> DashboardView:
    view = DashboardView(today=lambda: TODAY)
    qtbot.addWidget(view)
    view.resize(1300, 800)
    teams = []
    lead_ops.load_team(parent=view, success=teams.append).run_in_background()
    qtbot.waitUntil(lambda: bool(teams), timeout=5000)
    view.set_team(teams[0])
    view.show()
    with qtbot.waitSignal(view.sig_assessed, timeout=10_000):
        view.start()
    return view


def bar_values(view) -> list[float]:
    bars = view.chart().series()[0].barSets()[0]
    return [bars.at(i) for i in range(bars.count())]


def test_one_bar_per_manager_with_the_right_numbers(qtbot, hub, team_visits, engine):
    view = open_dashboard(qtbot)
    a = view.assessment
    assert [f.manager_id for f in a.managers] == [MGR_A, MGR_B]
    assert bar_values(view.visits_view) == [2.0, 1.0]
    assert bar_values(view.score_view) == [75.0, 100.0]          # (50 + 100) / 2 and 100
    assert view.visits_view.chart().axes(Qt.Orientation.Horizontal)[0].categories() == ["张伟", "李娜"]
    # the coverage bars are the core's figures
    with engine.connect() as conn:
        facts = build_assessment_facts(conn, view.loaded_from, view.loaded_to)
    expected = assess(facts, view.period, [MGR_A, MGR_B], as_of=TODAY)
    assert bar_values(view.coverage_view) == [round(f.coverage.percent or 0.0, 1) for f in expected.managers]

    # the numbers, one click away: a row per manager and the team
    model = view.model
    assert model.rowCount() == 3
    assert [model.value(r, "manager") for r in range(3)] == ["张伟", "李娜", "Team"]
    assert [model.value(r, "visits") for r in range(3)] == ["2", "1", "3"]
    assert [model.value(r, "score") for r in range(3)] == ["75.0", "100.0", "83.3"]
    assert "Prices marked" in view.failed_label.text()
    assert len(view.trend_points) == 6 and view.trend_points[-1].visits == 3


def test_period_steps_reuse_the_facts(qtbot, hub, team_visits):
    view = open_dashboard(qtbot)
    facts = view.facts
    assert view.period.kind is PeriodKind.WEEK and view.period.start == TODAY
    assert not view.next_button.isEnabled()          # no future periods
    with qtbot.waitSignal(view.sig_assessed, timeout=5000):
        view.prev_button.click()
    assert view.facts is facts                       # assessed from the facts already read
    assert [f.visits for f in view.assessment.managers] == [0, 0]
    with qtbot.waitSignal(view.sig_assessed, timeout=5000):
        view.kind_combo.setCurrentIndex(view.kind_combo.findData(PeriodKind.MONTH))
    assert view.period.kind is PeriodKind.MONTH and view.assessment.team.visits == 3
    assert view.facts is facts
