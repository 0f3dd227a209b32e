"""Entry point of the PyInstaller bundle: ``fieldapp.cli.main`` plus a window smoke test.

``FIELDAPP_SMOKE_TEST=1 fieldapp`` (any command line that opens the window)
starts the app as usual; as soon as a main window is visible it prints
``smoke-test: main window shown: <class> "<title>"`` and exits 0. If no main
window appears within ``FIELDAPP_SMOKE_TIMEOUT`` seconds (default 30) it prints
what *is* on screen and exits 3. ``FIELDAPP_SMOKE_SCREENSHOT=file.png`` also
saves a picture of the window. Used by the installers' CI with
``QT_QPA_PLATFORM=offscreen``; it needs nothing from the app's own code, so it
keeps working however the GUI builds its window.
"""

from __future__ import annotations

import os
import sys


def _install_smoke_hook() -> None:
    import time

    from PySide6 import QtCore, QtWidgets

    timeout = float(os.environ.get("FIELDAPP_SMOKE_TIMEOUT") or 30)
    screenshot = os.environ.get("FIELDAPP_SMOKE_SCREENSHOT")
    base = QtWidgets.QApplication

    def describe(widget: QtWidgets.QWidget) -> str:
        return f'{type(widget).__name__} "{widget.windowTitle()}" {widget.width()}x{widget.height()}'

    def finish(code: int, text: str) -> None:
        print(f"smoke-test: {text}", flush=True)
        sys.stderr.flush()
        # Leave at once, even from inside a modal dialog's event loop.
        os._exit(code)

    class SmokeTestApplication(base):  # type: ignore[misc, valid-type]
        """QApplication that ends the process once a main window has been shown."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._smoke_deadline = time.monotonic() + timeout
            self._smoke_seen: dict[int, int] = {}
            self._smoke_timer = QtCore.QTimer(self)
            self._smoke_timer.setInterval(100)
            self._smoke_timer.timeout.connect(self._smoke_check)
            self._smoke_timer.start()  # runs in every event loop, nested ones included

        def _smoke_check(self) -> None:
            shown = [w for w in self.topLevelWidgets() if w.isVisible() and w.width() > 0]
            for window in shown:
                if isinstance(window, QtWidgets.QMainWindow):
                    # Wait for a few timer ticks so the window has been laid out and painted.
                    ticks = self._smoke_seen.get(id(window), 0) + 1
                    self._smoke_seen[id(window)] = ticks
                    if ticks >= 5:
                        if screenshot:
                            window.grab().save(screenshot)
                        finish(0, f"main window shown: {describe(window)}")
            if time.monotonic() > self._smoke_deadline:
                others = "; ".join(describe(w) for w in shown) or "no window"
                finish(3, f"no main window within {timeout:g}s (visible: {others})")

    QtWidgets.QApplication = SmokeTestApplication  # the GUI imports it after this point


def main() -> int:
    if os.environ.get("FIELDAPP_SMOKE_TEST"):
        _install_smoke_hook()
    from fieldapp.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
