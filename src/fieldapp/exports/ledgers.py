"""The team's ledgers (台账) and the visit list, exported for the office.

Three exports over the visits of a period, for a set of managers:

* :func:`export_visit_list` — 拜访清单: one row per visit (date, times, duration,
  who, for whom, customer, type, status, score, failed items);
* :func:`export_service_ledger` — 个性化服务台账: per customer (sorted by customer
  code), one row per visit with what the retailer needed, worried about and
  complained of, the advice given and the follow-ups created;
* :func:`export_market_ledger` — 市场信息台账 (real-time market ledger): one row per
  visit whose note records market information or an abnormality, with the
  sentences about stock-outs and prices picked out of the market information
  (by keywords, see :data:`STOCK_OUT_WORDS` and :data:`PRICE_WORDS`; the full
  text stays in its own column).

Which visits: live visits checked in on a day of ``period`` (the date of the
check-in as recorded), made by one of ``manager_ids`` or on behalf of one of
them (``None``: every visit on this laptop). In-progress visits are listed in
the visit list with their status; the ledgers list them too (their notes count).

Headers and the few coded values (visit type, status, class) are in Chinese
when ``lang`` starts with ``zh`` and in English otherwise; they are plain dicts
here because exports do not run through Qt's translator. Text typed by people
(notes, store names) is exported as it is — neutralised against formulas (see
:mod:`fieldapp.exports.writers`).

Every function returns the number of data rows written (0 still writes the
header). Call them on the DB worker, on a read connection: they read, then
write the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import Connection

from fieldapp.core.periods import Period
from fieldapp.store.assessment_facts import checklist_items

from .writers import ExportFormat, parse_format, write_table

# --- headers and labels -------------------------------------------------------------------

#: Column headers per export and language. Keys are the column ids used in the row builders.
HEADERS: dict[str, dict[str, str]] = {
    "zh": {
        "day": "拜访日期", "check_in": "签到时间", "check_out": "签退时间", "minutes": "时长（分钟）",
        "visitor": "拜访人", "on_behalf_of": "代谁拜访", "customer_code": "客户编码", "store_name": "店名",
        "owner": "负责人", "phone": "联系电话", "address": "地址", "route": "送货线路", "customer_class": "客户分类",
        "customer_manager": "客户经理", "visit_type": "拜访类型", "status": "状态", "score": "得分",
        "failed_items": "未通过项目", "needs": "需求", "concerns": "顾虑/疑惑", "complaints": "投诉",
        "advice": "建议/指导", "follow_ups": "跟进事项", "market_info": "市场信息", "stock_outs": "断货情况",
        "prices": "价格信息", "abnormalities": "异常情况",
    },
    "en": {
        "day": "Date", "check_in": "Check-in", "check_out": "Check-out", "minutes": "Duration (min)",
        "visitor": "Visited by", "on_behalf_of": "On behalf of", "customer_code": "Customer code",
        "store_name": "Store name", "owner": "Owner", "phone": "Phone", "address": "Address", "route": "Route",
        "customer_class": "Class", "customer_manager": "Account manager", "visit_type": "Visit type",
        "status": "Status", "score": "Score", "failed_items": "Failed items", "needs": "Needs",
        "concerns": "Concerns", "complaints": "Complaints", "advice": "Advice given", "follow_ups": "Follow-ups",
        "market_info": "Market information", "stock_outs": "Stock-outs", "prices": "Prices",
        "abnormalities": "Abnormalities",
    },
}

SHEET_TITLES = {
    "visit_list": {"zh": "拜访清单", "en": "Visit list"},
    "service_ledger": {"zh": "个性化服务台账", "en": "Service ledger"},
    "market_ledger": {"zh": "市场信息台账", "en": "Market ledger"},
}

VALUE_LABELS: dict[str, dict[str, dict[str, str]]] = {
    "zh": {
        "visit_type": {"service": "服务型", "inspection": "检查型", "guidance": "指导型"},
        "status": {"in_progress": "进行中", "completed": "已完成"},
        "follow_up": {"open": "未完成", "done": "已完成", "cancelled": "已取消"},
    },
    "en": {
        "visit_type": {"service": "Service", "inspection": "Inspection", "guidance": "Guidance"},
        "status": {"in_progress": "In progress", "completed": "Completed"},
        "follow_up": {"open": "open", "done": "done", "cancelled": "cancelled"},
    },
}

#: How follow-ups are written in one cell: title (due date, status), joined.
_FOLLOW_UP_FORMAT = {"zh": ("{title}（截止{due}，{status}）", "{title}（{status}）", "；"),
                     "en": ("{title} (due {due}, {status})", "{title} ({status})", "; ")}
_LIST_JOIN = {"zh": "、", "en": ", "}

#: Words that mark a sentence of the market information as about a stock-out / about prices.
STOCK_OUT_WORDS = ("断货", "缺货", "脱销", "断供", "没货", "无货", "stock-out", "stockout", "out of stock")
PRICE_WORDS = ("价", "元", "¥", "￥", "price")
_SENTENCE = re.compile(r"[^。；;！!？?\n]+[。；;！!？?]?")

VISIT_LIST_COLUMNS = ("day", "check_in", "check_out", "minutes", "visitor", "on_behalf_of", "customer_code",
                      "store_name", "customer_class", "route", "visit_type", "status", "score", "failed_items")
SERVICE_LEDGER_COLUMNS = ("customer_code", "store_name", "owner", "phone", "address", "customer_manager", "day",
                          "visitor", "visit_type", "needs", "concerns", "complaints", "advice", "follow_ups")
MARKET_LEDGER_COLUMNS = ("day", "customer_code", "store_name", "address", "route", "visitor", "market_info",
                         "stock_outs", "prices", "abnormalities")


def language(lang: str | None) -> str:
    """"zh" for any Chinese locale name (zh_CN, zh-Hans, zh), else "en"."""
    return "zh" if (lang or "").lower().startswith("zh") else "en"


def headers(columns: Sequence[str], lang: str | None) -> list[str]:
    table = HEADERS[language(lang)]
    return [table[c] for c in columns]


# --- reading --------------------------------------------------------------------------------

_VISITS = """
    SELECT v.id, v.check_in_at, v.check_out_at, v.manager_id, v.on_behalf_of, v.visit_type, v.status, v.score,
           c.code, c.store_name, c.owner, c.phone, c.address, c.route, c.customer_class, c.manager_id,
           (SELECT group_concat(a.item_key, char(31)) FROM checklist_answers a
             WHERE a.visit_id = v.id AND a.result = 'fail' AND a.deleted = 0) AS failed,
           n.needs, n.concerns, n.complaints, n.market_info, n.abnormalities, n.advice
    FROM visits v
    LEFT JOIN customers c ON c.id = v.customer_id
    LEFT JOIN visit_notes n ON n.id = (SELECT n2.id FROM visit_notes n2 WHERE n2.visit_id = v.id AND n2.deleted = 0
                                       ORDER BY n2.created_at, n2.id LIMIT 1)
    WHERE v.deleted = 0 AND v.check_in_at >= ? AND v.check_in_at < ?
    ORDER BY v.check_in_at, v.id
