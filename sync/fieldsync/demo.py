"""A demo team for the embedded server: one lead, four managers, an admin, customers and a checklist.

``fieldsync demo`` (or ``fieldsync serve --demo``) creates it once; the users
share one demo password, printed by the command. Ids are derived from names
(uuid5) so re-running never duplicates anything.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import Engine, select

from fieldapp.core.entities import derive_customer_class

from .admin import add_team, add_user, import_templates_data, write_values
from .core.config import Settings
from .models import users

DEMO_PASSWORD = "fieldapp-demo"
TEAM = "长沙县片区一组"
LEAD = ("lead1", "刘主任")
MANAGERS = [("zhang", "张伟"), ("li", "李娜"), ("wang", "王强"), ("zhao", "赵敏")]
ADMIN = ("admin", "系统管理员")
CUSTOMERS_PER_MANAGER = 6

_STORES = ["便利店", "食杂店", "超市", "商行", "小卖部", "烟酒店"]
_OWNERS = ["王建国", "陈秀英", "刘志强", "杨丽", "黄海", "周红", "吴军", "徐芳", "孙涛", "马丽", "朱勇", "胡静"]
_TOWNS = ["黄兴镇", "星沙街道", "榔梨街道", "泉塘街道", "安沙镇", "北山镇"]
_FORMATS = ["convenience", "grocery", "supermarket", "grocery", "other", "convenience"]
_TAGS = [["近学校"], ["新品试点"], [], ["投诉历史"], ["近医院"], []]

COUNTER_TEMPLATE = {
    "code": "counter-arrangement",
    "name_zh": "柜台整理与终端陈列检查",
    "name_en": "Counter arrangement and display check",
    "version": 1,
    "items": [
        {"key": "counter_clean", "label_zh": "柜台整洁", "label_en": "Counter clean and tidy"},
        {"key": "display_standard", "label_zh": "卷烟按标准出样，陈列面正确",
         "label_en": "Cigarettes displayed by the brand standard", "kind": "count", "weight": 2.0,
         "photo_required": True},
        {"key": "price_marked", "label_zh": "明码标价，价签一致", "label_en": "Every product price-marked",
         "weight": 2.0},
        {"key": "new_products", "label_zh": "新品上柜", "label_en": "New products on the shelf"},
        {"key": "publicity", "label_zh": "政策与品牌宣传到位", "label_en": "Policy and brand publicity posted",
         "required": False},
        {"key": "minors_sign", "label_zh": "不向未成年人售烟标识", "label_en": "\"No sales to minors\" sign visible",
         "weight": 2.0},
        {"key": "licence_displayed", "label_zh": "许可证悬挂", "label_en": "Retail licence displayed", "weight": 2.0},
        {"key": "no_counterfeit", "label_zh": "无假冒、走私卷烟", "label_en": "No counterfeit or smuggled cigarettes",
         "kind": "note", "weight": 3.0},
        {"key": "substitution", "label_zh": "断货品牌替代建议", "label_en": "Brand substitution advice given",
         "kind": "note", "required": False},
    ],
}


def demo_id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"fieldsync-demo:{name}"))


def create_demo(engine: Engine, settings: Settings, password: str | None = None,
                only_if_empty: bool = False) -> tuple[bool, str]:
    """Create the demo team. Returns (created, password). Does nothing if ``lead1`` exists
    (or, with ``only_if_empty``, if there is any user at all)."""
    password = password or DEMO_PASSWORD
    with engine.connect() as conn:
        existing = {r[0] for r in conn.execute(select(users.c.username))}
    if LEAD[0] in existing or (only_if_empty and existing):
        return False, password
    add_user(engine, settings, LEAD[0], password, "lead", display_name=LEAD[1])
    add_team(engine, settings, TEAM, lead=LEAD[0])
    ids = {}
    for username, display in MANAGERS:
        ids[username] = add_user(engine, settings, username, password, "manager", team=TEAM, display_name=display)
    add_user(engine, settings, ADMIN[0], password, "admin", display_name=ADMIN[1])
    import_templates_data(engine, settings, [COUNTER_TEMPLATE])
    today = settings.today()
    n = 0
    for m_index, (username, _display) in enumerate(MANAGERS):
        partner = MANAGERS[(m_index + 1) % len(MANAGERS)][0]
        for i in range(CUSTOMERS_PER_MANAGER):
            n += 1
            grade = 3 + (n * 7) % 27
            tags = _TAGS[i % len(_TAGS)]
            values = dict(
                code=f"DEMO{n:04d}", licence_no=f"430121{100000 + n:06d}",
                licence_expiry=(today + timedelta(days=20 if i == 0 else 400 + 30 * n)).isoformat(),
                store_name=f"{_OWNERS[n % len(_OWNERS)][0]}记{_STORES[i % len(_STORES)]}",
                owner=_OWNERS[n % len(_OWNERS)], phone=f"138{n:08d}",
                address=f"长沙县{_TOWNS[(n + m_index) % len(_TOWNS)]}{n}号",
                latitude=28.25 + n * 0.003, longitude=113.08 + n * 0.004,
                market_type="urban" if i % 3 == 0 else "rural", business_format=_FORMATS[i % len(_FORMATS)],
                grade=grade, customer_class=derive_customer_class(grade, tags).value,
                route=f"R{(n % 4) + 1:02d}", order_day=["mon", "tue", "wed", "thu", "fri"][n % 5],
                modern_terminal=i % 4 == 0, integrity_rating=["AAA", "AA", "A", "B"][n % 4],
                ecommerce_enabled=i % 2 == 0, tags=tags, manager_id=ids[username],
                backup_manager_id=ids[partner], status="active", needs="", notes="")
            customer_id = demo_id(f"customer:{n}")
            write_values(engine, settings, "customer", customer_id, values)
            for month_back in range(1, 4):
                month = (date(today.year, today.month, 1) - timedelta(days=28 * month_back)).strftime("%Y-%m")
                write_values(engine, settings, "purchase", demo_id(f"purchase:{n}:{month}"),
                             dict(customer_id=customer_id, month=month, brand="芙蓉王",
                                  cartons=5 + (n * month_back) % 20, amount_yuan=float((5 + n) * 260)))
    return True, password


__all__ = ["create_demo", "DEMO_PASSWORD", "date"]
