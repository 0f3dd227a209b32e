"""Small shared pieces of the working-day screens: style, banners, badges, the "saved" indicator, formatting.

UI thread only.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Callable, Iterable

from PySide6.QtCore import QByteArray, QCoreApplication, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QToolButton, QWidget

from fieldapp.core.entities import ChecklistItem, LabelledEnum
from fieldapp.core.messages import Message
from fieldapp.core.planning import ReasonKind

from ..i18n import ZH_CN, current_language, enum_label, render_message

# Module-level texts use the literal context "VisitWidgets" (lupdate needs it spelled out).


# Colours: GitHub Primer-like, readable on white and printable.
BLUE = "#0969da"
GREEN = "#1a7f37"
RED = "#cf222e"
AMBER = "#9a6700"
GREY = "#6e7781"
INK = "#1f2328"

REASON_COLOURS: dict[ReasonKind, str] = {
    ReasonKind.MANUAL: "#8250df",
    ReasonKind.OPEN_COMPLAINT: "#a40e26",
    ReasonKind.LICENCE_EXPIRING: "#bc4c00",
    ReasonKind.OVERDUE: "#cf222e",
    ReasonKind.FAILED_ITEMS: "#9a6700",
    ReasonKind.OPEN_FOLLOW_UP: "#0969da",
    ReasonKind.ORDERS_DROPPING: "#1b7c83",
    ReasonKind.CADENCE_DUE: "#57606a",
}

STYLE = """
QWidget#visitRoot, QWidget#planRoot, QWidget#historyRoot { background: #f6f8fa; }
QFrame#card { background: white; border: 1px solid #d0d7de; border-radius: 8px; }
QLabel#title { font-size: 16pt; font-weight: 600; color: #1f2328; }
QLabel#subtitle { color: #57606a; }
QLabel#sectionTitle { font-weight: 600; font-size: 11pt; color: #1f2328; }
QLabel#muted { color: #6e7781; }
QLabel#emptyHint { color: #6e7781; font-size: 11pt; }
QLabel#bigNumber { font-size: 22pt; font-weight: 600; color: #1f2328; }
QLabel#badge { border-radius: 9px; padding: 1px 8px; font-size: 9pt; font-weight: 600; }
QFrame#banner { border-radius: 6px; }
QFrame#banner[kind="error"] { background: #ffebe9; border: 1px solid #ff8182; }
QFrame#banner[kind="warning"] { background: #fff8c5; border: 1px solid #d4a72c; }
QFrame#banner[kind="info"] { background: #ddf4ff; border: 1px solid #54aeff; }
QFrame#banner[kind="success"] { background: #dafbe1; border: 1px solid #4ac26b; }
QFrame#banner QLabel { background: transparent; border: none; color: #1f2328; }
QLabel#saveIndicator { color: #57606a; padding: 0 4px; }
QLabel#saveIndicator[state="saving"] { color: #9a6700; }
QLabel#saveIndicator[state="saved"] { color: #1a7f37; }
QLabel#saveIndicator[state="error"] { color: #cf222e; font-weight: 600; }
QPushButton#primary { background: #1f883d; color: white; border: 1px solid #1a7f37; border-radius: 6px;
    padding: 6px 16px; font-weight: 600; }
QPushButton#primary:hover { background: #1a7f37; }
QPushButton#primary:disabled { background: #94d3a2; border-color: #94d3a2; }
QPushButton#secondary { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 5px 12px; }
QPushButton#secondary:hover { background: #eef1f4; }
QPushButton#segment { background: white; border: 1px solid #d0d7de; padding: 5px 14px; }
QPushButton#segment[pos="first"] { border-top-left-radius: 6px; border-bottom-left-radius: 6px; }
QPushButton#segment[pos="last"] { border-top-right-radius: 6px; border-bottom-right-radius: 6px;
    border-left: none; }
QPushButton#segment:checked { background: #0969da; color: white; border-color: #0969da; font-weight: 600; }
QPushButton#danger { background: #f6f8fa; color: #cf222e; border: 1px solid #d0d7de; border-radius: 6px;
    padding: 5px 12px; }
