"""The conflict policy of sync: how a client's change is merged into the server's row.

Pure functions, no I/O: the server applies them to every pushed update, and the
client may use the same rules (e.g. to re-apply its unsent edits over a pulled
row) so both sides agree on what a merge means.

A pushed update carries, per field, ``[old, new]``: the value the client saw
(``old``) and the value it wants (``new``), plus the server version the client
had (``base_version``). The rules, in order:

1. ``base_version == current_version``: nobody changed the row since the client
   saw it, so every field is applied as sent (status ``applied``).
2. Otherwise field by field (status ``merged`` unless a conflict arises):

   - server value == ``new``: both sides agree, nothing to do;
   - server value == ``old``: only the client changed it, take the client's value;
   - both changed (server value is neither): a **conflict**. Who wins:

     * free-text fields (:data:`FREE_TEXT_FIELDS`): keep both texts, the merged
       value is ``server + TEXT_SEPARATOR + client`` — nothing typed is ever lost;
     * ``author_wins`` (the push comes from the author of the visit a checklist
       answer belongs to): the client's value wins;
     * anything else: the server keeps its value.

     Every conflicting field is reported in :attr:`MergeResult.conflicts` with
     both values, so a conflict record can be kept and shown to the user
     (status ``conflict``), whoever won.

Client clocks never decide anything: there are no timestamps in these rules.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from .protocol import OutcomeStatus

TEXT_SEPARATOR = "\n——\n"

# Fields whose concurrent edits are both kept (concatenated), per entity.
FREE_TEXT_FIELDS: dict[str, frozenset[str]] = {
    "customer": frozenset({"needs", "notes"}),
    "visit_note": frozenset({"needs", "concerns", "complaints", "market_info", "abnormalities", "advice",
                             "free_text"}),
    "follow_up": frozenset({"title"}),
    "checklist_answer": frozenset({"note"}),
}

# Entities where the author of the visit wins a conflict on non-text fields.
AUTHOR_WINS_ENTITIES = frozenset({"checklist_answer"})


class Resolution(str, enum.Enum):
    """How a conflicting field was settled."""

    SERVER_KEPT = "server_kept"   # the server's value stays; the client's is in the conflict record
    KEPT_BOTH = "kept_both"       # free text: both texts concatenated
    AUTHOR_WON = "author_won"     # checklist answer: the visit's author's value wins


@dataclass(frozen=True)
class FieldConflict:
    """One field changed on both sides."""

    field: str
    base: Any      # what the client saw before its edit (its ``old``)
    server: Any    # the server's value before the merge
    client: Any    # the client's ``new``
    merged: Any    # the value kept
    resolution: Resolution


@dataclass(frozen=True)
class MergeResult:
    status: OutcomeStatus            # APPLIED, MERGED or CONFLICT
    values: dict[str, Any]           # the row's values after the merge (all fields of ``current``)
    changed: dict[str, Any] = field(default_factory=dict)  # fields whose value differs from ``current``
    conflicts: tuple[FieldConflict, ...] = ()


def values_equal(a: Any, b: Any) -> bool:
    """Equality of wire values: 1 == 1.0, lists and dicts compared deeply, bool is not a number."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
            return True
        return a == b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(values_equal(a[k], b[k]) for k in a)
    return a == b


def merge_text(server: str | None, client: str | None) -> str:
    """Both texts, server's first. Empty sides are dropped; a text already containing the other is kept as is."""
    server = server or ""
    client = client or ""
    if not client or client in server:
        return server
    if not server or server in client:
        return client
    return f"{server}{TEXT_SEPARATOR}{client}"


def is_free_text(entity: str, name: str) -> bool:
    return name in FREE_TEXT_FIELDS.get(entity, ())


def merge_update(
    entity: str,
    current: Mapping[str, Any],
    current_version: int,
    base_version: int,
    changes: Mapping[str, Sequence[Any]],
    *,
    author_wins: bool = False,
) -> MergeResult:
    """Merge one client update into the server's current row values.

    ``current`` holds the server's values (every field); ``changes`` maps field
    name to ``[old, new]`` and must name only fields of ``current`` (the caller
    validates). ``author_wins`` is true when the push comes from the author of
    the visit (checklist answers only; ignored for other entities).
    """
    values = dict(current)
    if base_version == current_version:
        for name, (_old, new) in changes.items():
            values[name] = new
        changed = {k: v for k, v in values.items() if not values_equal(v, current.get(k))}
        return MergeResult(OutcomeStatus.APPLIED, values, changed)

    conflicts: list[FieldConflict] = []
    author_wins = author_wins and entity in AUTHOR_WINS_ENTITIES
    for name, (old, new) in changes.items():
        server = current.get(name)
        if values_equal(server, new):
            continue
        if values_equal(server, old):
            values[name] = new
            continue
        if is_free_text(entity, name):
            merged = merge_text(server, new)
            resolution = Resolution.KEPT_BOTH
        elif author_wins:
            merged = new
            resolution = Resolution.AUTHOR_WON
        else:
            merged = server
            resolution = Resolution.SERVER_KEPT
        values[name] = merged
        conflicts.append(FieldConflict(name, old, server, new, merged, resolution))
    changed = {k: v for k, v in values.items() if not values_equal(v, current.get(k))}
    status = OutcomeStatus.CONFLICT if conflicts else OutcomeStatus.MERGED
    return MergeResult(status, values, changed, tuple(conflicts))
