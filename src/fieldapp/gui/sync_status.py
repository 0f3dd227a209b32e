"""Where sync stands, in one status-bar widget: offline, syncing 42 %, synced at 14:05, N changes waiting,
needs attention.

:func:`derive_status` turns what the :class:`~fieldapp.gui.sync_worker.SyncController`
knows (the local sync facts, the running sync's progress, the last report) into
a :class:`SyncStatus` — pure, no Qt, so every state is easy to test.
:class:`SyncStatusWidget` shows a status: a coloured dot, one clickable line,
a small progress bar and a cancel button while syncing, and the number of
changes waiting. Clicking the line asks the window to show what can be done
(sign in, the conflicts, the details).

UI thread only (the widget); :func:`derive_status` is plain Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QCoreApplication, QEvent, QLocale, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from fieldapp.core.messages import Message

from .i18n import render_message

if TYPE_CHECKING:
    from .sync_worker import SyncFacts

translate = QCoreApplication.translate

# Failures that need the user (or IT) before syncing can work again.
ATTENTION_KINDS = frozenset({"auth_expired", "auth_revoked", "auth", "protocol", "certificate", "forbidden",
                             "rejected", "other_user", "error"})
# Failures that go away by themselves: the probe (or the next timer) tries again.
RETRY_KINDS = frozenset({"offline", "server", "throttled", "busy", "cancelled"})
SIGN_IN_KINDS = frozenset({"auth_expired", "auth_revoked", "auth", "not_configured"})
# Auto sync waits for the user after these (retrying cannot help).
BLOCKING_KINDS = frozenset({"auth_expired", "auth_revoked", "auth", "protocol", "certificate", "other_user"})

# Overall percentage per phase of a sync: push (with its photos) first, then pull, then the check.
PHASE_SPANS = {"push": (0, 45), "pull": (45, 95), "verify": (95, 100)}

COLOURS = {
    "not_signed_in": "#8c959f", "demo": "#e8590c", "syncing": "#0969da", "attention": "#cf222e",
    "offline": "#8c959f", "synced": "#1a7f37", "never": "#8c959f",
}


PENDING_COLOUR = "#bf8700"


class SyncState(str, Enum):
    NOT_SIGNED_IN = "not_signed_in"
    DEMO = "demo"
    SYNCING = "syncing"
    ATTENTION = "attention"
    OFFLINE = "offline"
    SYNCED = "synced"
    NEVER = "never"  # signed in, not synced yet


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar says. ``attention`` names the problem when ``state`` is ATTENTION:
    ``conflicts``, ``sign_in``, ``update_app``, ``update_server``, ``certificate`` or ``other``."""

    state: SyncState = SyncState.NOT_SIGNED_IN
    pending: int = 0
    open_conflicts: int = 0
    percent: int | None = None
    phase: str | None = None
    received: int = 0
    last_sync_at: str | None = None  # ISO 8601 (UTC) of the last successful sync
    error_kind: str | None = None
    attention: str | None = None
    message: Message | str | None = None  # the details (a failed sync's reason, the demo refusal...)
    server_url: str | None = None
    username: str | None = None
    warnings: tuple[Message | str, ...] = field(default_factory=tuple)
    known: bool = False  # the local facts were read at least once

    @property
    def needs_sign_in(self) -> bool:
        return self.state is SyncState.NOT_SIGNED_IN or self.attention == "sign_in"

    @property
    def blocks_auto_sync(self) -> bool:
        return self.state is SyncState.ATTENTION and self.attention != "conflicts" and (
            self.error_kind in BLOCKING_KINDS or self.attention == "sign_in")


def _percent(phase: str | None, done: int, total: int | None, previous: int | None) -> int | None:
    if phase == "photos":
        return previous  # photos are part of a push batch: keep the push's figure
    span = PHASE_SPANS.get(phase or "")
    if span is None:
        return 0 if phase is None else previous
    if total is None:
        return None  # the server does not say how much is coming
    start, end = span
    fraction = 1.0 if total <= 0 else min(max(done / total, 0.0), 1.0)
    return int(start + (end - start) * fraction)


