"""Customer files in the local store: query, fetch, save (validated, journaled), delete."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Iterable, Sequence

from sqlalchemy import Connection, bindparam, func, select, text

from fieldapp.core.entities import (
    BusinessFormat,
    Customer,
    CustomerClass,
    CustomerStatus,
    IntegrityRating,
    MarketType,
    OrderDay,
)
from fieldapp.core.messages import QT_TRANSLATE_NOOP, Message
from fieldapp.core.search_text import fts_query, index_tokens
from fieldapp.core.validation import FieldError, blocking, validate_customer

from .journal import WriteResult, tombstone_row, write_row
from .schema import customers

ENTITY = "customer"
SEARCHED_FIELDS = ("store_name", "owner", "address", "code", "phone")
SORTABLE_COLUMNS = ("code", "store_name", "owner", "phone", "address", "customer_class", "grade", "route",
                    "status", "licence_expiry", "updated_at")
_ENUMS = {"market_type": MarketType, "business_format": BusinessFormat, "customer_class": CustomerClass,
          "status": CustomerStatus, "order_day": OrderDay, "integrity_rating": IntegrityRating}


class CustomerInvalid(Exception):
    """Raised by :func:`save_customer` when the customer has blocking errors."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(e.render() for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class CustomerQuery:
    """What the customer list shows: search text, filters and sort order."""

    text: str = ""
    customer_class: str | None = None
    route: str | None = None
    tag: str | None = None
    sort_column: str = "store_name"
    descending: bool = False


def customer_to_values(customer: Customer) -> dict[str, Any]:
    values = asdict(customer)
    values.pop("id")
    for name, value in values.items():
        if hasattr(value, "value") and name in _ENUMS:
            values[name] = value.value
    values["tags"] = list(customer.tags)
    return values


def row_to_customer(row: Any) -> Customer:
    data = {f.name: row[f.name] for f in fields(Customer)}
    for name, enum_cls in _ENUMS.items():
        if data[name] is not None:
            data[name] = enum_cls(data[name])
    data["tags"] = list(data["tags"] or [])
    data["modern_terminal"] = bool(data["modern_terminal"])
    data["ecommerce_enabled"] = bool(data["ecommerce_enabled"])
    return Customer(**data)


def search_document(values: dict[str, Any]) -> str:
    return index_tokens(*(values.get(name) or "" for name in SEARCHED_FIELDS))


def _duplicate_code_error(conn: Connection, customer: Customer) -> FieldError | None:
    other = conn.execute(select(customers.c.store_name).where(
        customers.c.code == customer.code, customers.c.id != customer.id, customers.c.deleted.is_(False))).first()
    if other is None:
        return None
    return FieldError("code", Message("Validation", QT_TRANSLATE_NOOP(
        "Validation", "The customer code {code} is already used by {store}. Each customer needs its own code."),
        {"code": customer.code, "store": other.store_name}))


def save_customer(conn: Connection, customer: Customer) -> WriteResult:
    """Validate, then insert or update the customer, its search entry and the journal — one transaction.

    Raises :class:`CustomerInvalid` (nothing written) if the data is not valid.
    """
    errors = blocking(validate_customer(customer))
    duplicate = _duplicate_code_error(conn, customer) if customer.code else None
    if duplicate:
        errors.append(duplicate)
    if errors:
        raise CustomerInvalid(errors)
    values = customer_to_values(customer)
    existing = conn.execute(select(customers.c.search_key).where(customers.c.id == customer.id)).first()
    if existing is None:
        search_key = conn.execute(select(func.coalesce(func.max(customers.c.search_key), 0) + 1)).scalar_one()
        result = write_row(conn, ENTITY, customer.id, values, extra_local={"search_key": search_key})
    else:
        search_key = existing.search_key
        result = write_row(conn, ENTITY, customer.id, values)
    # A revived (un-deleted) customer needs its search entry back: delete_customer removed it.
    if result.op == "insert" or set(result.changed) & {*SEARCHED_FIELDS, "deleted"}:
        conn.execute(text("DELETE FROM customer_search WHERE rowid = :k"), {"k": search_key})
        conn.execute(text("INSERT INTO customer_search (rowid, doc) VALUES (:k, :doc)"),
                     {"k": search_key, "doc": search_document(values)})
    return result


