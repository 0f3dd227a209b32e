"""Fixtures for the team lead workspace tests (``test_lead_*.py``); holds no tests itself.

A small hand-built team: lead ``lead-1`` (signed in on this profile, as
:func:`fieldapp.store.reviews.current_reviewer` reads it from the sync
settings), managers 张伟 (``mgr-a``, two customers) and 李娜 (``mgr-b``, one),
and three checked-out visits on Monday 2026-11-23.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from fieldapp.core.entities import AnswerResult, ChecklistItem, ChecklistTemplate, ItemKind, VisitType
from fieldapp.gui import operations as ops
from fieldapp.store import visits as V
from fieldapp.store.customers import save_customer
from fieldapp.store.db import write_transaction
from fieldapp.store.journal import write_row
from fieldapp.store.sync_state import SyncSettings, save_settings
from fieldapp.store.templates import DEFAULT_TEMPLATE_CODE, install_template

from ..conftest import make_customer

TZ = timezone(timedelta(hours=8))
TODAY = date(2026, 11, 23)  # a Monday
NOW = datetime(2026, 11, 23, 18, 0, tzinfo=TZ)
LEAD, MGR_A, MGR_B = "lead-1", "mgr-a", "mgr-b"
NAMES = {LEAD: "王组长", MGR_A: "张伟", MGR_B: "李娜"}


def lead_template() -> ChecklistTemplate:
    return ChecklistTemplate(code=DEFAULT_TEMPLATE_CODE, name_zh="柜台整理", name_en="Counter", version=1, items=[
        ChecklistItem("counter_clean", "柜台整洁", "Counter clean", ItemKind.PASS_FAIL, 50),
        ChecklistItem("price_tags", "明码标价", "Prices marked", ItemKind.PASS_FAIL, 50)])


def add_visit(conn, customer_id: str, manager: str, start: datetime, results: tuple[str, str],
              notes: dict[str, str] | None = None) -> str:
    visit = V.start_visit(conn, customer_id, VisitType.SERVICE, manager, start, position=(28.2012, 113.0801))
    for key, result in zip(("counter_clean", "price_tags"), results):
        V.set_answer(conn, visit.id, key, result=AnswerResult(result))
    for name, text in (notes or {}).items():
        V.save_visit_note_field(conn, visit.id, name, text)
    V.check_out(conn, visit.id, start + timedelta(minutes=25))
    return visit.id


def build_team(engine, *, role: str = "lead") -> dict[str, str]:
    """Fill the profile; returns visit ids by name (``wang``, ``li``, ``zhang``)."""
    with write_transaction(engine) as conn:
        install_template(conn, lead_template())
        for uid, member_role, backup in ((LEAD, "lead", None), (MGR_A, "manager", MGR_B), (MGR_B, "manager", MGR_A)):
            write_row(conn, "team_member", uid, {"username": uid, "display_name": NAMES[uid], "role": member_role,
                                                 "team_id": "team-1", "backup_id": backup})
        save_settings(conn, SyncSettings(server_url="https://fieldsync.example", username=LEAD, user_id=LEAD,
                                         display_name=NAMES[LEAD], role=role, team_id="team-1"))
        customers = {}
        for key, code, name, manager in (("wang", "C0001", "王记便利店", MGR_A), ("li", "C0002", "李家超市", MGR_A),
                                         ("zhang", "C0003", "张三食杂店", MGR_B)):
            customer = make_customer(code=code, licence_no=f"43012110000{code[-1]}", store_name=name,
                                     manager_id=manager)
            save_customer(conn, customer)
            customers[key] = customer.id
        day = datetime(2026, 11, 23, tzinfo=TZ)
        return {
            "wang": add_visit(conn, customers["wang"], MGR_A, day.replace(hour=9, minute=30), ("pass", "fail"),
                              {"needs": "希望多配新品", "market_info": "周边超市在搞促销"}),
            "li": add_visit(conn, customers["li"], MGR_A, day.replace(hour=11), ("pass", "pass")),
            "zhang": add_visit(conn, customers["zhang"], MGR_B, day.replace(hour=14), ("pass", "pass")),
        }


@pytest.fixture
def team_visits(engine) -> dict[str, str]:
    return build_team(engine)


@pytest.fixture
def hub(engine, team_visits, qtbot):
    worker = ops.DbWorker(engine)
    hub = ops.OperationHub(worker)
    yield hub
    hub.shutdown()


def wait_idle(qtbot, hub, timeout: int = 5000) -> None:
    done = []
    hub.worker.submit(lambda _engine: None, lambda _job: done.append(True), read_only=False)
    qtbot.waitUntil(lambda: bool(done), timeout=timeout)
