"""Visit notes (拜访记录): needs, concerns, complaints, market information, abnormalities, advice, free text.

Each field reports its text as typed (``sig_changed(field, text)``); the visit
screen saves it debounced. Notes stay editable after check-out: the summary
is often written in the car.

UI thread only.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPlainTextEdit, QScrollArea, QVBoxLayout, QWidget

from fieldapp.core.entities import VisitNote
from fieldapp.store.visits import NOTE_FIELD_MAX, NOTE_FIELDS


class NoteField(QPlainTextEdit):
    """A plain-text box that refuses text beyond the store's limit."""

    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.name = name
        self.setTabChangesFocus(True)
        self.setMinimumHeight(64)
        self.textChanged.connect(self._limit)

    def _limit(self) -> None:
        text = self.toPlainText()
        if len(text) > NOTE_FIELD_MAX:
            cursor = self.textCursor()
            self.blockSignals(True)
            self.setPlainText(text[:NOTE_FIELD_MAX])
            self.blockSignals(False)
            cursor.setPosition(min(cursor.position(), NOTE_FIELD_MAX))
            self.setTextCursor(cursor)


class NotesPanel(QScrollArea):
    """The seven note fields in a two-column grid (free text across the bottom)."""

    sig_changed = Signal(str, str)  # field name, text

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        inner = QWidget(self)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        self.fields: dict[str, NoteField] = {}
        self.labels: dict[str, QLabel] = {}
        self._loading = False
        for k, name in enumerate(NOTE_FIELDS):
            label = QLabel(inner)
            label.setObjectName("sectionTitle")
            edit = NoteField(name, inner)
            edit.textChanged.connect(lambda name=name: self._on_changed(name))
            self.fields[name] = edit
            self.labels[name] = label
            if name == "free_text":
                row = (k // 2) * 2 + 2
                grid.addWidget(label, row, 0, 1, 2)
                grid.addWidget(edit, row + 1, 0, 1, 2)
            else:
                row, column = (k // 2) * 2, k % 2
                grid.addWidget(label, row, column)
                grid.addWidget(edit, row + 1, column)
        for column in (0, 1):
            grid.setColumnStretch(column, 1)
        layout = QVBoxLayout(inner)
        layout.setContentsMargins(8, 8, 8, 8)
        self.hint = QLabel(inner)
        self.hint.setObjectName("muted")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        layout.addLayout(grid)
        layout.addStretch(1)
        self.setWidget(inner)
        self.retranslate_ui()

    def load(self, note: VisitNote) -> None:
        self._loading = True
        try:
            for name, edit in self.fields.items():
                edit.setPlainText(getattr(note, name) or "")
        finally:
            self._loading = False

    def set_text(self, name: str, text: str) -> None:
        """Type ``text`` into a field as the user would (tests)."""
        self.fields[name].setPlainText(text)

    def text(self, name: str) -> str:
        return self.fields[name].toPlainText()

    def _on_changed(self, name: str) -> None:
        if not self._loading:
            self.sig_changed.emit(name, self.fields[name].toPlainText())

    def changeEvent(self, event) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        titles = {
            "needs": self.tr("Needs"),
            "concerns": self.tr("Concerns and doubts"),
            "complaints": self.tr("Complaints"),
            "market_info": self.tr("Market information"),
            "abnormalities": self.tr("Abnormalities"),
            "advice": self.tr("Advice given"),
            "free_text": self.tr("Other notes"),
        }
        hints = {
            "needs": self.tr("What the retailer wants: brands, allocation, display material, ordering help…"),
            "concerns": self.tr("What worries or puzzles them: prices, policy, supply…"),
            "complaints": self.tr("Complaints about delivery, service, products… (an open complaint brings the "
                                  "store back onto the plan)"),
            "market_info": self.tr("Competitor prices, stock-outs, new shops nearby…"),
            "abnormalities": self.tr("Store closed, licence transferred, suspicious orders…"),
            "advice": self.tr("What you advised: brand structure, display, sales analysis…"),
            "free_text": self.tr("Anything else worth keeping for the next visit"),
        }
        for name in NOTE_FIELDS:
            self.labels[name].setText(titles[name])
            self.fields[name].setPlaceholderText(hints[name])
        self.hint.setText(self.tr("Everything is saved as you type, also after check-out."))
