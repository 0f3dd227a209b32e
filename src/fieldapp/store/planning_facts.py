"""The planner's inputs from the database: one :class:`CustomerPlanningFacts` per live customer.

A handful of set-based queries (one per kind of fact, each a single scan or an
index walk), joined in Python by customer id — never one query per customer —
so a profile of 50,000 customers is read in well under a second.

What each fact means here
-------------------------
- ``last_visit``: local date of the latest check-in of any live visit
  (a visit in progress today counts: the customer is being visited).
- ``failed_items``: Chinese labels, in template order, of the items answered
  *fail* at the latest **completed** visit (a visit in progress may still change
  its answers), named from the template version that visit used.
- ``open_follow_ups`` / ``earliest_follow_up_due``: live follow-ups with status open.
- ``open_complaint``: a complaint is on record and not settled, i.e. the note of
  the latest visit records a complaint (投诉), or an open follow-up was created
  in a visit whose note records one.
- ``monthly_orders``: cartons per month (all brands) for the ``order_months``
  complete months before ``today``'s month, oldest first; months without
  orders are left out (the planner counts them as 0).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection

from fieldapp.core.entities import CustomerClass, CustomerStatus
from fieldapp.core.planning import DEFAULT_RULES, CustomerPlanningFacts

from .templates import parse_items

#: Months of order history handed to the planner: its baseline months plus the last complete month.
#: Older months cannot change its verdict.
DEFAULT_ORDER_MONTHS = DEFAULT_RULES.orders_baseline_months + 1


def _month_start(text_month: str) -> date:
    year, month = text_month.split("-")[:2]
    return date(int(year), int(month), 1)


def _months_back(today: date, months: int) -> str:
    index = today.year * 12 + today.month - 1 - months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


_CLASSES = {member.value: member for member in CustomerClass}
_STATUSES = {member.value: member for member in CustomerStatus}


_LAST_VISIT = """
    SELECT customer_id, MAX(check_in_at), id, template_id FROM visits
    WHERE deleted = 0 AND check_in_at IS NOT NULL{extra} GROUP BY customer_id
"""
# SQLite returns the bare columns (id, template_id) of the row holding the MAX:
# one index walk over ix_visits_live_customer gives each customer's latest visit.
_LAST_ANY = _LAST_VISIT.format(extra="")
_LAST_COMPLETED = _LAST_VISIT.format(extra=" AND status = 'completed'")

_FAILED = f"""
    WITH last AS ({_LAST_COMPLETED})
    SELECT last.customer_id, last.template_id, a.item_key
    FROM last JOIN checklist_answers a ON a.visit_id = last.id
    WHERE a.result = 'fail' AND a.deleted = 0
"""

# Visits whose note records a complaint (few: read through ix_visit_notes_complaints).
_COMPLAINT_VISITS = """
    SELECT visit_id FROM visit_notes WHERE deleted = 0 AND complaints != '' AND TRIM(complaints) != ''
"""
_COMPLAINT_FOLLOW_UPS = f"""
    SELECT DISTINCT customer_id FROM follow_ups
    WHERE deleted = 0 AND status = 'open' AND visit_id IN ({_COMPLAINT_VISITS})
"""

_FOLLOW_UPS = """
    SELECT customer_id, COUNT(*), MIN(due_date) FROM follow_ups
    WHERE deleted = 0 AND status = 'open' GROUP BY customer_id
"""

_ORDERS = """
    SELECT customer_id, month, SUM(cartons) FROM purchase_history
    WHERE deleted = 0 AND month >= ? AND month < ?
    GROUP BY customer_id, month
"""

_CUSTOMERS = """
    SELECT id, store_name, customer_class, status, licence_expiry, latitude, longitude
    FROM customers WHERE deleted = 0
"""


def _rows(conn: Connection, sql: str, params: tuple = ()) -> list[tuple]:
    """Plain tuples from the DB-API cursor of ``conn`` (same transaction): SQLAlchemy's
    Row objects cost more than SQLite itself for hundreds of thousands of rows."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


