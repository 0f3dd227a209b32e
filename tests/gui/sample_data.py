"""Deterministic customers for the GUI tests (written with the store's own save_customer)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from fieldapp.core.entities import BusinessFormat, CustomerStatus, MarketType, derive_customer_class
from fieldapp.store.customers import save_customer
from fieldapp.store.db import write_transaction
from fieldapp.store.migrate import open_profile_database
from fieldapp.store.profile import Profile
from tests.conftest import make_customer

PREFIXES = ("王记", "李家", "张氏", "平安", "幸福", "红星", "兴旺", "佳佳", "金龙", "蓝田", "春华", "惠民")
KINDS = (("便利店", BusinessFormat.CONVENIENCE), ("食杂店", BusinessFormat.GROCERY),
         ("超市", BusinessFormat.SUPERMARKET), ("商店", BusinessFormat.GROCERY), ("烟酒行", BusinessFormat.OTHER))
SURNAMES = "王李张刘陈杨黄赵周吴"
GIVEN = ("建国", "秀英", "志明", "桂兰", "小军", "春梅", "海波", "丽华")
TOWNS = ("黄兴镇", "江背镇", "黄花镇", "春华镇", "果园镇")
ROUTES = ("R01", "R02", "R03", "R04", "R05")
TAGS = ("近学校", "新品试点", "农村网点", "电子结算", "旅游景区")


def fill_profile(profile: Profile, count: int, seed: int = 1) -> None:
    """Create ``count`` valid customers in ``profile`` (one transaction)."""
    rng = random.Random(seed)
    engine = open_profile_database(profile)
    try:
        with write_transaction(engine) as conn:
            for i in range(count):
                kind, business_format = rng.choice(KINDS)
                customer = make_customer(
                    code=f"T{i:05d}", licence_no=f"430121{i:06d}",
                    licence_expiry=date(2027, 1, 1) + timedelta(days=rng.randint(0, 1500)),
                    store_name=f"{rng.choice(PREFIXES)}{kind}", owner=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    phone=f"138{i:08d}", address=f"长沙县{rng.choice(TOWNS)}第{rng.randint(1, 30)}组{i}号",
                    grade=rng.randint(1, 30), route=rng.choice(ROUTES), tags=rng.sample(TAGS, rng.randint(0, 2)),
                    business_format=business_format,
                    market_type=rng.choice(list(MarketType)),
                    status=CustomerStatus.SUSPENDED if i % 37 == 0 else CustomerStatus.ACTIVE,
                )
                customer.customer_class = derive_customer_class(customer.grade, customer.tags)
                save_customer(conn, customer)
    finally:
        engine.dispose()


def copy_profile(template: Path, target: Path) -> Profile:
    """A fresh profile whose database is a copy of ``template`` (a checkpointed database file)."""
    profile = Profile(target)
    profile.ensure_dirs()
    profile.db_path.write_bytes(template.read_bytes())
    wal = template.with_name(template.name + "-wal")
    if wal.exists():  # normally merged when the last connection closed
        profile.db_path.with_name(profile.db_path.name + "-wal").write_bytes(wal.read_bytes())
    return profile
