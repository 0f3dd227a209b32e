"""Demo data in the window: offer it on an empty profile, load it with a cancellable progress dialog.

The generator itself lives in :mod:`fieldapp.demo` (``generate_demo_profile``);
it runs on the DB worker like every other database job. UI thread only.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QMessageBox, QProgressDialog, QWidget

from . import operations as ops
from .dialogs import widen
from .i18n import app_settings

log = logging.getLogger(__name__)

DEMO_CUSTOMERS = 2000
SETTING_NEVER_OFFER = "demo/never_offer"

Generator = Callable[..., Any]
translate = QCoreApplication.translate


def find_demo_generator() -> Generator | None:
    """``fieldapp.demo.generate_demo_profile``, or None when this build has no demo module."""
    try:
        from fieldapp.demo import generate_demo_profile
    except ImportError:
        log.info("fieldapp.demo is not available; demo data cannot be offered")
        return None
    return generate_demo_profile


def should_offer_demo() -> bool:
    return app_settings().value(SETTING_NEVER_OFFER, False, type=bool) is not True


def offer_demo_data(parent: QWidget | None, customers: int = DEMO_CUSTOMERS) -> bool:
    """Ask whether to fill the empty profile with demo data. True means "load it"."""
    box = QMessageBox(QMessageBox.Icon.Question, translate("DemoData", "Empty profile"),
                      translate("DemoData", "This profile has no customers yet."),
                      QMessageBox.StandardButton.NoButton, parent)
    box.setInformativeText(translate("DemoData",
        "Load demo data (示例数据) to try FieldApp? It adds {count} made-up customers around a "
        "county town. The window then shows a DEMO DATA badge; do not enter real customers into a "
        "demo profile.").format(count=customers))
    load = box.addButton(translate("DemoData", "Load demo data"), QMessageBox.ButtonRole.AcceptRole)
    empty = box.addButton(translate("DemoData", "Start empty"), QMessageBox.ButtonRole.RejectRole)
    widen(box)
    box.setDefaultButton(load)
    box.setEscapeButton(empty)
    never = QCheckBox(translate("DemoData", "Do not ask again"), box)
    box.setCheckBox(never)
    box.exec()
    accepted = box.clickedButton() is load
    if not accepted and never.isChecked():
        app_settings().setValue(SETTING_NEVER_OFFER, True)
    return accepted


class DemoLoader(QObject):
    """Runs the demo generator on the DB worker behind a cancellable progress dialog."""

    #: True when the demo data was loaded completely; False when cancelled or failed.
    sig_finished = Signal(bool)

    def __init__(self, parent: QWidget, generate: Generator, customers: int = DEMO_CUSTOMERS, seed: int = 0):
        super().__init__(parent)
        self._parent_widget = parent
        self._generate = generate
        self._customers = customers
        self._seed = seed
        self._cancel = threading.Event()
        self._dialog: QProgressDialog | None = None
        self.job: ops.Job | None = None

    def start(self) -> None:
        dialog = QProgressDialog(parent=self._parent_widget)
        dialog.setWindowTitle(self.tr("Demo data"))
        dialog.setLabelText(self.tr("Creating {count} demo customers…").format(count=self._customers))
        dialog.setCancelButtonText(self.tr("Cancel"))
        dialog.setRange(0, self._customers)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumWidth(380)
        dialog.canceled.connect(self._on_cancel)
        dialog.setValue(0)
        self._dialog = dialog
        relay = ops.ProgressRelay(self)
        relay.progressed.connect(self._on_progress)
        self.job = ops.load_demo_data(
            parent=self, generate=self._generate, customers=self._customers, seed=self._seed,
            progress=relay.report, cancel=self._cancel,
        ).success(self._on_done).failure(self._on_failed).run_in_background(initiator=self)

    def cancel(self) -> None:
        self._on_cancel()

    def _on_cancel(self) -> None:
        self._cancel.set()
        if self._dialog is not None:
            self._dialog.setLabelText(self.tr("Stopping…"))

    def _on_progress(self, done: int, total: int) -> None:
        if self._dialog is not None and not self._cancel.is_set():
            if total and total != self._dialog.maximum():
                self._dialog.setMaximum(total)
            self._dialog.setValue(min(done, self._dialog.maximum()))

    def _close_dialog(self) -> None:
        if self._dialog is not None:
            self._dialog.close()
            self._dialog.deleteLater()
            self._dialog = None

    def _on_done(self, _result: object) -> None:
        self._close_dialog()
        self.sig_finished.emit(not self._cancel.is_set())

    def _on_failed(self, error: BaseException) -> None:
        self._close_dialog()
        if not self._cancel.is_set():
            ops.show_error(self._parent_widget, error)
        # A generator may stop a cancelled run by raising; that is not an error to show.
        self.sig_finished.emit(False)
