"""Who sees what: the server decides each user's scope, as a set of *scope keys*.

A scope key is a customer id, or ``u:<user id>`` for rows that belong to a user
rather than a customer (attendance), ``cover:<cover id>`` for a cover period, or
``m:<user id>`` for a team member row. Every synced row has one
(``sync_rows.customer_id``) except checklist templates, which everyone sees.

- a manager: the customers assigned to them, plus — during a cover period in
  which they are the backup — the customers of the manager on leave; their own
  attendance;
- a lead: the customers and attendance of every member of their team (and their own);
- an admin: everything.

Cover periods are whole days in the server's calendar (``Settings.timezone``);
scope is evaluated when a request arrives, never from the client's clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, Select, Text, and_, literal, or_, select, true, union

from fieldapp.core.protocol import Role

from .fields import member_scope_key, owner_scope_key
from .models import cover_periods, sync_rows, users


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of a request."""

    user_id: str
    username: str
    display_name: str
    role: Role
    team_id: str | None
    device_pk: int | None = None
    device_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_lead(self) -> bool:
        return self.role == Role.LEAD


def visible_managers_query(principal: Principal, today: date) -> Select | None:
    """The user ids whose customers ``principal`` sees (None: all — admin)."""
    if principal.is_admin:
        return None
    if principal.is_lead:
        own = select(literal(principal.user_id).label("id"))
        if principal.team_id is None:
            return own
        return select(users.c.id).where(users.c.team_id == principal.team_id).union(own)
    covered = select(cover_periods.c.manager_id).where(
        cover_periods.c.backup_id == principal.user_id,
        cover_periods.c.start_date <= today,
        cover_periods.c.end_date >= today,
        cover_periods.c.cancelled.is_(False),
    )
    return select(literal(principal.user_id).label("id")).union(covered)


def _owner_key_selects(principal: Principal) -> list[Select]:
    """SELECTs of the scope keys of the users whose own rows (attendance) ``principal`` sees."""
    key = literal("u:", Text) + users.c.id
    if principal.is_admin:
        return [select(key)]
    own = select(literal(owner_scope_key(principal.user_id), Text))
    if principal.is_lead and principal.team_id is not None:
        return [select(key).where(users.c.team_id == principal.team_id), own]
    return [own]


def _lead_workspace_key_selects(principal: Principal) -> list[Select]:
    """SELECTs of the scope keys of cover periods (``cover:<id>``) and team members (``m:<id>``) seen.

    - cover periods: an admin all; a lead those whose manager or backup is in their team;
      a manager those in which they are the manager or the backup (past ones too: history);
    - team members: an admin all; a lead their team and themself; a manager themself, their
      AB partner (either direction), whoever they share a cover period with, and their team's lead.
    """
    cp, u = cover_periods.c, users.c
    cover_key = literal("cover:", Text) + cp.id
    member_key = literal("m:", Text) + u.id
    me = principal.user_id
    if principal.is_admin:
        return [select(cover_key), select(member_key)]
    if principal.is_lead:
        own = select(literal(member_scope_key(me), Text))
        if principal.team_id is None:
            return [select(cover_key).where(or_(cp.manager_id == me, cp.backup_id == me)), own]
        team = select(u.id).where(u.team_id == principal.team_id)
        return [select(cover_key).where(or_(cp.manager_id.in_(team), cp.backup_id.in_(team))),
                select(member_key).where(u.team_id == principal.team_id), own]
    other = users.alias("partner")  # not correlated with the outer users
    partner = select(other.c.backup_id).where(other.c.id == me)
    cover_partners = select(cp.backup_id).where(cp.manager_id == me).union(
        select(cp.manager_id).where(cp.backup_id == me))
    members = [u.id == me, u.id.in_(partner), u.backup_id == me, u.id.in_(cover_partners)]
    if principal.team_id is not None:  # the team's lead(s): their names are on the reviews
        members.append(and_(u.team_id == principal.team_id, u.role == Role.LEAD.value))
    return [select(cover_key).where(or_(cp.manager_id == me, cp.backup_id == me)),
            select(member_key).where(or_(*members))]


def visible_customers_query(principal: Principal, today: date):
    """A SELECT of the scope keys ``principal`` sees: customer ids (tombstoned ones included) and user keys.

    One flat UNION (SQLite does not accept nested parenthesised ones).
    """
    base = select(sync_rows.c.row_id).where(sync_rows.c.entity == "customer")
    managers = visible_managers_query(principal, today)
    if managers is not None:
        base = base.where(sync_rows.c.manager_id.in_(managers))
    return union(base, *_owner_key_selects(principal), *_lead_workspace_key_selects(principal))


def visible_managers(conn: Connection, principal: Principal, today: date) -> set[str] | None:
    query = visible_managers_query(principal, today)
    if query is None:
        return None
    return {r[0] for r in conn.execute(query)}


def visible_customers(conn: Connection, principal: Principal, today: date) -> set[str]:
    return {r[0] for r in conn.execute(visible_customers_query(principal, today))}


def row_in_scope_clause(principal: Principal, today: date):
    """A WHERE clause on ``sync_rows``: the row is visible to ``principal``."""
    template = and_(sync_rows.c.customer_id.is_(None), sync_rows.c.entity == "checklist_template")
    if principal.is_admin:
        return true()
    return or_(template, sync_rows.c.customer_id.in_(visible_customers_query(principal, today)))


class ScopeCache:
    """The caller's visible scope keys and managers, computed once per request (lazily).

    Customers created earlier in the same request (not yet in the database) are
    remembered in ``_added`` — whether or not the set was loaded yet.
    """

    def __init__(self, conn: Connection, principal: Principal, today: date):
        self.conn = conn
        self.principal = principal
        self.today = today
        self._customers: set[str] | None = None
        self._added: set[str] = set()
        self._managers: set[str] | None = None
        self._managers_loaded = False

    def customer_visible(self, customer_id: str | None) -> bool:
        if customer_id is None:
            return False
        if self.principal.is_admin or customer_id in self._added:
            return True
        if self._customers is None:
            self._customers = visible_customers(self.conn, self.principal, self.today)
        return customer_id in self._customers

    def add_customer(self, customer_id: str) -> None:
        """A customer just inserted in this request for a manager the caller sees."""
        self._added.add(customer_id)

    def manager_visible(self, manager_id: str | None) -> bool:
        if self.principal.is_admin:
            return True
        if not self._managers_loaded:
            self._managers = visible_managers(self.conn, self.principal, self.today)
            self._managers_loaded = True
        return manager_id is not None and self._managers is not None and manager_id in self._managers
