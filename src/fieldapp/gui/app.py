"""Starting the desktop app: language, opening the profile off the UI thread, first start.

:func:`run_app` is what ``fieldapp`` (no subcommand) calls. The start sequence:

1. read the settings (IT's machine-wide file, then the profile's own; a bad
   file is reported in the window, never fatal), create the QApplication and
   install the translations (IT's locked language, else ``--lang``, else the
   saved choice, else IT's default, else the system locale);
2. open the profile's database on the DB worker — inspecting, backing up and
   upgrading it may take a while on an old laptop, so a small "opening…"
   dialog appears if it takes more than a moment;
3. if the file must not be opened (:class:`DatabaseProblem`), explain why and
   which backups exist, and exit non-zero without touching it;
4. show the main window; on an empty profile, load demo data (``--demo``) or
   offer it — unless IT set a sync server: then the window asks the user to sign
   in, and the data comes from the server;
5. the window resumes a visit in progress and starts syncing if signed in.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QWidget

from fieldapp import __version__
from fieldapp.settings import Settings, load_settings
from fieldapp.store.migrate import DatabaseProblem
from fieldapp.store.profile import Profile

from . import operations as ops
from .demo import DEMO_CUSTOMERS, DemoLoader, find_demo_generator, offer_demo_data, should_offer_demo
from .dialogs import widen
from .i18n import APPLICATION, ORGANIZATION, Translations, render_message
from .icons import app_icon
from .main_window import MainWindow, choose_language

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_DATABASE_PROBLEM = 2
OPENING_DIALOG_DELAY_MS = 400  # a fast open shows no dialog at all

translate = QCoreApplication.translate


def run_app(args: argparse.Namespace) -> int:
    """Run the window until the user quits. Returns the process exit code.

    ``args`` carries ``data_dir``, ``lang`` and ``demo`` (see :mod:`fieldapp.cli`).
    Must be called on the main thread.
    """
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
    profile = Profile.at(getattr(args, "data_dir", None))
    # A small TOML read, once, before any window exists; problems become warnings shown in the window.
    settings = load_settings(profile.data_dir)
    translations = Translations(app)
    translations.switch(choose_language(getattr(args, "lang", None), settings))
    controller = AppController(profile, translations, demo=bool(getattr(args, "demo", False)), settings=settings,
                               prompt_sign_in=True)
    previous_hook = sys.excepthook
    sys.excepthook = _excepthook
    quit_on_close = app.quitOnLastWindowClosed()
    # The opening dialog may be the only window for a moment; closing it must not quit.
    app.setQuitOnLastWindowClosed(False)
    try:
        controller.start()
        code = app.exec()
    finally:
        controller.shutdown()
        sys.excepthook = previous_hook
        app.setQuitOnLastWindowClosed(quit_on_close)
        translations.remove()
    return int(code)


class AppController(QObject):
    """Drives the start sequence and owns the DB worker, the hub and the main window. UI thread only."""

    #: the first-start check ran (demo data offered, started or not needed)
    sig_first_start_checked = Signal()

    def __init__(self, profile: Profile, translations: Translations | None = None, *, demo: bool = False,
                 settings: Settings | None = None, prompt_sign_in: bool = False,
                 window_factory: "type[MainWindow] | None" = None, window_kwargs: dict | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.profile = profile
        self.translations = translations
        self.demo_requested = demo
        self.settings = settings if settings is not None else load_settings(profile.data_dir)
        self.prompt_sign_in = prompt_sign_in
        self._window_factory = window_factory or MainWindow
        self._window_kwargs = dict(window_kwargs or {})
        self.worker = ops.DbWorker()
        self.hub = ops.OperationHub(self.worker)
        self.window: MainWindow | None = None
        self.demo_loader: DemoLoader | None = None
        self._opening: QProgressDialog | None = None
        self.exit_code: int | None = None

    def start(self) -> None:
        dialog = QProgressDialog(translate("AppController", "Opening the customer database…"), "", 0, 0)
        dialog.setWindowTitle("FieldApp")
        dialog.setCancelButton(None)  # type: ignore[arg-type] - PySide accepts None to remove it
        dialog.setMinimumDuration(OPENING_DIALOG_DELAY_MS)
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        dialog.setValue(0)  # starts the minimum-duration timer
        self._opening = dialog
        self.worker.open_profile(self.profile, self._on_opened)

    def shutdown(self) -> None:
        """Stop syncing, finish queued writes and stop the worker. Safe to call twice."""
        if self.window is not None:
            self.window.hide()
            self.window.shutdown_sync()
        self.hub.shutdown()

    def _close_opening_dialog(self) -> None:
        if self._opening is not None:
            self._opening.reset()
            self._opening.hide()
            self._opening.deleteLater()
            self._opening = None

    def _on_opened(self, job: ops.Job) -> None:
        self._close_opening_dialog()
        if isinstance(job.error, DatabaseProblem):
            show_database_problem(None, job.error)
            self._exit(EXIT_DATABASE_PROBLEM)
            return
        if job.error is not None:
            ops.show_error(None, job.error)
            self._exit(EXIT_ERROR)
            return
        generator = find_demo_generator()
        window = self._window_factory(self.profile, self.translations,
                                      load_demo=(lambda: self.load_demo(generator)) if generator else None,
                                      settings=self.settings, prompt_sign_in=self.prompt_sign_in,
                                      **self._window_kwargs)
        self.window = window
        window.show()
        QApplication.instance().setQuitOnLastWindowClosed(True)  # type: ignore[union-attr]
        window.start()
        ops.profile_status(parent=window, success=self._first_start_check).run_in_background()

    def _first_start_check(self, status: ops.ProfileStatus) -> None:
        try:
            if status.customer_count > 0 or self.window is None:
                return
            if not self.demo_requested and self.settings.effective("server_url"):
                return  # IT set a server: the window asks to sign in, and the customers come from there
            generator = find_demo_generator()
            if generator is None:
                if self.demo_requested:
                    QMessageBox.warning(self.window, "FieldApp", translate(
                        "AppController", "This FieldApp build has no demo data generator; starting empty."))
                return
            if self.demo_requested or (should_offer_demo() and offer_demo_data(self.window)):
                self.load_demo(generator)
        finally:
            self.sig_first_start_checked.emit()

    def load_demo(self, generator) -> None:
        if self.window is None or self.demo_loader is not None:
            return
        self.demo_loader = DemoLoader(self.window, generator, customers=DEMO_CUSTOMERS)
        self.demo_loader.sig_finished.connect(self._on_demo_finished)
        self.demo_loader.start()

    def _on_demo_finished(self, completed: bool) -> None:
        if self.window is not None:
            message = (translate("AppController", "Demo data loaded.") if completed
                       else translate("AppController", "Loading demo data was stopped."))
            self.window.statusBar().showMessage(message, 8000)
        if self.demo_loader is not None:
            self.demo_loader.deleteLater()
            self.demo_loader = None

    def _exit(self, code: int) -> None:
        self.exit_code = code
        # exit() from inside a callback: let the current event finish first.
        QTimer.singleShot(0, lambda: QCoreApplication.exit(code))


def show_database_problem(parent: QWidget | None, problem: DatabaseProblem) -> None:
    """Explain why the database cannot be opened and which backups exist. Modal; UI thread."""
    box = QMessageBox(QMessageBox.Icon.Critical,
                      translate("AppController", "FieldApp cannot open the customer database"),
                      render_message(problem.message), QMessageBox.StandardButton.Close, parent)
    if problem.backups:
        listed = "\n".join(f"• {path}" for path in problem.backups[:10])
        more = len(problem.backups) - 10
        if more > 0:
            listed += "\n" + translate("AppController", "…and %n older backup(s).", "", more)
        box.setInformativeText(translate("AppController", "Backups of this profile, newest first:") + "\n" + listed)
    else:
        box.setInformativeText(translate("AppController", "No backups of this profile were found."))
    widen(box, 520)  # paths are long
    folder = problem.backups[0].parent if problem.backups else None
    open_button = None
    if folder is not None:
        open_button = box.addButton(translate("AppController", "Show backups folder"),
                                    QMessageBox.ButtonRole.ActionRole)
    box.exec()
    if open_button is not None and box.clickedButton() is open_button:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def _excepthook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """Last resort for a bug in a slot: log it and tell the user, instead of dying silently."""
    log.error("unexpected error", exc_info=(exc_type, exc, tb))
    traceback.print_exception(exc_type, exc, tb)
    if QApplication.instance() is None:
        return
    box = QMessageBox(QMessageBox.Icon.Critical, "FieldApp", translate(
        "AppController", "An unexpected error occurred: {error}\n\nYour saved data is safe. "
        "Please tell IT what you were doing.").format(error=exc))
    box.setDetailedText("".join(traceback.format_exception(exc_type, exc, tb)))
    box.exec()
