"""Sync in the window: the sync thread, and the controller that decides when to sync.

Threads
-------
:class:`SyncWorker` owns one ``QThread`` (named ``fieldapp-sync``). Everything
that talks to the sync server or to the keyring runs there, one job at a time,
in the order submitted: syncs, health probes, signing in and out, settling
conflicts. It is deliberately **not** the DB worker: a sync can take minutes on
a weak mobile connection, and the list, the form and a visit's autosave must
not queue behind it. The sync thread opens its own engine on the profile's
SQLite file (WAL: the DB worker keeps reading and writing meanwhile; the sync
engine's writes are short transactions).

:class:`SyncController` lives on the UI thread. It decides when a sync starts —
at start-up when the profile is signed in, every ``sync_interval_minutes``, when
the network returns (a cheap ``GET /api/health`` probe, repeated with the
backoff of :mod:`fieldapp.sync.backoff` while offline) and on demand — and turns
what it knows into a :class:`~fieldapp.gui.sync_status.SyncStatus` for the
status bar. After a sync that changed local rows it announces the change on
``OperationHub.operation_did_execute`` so the list, the form, the plan and the
history refresh themselves.

Thread contract
---------------
- Public methods of both classes: UI thread only.
- Job functions (``fn(session)``) run on the sync thread, receive a
  :class:`WorkerSession` and must not touch Qt objects.
- Callbacks (``on_done``) run on the UI thread, and are skipped once the worker
  is shut down.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Protocol

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot
from sqlalchemy import Engine

from fieldapp.core.messages import QT_TRANSLATE_NOOP, Message
from fieldapp.settings import Settings
from fieldapp.store.meta import is_demo_profile
from fieldapp.store.profile import Profile
from fieldapp.sync import errors as sync_errors
from fieldapp.sync.backoff import ProbeSchedule
from fieldapp.sync.engine import SyncOverview, SyncReport, sync_overview

from . import operations as ops
from .sync_status import ATTENTION_KINDS, RETRY_KINDS, SyncStatus, derive_status
from .visit.ops import VisitOpChanges

log = logging.getLogger(__name__)

THREAD_NAME = "fieldapp-sync"
SHUTDOWN_WAIT_MS = 15_000
OFFLINE_KINDS = frozenset({"offline", "server", "throttled"})  # the probe finds out when it is over
PROGRESS_MIN_INTERVAL = 0.05  # seconds between two progress reports reaching the UI thread

MSG_SERVER_CHANGED = QT_TRANSLATE_NOOP("SyncController", "The sync server address changed to {url}. Sign in to it "
                                                         "to sync.")


# --- what a sync or a conflict resolution changed --------------------------------------------


@dataclass(frozen=True)
class SyncOpChanges(VisitOpChanges):
    """:class:`~fieldapp.gui.visit.ops.VisitOpChanges` plus ``sync``: the sync state changed
    (conflicts settled, last sync time). Announced by syncs and conflict resolutions."""

    sync: bool = False

    @property
    def anything(self) -> bool:
        return super().anything or self.sync


def changes_of_report(report: SyncReport) -> SyncOpChanges | None:
    """What views must refresh after ``report``; None when the sync changed nothing local.

    The engine does not say which rows it changed, so a sync that applied
    anything announces "any customer, follow-up or attendance may have changed".
    ``visits`` is not announced: the plan would fix today's list on any visit change,
    and a server never changes the visit in progress on this laptop.
    """
    touched = (report.pulled_applied or report.removed or report.merged or report.conflicts or report.rejected
               or report.kept_local)
    if touched:
        return SyncOpChanges(customers=True, journal=True, follow_ups=True, attendance=True, sync=True)
    if report.pushed:
        return SyncOpChanges(journal=True, sync=True)
    return None


# --- the worker thread -------------------------------------------------------------------------


EngineFactory = Callable[[Engine, Profile], Any]
"""``(db_engine, profile) -> SyncEngine``-like: ``.sync(progress=, cancel=) -> SyncReport`` and
``.client`` (``.health()``, used by the probe and conflict resolution). Raises
:class:`~fieldapp.sync.errors.SyncError` (e.g. ``NotConfigured``). Called on the sync thread."""


def default_engine_factory(db_engine: Engine, profile: Profile) -> Any:
    from fieldapp.sync.engine import SyncEngine

    return SyncEngine.for_profile(db_engine, profile)


def default_db_engine_factory(profile: Profile) -> Engine:
    from fieldapp.store.db import create_sqlite_engine

    return create_sqlite_engine(profile.db_path)


class AccountService(Protocol):
    """Signing in and out; blocking (HTTP, keyring), so called on the sync thread only."""

    def keyring_problem(self) -> str | None: ...

    def login(self, engine: Engine, server_url: str, username: str, password: str, *,
              ca_bundle: str | None = None) -> Any: ...

    def logout(self, engine: Engine) -> bool: ...


class RealAccountService:
    """:mod:`fieldapp.sync.account` and :mod:`fieldapp.sync.credentials`."""

    def keyring_problem(self) -> str | None:
        from fieldapp.sync.credentials import keyring_problem

        return keyring_problem()

    def login(self, engine: Engine, server_url: str, username: str, password: str, *,
              ca_bundle: str | None = None) -> Any:
        from fieldapp.sync.account import login

        return login(engine, server_url, username, password, ca_bundle=ca_bundle)

    def logout(self, engine: Engine) -> bool:
        from fieldapp.sync.account import logout

        return logout(engine)


class WorkerSession:
    """What lives on the sync thread: the profile's own engine and the cached sync engine.

    Only job functions touch it (on the sync thread).
    """

    def __init__(self, profile: Profile, engine_factory: EngineFactory,
                 db_engine_factory: Callable[[Profile], Engine]):
        self.profile = profile
        self._engine_factory = engine_factory
        self._db_engine_factory = db_engine_factory
        self._db_engine: Engine | None = None
        self._sync_engine: Any = None

    @property
    def db_engine(self) -> Engine:
        if self._db_engine is None:
            self._db_engine = self._db_engine_factory(self.profile)
        return self._db_engine

    def sync_engine(self) -> Any:
        """The sync engine for the profile's server and user (built once, after each sign-in again)."""
        if self._sync_engine is None:
            self._sync_engine = self._engine_factory(self.db_engine, self.profile)
        return self._sync_engine

    def is_demo(self) -> bool:
        with self.db_engine.connect() as conn:
            return is_demo_profile(conn)

    def reset(self) -> None:
        """Forget the sync engine (signed in or out, server changed): the next job builds a new one."""
        engine, self._sync_engine = self._sync_engine, None
        client = getattr(engine, "client", None)
        close = getattr(client, "close", None)
        if callable(close):
            try:
                close()
            except Exception:  # noqa: BLE001 - closing a session must not break anything
                log.debug("closing the sync client failed", exc_info=True)

    def close(self) -> None:
        self.reset()
        if self._db_engine is not None:
            self._db_engine.dispose()
            self._db_engine = None