QPushButton#danger:hover { background: #ffebe9; }
QToolButton#answer { border: 1px solid #d0d7de; background: white; padding: 3px 10px; min-width: 44px; }
QToolButton#answer[pos="first"] { border-top-left-radius: 6px; border-bottom-left-radius: 6px; }
QToolButton#answer[pos="last"] { border-top-right-radius: 6px; border-bottom-right-radius: 6px; }
QToolButton#answer:hover { background: #f3f4f6; }
QToolButton#answer[result="pass"]:checked { background: #1f883d; color: white; border-color: #1a7f37; }
QToolButton#answer[result="fail"]:checked { background: #cf222e; color: white; border-color: #a40e26; }
QToolButton#answer[result="na"]:checked { background: #6e7781; color: white; border-color: #57606a; }
QFrame#itemRow { background: white; border: 1px solid #d0d7de; border-radius: 6px; }
QFrame#itemRow[state="pass"] { border-left: 4px solid #1f883d; }
QFrame#itemRow[state="fail"] { border-left: 4px solid #cf222e; background: #fffafa; }
QFrame#itemRow[state="na"] { border-left: 4px solid #8c959f; }
QFrame#itemRow[missing="true"] { border: 2px solid #cf222e; background: #fff5f5; }
QLabel#itemLabel { font-weight: 600; color: #1f2328; }
QLabel#missingText { color: #cf222e; }
QTabWidget::pane { border: 1px solid #d0d7de; border-radius: 6px; background: white; top: -1px; }
QTabBar::tab { background: transparent; border: none; border-bottom: 2px solid transparent; padding: 6px 14px;
    margin-right: 2px; color: #57606a; }
QTabBar::tab:hover { color: #1f2328; border-bottom: 2px solid #d0d7de; }
QTabBar::tab:selected { color: #1f2328; border-bottom: 2px solid #0969da; font-weight: 600; }
QTableView { background: white; border: 1px solid #d0d7de; border-radius: 6px; gridline-color: #eaeef2;
    selection-background-color: #ddf4ff; selection-color: #1f2328; }
QHeaderView::section { background: #f6f8fa; border: none; border-bottom: 1px solid #d0d7de; padding: 4px 6px;
    font-weight: 600; color: #57606a; }
QPlainTextEdit, QLineEdit { border: 1px solid #d0d7de; border-radius: 5px; padding: 3px 5px; background: white; }
QPlainTextEdit:focus, QLineEdit:focus { border: 1px solid #0969da; }
"""


_SVG = {
    "camera": '<path d="M4 7h3l1.5-2h7L17 7h3a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1z" '
              'fill="none" stroke="{c}" stroke-width="1.8" stroke-linejoin="round"/>'
              '<circle cx="12" cy="13" r="3.6" fill="none" stroke="{c}" stroke-width="1.8"/>',
    "pin": '<path d="M12 21s-6.5-6.2-6.5-11a6.5 6.5 0 0 1 13 0c0 4.8-6.5 11-6.5 11z" fill="none" stroke="{c}" '
           'stroke-width="1.8" stroke-linejoin="round"/><circle cx="12" cy="10" r="2.4" fill="{c}"/>',
    "paste": '<rect x="5" y="4.5" width="14" height="16.5" rx="1.5" fill="none" stroke="{c}" stroke-width="1.8"/>'
             '<rect x="8.5" y="2.8" width="7" height="3.6" rx="1" fill="white" stroke="{c}" stroke-width="1.6"/>'
             '<path d="M8.5 12h7M8.5 15.5h5" stroke="{c}" stroke-width="1.6" stroke-linecap="round"/>',
    "image": '<rect x="3.5" y="4.5" width="17" height="15" rx="1.5" fill="none" stroke="{c}" stroke-width="1.8"/>'
             '<circle cx="9" cy="9.5" r="1.8" fill="{c}"/><path d="M4.5 18l5-5 3.5 3.5 2.5-2.5 4 4" fill="none" '
             'stroke="{c}" stroke-width="1.8" stroke-linejoin="round"/>',
    "plus": '<path d="M12 5v14M5 12h14" stroke="{c}" stroke-width="2" stroke-linecap="round"/>',
    "route": '<circle cx="6" cy="18" r="2.2" fill="{c}"/><circle cx="18" cy="6" r="2.2" fill="{c}"/>'
             '<path d="M8 18h7a3 3 0 0 0 0-6H9a3 3 0 0 1 0-6h7" fill="none" stroke="{c}" stroke-width="1.8" '
             'stroke-linecap="round"/>',
}


def svg_icon(name: str, colour: str = "#57606a", size: int = 32) -> QIcon:
    """A small line icon drawn from the inline SVGs above (no icon files needed)."""
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24">{_SVG[name].format(c=colour)}</svg>'
    renderer = QSvgRenderer(QByteArray(svg.encode()))
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return QIcon(pixmap)


def badge(text: str, colour: str, parent: QWidget | None = None, *, filled: bool = False) -> QLabel:
    """A small rounded label in ``colour`` (outlined tint by default, solid when ``filled``)."""
    label = QLabel(text, parent)
    label.setObjectName("badge")
    set_badge_colour(label, colour, filled=filled)
    label.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
    return label


def set_badge_colour(label: QLabel, colour: str, *, filled: bool = False) -> None:
    c = QColor(colour)
    if filled:
        label.setStyleSheet(f"background: {colour}; color: white;")
    else:
        tint = QColor(c)
        tint.setAlpha(28)
        label.setStyleSheet(f"background: rgba({c.red()},{c.green()},{c.blue()},28); color: {colour};"
                            f" border: 1px solid rgba({c.red()},{c.green()},{c.blue()},90);")


class Banner(QFrame):
    """A coloured message strip (error / warning / info / success), optionally with one action.

    Non-modal on purpose: a refusal is read while the visit stays usable, and
    tests need no dialog patching.
    """

    sig_action = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("banner")
        self.setProperty("kind", "info")
        self.icon = QLabel(self)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.action_button = QPushButton(self)
        self.action_button.setObjectName("secondary")
        self.action_button.hide()
        self.action_button.clicked.connect(self.sig_action)
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.setSpacing(8)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    ICONS = {"error": "⛔", "warning": "⚠", "info": "ℹ", "success": "✔"}

    def show_message(self, kind: str, text: str, items: Iterable[str] = (), *, action: str | None = None) -> None:
        """Show ``text`` (plain) and an optional bulleted list of ``items`` (plain)."""
        self.setProperty("kind", kind)
        self.icon.setText(self.ICONS.get(kind, ""))
        html = _escape(text).replace("\n", "<br>")
        items = list(items)
        if items:
            html += "<ul style='margin: 4px 0 0 -20px;'>" + "".join(f"<li>{_escape(i)}</li>" for i in items) + "</ul>"
        self.label.setText(html)
        if action:
            self.action_button.setText(action)
            self.action_button.show()
        else:
            self.action_button.hide()
        self.style().unpolish(self)
        self.style().polish(self)
        self.show()

    def text(self) -> str:
        """The shown text without markup (tests, accessibility)."""
        return self.label.text()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SaveIndicator(QLabel):
    """"Saving…" while autosaves are queued, "All changes saved" once they landed, red on a failure."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("saveIndicator")
        self._pending = 0
        self._error: str | None = None
        self._last: datetime | None = None
        self.setProperty("state", "idle")

    @property
    def pending(self) -> int:
        return self._pending

    @property
    def state(self) -> str:
        return str(self.property("state"))

    def begin(self) -> None:
        self._pending += 1
        self._refresh()

    def done(self, ok: bool = True, error: str | None = None) -> None:
        self._pending = max(0, self._pending - 1)
        if ok:
            self._error = None
            self._last = datetime.now()
        else:
            self._error = error or ""
        self._refresh()

    def editing(self) -> None:
        """An edit waits for its debounce: show "Saving…" already."""
        self.setProperty("state", "saving")
        self.setText("● " + QCoreApplication.translate("VisitWidgets", "Saving…"))
        self._repolish()

    def reset(self) -> None:
        self._pending = 0
        self._error = None
        self._last = None
        self._refresh()

    def _refresh(self) -> None:
        if self._error is not None:
            self.setProperty("state", "error")
            text = QCoreApplication.translate("VisitWidgets", "Not saved: {error}")
            self.setText("⚠ " + text.format(error=self._error))
            self.setToolTip(self._error)
        elif self._pending:
            self.setProperty("state", "saving")
            self.setText("● " + QCoreApplication.translate("VisitWidgets", "Saving…"))
        elif self._last is not None:
            self.setProperty("state", "saved")
            self.setText("✓ " + QCoreApplication.translate("VisitWidgets", "All changes saved"))
            tip = QCoreApplication.translate("VisitWidgets", "Last saved at {time}")
            self.setToolTip(tip.format(time=self._last.strftime("%H:%M:%S")))
        else:
            self.setProperty("state", "idle")
            self.setText("")
        self._repolish()

    def _repolish(self) -> None:
        self.style().unpolish(self)
        self.style().polish(self)

    def retranslate(self) -> None:
        self._refresh()


class Debouncer:
    """Calls ``fn(key, value)`` once edits of ``key`` stop for ``interval_ms``; :meth:`flush` forces it now."""

    def __init__(self, parent: QWidget, interval_ms: int, fn: Callable[[str, object], None]):
        self._parent = parent
        self._interval = interval_ms
        self._fn = fn
        self._timers: dict[str, QTimer] = {}
        self._values: dict[str, object] = {}

    def push(self, key: str, value: object) -> None:
        self._values[key] = value
        timer = self._timers.get(key)
        if timer is None:
            timer = QTimer(self._parent)
            timer.setSingleShot(True)
            timer.setInterval(self._interval)
            timer.timeout.connect(lambda key=key: self._fire(key))
            self._timers[key] = timer
        timer.start()

    def _fire(self, key: str) -> None:
        if key in self._values:
            self._fn(key, self._values.pop(key))

    def flush(self) -> None:
        for key, timer in list(self._timers.items()):
            timer.stop()
            self._fire(key)

    def cancel(self) -> None:
        for timer in self._timers.values():
            timer.stop()
        self._values.clear()

    @property
    def waiting(self) -> bool:
        return bool(self._values)


# --- formatting ------------------------------------------------------------------


def fmt_time(value: datetime | None) -> str:
    return value.strftime("%H:%M") if value is not None else "—"


def fmt_date(value: date | None) -> str:
    return value.isoformat() if value is not None else "—"


def fmt_datetime(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "—"


def fmt_duration(value: timedelta | None) -> str:
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    if minutes < 60:
        return QCoreApplication.translate("VisitWidgets", "{minutes} min").format(minutes=minutes)
    text = QCoreApplication.translate("VisitWidgets", "{hours} h {minutes:02d} min")
    return text.format(hours=minutes // 60, minutes=minutes % 60)


def fmt_score(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else "—"


def score_colour(value: float | None) -> str:
    if value is None:
        return GREY
    if value >= 85:
        return GREEN
    if value >= 60:
        return AMBER
    return RED


def fmt_km(value: float | None) -> str:
    if value is None:
        return ""
    return QCoreApplication.translate("VisitWidgets", "{km} km").format(km=f"{value:.1f}")


def weekday_name(day: date) -> str:
    names = (QCoreApplication.translate("VisitWidgets", "Mon"), QCoreApplication.translate("VisitWidgets", "Tue"),
             QCoreApplication.translate("VisitWidgets", "Wed"), QCoreApplication.translate("VisitWidgets", "Thu"),
             QCoreApplication.translate("VisitWidgets", "Fri"), QCoreApplication.translate("VisitWidgets", "Sat"),
             QCoreApplication.translate("VisitWidgets", "Sun"))
    return names[day.weekday()]


def item_label(item: ChecklistItem) -> str:
    """A checklist item's label in the UI language (the other one when it is missing)."""
    if current_language() == ZH_CN:
        return item.label_zh or item.label_en or item.key
    return item.label_en or item.label_zh or item.key


def item_label_of(label_zh: str, label_en: str, key: str = "") -> str:
    if current_language() == ZH_CN:
        return label_zh or label_en or key
    return label_en or label_zh or key


def message_text(message: Message) -> str:
    return render_message(message)


def enum_text(member: LabelledEnum | None) -> str:
    return enum_label(member)
