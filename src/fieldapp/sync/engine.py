"""The client sync engine: push the outbox, pull the server's changes, check integrity.

No Qt here. The GUI runs :meth:`SyncEngine.sync` on a worker thread (never the
UI thread: it does HTTP, keyring and database work) and passes ``progress`` and
``cancel``; the headless ``fieldapp sync`` command calls it directly.

One sync:

1. **Push**: pending journal entries in ``seq`` order, in batches. Photos of
   attachment rows in the batch are uploaded first (resumable chunks). After
   the server answers, ONE local transaction acknowledges each entry with its
   outcome and applies the server's version and values to the local row
   (:func:`fieldapp.store.sync_state.record_outcomes`). A crash or a cut
   connection between sending and recording is safe: the entries stay pending,
   are sent again, and the server answers the replay with the stored outcome.
2. **Pull**: pages from the stored cursor; each page and its new cursor in ONE
   local transaction, so an interrupted pull resumes where it stopped. Rows with
   unsent edits keep their pending fields. ``full_resync_required`` → push
   again, reset the cursor and pull everything, then remove server rows the
   server no longer sent.
3. **Digest**: per-entity count and checksum against the server's; on a
   mismatch the mismatching entities are re-pulled in full once.

Cancellation is checked between batches, pages and photo chunks; nothing is
ever half-applied. Only :class:`SyncError` subclasses escape as a failed
report; other exceptions (bugs) propagate to the caller after the state is
recorded.

Test hooks: ``fault_hook(point)`` is called at named points
(``"after_push_response"``, ``"after_pull_response"``, ...), and the
environment variable ``FIELDAPP_SYNC_FAULT=<point>`` makes the process SIGKILL
itself at that point (used by the crash tests).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import Engine

from fieldapp.core.messages import Message
from fieldapp.core.protocol import MAX_MUTATIONS_PER_PUSH, MAX_PHOTO_BYTES, PHOTO_CHUNK_BYTES, Mutation, MutationOp
from fieldapp.store import sync_state as ss
from fieldapp.store.journal import pending_count, pending_entries
from fieldapp.store.profile import Profile
from fieldapp.store.schema import SYNCED_TABLES

from . import errors as E
from .credentials import Credentials
from .http import SyncClient

FAULT_ENV = "FIELDAPP_SYNC_FAULT"

Progress = Callable[[str, int, "int | None"], None]


@dataclass
class SyncReport:
    """What one sync did. ``status``: ``ok``, ``conflicts`` (needs the user's attention) or ``failed``."""

    status: str = "ok"
    message: str = ""
    error_kind: str | None = None       # SyncError.kind when failed
    retryable: bool = False
    cancelled: bool = False
    pushed: int = 0                     # mutations acknowledged by the server
    applied: int = 0
    merged: int = 0
    conflicts: int = 0
    rejected: int = 0
    pulled: int = 0                     # row changes received
    pulled_applied: int = 0             # of which changed a local row
    kept_local: int = 0                 # rows where unsent local edits were kept over server values
    removed: int = 0                    # rows removed (revoked / no longer in scope)
    photos_uploaded: int = 0
    photo_bytes_sent: int = 0
    full_resync: bool = False
    repulled: list[str] = field(default_factory=list)   # entities re-pulled after a digest mismatch
    digest_mismatch: list[str] = field(default_factory=list)  # still mismatching after the re-pull
    warnings: list[str] = field(default_factory=list)
    pending: int = 0                    # journal entries still waiting after this sync
    open_conflicts: int = 0             # unresolved conflicts / rejections on this laptop
    started_at: str = ""
    finished_at: str = ""
    error: E.SyncError | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def summary(self) -> str:
        parts = [f"sent {self.pushed}"]
        if self.merged or self.conflicts or self.rejected:
            parts.append(f"({self.applied} applied, {self.merged} merged, {self.conflicts} conflicts, "
                         f"{self.rejected} rejected)")
        parts.append(f"received {self.pulled}")
        if self.removed:
            parts.append(f"removed {self.removed}")
        if self.photos_uploaded:
            parts.append(f"photos {self.photos_uploaded}")
        parts.append(f"waiting {self.pending}")
        if self.open_conflicts:
            parts.append(f"to review {self.open_conflicts}")
        return ", ".join(parts)


@dataclass
class SyncOverview:
    """What the status bar shows between syncs (cheap: local queries only)."""

    configured: bool
    server_url: str | None
    username: str | None
    pending: int
    open_conflicts: int
    last_sync_at: str | None
    last_status: str | None
    last_message: str | None


def sync_overview(engine: Engine) -> SyncOverview:
    with engine.connect() as conn:
        settings = ss.load_settings(conn)
        return SyncOverview(configured=settings.configured, server_url=settings.server_url,
                            username=settings.username, pending=pending_count(conn),
                            open_conflicts=ss.open_conflict_count(conn),
                            last_sync_at=ss.get_state(conn, ss.LAST_SYNC_AT),
                            last_status=ss.get_state(conn, ss.LAST_STATUS),
                            last_message=ss.get_state(conn, ss.LAST_MESSAGE))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def find_local_photo(profile: Profile, sha256: str) -> Path | None:
    """The photo file for ``sha256`` in the profile's store (``<sha[:2]>/<sha>[.ext]``), if present."""
    folder = profile.photo_dir / sha256[:2]
    plain = folder / sha256
    if plain.is_file():
        return plain
    if folder.is_dir():
        for candidate in sorted(folder.glob(f"{sha256}.*")):
            if candidate.is_file() and not candidate.name.startswith("."):
                return candidate
    return None


class SyncEngine:
    """Sync one profile's database with the server. See the module docstring.

    ``chain_rows``: whether one push batch may carry several journal entries of
    the same row. The server merges an entry field by field against its base;
    when the server compares the entry's old values (as the protocol's
    ``changes`` carry them), a chain of edits to one row in one batch is merged
    correctly and needs one round trip. With ``False`` a batch ends before the
    second entry of a row, and the next batch is rebased on the version the
    server returned (more round trips, no reliance on value comparison).
    """

    def __init__(self, engine: Engine, profile: Profile, client: SyncClient, credentials: Credentials | None = None,
                 *, batch_size: int = MAX_MUTATIONS_PER_PUSH, pull_limit: int | None = None,
                 chain_rows: bool = True, fault_hook: Callable[[str], None] | None = None):
        self.engine = engine
        self.profile = profile
        self.client = client
        self.credentials = credentials
        self.batch_size = max(1, min(batch_size, MAX_MUTATIONS_PER_PUSH))
        self.pull_limit = pull_limit
        self.chain_rows = chain_rows
        self.fault_hook = fault_hook
        with engine.begin() as conn:
            self.client_id = ss.client_id(conn)
            self.settings = ss.load_settings(conn)
        if client.token_store is None and credentials is not None:
            client.token_store = credentials
        if client.device_id is None:
            client.device_id = self.client_id
        self._lock = threading.Lock()

    # --- construction from a profile ------------------------------------------------

    @classmethod
    def for_profile(cls, engine: Engine, profile: Profile, **kwargs: Any) -> "SyncEngine":
        """The engine for the server and user this profile signed in to. Raises :class:`NotConfigured`."""
        with engine.begin() as conn:
            settings = ss.load_settings(conn)
            device_id = ss.client_id(conn)
        if not settings.configured:
            raise E.NotConfigured(Message("Sync", E.MSG_NOT_CONFIGURED))
        credentials = Credentials(settings.server_url, settings.username, device_id)
        client = SyncClient(settings.server_url, ca_bundle=settings.ca_bundle or None, token_store=credentials,
                            device_id=device_id)
        return cls(engine, profile, client, credentials, **kwargs)

    # --- helpers -------------------------------------------------------------------------

    def _fault(self, point: str) -> None:
        if self.fault_hook is not None:
            self.fault_hook(point)
        if os.environ.get(FAULT_ENV) == point:
            os.kill(os.getpid(), signal.SIGKILL)

    @staticmethod
    def _check_cancel(cancel: Any) -> None:
        if cancel is None:
            return
        stop = cancel.is_set() if hasattr(cancel, "is_set") else bool(cancel())
        if stop:
            raise E.Cancelled(Message("Sync", E.MSG_CANCELLED))

    @staticmethod
    def _progress(progress: Progress | None, phase: str, done: int, total: int | None) -> None:
        if progress is not None:
            progress(phase, done, total)

    def _check_user(self) -> None:
        """Refuse to mix two users' data in one profile (the token must belong to the profile's user)."""
        user = self.client.user
        if user is None or not self.settings.user_id:
            return
        if user.id != self.settings.user_id:
            raise E.AuthRevoked(Message("Sync", E.MSG_AUTH_REVOKED, {
                "detail": f"signed in as {user.username}, but this profile belongs to {self.settings.username}"}))

    # --- the sync ----------------------------------------------------------------------------

    def sync(self, progress: Progress | None = None, cancel: Any = None) -> SyncReport:
        """Push, pull, check. Never raises :class:`SyncError`: a failure is a ``failed`` report."""
        if not self._lock.acquire(blocking=False):
            return SyncReport(status="failed", error_kind="busy", retryable=True,
                              message="A sync is already running.", started_at=_now(), finished_at=_now())
        report = SyncReport(started_at=_now())
        try:
            self._run(report, progress, cancel)
        except E.SyncError as exc:
            report.status = "failed"
            report.error = exc
            report.error_kind = exc.kind
            report.retryable = exc.retryable
            report.cancelled = isinstance(exc, E.Cancelled)
            report.message = exc.message.render()
        except BaseException as exc:
            # A bug (or a test's simulated crash): recorded as failed, then raised to the caller.
            report.status = "failed"
            report.error_kind = "internal"
            report.message = f"Sync stopped by an unexpected error: {exc!r}"
            raise
        finally:
            self._lock.release()
            self._finish(report)
        return report

    def _run(self, report: SyncReport, progress: Progress | None, cancel: Any) -> None:
        self._check_cancel(cancel)
        self._check_user()
        self._push(report, progress, cancel)
        self._check_user()
        self._pull(report, progress, cancel)
        self._check_cancel(cancel)
        self._verify(report, progress, cancel)

    def _finish(self, report: SyncReport) -> None:
        report.finished_at = _now()
        try:
            with ss.sync_transaction(self.engine) as conn:
                report.pending = pending_count(conn)
                report.open_conflicts = ss.open_conflict_count(conn)
                if report.status != "failed":
                    if report.conflicts or report.rejected or report.open_conflicts:
                        report.status = "conflicts"
                    if not report.message:
                        report.message = report.summary()
                    ss.set_state(conn, ss.LAST_SYNC_AT, report.finished_at)
                ss.set_state(conn, ss.LAST_STATUS, report.status)
                ss.set_state(conn, ss.LAST_MESSAGE, report.message)
        except Exception as exc:  # noqa: BLE001 - the report must still reach the caller
            report.warnings.append(f"could not record the sync state: {exc}")

    # --- push ---------------------------------------------------------------------------------

    def _next_batch(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            entries = pending_entries(conn, limit=self.batch_size)
        if self.chain_rows:
            return entries
        batch, rows = [], set()
        for entry in entries:
            key = (entry["entity"], entry["row_id"])
            if key in rows:
                break
            rows.add(key)
            batch.append(entry)
        return batch

    def _push(self, report: SyncReport, progress: Progress | None, cancel: Any) -> None:
        with self.engine.connect() as conn:
            total = pending_count(conn)
        done = 0
        self._progress(progress, "push", 0, total)
        while True:
            self._check_cancel(cancel)
            batch = self._next_batch()
            if not batch:
                break
            self._upload_photos(batch, report, progress, cancel)
            mutations = [Mutation(seq=int(e["seq"]), entity=e["entity"], row_id=e["row_id"], op=MutationOp(e["op"]),
                                  base_version=int(e["base_version"]), changes=e["changes"]) for e in batch]
            response = self.client.push(self.client_id, mutations)
            self._fault("after_push_response")
            with ss.sync_transaction(self.engine) as conn:
                counts = ss.record_outcomes(conn, batch, response.outcomes)
                self._fault("before_push_commit")
            if counts.acknowledged == 0 and counts.already_acked == 0:
                raise E.ServerError(Message("Sync", E.MSG_SERVER_ERROR, {
                    "detail": f"the server acknowledged none of {len(batch)} changes"}))
            report.pushed += counts.acknowledged
            report.applied += counts.applied
            report.merged += counts.merged
            report.conflicts += counts.conflicts
            report.rejected += counts.rejected
            done += counts.acknowledged
            self._progress(progress, "push", done, max(total, done))

    def _upload_photos(self, batch: list[dict[str, Any]], report: SyncReport, progress: Progress | None,
                       cancel: Any) -> None:
        wanted: list[str] = []
        for entry in batch:
            if entry["entity"] != "attachment" or entry["op"] == "delete":
                continue
            pair = entry["changes"].get("sha256")
            sha = pair[1] if isinstance(pair, list) and len(pair) == 2 else None
            if isinstance(sha, str) and len(sha) == 64 and sha not in wanted:
                wanted.append(sha)
        for i, sha in enumerate(wanted):
            self._check_cancel(cancel)
            self._progress(progress, "photos", i, len(wanted))
            self.upload_photo(sha, report, cancel)
        if wanted:
            self._progress(progress, "photos", len(wanted), len(wanted))

    def upload_photo(self, sha256: str, report: SyncReport | None = None, cancel: Any = None) -> bool:
        """Upload one photo of the local store, resuming at what the server already has.

        Returns True when the server holds the complete photo. A missing or
        damaged local file is reported as a warning (the attachment row is
        still pushed; the server decides what to do with it).
        """
        report = report if report is not None else SyncReport()
        path = find_local_photo(self.profile, sha256)
        if path is None:
            report.warnings.append(f"photo {sha256[:12]} is not in this laptop's photo store; not uploaded")
            return False
        size = path.stat().st_size
        if size > MAX_PHOTO_BYTES:
            report.warnings.append(f"photo {sha256[:12]} is larger than {MAX_PHOTO_BYTES} bytes; not uploaded")
            return False
        if _sha256_file(path) != sha256:
            report.warnings.append(f"photo {sha256[:12]} is damaged on this laptop (hash differs); not uploaded")
            return False
        try:
            status = self.client.photo_status(sha256)
            received = 0 if status.complete is None else int(status.received_bytes or 0)
            if status.complete:
                return True
        except E.RequestRejected as exc:
            if exc.status != 404:
                raise
            received = 0
        if received > size:
            received = 0
        stalls = 0
        restarts = 0
        with open(path, "rb") as fh:
            while True:
                self._check_cancel(cancel)
                fh.seek(received)
                chunk = fh.read(PHOTO_CHUNK_BYTES)
                try:
                    status = self.client.put_photo_chunk(sha256, received, size, chunk)
                except E.RequestRejected as exc:
                    # 409 offset_gap: the server has fewer bytes than we thought (detail = its status);
                    # 422 hash_mismatch: it discarded the upload — start again from 0, once.
                    detail = exc.detail if isinstance(exc.detail, dict) else {}
                    if exc.code == "offset_gap" and "received_bytes" in detail and restarts < 3:
                        restarts += 1
                        received = int(detail["received_bytes"])
                        continue
                    if exc.code == "hash_mismatch" and restarts < 3:
                        restarts += 1
                        received = 0
                        continue
                    if exc.code == "size_mismatch":
                        report.warnings.append(f"photo {sha256[:12]}: the server holds a different upload of "
                                               "this photo; not uploaded")
                        return False
                    raise
                report.photo_bytes_sent += len(chunk)
                if status.complete:
                    report.photos_uploaded += 1
                    return True
                new_received = int(status.received_bytes or 0)
                if new_received <= received and chunk:
                    stalls += 1
                    if stalls >= 3:
                        raise E.ServerError(Message("Sync", E.MSG_SERVER_ERROR, {
                            "detail": f"photo upload of {sha256[:12]} makes no progress"}))
                else:
                    stalls = 0
                if new_received >= size and not status.complete:
                    raise E.ServerError(Message("Sync", E.MSG_SERVER_ERROR, {
                        "detail": f"the server did not accept photo {sha256[:12]} (hash check failed?)"}))
                received = new_received

    def fetch_photo(self, sha256: str, mime_type: str | None = None) -> Path:
        """The local file of a photo, downloaded (verified, atomically) into the photo store if missing.

        Photos come down lazily: call this when the user opens one (worker thread).
        Raises :class:`SyncError` (e.g. :class:`Offline`, or :class:`RequestRejected`
        404 when no attachment in the user's scope references it).
        """
        existing = find_local_photo(self.profile, sha256)
        if existing is not None:
            return existing
        from fieldapp.store.photos import FORMATS_BY_MIME, photo_path

        dest = photo_path(self.profile, sha256, FORMATS_BY_MIME.get(mime_type or "", "bin"))
        return self.client.download_photo(sha256, dest)

    # --- pull ----------------------------------------------------------------------------------

    def _pull(self, report: SyncReport, progress: Progress | None, cancel: Any, *, full: bool = False,
              entities: list[str] | None = None, allow_resync: bool = True) -> None:
        """Pull pages until the server has no more.

        ``full``: start from the beginning. Whenever a pull runs from the
        beginning to the last page within this call, local server rows (of
        ``entities``, default all) that the server did not send are removed:
        they left the scope without a revocation reaching us. An interrupted
        full pull resumes from its cursor next time without that pruning; the
        digest check then finds any drift left and re-pulls again.
        """
        if full:
            with ss.sync_transaction(self.engine) as conn:
                ss.set_cursor(conn, None)
                ss.set_state(conn, ss.RESYNC_PENDING, json.dumps(entities or sorted(SYNCED_TABLES)))
        with self.engine.connect() as conn:
            cursor = ss.get_cursor(conn)
        seen: dict[str, set[str]] | None = {} if (full or cursor is None) else None
        prune = entities or sorted(SYNCED_TABLES)
        self._progress(progress, "pull", report.pulled, None)
        # The next page is fetched while this one is applied (one helper thread; the
        # HTTP session is only ever used by one thread at a time). A prefetched page is
        # simply dropped if applying this one fails: the cursor stored says where to resume.
        fetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fieldapp-pull")
        try:
            self._check_cancel(cancel)
            upcoming = fetcher.submit(self.client.pull, self.client_id, cursor, self.pull_limit)
            while True:
                response = upcoming.result()
                self._fault("after_pull_response")
                if response.full_resync_required:
                    if not allow_resync:
                        raise E.ServerError(Message("Sync", E.MSG_SERVER_ERROR, {
                            "detail": "the server asked for a full re-sync twice"}))
                    report.full_resync = True
                    # Our cursor is older than the server keeps deletions: send what we have, then start over.
                    self._push(report, progress, cancel)
                    self._pull(report, progress, cancel, full=True, allow_resync=False)
                    return
                if response.has_more:
                    if response.cursor == cursor and not response.changes and not response.revoked:
                        raise E.ServerError(Message("Sync", E.MSG_SERVER_ERROR, {
                            "detail": "the server's change feed does not advance"}))
                    self._check_cancel(cancel)
                    upcoming = fetcher.submit(self.client.pull, self.client_id, response.cursor, self.pull_limit)
                if seen is not None:
                    for change in response.changes:
                        seen.setdefault(change.entity, set()).add(change.row_id)
                with ss.sync_transaction(self.engine) as conn:
                    pending = ss.pending_fields_map(conn)
                    counts = ss.apply_changes(conn, response.changes, pending)
                    counts.add(ss.remove_rows(conn, response.revoked, pending))
                    ss.set_cursor(conn, response.cursor)
                    if not response.has_more:
                        if seen is not None:
                            # Everything in scope came since the beginning: what did not come has left it.
                            counts.add(ss.prune_unseen(conn, prune, seen))
                        ss.set_state(conn, ss.RESYNC_PENDING, None)
                    self._fault("before_pull_commit")
                report.pulled += len(response.changes)
                report.pulled_applied += counts.applied
                report.kept_local += counts.kept_local
                report.removed += counts.removed
                self._progress(progress, "pull", report.pulled, None)
                if not response.has_more:
                    break
                cursor = response.cursor
        finally:
            fetcher.shutdown(wait=True, cancel_futures=True)

    # --- integrity --------------------------------------------------------------------------------

    def mismatched_entities(self) -> list[str]:
        digest = self.client.digest()
        out = []
        with self.engine.connect() as conn:
            for d in digest.digests:
                if d.entity not in SYNCED_TABLES:
                    continue
                if ss.local_digest(conn, d.entity) != (int(d.count), d.checksum):
                    out.append(d.entity)
        return out

    def _verify(self, report: SyncReport, progress: Progress | None, cancel: Any) -> None:
        self._progress(progress, "verify", 0, 1)
        mismatched = self.mismatched_entities()
        if mismatched:
            report.repulled = mismatched
            self._pull(report, progress, cancel, full=True, entities=mismatched)
            report.digest_mismatch = self.mismatched_entities()
            if report.digest_mismatch:
                report.warnings.append("integrity check still differs after a full re-pull for: "
                                       + ", ".join(report.digest_mismatch))
        self._progress(progress, "verify", 1, 1)