def derive_status(facts: "SyncFacts", previous: SyncStatus | None = None) -> SyncStatus:
    """The status for ``facts``. Order: demo, syncing, not signed in, needs attention, offline, synced."""
    overview = facts.overview
    report = facts.report
    pending = overview.pending if overview else 0
    conflicts = overview.open_conflicts if overview else 0
    common: dict[str, Any] = dict(
        pending=pending, open_conflicts=conflicts, last_sync_at=overview.last_sync_at if overview else None,
        server_url=overview.server_url if overview else None, username=overview.username if overview else None,
        warnings=tuple(facts.warnings), known=overview is not None)
    failed = report is not None and report.status == "failed"
    kind = report.error_kind if failed else None
    message: Message | str | None = None
    if failed:
        error_message = getattr(report.error, "message", None)
        message = error_message if isinstance(error_message, Message) else report.message

    if facts.demo or kind == "demo_profile":
        return SyncStatus(SyncState.DEMO, error_kind=kind, message=message, **common)
    if facts.running:
        percent = _percent(facts.phase, facts.done, facts.total, previous.percent if previous else None)
        return SyncStatus(SyncState.SYNCING, percent=percent, phase=facts.phase,
                          received=facts.done if facts.phase == "pull" else 0, **common)
    configured = bool(overview and overview.configured) and not facts.signed_out
    if not configured or kind == "not_configured":
        return SyncStatus(SyncState.NOT_SIGNED_IN, error_kind=kind, **common)
    if kind in SIGN_IN_KINDS:
        return SyncStatus(SyncState.ATTENTION, attention="sign_in", error_kind=kind, message=message, **common)
    if facts.extra_attention is not None:
        return SyncStatus(SyncState.ATTENTION, attention="sign_in", message=facts.extra_attention, **common)
    if kind in ATTENTION_KINDS:
        attention = "other"
        if kind == "protocol":
            too_old = getattr(report.error, "client_too_old", True)
            attention = "update_app" if too_old else "update_server"
        elif kind == "certificate":
            attention = "certificate"
        return SyncStatus(SyncState.ATTENTION, attention=attention, error_kind=kind, message=message, **common)
    if conflicts:
        return SyncStatus(SyncState.ATTENTION, attention="conflicts", **common)
    if facts.offline:
        return SyncStatus(SyncState.OFFLINE, error_kind=kind, message=message, **common)
    if failed and kind == "cancelled":
        state = SyncState.SYNCED if common["last_sync_at"] else SyncState.NEVER
        return SyncStatus(state, error_kind=kind, message=message, **common)
    if common["last_sync_at"]:
        return SyncStatus(SyncState.SYNCED, **common)
    return SyncStatus(SyncState.NEVER, **common)


# --- texts -----------------------------------------------------------------------------------------


