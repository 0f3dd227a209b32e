"""Attendance (考勤): start and end of the working day.

A compact bar: what the day's state is ("Working day started at 08:02") and the
one button that makes sense next. Both actions go through the store's
``start_working_day`` / ``end_working_day`` (journaled, so the team lead sees
them after sync); refusals (e.g. ending the day while a visit is in progress)
are shown in the bar.

UI thread only.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Callable

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from fieldapp.store.visits import VisitError

from .. import operations as base_ops
from . import ops
from .widgets import fmt_time, message_text


def local_now() -> datetime:
    return datetime.now().astimezone()


class AttendanceBar(QWidget):
    """Start / end of the working day. ``sig_changed(AttendanceState)`` after every (re)load."""

    sig_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None, *, today: Callable[[], date] | None = None,
                 now: Callable[[], datetime] | None = None):
        super().__init__(parent)
        self._now = now or local_now
        self._today = today or (lambda: self._now().date())
        self.state: ops.AttendanceState | None = None
        self._job: base_ops.Job | None = None
        self.status_label = QLabel(self)
        self.status_label.setObjectName("muted")
        self.error_label = QLabel(self)
        self.error_label.setStyleSheet("color: #cf222e;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.start_button = QPushButton(self)
        self.start_button.setObjectName("secondary")
        self.start_button.clicked.connect(self.start_day)
        self.end_button = QPushButton(self)
        self.end_button.setObjectName("secondary")
        self.end_button.clicked.connect(self.end_day)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.error_label, 1)
        layout.addWidget(self.status_label, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.start_button)
        layout.addWidget(self.end_button)
        base_ops.OperationHub.instance().operation_did_execute.connect(self._on_operation)
        self._show()

    def refresh(self) -> None:
        if self._job is not None:
            self._job.cancel()
        self._job = ops.load_attendance(parent=self, today=self._today(), success=self._on_loaded).run_in_background()

    def start_day(self) -> None:
        self.error_label.hide()
        ops.start_working_day(parent=self, now=self._now()).success(lambda _d: self.refresh()) \
            .failure(self._on_failure).run_in_background(initiator=self)

    def end_day(self) -> None:
        self.error_label.hide()
        ops.end_working_day(parent=self, now=self._now()).success(lambda _d: self.refresh()) \
            .failure(self._on_failure).run_in_background(initiator=self)

    def _on_failure(self, error: BaseException) -> None:
        if isinstance(error, VisitError):
            self.error_label.setText(message_text(error.message))
            self.error_label.show()
        else:
            base_ops.show_error(self, error)

    def _on_loaded(self, state: ops.AttendanceState) -> None:
        self._job = None
        self.state = state
        self._show()
        self.sig_changed.emit(state)

    def _on_operation(self, changes, initiator) -> None:
        if initiator is not self and (ops.touches(changes, "attendance") or ops.touches(changes, "visits")):
            self.refresh()

    def _show(self) -> None:
        state = self.state
        today = state.today if state else None
        open_day = state.open_day if state else None
        if open_day is not None and (today is None or open_day.id == today.id):
            self.status_label.setText(self.tr("Working day started at {time}").format(
                time=fmt_time(open_day.started_at)))
            self.start_button.hide()
            self.end_button.show()
        elif open_day is not None:  # a day begun before midnight is still open
            self.status_label.setText(self.tr("The working day of {date} was not ended").format(
                date=open_day.work_date.isoformat()))
            self.start_button.hide()
            self.end_button.show()
        elif today is not None:
            self.status_label.setText(self.tr("Working day {start}–{end}").format(
                start=fmt_time(today.started_at), end=fmt_time(today.ended_at)))
            self.start_button.show()
            self.end_button.hide()
        else:
            self.status_label.setText(self.tr("Working day not started"))
            self.start_button.show()
            self.end_button.hide()
        self.start_button.setText(self.tr("Resume working day") if today is not None and open_day is None
                                  else self.tr("Start working day"))
        self.end_button.setText(self.tr("End working day"))

    def changeEvent(self, event) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self._show()
        super().changeEvent(event)