class SyncJob:
    """One queued call on the sync thread. :meth:`cancel` sets its cancel event and drops its callback."""

    __slots__ = ("fn", "on_done", "cancel_event", "result", "error", "started", "_dropped")

    def __init__(self, fn: Callable[[WorkerSession], Any], on_done: Callable[["SyncJob"], None] | None):
        self.fn = fn
        self.on_done = on_done
        self.cancel_event = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self.started = False
        self._dropped = False

    def cancel(self, *, drop_callback: bool = False) -> None:
        self.cancel_event.set()
        if drop_callback:
            self._dropped = True

    @property
    def dropped(self) -> bool:
        return self._dropped


class _Runner(QObject):
    """Lives on the sync thread; runs the jobs it is sent, in order."""

    sig_done = Signal(object)

    def __init__(self, session: WorkerSession):
        super().__init__()
        self.session = session
        self.stopping = False  # set by the UI thread; read here (a plain bool is enough)

    @Slot(object)
    def run(self, job: SyncJob | None) -> None:
        if job is None:  # the shutdown sentinel: last in the queue
            try:
                self.session.close()
            finally:
                thread = QThread.currentThread()
                thread.quit()
            return
        if self.stopping or job.cancel_event.is_set() and job.dropped:
            return
        job.started = True
        try:
            job.result = job.fn(self.session)
        except Exception as exc:  # handed to the UI thread, never lost
            job.error = exc
            log.debug("sync job failed", exc_info=True)
        if not self.stopping:
            self.sig_done.emit(job)