def _labels_by_template(conn: Connection, template_ids: set[str]) -> dict[str, dict[str, tuple[int, str]]]:
    out: dict[str, dict[str, tuple[int, str]]] = {}
    for template_id in template_ids:
        found = _rows(conn, "SELECT items FROM checklist_templates WHERE id = ?", (template_id,))
        items = parse_items(found[0][0]) if found else []
        out[template_id] = {item.key: (n, item.label_zh or item.label_en or item.key) for n, item in enumerate(items)}
    return out


def _failed_items(conn: Connection) -> dict[str, tuple[str, ...]]:
    rows = _rows(conn, _FAILED)
    labels = _labels_by_template(conn, {template_id for _, template_id, _ in rows if template_id})
    per_customer: dict[str, list[tuple[int, str]]] = {}
    for customer_id, template_id, key in rows:
        position, label = labels.get(template_id, {}).get(key, (10_000, key))
        per_customer.setdefault(customer_id, []).append((position, label))
    return {cid: tuple(label for _, label in sorted(entries)) for cid, entries in per_customer.items()}


def build_planning_facts(conn: Connection, today: date, *,
                         order_months: int = DEFAULT_ORDER_MONTHS) -> list[CustomerPlanningFacts]:
    """Planning facts of every live (not deleted) customer (in no particular order: the planner sorts).

    Customers that are suspended or closed are included (the planner skips
    them); ``today`` only bounds the order history. Runs on a read
    connection; the queries are plain SQL read as tuples from the driver
    because at 50,000 customers per-row processing, not SQLite, is the cost.
    """
    last_visit = {cid: (seen, visit_id) for cid, seen, visit_id, _tpl in _rows(conn, _LAST_ANY)}
    follow = {cid: (int(n), first_due) for cid, n, first_due in _rows(conn, _FOLLOW_UPS)}
    complaint_visits = {visit_id for (visit_id,) in _rows(conn, _COMPLAINT_VISITS)}
    complaints = {cid for (cid,) in _rows(conn, _COMPLAINT_FOLLOW_UPS)}
    complaints.update(cid for cid, (_seen, visit_id) in last_visit.items() if visit_id in complaint_visits)
    failed = _failed_items(conn)
    orders: dict[str, list[tuple[date, float]]] = {}
    month_start: dict[str, date] = {}
    for customer_id, month, cartons in _rows(
            conn, _ORDERS, (_months_back(today, order_months), f"{today.year:04d}-{today.month:02d}")):
        start = month_start.get(month)
        if start is None:
            start = month_start[month] = _month_start(month)
        orders.setdefault(customer_id, []).append((start, float(cartons)))

    facts: list[CustomerPlanningFacts] = []
    no_follow_up = (0, None)
    no_visit = (None, None)
    for cid, store_name, klass, status, expiry, lat, lon in _rows(conn, _CUSTOMERS):
        seen = last_visit.get(cid, no_visit)[0]
        open_count, first_due = follow.get(cid, no_follow_up)
        month_orders = orders.get(cid)
        if month_orders:
            month_orders.sort()
        facts.append(CustomerPlanningFacts(
            customer_id=cid,
            store_name=store_name,
            customer_class=_CLASSES.get(klass, CustomerClass.C),  # unknown (newer) values: plan as the safe default
            status=_STATUSES.get(status, CustomerStatus.ACTIVE),
            last_visit=date.fromisoformat(seen[:10]) if seen else None,
            failed_items=failed.get(cid, ()),
            open_follow_ups=open_count,
            earliest_follow_up_due=date.fromisoformat(first_due) if first_due else None,
            open_complaint=cid in complaints,
            licence_expiry=date.fromisoformat(expiry) if expiry else None,
            monthly_orders=tuple(month_orders or ()),
            latitude=lat,
            longitude=lon,
        ))
    return facts
