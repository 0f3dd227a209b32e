"""Content-addressed photos: resumable chunked upload, verified by SHA-256, stored once.

Files live under ``<data_dir>/photos``: a complete photo at
``<sha[:2]>/<sha>``, an upload in progress at ``partial/<sha>.part``. The
``photos`` table says how many bytes of the partial file are good
(``received_bytes``); a chunk is written at that offset and the file truncated
after it, so a chunk half-written by a crashed request is simply overwritten.
Chunks of one photo are serialised by the database write lock.

Any signed-in user may upload (the name is the content's hash, so nobody can
overwrite or guess another's photo); downloading needs an attachment in the
user's scope that references the photo.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from sqlalchemy import Engine, delete, select, update

from fieldapp.core.protocol import MAX_PHOTO_BYTES, PHOTO_CHUNK_BYTES, PhotoStatus

from .clients import dialect_insert
from .core.config import Settings
from .core.db import read_transaction, write_transaction
from .core.logs import log_event
from .errors import ApiError
from .models import photos, sync_rows
from .scope import Principal, row_in_scope_clause

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
# The types a photo is served as; anything else an attachment claims (text/html, image/svg+xml...)
# is served as opaque bytes, so a pushed "photo" can never be a page or a script.
SERVED_MIME_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic", "image/heif", "image/gif")
DEFAULT_MIME = "application/octet-stream"


def check_sha(sha: str) -> str:
    sha = sha.lower()
    if not SHA256_RE.match(sha):
        raise ApiError(422, "invalid_sha256", "A photo is named by the 64 hex digits of its SHA-256.")
    return sha


def final_path(settings: Settings, sha: str) -> Path:
    return settings.photo_dir / sha[:2] / sha


def partial_path(settings: Settings, sha: str) -> Path:
    return settings.photo_dir / "partial" / f"{sha}.part"


def _status(row, sha: str) -> PhotoStatus:
    if row is None:
        return PhotoStatus(sha256=sha, size_bytes=0, received_bytes=0, complete=False)
    return PhotoStatus(sha256=sha, size_bytes=int(row["size_bytes"]), received_bytes=int(row["received_bytes"]),
                       complete=bool(row["complete"]))


def photo_status(engine: Engine, settings: Settings, sha: str) -> PhotoStatus:
    sha = check_sha(sha)
    with engine.connect() as conn:
        row = conn.execute(select(photos).where(photos.c.sha256 == sha)).mappings().first()
    return _status(row, sha)


def _hash_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def put_chunk(engine: Engine, settings: Settings, principal: Principal, sha: str, offset: int, total: int,
              data: bytes) -> PhotoStatus:
    sha = check_sha(sha)
    if total < 1 or total > MAX_PHOTO_BYTES:
        raise ApiError(413 if total > MAX_PHOTO_BYTES else 422, "invalid_total",
                       f"total must be 1 to {MAX_PHOTO_BYTES} bytes.")
    if len(data) > PHOTO_CHUNK_BYTES:
        raise ApiError(413, "chunk_too_large", f"Send at most {PHOTO_CHUNK_BYTES} bytes per chunk.")
    if offset < 0 or offset + len(data) > total:
        raise ApiError(422, "invalid_range", "offset + chunk size must not exceed total.")
    now = settings.now()
    failure: ApiError | None = None
    with write_transaction(engine) as conn:
        conn.execute(dialect_insert(conn, photos).values(
            sha256=sha, size_bytes=total, received_bytes=0, complete=False, created_at=now,
            uploaded_by=principal.user_id).on_conflict_do_nothing(index_elements=["sha256"]))
        lock = select(photos).where(photos.c.sha256 == sha)
        if conn.dialect.name != "sqlite":
            lock = lock.with_for_update()
        row = conn.execute(lock).mappings().one()
        if row["complete"]:
            return _status(row, sha)  # stored once, however many times it is sent
        received = int(row["received_bytes"])
        if int(row["size_bytes"]) != total:
            if received:
                raise ApiError(409, "size_mismatch", "Another upload of this photo declared a different size.",
                               detail=_status(row, sha))
            conn.execute(update(photos).where(photos.c.sha256 == sha).values(size_bytes=total))
        if offset > received:
            raise ApiError(409, "offset_gap", f"The server has {received} bytes; resume from there.",
                           detail=_status({**row, "size_bytes": total}, sha))
        skip = received - offset
        if skip >= len(data) and received < total:
            return _status({**row, "size_bytes": total}, sha)  # a chunk we already have (retried)
        part = partial_path(settings, sha)
        part.parent.mkdir(parents=True, exist_ok=True)
        with open(part, "r+b" if part.exists() else "w+b") as fh:
            fh.seek(received)
            fh.write(data[skip:])
            fh.truncate()
            fh.flush()
            os.fsync(fh.fileno())
        received += len(data) - skip
        values: dict = {"received_bytes": received}
        if received == total:
            if _hash_file(part) != sha:
                part.unlink(missing_ok=True)
                conn.execute(delete(photos).where(photos.c.sha256 == sha))
                failure = ApiError(422, "hash_mismatch", "The uploaded bytes do not match the SHA-256; the upload "
                                   "was discarded. Upload the photo again from the start.")
                log_event("photo_hash_mismatch", user=principal.username, sha256=sha)
            else:
                target = final_path(settings, sha)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(part, target)
                values.update(complete=True, completed_at=now)
                log_event("photo_stored", user=principal.username, sha256=sha, size_bytes=total)
        if failure is None:
            conn.execute(update(photos).where(photos.c.sha256 == sha).values(**values))
            status = PhotoStatus(sha256=sha, size_bytes=total, received_bytes=received,
                                 complete=bool(values.get("complete")))
    if failure is not None:  # raised after the commit: the discarded upload stays discarded
        raise failure
    return status


def photo_for_download(engine: Engine, settings: Settings, principal: Principal, sha: str) -> tuple[Path, str]:
    """The file and MIME type of a photo some attachment in the caller's scope references."""
    sha = check_sha(sha)
    with read_transaction(engine) as conn:
        attachment = conn.execute(
            select(sync_rows.c["values"]).where(sync_rows.c.entity == "attachment",
                                                sync_rows.c.photo_sha256 == sha,
                                                row_in_scope_clause(principal, settings.today())).limit(1)
        ).first()
        complete = conn.execute(select(photos.c.complete).where(photos.c.sha256 == sha)).scalar()
    if attachment is None or not complete:
        raise ApiError(404, "not_found", "No such photo in your scope (or not uploaded yet).")
    path = final_path(settings, sha)
    if not path.exists():
        raise ApiError(404, "not_found", "The photo's file is missing on the server; ask IT.")
    mime = str(attachment[0].get("mime_type") or "").strip().lower()
    return path, mime if mime in SERVED_MIME_TYPES else DEFAULT_MIME
