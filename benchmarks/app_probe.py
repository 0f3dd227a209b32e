"""Run the FieldApp window with timing probes: ``python -m benchmarks.app_probe [fieldapp arguments]``.

Exactly ``python -m fieldapp ARGS`` (it calls :func:`fieldapp.cli.main`), plus
probes installed before the GUI is imported — nothing in the app changes, so
the benchmark needs no hook in ``fieldapp.gui``. It prints one line
``app-probe: {json}`` and exits (``os._exit``) once it has seen, in order:

1. ``shown``: the first ``show()`` of a ``QMainWindow`` (the app's main window);
2. ``count``: the window's customer list model reported its ids and total
   (``sig_ids_loaded`` of the list's model: the customer count is on screen);
3. ``rows``: the first page of rows arrived (``sig_page_loaded``) — and Qt
   went back to its event loop once, so it has been painted;
4. ``search``: ``FIELDAPP_PROBE_SEARCH`` (default ``便利``) typed into the search
   field; the time until the matching ids arrived (the GUI's debounce
   included) and until their first page arrived;

then it reads its own peak and current resident memory (``VmHWM``, ``VmRSS``
from ``/proc/self/status``). Times are ``time.monotonic()`` values (one clock
for every process on Linux), so the parent can subtract the moment it
started the process. ``FIELDAPP_PROBE_PROFILE=file`` writes a cProfile of
the UI thread (pstats format) on exit. Without a main window within ``FIELDAPP_PROBE_TIMEOUT``
seconds (default 60) it prints what it saw and exits 3. Use with
``QT_QPA_PLATFORM=offscreen``.
"""

from __future__ import annotations

import json
import os
import sys
import time

T_MAIN = time.monotonic()
PREFIX = "app-probe: "


