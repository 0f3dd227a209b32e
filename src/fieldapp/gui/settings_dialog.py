"""The settings dialog (设置): sync server, CA bundle, sync interval, language.

Values come from :class:`fieldapp.settings.Settings` (machine-wide file by IT,
then the user's ``settings.toml`` in the profile). A key IT locked is shown
disabled, with "Set by IT" beside it and as its tooltip. Saving writes only
the keys the user changed, to the user file, on a background thread (a file
write with fsync has no business on the UI thread), from a freshly read copy
of the settings, then hands the new :class:`Settings` back on the UI thread.

The language is the window's language choice (the same one as the Settings ▸
Language menu, kept in the Qt settings); IT can lock it in the managed file.

UI thread only, apart from the writer function.
"""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import QByteArray, QEvent, QRectF, Qt, Signal
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from fieldapp.settings import (
    MAX_SYNC_INTERVAL_MINUTES,
    Settings,
    load_settings,
    validate_ca_bundle,
    validate_server_url,
)

from .i18n import LANGUAGES, render_message
from .sync_worker import run_in_thread

SYSTEM_LANGUAGE = ""  # the combo's value for "follow the system"

STYLE = """
QLabel#lockedBadge { color: #57606a; }
QLabel#fieldProblem { color: #c62828; }
QLabel#managedNote, QLabel#accountLine { color: #57606a; }
QLabel#settingsWarnings { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 5px; padding: 6px 8px; }
"""

_LOCK_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><rect x="5" y="10.5" width="14" '
             'height="10" rx="2" fill="#57606a"/><path d="M8 10.5V7.5a4 4 0 0 1 8 0v3" fill="none" stroke="#57606a" '
             'stroke-width="2"/></svg>')


def lock_pixmap(size: int = 14) -> QPixmap:
    renderer = QSvgRenderer(QByteArray(_LOCK_SVG.encode()))
    pixmap = QPixmap(size * 2, size * 2)
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return pixmap


# --- writing off the UI thread ------------------------------------------------------------------


def write_user_settings(settings: Settings, changes: dict[str, Any]) -> Settings:
    """Background thread: re-read both files, store ``changes`` in the user file, return the result."""
    fresh = load_settings(managed_path=settings.managed_path, user_path=settings.user_path)
    for key, value in changes.items():
        fresh.set_user(key, value)
    return fresh


# --- the dialog ----------------------------------------------------------------------------------


