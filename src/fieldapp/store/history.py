"""A customer's history for the customer file: visits, scores, follow-ups, failed items, purchases.

Read-only queries, each an index walk on the customer id (``ix_visits_customer``,
``ix_follow_ups_customer_status``, ``ix_purchase_history_customer_month``,
``ix_checklist_answers_visit_item``), so a customer's file opens quickly in a
profile with years of visits. :func:`customer_history` bundles them for one
call on the DB worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from sqlalchemy import Connection, select, text

from fieldapp.core.entities import FollowUp, FollowUpStatus, VisitStatus, VisitType

from .schema import follow_ups
from .templates import get_template
from .visits import row_to_follow_up, text_to_dt

DEFAULT_VISIT_LIMIT = 50
DEFAULT_PURCHASE_MONTHS = 12


@dataclass(frozen=True)
class VisitSummary:
    """One past visit as the customer file lists it."""

    id: str
    visit_type: VisitType
    status: VisitStatus
    check_in_at: datetime | None
    check_out_at: datetime | None
    score: float | None
    manager_id: str | None
    on_behalf_of: str | None
    failed_count: int

    @property
    def day(self) -> date | None:
        return self.check_in_at.date() if self.check_in_at else None

    @property
    def duration(self) -> timedelta | None:
        if self.check_in_at is None or self.check_out_at is None:
            return None
        return max(self.check_out_at - self.check_in_at, timedelta(0))


@dataclass(frozen=True)
class FailedItem:
    """An item answered *fail*, labelled from the template version the visit used."""

    key: str
    label_zh: str
    label_en: str
    note: str
    count: int | None


@dataclass(frozen=True)
class MonthlyPurchases:
    """Cartons bought in one month (``YYYY-MM``), in total and per brand."""

    month: str
    cartons: int
    amount_yuan: float
    by_brand: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class CustomerHistory:
    customer_id: str
    visits: list[VisitSummary]
    visit_count: int
    scores: list[tuple[date, float]]
    open_follow_ups: list[FollowUp]
    last_visit_failed: list[FailedItem]
    purchases: list[MonthlyPurchases]
    brands: list[str]  # brands of the purchase window, biggest first

    @property
    def average_score(self) -> float | None:
        if not self.scores:
            return None
        return round(sum(s for _, s in self.scores) / len(self.scores), 1)


def past_visits(conn: Connection, customer_id: str, *, limit: int = DEFAULT_VISIT_LIMIT) -> list[VisitSummary]:
    """The customer's live visits, latest first, with the number of failed items of each."""
    rows = conn.execute(text("""
        SELECT v.id, v.visit_type, v.status, v.check_in_at, v.check_out_at, v.score, v.manager_id,
               v.on_behalf_of,
               (SELECT COUNT(*) FROM checklist_answers a
                 WHERE a.visit_id = v.id AND a.deleted = 0 AND a.result = 'fail') AS failed_count
        FROM visits v
        WHERE v.customer_id = :cid AND v.deleted = 0
        ORDER BY v.check_in_at DESC, v.id DESC
        LIMIT :limit
    """), {"cid": customer_id, "limit": limit}).mappings()
    return [VisitSummary(id=r["id"], visit_type=VisitType(r["visit_type"]), status=VisitStatus(r["status"]),
                         check_in_at=text_to_dt(r["check_in_at"]), check_out_at=text_to_dt(r["check_out_at"]),
                         score=r["score"], manager_id=r["manager_id"], on_behalf_of=r["on_behalf_of"],
                         failed_count=int(r["failed_count"])) for r in rows]


def visit_count(conn: Connection, customer_id: str) -> int:
    return int(conn.execute(text("SELECT COUNT(*) FROM visits WHERE customer_id = :cid AND deleted = 0"),
                            {"cid": customer_id}).scalar_one())


def score_series(conn: Connection, customer_id: str) -> list[tuple[date, float]]:
    """(check-in date, score) of the customer's scored completed visits, oldest first — the score chart."""
    rows = conn.execute(text("""
        SELECT check_in_at, score FROM visits
        WHERE customer_id = :cid AND deleted = 0 AND status = 'completed' AND score IS NOT NULL
              AND check_in_at IS NOT NULL
        ORDER BY check_in_at, id
    """), {"cid": customer_id})
    return [(date.fromisoformat(check_in[:10]), float(score)) for check_in, score in rows]