class SyncWorker(QObject):
    """The sync thread. Create, submit to and shut down on the UI thread."""

    _sig_run = Signal(object)
    #: a job's callback ran (or was skipped); tests wait on it
    sig_job_finished = Signal()

    def __init__(self, profile: Profile, *, engine_factory: EngineFactory | None = None,
                 db_engine_factory: Callable[[Profile], Engine] | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.profile = profile
        self._stopping = False
        self._pending: list[SyncJob] = []
        self._thread = QThread()
        self._thread.setObjectName(THREAD_NAME)
        self._runner = _Runner(WorkerSession(profile, engine_factory or default_engine_factory,
                                             db_engine_factory or default_db_engine_factory))
        self._runner.moveToThread(self._thread)
        self._sig_run.connect(self._runner.run)
        self._runner.sig_done.connect(self._deliver)
        self._thread.start()

    @property
    def is_running(self) -> bool:
        return self._thread.isRunning()

    def submit(self, fn: Callable[[WorkerSession], Any], on_done: Callable[[SyncJob], None] | None = None) -> SyncJob:
        """Queue ``fn(session)`` on the sync thread; ``on_done(job)`` runs later on the UI thread."""
        if self._stopping:
            raise RuntimeError("the sync worker is shut down")
        job = SyncJob(fn, on_done)
        self._pending.append(job)
        self._sig_run.emit(job)
        return job

    def shutdown(self, timeout_ms: int = SHUTDOWN_WAIT_MS) -> bool:
        """Cancel queued and running jobs, close the session and stop the thread. Safe to call twice.

        Waits up to ``timeout_ms`` for a running HTTP request to return (a sync
        stops at its next cancellation check). Returns whether the thread stopped.
        """
        if self._stopping:
            return not self._thread.isRunning()
        self._stopping = True
        for job in self._pending:
            job.cancel(drop_callback=True)
        self._pending.clear()
        self._runner.stopping = True
        self._sig_run.emit(None)
        stopped = self._thread.wait(timeout_ms)
        if not stopped:
            # Keep the objects alive: destroying a running QThread aborts the process.
            log.error("the sync thread did not stop within %d ms; leaving it to the OS", timeout_ms)
            _LEAKED.append((self._thread, self._runner))
        return stopped

    def _deliver(self, job: SyncJob) -> None:
        if job in self._pending:
            self._pending.remove(job)
        try:
            if not self._stopping and not job.dropped and job.on_done is not None:
                job.on_done(job)
        finally:
            self.sig_job_finished.emit()


_LEAKED: list[tuple[QThread, QObject]] = []


# --- one-off background calls ------------------------------------------------------------------

_in_flight: set[QObject] = set()


class _Relay(QObject):
    """Lives on the UI thread; its slot receives the result (a queued call when emitted from the thread)."""

    sig_done = Signal(object, object)

    def __init__(self, on_done: Callable[[Any, BaseException | None], None]):
        super().__init__()
        self._on_done = on_done
        self.sig_done.connect(self.deliver)

    @Slot(object, object)
    def deliver(self, result: Any, error: BaseException | None) -> None:
        _in_flight.discard(self)
        self.deleteLater()
        self._on_done(result, error)


def run_in_thread(fn: Callable[[], Any], on_done: Callable[[Any, BaseException | None], None], *,
                  name: str = "fieldapp-background") -> None:
    """Run ``fn`` on a short-lived thread; ``on_done(result, error)`` later on the UI thread.

    For small blocking calls that must not wait behind a sync (a keyring check,
    writing the settings file). UI thread only.
    """
    relay = _Relay(on_done)
    _in_flight.add(relay)

    def target() -> None:
        try:
            result, error = fn(), None
        except Exception as exc:  # noqa: BLE001 - handed to the UI thread
            result, error = None, exc
        relay.sig_done.emit(result, error)

    threading.Thread(target=target, name=name, daemon=True).start()


class _ProgressRelay(QObject):
    """Carries ``(phase, done, total)`` from the sync thread to the UI thread, throttled."""

    sig_progress = Signal(str, int, object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._last = 0.0
        self._phase: str | None = None

    def report(self, phase: str, done: int, total: int | None) -> None:
        """Sync thread. Phase changes and finished phases always go through."""
        now = time.monotonic()
        finished = total is not None and done >= total
        if phase != self._phase or finished or now - self._last >= PROGRESS_MIN_INTERVAL:
            self._phase = phase
            self._last = now
            self.sig_progress.emit(phase, int(done), total)


# --- jobs (sync thread) --------------------------------------------------------------------------


def _failed_report(error: BaseException) -> SyncReport:
    stamp = datetime.now().astimezone().isoformat(timespec="seconds")
    if isinstance(error, sync_errors.SyncError):
        return SyncReport(status="failed", error=error, error_kind=error.kind, retryable=error.retryable,
                          cancelled=isinstance(error, sync_errors.Cancelled), message=error.message.render(),
                          started_at=stamp, finished_at=stamp)
    return SyncReport(status="failed", error_kind="error", message=str(error), started_at=stamp, finished_at=stamp)


def _demo_refusal() -> SyncReport:
    from fieldapp.sync.account import MSG_DEMO_PROFILE, DemoProfile

    return _failed_report(DemoProfile(Message("Sync", MSG_DEMO_PROFILE)))


def run_sync_job(session: WorkerSession, progress: Callable[[str, int, int | None], None],
                 cancel: threading.Event) -> SyncReport:
    """Sync thread: refuse a demo profile, build the engine, sync. Never raises a SyncError."""
    if session.is_demo():
        return _demo_refusal()
    try:
        engine = session.sync_engine()
    except (sync_errors.SyncError, ValueError) as exc:  # not signed in; a CA bundle that vanished
        return _failed_report(exc)
    return engine.sync(progress=progress, cancel=cancel)


def run_probe_job(session: WorkerSession) -> bool:
    """Sync thread: ``GET /api/health``. Raises the client's errors (``Offline``...)."""
    session.sync_engine().client.health()
    return True


# --- the controller --------------------------------------------------------------------------------


@dataclass
class SyncFacts:
    """Everything the status is derived from (UI thread)."""

    overview: SyncOverview | None = None
    demo: bool = False
    running: bool = False
    phase: str | None = None
    done: int = 0
    total: int | None = None
    report: SyncReport | None = None  # the last finished sync of this session
    offline: bool = False  # the last sync or probe could not reach the server
    extra_attention: Message | str | None = None  # e.g. the server address changed: sign in again
    signed_out: bool = False  # the user signed out in this session (the profile keeps its server and user)
    warnings: list[Message | str] = field(default_factory=list)  # e.g. the sign-in is kept in memory only


class SyncController(QObject):
    """When to sync, the sync thread's jobs, and the status the window shows. UI thread only."""

    #: SyncStatus — after any change of what the status bar should say
    sig_status_changed = Signal(object)
    #: the reason ("start", "timer", "network", "manual", "login") — a sync was submitted
    sig_sync_started = Signal(str)
    #: SyncReport — a sync finished (also a refused or failed one)
    sig_sync_finished = Signal(object)
    #: bool — a health probe finished (True: the server answered)
    sig_probe_finished = Signal(bool)
    #: SyncOverview — the local sync facts were re-read
    sig_overview_loaded = Signal(object)
    #: the login result — the profile signed in (the dialog closed)
    sig_signed_in = Signal(object)

    def __init__(self, profile: Profile, settings: Settings | None = None, *,
                 engine_factory: EngineFactory | None = None,
                 account_service: AccountService | None = None,
                 resolver: Callable[..., Any] | None = None,
                 dismisser: Callable[..., Any] | None = None,
                 db_engine_factory: Callable[[Profile], Engine] | None = None,
                 probe_schedule: ProbeSchedule | None = None,
                 auto_sync: bool = True,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.profile = profile
        self.settings = settings
        self.account_service: AccountService = account_service or RealAccountService()
        self._resolver = resolver
        self._dismisser = dismisser
        self.auto_sync = auto_sync
        self.worker = SyncWorker(profile, engine_factory=engine_factory, db_engine_factory=db_engine_factory,
                                 parent=self)
        self.facts = SyncFacts()
        self.schedule = probe_schedule or ProbeSchedule()
        self._sync_job: SyncJob | None = None
        self._probe_job: SyncJob | None = None
        self._overview_job: ops.Job | None = None
        self._after_overview: list[Callable[[], None]] = []
        self._started = False
        self._shut_down = False
        self._status: SyncStatus = derive_status(self.facts)
        self._relay = _ProgressRelay(self)
        self._relay.sig_progress.connect(self._on_progress)

        self._interval_timer = QTimer(self)
        self._interval_timer.setSingleShot(True)
        self._interval_timer.timeout.connect(lambda: self._auto_sync("timer"))
        self._probe_timer = QTimer(self)
        self._probe_timer.setSingleShot(True)
        self._probe_timer.timeout.connect(self.probe_now)
        self._network = _NetworkWatch(self._on_network_reachable)

        ops.OperationHub.instance().operation_did_execute.connect(self._on_operation)

    # --- public ---------------------------------------------------------------------------------

    @property
    def status(self) -> SyncStatus:
        return self._status

    @property
    def is_syncing(self) -> bool:
        return self._sync_job is not None

    @property
    def configured(self) -> bool:
        return bool(self.facts.overview and self.facts.overview.configured) and not self.facts.signed_out

    @property
    def needs_sign_in(self) -> bool:
        """Not signed in, or the server wants a new sign-in."""
        return self._status.needs_sign_in

    def start(self) -> None:
        """Read the sync facts; then sync once if the profile is signed in (call when the DB is open)."""
        self._started = True
        self.refresh_overview(after=lambda: self._auto_sync("start"))

    def sync_now(self, reason: str = "manual") -> bool:
        """Start a sync unless one runs. Returns whether one was started."""
        if self._shut_down or self._sync_job is not None:
            return False
        self._interval_timer.stop()
        self._probe_timer.stop()
        self.facts.running = True
        self.facts.phase, self.facts.done, self.facts.total = None, 0, None
        cancel = threading.Event()
        relay = self._relay

        def fn(session: WorkerSession) -> SyncReport:
            return run_sync_job(session, relay.report, cancel)

        self._sync_job = self.worker.submit(fn, self._on_sync_done)
        self._sync_job.cancel_event = cancel
        self._update_status()
        self.sig_sync_started.emit(reason)
        return True

    def cancel(self) -> None:
        """Ask the running sync to stop at its next step (nothing is half-applied)."""
        if self._sync_job is not None:
            self._sync_job.cancel_event.set()
            self.facts.phase = "cancelling"
            self._update_status()

    def probe_now(self) -> None:
        """Ask the server's health endpoint whether it is reachable; a success starts a sync."""
        if self._shut_down or self._probe_job is not None or self._sync_job is not None:
            return
        self._probe_job = self.worker.submit(run_probe_job, self._on_probe_done)

    def refresh_overview(self, after: Callable[[], None] | None = None) -> None:
        """Re-read pending count, conflicts and last sync (on the DB worker), then call ``after``.

        A newer refresh replaces a pending one; the replaced one's ``after`` still runs.
        """
        if after is not None:
            self._after_overview.append(after)
        if self._overview_job is not None:
            self._overview_job.cancel()

        def op(engine: Engine) -> tuple[SyncOverview, bool]:
            overview = sync_overview(engine)
            with engine.connect() as conn:
                return overview, is_demo_profile(conn)

        def success(result: tuple[SyncOverview, bool]) -> None:
            self._overview_job = None
            self.facts.overview, self.facts.demo = result
            self._check_locked_server()
            self._update_status()
            self.sig_overview_loaded.emit(result[0])
            waiting, self._after_overview = self._after_overview, []
            for callback in waiting:
                callback()

        def failure(error: BaseException) -> None:
            self._overview_job = None
            log.warning("could not read the sync state: %s", error)

        self._overview_job = ops.QueryOp(parent=self, op=op, success=success).failure(failure).run_in_background()

    def apply_settings(self, settings: Settings) -> None:
        """New settings (from the dialog): restart the interval timer; a changed server needs a new sign-in."""
        self.settings = settings
        overview = self.facts.overview
        wanted = settings.effective("server_url")
        if overview is not None and overview.configured and wanted and wanted != overview.server_url:
            self.facts.extra_attention = Message("SyncController", MSG_SERVER_CHANGED, {"url": wanted})
        else:
            self.facts.extra_attention = None
        self._restart_interval()
        self._update_status()

    def _check_locked_server(self) -> None:
        """IT moved the region to another server (locked address): the profile must sign in there."""
        overview, settings = self.facts.overview, self.settings
        if overview is None or settings is None or not overview.configured or self.facts.extra_attention:
            return
        locked_url = settings.effective("server_url") if settings.is_locked("server_url") else None
        if locked_url and overview.server_url and locked_url != overview.server_url:
            self.facts.extra_attention = Message("SyncController", MSG_SERVER_CHANGED, {"url": locked_url})

    def interval_minutes(self) -> int:
        if self.settings is None:
            return 15
        value = self.settings.effective("sync_interval_minutes")
        return int(value) if isinstance(value, int) else 15

    def default_server_url(self) -> str | None:
        """Where to sign in: IT's locked address, else the profile's server, else the settings' address."""
        settings_url = self.settings.effective("server_url") if self.settings is not None else None
        if settings_url and (self.settings.is_locked("server_url") or self.facts.extra_attention is not None):
            return settings_url  # IT's address, or the one the user just changed to
        overview = self.facts.overview
        return (overview.server_url if overview and overview.server_url else None) or settings_url

    def default_username(self) -> str | None:
        overview = self.facts.overview
        return overview.username if overview else None

    def ca_bundle(self) -> str | None:
        return self.settings.effective("ca_bundle") if self.settings is not None else None

    def allow_http_localhost(self) -> bool:
        return bool(self.settings.effective("allow_http_localhost")) if self.settings is not None else False

    # --- jobs for the dialogs -------------------------------------------------------------------

    def keyring_problem(self, on_done: Callable[[str | None], None]) -> None:
        """Why no secure password store can keep the sign-in (None: it can).

        Asked on a short-lived thread (keyring calls may block on D-Bus), not
        the sync thread: the answer must not wait behind a running sync.
        """
        service = self.account_service
        run_in_thread(service.keyring_problem, lambda result, error: on_done(None if error else result),
                      name="fieldapp-keyring-check")

    def sign_in(self, server_url: str, username: str, password: str, *, ca_bundle: str | None,
                on_done: Callable[[Any, BaseException | None], None]) -> SyncJob:
        """Sign in on the sync thread; ``on_done(result, error)`` on the UI thread. A success starts a sync.

        A running sync is cancelled first (it stops at its next step), so the
        sign-in does not wait behind it.
        """
        service = self.account_service
        self.cancel()

        def fn(session: WorkerSession) -> Any:
            result = service.login(session.db_engine, server_url, username, password, ca_bundle=ca_bundle)
            session.reset()
            return result

        def done(job: SyncJob) -> None:
            if job.error is None:
                self.facts.report = None
                self.facts.extra_attention = None
                self.facts.signed_out = False
                self.facts.offline = False
                self.schedule.succeeded()
                warning = getattr(job.result, "warning", None)
                self.facts.warnings = [warning] if warning is not None else []
                self.refresh_overview(after=lambda: self.sync_now("login"))
                self.sig_signed_in.emit(job.result)
            on_done(job.result, job.error)

        return self.worker.submit(fn, done)

    def sign_out(self, on_done: Callable[[bool], None] | None = None) -> SyncJob:
        service = self.account_service
        self.cancel()

        def fn(session: WorkerSession) -> bool:
            try:
                return service.logout(session.db_engine)
            finally:
                session.reset()

        def done(job: SyncJob) -> None:
            self.facts.report = None
            self.facts.offline = False
            self.facts.signed_out = True
            self._probe_timer.stop()
            self._interval_timer.stop()
            self.refresh_overview()
            if on_done is not None:
                on_done(bool(job.result) if job.error is None else False)

        return self.worker.submit(fn, done)

    def submit_sync_op(self, fn: Callable[[WorkerSession], Any], changes: Callable[[Any], ops.OpChanges],
                       on_success: Callable[[Any], None] | None = None,
                       on_failure: Callable[[BaseException], None] | None = None,
                       initiator: object | None = None) -> SyncJob:
        """Like a :class:`~fieldapp.gui.operations.CollectionOp`, on the sync thread (the op talks to the
        server): on success ``on_success(result)`` runs, then ``operation_did_execute(changes(result), initiator)``."""

        def done(job: SyncJob) -> None:
            if job.error is not None:
                if on_failure is not None:
                    on_failure(job.error)
                else:
                    log.error("sync operation failed", exc_info=job.error)
                return
            if on_success is not None:
                on_success(job.result)
            hub = ops.OperationHub._instance
            if hub is not None:
                hub.operation_did_execute.emit(changes(job.result), initiator)

        return self.worker.submit(fn, done)

    def resolve_conflict(self, conflict_id: str, choice: str, values: dict[str, Any] | None = None,
                         *, on_success: Callable[[Any], None] | None = None,
                         on_failure: Callable[[BaseException], None] | None = None,
                         initiator: object | None = None,
                         changes: Callable[[Any], ops.OpChanges] | None = None) -> SyncJob:
        """Settle a conflict through the server (:func:`fieldapp.sync.conflicts.resolve`)."""
        resolver = self._resolver
        if resolver is None:
            from fieldapp.sync.conflicts import resolve as resolver

        def fn(session: WorkerSession) -> Any:
            return resolver(session.db_engine, session.sync_engine().client, conflict_id, choice, values)

        return self.submit_sync_op(fn, changes or (lambda _r: SyncOpChanges(customers=True, sync=True, journal=True)),
                                   on_success, on_failure, initiator)

    def dismiss_conflict(self, conflict_id: str, *, discard_local_row: bool = False,
                         on_success: Callable[[Any], None] | None = None,
                         on_failure: Callable[[BaseException], None] | None = None,
                         initiator: object | None = None,
                         changes: Callable[[Any], ops.OpChanges] | None = None) -> SyncJob:
        """Close a refused change (:func:`fieldapp.sync.conflicts.dismiss`; local only)."""
        dismisser = self._dismisser
        if dismisser is None:
            from fieldapp.sync.conflicts import dismiss as dismisser

        def fn(session: WorkerSession) -> Any:
            return dismisser(session.db_engine, conflict_id, discard_local_row=discard_local_row)

        return self.submit_sync_op(fn, changes or (lambda _r: SyncOpChanges(customers=discard_local_row, sync=True)),
                                   on_success, on_failure, initiator)

    def shutdown(self) -> None:
        """Stop timers, cancel the sync and stop the sync thread. Safe to call twice."""
        if self._shut_down:
            return
        self._shut_down = True
        self._interval_timer.stop()
        self._probe_timer.stop()
        if self._sync_job is not None:
            self._sync_job.cancel_event.set()
        if self._overview_job is not None:
            self._overview_job.cancel()
        self._network.stop()
        hub = ops.OperationHub._instance
        if hub is not None:
            try:
                hub.operation_did_execute.disconnect(self._on_operation)
            except (RuntimeError, TypeError):
                pass
        self.worker.shutdown()

    # --- reacting -------------------------------------------------------------------------------

    def _auto_sync(self, reason: str) -> None:
        if not self.auto_sync or self._shut_down or not self.configured or self.facts.demo:
            return
        if self._status.blocks_auto_sync:
            return  # waits for the user (sign in, update FieldApp, certificate)
        if reason == "timer" and self.facts.offline:
            self._restart_interval()
            return  # the probe finds out when the server is back
        self.sync_now(reason)

    def _on_progress(self, phase: str, done: int, total: object) -> None:
        if self._sync_job is None or self.facts.phase == "cancelling":
            return
        self.facts.phase, self.facts.done = phase, done
        self.facts.total = total if isinstance(total, int) else None
        self._update_status()

    def _on_sync_done(self, job: SyncJob) -> None:
        self._sync_job = None
        report = job.result if job.error is None else _failed_report(job.error)
        if job.error is not None:
            log.error("sync failed unexpectedly", exc_info=job.error)
        self.facts.running = False
        self.facts.phase = None
        self.facts.report = report
        kind = report.error_kind if report.status == "failed" else None
        if kind in OFFLINE_KINDS:
            self.facts.offline = True
            self._schedule_probe(getattr(report.error, "retry_after", None))
        elif kind not in RETRY_KINDS:  # cancelled or busy: what was known still holds
            self.facts.offline = False
            self.schedule.succeeded()
            self._probe_timer.stop()
        if report.status != "failed" and self.facts.overview is not None:
            # Until the overview is re-read, the report's counts are the freshest.
            self.facts.overview = _with_counts(self.facts.overview, report)
        changes = changes_of_report(report)
        self._update_status()
        self._restart_interval()
        self.sig_sync_finished.emit(report)
        if changes is not None:
            hub = ops.OperationHub._instance
            if hub is not None:
                hub.operation_did_execute.emit(changes, self)  # refreshes the overview too
        if changes is None:
            self.refresh_overview()

    def _schedule_probe(self, retry_after: float | None = None) -> None:
        if self._shut_down:
            return
        delay = self.schedule.failed()
        if retry_after:
            delay = max(delay, float(retry_after))
        self._probe_timer.start(int(delay * 1000))

    def _on_probe_done(self, job: SyncJob) -> None:
        self._probe_job = None
        ok = job.error is None
        self.sig_probe_finished.emit(ok)
        if ok:
            self.schedule.succeeded()
            self.facts.offline = False
            self._update_status()
            self._auto_sync("network")
            return
        error = job.error
        if isinstance(error, sync_errors.SyncError) and error.kind in ATTENTION_KINDS | {"not_configured"}:
            # Not a network problem: report it like a failed sync.
            self.facts.report = _failed_report(error)
            self.facts.offline = False
            self._update_status()
            return
        self._schedule_probe(getattr(error, "retry_after", None))

    def _on_network_reachable(self) -> None:
        """The OS says the network is back: probe now instead of waiting for the backoff."""
        if self.facts.offline and self._started:
            self._probe_timer.stop()
            self.probe_now()

    def _on_operation(self, changes: ops.OpChanges, initiator: object) -> None:
        if self._shut_down or not self._started:
            return
        if changes.journal or changes.profile or getattr(changes, "sync", False) or changes.customers:
            self.refresh_overview()

    def _restart_interval(self) -> None:
        self._interval_timer.stop()
        minutes = self.interval_minutes()
        if minutes > 0 and not self._shut_down:
            self._interval_timer.start(minutes * 60_000)

    def _update_status(self) -> None:
        status = derive_status(self.facts, self._status)
        if status != self._status:
            self._status = status
            self.sig_status_changed.emit(status)


def _with_counts(overview: SyncOverview, report: SyncReport) -> SyncOverview:
    from dataclasses import replace

    return replace(overview, pending=report.pending, open_conflicts=report.open_conflicts,
                   last_sync_at=report.finished_at or overview.last_sync_at, last_status=report.status)


class _NetworkWatch:
    """Calls ``callback`` when the OS reports the network reachable again, if Qt has a backend for it.

    Optional: without a backend the probe's backoff still finds the server.
    """

    def __init__(self, callback: Callable[[], None]):
        self._callback: Callable[[], None] | None = callback
        self._info: Any = None
        try:
            from PySide6.QtNetwork import QNetworkInformation

            if QNetworkInformation.instance() is None:
                QNetworkInformation.loadDefaultBackend()
            self._info = QNetworkInformation.instance()
            self._online = QNetworkInformation.Reachability.Online
            if self._info is not None:
                self._info.reachabilityChanged.connect(self._changed)
        except Exception:  # noqa: BLE001
            log.debug("no network information backend", exc_info=True)
            self._info = None

    def _changed(self, reachability: Any) -> None:
        if reachability == self._online and self._callback is not None:
            self._callback()

    def stop(self) -> None:
        self._callback = None
        if self._info is not None:
            try:
                self._info.reachabilityChanged.disconnect(self._changed)
            except (RuntimeError, TypeError):
                pass
            self._info = None
