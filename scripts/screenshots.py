#!/usr/bin/env python3
"""Take screenshots of the main window for docs/screenshots/ (offscreen, no display needed).

    /work/venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--customers 2000]

Builds a throwaway profile filled by the demo generator, opens the real main
window in Chinese and in English and saves ``QWidget.grab()`` PNGs:

- ``main-zh.png``: list and form (Chinese UI)
- ``validation-zh.png``: the form refusing a grade of 31 and a short licence number
- ``main-en.png``: list and form (English UI)
- ``search-zh.png``: search-as-you-type ("便利") with a route filter
- ``plan-tab-zh.png``: the "今日计划" tab of the main window
- ``main-tabs-zh.png``: a signed-in profile: tabs with the visit in progress marked, the customer's
  history beside the list, "正在同步 42%" in the status bar
- ``sync-status-zh.png``: the status bar's sync corner in each state
- ``conflicts-zh.png``: the conflicts view, both values side by side
- ``settings-locked-zh.png``: the settings dialog with the server address locked by IT
- ``login-zh.png``: signing in, server from IT, the keyring warning

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
# Never touch the developer's keyring; the login screenshot shows the "memory only" warning.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"

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


def open_window(profile: Profile, translations: Translations, lang: str,
                **kwargs) -> tuple[MainWindow, ops.OperationHub]:
    translations.switch(lang)
    worker = ops.DbWorker(open_profile_database(profile))
    hub = ops.OperationHub(worker)
    window = MainWindow(profile, translations, **kwargs)
    window.resize(*WINDOW_SIZE)
    window.tabs.setCurrentIndex(0)  # the customers tab, whatever the last run left in the settings
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
    window.shutdown_sync()
    hub.shutdown()
    window.deleteLater()
    QCoreApplication.processEvents()


def save(widget, path: Path) -> None:
    QCoreApplication.processEvents()
    widget.grab().save(str(path))
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


# --- the working day and sync ------------------------------------------------------------------

SERVER = "https://sync.changsha.example"


def signed_in_copy(profile: Profile, target: Path) -> Profile:
    """A copy of the demo profile that looks like a real, signed-in one (no demo flag), with a visit in
    progress and a few conflicts waiting."""
    import json
    import shutil
    import uuid
    from datetime import datetime, timezone

    from sqlalchemy import select

    from fieldapp.core.entities import VisitType
    from fieldapp.store import sync_state as ss
    from fieldapp.store import visits as store_visits
    from fieldapp.store.db import write_transaction
    from fieldapp.store.schema import customers, profile_meta, sync_conflicts

    copy = Profile(target)
    copy.ensure_dirs()
    shutil.copy(profile.db_path, copy.db_path)
    engine = open_profile_database(copy)
    try:
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with write_transaction(engine) as conn:
            conn.execute(profile_meta.delete().where(profile_meta.c.key == "demo"))
            ss.save_settings(conn, ss.SyncSettings(server_url=SERVER, username="zhang", user_id="u-zhang",
                                                   display_name="张伟"))
            ss.set_state(conn, ss.LAST_SYNC_AT, now)
            rows = conn.execute(select(customers.c.id, customers.c.phone, customers.c.owner, customers.c.route)
                                .order_by(customers.c.code).limit(12)).all()
            store_visits.start_visit(conn, rows[5].id, VisitType.SERVICE, "u-zhang",
                                     datetime.now().astimezone())
            docs = [
                {"phone": {"base": rows[0].phone, "local": "13974120001", "server": "0731-84120001"},
                 "owner": {"base": rows[0].owner, "local": rows[0].owner, "server": rows[0].owner}},
                {"route": {"base": rows[1].route, "local": "黄兴线02", "server": "星沙线03"},
                 "notes": {"base": None, "local": "老板说下月装修，柜台要换位置", "server": "门店计划扩大经营面积"}},
            ]
            for n, (row, doc) in enumerate(zip(rows[:2], docs)):
                fields = ", ".join(name for name, v in doc.items() if v["local"] != v["server"])
                conn.execute(sync_conflicts.insert().values(
                    id=str(uuid.uuid4()), kind="conflict", server_conflict_id=f"srv-{n}", seq=n + 1,
                    entity="customer", row_id=row.id, fields=json.dumps(doc, ensure_ascii=False),
                    reason=f"conflict: changed on both sides: {fields}", server_version=7, created_at=now))
            conn.execute(sync_conflicts.insert().values(
                id=str(uuid.uuid4()), kind="rejected", seq=3, entity="follow_up", row_id=str(uuid.uuid4()),
                fields=json.dumps({"title": {"base": None, "local": "复查价签", "server": None}},
                                  ensure_ascii=False),
                reason="not_found: the customer is not in your scope", created_at=now))
    finally:
        engine.dispose()
    return copy


def managed_settings(tmp: Path) -> Path:
    """IT's machine-wide file for the screenshots: the server locked, a 30-minute default interval."""
    path = tmp / "managed-config.toml"
    path.write_text(f'server_url = "{SERVER}"\nsync_interval_minutes = 30\nlocked = ["server_url"]\n',
                    encoding="utf-8")
    os.environ["FIELDAPP_MANAGED_CONFIG"] = str(path)
    return path


