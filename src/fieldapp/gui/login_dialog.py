"""Signing in to the sync server: server address (IT's, when set), user name, password.

The sign-in itself (HTTP, then the keyring) runs on the sync thread through
:meth:`SyncController.sign_in <fieldapp.gui.sync_worker.SyncController.sign_in>`;
the dialog stays responsive and shows "Signing in…" meanwhile. When no secure
password store is usable, the dialog says before the user types anything that
the sign-in will be kept in memory only and asked for again at the next start.

The dialog is opened with :meth:`QDialog.open` (window-modal, never a nested
event loop). UI thread only.
"""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.settings import validate_server_url

from .i18n import render_message
from .sync_status import render

STYLE = """
QLabel#loginTitle { font-size: 14pt; font-weight: 600; }
QLabel#loginIntro, QLabel#lockedHint { color: #57606a; }
QLabel#keyringWarning { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 5px; padding: 6px 8px;
    color: #1f2328; }
QLabel#loginError { background: #ffebe9; border: 1px solid #ff8182; border-radius: 5px; padding: 6px 8px;
    color: #1f2328; }
QLabel#loginBusy { color: #0969da; }
"""


class LoginDialog(QDialog):
    """Sign in for the profile. ``controller`` offers ``sign_in``, ``keyring_problem`` and the defaults
    (``default_server_url``, ``default_username``, ``ca_bundle``, ``allow_http_localhost``, ``settings``)."""

    #: the login result — signed in; the dialog has closed
    sig_signed_in = Signal(object)
    #: the keyring check came back (tests wait on it)
    sig_keyring_checked = Signal(object)
    #: a sign-in attempt failed; the message shown
    sig_failed = Signal(str)

    def __init__(self, controller: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("loginDialog")
        self.setStyleSheet(STYLE)
        self.setMinimumWidth(480)
        self._busy = False
        self.result_value: Any = None

        self.title = QLabel(self)
        self.title.setObjectName("loginTitle")
        self.intro = QLabel(self)
        self.intro.setObjectName("loginIntro")
        self.intro.setWordWrap(True)
        self.server_edit = QLineEdit(self)
        self.server_edit.setObjectName("loginServer")
        self.server_edit.setPlaceholderText("https://sync.example.com")
        self.user_edit = QLineEdit(self)
        self.user_edit.setObjectName("loginUser")
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("loginPassword")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.locked_hint = QLabel(self)
        self.locked_hint.setObjectName("lockedHint")
        self.locked_hint.hide()
        self.keyring_warning = QLabel(self)
        self.keyring_warning.setObjectName("keyringWarning")
        self.keyring_warning.setWordWrap(True)
        self.keyring_warning.hide()
        self.error_label = QLabel(self)
        self.error_label.setObjectName("loginError")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.busy_label = QLabel(self)
        self.busy_label.setObjectName("loginBusy")
        self.busy_label.hide()

        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.server_label = QLabel(self)
        self.user_label = QLabel(self)
        self.password_label = QLabel(self)
        self.form.addRow(self.server_label, self.server_edit)
        self.form.addRow("", self.locked_hint)
        self.form.addRow(self.user_label, self.user_edit)
        self.form.addRow(self.password_label, self.password_edit)

        self.buttons = QDialogButtonBox(self)
        self.sign_in_button = QPushButton(self)
        self.sign_in_button.setDefault(True)
        self.buttons.addButton(self.sign_in_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.sign_in)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(self.title)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addWidget(self.keyring_warning)
        layout.addWidget(self.error_label)
        layout.addWidget(self.busy_label)
        layout.addWidget(self.buttons)

        self._fill_defaults()
        self.retranslate_ui()
        for edit in (self.server_edit, self.user_edit, self.password_edit):
            edit.textChanged.connect(self._update_button)
        self._update_button()
        self._check_keyring()

    # --- public -------------------------------------------------------------------------------

    def sign_in(self) -> None:
        """Check the fields, then sign in on the sync thread."""
        if self._busy:
            return
        server = self.server_edit.text().strip()
        user = self.user_edit.text().strip()
        password = self.password_edit.text()
        url, problem = validate_server_url(server, allow_http_localhost=self._allow_http())
        if problem is not None:
            self._show_error(render_message(problem))
            self.server_edit.setFocus()
            return
        if not user or not password:
            self._show_error(self.tr("Enter your user name and password."))
            return
        self._set_busy(True)
        self.error_label.hide()
        self.controller.sign_in(url, user, password, ca_bundle=self._ca_bundle(), on_done=self._on_done)

    @property
    def busy(self) -> bool:
        return self._busy

    # --- internals ----------------------------------------------------------------------------

    def _fill_defaults(self) -> None:
        settings = getattr(self.controller, "settings", None)
        self.server_edit.setText(self.controller.default_server_url() or "")
        locked = settings is not None and settings.is_locked("server_url") and bool(self.server_edit.text())
        self.server_edit.setReadOnly(locked)
        self.server_edit.setEnabled(not locked)
        self._server_locked = locked
        self.locked_hint.setVisible(locked)
        username = self.controller.default_username()
        if username:
            self.user_edit.setText(username)
        (self.password_edit if username else (self.user_edit if self.server_edit.text() else self.server_edit)
         ).setFocus()

    def _allow_http(self) -> bool:
        allow = getattr(self.controller, "allow_http_localhost", None)
        return bool(allow()) if callable(allow) else False

    def _ca_bundle(self) -> str | None:
        ca = getattr(self.controller, "ca_bundle", None)
        return ca() if callable(ca) else None

    def _check_keyring(self) -> None:
        def done(problem: str | None) -> None:
            if not shiboken6.isValid(self):
                return
            if problem:
                self.keyring_warning.setText(self._keyring_text(problem))
                self.keyring_warning.show()
                self.adjustSize()
            self.sig_keyring_checked.emit(problem)

        self.controller.keyring_problem(done)

    def _keyring_text(self, problem: str) -> str:
        return self.tr("No secure password store (keyring) is usable on this computer ({detail}). Your sign-in "
                       "will be kept in memory only: FieldApp will ask for your password again the next time it "
                       "starts.").format(detail=problem)

    def _on_done(self, result: Any, error: BaseException | None) -> None:
        if not shiboken6.isValid(self):
            return
        self._set_busy(False)
        if error is not None:
            message = getattr(error, "message", None)
            text = render(message) if message is not None else self.tr("Could not sign in: {error}").format(
                error=error)
            self._show_error(text)
            self.password_edit.selectAll()
            self.password_edit.setFocus()
            self.sig_failed.emit(text)
            return
        self.result_value = result
        self.password_edit.clear()
        self.sig_signed_in.emit(result)
        self.accept()

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()
        self.adjustSize()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for edit in (self.user_edit, self.password_edit):
            edit.setEnabled(not busy)
        self.server_edit.setEnabled(not busy and not self._server_locked)
        self.busy_label.setVisible(busy)
        self._update_button()

    def _update_button(self) -> None:
        ready = bool(self.server_edit.text().strip() and self.user_edit.text().strip() and self.password_edit.text())
        self.sign_in_button.setEnabled(ready and not self._busy)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("Sign in"))
        self.title.setText(self.tr("Sign in to the sync server"))
        self.intro.setText(self.tr("Your visits and customer changes are sent to the server, and your team's "
                                   "changes come back. Until you sign in, everything stays on this laptop."))
        self.server_label.setText(self.tr("Server:"))
        self.user_label.setText(self.tr("User name:"))
        self.password_label.setText(self.tr("Password:"))
        self.locked_hint.setText(self.tr("Set by IT"))
        self.server_edit.setToolTip(self.tr("Set by IT") if self._server_locked else "")
        self.sign_in_button.setText(self.tr("Sign in"))
        self.busy_label.setText(self.tr("Signing in…"))
