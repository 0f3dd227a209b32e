#!/usr/bin/env python3
"""Take screenshots of the main window for docs/screenshots/ (offscreen, no display needed).

    /work/venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--customers 2000]

Builds a throwaway profile filled by the demo generator, opens the real main
window in Chinese and in English and saves ``QWidget.grab()`` PNGs:

- ``main-zh.png``: list and form (Chinese UI)
- ``validation-zh.png``: the form refusing a grade of 31 and a short licence number
- ``main-en.png``: list and form (English UI)
- ``search-zh.png``: search-as-you-type ("便利") with a route filter

Needs a CJK font (Debian: fonts-noto-cjk) or the Chinese text renders as boxes.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QSettings  # noqa: E402
from PySide6.QtGui import QFont, QFontDatabase  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from fieldapp.gui import operations as ops  # noqa: E402
from fieldapp.gui.i18n import EN, ZH_CN, Translations  # noqa: E402
from fieldapp.gui.main_window import MainWindow  # noqa: E402
from fieldapp.store.migrate import open_profile_database  # noqa: E402
from fieldapp.store.profile import Profile  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WINDOW_SIZE = (1600, 900)


def wait_until(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the expected state")
        QCoreApplication.processEvents()
        time.sleep(0.01)


def pick_font(app: QApplication) -> None:
    """Prefer a CJK-capable UI font so Chinese and Latin text share one look."""
    families = set(QFontDatabase.families())
    for family in ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei"):
        if family in families:
            font = QFont(family, 10)
            app.setFont(font)
            return
    print("warning: no CJK font found; install fonts-noto-cjk", file=sys.stderr)


def open_window(profile: Profile, translations: Translations, lang: str) -> tuple[MainWindow, ops.OperationHub]:
    translations.switch(lang)
    worker = ops.DbWorker(open_profile_database(profile))
    hub = ops.OperationHub(worker)
    window = MainWindow(profile, translations)
    window.resize(*WINDOW_SIZE)
    window.show()
    window.start()
    model = window.list_panel.model
    wait_until(lambda: model.loaded_once and model.rowCount() > 0 and model.is_row_loaded(0))
    wait_until(lambda: window._status is not None)
    return window, hub


def select_row(window: MainWindow, row: int) -> None:
    model = window.list_panel.model
    window.list_panel.view.selectRow(row)
    wanted = model.customer_id(row)
    wait_until(lambda: window.form.customer_id == wanted)


def close_window(window: MainWindow, hub: ops.OperationHub) -> None:
    window.form.revert()
    window.close()
    hub.shutdown()
    window.deleteLater()
    QCoreApplication.processEvents()


def save(widget, path: Path) -> None:
    QCoreApplication.processEvents()
    widget.grab().save(str(path))
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--customers", type=int, default=2000)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    from fieldapp.demo import generate_demo_profile

    tmp = Path(tempfile.mkdtemp(prefix="fieldapp-shots-"))
    # Never read or write the developer's own settings (window geometry, language).
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "settings"))
    profile = Profile(tmp / "profile")
    engine = open_profile_database(profile)
    generate_demo_profile(engine, args.customers, seed=7)
    engine.dispose()

    app = QApplication.instance() or QApplication(sys.argv[:1])
    pick_font(app)
    translations = Translations(app)

    window, hub = open_window(profile, translations, ZH_CN)
    select_row(window, 3)
    save(window, args.out / "main-zh.png")

    form = window.form
    form.set_field("grade", "31")
    form.set_field("licence_no", "43012110")
    form.save()
    QCoreApplication.processEvents()
    save(window, args.out / "validation-zh.png")
    form.revert()

    panel = window.list_panel
    panel.search_edit.setFocus()
    panel.search_edit.setText("便利")
    wait_until(lambda: panel.model.query.text == "便利" and panel.route_combo.count() > 1)
    route = panel.route_combo.itemData(1)
    panel.route_combo.setCurrentIndex(1)
    wait_until(lambda: panel.model.query.route == route and panel.model.is_row_loaded(0))
    select_row(window, 0)
    save(window, args.out / "search-zh.png")
    close_window(window, hub)

    window, hub = open_window(profile, translations, EN)
    select_row(window, 3)
    save(window, args.out / "main-en.png")
    close_window(window, hub)
    return 0


if __name__ == "__main__":
    sys.exit(main())
