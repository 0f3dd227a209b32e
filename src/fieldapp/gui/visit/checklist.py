"""The counter-arrangement checklist of a visit: one row per item of the visit's template version.

Each row: the item's label and what it needs (required, photo, count), the
pass / fail / N/A buttons, a count box for COUNT items, a note, and for items
that may carry photos a photo button with the item's thumbnails. Rows only
*report* edits through signals; the visit screen saves them (buttons at once,
typing debounced) and keeps the live score.

UI thread only.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.entities import AnswerResult, Attachment, ChecklistAnswer, ChecklistItem, ItemKind
from fieldapp.store.visits import NOTE_FIELD_MAX

from .photos import PhotoCache, ThumbnailStrip
from .widgets import AMBER, BLUE, RED, badge, item_label, svg_icon

NO_COUNT = -1  # the spin box's "nothing entered" value (shown as "—")
RESULTS = (AnswerResult.PASS, AnswerResult.FAIL, AnswerResult.NOT_APPLICABLE)


class ChecklistItemRow(QFrame):
    """One checklist item. Signals carry the item key first."""

    sig_result = Signal(str, object)  # AnswerResult | None
    sig_count = Signal(str, object)  # int | None
    sig_note = Signal(str, str)
    sig_photo = Signal(str, str)  # key, "file" | "paste"

    def __init__(self, item: ChecklistItem, number: int, cache: PhotoCache, parent: QWidget | None = None):
        super().__init__(parent)
        self.item = item
        self.number = number
        self.setObjectName("itemRow")
        self.setProperty("state", "")
        self.setProperty("missing", "false")
        self._loading = False

        self.label = QLabel(self)
        self.label.setObjectName("itemLabel")
        self.label.setWordWrap(True)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.badges = QHBoxLayout()
        self.badges.setSpacing(4)
        self.required_badge = badge("", RED, self)
        self.photo_badge = badge("", BLUE, self)
        self.count_badge = badge("", AMBER, self)
        self.weight_label = QLabel(self)
        self.weight_label.setObjectName("muted")
        for widget in (self.required_badge, self.photo_badge, self.count_badge):
            self.badges.addWidget(widget)
        self.badges.addWidget(self.weight_label)
        self.badges.addStretch(1)
        self.required_badge.setVisible(item.required)
        self.photo_badge.setVisible(item.photo_required)
        self.count_badge.setVisible(item.kind is ItemKind.COUNT)

        self.buttons: dict[AnswerResult, QToolButton] = {}
        self.group = QButtonGroup(self)
        self.group.setExclusive(False)  # clicking the checked button again clears the answer
        answers = QHBoxLayout()
        answers.setSpacing(0)
        for k, result in enumerate(RESULTS):
            button = QToolButton(self)
            button.setObjectName("answer")
            button.setCheckable(True)
            button.setProperty("result", result.value)
            button.setProperty("pos", "first" if k == 0 else "last" if k == len(RESULTS) - 1 else "mid")
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda checked, result=result: self._on_button(result, checked))
            self.group.addButton(button)
            self.buttons[result] = button
            answers.addWidget(button)

        self.count_label = QLabel(self)
        self.count_spin = QSpinBox(self)
        self.count_spin.setRange(NO_COUNT, 9999)
        self.count_spin.setSpecialValueText("—")
        self.count_spin.setValue(NO_COUNT)
        self.count_spin.setFixedWidth(80)
        self.count_spin.valueChanged.connect(self._on_count)
        is_count = item.kind is ItemKind.COUNT
        self.count_label.setVisible(is_count)
        self.count_spin.setVisible(is_count)
        self.note_edit = QLineEdit(self)
        self.note_edit.setMaxLength(NOTE_FIELD_MAX)
        self.note_edit.setClearButtonEnabled(True)
        self.note_edit.textEdited.connect(lambda text: self._emit_note(text))
        self.photo_button = QToolButton(self)
        self.photo_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.photo_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.photo_button.setIcon(svg_icon("camera"))
        self.photo_menu = QMenu(self.photo_button)
        self.attach_action = QAction(self.photo_menu)
        self.attach_action.triggered.connect(lambda: self.sig_photo.emit(self.item.key, "file"))
        self.paste_action = QAction(self.photo_menu)
        self.paste_action.triggered.connect(lambda: self.sig_photo.emit(self.item.key, "paste"))
        self.photo_menu.addAction(self.attach_action)
        self.photo_menu.addAction(self.paste_action)
        self.photo_button.setMenu(self.photo_menu)
        self.strip = ThumbnailStrip(cache, self)
        self.missing_label = QLabel(self)
        self.missing_label.setObjectName("missingText")
        self.missing_label.setWordWrap(True)
        self.missing_label.hide()

        head = QHBoxLayout()
        head.setSpacing(10)
        self.number_label = QLabel(f"{number}", self)
        self.number_label.setObjectName("muted")
        self.number_label.setFixedWidth(18)
        self.number_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        titles = QVBoxLayout()
        titles.setSpacing(3)
        titles.addWidget(self.label)
        titles.addLayout(self.badges)
        head.addWidget(self.number_label, 0, Qt.AlignmentFlag.AlignTop)
        head.addLayout(titles, 1)
        head.addLayout(answers)
        head.setAlignment(answers, Qt.AlignmentFlag.AlignTop)

        details = QHBoxLayout()
        details.setSpacing(6)
        details.addSpacing(28)
        details.addWidget(self.count_label)
        details.addWidget(self.count_spin)
        details.addWidget(self.note_edit, 1)
        details.addWidget(self.photo_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(6)
        layout.addLayout(head)
        layout.addLayout(details)
        strip_row = QHBoxLayout()
        strip_row.addSpacing(28)
        strip_row.addWidget(self.strip, 1)
        layout.addLayout(strip_row)
        missing_row = QHBoxLayout()
        missing_row.addSpacing(28)
        missing_row.addWidget(self.missing_label, 1)
        layout.addLayout(missing_row)
        self.retranslate_ui()

    # --- state --------------------------------------------------------------------

    @property
    def result(self) -> AnswerResult | None:
        return next((r for r, b in self.buttons.items() if b.isChecked()), None)

    def load(self, answer: ChecklistAnswer | None) -> None:
        """Show a stored answer without emitting anything."""
        self._loading = True
        try:
            result = answer.result if answer else None
            for r, button in self.buttons.items():
                button.setChecked(r is result)
            self.count_spin.setValue(answer.count if answer and answer.count is not None else NO_COUNT)
            self.note_edit.setText(answer.note if answer else "")
        finally:
            self._loading = False
        self._show_state()

    def set_photos(self, attachments: list[Attachment]) -> None:
        self.strip.set_attachments(attachments)
        self._update_photo_button()

    def set_missing(self, text: str | None) -> None:
        self.setProperty("missing", "true" if text else "false")
        self.missing_label.setText(text or "")
        self.missing_label.setVisible(bool(text))
        self._repolish()

    def set_read_only(self, read_only: bool) -> None:
        for button in self.buttons.values():
            button.setEnabled(not read_only)
        self.count_spin.setReadOnly(read_only)
        self.note_edit.setReadOnly(read_only)
        self.photo_button.setEnabled(not read_only)
        self.strip.removable = not read_only
        self.strip.refresh()

    # --- edits --------------------------------------------------------------------

    def set_result(self, result: AnswerResult | None) -> None:
        """Answer the item as a click would (tests, keyboard shortcuts)."""
        for r, button in self.buttons.items():
            button.setChecked(r is result)
        self._show_state()
        self.sig_result.emit(self.item.key, result)

    def _on_button(self, result: AnswerResult, checked: bool) -> None:
        for r, button in self.buttons.items():
            if r is not result:
                button.setChecked(False)
        self._show_state()
        self.sig_result.emit(self.item.key, result if checked else None)

    def _on_count(self, value: int) -> None:
        if not self._loading:
            self.sig_count.emit(self.item.key, None if value == NO_COUNT else value)

    def _emit_note(self, text: str) -> None:
        if not self._loading:
            self.sig_note.emit(self.item.key, text)

    def _show_state(self) -> None:
        result = self.result
        self.setProperty("state", result.value if result else "")
        if result is not None and self.property("missing") == "true":
            self.set_missing(None)  # answered: no longer flagged (check-out re-checks everything)
        self._update_photo_button()
        self._repolish()

    def _update_photo_button(self) -> None:
        count = len(self.strip.attachments)
        if count:
            self.photo_button.setText(self.tr("Photos: {count}").format(count=count))
        else:
            self.photo_button.setText(self.tr("Photo"))
        needs = self.item.photo_required and not count and self.result not in (None, AnswerResult.NOT_APPLICABLE)
        self.photo_button.setIcon(svg_icon("camera", RED if needs else "#57606a"))
        self.photo_button.setStyleSheet(f"color: {RED}; font-weight: 600;" if needs else "")
        self.photo_button.setToolTip(self.tr("This item needs a photo before check-out") if needs else "")

    def _repolish(self) -> None:
        self.style().unpolish(self)
        self.style().polish(self)
        self.update()

    def changeEvent(self, event) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.label.setText(item_label(self.item))
        self.required_badge.setText(self.tr("Required"))
        self.photo_badge.setText(self.tr("Photo required"))
        self.count_badge.setText(self.tr("Count"))
        self.weight_label.setText(self.tr("weight {weight}").format(weight=f"{self.item.weight:g}"))
        self.buttons[AnswerResult.PASS].setText(self.tr("Pass"))
        self.buttons[AnswerResult.FAIL].setText(self.tr("Fail"))
        self.buttons[AnswerResult.NOT_APPLICABLE].setText(self.tr("N/A"))
        self.buttons[AnswerResult.NOT_APPLICABLE].setToolTip(self.tr("Not applicable at this store"))
        self.count_label.setText(self.tr("Count"))
        self.count_spin.setToolTip(self.tr("How many (e.g. facings, new products on the shelf)"))
        self.note_edit.setPlaceholderText(self.tr("Describe what is wrong (required when it fails)")
                                          if self.item.kind is ItemKind.NOTE else self.tr("Note (optional)"))
        self.attach_action.setText(self.tr("Attach image file…"))
        self.paste_action.setText(self.tr("Paste image from clipboard"))
        self._update_photo_button()


class ChecklistPanel(QScrollArea):
    """All rows of the visit's checklist, in template order."""

    def __init__(self, cache: PhotoCache, parent: QWidget | None = None):
        super().__init__(parent)
        self._cache = cache
        self.rows: dict[str, ChecklistItemRow] = {}
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._inner = QWidget(self)
        self._inner.setObjectName("checklistInner")
        self._layout = QVBoxLayout(self._inner)
        self._layout.setContentsMargins(8, 8, 8, 8)
        self._layout.setSpacing(6)
        self.title = QLabel(self._inner)
        self.title.setObjectName("sectionTitle")
        self.empty = QLabel(self._inner)
        self.empty.setObjectName("emptyHint")
        self.empty.setWordWrap(True)
        self.empty.hide()
        self._layout.addWidget(self.title)
        self._layout.addWidget(self.empty)
        self._layout.addStretch(1)
        self.setWidget(self._inner)

    def build(self, items: list[ChecklistItem], title: str) -> None:
        for row in self.rows.values():
            self._layout.removeWidget(row)
            row.deleteLater()
        self.rows = {}
        self.title.setText(title)
        self.title.setVisible(bool(items))
        for number, item in enumerate(items, start=1):
            row = ChecklistItemRow(item, number, self._cache, self._inner)
            self._layout.insertWidget(self._layout.count() - 1, row)
            self.rows[item.key] = row
        self.empty.setText(self.tr("This visit has no checklist: no checklist template is installed on this "
                                   "laptop. Notes, photos and follow-ups work as usual."))
        self.empty.setVisible(not items)

    def scroll_to(self, key: str) -> None:
        row = self.rows.get(key)
        if row is not None:
            self.ensureWidgetVisible(row, 0, 40)