"""

_FOLLOW_UPS = """
    SELECT f.visit_id, f.title, f.due_date, f.status FROM follow_ups f JOIN visits v ON v.id = f.visit_id
    WHERE f.deleted = 0 AND v.deleted = 0 AND v.check_in_at >= ? AND v.check_in_at < ?
    ORDER BY f.due_date IS NULL, f.due_date, f.created_at, f.id
"""


@dataclass(frozen=True)
class VisitRecord:
    """One visit with its customer and note, as the exports read it."""

    visit_id: str
    check_in_at: datetime | None
    check_out_at: datetime | None
    manager_id: str | None
    on_behalf_of: str | None
    visit_type: str
    status: str
    score: float | None
    customer_code: str
    store_name: str
    owner: str
    phone: str
    address: str
    route: str
    customer_class: str
    customer_manager: str | None
    failed_keys: tuple[str, ...]
    needs: str
    concerns: str
    complaints: str
    market_info: str
    abnormalities: str
    advice: str

    @property
    def minutes(self) -> int | None:
        if self.check_in_at is None or self.check_out_at is None:
            return None
        return max(0, round((self.check_out_at - self.check_in_at).total_seconds() / 60))


def _rows(conn: Connection, sql: str, params: tuple) -> list[tuple]:
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


def _range(period: Period) -> tuple[str, str]:
    return period.start.isoformat(), (period.end + timedelta(days=1)).isoformat()


def read_visits(conn: Connection, period: Period, manager_ids: Iterable[str] | None = None) -> list[VisitRecord]:
    """Live visits checked in during ``period``, made by or on behalf of ``manager_ids``, by check-in time."""
    members = set(manager_ids) if manager_ids is not None else None
    out = []
    for row in _rows(conn, _VISITS, _range(period)):
        (vid, check_in, check_out, manager, behalf, vtype, status, score, code, name, owner, phone, address, route,
         klass, customer_manager, failed, needs, concerns, complaints, market, abnormal, advice) = row
        if members is not None and manager not in members and behalf not in members:
            continue
        out.append(VisitRecord(
            vid, datetime.fromisoformat(check_in) if check_in else None,
            datetime.fromisoformat(check_out) if check_out else None, manager, behalf, vtype or "", status or "",
            float(score) if score is not None else None, code or "", name or "", owner or "", phone or "",
            address or "", route or "", klass or "", customer_manager,
            tuple(failed.split("\x1f")) if failed else (), needs or "", concerns or "", complaints or "",
            market or "", abnormal or "", advice or ""))
    return out


def _follow_ups_by_visit(conn: Connection, period: Period) -> dict[str, list[tuple[str, str | None, str]]]:
    out: dict[str, list[tuple[str, str | None, str]]] = {}
    for visit_id, title, due, status in _rows(conn, _FOLLOW_UPS, _range(period)):
        out.setdefault(visit_id, []).append((title or "", due, status or ""))
    return out


# --- formatting -------------------------------------------------------------------------------


class _Format:
    def __init__(self, conn: Connection, lang: str | None, manager_names: Mapping[str, str] | None):
        self.lang = language(lang)
        self.names = dict(manager_names or {})
        self.labels = VALUE_LABELS[self.lang]
        self.items = {item.key: ((item.label_zh or item.label_en) if self.lang == "zh"
                                 else (item.label_en or item.label_zh)) or item.key
                      for item in checklist_items(conn)}
        self.item_order = {key: n for n, key in enumerate(self.items)}

    def manager(self, manager_id: str | None) -> str:
        if not manager_id:
            return ""
        return self.names.get(manager_id, manager_id)

    def value(self, kind: str, value: str) -> str:
        return self.labels[kind].get(value, value)

    def failed(self, keys: Sequence[str]) -> str:
        ordered = sorted(keys, key=lambda k: (self.item_order.get(k, len(self.item_order)), k))
        return _LIST_JOIN[self.lang].join(self.items.get(k, k) for k in ordered)

    def follow_ups(self, entries: Sequence[tuple[str, str | None, str]]) -> str:
        with_due, without_due, joiner = _FOLLOW_UP_FORMAT[self.lang]
        parts = []
        for title, due, status in entries:
            template = with_due if due else without_due
            parts.append(template.format(title=title, due=due, status=self.value("follow_up", status)))
        return joiner.join(parts)


def _day(record: VisitRecord) -> date | None:
    return record.check_in_at.date() if record.check_in_at else None


def _hhmm(moment: datetime | None) -> str:
    return moment.strftime("%H:%M") if moment is not None else ""


def pick_sentences(text: str, words: Sequence[str]) -> str:
    """The sentences of ``text`` that contain one of ``words`` (case-insensitive), joined by a space."""
    lowered_words = [w.lower() for w in words]
    found = [s.strip() for s in _SENTENCE.findall(text or "") if any(w in s.lower() for w in lowered_words)]
    return " ".join(s for s in found if s)


# --- the exports ------------------------------------------------------------------------------


def visit_list_rows(conn: Connection, period: Period, manager_ids: Iterable[str] | None = None, *,
                    lang: str | None = "zh_CN", manager_names: Mapping[str, str] | None = None) -> list[list[Any]]:
    """The rows of :func:`export_visit_list` (columns :data:`VISIT_LIST_COLUMNS`)."""
    fmt = _Format(conn, lang, manager_names)
    rows = []
    for r in read_visits(conn, period, manager_ids):
        rows.append([_day(r), _hhmm(r.check_in_at), _hhmm(r.check_out_at), r.minutes, fmt.manager(r.manager_id),
                     fmt.manager(r.on_behalf_of), r.customer_code, r.store_name, r.customer_class, r.route,
                     fmt.value("visit_type", r.visit_type), fmt.value("status", r.status), r.score,
                     fmt.failed(r.failed_keys)])
    return rows


def service_ledger_rows(conn: Connection, period: Period, manager_ids: Iterable[str] | None = None, *,
                        lang: str | None = "zh_CN",
                        manager_names: Mapping[str, str] | None = None) -> list[list[Any]]:
    """The rows of :func:`export_service_ledger` (columns :data:`SERVICE_LEDGER_COLUMNS`)."""
    fmt = _Format(conn, lang, manager_names)
    follow_ups = _follow_ups_by_visit(conn, period)
    records = sorted(read_visits(conn, period, manager_ids),
                     key=lambda r: (r.customer_code, r.store_name, r.check_in_at or datetime.min, r.visit_id))
    return [[r.customer_code, r.store_name, r.owner, r.phone, r.address, fmt.manager(r.customer_manager), _day(r),
             fmt.manager(r.manager_id), fmt.value("visit_type", r.visit_type), r.needs, r.concerns, r.complaints,
             r.advice, fmt.follow_ups(follow_ups.get(r.visit_id, ()))] for r in records]


def market_ledger_rows(conn: Connection, period: Period, manager_ids: Iterable[str] | None = None, *,
                       lang: str | None = "zh_CN", manager_names: Mapping[str, str] | None = None) -> list[list[Any]]:
    """The rows of :func:`export_market_ledger` (columns :data:`MARKET_LEDGER_COLUMNS`)."""
    fmt = _Format(conn, lang, manager_names)
    rows = []
    for r in read_visits(conn, period, manager_ids):
        if not (r.market_info.strip() or r.abnormalities.strip()):
            continue
        rows.append([_day(r), r.customer_code, r.store_name, r.address, r.route, fmt.manager(r.manager_id),
                     r.market_info, pick_sentences(r.market_info, STOCK_OUT_WORDS),
                     pick_sentences(r.market_info, PRICE_WORDS), r.abnormalities])
    return rows


def _export(kind: str, columns: Sequence[str], rows: list[list[Any]], path: Path | str, fmt: ExportFormat | str,
            lang: str | None) -> int:
    return write_table(path, fmt, headers(columns, lang), rows, sheet_title=SHEET_TITLES[kind][language(lang)])


def export_visit_list(conn: Connection, period: Period, manager_ids: Iterable[str] | None, path: Path | str,
                      fmt: ExportFormat | str = ExportFormat.XLSX, lang: str | None = "zh_CN", *,
                      manager_names: Mapping[str, str] | None = None) -> int:
    """Write the visit list (拜访清单) of ``period`` to ``path`` as ``fmt``; returns the number of rows.

    ``manager_names``: display names by manager id (default: the ids).
    """
    parse_format(fmt)  # refuse a bad format before reading anything
    rows = visit_list_rows(conn, period, manager_ids, lang=lang, manager_names=manager_names)
    return _export("visit_list", VISIT_LIST_COLUMNS, rows, path, fmt, lang)


def export_service_ledger(conn: Connection, period: Period, manager_ids: Iterable[str] | None, path: Path | str,
                          fmt: ExportFormat | str = ExportFormat.XLSX, lang: str | None = "zh_CN", *,
                          manager_names: Mapping[str, str] | None = None) -> int:
    """Write the personalized service ledger (个性化服务台账) of ``period``; returns the number of rows."""
    parse_format(fmt)
    rows = service_ledger_rows(conn, period, manager_ids, lang=lang, manager_names=manager_names)
    return _export("service_ledger", SERVICE_LEDGER_COLUMNS, rows, path, fmt, lang)


def export_market_ledger(conn: Connection, period: Period, manager_ids: Iterable[str] | None, path: Path | str,
                         fmt: ExportFormat | str = ExportFormat.XLSX, lang: str | None = "zh_CN", *,
                         manager_names: Mapping[str, str] | None = None) -> int:
    """Write the real-time market ledger (市场信息台账) of ``period``; returns the number of rows."""
    parse_format(fmt)
    rows = market_ledger_rows(conn, period, manager_ids, lang=lang, manager_names=manager_names)
    return _export("market_ledger", MARKET_LEDGER_COLUMNS, rows, path, fmt, lang)
