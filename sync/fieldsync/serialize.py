"""Fast JSON for the big responses (pull pages, push outcomes).

The generic :func:`fieldapp.core.protocol.to_wire` walks every value of every
row recursively, which dominated a 2000-row pull page. Row values are plain JSON
already; in pull pages they even stay JSON *text* from the database to the wire
(:class:`RawJson`), never decoded and re-encoded.
"""

from __future__ import annotations

import json
from typing import Any

from fieldapp.core.protocol import MutationOutcome, PullResponse, PushResponse, to_wire


class RawJson(str):
    """JSON text passed through to the response unchanged (a pulled row's values, as stored)."""


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


def outcome_to_wire(o: MutationOutcome) -> dict:
    return {"seq": o.seq, "status": o.status.value, "version": o.version, "reason": o.reason,
            "conflict_id": o.conflict_id, "values": o.values}


def _values(v: Any) -> str:
    return v if isinstance(v, RawJson) else _encode(v)


def _pull_bytes(r: PullResponse) -> bytes:
    items = ['{"entity":%s,"row_id":%s,"version":%d,"deleted":%s,"values":%s}' % (
        _encode(c.entity), _encode(c.row_id), c.version, "true" if c.deleted else "false", _values(c.values))
        for c in r.changes]
    tail = _encode({"revoked": [{"entity": x.entity, "row_id": x.row_id} for x in r.revoked],
                    "cursor": r.cursor, "has_more": r.has_more, "full_resync_required": r.full_resync_required,
                    "protocol_version": r.protocol_version})
    return ('{"changes":[' + ",".join(items) + "]," + tail[1:]).encode("utf-8")


def dumps(obj: Any) -> bytes:
    """UTF-8 JSON of a protocol object (or plain data), compact, Chinese unescaped."""
    if type(obj) is PullResponse:
        return _pull_bytes(obj)
    if type(obj) is PushResponse:
        data: Any = {"outcomes": [outcome_to_wire(o) for o in obj.outcomes], "protocol_version": obj.protocol_version}
    elif type(obj) is MutationOutcome:
        data = outcome_to_wire(obj)
    else:
        data = to_wire(obj)
    return _encode(data).encode("utf-8")