def local_time(iso: str | None, now: datetime | None = None) -> str:
    """``HH:MM`` for today, else ``MM-DD HH:MM`` (in the local time zone)."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    now = now or datetime.now()
    if moment.date() == now.date():
        return moment.strftime("%H:%M")
    if moment.year == now.year:
        return moment.strftime("%m-%d %H:%M")
    return moment.strftime("%Y-%m-%d %H:%M")


def render(message: Message | str | None) -> str:
    if message is None:
        return ""
    return render_message(message) if isinstance(message, Message) else str(message)


def state_text(status: SyncStatus, now: datetime | None = None) -> str:
    """The status line: 离线 / 正在同步 42% / 已同步 14:05 / 需要处理…"""
    state = status.state
    if state is SyncState.NOT_SIGNED_IN:
        return translate("SyncStatus", "Not signed in")
    if state is SyncState.DEMO:
        return translate("SyncStatus", "Demo data: not synced")
    if state is SyncState.SYNCING:
        if status.phase == "cancelling":
            return translate("SyncStatus", "Stopping sync…")
        if status.percent is not None:
            return translate("SyncStatus", "Syncing {percent}%").format(percent=status.percent)
        if status.received:
            return translate("SyncStatus", "Syncing… {count} received").format(
                count=QLocale().toString(status.received))
        return translate("SyncStatus", "Syncing…")
    if state is SyncState.ATTENTION:
        reason = {
            "conflicts": translate("SyncStatus", "conflicts ({count})").format(
                count=QLocale().toString(status.open_conflicts)),
            "sign_in": translate("SyncStatus", "sign in again"),
            "update_app": translate("SyncStatus", "update FieldApp"),
            "update_server": translate("SyncStatus", "server too old"),
            "certificate": translate("SyncStatus", "certificate problem"),
        }.get(status.attention or "", translate("SyncStatus", "sync failed"))
        return translate("SyncStatus", "Needs attention: {reason}").format(reason=reason)
    if state is SyncState.OFFLINE:
        if status.error_kind in ("server", "throttled"):
            return translate("SyncStatus", "Server unavailable")
        return translate("SyncStatus", "Offline")
    if state is SyncState.SYNCED:
        when = local_time(status.last_sync_at, now)
        if status.pending:
            return translate("SyncStatus", "Last synced {time}").format(time=when)
        return translate("SyncStatus", "Synced {time}").format(time=when)
    return translate("SyncStatus", "Not synced yet")


def pending_text(status: SyncStatus) -> str:
    """"N changes waiting to sync", or nothing when none wait."""
    if not status.pending:
        return ""
    # Same context as the window's label always had: one translation, one plural rule.
    return translate("MainWindow", "%Ln change(s) waiting to sync", "", status.pending)


def detail_text(status: SyncStatus, now: datetime | None = None) -> str:
    """A paragraph for the tooltip and the details dialog: what happened and what to do."""
    lines: list[str] = []
    state = status.state
    if status.server_url and status.username:
        lines.append(translate("SyncStatus", "Signed in as {user} at {server}.").format(
            user=status.username, server=status.server_url))
    if state is SyncState.NOT_SIGNED_IN:
        lines.append(translate("SyncStatus", "This profile is not signed in to a sync server: your work stays on "
                                             "this laptop. Sign in to send it and receive your team's changes."))
    elif state is SyncState.DEMO:
        lines.append(render(status.message) or translate(
            "SyncStatus", "This profile holds made-up demo data, which is never synced."))
    elif state is SyncState.SYNCING:
        lines.append(translate("SyncStatus", "Sending your changes and receiving the server's. You can keep "
                                             "working meanwhile."))
    elif state is SyncState.ATTENTION:
        if status.attention == "conflicts":
            lines.append(translate("SyncStatus", "Some of your changes met changes made by someone else, or were "
                                                 "refused by the server. Both versions are kept: open the conflicts "
                                                 "to choose."))
        elif render(status.message):
            lines.append(render(status.message))
    elif state is SyncState.OFFLINE:
        lines.append(render(status.message) or translate("SyncStatus", "The sync server cannot be reached."))
        lines.append(translate("SyncStatus", "FieldApp keeps trying and syncs as soon as the server answers."))
    if status.last_sync_at:
        lines.append(translate("SyncStatus", "Last successful sync: {time}.").format(
            time=local_time(status.last_sync_at, now)))
    if status.pending:
        lines.append(pending_text(status) + translate("SyncStatus", " (kept safely on this laptop)."))
    if status.open_conflicts and status.attention != "conflicts":
        lines.append(translate("SyncStatus", "Conflicts to review: {count}.").format(count=status.open_conflicts))
    if status.error_kind == "cancelled" and state is not SyncState.ATTENTION:
        lines.append(render(status.message))
    for warning in status.warnings:
        lines.append(render(warning))
    return "\n".join(line for line in lines if line)


# --- icon -------------------------------------------------------------------------------------------

_SYNC_SVG = ('<path d="M20 12a8 8 0 0 1-13.7 5.6M4 12a8 8 0 0 1 13.7-5.6" fill="none" stroke="{c}" '
             'stroke-width="2" stroke-linecap="round"/><path d="M18.5 2.8v4.4h-4.4M5.5 21.2v-4.4h4.4" fill="none" '
             'stroke="{c}" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/>')


def sync_icon(colour: str = "#1f6feb", size: int = 32) -> QIcon:
    """Two circling arrows (the "Sync now" action)."""
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24">{_SYNC_SVG.format(c=colour)}</svg>'
    renderer = QSvgRenderer(QByteArray(svg.encode()))
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return QIcon(pixmap)


def dot_pixmap(colour: str, size: int = 10) -> QPixmap:
    pixmap = QPixmap(size * 2, size * 2)  # drawn at 2x, shown at size: smooth on any screen
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawEllipse(QRectF(1, 1, size - 2, size - 2))
    painter.end()
    return pixmap


# --- the widget -------------------------------------------------------------------------------------

STYLE = """
QFrame#syncStatus { padding: 0; }
QToolButton#syncState { border: none; padding: 1px 4px; color: #1f2328; }
QToolButton#syncState:hover { text-decoration: underline; }
QToolButton#syncState[state="attention"] { color: #cf222e; font-weight: 600; }
QToolButton#syncState[state="demo"] { color: #bc4c00; }
QToolButton#syncCancel { border: none; padding: 0 2px; color: #57606a; }
QToolButton#syncCancel:hover { color: #cf222e; }
QProgressBar#syncProgress { border: 1px solid #d0d7de; border-radius: 3px; background: #f6f8fa; max-height: 8px; }
QProgressBar#syncProgress::chunk { background: #0969da; border-radius: 2px; }
QLabel#pendingLabel { padding: 0 6px; color: #57606a; }
"""


class SyncStatusWidget(QFrame):
    """The status bar's sync corner. Call :meth:`set_status`; listen to ``sig_clicked`` and ``sig_cancel``."""

    sig_clicked = Signal()
    sig_cancel = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.setStyleSheet(STYLE)
        self.status = SyncStatus()
        self.dot = QLabel(self)
        self.dot.setFixedSize(QSize(10, 10))
        self.state_button = QToolButton(self)
        self.state_button.setObjectName("syncState")
        self.state_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.state_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.state_button.clicked.connect(self.sig_clicked)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("syncProgress")
        self.progress.setTextVisible(False)
        self.progress.setFixedWidth(70)
        self.progress.setRange(0, 100)
        self.progress.hide()
        self.cancel_button = QToolButton(self)
        self.cancel_button.setObjectName("syncCancel")
        self.cancel_button.setText("✕")
        self.cancel_button.setAutoRaise(True)
        self.cancel_button.clicked.connect(self.sig_cancel)
        self.cancel_button.hide()
        self.pending_label = QLabel(self)
        self.pending_label.setObjectName("pendingLabel")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(4)
        layout.addWidget(self.dot, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.state_button)
        layout.addWidget(self.progress, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.cancel_button)
        layout.addWidget(self.pending_label)
        self._show()

    def set_status(self, status: SyncStatus) -> None:
        self.status = status
        self._show()

    def text(self) -> str:
        """The status line as shown (tests, screenshots)."""
        return self.state_button.text()

    def _show(self) -> None:
        status = self.status
        colour = COLOURS[status.state.value]
        if status.state is SyncState.SYNCED and status.pending:
            colour = PENDING_COLOUR  # synced earlier, but changes wait: not quite green
        self.dot.setPixmap(dot_pixmap(colour))
        self.state_button.setText(state_text(status) if status.known or status.state is SyncState.SYNCING else "")
        self.state_button.setProperty("state", status.state.value)
        self.state_button.style().unpolish(self.state_button)
        self.state_button.style().polish(self.state_button)
        details = detail_text(status)
        self.state_button.setToolTip(details + "\n\n" + self.tr("Click for details and actions."))
        syncing = status.state is SyncState.SYNCING
        self.progress.setVisible(syncing)
        if syncing:
            if status.percent is None:
                self.progress.setRange(0, 0)  # busy indicator
            else:
                self.progress.setRange(0, 100)
                self.progress.setValue(status.percent)
        self.cancel_button.setVisible(syncing and status.phase != "cancelling")
        self.cancel_button.setToolTip(self.tr("Stop the sync (it continues from there next time)"))
        self.pending_label.setText(pending_text(status))
        self.pending_label.setVisible(bool(status.pending))
        self.pending_label.setToolTip(self.tr("Saved on this laptop; sent to the server by the next sync."))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self._show()
        super().changeEvent(event)
