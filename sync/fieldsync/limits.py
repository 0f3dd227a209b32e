"""Limits of request values that the protocol's types do not state, checked before any work is done.

The other limits live where they are enforced: body and chunk sizes in
:mod:`fieldsync.api.wire`, name lengths in :mod:`fieldsync.auth` and
:mod:`fieldsync.clients`, batch and page sizes in :mod:`fieldapp.core.protocol`.
docs/security.md lists them all.
"""

from __future__ import annotations

from fieldapp.core.protocol import PushRequest

from .errors import ApiError

#: A mutation's ``seq`` is stored in a 64-bit column (part of the exactly-once key).
MAX_SEQ = 2**63 - 1


def check_push(req: PushRequest) -> None:
    """422 ``invalid_seq`` for a seq the server could not record (the whole batch: its outcome cannot be kept)."""
    for m in req.mutations:
        seq = getattr(m, "seq", None)
        if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= MAX_SEQ:
            raise ApiError(422, "invalid_seq", f"A mutation's seq must be a whole number from 0 to {MAX_SEQ}.",
                           detail={"seq": str(seq)[:30]})
