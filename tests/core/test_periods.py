"""Reporting periods: ISO weeks, ten days (旬) with their month-end edge cases, months, labels."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fieldapp.core import periods as P
from fieldapp.core.periods import Period, PeriodKind, last_periods, period_containing

ZH = {
    "{iso_year}-W{week:02d} ({start} – {end})":
        "{iso_year}年第{week}周（{start_month}月{start_day}日–{end_month}月{end_day}日）",
    "{year}-{month:02d} first ten days": "{year}年{month}月上旬",
    "{year}-{month:02d} middle ten days": "{year}年{month}月中旬",
    "{year}-{month:02d} last ten days": "{year}年{month}月下旬",
    "{year}-{month:02d}": "{year}年{month}月",
    "W{week:02d}": "第{week}周",
    "{month:02d} early": "{month}月上旬",
    "{month:02d} mid": "{month}月中旬",
    "{month:02d} late": "{month}月下旬",
}


def zh(context: str, text: str) -> str:
    assert context == "Period"
    return ZH[text]


# --- weeks ---------------------------------------------------------------------------


@pytest.mark.parametrize("day", [date(2026, 11, 23), date(2026, 11, 26), date(2026, 11, 29)])
def test_a_week_runs_monday_to_sunday(day):
    week = period_containing(PeriodKind.WEEK, day)
    assert (week.start, week.end, week.days) == (date(2026, 11, 23), date(2026, 11, 29), 7)
    assert week.key == "2026-W48"


def test_weeks_follow_iso_years_across_new_year():
    week = period_containing("week", date(2027, 1, 1))  # a Friday
    assert (week.start, week.end) == (date(2026, 12, 28), date(2027, 1, 3))
    assert week.key == "2026-W53"
    assert week.next().key == "2027-W01"
    assert week.label().render() == "2026-W53 (2026-12-28 – 2027-01-03)"
    assert week.label().render(zh) == "2026年第53周（12月28日–1月3日）"
    assert week.short_label().render(zh) == "第53周"


# --- ten days (旬) ---------------------------------------------------------------------


@pytest.mark.parametrize("day, start, end", [
    (date(2026, 11, 1), date(2026, 11, 1), date(2026, 11, 10)),
    (date(2026, 11, 10), date(2026, 11, 1), date(2026, 11, 10)),
    (date(2026, 11, 11), date(2026, 11, 11), date(2026, 11, 20)),
    (date(2026, 11, 20), date(2026, 11, 11), date(2026, 11, 20)),
    (date(2026, 11, 21), date(2026, 11, 21), date(2026, 11, 30)),  # 30-day month: 10 days
    (date(2026, 12, 31), date(2026, 12, 21), date(2026, 12, 31)),  # 31-day month: 11 days
    (date(2026, 2, 28), date(2026, 2, 21), date(2026, 2, 28)),     # February: 8 days
    (date(2028, 2, 29), date(2028, 2, 21), date(2028, 2, 29)),     # leap February: 9 days
])
def test_ten_days_boundaries(day, start, end):
    period = period_containing(PeriodKind.TEN_DAYS, day)
    assert (period.start, period.end) == (start, end)
    assert period.days == (end - start).days + 1


def test_the_last_ten_days_have_8_to_11_days():
    assert period_containing("ten_days", date(2026, 2, 25)).days == 8
    assert period_containing("ten_days", date(2028, 2, 25)).days == 9
    assert period_containing("ten_days", date(2026, 4, 25)).days == 10
    assert period_containing("ten_days", date(2026, 1, 25)).days == 11


def test_ten_days_step_through_a_month_end():
    late_feb = period_containing("ten_days", date(2028, 2, 29))
    assert late_feb.next().start == date(2028, 3, 1)
    assert late_feb.next().end == date(2028, 3, 10)
    assert late_feb.previous() == period_containing("ten_days", date(2028, 2, 15))
    assert period_containing("ten_days", date(2027, 1, 5)).previous() == Period(
        date(2026, 12, 21), date(2026, 12, 31), PeriodKind.TEN_DAYS)


def test_ten_days_labels_in_english_and_chinese():
    middle = period_containing("ten_days", date(2026, 11, 15))
    assert middle.part == 2 and middle.key == "2026-11-2"
    assert middle.label().render() == "2026-11 middle ten days"
    assert middle.label().render(zh) == "2026年11月中旬"
    assert period_containing("ten_days", date(2026, 3, 2)).label().render(zh) == "2026年3月上旬"
    assert period_containing("ten_days", date(2026, 3, 31)).label().render(zh) == "2026年3月下旬"
    assert period_containing("ten_days", date(2026, 3, 31)).short_label().render() == "03 late"
    assert period_containing("ten_days", date(2026, 3, 31)).short_label().render(zh) == "3月下旬"


# --- months ------------------------------------------------------------------------------


@pytest.mark.parametrize("day, end", [(date(2026, 2, 14), date(2026, 2, 28)), (date(2028, 2, 1), date(2028, 2, 29)),
                                      (date(2026, 12, 31), date(2026, 12, 31)), (date(2026, 4, 30), date(2026, 4, 30))])
def test_months(day, end):
    month = period_containing(PeriodKind.MONTH, day)
    assert month.start == day.replace(day=1) and month.end == end
    assert month.label().render() == f"{day.year}-{day.month:02d}"
    assert month.label().render(zh) == f"{day.year}年{day.month}月"


def test_month_steps_across_the_year():
    december = period_containing("month", date(2026, 12, 5))
    assert december.next() == period_containing("month", date(2027, 1, 1))
    assert P.next(december).key == "2027-01"
    assert P.previous(period_containing("month", date(2027, 1, 1))) == december


# --- general -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(PeriodKind))
def test_periods_tile_the_calendar(kind):
    """Walking next() from any period covers every day exactly once, and previous() undoes next()."""
    period = period_containing(kind, date(2027, 12, 1))
    seen = []
    while period.start <= date(2029, 3, 31):
        assert period.previous().next() == period
        assert all(period_containing(kind, d) == period for d in (period.start, period.end))
        seen.extend(period.dates())
        period = period.next()
    assert seen == [seen[0] + timedelta(days=k) for k in range(len(seen))]


def test_contains_and_order():
    week = period_containing("week", date(2026, 11, 25))
    assert date(2026, 11, 23) in week and date(2026, 11, 29) in week
    assert date(2026, 11, 22) not in week and date(2026, 11, 30) not in week
    assert sorted([week.next(), week, week.previous()]) == [week.previous(), week, week.next()]


def test_last_periods_oldest_first():
    weeks = last_periods("week", date(2026, 11, 25), 3)
    assert [w.key for w in weeks] == ["2026-W46", "2026-W47", "2026-W48"]
    with pytest.raises(ValueError):
        last_periods("week", date(2026, 11, 25), 0)


def test_a_period_built_by_hand_must_have_its_kinds_bounds():
    assert Period(date(2026, 11, 2), date(2026, 11, 8), PeriodKind.WEEK).days == 7  # Monday to Sunday
    assert Period(date(2026, 2, 21), date(2026, 2, 28), "ten_days").kind is PeriodKind.TEN_DAYS
    with pytest.raises(ValueError):
        Period(date(2026, 11, 3), date(2026, 11, 9), PeriodKind.WEEK)  # Tuesday to Monday
    with pytest.raises(ValueError):
        Period(date(2026, 2, 21), date(2026, 2, 27), PeriodKind.TEN_DAYS)  # February's last 旬 ends on the 28th
    with pytest.raises(ValueError):
        Period(date(2026, 11, 1), date(2026, 11, 31 - 1), "quarter")
