"""Reporting periods: ISO week, ten days (旬) and calendar month.

A team lead looks at the team's work by week, by ten days (旬: the 1st-10th
上旬, 11th-20th 中旬, and 21st to the end of the month 下旬, so the last 旬
has 8, 9, 10 or 11 days) and by month. A :class:`Period` is a closed range of
dates ``start``..``end`` (both included) of one :class:`PeriodKind`; periods of
one kind tile the calendar without gaps or overlaps, so ``previous`` and
``next`` simply step to the neighbouring tile.

Weeks are ISO weeks: Monday to Sunday, numbered by ISO year and week
(``date.isocalendar()``), so 2026-12-28 .. 2027-01-03 is week 53 of 2026.

Labels are translatable :class:`~fieldapp.core.messages.Message` values
(context ``"Period"``). Every label carries the same parameters, so a
translation may use any of them: ``year``, ``month``, ``week`` (ISO week, 0
for other kinds), ``iso_year``, ``part`` (1-3 for ten days, else 0),
``start``/``end`` (ISO dates), ``start_month``, ``start_day``, ``end_month``,
``end_day``. Suggested zh_CN translations (source → translation):

- ``{iso_year}-W{week:02d} ({start} – {end})`` →
  ``{iso_year}年第{week}周（{start_month}月{start_day}日–{end_month}月{end_day}日）``
- ``{year}-{month:02d} first ten days`` → ``{year}年{month}月上旬``
- ``{year}-{month:02d} middle ten days`` → ``{year}年{month}月中旬``
- ``{year}-{month:02d} last ten days`` → ``{year}年{month}月下旬``
- ``{year}-{month:02d}`` → ``{year}年{month}月``
- ``W{week:02d}`` → ``第{week}周``
- ``{month:02d} early`` / ``mid`` / ``late`` → ``{month}月上旬`` / ``{month}月中旬`` / ``{month}月下旬``

Pure: nothing here reads the clock; pass the day you mean.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterator

from .entities import LabelledEnum
from .messages import QT_TRANSLATE_NOOP, Message

CTX = "Period"


class PeriodKind(LabelledEnum):
    WEEK = ("week", QT_TRANSLATE_NOOP("Enum", "Week"))
    TEN_DAYS = ("ten_days", QT_TRANSLATE_NOOP("Enum", "Ten days"))
    MONTH = ("month", QT_TRANSLATE_NOOP("Enum", "Month"))


# One literal per text, so what lupdate extracts is exactly what is looked up.
_LONG = {
    PeriodKind.WEEK: QT_TRANSLATE_NOOP("Period", "{iso_year}-W{week:02d} ({start} – {end})"),
    PeriodKind.MONTH: QT_TRANSLATE_NOOP("Period", "{year}-{month:02d}"),
}
_LONG_TEN_DAYS = {
    1: QT_TRANSLATE_NOOP("Period", "{year}-{month:02d} first ten days"),
    2: QT_TRANSLATE_NOOP("Period", "{year}-{month:02d} middle ten days"),
    3: QT_TRANSLATE_NOOP("Period", "{year}-{month:02d} last ten days"),
}
_SHORT = {
    PeriodKind.WEEK: QT_TRANSLATE_NOOP("Period", "W{week:02d}"),
    PeriodKind.MONTH: QT_TRANSLATE_NOOP("Period", "{year}-{month:02d}"),
}
_SHORT_TEN_DAYS = {
    1: QT_TRANSLATE_NOOP("Period", "{month:02d} early"),
    2: QT_TRANSLATE_NOOP("Period", "{month:02d} mid"),
    3: QT_TRANSLATE_NOOP("Period", "{month:02d} late"),
}


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def ten_days_part(day: date) -> int:
    """1 for the 1st-10th (上旬), 2 for the 11th-20th (中旬), 3 from the 21st (下旬)."""
    return 1 if day.day <= 10 else 2 if day.day <= 20 else 3


@dataclass(frozen=True, order=True)
class Period:
    """Days ``start`` to ``end``, both included, of one kind. Build it with :func:`period_containing`.

    Ordered by start date (periods of one kind never overlap), so a sorted list
    of periods is in calendar order.
    """

    start: date
    end: date
    kind: PeriodKind

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", PeriodKind(self.kind))
        if _bounds(self.kind, self.start) != (self.start, self.end):
            raise ValueError(f"{self.start}..{self.end} is not a {self.kind.value} period")

    # --- calendar -------------------------------------------------------------------

    @property
    def days(self) -> int:
        """Number of days in the period (7 for a week; 8-11 for the last 旬; 28-31 for a month)."""
        return (self.end - self.start).days + 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def dates(self) -> Iterator[date]:
        """Every day of the period, in order."""
        for offset in range(self.days):
            yield self.start + timedelta(days=offset)

    def previous(self) -> "Period":
        return period_containing(self.kind, self.start - timedelta(days=1))

    def next(self) -> "Period":
        return period_containing(self.kind, self.end + timedelta(days=1))

    @property
    def part(self) -> int:
        """Which 旬 of the month (1-3) for ten days; 0 for other kinds."""
        return ten_days_part(self.start) if self.kind is PeriodKind.TEN_DAYS else 0

    @property
    def key(self) -> str:
        """A stable, sortable-within-kind text id: ``2026-W48``, ``2026-11-2`` (中旬), ``2026-11``."""
        if self.kind is PeriodKind.WEEK:
            iso = self.start.isocalendar()
            return f"{iso.year:04d}-W{iso.week:02d}"
        if self.kind is PeriodKind.TEN_DAYS:
            return f"{self.start.year:04d}-{self.start.month:02d}-{self.part}"
        return f"{self.start.year:04d}-{self.start.month:02d}"

    # --- labels -----------------------------------------------------------------------

    def _params(self) -> dict[str, object]:
        iso = self.start.isocalendar()
        return {"year": self.start.year, "month": self.start.month,
                "week": iso.week if self.kind is PeriodKind.WEEK else 0, "iso_year": iso.year,
                "part": self.part, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "start_month": self.start.month, "start_day": self.start.day,
                "end_month": self.end.month, "end_day": self.end.day}

    def label(self) -> Message:
        """The full name, e.g. "2026-11 middle ten days" (zh: 2026年11月中旬)."""
        text = _LONG_TEN_DAYS[self.part] if self.kind is PeriodKind.TEN_DAYS else _LONG[self.kind]
        return Message(CTX, text, self._params())

    def short_label(self) -> Message:
        """A compact name for chart axes, e.g. "W48", "11 mid" (zh: 11月中旬), "2026-11"."""
        text = _SHORT_TEN_DAYS[self.part] if self.kind is PeriodKind.TEN_DAYS else _SHORT[self.kind]
        return Message(CTX, text, self._params())


def _bounds(kind: PeriodKind, day: date) -> tuple[date, date]:
    if kind is PeriodKind.WEEK:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if kind is PeriodKind.TEN_DAYS:
        part = ten_days_part(day)
        start = date(day.year, day.month, 1 + 10 * (part - 1))
        end = _month_end(day.year, day.month) if part == 3 else date(day.year, day.month, 10 * part)
        return start, end
    if kind is PeriodKind.MONTH:
        return date(day.year, day.month, 1), _month_end(day.year, day.month)
    raise ValueError(f"unknown period kind {kind!r}")


def period_containing(kind: PeriodKind | str, day: date) -> Period:
    """The period of ``kind`` that contains ``day``."""
    kind = PeriodKind(kind)
    start, end = _bounds(kind, day)
    return Period(start, end, kind)


def previous(period: Period) -> Period:
    """The period of the same kind just before ``period``."""
    return period.previous()


def next(period: Period) -> Period:  # noqa: A001 - the name the callers asked for; use builtins.next elsewhere
    """The period of the same kind just after ``period``."""
    return period.next()


def last_periods(kind: PeriodKind | str, day: date, count: int) -> tuple[Period, ...]:
    """The ``count`` periods of ``kind`` ending with the one containing ``day``, oldest first."""
    if count < 1:
        raise ValueError("count must be at least 1")
    periods = [period_containing(kind, day)]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return tuple(reversed(periods))
