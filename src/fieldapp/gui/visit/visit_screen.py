"""The visit screen: prepare, check in, checklist, notes, photos, follow-ups, check out.

Three pages:

- **empty**: no visit in progress (start one from the plan or a customer file);
- **start**: the customer's preparation (open follow-ups, last visit's failed
  items), the visit type and an optional position, then "Check in";
- **visit**: the visit in progress (or just checked out): header with check-in
  time, live score, the "saved" indicator and Check-out; the preparation and
  visit photos on the left; checklist, notes and follow-ups in tabs.

Autosave: every edit is saved through an operation as it is made — answer
buttons at once, typing (notes, counts) after :data:`AUTOSAVE_DELAY_MS` of
quiet. :meth:`VisitScreen.flush` sends pending typing at once (called before
check-out and when the screen hides; the lead should call it before the worker
shuts down). Nothing is kept only in the widgets: reopening the app resumes the
visit in progress with :meth:`VisitScreen.resume_in_progress`.

UI thread only: all data goes through :mod:`.ops` on the DB worker.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Callable

from PySide6.QtCore import QEvent, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QDoubleValidator, QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.entities import (
    AnswerResult,
    Attachment,
    ChecklistAnswer,
    FollowUp,
    FollowUpStatus,
    VisitStatus,
    VisitType,
)
from fieldapp.core.messages import Message
from fieldapp.core.scoring import proposed_follow_ups, score_checklist
from fieldapp.store.photos import PhotoRejected
from fieldapp.store.profile import Profile
from fieldapp.store.visits import (
    DEFAULT_FOLLOW_UP_DAYS,
    CheckOutRefused,
    VisitAlreadyInProgress,
    VisitError,
    visit_duration,
)

from .. import operations as base_ops
from ..i18n import list_separator
from . import ops
from .checklist import ChecklistItemRow, ChecklistPanel
from .follow_ups import FollowUpPanel
from .notes import NotesPanel
from .photos import PhotoCache, ThumbnailStrip
from .widgets import (
    BLUE,
    GREY,
    STYLE,
    Banner,
    Debouncer,
    SaveIndicator,
    badge,
    enum_text,
    fmt_date,
    fmt_duration,
    fmt_score,
    fmt_time,
    item_label_of,
    message_text,
    score_colour,
    set_badge_colour,
    svg_icon,
)

AUTOSAVE_DELAY_MS = 500
CLOCK_INTERVAL_MS = 30_000
IMAGE_FILTER_EXTS = "*.jpg *.jpeg *.png *.webp *.gif *.bmp *.tif *.tiff *.JPG *.JPEG *.PNG"

PAGE_EMPTY, PAGE_START, PAGE_VISIT = range(3)


def local_now() -> datetime:
    return datetime.now().astimezone()


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class PreparePanel(QFrame):
    """What to know before walking in: last visit, open follow-ups, items failed last time."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("card")
        self.title = QLabel(self)
        self.title.setObjectName("sectionTitle")
        self.last_visit = QLabel(self)
        self.last_visit.setWordWrap(True)
        self.follow_title = QLabel(self)
        self.follow_title.setObjectName("sectionTitle")
        self.follow_list = QLabel(self)
        self.follow_list.setWordWrap(True)
        self.follow_list.setTextFormat(Qt.TextFormat.RichText)
        self.failed_title = QLabel(self)
        self.failed_title.setObjectName("sectionTitle")
        self.failed_list = QLabel(self)
        self.failed_list.setWordWrap(True)
        self.failed_list.setTextFormat(Qt.TextFormat.RichText)
        self.file_title = QLabel(self)
        self.file_title.setObjectName("sectionTitle")
        self.file_text = QLabel(self)
        self.file_text.setWordWrap(True)
        self.file_text.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.last_visit)
        layout.addSpacing(6)
        layout.addWidget(self.follow_title)
        layout.addWidget(self.follow_list)
        layout.addSpacing(6)
        layout.addWidget(self.failed_title)
        layout.addWidget(self.failed_list)
        layout.addSpacing(6)
        layout.addWidget(self.file_title)
        layout.addWidget(self.file_text)
        layout.addStretch(1)
        self._prepare: ops.Prepare | None = None
        self._customer = None
        self._today = None

    def show_prepare(self, prepare: ops.Prepare | None, today, customer=None) -> None:
        self._prepare = prepare
        self._customer = customer
        self._today = today
        self.retranslate_ui()

    def text(self) -> str:
        return "\n".join(w.text() for w in (self.last_visit, self.follow_list, self.failed_list, self.file_text))

    def _show_file(self) -> None:
        """Tags, needs and notes from the customer file: what to keep in mind in the store."""
        customer = self._customer
        lines = []
        if customer is not None:
            for caption, value in ((self.tr("Tags:"), list_separator().join(customer.tags)),
                                   (self.tr("Needs:"), customer.needs.strip()),
                                   (self.tr("Notes:"), customer.notes.strip())):
                if value:
                    lines.append(f"<span style='color:#57606a'>{_esc(caption)}</span> {_esc(value)}")
        self.file_title.setText(self.tr("From the customer file"))
        self.file_text.setText("<br>".join(lines))
        self.file_title.setVisible(bool(lines))
        self.file_text.setVisible(bool(lines))

    def retranslate_ui(self) -> None:
        self.title.setText(self.tr("Before you go in"))
        self._show_file()
        prepare = self._prepare
        if prepare is None:
            for label in (self.last_visit, self.follow_list, self.failed_list):
                label.setText("")
            self.follow_title.setText(self.tr("Open follow-ups"))
            self.failed_title.setText(self.tr("Failed at the last visit"))
            return
        last = prepare.last_visit
        if last is None:
            self.last_visit.setText(self.tr("No earlier visit on record: this is the first one."))
        else:
            self.last_visit.setText(self.tr("Last visit {date}: {type}, score {score} ({count} visits on record)")
                                    .format(date=fmt_date(last.day), type=enum_text(last.visit_type),
                                            score=fmt_score(last.score), count=prepare.visit_count))
        self.follow_title.setText(self.tr("Open follow-ups ({count})").format(count=len(prepare.open_follow_ups)))
        if prepare.open_follow_ups:
            lines = []
            for f in prepare.open_follow_ups:
                overdue = f.due_date is not None and self._today is not None and f.due_date < self._today
                due = (self.tr("overdue since {date}") if overdue else self.tr("due {date}")).format(
                    date=fmt_date(f.due_date)) if f.due_date else self.tr("no due date")
                colour = "#cf222e" if overdue else "#57606a"
                lines.append(f"• {_esc(f.title)} <span style='color:{colour}'>— {_esc(due)}</span>")
            self.follow_list.setText("<br>".join(lines))
        else:
            none = self.tr("None.")
            self.follow_list.setText(f"<span style='color:{GREY}'>{_esc(none)}</span>")
        self.failed_title.setText(self.tr("Failed at the last visit ({count})").format(
            count=len(prepare.failed_items)))
        if prepare.failed_items:
            lines = []
            for item in prepare.failed_items:
                text = f"• {_esc(item_label_of(item.label_zh, item.label_en, item.key))}"
                if item.note:
                    text += f" <span style='color:#57606a'>— {_esc(item.note)}</span>"
                lines.append(text)
            self.failed_list.setText("<br>".join(lines))
        else:
            none = self.tr("None.")
            self.failed_list.setText(f"<span style='color:{GREY}'>{_esc(none)}</span>")

    def changeEvent(self, event) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)