def open_follow_ups(conn: Connection, customer_id: str) -> list[FollowUp]:
    """The customer's open follow-ups, earliest due first (those without a due date last)."""
    rows = conn.execute(select(follow_ups).where(
        follow_ups.c.customer_id == customer_id, follow_ups.c.status == FollowUpStatus.OPEN.value,
        follow_ups.c.deleted.is_(False)).order_by(follow_ups.c.due_date.is_(None), follow_ups.c.due_date,
                                                   follow_ups.c.created_at, follow_ups.c.id)).mappings()
    return [row_to_follow_up(r) for r in rows]


def last_visit_failed_items(conn: Connection, customer_id: str) -> list[FailedItem]:
    """Items failed at the customer's latest completed visit, in template order."""
    visit = conn.execute(text("""
        SELECT id, template_id FROM visits
        WHERE customer_id = :cid AND deleted = 0 AND status = 'completed'
        ORDER BY check_in_at DESC, id DESC LIMIT 1
    """), {"cid": customer_id}).first()
    if visit is None:
        return []
    answers = {r.item_key: r for r in conn.execute(text(
        "SELECT item_key, note, count FROM checklist_answers"
        " WHERE visit_id = :vid AND deleted = 0 AND result = 'fail'"),
        {"vid": visit.id})}
    if not answers:
        return []
    template = get_template(conn, visit.template_id) if visit.template_id else None
    out: list[FailedItem] = []
    for item in template.items if template else []:
        answer = answers.pop(item.key, None)
        if answer is not None:
            out.append(FailedItem(item.key, item.label_zh, item.label_en, answer.note or "", answer.count))
    for key in sorted(answers):  # keys unknown to the template: still show them
        out.append(FailedItem(key, key, key, answers[key].note or "", answers[key].count))
    return out


def _month_index(month: str) -> int:
    year, mon = month.split("-")[:2]
    return int(year) * 12 + int(mon) - 1


def _month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def purchase_history(conn: Connection, customer_id: str, *, months: int = DEFAULT_PURCHASE_MONTHS,
                     last_month: str | None = None) -> tuple[list[MonthlyPurchases], list[str]]:
    """Monthly purchases of the ``months`` months ending ``last_month`` (``YYYY-MM``), oldest first.

    ``last_month`` defaults to the latest month on record for the customer.
    Months without orders are included with zeros, so a chart has no gaps.
    Returns the months and the window's brands, biggest total first.
    """
    if last_month is None:
        last_month = conn.execute(text(
            "SELECT MAX(month) FROM purchase_history WHERE customer_id = :cid AND deleted = 0"),
            {"cid": customer_id}).scalar()
        if last_month is None:
            return [], []
    end = _month_index(last_month)
    start = end - months + 1
    rows = conn.execute(text("""
        SELECT month, brand, SUM(cartons) AS cartons, SUM(amount_yuan) AS amount FROM purchase_history
        WHERE customer_id = :cid AND deleted = 0 AND month >= :first AND month <= :last
        GROUP BY month, brand
    """), {"cid": customer_id, "first": _month_text(start), "last": _month_text(end)})
    per_month: dict[str, dict[str, int]] = {}
    amounts: dict[str, float] = {}
    brand_totals: dict[str, int] = {}
    for month, brand, cartons, amount in rows:
        per_month.setdefault(month, {})[brand] = int(cartons)
        amounts[month] = amounts.get(month, 0.0) + float(amount)
        brand_totals[brand] = brand_totals.get(brand, 0) + int(cartons)
    result = []
    for index in range(start, end + 1):
        month = _month_text(index)
        by_brand = per_month.get(month, {})
        result.append(MonthlyPurchases(month, sum(by_brand.values()), round(amounts.get(month, 0.0), 2),
                                       dict(sorted(by_brand.items(), key=lambda kv: (-kv[1], kv[0])))))
    brands = [b for b, _ in sorted(brand_totals.items(), key=lambda kv: (-kv[1], kv[0]))]
    return result, brands


def customer_history(conn: Connection, customer_id: str, *, visit_limit: int = DEFAULT_VISIT_LIMIT,
                     purchase_months: int = DEFAULT_PURCHASE_MONTHS) -> CustomerHistory:
    """Everything the customer file's history tab shows, in one read on the DB worker."""
    purchases, brands = purchase_history(conn, customer_id, months=purchase_months)
    return CustomerHistory(
        customer_id=customer_id,
        visits=past_visits(conn, customer_id, limit=visit_limit),
        visit_count=visit_count(conn, customer_id),
        scores=score_series(conn, customer_id),
        open_follow_ups=open_follow_ups(conn, customer_id),
        last_visit_failed=last_visit_failed_items(conn, customer_id),
        purchases=purchases,
        brands=brands,
    )