def status_of(state, **kwargs):
    from datetime import datetime, timezone

    from fieldapp.gui.sync_status import SyncStatus

    base = dict(known=True, server_url=SERVER, username="zhang",
                last_sync_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    base.update(kwargs)
    return SyncStatus(state, **base)


def sync_states_panel():
    """One row per state: a caption and the status bar's sync corner as the window shows it."""
    from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QWidget

    from fieldapp.core.messages import Message
    from fieldapp.gui.sync_status import SyncState, SyncStatusWidget
    from fieldapp.sync import errors as sync_errors

    rows = [
        ("已同步 · synced", status_of(SyncState.SYNCED)),
        ("正在同步 · syncing", status_of(SyncState.SYNCING, percent=42, phase="push", pending=17)),
        ("等待同步 · changes waiting", status_of(SyncState.SYNCED, pending=3)),
        ("离线 · offline", status_of(SyncState.OFFLINE, pending=12, error_kind="offline", message=Message(
            "Sync", sync_errors.MSG_OFFLINE, {"url": SERVER, "detail": "connection refused"}))),
        ("需要处理 · conflicts", status_of(SyncState.ATTENTION, attention="conflicts", open_conflicts=2)),
        ("需要处理 · sign-in expired", status_of(SyncState.ATTENTION, attention="sign_in", pending=5,
                                             error_kind="auth_expired")),
        ("需要处理 · FieldApp too old", status_of(SyncState.ATTENTION, attention="update_app", pending=5,
                                              error_kind="protocol")),
        ("未登录 · not signed in", status_of(SyncState.NOT_SIGNED_IN, server_url=None, username=None,
                                           last_sync_at=None, pending=8)),
        ("示例数据 · demo profile", status_of(SyncState.DEMO, server_url=None, username=None, last_sync_at=None)),
    ]
    panel = QWidget()
    panel.setObjectName("statesPanel")
    panel.setStyleSheet("QWidget#statesPanel { background: white; } QLabel#caption { color: #57606a; }"
                        " QFrame#bar { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 4px; }")
    grid = QGridLayout(panel)
    grid.setContentsMargins(16, 16, 16, 16)
    grid.setHorizontalSpacing(16)
    grid.setVerticalSpacing(8)
    for r, (caption, status) in enumerate(rows):
        label = QLabel(caption, panel)
        label.setObjectName("caption")
        bar = QFrame(panel)
        bar.setObjectName("bar")
        bar.setMinimumWidth(420)
        widget = SyncStatusWidget(bar)
        widget.set_status(status)
        inner = QHBoxLayout(bar)
        inner.setContentsMargins(6, 3, 6, 3)
        inner.addStretch(1)
        inner.addWidget(widget)
        grid.addWidget(label, r, 0)
        grid.addWidget(bar, r, 1)
    panel.adjustSize()
    return panel


def working_day_shots(profile: Profile, tmp: Path, translations: Translations, out: Path) -> None:
    from fieldapp.gui.main_window import DETAIL_HISTORY, TAB_CUSTOMERS, TAB_PLAN
    from fieldapp.gui.sync_status import SyncState
    from fieldapp.gui.sync_worker import SyncController

    # The plan tab of the demo profile.
    window, hub = open_window(profile, translations, ZH_CN)
    window.tabs.setCurrentIndex(TAB_PLAN)
    wait_until(lambda: window.plan.model.rowCount() > 0)
    QCoreApplication.processEvents()
    save(window, out / "plan-tab-zh.png")
    close_window(window, hub)

    # A signed-in profile with a visit in progress, conflicts, and IT's settings.
    managed_settings(tmp)
    signed_in = signed_in_copy(profile, tmp / "signed-in")
    from fieldapp.settings import load_settings

    translations.switch(ZH_CN)
    worker = ops.DbWorker(open_profile_database(signed_in))
    hub = ops.OperationHub(worker)
    settings = load_settings(signed_in.data_dir)
    # No automatic sync: there is no server behind these screenshots; the states are set by hand.
    controller = SyncController(signed_in, settings, auto_sync=False)
    window = MainWindow(signed_in, translations, settings=settings, sync_controller=controller)
    window.resize(*WINDOW_SIZE)
    window.show()
    window.start()
    wait_until(lambda: window.visit.in_progress and window.sync.status.known)  # resumed: on the visit tab
    window.tabs.setCurrentIndex(TAB_CUSTOMERS)
    model = window.list_panel.model
    wait_until(lambda: model.loaded_once and model.rowCount() > 0 and model.is_row_loaded(0))
    select_row(window, 2)
    window.detail_tabs.setCurrentIndex(DETAIL_HISTORY)
    wait_until(lambda: window.history.snapshot is not None)
    window._on_sync_status(status_of(SyncState.SYNCING, percent=42, phase="push", pending=4))
    QCoreApplication.processEvents()
    save(window, out / "main-tabs-zh.png")

    # The conflicts view.
    window._on_sync_status(window.sync.status)
    dialog = window.show_conflicts()
    dialog.resize(1000, 520)
    wait_until(lambda: dialog.view.model.rowCount() == 3)
    dialog.view.select_row(1)
    QCoreApplication.processEvents()
    save(dialog, out / "conflicts-zh.png")
    dialog.close()

    # Settings with the server locked by IT.
    settings_dialog = window.show_settings()
    settings_dialog.adjustSize()
    QCoreApplication.processEvents()
    save(settings_dialog, out / "settings-locked-zh.png")
    settings_dialog.reject()

    # Signing in (server from IT, no keyring on this machine).
    login = window.show_sign_in()
    wait_until(login.keyring_warning.isVisible)
    login.adjustSize()
    QCoreApplication.processEvents()
    save(login, out / "login-zh.png")
    login.reject()
    QCoreApplication.processEvents()
    close_window(window, hub)

    panel = sync_states_panel()
    panel.show()
    QCoreApplication.processEvents()
    save(panel, out / "sync-status-zh.png")
    panel.close()




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

    working_day_shots(profile, tmp, translations, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
