"""Fixtures and helpers shared by the working-day GUI tests (``test_visit_*.py``); holds no tests itself.

Every test runs the real DB worker and operation hub on a fresh profile; time is
fixed by a :class:`Clock` handed to the widgets, so durations and the plan's
"today" are deterministic. No test sleeps: they wait on signals or conditions.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone

import pytest
from PIL import Image
from sqlalchemy import insert

from fieldapp.core.entities import ChecklistItem, ChecklistTemplate, CustomerClass, ItemKind
from fieldapp.gui import operations as ops
from fieldapp.store.customers import save_customer
from fieldapp.store.db import write_transaction
from fieldapp.store.schema import purchase_history as purchase_table
from fieldapp.store.templates import install_template

from ..conftest import make_customer

TZ = timezone(timedelta(hours=8))
TODAY = date(2026, 11, 23)  # a Monday
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=TZ)


class Clock:
    """A settable "now" for the widgets (``now=clock``)."""

    def __init__(self, now: datetime = NOW):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)

    def today(self) -> date:
        return self.now.date()


def counter_template() -> ChecklistTemplate:
    """The shipped counter-arrangement checklist (resources/templates), or a copy of it if not packaged."""
    try:
        from fieldapp.demo.templates import load_counter_checklist
        return load_counter_checklist()
    except (ImportError, FileNotFoundError):  # pragma: no cover - the shipped file is normally there
        items = [
            ChecklistItem("counter_clean", "柜台整洁", "Counter clean and tidy", ItemKind.PASS_FAIL, 10),
            ChecklistItem("display_standard", "卷烟按品牌陈列标准出样，陈列面正确",
                          "Cigarettes displayed by the brand display standard, correct facings", ItemKind.COUNT, 15,
                          photo_required=True),
            ChecklistItem("price_marked", "明码标价，价签与实际售价一致",
                          "Every product price-marked, tags match actual prices", ItemKind.PASS_FAIL, 15),
            ChecklistItem("new_products", "新品上柜", "New products on the shelf", ItemKind.COUNT, 10),
            ChecklistItem("publicity", "政策宣传、品牌宣传物料张贴", "Policy and brand publicity material posted",
                          ItemKind.PASS_FAIL, 5, photo_required=True, required=False),
            ChecklistItem("minors_sign", "“不向未成年人售烟”标识醒目", "\"No sales to minors\" sign visible",
                          ItemKind.PASS_FAIL, 10, photo_required=True),
            ChecklistItem("licence_displayed", "零售许可证悬挂", "Retail licence displayed", ItemKind.PASS_FAIL, 10,
                          photo_required=True),
            ChecklistItem("no_counterfeit", "无假冒、走私、非法卷烟",
                          "No counterfeit, smuggled or illegal cigarettes found", ItemKind.NOTE, 20),
            ChecklistItem("brand_substitution", "断货品牌给出替代建议",
                          "Brand substitution advice given where a brand is out of stock", ItemKind.NOTE, 5,
                          required=False),
        ]
        return ChecklistTemplate(code="counter_arrangement", name_zh="柜台整理与终端陈列检查",
                                 name_en="Counter arrangement and display check", version=1, items=items)


def jpeg_bytes(colour=(200, 30, 30), size=(320, 240)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def add_customer(engine, **overrides) -> str:
    customer = make_customer(**overrides)
    with write_transaction(engine) as conn:
        save_customer(conn, customer)
    return customer.id


def add_purchases(engine, customer_id: str, rows) -> None:
    """Monthly purchases as the order system delivers them (not journaled)."""
    stamp = "2026-11-23T00:00:00.000+00:00"
    with write_transaction(engine) as conn:
        conn.execute(insert(purchase_table), [
            dict(id=f"{customer_id}-{month}-{brand}", created_at=stamp, updated_at=stamp, deleted=False, version=1,
                 customer_id=customer_id, month=month, brand=brand, cartons=cartons, amount_yuan=cartons * 250.0)
            for month, brand, cartons in rows])


@pytest.fixture
def template(engine) -> ChecklistTemplate:
    template = counter_template()
    with write_transaction(engine) as conn:
        install_template(conn, template)
    return template


@pytest.fixture
def customers(engine, template) -> dict[str, str]:
    """Three stores: never visited (planned), licence expiring (planned), another never visited, far away."""
    return {
        "wang": add_customer(engine, code="C0001", licence_no="430121100001", store_name="王记便利店", grade=12,
                             customer_class=CustomerClass.B, latitude=28.20, longitude=113.08),
        "li": add_customer(engine, code="C0002", licence_no="430121100002", store_name="李家超市", grade=22,
                           customer_class=CustomerClass.A, licence_expiry=date(2026, 12, 3),
                           latitude=28.25, longitude=113.10),
        "zhang": add_customer(engine, code="C0003", licence_no="430121100003", store_name="张三食杂店", grade=5,
                              customer_class=CustomerClass.C, latitude=28.21, longitude=113.09),
    }


@pytest.fixture
def hub(engine, qtbot):
    """The real DB worker on the test profile, and the hub every operation reports to."""
    worker = ops.DbWorker(engine)
    hub = ops.OperationHub(worker)
    yield hub
    hub.shutdown()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def wait_idle(qtbot, hub, timeout: int = 5000) -> None:
    """Wait until the worker ran everything queued so far (a no-op job comes back)."""
    done = []
    hub.worker.submit(lambda _engine: None, lambda _job: done.append(True), read_only=False)
    qtbot.waitUntil(lambda: bool(done), timeout=timeout)