def delete_customer(conn: Connection, customer_id: str) -> WriteResult:
    """Tombstone a customer (journaled). It disappears from lists and search."""
    result = tombstone_row(conn, ENTITY, customer_id)
    if result.op == "delete":
        key = conn.execute(select(customers.c.search_key).where(customers.c.id == customer_id)).scalar_one()
        conn.execute(text("DELETE FROM customer_search WHERE rowid = :k"), {"k": key})
    return result


def get_customer(conn: Connection, customer_id: str) -> Customer | None:
    row = conn.execute(select(customers).where(customers.c.id == customer_id)).mappings().first()
    return row_to_customer(row) if row is not None else None


def search_customer_ids(conn: Connection, query: CustomerQuery) -> list[str]:
    """Ids of the live customers matching ``query``, in display order."""
    if query.sort_column not in SORTABLE_COLUMNS:
        raise ValueError(f"cannot sort by {query.sort_column!r}")
    where = ["c.deleted = 0"]
    params: dict[str, Any] = {}
    match = fts_query(query.text) if query.text else None
    if query.text.strip() and match is None:
        return []  # only punctuation typed: nothing can match (blank text filters nothing)
    if match:
        where.append("c.search_key IN (SELECT rowid FROM customer_search WHERE customer_search MATCH :match)")
        params["match"] = match
    if query.customer_class:
        # With search text, let the FTS hits drive ("+" keeps ix_customers_class out):
        # a class is a third of all customers, so probing it for the hits was slower in
        # every measured case but one (50,000 customers: village + class C 23 ms -> 2.6 ms).
        where.append(f"{'+' if match else ''}c.customer_class = :klass")
        params["klass"] = query.customer_class
    if query.route:
        where.append("c.route = :route")
        params["route"] = query.route
    if query.tag:
        where.append("EXISTS (SELECT 1 FROM json_each(c.tags) WHERE json_each.value = :tag)")
        params["tag"] = query.tag
    direction = "DESC" if query.descending else "ASC"
    # Unary "+" keeps the sort column's index out of the plan (filters still use theirs):
    # walking ix_customers_store_name reads the table in index order, one random row
    # read per customer, and was twice as slow as scanning and sorting (all 50,000 demo
    # customers: 76 ms vs 37 ms; see benchmarks/scenarios/demo_and_search.py).
    sql = (f"SELECT c.id FROM customers c WHERE {' AND '.join(where)} "
           f"ORDER BY +c.{query.sort_column} {direction}, c.id {direction}")
    return [r[0] for r in conn.execute(text(sql), params)]


LIST_COLUMNS = ("id", "code", "store_name", "owner", "phone", "address", "customer_class", "grade", "route",
                "tags", "status", "licence_expiry")


def fetch_customer_rows(conn: Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The list columns of the given customers, keyed by id (missing ids are absent)."""
    if not ids:
        return {}
    cols = [customers.c[name] for name in LIST_COLUMNS]
    stmt = select(*cols).where(customers.c.id.in_(bindparam("ids", expanding=True)))
    out: dict[str, dict[str, Any]] = {}
    for row in conn.execute(stmt, {"ids": list(ids)}).mappings():
        data = dict(row)
        data["tags"] = list(data["tags"] or [])
        out[data["id"]] = data
    return out


def filter_options(conn: Connection) -> dict[str, list[str]]:
    """Distinct classes, routes and tags of live customers, for the filter boxes."""
    live = "deleted = 0"
    routes = [r[0] for r in conn.execute(text(
        f"SELECT DISTINCT route FROM customers WHERE {live} AND route != '' ORDER BY route"))]
    classes = [r[0] for r in conn.execute(text(
        f"SELECT DISTINCT customer_class FROM customers WHERE {live} ORDER BY customer_class"))]
    tags = [r[0] for r in conn.execute(text(
        f"SELECT DISTINCT json_each.value FROM customers, json_each(customers.tags) WHERE {live} ORDER BY 1"))]
    return {"classes": classes, "routes": routes, "tags": tags}


def count_customers(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(customers)
                            .where(customers.c.deleted.is_(False))).scalar_one())


def bulk_index(conn: Connection, rows: Iterable[tuple[int, dict[str, Any]]]) -> None:
    """Add search entries for freshly bulk-inserted customers (demo data, initial sync)."""
    conn.execute(text("INSERT INTO customer_search (rowid, doc) VALUES (:k, :doc)"),
                 [{"k": key, "doc": search_document(values)} for key, values in rows])
