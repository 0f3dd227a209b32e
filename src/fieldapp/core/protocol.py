"""The sync protocol: one definition shared by the client and the server.

Plain dataclasses (no HTTP, no pydantic import): the server declares FastAPI
bodies with these types, which pydantic validates, and the client serialises
them with :func:`to_wire`. Bodies travel as JSON, gzip-compressed
(``Content-Encoding: gzip``) when larger than a few hundred bytes.

Versioning: every request carries ``protocol_version``. The server accepts
``MIN_SUPPORTED_VERSION <= v <= PROTOCOL_VERSION`` and otherwise answers 426
with an :class:`ErrorBody` of code ``protocol_too_old`` or ``protocol_too_new``;
the client keeps its outbox and tells the user to update.

See docs/sync-protocol.md for the full exchange.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import Any

PROTOCOL_VERSION = 1
MIN_SUPPORTED_VERSION = 1
PROTOCOL_HEADER = "X-FieldApp-Protocol"

# Limits the server enforces and the client respects when batching.
MAX_MUTATIONS_PER_PUSH = 500
MAX_CHANGES_PER_PULL = 2000
PHOTO_CHUNK_BYTES = 256 * 1024
MAX_PHOTO_BYTES = 15 * 1024 * 1024
TOMBSTONE_RETENTION_DAYS = 180

# Entities by protocol name; the client's journal uses the same names.
SYNCED_ENTITIES = (
    "customer",
    "purchase",
    "checklist_template",
    "visit",
    "checklist_answer",
    "visit_note",
    "follow_up",
    "attachment",
    "attendance",  # a manager's working day; belongs to the manager, not to a customer
    # the team lead workspace (docs/sync-protocol.md, "Lead workspace entities"):
    "visit_review",   # append-only review events of a visit (comment / approve / return / resubmit)
    "cover_period",   # AB cover: a manager's leave and who covers; written by leads, drives scope
    "team_member",    # the users a laptop needs names of; written by the server (backup_id: leads)
)
# Entities a manager may change; the others come down only (purchases from the
# order system, templates and cover periods from the leads, team members from the server).
CLIENT_WRITABLE_ENTITIES = ("customer", "visit", "checklist_answer", "visit_note", "follow_up", "attachment",
                            "attendance", "visit_review")
# Entities a lead (or an admin) may change in addition.
LEAD_WRITABLE_ENTITIES = ("checklist_template", "cover_period", "team_member")


class Role(str, enum.Enum):
    MANAGER = "manager"
    LEAD = "lead"
    ADMIN = "admin"


class MutationOp(str, enum.Enum):
    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"


class OutcomeStatus(str, enum.Enum):
    APPLIED = "applied"     # base version was current: applied as sent
    MERGED = "merged"       # applied field by field over newer server changes
    CONFLICT = "conflict"   # some field changed on both sides: conflict record kept, see conflict_id
    REJECTED = "rejected"   # not applied (reason says why); never blocks the rest of the queue


@dataclass
class ErrorBody:
    code: str
    message: str
    detail: Any = None


# --- auth -----------------------------------------------------------------


@dataclass
class LoginRequest:
    username: str
    password: str
    device_id: str
    device_name: str = ""
    protocol_version: int = PROTOCOL_VERSION


@dataclass
class RefreshRequest:
    refresh_token: str
    device_id: str
    protocol_version: int = PROTOCOL_VERSION


@dataclass
class UserInfo:
    id: str
    username: str
    display_name: str
    role: Role
    team_id: str | None = None


@dataclass
class TokenPair:
    access_token: str
    refresh_token: str
    access_expires_in: int  # seconds
    user: UserInfo


# --- push -----------------------------------------------------------------


@dataclass
class Mutation:
    """One journal entry of one client.

    ``(client_id, seq)`` identifies it forever: the server stores the outcome of
    each applied pair and answers a replay with that stored outcome, so a batch
    retried after a lost reply is applied exactly once.
    ``changes`` maps field name to ``[old, new]`` as the client saw them.
    """

    seq: int
    entity: str
    row_id: str
    op: MutationOp
    base_version: int
    changes: dict[str, list[Any]]


@dataclass
class PushRequest:
    client_id: str
    mutations: list[Mutation]
    protocol_version: int = PROTOCOL_VERSION


@dataclass
class MutationOutcome:
    seq: int
    status: OutcomeStatus
    version: int | None = None           # the row's server version after this mutation
    reason: str | None = None            # for rejected (and informative for conflict)
    conflict_id: str | None = None
    values: dict[str, Any] | None = None  # the row's server values after the mutation


@dataclass
class PushResponse:
    outcomes: list[MutationOutcome]
    protocol_version: int = PROTOCOL_VERSION


# --- pull -----------------------------------------------------------------


@dataclass
class RowChange:
    """A row as the server has it now (full synced values), or its tombstone."""

    entity: str
    row_id: str
    version: int
    deleted: bool
    values: dict[str, Any]


@dataclass
class RowRef:
    entity: str
    row_id: str


@dataclass
class PullRequest:
    client_id: str
    cursor: str | None = None  # opaque; None = from the beginning
    limit: int = MAX_CHANGES_PER_PULL
    protocol_version: int = PROTOCOL_VERSION


@dataclass
class PullResponse:
    changes: list[RowChange]
    revoked: list[RowRef]  # rows that left the user's scope: remove locally unless they hold unsent edits
    cursor: str
    has_more: bool
    full_resync_required: bool = False  # cursor older than tombstone retention: push first, then re-sync in full
    protocol_version: int = PROTOCOL_VERSION


# --- integrity ---------------------------------------------------------------


@dataclass
class ScopeDigest:
    """Per-entity count and checksum of the rows in the user's scope.

    checksum = hex SHA-256 over the sorted lines ``"{row_id}:{version}:{0|1 deleted}\\n"``.
    The client computes the same over its local rows; a mismatch means drift:
    re-pull that entity in full.
    """

    entity: str
    count: int
    checksum: str


@dataclass
class DigestResponse:
    digests: list[ScopeDigest]
    protocol_version: int = PROTOCOL_VERSION


# --- photos -----------------------------------------------------------------


@dataclass
class PhotoStatus:
    """What the server holds of a photo: upload resumes at ``received_bytes``."""

    sha256: str
    size_bytes: int
    received_bytes: int
    complete: bool


# --- conflicts (added with the server; see docs/sync-protocol.md) ---------------


@dataclass
class ConflictField:
    """One field of a conflict record: both sides' values and the one kept.

    ``resolution``: ``server_kept`` (the server's value stays), ``kept_both``
    (free text: both texts joined) or ``author_won`` (checklist answer: the
    visit's author's value). See :mod:`fieldapp.core.merge`.
    """

    field: str
    base: Any = None     # what the client saw before its edit
    server: Any = None   # the server's value at the time of the merge
    client: Any = None   # the client's new value
    merged: Any = None   # the value the server kept
    resolution: str = "server_kept"


@dataclass
class ConflictRecord:
    """A push that met concurrent changes; open until someone resolves it.

    ``kind``: ``fields`` (fields changed on both sides), ``deleted_on_server``
    (an update of a row already deleted: the tombstone stays, the client's
    values are in ``fields``) or ``changed_on_server`` (a delete of a row that
    changed since the client saw it: the row stays).
    """

    id: str
    entity: str
    row_id: str
    kind: str
    fields: list[ConflictField]
    version: int            # the row's server version right after the merge
    created_at: str         # server time, ISO 8601 UTC
    status: str = "open"    # open | resolved
    username: str | None = None  # whose push conflicted
    client_id: str | None = None
    seq: int | None = None


@dataclass
class ConflictList:
    conflicts: list[ConflictRecord]
    protocol_version: int = PROTOCOL_VERSION


@dataclass
class ResolveRequest:
    """The values chosen for the row (any writable fields; may be empty = keep the server's row).

    ``deleted`` may be given to keep a row deleted (true) or restore it (false).
    """

    values: dict[str, Any]
    deleted: bool | None = None
    protocol_version: int = PROTOCOL_VERSION


# --- devices -------------------------------------------------------------------


@dataclass
class DeviceInfo:
    device_id: str
    device_name: str
    user_id: str
    username: str
    registered_at: str
    last_seen_at: str
    revoked: bool


@dataclass
class DeviceList:
    devices: list[DeviceInfo]
    protocol_version: int = PROTOCOL_VERSION


def to_wire(obj: Any) -> Any:
    """A JSON-ready form of a protocol object (dataclasses and enums unwrapped)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_wire(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, dict):
        return {k: to_wire(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_wire(v) for v in obj]
    return obj


def from_wire(cls: type, data: Any) -> Any:
    """Build protocol dataclass ``cls`` from parsed JSON (used by the client on replies)."""
    import typing

    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        kwargs[f.name] = _coerce(hints[f.name], data[f.name])
    return cls(**kwargs)


def _coerce(tp: Any, value: Any) -> Any:
    import types
    import typing

    origin = typing.get_origin(tp)
    if value is None:
        return None
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            if arg is type(None):
                continue
            return _coerce(arg, value)
    if origin is list:
        (item_tp,) = typing.get_args(tp)
        return [_coerce(item_tp, v) for v in value]
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return from_wire(tp, value)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(value)
    return value