class SettingsDialog(QDialog):
    """Edit the user's settings. Open with :meth:`open`; ``sig_saved(settings, language)`` when written."""

    #: (Settings, language: "zh_CN" | "en" | "" for the system's) — saved; the dialog has closed
    sig_saved = Signal(object, str)
    #: the message shown — saving failed
    sig_failed = Signal(str)

    KEYS = ("server_url", "ca_bundle", "sync_interval_minutes", "language")

    def __init__(self, settings: Settings, parent: QWidget | None = None, *, language: str | None = None,
                 account: str | None = None):
        super().__init__(parent)
        self.settings = settings
        self.setObjectName("settingsDialog")
        self.setStyleSheet(STYLE)
        self.setMinimumWidth(560)
        self._saving = False
        self._initial_language = language if language in LANGUAGES else SYSTEM_LANGUAGE
        if settings.is_locked("language") and settings.effective("language") in LANGUAGES:
            self._initial_language = settings.effective("language")

        self.server_edit = QLineEdit(self)
        self.server_edit.setObjectName("settingServer")
        self.server_edit.setPlaceholderText("https://sync.example.com")
        self.ca_edit = QLineEdit(self)
        self.ca_edit.setObjectName("settingCaBundle")
        self.ca_button = QPushButton(self)
        self.ca_button.clicked.connect(self._browse_ca)
        self.interval_spin = QSpinBox(self)
        self.interval_spin.setObjectName("settingInterval")
        self.interval_spin.setRange(0, MAX_SYNC_INTERVAL_MINUTES)
        self.interval_spin.setSingleStep(5)
        self.language_combo = QComboBox(self)
        self.language_combo.setObjectName("settingLanguage")
        self.language_combo.addItem("", SYSTEM_LANGUAGE)
        for code, name in LANGUAGES.items():
            self.language_combo.addItem(name, code)

        self.editors: dict[str, QWidget] = {"server_url": self.server_edit, "ca_bundle": self.ca_edit,
                                            "sync_interval_minutes": self.interval_spin,
                                            "language": self.language_combo}
        self.labels: dict[str, QLabel] = {key: QLabel(self) for key in self.KEYS}
        self.lock_badges: dict[str, QLabel] = {}
        self.problems: dict[str, QLabel] = {}
        for key in self.KEYS:
            badge = QLabel(self)
            badge.setObjectName("lockedBadge")
            badge.setVisible(settings.is_locked(key))
            self.lock_badges[key] = badge
            problem = QLabel(self)
            problem.setObjectName("fieldProblem")
            problem.setWordWrap(True)
            problem.hide()
            self.problems[key] = problem

        self.sync_group = QGroupBox(self)
        sync_form = QFormLayout(self.sync_group)
        sync_form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.account_line = QLabel(account or "", self)
        self.account_line.setObjectName("accountLine")
        self.account_line.setWordWrap(True)
        self.account_line.setVisible(bool(account))
        if account:
            sync_form.addRow("", self.account_line)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_edit, 1)
        ca_row.addWidget(self.ca_button)
        sync_form.addRow(self.labels["server_url"], self._cell("server_url", self.server_edit))
        sync_form.addRow(self.labels["ca_bundle"], self._cell("ca_bundle", ca_row))
        sync_form.addRow(self.labels["sync_interval_minutes"], self._cell("sync_interval_minutes",
                                                                           self.interval_spin, stretch=True))
        self.ui_group = QGroupBox(self)
        ui_form = QFormLayout(self.ui_group)
        ui_form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        ui_form.addRow(self.labels["language"], self._cell("language", self.language_combo, stretch=True))

        self.managed_note = QLabel(self)
        self.managed_note.setObjectName("managedNote")
        self.managed_note.setWordWrap(True)
        self.managed_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warnings_label = QLabel(self)
        self.warnings_label.setObjectName("settingsWarnings")
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setVisible(bool(settings.messages))
        self.error_label = QLabel(self)
        self.error_label.setObjectName("fieldProblem")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(self.sync_group)
        layout.addWidget(self.ui_group)
        layout.addWidget(self.managed_note)
        layout.addWidget(self.warnings_label)
        layout.addWidget(self.error_label)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self._fill()
        self.retranslate_ui()

    def _cell(self, key: str, content: Any, *, stretch: bool = False) -> QWidget:
        cell = QWidget(self)
        column = QVBoxLayout(cell)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        row = QHBoxLayout()
        row.setSpacing(6)
        if isinstance(content, QWidget):
            row.addWidget(content, 0 if stretch else 1)
        else:
            row.addLayout(content, 1)
        lock = QLabel(cell)
        lock.setPixmap(lock_pixmap())
        lock.setVisible(self.settings.is_locked(key))
        row.addWidget(lock)
        row.addWidget(self.lock_badges[key])
        if stretch:
            row.addStretch(1)
        column.addLayout(row)
        column.addWidget(self.problems[key])
        return cell

    def _fill(self) -> None:
        settings = self.settings
        self.server_edit.setText(settings.effective("server_url") or "")
        self.ca_edit.setText(settings.effective("ca_bundle") or "")
        self.interval_spin.setValue(int(settings.effective("sync_interval_minutes")))
        self.language_combo.setCurrentIndex(max(self.language_combo.findData(self._initial_language), 0))
        for key, editor in self.editors.items():
            editor.setEnabled(not settings.is_locked(key))
        self.ca_button.setEnabled(not settings.is_locked("ca_bundle"))

    # --- values ----------------------------------------------------------------------------------

    def language(self) -> str:
        """The chosen language: "zh_CN", "en", or "" (follow the system)."""
        return self.language_combo.currentData() or SYSTEM_LANGUAGE

    def changes(self) -> tuple[dict[str, Any], dict[str, str]]:
        """``(changes, problems)``: the user-file values to write (None removes one), and what is invalid."""
        settings = self.settings
        changes: dict[str, Any] = {}
        problems: dict[str, str] = {}
        allow_http = bool(settings.effective("allow_http_localhost"))
        server = self.server_edit.text().strip()
        if not settings.is_locked("server_url") and server != (settings.effective("server_url") or ""):
            if not server:
                changes["server_url"] = None
            else:
                value, problem = validate_server_url(server, allow_http_localhost=allow_http)
                if problem is not None:
                    problems["server_url"] = render_message(problem)
                elif value != settings.effective("server_url"):
                    changes["server_url"] = value
        ca = self.ca_edit.text().strip()
        if not settings.is_locked("ca_bundle") and ca != (settings.effective("ca_bundle") or ""):
            if not ca:
                changes["ca_bundle"] = None
            else:
                value, problem = validate_ca_bundle(ca)
                if problem is not None:
                    problems["ca_bundle"] = render_message(problem)
                else:
                    changes["ca_bundle"] = value
        interval = self.interval_spin.value()
        if not settings.is_locked("sync_interval_minutes") and interval != settings.effective("sync_interval_minutes"):
            changes["sync_interval_minutes"] = interval
        return changes, problems

    def save(self) -> None:
        """Check the values; write the changed ones off the UI thread; close when written."""
        if self._saving:
            return
        changes, problems = self.changes()
        for key, label in self.problems.items():
            label.setText(problems.get(key, ""))
            label.setVisible(key in problems)
        if problems:
            return
        self._saving = True
        self.buttons.setEnabled(False)
        self.error_label.hide()
        language = self.language()
        settings = self.settings

        def done(result: Any, error: BaseException | None) -> None:
            if not shiboken6.isValid(self):
                return
            self._saving = False
            self.buttons.setEnabled(True)
            if error is not None:
                message = getattr(error, "message", None)
                text = render_message(message) if message is not None else str(error)
                self.error_label.setText(self.tr("Could not save the settings: {error}").format(error=text))
                self.error_label.show()
                self.sig_failed.emit(text)
                return
            self.settings = result
            self.sig_saved.emit(result, language)
            self.accept()

        if not changes:
            done(settings, None)
            return
        run_in_thread(lambda: write_user_settings(settings, changes), done)

    def _browse_ca(self) -> None:
        dialog = QFileDialog(self, self.tr("CA bundle (PEM file from IT)"))
        dialog.setNameFilters([self.tr("Certificates (*.pem *.crt *.cer)"), self.tr("All files (*)")])
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.ca_edit.setText)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    # --- language --------------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        settings = self.settings
        self.setWindowTitle(self.tr("Settings"))
        self.sync_group.setTitle(self.tr("Sync"))
        self.ui_group.setTitle(self.tr("Display"))
        self.labels["server_url"].setText(self.tr("Server address:"))
        self.labels["ca_bundle"].setText(self.tr("CA bundle:"))
        self.labels["sync_interval_minutes"].setText(self.tr("Sync automatically every:"))
        self.labels["language"].setText(self.tr("Language:"))
        self.ca_button.setText(self.tr("Browse…"))
        self.ca_edit.setPlaceholderText(self.tr("the system's certificates"))
        self.interval_spin.setSuffix(self.tr(" min"))
        self.interval_spin.setSpecialValueText(self.tr("only when I click Sync now"))
        self.language_combo.setItemText(0, self.tr("Follow the system"))
        locked_tip = self.tr("Set by IT")
        for key in self.KEYS:
            locked = settings.is_locked(key)
            self.lock_badges[key].setText(locked_tip)
            tip = locked_tip if locked else ""
            if not locked and settings.source(key) == "managed":
                tip = self.tr("Default from IT; you can change it.")
            self.editors[key].setToolTip(tip)
            self.labels[key].setToolTip(tip)
            self.lock_badges[key].setToolTip(locked_tip)
        if settings.locked & set(self.KEYS):
            self.managed_note.setText(self.tr("Settings marked “Set by IT” are managed by your IT department in "
                                              "{path} and cannot be changed here.").format(
                path=str(settings.managed_path)))
            self.managed_note.show()
        else:
            self.managed_note.hide()
        if settings.messages:
            lines = "\n".join(f"• {render_message(m)}" for m in settings.messages)
            self.warnings_label.setText(self.tr("Problems found in the settings files (safe defaults are used "
                                                "instead):") + "\n" + lines)