def _status_kib(key: str) -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def install() -> dict:
    """Patch QMainWindow.show and QApplication (before the GUI imports them); returns the marks dict."""
    from PySide6 import QtCore, QtWidgets

    marks: dict = {"main": T_MAIN}
    timeout = float(os.environ.get("FIELDAPP_PROBE_TIMEOUT") or 60)
    search_text = os.environ.get("FIELDAPP_PROBE_SEARCH", "便利")
    state = {"phase": "start", "window": None, "model": None}

    profiler = None
    if os.environ.get("FIELDAPP_PROBE_PROFILE"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()

    def finish(code: int, **extra) -> None:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(os.environ["FIELDAPP_PROBE_PROFILE"])
        marks.update(extra)
        marks["vm_hwm_kib"] = _status_kib("VmHWM")
        marks["vm_rss_kib"] = _status_kib("VmRSS")
        marks["cpu_s"] = round(time.process_time(), 3)
        print(PREFIX + json.dumps(marks, ensure_ascii=False), flush=True)
        sys.stderr.flush()
        os._exit(code)

    def model_of(window):
        for view in window.findChildren(QtWidgets.QAbstractItemView):
            model = view.model()
            while isinstance(model, QtCore.QSortFilterProxyModel):
                model = model.sourceModel()
            if model is not None and hasattr(model, "sig_ids_loaded"):
                return model
        return None

    def on_ids(shown: int, total: int) -> None:
        now = time.monotonic()
        if state["phase"] == "wait_count":
            marks["count"] = now
            marks["rss_kib_at_count"] = _status_kib("VmRSS")
            marks["customers_total"] = total
            marks["customers_listed"] = shown
            state["phase"] = "wait_rows"
            if shown == 0:
                after_rows()
        elif state["phase"] == "wait_search_ids":
            marks["search_ids"] = now
            marks["search_hits"] = shown
            state["phase"] = "wait_search_rows"
            if shown == 0:
                finish(0)
            QtCore.QTimer.singleShot(0, rows_already_cached)

    def rows_already_cached() -> None:
        # The first matching rows may be in the model's row cache already: then no page is fetched.
        model = state["model"]
        if state["phase"] == "wait_search_rows" and getattr(model, "is_row_loaded", lambda _r: False)(0):
            marks["search_rows"] = time.monotonic()
            marks["search_rows_cached"] = True
            state["phase"] = "done"
            finish(0)

    def on_page(_page: int) -> None:
        if state["phase"] == "wait_rows":
            state["phase"] = "painting"
            QtCore.QTimer.singleShot(0, after_rows)  # back through the event loop: the rows get painted
        elif state["phase"] == "wait_search_rows":
            marks["search_rows"] = time.monotonic()
            state["phase"] = "done"
            QtCore.QTimer.singleShot(0, lambda: finish(0))

    def after_rows() -> None:
        marks["rows"] = time.monotonic()
        marks["rss_kib_at_rows"] = _status_kib("VmRSS")
        edit = None
        for candidate in state["window"].findChildren(QtWidgets.QLineEdit):
            if candidate.objectName() == "customerSearch":
                edit = candidate
        if edit is None or not search_text:
            finish(0, search="no search field")
        state["phase"] = "wait_search_ids"
        marks["search_typed"] = time.monotonic()
        edit.setText(search_text)  # as if typed: textChanged -> the list's debounce -> the query

    original_show = QtWidgets.QMainWindow.show

    def show(self) -> None:
        original_show(self)
        if state["window"] is None:
            marks["shown"] = time.monotonic()
            marks["rss_kib_at_shown"] = _status_kib("VmRSS")
            marks["title"] = self.windowTitle()
            state["window"] = self
            model = model_of(self)
            if model is None:
                finish(0, note="main window has no customer list model")
            state["model"] = model
            state["phase"] = "wait_count"
            model.sig_ids_loaded.connect(on_ids)
            if hasattr(model, "sig_page_loaded"):
                model.sig_page_loaded.connect(on_page)

    QtWidgets.QMainWindow.show = show  # the app's MainWindow inherits it
    _time_db_jobs(marks)

    base = QtWidgets.QApplication

    class ProbeApplication(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            marks["qapplication"] = time.monotonic()
            self._probe_timer = QtCore.QTimer(self)
            self._probe_timer.setSingleShot(True)
            self._probe_timer.timeout.connect(lambda: finish(3, timeout=timeout, phase=state["phase"],
                                                             visible=self._probe_visible()))
            self._probe_timer.start(int(timeout * 1000))

        def _probe_visible(self) -> list[str]:
            return [f'{type(w).__name__} "{w.windowTitle()}"' for w in self.topLevelWidgets() if w.isVisible()]

    QtWidgets.QApplication = ProbeApplication
    return marks


def _time_db_jobs(marks: dict) -> None:
    """Best effort: record each DB worker job (name, queued, started, ended) in ``marks["db_jobs"]``.

    Wraps ``fieldapp.gui.operations.DbWorker.submit`` if it exists with the
    signature ``submit(fn, on_done, *, read_only)``; tells where the start-up
    time goes on the worker thread. Skipped silently otherwise.
    """
    try:
        from fieldapp.gui import operations as ops
    except Exception:  # noqa: BLE001 - the probe must work whatever the GUI looks like
        return
    worker = getattr(ops, "DbWorker", None)
    original = getattr(worker, "submit", None)
    if original is None:
        return
    jobs: list = []
    marks["db_jobs"] = jobs

    def name_of(fn) -> str:
        # QueryOp/CollectionOp submit a lambda around the op: name the op itself when it is visible.
        for cell in getattr(fn, "__closure__", None) or ():
            inner = cell.cell_contents
            if callable(inner) and getattr(inner, "__qualname__", "") and "<lambda>" not in inner.__qualname__:
                return inner.__qualname__.replace(".<locals>", "")
        return getattr(fn, "__qualname__", repr(fn)).replace(".<locals>", "")

    def submit(self, fn, on_done, *args, **kwargs):
        record = [name_of(fn), time.monotonic(), None, None]
        if len(jobs) < 200:
            jobs.append(record)

        def timed(engine):
            record[2] = time.monotonic()
            try:
                return fn(engine)
            finally:
                record[3] = time.monotonic()

        return original(self, timed, on_done, *args, **kwargs)

    worker.submit = submit


def main(argv: list[str] | None = None) -> int:
    install()
    from fieldapp.cli import main as cli_main

    return cli_main(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
