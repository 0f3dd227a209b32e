"""Team members on the laptop: the names and AB partners of the users this profile works with.

The synced entity ``team_member`` (row id = user id) comes down from the server:
a lead receives their team (and themself), a manager themself, their AB partner
and whoever they share a cover period with. It is read-only here except for one
field a lead may set offline: a manager's AB partner (:func:`set_backup`,
journaled; the server checks both are in the lead's team).

Conventions as in :mod:`fieldapp.store.visits`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from .journal import WriteResult, write_row
from .schema import team_members


@dataclass(frozen=True)
class TeamMember:
    id: str                 # the user id
    username: str
    display_name: str
    role: str               # manager | lead | admin
    team_id: str | None
    backup_id: str | None   # AB partner
    active: bool

    @property
    def name(self) -> str:
        """What to show: the display name, else the user name."""
        return self.display_name or self.username


def _row(row: Any) -> TeamMember:
    return TeamMember(row["id"], row["username"], row["display_name"] or "", row["role"], row["team_id"],
                      row["backup_id"], bool(row["active"]))


def get_member(conn: Connection, user_id: str) -> TeamMember | None:
    row = conn.execute(select(team_members).where(team_members.c.id == user_id,
                                                  team_members.c.deleted.is_(False))).mappings().first()
    return _row(row) if row is not None else None


def list_members(conn: Connection, team_id: str | None = None, *, role: str | None = None,
                 include_inactive: bool = False) -> list[TeamMember]:
    """Members known here, by name; filtered by team, role ("manager" for the review queue) and activity."""
    t = team_members.c
    stmt = select(team_members).where(t.deleted.is_(False))
    if team_id is not None:
        stmt = stmt.where(t.team_id == team_id)
    if role is not None:
        stmt = stmt.where(t.role == role)
    if not include_inactive:
        stmt = stmt.where(t.active.is_(True))
    return [_row(r) for r in conn.execute(stmt.order_by(t.display_name, t.username)).mappings()]


def display_names(conn: Connection) -> dict[str, str]:
    """user id -> name to show (display name, else user name)."""
    return {m.id: m.name for m in list_members(conn, include_inactive=True)}


class TeamError(ValueError):
    """A refused change of a team member (the message says why)."""


def set_backup(conn: Connection, user_id: str, backup_id: str | None) -> WriteResult:
    """Assign (or clear) a manager's AB partner — a lead's action, journaled; the server checks the team."""
    if get_member(conn, user_id) is None:
        raise TeamError("unknown team member")
    if backup_id is not None and (backup_id == user_id or get_member(conn, backup_id) is None):
        raise TeamError("the backup must be another member of the team")
    return write_row(conn, "team_member", user_id, {"backup_id": backup_id})