class VisitScreen(QWidget):
    """The visit in progress. Build it once; it shows whichever visit is current.

    Public methods: :meth:`start_for_customer`, :meth:`check_in`,
    :meth:`resume_in_progress`, :meth:`open_visit`, :meth:`check_out`,
    :meth:`discard`, :meth:`flush`, :meth:`close_visit`, :meth:`attach_file`,
    :meth:`paste_photo`.
    """

    sig_start_info_loaded = Signal(object)  # ops.StartInfo
    sig_visit_loaded = Signal(object)  # ops.VisitState | None
    sig_visit_started = Signal(str, str)  # visit id, customer id
    sig_checked_out = Signal(object)  # store.visits.CheckOutResult
    sig_check_out_refused = Signal(list)  # the missing things, as shown
    sig_saved = Signal()  # one autosave landed
    sig_photo_attached = Signal(object)  # Attachment
    sig_photo_refused = Signal(str)  # the message shown
    sig_follow_ups_changed = Signal()
    sig_closed = Signal()  # back to the empty page
    sig_open_history = Signal(str)  # customer id: show the customer's history

    def __init__(self, profile: Profile, parent: QWidget | None = None, *,
                 now: Callable[[], datetime] | None = None):
        super().__init__(parent)
        self.profile = profile
        self._now = now or local_now
        self.setObjectName("visitRoot")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        self.state: ops.VisitState | None = None
        self.start_info: ops.StartInfo | None = None
        self._answers: dict[str, ChecklistAnswer] = {}
        self._attachments: list[Attachment] = []
        self._follow_ups: list[FollowUp] = []
        self._dismissed: set[str] = set()
        self._missing_keys: set[str] = set()
        self._checking_out = False
        self._starting = False
        self._start_customer: str | None = None
        self._other_visit_id: str | None = None
        self.cache = PhotoCache()
        self._debounce = Debouncer(self, AUTOSAVE_DELAY_MS, self._save_debounced)

        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._build_empty_page())
        self.pages.addWidget(self._build_start_page())
        self.pages.addWidget(self._build_visit_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

        self._clock = QTimer(self)
        self._clock.setInterval(CLOCK_INTERVAL_MS)
        self._clock.timeout.connect(self._update_header)
        base_ops.OperationHub.instance().operation_did_execute.connect(self._on_operation)
        self.retranslate_ui()

    # ================================================================= building

    def _build_empty_page(self) -> QWidget:
        page = QWidget(self)
        self.empty_title = QLabel(page)
        self.empty_title.setObjectName("title")
        self.empty_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint = QLabel(page)
        self.empty_hint.setObjectName("emptyHint")
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setWordWrap(True)
        self.empty_banner = Banner(page)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addWidget(self.empty_banner)
        layout.addStretch(1)
        layout.addWidget(self.empty_title)
        layout.addWidget(self.empty_hint)
        layout.addStretch(2)
        return page

    def _build_start_page(self) -> QWidget:
        page = QWidget(self)
        self.start_title = QLabel(page)
        self.start_title.setObjectName("title")
        self.start_subtitle = QLabel(page)
        self.start_subtitle.setObjectName("subtitle")
        self.start_subtitle.setWordWrap(True)
        self.start_banner = Banner(page)
        self.start_banner.sig_action.connect(self._resume_other)
        self.start_prepare = PreparePanel(page)

        type_card = QFrame(page)
        type_card.setObjectName("card")
        self.type_title = QLabel(type_card)
        self.type_title.setObjectName("sectionTitle")
        self.type_group = QButtonGroup(self)
        self.type_buttons: dict[VisitType, QPushButton] = {}
        types = QVBoxLayout()
        types.setSpacing(6)
        for k, visit_type in enumerate(VisitType):
            button = QPushButton(type_card)
            button.setCheckable(True)
            button.setObjectName("typeCard")
            button.setMinimumHeight(54)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.setStyleSheet(
                "QPushButton#typeCard { text-align: left; padding: 8px 12px; border: 1px solid #d0d7de;"
                " border-radius: 8px; background: white; }"
                "QPushButton#typeCard:checked { border: 2px solid #0969da; background: #ddf4ff; }")
            self.type_group.addButton(button, k)
            self.type_buttons[visit_type] = button
            types.addWidget(button)
        self.type_buttons[VisitType.SERVICE].setChecked(True)
        self.position_label = QLabel(type_card)
        self.lat_edit = QLineEdit(type_card)
        self.lon_edit = QLineEdit(type_card)
        for edit, (low, high) in ((self.lat_edit, (-90, 90)), (self.lon_edit, (-180, 180))):
            validator = QDoubleValidator(low, high, 6, edit)
            validator.setNotation(QDoubleValidator.Notation.StandardNotation)
            edit.setValidator(validator)
            edit.setMaximumWidth(140)
        self.position_hint = QLabel(type_card)
        self.position_hint.setObjectName("muted")
        position = QHBoxLayout()
        position.addWidget(self.position_label)
        position.addWidget(self.lat_edit)
        position.addWidget(self.lon_edit)
        position.addWidget(self.position_hint, 1)
        self.check_in_button = QPushButton(type_card)
        self.check_in_button.setObjectName("primary")
        self.check_in_button.clicked.connect(self.check_in)
        self.start_cancel_button = QPushButton(type_card)
        self.start_cancel_button.setObjectName("secondary")
        self.start_cancel_button.clicked.connect(self._cancel_start)
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.start_cancel_button)
        actions.addWidget(self.check_in_button)
        card_layout = QVBoxLayout(type_card)
        card_layout.setContentsMargins(12, 10, 12, 12)
        card_layout.addWidget(self.type_title)
        card_layout.addLayout(types)
        card_layout.addSpacing(6)
        card_layout.addLayout(position)
        card_layout.addSpacing(6)
        card_layout.addLayout(actions)

        layout = QVBoxLayout(page)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(10)
        layout.addWidget(self.start_title)
        layout.addWidget(self.start_subtitle)
        layout.addWidget(self.start_banner)
        body = QHBoxLayout()
        body.setSpacing(12)
        body.addWidget(self.start_prepare, 2)
        body.addWidget(type_card, 3, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(body)
        layout.addStretch(1)
        return page

    def _build_visit_page(self) -> QWidget:
        page = QWidget(self)
        # header
        header = QFrame(page)
        header.setObjectName("card")
        self.visit_title = QLabel(header)
        self.visit_title.setObjectName("title")
        self.type_badge = badge("", BLUE, header)
        self.status_badge = badge("", GREY, header)
        self.visit_subtitle = QLabel(header)
        self.visit_subtitle.setObjectName("subtitle")
        self.visit_subtitle.setWordWrap(True)
        self.check_in_label = QLabel(header)
        self.position_button = QToolButton(header)
        self.position_button.setAutoRaise(True)
        self.position_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.position_button.setIcon(svg_icon("pin"))
        self.position_button.clicked.connect(self._toggle_position_editor)
        self.save_indicator = SaveIndicator(header)
        self.score_value = QLabel(header)
        self.score_value.setObjectName("bigNumber")
        self.score_value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.score_caption = QLabel(header)
        self.score_caption.setObjectName("muted")
        self.score_caption.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.score_detail = QLabel(header)
        self.score_detail.setObjectName("muted")
        self.score_detail.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.check_out_button = QPushButton(header)
        self.check_out_button.setObjectName("primary")
        self.check_out_button.clicked.connect(self.check_out)
        self.discard_button = QPushButton(header)
        self.discard_button.setObjectName("danger")
        self.discard_button.clicked.connect(self.discard)
        self.close_button = QPushButton(header)
        self.close_button.setObjectName("secondary")
        self.close_button.clicked.connect(self.close_visit)
        self.history_button = QPushButton(header)
        self.history_button.setObjectName("secondary")
        self.history_button.clicked.connect(
            lambda: self.state and self.sig_open_history.emit(self.state.visit.customer_id))

        # inline position editor
        self.position_editor = QWidget(header)
        self.pos_lat_edit = QLineEdit(self.position_editor)
        self.pos_lon_edit = QLineEdit(self.position_editor)
        for edit, (low, high) in ((self.pos_lat_edit, (-90, 90)), (self.pos_lon_edit, (-180, 180))):
            validator = QDoubleValidator(low, high, 6, edit)
            validator.setNotation(QDoubleValidator.Notation.StandardNotation)
            edit.setValidator(validator)
            edit.setMaximumWidth(120)
        self.pos_save_button = QPushButton(self.position_editor)
        self.pos_save_button.setObjectName("secondary")
        self.pos_save_button.clicked.connect(self._save_position)
        pos_layout = QHBoxLayout(self.position_editor)
        pos_layout.setContentsMargins(0, 0, 0, 0)
        pos_layout.addWidget(self.pos_lat_edit)
        pos_layout.addWidget(self.pos_lon_edit)
        pos_layout.addWidget(self.pos_save_button)
        pos_layout.addStretch(1)
        self.position_editor.hide()

        title_row = QHBoxLayout()
        title_row.setSpacing(8)
        title_row.addWidget(self.visit_title)
        title_row.addWidget(self.type_badge, 0, Qt.AlignmentFlag.AlignVCenter)
        title_row.addWidget(self.status_badge, 0, Qt.AlignmentFlag.AlignVCenter)
        title_row.addStretch(1)
        meta_row = QHBoxLayout()
        meta_row.setSpacing(12)
        meta_row.addWidget(self.check_in_label)
        meta_row.addWidget(self.position_button)
        meta_row.addWidget(self.save_indicator)
        meta_row.addStretch(1)
        left = QVBoxLayout()
        left.setSpacing(2)
        left.addLayout(title_row)
        left.addWidget(self.visit_subtitle)
        left.addLayout(meta_row)
        left.addWidget(self.position_editor)
        score_box = QVBoxLayout()
        score_box.setSpacing(0)
        score_box.addWidget(self.score_caption)
        score_box.addWidget(self.score_value)
        score_box.addWidget(self.score_detail)
        buttons = QGridLayout()
        buttons.setHorizontalSpacing(6)
        buttons.setVerticalSpacing(6)
        buttons.addWidget(self.check_out_button, 0, 0, 1, 2)
        buttons.addWidget(self.close_button, 0, 0, 1, 2)
        buttons.addWidget(self.history_button, 1, 0)
        buttons.addWidget(self.discard_button, 1, 1)
        header_layout = QHBoxLayout(header)
        header_layout.setContentsMargins(14, 10, 14, 10)
        header_layout.setSpacing(18)
        header_layout.addLayout(left, 1)
        header_layout.addLayout(score_box)
        header_layout.addLayout(buttons)

        self.banner = Banner(page)
        self.banner.sig_action.connect(self._on_banner_action)
        self._banner_action: Callable[[], None] | None = None

        # left column: preparation and visit photos
        left_col = QWidget(page)
        self.prepare = PreparePanel(left_col)
        photos_card = QFrame(left_col)
        photos_card.setObjectName("card")
        self.photos_title = QLabel(photos_card)
        self.photos_title.setObjectName("sectionTitle")
        self.visit_strip = ThumbnailStrip(self.cache, photos_card)
        self.visit_strip.sig_open.connect(self.open_photo)
        self.visit_strip.sig_remove.connect(self.remove_photo)
        self.photos_empty = QLabel(photos_card)
        self.photos_empty.setObjectName("muted")
        self.photos_empty.setWordWrap(True)
        self.attach_button = QPushButton(photos_card)
        self.attach_button.setObjectName("secondary")
        self.attach_button.setIcon(svg_icon("image"))
        self.attach_button.clicked.connect(lambda: self.attach_file(None))
        self.paste_button = QPushButton(photos_card)
        self.paste_button.setObjectName("secondary")
        self.paste_button.setIcon(svg_icon("paste"))
        self.paste_button.clicked.connect(lambda: self.paste_photo(None))
        photo_buttons = QHBoxLayout()
        photo_buttons.addWidget(self.attach_button)
        photo_buttons.addWidget(self.paste_button)
        photo_buttons.addStretch(1)
        photos_layout = QVBoxLayout(photos_card)
        photos_layout.setContentsMargins(12, 10, 12, 10)
        photos_layout.addWidget(self.photos_title)
        photos_layout.addWidget(self.visit_strip)
        photos_layout.addWidget(self.photos_empty)
        photos_layout.addLayout(photo_buttons)
        left_layout = QVBoxLayout(left_col)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(10)
        left_layout.addWidget(self.prepare)
        left_layout.addWidget(photos_card)
        left_layout.addStretch(1)
        left_scroll = QScrollArea(page)
        left_scroll.setWidget(left_col)
        left_scroll.setWidgetResizable(True)
        left_scroll.setFrameShape(QFrame.Shape.NoFrame)
        left_scroll.setMinimumWidth(260)

        # right: tabs
        self.tabs = QTabWidget(page)
        self.checklist = ChecklistPanel(self.cache, self.tabs)
        self.notes = NotesPanel(self.tabs)
        self.follow_up_panel = FollowUpPanel(self.tabs)
        self.tabs.addTab(self.checklist, "")
        self.tabs.addTab(self.notes, "")
        self.tabs.addTab(self.follow_up_panel, "")
        self.notes.sig_changed.connect(self._on_note_changed)
        self.follow_up_panel.sig_confirm.connect(self.confirm_follow_up)
        self.follow_up_panel.sig_dismiss.connect(self._dismiss_proposal)
        self.follow_up_panel.sig_add.connect(self._add_follow_up)
        self.follow_up_panel.sig_update.connect(self._update_follow_up)
        self.follow_up_panel.sig_set_status.connect(self._set_follow_up_status)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, page)
        self.splitter.addWidget(left_scroll)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([320, 900])

        layout = QVBoxLayout(page)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(8)
        layout.addWidget(header)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)
        # Ctrl+V outside a text field pastes a photo: to the checklist item that has the focus, else to
        # the visit. (Text fields take Ctrl+V for themselves first.)
        paste = QShortcut(QKeySequence(QKeySequence.StandardKey.Paste), page)
        paste.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        paste.activated.connect(lambda: self.paste_photo(self._focused_item_key()))
        return page

    def _focused_item_key(self) -> str | None:
        widget = QApplication.focusWidget()
        while widget is not None:
            if isinstance(widget, ChecklistItemRow):
                return widget.item.key
            widget = widget.parentWidget()
        return None

    # ================================================================= public API

    @property
    def visit_id(self) -> str | None:
        return self.state.visit.id if self.state else None

    @property
    def in_progress(self) -> bool:
        return self.state is not None and self.state.visit.status is VisitStatus.IN_PROGRESS

    @property
    def page(self) -> int:
        return self.pages.currentIndex()

    def all_saved(self) -> bool:
        """True when no edit waits for its debounce or its save."""
        return not self._debounce.waiting and self.save_indicator.pending == 0

    def start_for_customer(self, customer_id: str, visit_type: VisitType | None = None) -> None:
        """Show the start page for ``customer_id`` (preparation, visit type, check-in).

        While a visit is in progress the page says so and offers to resume it;
        checking in is refused by the store (one visit at a time).
        """
        self.flush()
        self._start_customer = customer_id
        self.start_info = None
        self.start_banner.hide()
        self.check_in_button.setEnabled(False)
        if visit_type is not None:
            self.type_buttons[VisitType(visit_type)].setChecked(True)
        self.lat_edit.clear()
        self.lon_edit.clear()
        self.start_title.setText("…")
        self.start_subtitle.setText("")
        self.start_prepare.show_prepare(None, self._now().date())
        self.pages.setCurrentIndex(PAGE_START)
        ops.load_start_info(parent=self, customer_id=customer_id,
                            success=self._on_start_info).run_in_background()

    def check_in(self) -> None:
        """Check in at the customer of the start page with the chosen visit type."""
        if self._start_customer is None or self._starting:
            return
        visit_type = next(t for t, b in self.type_buttons.items() if b.isChecked())
        position = self._position_from(self.lat_edit, self.lon_edit)
        self._starting = True
        self.check_in_button.setEnabled(False)
        ops.start_visit(parent=self, customer_id=self._start_customer, visit_type=visit_type, now=self._now(),
                        position=position).success(self._on_started).failure(self._on_start_failed) \
            .run_in_background(initiator=self)

    def resume_in_progress(self) -> None:
        """Show the visit in progress, if any (after a restart). Otherwise the empty page."""
        ops.load_visit(parent=self, visit_id=None, success=self._on_resume_loaded).run_in_background()

    def open_visit(self, visit_id: str) -> None:
        """Show a given visit (in progress or completed)."""
        self.flush()
        ops.load_visit(parent=self, visit_id=visit_id, success=self._on_visit_loaded).run_in_background()

    def flush(self) -> None:
        """Save pending typing now instead of after the debounce."""
        self._debounce.flush()

    def check_out(self) -> None:
        if not self.in_progress or self._checking_out:
            return
        self.flush()
        self._checking_out = True
        self.check_out_button.setEnabled(False)
        state = self.state
        ops.check_out(parent=self, visit_id=state.visit.id, customer_id=state.visit.customer_id,
                      now=self._now()).success(self._on_checked_out).failure(self._on_check_out_failed) \
            .run_in_background(initiator=self)

    def discard(self) -> None:
        """Throw the visit in progress away after confirmation (a visit started by mistake)."""
        if not self.in_progress:
            return
        answer = QMessageBox.question(
            self, self.tr("Discard this visit?"),
            self.tr("The visit at {store} and everything entered in it (answers, notes, photos, follow-ups) will "
                    "be thrown away. This cannot be undone.").format(store=self._store_name()),
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        if answer != QMessageBox.StandardButton.Discard:
            return
        self._debounce.cancel()
        state = self.state
        ops.discard_visit(parent=self, visit_id=state.visit.id, customer_id=state.visit.customer_id) \
            .success(lambda _r: self._show_empty()).run_in_background(initiator=self)

    def close_visit(self) -> None:
        """Leave a checked-out visit (back to the empty page)."""
        self.flush()
        self._show_empty()

    def answer_row(self, item_key: str):
        """The checklist row of ``item_key`` (tests and keyboard navigation)."""
        return self.checklist.rows[item_key]

    # ================================================================= start page

    def _on_start_info(self, info: ops.StartInfo) -> None:
        if info.customer is None or info.customer.id != self._start_customer:
            if info.customer is None:
                self._show_empty()
                self.empty_banner.show_message("error", self.tr("This customer no longer exists."))
            return
        self.start_info = info
        self._other_visit_id = info.in_progress.id if info.in_progress is not None else None
        customer = info.customer
        self.start_title.setText(self.tr("Visit {store}").format(store=customer.store_name))
        self.start_subtitle.setText(self._customer_line(customer))
        self.start_prepare.show_prepare(info.prepare, self._now().date(), customer)
        if info.in_progress is not None and info.in_progress.customer_id != customer.id:
            self.start_banner.show_message("warning", self.tr(
                "A visit at {store} is still in progress (checked in at {time}). Check out of it before starting "
                "another one.").format(store=info.in_progress_store, time=fmt_time(info.in_progress.check_in_at)),
                action=self.tr("Go to that visit"))
        elif info.in_progress is not None:
            self.start_banner.show_message("info", self.tr("A visit at this store is already in progress."),
                                           action=self.tr("Go to that visit"))
        elif info.template is None:
            self.start_banner.show_message("warning", self.tr(
                "No checklist template is installed on this laptop: the visit will have no checklist."))
        self.check_in_button.setEnabled(True)
        self.sig_start_info_loaded.emit(info)

    def _resume_other(self) -> None:
        if self._other_visit_id is not None:
            self.open_visit(self._other_visit_id)

    def _cancel_start(self) -> None:
        self._start_customer = None
        if self.state is not None:
            self.pages.setCurrentIndex(PAGE_VISIT)
        else:
            self._show_empty()

    def _on_started(self, state: ops.VisitState) -> None:
        self._starting = False
        self._start_customer = None
        self._show_visit(state)
        self.sig_visit_started.emit(state.visit.id, state.visit.customer_id)

    def _on_start_failed(self, error: BaseException) -> None:
        self._starting = False
        self.check_in_button.setEnabled(True)
        if isinstance(error, VisitAlreadyInProgress):
            self._other_visit_id = error.visit_id  # the banner's action resumes the visit the store named
            self.start_banner.show_message("error", message_text(error.message), action=self.tr("Go to that visit"))
        elif isinstance(error, VisitError):
            self.start_banner.show_message("error", "\n".join(message_text(m) for m in error.messages))
        else:
            base_ops.show_error(self, error)

    # ================================================================= showing a visit

    def _on_resume_loaded(self, state: ops.VisitState | None) -> None:
        if state is None:
            if self.pages.currentIndex() != PAGE_START:
                self._show_empty()
            self.sig_visit_loaded.emit(None)
            return
        self._show_visit(state)

    def _on_visit_loaded(self, state: ops.VisitState | None) -> None:
        if state is None:
            self._show_empty()
            self.empty_banner.show_message("error", self.tr("This visit no longer exists."))
            self.sig_visit_loaded.emit(None)
            return
        self._show_visit(state)

    def _show_visit(self, state: ops.VisitState) -> None:
        self._debounce.cancel()
        self.save_indicator.reset()
        self.banner.hide()
        self.state = state
        self._answers = dict(state.answers)
        self._attachments = list(state.attachments)
        self._follow_ups = list(state.follow_ups)
        self._dismissed = set()
        self._missing_keys = set()
        self._checking_out = False
        template = state.template
        items = list(template.items) if template else []
        self.checklist.build(items, _template_name(template))
        for key, row in self.checklist.rows.items():
            row.load(self._answers.get(key))
            row.sig_result.connect(self._on_result)
            row.sig_count.connect(self._on_count)
            row.sig_note.connect(self._on_item_note)
            row.sig_photo.connect(self._on_item_photo)
            row.strip.sig_open.connect(self.open_photo)
            row.strip.sig_remove.connect(self.remove_photo)
        self.notes.load(state.note)
        self.prepare.show_prepare(state.prepare, self._now().date(), state.customer)
        self.follow_up_panel.default_owner = state.visit.on_behalf_of or state.visit.manager_id
        self.follow_up_panel.close_editor()
        self._show_photos()
        self._show_follow_ups()
        self._apply_read_only()
        self._update_header()
        self._update_score()
        self.tabs.setCurrentIndex(0)
        self.pages.setCurrentIndex(PAGE_VISIT)
        self._clock.start()
        self._load_thumbnails([a.sha256 for a in self._attachments])
        if state.visit.status is VisitStatus.COMPLETED:
            self._show_completed_banner(None)
        self.sig_visit_loaded.emit(state)

    def _show_empty(self) -> None:
        self._debounce.flush()
        self.state = None
        self._answers = {}
        self._attachments = []
        self._follow_ups = []
        self._clock.stop()
        self.cache.clear()
        self.empty_banner.hide()
        self.pages.setCurrentIndex(PAGE_EMPTY)
        self.sig_closed.emit()

    def _apply_read_only(self) -> None:
        completed = not self.in_progress
        for row in self.checklist.rows.values():
            row.set_read_only(completed)
        self.visit_strip.removable = not completed
        self.visit_strip.refresh()
        self.attach_button.setEnabled(not completed)
        self.paste_button.setEnabled(not completed)
        self.check_out_button.setVisible(not completed)
        self.discard_button.setVisible(not completed)
        self.close_button.setVisible(completed)
        self.position_button.setEnabled(not completed)
        self.check_out_button.setEnabled(not completed)

    def _store_name(self) -> str:
        customer = self.state.customer if self.state else None
        return customer.store_name if customer else ""

    def _customer_line(self, customer) -> str:
        parts = [customer.code, self.tr("class {klass}").format(klass=customer.customer_class.value)]
        if customer.owner:
            parts.append(customer.owner)
        if customer.phone:
            parts.append(customer.phone)
        if customer.address:
            parts.append(customer.address)
        if customer.licence_expiry:
            parts.append(self.tr("licence until {date}").format(date=fmt_date(customer.licence_expiry)))
        return "  ·  ".join(p for p in parts if p)

    def _update_header(self) -> None:
        state = self.state
        if state is None:
            return
        visit = state.visit
        self.visit_title.setText(self._store_name())
        self.visit_subtitle.setText(self._customer_line(state.customer) if state.customer else "")
        self.type_badge.setText(enum_text(visit.visit_type))
        completed = visit.status is VisitStatus.COMPLETED
        self.status_badge.setText(enum_text(visit.status))
        set_badge_colour(self.status_badge, "#1a7f37" if completed else "#bc4c00")
        now = self._now()
        duration = visit_duration(visit, None if completed else _aware_like(now, visit.check_in_at))
        if completed:
            self.check_in_label.setText(self.tr("Checked in {start} · checked out {end} · {duration}").format(
                start=fmt_time(visit.check_in_at), end=fmt_time(visit.check_out_at),
                duration=fmt_duration(duration)))
        else:
            self.check_in_label.setText(self.tr("Checked in at {time} · {duration} so far").format(
                time=fmt_time(visit.check_in_at), duration=fmt_duration(duration)))
        if visit.latitude is not None and visit.longitude is not None:
            self.position_button.setText(f"{visit.latitude:.5f}, {visit.longitude:.5f}")
            self.position_button.setToolTip(self.tr("Position at check-in; click to correct it"))
        else:
            self.position_button.setText(self.tr("Enter position"))
            self.position_button.setToolTip(self.tr("Where you are, if you know it (e.g. from a phone)"))

    # ================================================================= autosave

    def _run_save(self, op, on_success: Callable[[Any], None] | None = None,
                  on_failure: Callable[[BaseException], None] | None = None) -> None:
        """Run a saving op with the "saved" indicator; ``on_failure`` handles a refusal (nothing was lost)."""
        self.save_indicator.begin()

        def ok(result) -> None:
            self.save_indicator.done(True)
            if on_success is not None:
                on_success(result)
            self.sig_saved.emit()

        def failed(error: BaseException) -> None:
            if on_failure is not None:
                self.save_indicator.done(True)
                on_failure(error)
                return
            text = message_text(error.message) if isinstance(getattr(error, "message", None), Message) \
                else str(error)
            self.save_indicator.done(False, text)
            self.banner.show_message("error", self.tr("An edit could not be saved: {error}").format(error=text))

        op.success(ok).failure(failed).run_in_background(initiator=self)

    def _answer(self, key: str) -> ChecklistAnswer:
        answer = self._answers.get(key)
        if answer is None:
            answer = ChecklistAnswer(visit_id=self.visit_id or "", item_key=key)
            self._answers[key] = answer
        return answer

    def _on_result(self, key: str, result: AnswerResult | None) -> None:
        if not self.in_progress:
            return
        self._answer(key).result = result
        self._debounce.flush()  # a pending note/count of the item goes first
        self._run_save(ops.save_answer(parent=self, visit_id=self.visit_id, customer_id=self.state.visit.customer_id,
                                       item_key=key, result=result))
        self._after_answer_change()

    def _on_count(self, key: str, count: int | None) -> None:
        if not self.in_progress:
            return
        self._answer(key).count = count
        self.save_indicator.editing()
        self._debounce.push(f"count:{key}", count)
        self._after_answer_change()

    def _on_item_note(self, key: str, text: str) -> None:
        if not self.in_progress:
            return
        self._answer(key).note = text
        self.save_indicator.editing()
        self._debounce.push(f"inote:{key}", text)
        self._after_answer_change()

    def _on_note_changed(self, name: str, text: str) -> None:
        if self.state is None:
            return
        self.save_indicator.editing()
        self._debounce.push(f"note:{name}", text)

    def _save_debounced(self, key: str, value: object) -> None:
        if self.state is None:
            return
        kind, name = key.split(":", 1)
        visit_id, customer_id = self.state.visit.id, self.state.visit.customer_id
        if kind == "note":
            op = ops.save_note_field(parent=self, visit_id=visit_id, customer_id=customer_id, field_name=name,
                                     value=str(value))
        elif kind == "count":
            op = ops.save_answer(parent=self, visit_id=visit_id, customer_id=customer_id, item_key=name, count=value)
        else:
            op = ops.save_answer(parent=self, visit_id=visit_id, customer_id=customer_id, item_key=name,
                                 note=str(value))
        self._run_save(op)

    def _after_answer_change(self) -> None:
        self._update_score()
        self._update_proposals()

    def _update_score(self) -> None:
        state = self.state
        template = state.template if state else None
        if template is None:
            self.score_value.setText("—")
            self.score_detail.setText("")
            self.tabs.setTabText(0, self.tr("Checklist"))
            return
        score = score_checklist(template, self._answers)
        value = state.visit.score if state.visit.status is VisitStatus.COMPLETED else score.score
        self.score_value.setText(fmt_score(value))
        self.score_value.setStyleSheet(f"color: {score_colour(value)};")
        self.score_detail.setText(self.tr("{passed} pass · {failed} fail · {na} N/A · {open} open").format(
            passed=score.passed, failed=score.failed, na=score.not_applicable, open=score.unanswered))
        total = len(template.items)
        self.tabs.setTabText(0, self.tr("Checklist {answered}/{total}").format(answered=score.answered, total=total))

    @property
    def live_score(self):
        """The score of the answers as shown (core scoring; ``None`` without a checklist)."""
        if self.state is None or self.state.template is None:
            return None
        return score_checklist(self.state.template, self._answers)

    # ================================================================= photos

    def attach_file(self, item_key: str | None = None) -> None:
        """Pick an image file and attach it to ``item_key`` (``None``: to the visit)."""
        if not self.in_progress:
            return
        path, _selected = QFileDialog.getOpenFileName(
            self, self.tr("Attach a photo"), "",
            self.tr("Images ({patterns})").format(patterns=IMAGE_FILTER_EXTS) + ";;" + self.tr("All files (*)"))
        if path:
            self._attach(item_key, path, "")

    def paste_photo(self, item_key: str | None = None) -> None:
        """Attach the image on the clipboard (a screenshot, a photo copied from a phone app)."""
        if not self.in_progress:
            return
        image: QImage = QApplication.clipboard().image()
        if image.isNull():
            self._photo_refused(self.tr("The clipboard holds no image. Copy a photo first, then paste it here."))
            return
        self._attach(item_key, image, f"clipboard-{self._now():%Y%m%d-%H%M%S}.png")

    def _on_item_photo(self, key: str, how: str) -> None:
        if how == "paste":
            self.paste_photo(key)
        else:
            self.attach_file(key)

    def _attach(self, item_key: str | None, source, filename: str) -> None:
        state = self.state
        name = filename or (str(source).replace("\\", "/").rsplit("/", 1)[-1] if isinstance(source, str) else "")
        self._run_save(ops.attach_photo(parent=self, profile=self.profile, visit_id=state.visit.id,
                                        customer_id=state.visit.customer_id, item_key=item_key, source=source,
                                        filename=filename),
                       self._on_photo_attached, lambda error: self._on_photo_failed(error, name))

    def _on_photo_failed(self, error: BaseException, name: str = "") -> None:
        if isinstance(error, PhotoRejected) or isinstance(getattr(error, "message", None), Message):
            self._photo_refused(message_text(error.message), name)
        else:
            base_ops.show_error(self, error)

    def _photo_refused(self, text: str, name: str = "") -> None:
        title = (self.tr("The photo {name} was not attached.").format(name=name) if name
                 else self.tr("The photo was not attached."))
        self.banner.show_message("error", title + "\n" + text)
        self.sig_photo_refused.emit(text)

    def _on_photo_attached(self, attached: ops.AttachedPhoto) -> None:
        if self.state is None or attached.attachment.visit_id != self.state.visit.id:
            return
        self.cache.put(attached.attachment.sha256, attached.thumbnail)
        if all(a.id != attached.attachment.id for a in self._attachments):
            self._attachments.append(attached.attachment)
        self._show_photos()
        row = self.checklist.rows.get(attached.attachment.item_key or "")
        if row is not None and row.property("missing") == "true" and self._missing_keys:
            row.set_missing(None)
        self.sig_photo_attached.emit(attached.attachment)

    def remove_photo(self, attachment_id: str) -> None:
        if not self.in_progress:
            return
        state = self.state

        def removed(_r) -> None:
            self._attachments = [a for a in self._attachments if a.id != attachment_id]
            self._show_photos()

        self._run_save(ops.delete_attachment(parent=self, attachment_id=attachment_id, visit_id=state.visit.id,
                                             customer_id=state.visit.customer_id), removed)

    def open_photo(self, sha256: str) -> None:
        ops.photo_file(parent=self, profile=self.profile, sha256=sha256,
                       success=lambda path: path and QDesktopServices.openUrl(QUrl.fromLocalFile(path))) \
            .run_in_background()

    def _show_photos(self) -> None:
        by_item: dict[str | None, list[Attachment]] = {}
        for attachment in self._attachments:
            by_item.setdefault(attachment.item_key, []).append(attachment)
        for key, row in self.checklist.rows.items():
            row.set_photos(by_item.get(key, []))
        self.visit_strip.set_attachments(by_item.get(None, []))
        self.photos_empty.setVisible(not by_item.get(None))

    def _load_thumbnails(self, sha256s: list[str]) -> None:
        missing = [s for s in sha256s if s not in self.cache]
        if not missing:
            return
        visit_id = self.visit_id

        def loaded(thumbs: dict[str, bytes]) -> None:
            if self.visit_id != visit_id:
                return
            for sha, data in thumbs.items():
                self.cache.put(sha, data)
            self._show_photos()

        ops.load_thumbnails(parent=self, profile=self.profile, sha256s=missing, success=loaded).run_in_background()

    # ================================================================= follow-ups

    def _show_follow_ups(self) -> None:
        state = self.state
        self.follow_up_panel.set_follow_ups(self._follow_ups, state.visit.id if state else None, self._now().date())
        self._update_proposals()

    def proposals(self) -> list[FollowUp]:
        """Follow-ups proposed from failed items not yet confirmed or dismissed."""
        state = self.state
        if state is None or state.template is None:
            return []
        open_keys = {f.source_item_key for f in self._follow_ups
                     if f.status is FollowUpStatus.OPEN and f.source_item_key}
        due = self._now().date() + timedelta(days=DEFAULT_FOLLOW_UP_DAYS)
        return [p for p in proposed_follow_ups(state.template, self._answers, state.visit.customer_id, state.visit.id,
                                               due, owner_id=state.visit.on_behalf_of or state.visit.manager_id)
                if p.source_item_key not in open_keys and p.source_item_key not in self._dismissed]

    def _update_proposals(self) -> None:
        proposals = self.proposals()
        self.follow_up_panel.set_proposals(proposals)
        open_count = sum(1 for f in self._follow_ups if f.status is FollowUpStatus.OPEN)
        text = self.tr("Follow-ups ({count})").format(count=open_count)
        if proposals:
            text += " · " + self.tr("{count} proposed").format(count=len(proposals))
        self.tabs.setTabText(2, text)

    def confirm_follow_up(self, proposal: FollowUp) -> None:
        """Store a proposed follow-up (possibly with the title or due date changed)."""
        self._run_save(ops.confirm_follow_ups(parent=self, proposals=[proposal]), self._on_follow_ups_stored,
                       self._follow_up_failed)

    def _dismiss_proposal(self, key: str) -> None:
        self._dismissed.add(key)
        self._update_proposals()

    def _add_follow_up(self, title: str, due, owner: str) -> None:
        state = self.state
        if state is None:
            return
        self._run_save(ops.add_follow_up(parent=self, customer_id=state.visit.customer_id, title=title, due_date=due,
                                         owner_id=owner or None, visit_id=state.visit.id),
                       lambda f: (self._on_follow_ups_stored([f]), self.follow_up_panel.close_editor()),
                       self._follow_up_failed)

    def _update_follow_up(self, follow_up: FollowUp) -> None:
        self._run_save(ops.update_follow_up(parent=self, follow_up=follow_up),
                       lambda f: (self._on_follow_ups_stored([f]), self.follow_up_panel.close_editor()),
                       self._follow_up_failed)

    def _set_follow_up_status(self, follow_up: FollowUp, status: FollowUpStatus) -> None:
        self._run_save(ops.update_follow_up(parent=self, follow_up=replace(follow_up, status=status)),
                       lambda f: self._on_follow_ups_stored([f]), self._follow_up_failed)

    def _follow_up_failed(self, error: BaseException) -> None:
        if isinstance(error, VisitError):
            text = "\n".join(message_text(m) for m in error.messages)
            if self.follow_up_panel.editor.isVisible():
                self.follow_up_panel.show_editor_error(text)
            else:
                self.banner.show_message("error", text)
        else:
            base_ops.show_error(self, error)
        self._update_proposals()

    def _on_follow_ups_stored(self, stored: list[FollowUp]) -> None:
        by_id = {f.id: f for f in self._follow_ups}
        for f in stored:
            by_id[f.id] = f
        self._follow_ups = list(by_id.values())
        self._show_follow_ups()
        if stored:
            self.follow_up_panel.select(stored[-1].id)
        self.sig_follow_ups_changed.emit()

    # ================================================================= check-out

    def _on_checked_out(self, result) -> None:
        self._checking_out = False
        if self.state is None or result.visit.id != self.state.visit.id:
            return
        self.state = replace(self.state, visit=result.visit)
        self._missing_keys = set()
        for row in self.checklist.rows.values():
            row.set_missing(None)
        self._apply_read_only()
        self._update_header()
        self._update_score()
        self._update_proposals()
        self._show_completed_banner(result)
        self.sig_checked_out.emit(result)

    def _show_completed_banner(self, result) -> None:
        visit = self.state.visit
        text = self.tr("Checked out at {time} after {duration}. Checklist score: {score}.").format(
            time=fmt_time(visit.check_out_at), duration=fmt_duration(visit_duration(visit)),
            score=fmt_score(visit.score))
        proposals = self.proposals()
        action = None
        if proposals:
            text += "\n" + self.tr("{count} proposed follow-ups wait for your confirmation.").format(
                count=len(proposals))
            action = self.tr("Review follow-ups")
            self._banner_action = lambda: self.tabs.setCurrentWidget(self.follow_up_panel)
        else:
            self._banner_action = None
        self.banner.show_message("success", text, action=action)

    def _on_banner_action(self) -> None:
        if self._banner_action is not None:
            self._banner_action()

    def _on_check_out_failed(self, error: BaseException) -> None:
        self._checking_out = False
        self.check_out_button.setEnabled(self.in_progress)
        if isinstance(error, CheckOutRefused):
            texts = [message_text(m) for m in error.messages]
            self._missing_keys = {str(m.params.get("key")) for m in error.messages if m.params.get("key")}
            for key, row in self.checklist.rows.items():
                text = next((message_text(m) for m in error.messages if m.params.get("key") == key), None)
                row.set_missing(text)
            self.banner.show_message("error", self.tr("Check-out refused. Still missing:"), texts)
            self._banner_action = None
            self.tabs.setCurrentWidget(self.checklist)
            first = next((str(m.params["key"]) for m in error.messages if m.params.get("key") in self.checklist.rows),
                         None)
            if first:
                QTimer.singleShot(0, lambda: self.checklist.scroll_to(first))
            self.sig_check_out_refused.emit(texts)
        elif isinstance(error, VisitError):
            self.banner.show_message("error", "\n".join(message_text(m) for m in error.messages))
        else:
            base_ops.show_error(self, error)

    # ================================================================= position

    def _position_from(self, lat_edit: QLineEdit, lon_edit: QLineEdit) -> tuple[float, float] | None:
        try:
            lat = float(lat_edit.text().replace(",", "."))
            lon = float(lon_edit.text().replace(",", "."))
        except ValueError:
            return None
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return lat, lon
        return None

    def _toggle_position_editor(self) -> None:
        visible = not self.position_editor.isVisible()
        if visible and self.state is not None:
            visit = self.state.visit
            self.pos_lat_edit.setText(f"{visit.latitude:.6f}" if visit.latitude is not None else "")
            self.pos_lon_edit.setText(f"{visit.longitude:.6f}" if visit.longitude is not None else "")
        self.position_editor.setVisible(visible)

    def _save_position(self) -> None:
        if not self.in_progress:
            return
        position = self._position_from(self.pos_lat_edit, self.pos_lon_edit)
        if position is None and (self.pos_lat_edit.text() or self.pos_lon_edit.text()):
            self.banner.show_message("error", self.tr("Enter the latitude (-90 to 90) and the longitude "
                                                      "(-180 to 180) in degrees, e.g. 28.19 and 113.05."))
            return
        state = self.state

        def saved(_r) -> None:
            if self.state is not None and self.state.visit.id == state.visit.id:
                self.state = replace(self.state, visit=replace(self.state.visit,
                                                               latitude=position[0] if position else None,
                                                               longitude=position[1] if position else None))
                self._update_header()
            self.position_editor.hide()

        self._run_save(ops.set_visit_position(parent=self, visit_id=state.visit.id,
                                              customer_id=state.visit.customer_id, position=position), saved)

    # ================================================================= events

    def _on_operation(self, changes, initiator) -> None:
        if initiator is self or self.state is None:
            return
        customer_id = self.state.visit.customer_id
        if ops.touches(changes, "follow_ups") and (not changes.customer_ids or customer_id in changes.customer_ids):
            visit_id = self.state.visit.id

            def reloaded(state: ops.VisitState | None) -> None:
                if state is not None and self.state is not None and state.visit.id == visit_id:
                    self._follow_ups = list(state.follow_ups)
                    self._show_follow_ups()

            ops.load_visit(parent=self, visit_id=visit_id, success=reloaded).run_in_background()
        if ops.touches(changes, "visits") and self.state.visit.id in getattr(changes, "visit_ids", ()):
            self.open_visit(self.state.visit.id)  # changed elsewhere (e.g. discarded): show what is stored

    def hideEvent(self, event) -> None:  # noqa: N802
        self.flush()
        super().hideEvent(event)

    def changeEvent(self, event) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.empty_title.setText(self.tr("No visit in progress"))
        self.empty_hint.setText(self.tr("Start a visit from today's plan or from a customer's file. A visit in "
                                        "progress is saved as you work and reopens here after a restart."))
        self.type_title.setText(self.tr("Type of visit"))
        descriptions = {
            VisitType.SERVICE: self.tr("Help the retailer: counter arrangement, display, ordering, e-commerce"),
            VisitType.INSPECTION: self.tr("Check compliance: licence shown, prices marked, no counterfeit "
                                          "cigarettes"),
            VisitType.GUIDANCE: self.tr("Coach the retailer: brand structure, sales analysis, business skills"),
        }
        for visit_type, button in self.type_buttons.items():
            button.setText(f"{enum_text(visit_type)}\n{descriptions[visit_type]}")
        self.position_label.setText(self.tr("Position (optional)"))
        self.lat_edit.setPlaceholderText(self.tr("latitude"))
        self.lon_edit.setPlaceholderText(self.tr("longitude"))
        self.pos_lat_edit.setPlaceholderText(self.tr("latitude"))
        self.pos_lon_edit.setPlaceholderText(self.tr("longitude"))
        self.position_hint.setText(self.tr("where you are, if you know it"))
        self.check_in_button.setText(self.tr("Check in now"))
        self.start_cancel_button.setText(self.tr("Cancel"))
        self.check_out_button.setText(self.tr("Check out"))
        self.discard_button.setText(self.tr("Discard visit…"))
        self.close_button.setText(self.tr("Close visit"))
        self.history_button.setText(self.tr("Customer history"))
        self.pos_save_button.setText(self.tr("Save position"))
        self.score_caption.setText(self.tr("Checklist score"))
        self.photos_title.setText(self.tr("Photos of the visit"))
        self.photos_empty.setText(self.tr("No photos of the visit yet. Photos of a checklist item are attached on "
                                          "its row."))
        self.attach_button.setText(self.tr("Attach image…"))
        self.paste_button.setText(self.tr("Paste image"))
        self.tabs.setTabText(1, self.tr("Visit notes"))
        self.save_indicator.retranslate()
        if self.state is not None:
            template = self.state.template
            if template is not None:
                self.checklist.title.setText(_template_name(template))
            self._update_header()
            self._update_score()
            self._update_proposals()
        else:
            self.tabs.setTabText(0, self.tr("Checklist"))
            self.tabs.setTabText(2, self.tr("Follow-ups ({count})").format(count=0))


def _template_name(template) -> str:
    if template is None:
        return ""
    from ..i18n import ZH_CN, current_language
    if current_language() == ZH_CN:
        return template.name_zh or template.name_en
    return template.name_en or template.name_zh


def _aware_like(now: datetime, other: datetime | None) -> datetime:
    """``now`` comparable with ``other`` (both naive or both aware)."""
    if other is None:
        return now
    if (other.tzinfo is None) != (now.tzinfo is None):
        return now.replace(tzinfo=None) if other.tzinfo is None else now.astimezone()
    return now

