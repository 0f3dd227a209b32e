#!/usr/bin/env python3
"""Screenshots of the team lead's workspace for docs/screenshots/ (offscreen, Chinese UI).

    /work/venv/bin/python scripts/lead_screenshots.py [--out docs/screenshots]

Builds a throwaway profile signed in as a team lead with five account managers,
six weeks of their visits (scores, failed items, notes, two local photos) and a
few review decisions, then saves:

- ``lead-review-zh.png``: the review queue (审核) with the detail panel of a visit
- ``lead-dashboard-zh.png``: the assessment dashboard (考核) for the week
- ``lead-cover-zh.png``: the AB cover list with an overlapping leave refused

Needs a CJK font (Debian: fonts-noto-cjk).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QDate  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from visit_screenshots import FAIL_NOTES, NOTES, photo_jpeg, pick_font, save, settle, wait_until  # noqa: E402

from fieldapp.core.entities import AnswerResult, ItemKind, VisitType  # noqa: E402
from fieldapp.core.review import ReviewAction  # noqa: E402
from fieldapp.demo.templates import load_counter_checklist  # noqa: E402
from fieldapp.gui import operations as ops  # noqa: E402
from fieldapp.gui.i18n import Translations  # noqa: E402
from fieldapp.gui.lead import LeadWorkspace  # noqa: E402
from fieldapp.store import reviews as R  # noqa: E402
from fieldapp.store import visits as V  # noqa: E402
from fieldapp.store.customers import save_customer  # noqa: E402
from fieldapp.store.db import write_transaction  # noqa: E402
from fieldapp.store.journal import write_row  # noqa: E402
from fieldapp.store.migrate import open_profile_database  # noqa: E402
from fieldapp.store.photos import attach_photo  # noqa: E402
from fieldapp.store.profile import Profile  # noqa: E402
from fieldapp.store.sync_state import SyncSettings, save_settings  # noqa: E402
from fieldapp.store.templates import install_template  # noqa: E402

TZ = timezone(timedelta(hours=8))
TODAY = date(2026, 11, 27)  # a Friday
LEAD = "lead-1"
MANAGERS = [("mgr-1", "张伟"), ("mgr-2", "李娜"), ("mgr-3", "王强"), ("mgr-4", "刘洋"), ("mgr-5", "陈静")]
STORES = ["便利店", "超市", "食杂店", "烟酒行", "百货", "商行", "小卖部", "批发部"]
SURNAMES = "王李张刘陈杨黄赵周吴"


def seed(engine, profile: Profile) -> str:
    """Fill the profile; returns the visit to show in the detail panel."""
    rng = random.Random(5)
    template = load_counter_checklist()
    shown = ""
    with write_transaction(engine) as conn:
        install_template(conn, template)
        write_row(conn, "team_member", LEAD, {"username": "zuzhang", "display_name": "赵组长", "role": "lead",
                                              "team_id": "team-1"})
        for i, (uid, name) in enumerate(MANAGERS):
            backup = MANAGERS[(i + 1) % len(MANAGERS)][0]
            write_row(conn, "team_member", uid, {"username": uid, "display_name": name, "role": "manager",
                                                 "team_id": "team-1", "backup_id": backup})
        save_settings(conn, SyncSettings(server_url="https://fieldsync.example", username="zuzhang", user_id=LEAD,
                                         display_name="赵组长", role="lead", team_id="team-1"))
        from tests.conftest import make_customer  # the valid-customer helper of the tests

        customers: dict[str, list[str]] = {}
        n = 0
        for m, (uid, _name) in enumerate(MANAGERS):
            for k in range(8):
                n += 1
                store = f"{SURNAMES[(n * 3) % 10]}记{STORES[(n + m) % len(STORES)]}"
                c = make_customer(code=f"C{n:04d}", licence_no=f"4301211{n:05d}", store_name=store, manager_id=uid,
                                  grade=rng.randint(5, 25))
                save_customer(conn, c)
                customers.setdefault(uid, []).append(c.id)
        skill = {uid: rng.uniform(0.55, 0.95) for uid, _ in MANAGERS}
        last_visit = None
        for back in range(42, -1, -1):
            day = TODAY - timedelta(days=back)
            if day.weekday() >= 5:
                continue
            for uid, _name in MANAGERS:
                for cid in rng.sample(customers[uid], rng.randint(0, 3)):
                    start = datetime(day.year, day.month, day.day, rng.randint(8, 16), rng.choice((0, 15, 30, 45)),
                                     tzinfo=TZ)
                    visit = V.start_visit(conn, cid, VisitType.SERVICE, uid, start,
                                          position=(28.2 + rng.random() / 50, 113.08 + rng.random() / 50))
                    for item in template.items:
                        ok = rng.random() < skill[uid] or item.kind is ItemKind.NOTE
                        extra = {"count": rng.randint(1, 6)} if item.kind is ItemKind.COUNT else {}
                        V.set_answer(conn, visit.id, item.key, result=AnswerResult.PASS if ok else AnswerResult.FAIL,
                                     note="" if ok else rng.choice(FAIL_NOTES.get(item.key, ["不合格"])),
                                     **extra)
                        if item.photo_required:
                            attach_photo(conn, profile, visit.id, item.key, photo_jpeg(rng.randint(0, 99)),
                                         filename=f"{item.key}.jpg")
                    for field, texts in NOTES.items():
                        text = rng.choice(texts)
                        if text:
                            V.save_visit_note_field(conn, visit.id, field, text)
                    V.check_out(conn, visit.id, start + timedelta(minutes=rng.randint(12, 45)))
                    last_visit = visit.id
                    if back > 0 and rng.random() < 0.6:
                        reviewer = R.Reviewer(LEAD, R.Role.LEAD, "team-1")
                        action = ReviewAction.APPROVE if rng.random() < 0.85 else ReviewAction.RETURN
                        R.record_review_event(conn, visit.id, action, "" if action is ReviewAction.APPROVE
                                              else "价签照片不清楚，请补拍", reviewer, start + timedelta(days=1))
                    if day == TODAY and uid == "mgr-1":
                        shown = visit.id
        return shown or last_visit or ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    app = QApplication.instance() or QApplication(sys.argv)
    pick_font(app)
    Translations(app).switch("zh_CN")
    with tempfile.TemporaryDirectory() as tmp:
        profile = Profile(Path(tmp) / "lead")
        engine = open_profile_database(profile)
        shown = seed(engine, profile)
        hub = ops.OperationHub(ops.DbWorker(engine))
        try:
            now = datetime(TODAY.year, TODAY.month, TODAY.day, 18, 0, tzinfo=TZ)
            workspace = LeadWorkspace(profile=profile, today=lambda: TODAY, now=lambda: now)
            workspace.resize(1500, 900)
            workspace.show()
            workspace.start()
            wait_until(lambda: workspace.is_lead and workspace.review.model.rows)
            review = workspace.review
            review.from_edit.setDate(QDate(TODAY - timedelta(days=6)))
            wait_until(lambda: review.model.rows and review.model.rows[-1].check_in_at[:10]
                       >= (TODAY - timedelta(days=6)).isoformat())
            # a returned visit: its review history has something to show
            row = next((i for i, r in enumerate(review.model.rows) if r.status.value == "returned"),
                       next((i for i, r in enumerate(review.model.rows) if r.visit_id == shown), 0))
            review.table.selectRow(row)
            wait_until(lambda: review.panel.detail is not None and review.panel.detail.visit.id
                       == review.model.rows[row].visit_id)
            review.splitter.setSizes([820, 680])
            settle(0.5)
            save(workspace, out / "lead-review-zh.png")

            workspace.tabs.setCurrentWidget(workspace.dashboard)
            wait_until(lambda: workspace.dashboard.assessment is not None)
            settle(0.5)
            save(workspace, out / "lead-dashboard-zh.png")

            workspace.tabs.setCurrentWidget(workspace.cover)
            cover = workspace.cover
            dialog = cover.new_cover()
            dialog.manager_combo.setCurrentIndex(0)
            dialog.from_edit.setDate(QDate(TODAY + timedelta(days=3)))
            dialog.to_edit.setDate(QDate(TODAY + timedelta(days=7)))
            dialog.reason_edit.setText("年假")
            loaded = []
            cover.sig_loaded.connect(loaded.append)
            dialog.save()
            wait_until(lambda: bool(loaded))
            dialog = cover.new_cover()
            dialog.manager_combo.setCurrentIndex(1)
            dialog.backup_combo.setCurrentIndex(0)
            dialog.from_edit.setDate(QDate(TODAY + timedelta(days=5)))
            dialog.to_edit.setDate(QDate(TODAY + timedelta(days=9)))
            refused = []
            dialog.sig_refused.connect(refused.append)
            dialog.save()
            wait_until(lambda: bool(refused))
            settle(0.3)
            save(workspace, out / "lead-cover-zh.png")
            save(dialog, out / "lead-cover-refused-zh.png")
            dialog.reject()
            workspace.close()
        finally:
            hub.shutdown()
            engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
