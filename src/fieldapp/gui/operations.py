"""Operations: the one way the GUI reads and changes data.

Modelled on Anki's ``aqt.operations``:

- One :class:`DbWorker` thread runs every database call, one at a time, in the
  order submitted. SQLite allows one writer anyway, and a single worker means a
  save can never race a read of the same rows.
- :class:`QueryOp` reads (``fn(engine) -> result``) and hands the result to a
  callback on the UI thread. It announces nothing.
- :class:`CollectionOp` changes data. On success the :class:`OperationHub` emits
  ``operation_did_execute(changes, initiator)`` with an :class:`OpChanges` saying
  what changed; every view listens and refreshes itself, and may ignore changes
  it initiated itself.
- Factories (``save_customer(parent=..., customer=...)``) are keyword-only and
  return an op; call ``.run_in_background()`` on it.

Thread contract
---------------
- Everything public here is UI-thread only, except :meth:`ProgressRelay.report`
  and the ``fn`` callables, which run on the worker thread.
- ``fn`` receives the ``Engine`` and must not touch Qt objects or UI state; hand it
  copies of plain data (the factories copy entities for you).
- ``success``/``failure`` callbacks run on the UI thread, and are skipped when
  the op's ``parent`` QObject has been deleted meanwhile.
- Exceptions never crash the app: a failure callback decides, or the default
  shows a message box (see :func:`show_error`).
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget
from sqlalchemy import Engine

from fieldapp.core.entities import Customer
from fieldapp.core.messages import Message
from fieldapp.store import customers as store_customers
from fieldapp.store import journal as store_journal
from fieldapp.store.customers import CustomerInvalid, CustomerQuery
from fieldapp.store.db import write_transaction
from fieldapp.store.meta import is_demo_profile
from fieldapp.store.migrate import open_profile_database
from fieldapp.store.profile import Profile

from .dialogs import widen
from .i18n import render_message

log = logging.getLogger(__name__)

T = TypeVar("T")


# --- what changed -----------------------------------------------------------


@dataclass(frozen=True)
class OpChanges:
    """What a :class:`CollectionOp` changed, so views can decide whether to refresh.

    ``customer_ids`` narrows ``customers`` when known; an empty set with
    ``customers=True`` means "any customer may have changed" (e.g. demo data).
    """

    customers: bool = False
    customer_ids: frozenset[str] = field(default_factory=frozenset)
    journal: bool = False  # the sync outbox grew (the "waiting to sync" count)
    profile: bool = False  # profile-level facts such as the demo flag

    @property
    def anything(self) -> bool:
        return self.customers or self.journal or self.profile


@dataclass(frozen=True)
class ProfileStatus:
    """Facts the status bar and the first-start logic show."""

    customer_count: int
    pending_changes: int
    demo: bool


class NoDatabaseOpen(RuntimeError):
    """A job ran before :meth:`DbWorker.open_profile` succeeded."""


# --- the worker -------------------------------------------------------------


class Job:
    """One queued call on the DB worker. Created by :meth:`DbWorker.submit`.

    :meth:`cancel` (UI thread) drops the job if it has not started, and in any
    case suppresses its callbacks — how views drop stale queries.
    """

    __slots__ = ("fn", "on_done", "read_only", "_cancelled", "result", "error", "started")

    def __init__(self, fn: Callable[[Engine | None], Any], on_done: Callable[["Job"], None], read_only: bool):
        self.fn = fn
        self.on_done = on_done
        self.read_only = read_only
        self._cancelled = False
        self.result: Any = None
        self.error: BaseException | None = None
        self.started = False

    def cancel(self) -> None:
        self._cancelled = True

    @property
    def cancelled(self) -> bool:
        return self._cancelled


class DbWorker(QObject):
    """A single thread that runs database jobs in order and reports back on the UI thread.

    Create, submit and shut down on the UI thread. The engine is created on the
    worker (:meth:`open_profile`) or handed in (tests), and only the worker uses it.
    """

    # Emitted on the worker thread; the queued connection delivers it on the UI thread.
    _sig_job_done = Signal(object)
    #: Emitted on the UI thread after a job's callbacks ran (or were skipped). Tests wait on it.
    sig_job_finished = Signal()

    def __init__(self, engine: Engine | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._engine = engine
        self._jobs: deque[Job | None] = deque()
        self._wakeup = threading.Condition()
        self._stopping = False
        self._sig_job_done.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        # A daemon thread so a wedged job cannot keep the process alive after the
        # window closed; shutdown() still waits for queued writes to finish.
        self._thread = threading.Thread(target=self._run, name="fieldapp-db-worker", daemon=True)
        self._thread.start()

    # UI thread --------------------------------------------------------------

    def submit(self, fn: Callable[[Engine | None], Any], on_done: Callable[[Job], None], *,
               read_only: bool) -> Job:
        """Queue ``fn(engine)``; ``on_done(job)`` runs later on the UI thread with ``result``/``error`` set."""
        if self._stopping:
            raise RuntimeError("the DB worker is shut down")
        job = Job(fn, on_done, read_only)
        with self._wakeup:
            self._jobs.append(job)
            self._wakeup.notify()
        return job

    def open_profile(self, profile: Profile, on_done: Callable[[Job], None]) -> Job:
        """Open (inspect, back up, upgrade) the profile's database on the worker.

        ``job.error`` is a :class:`~fieldapp.store.migrate.DatabaseProblem` when
        the file must not be opened; it is then left untouched.
        """
        def open_it(_engine: Engine | None) -> str:
            engine = open_profile_database(profile)
            if self._engine is not None:
                self._engine.dispose()
            self._engine = engine  # only ever read on this worker thread
            return str(profile.db_path)

        return self.submit(open_it, on_done, read_only=False)

    def shutdown(self, timeout: float = 30.0) -> None:
        """Finish queued writes, drop queued reads, stop the thread and close the engine.

        Blocks the UI thread for at most ``timeout`` seconds: called once at exit,
        when finishing a save matters more than a responsive window.
        """
        if self._stopping:
            return
        self._stopping = True
        with self._wakeup:
            self._jobs.append(None)
            self._wakeup.notify()
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.error("DB worker did not stop within %.0f s; leaving it to the OS", timeout)
            return
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    # worker thread ----------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._wakeup:
                while not self._jobs:
                    self._wakeup.wait()
                job = self._jobs.popleft()
            if job is None:
                return
            if job.cancelled or (self._stopping and job.read_only):
                continue
            job.started = True
            try:
                job.result = job.fn(self._engine)
            except Exception as exc:  # handed to the UI thread, never lost
                job.error = exc
                log.debug("DB job failed", exc_info=True)
            if not self._stopping:
                self._sig_job_done.emit(job)

    # UI thread (queued) -----------------------------------------------------

    def _deliver(self, job: Job) -> None:
        try:
            if not job.cancelled:
                job.on_done(job)
        finally:
            self.sig_job_finished.emit()

    def engine_for_tests(self) -> Engine | None:
        """The engine, for test assertions made while the worker is idle. Not for app code."""
        return self._engine


def _engine(engine: Engine | None) -> Engine:
    if engine is None:
        raise NoDatabaseOpen("no database is open")
    return engine


class ProgressRelay(QObject):
    """Carries ``(done, total)`` progress from a worker job to the UI thread.

    Create it on the UI thread and connect ``progressed``; pass :meth:`report` to
    the long job. Reports are throttled so a tight loop cannot flood the event queue.
    """

    progressed = Signal(int, int)

    def __init__(self, parent: QObject | None = None, min_interval: float = 0.05):
        super().__init__(parent)
        self._min_interval = min_interval
        self._last = 0.0

    def report(self, done: int, total: int) -> None:
        """Worker thread. Emits at most every ``min_interval`` seconds, and always the last step."""
        now = time.monotonic()
        if done >= total or now - self._last >= self._min_interval:
            self._last = now
            self.progressed.emit(int(done), int(total))


# --- the hub ----------------------------------------------------------------


class OperationHub(QObject):
    """The app-wide worker plus the ``operation_did_execute`` signal views listen to.

    Exactly one exists while the app (or a GUI test) runs; ops find it with
    :meth:`instance`, the way Anki's ops find ``mw``. UI thread only.
    """

    #: (OpChanges, initiator) — emitted on the UI thread after a CollectionOp succeeded.
    operation_did_execute = Signal(object, object)

    _instance: "OperationHub | None" = None

    def __init__(self, worker: DbWorker, parent: QObject | None = None):
        super().__init__(parent)
        if OperationHub._instance is not None:
            raise RuntimeError("an OperationHub already exists; shut it down first")
        self.worker = worker
        OperationHub._instance = self

    @classmethod
    def instance(cls) -> "OperationHub":
        if cls._instance is None:
            raise RuntimeError("no OperationHub: the app (or test fixture) must create one")
        return cls._instance

    def shutdown(self) -> None:
        """Stop the worker (finishing queued writes) and unregister."""
        self.worker.shutdown()
        if OperationHub._instance is self:
            OperationHub._instance = None


# --- ops --------------------------------------------------------------------


def show_error(parent: QWidget | None, error: BaseException) -> None:
    """Default failure handler: a message box saying what went wrong. UI thread."""
    log.error("operation failed", exc_info=(type(error), error, error.__traceback__))
    expected = isinstance(getattr(error, "message", None), Message) or isinstance(error, CustomerInvalid)
    if isinstance(getattr(error, "message", None), Message):
        # DatabaseProblem, DemoError...: the message already says what happened and what to do.
        text = render_message(error.message)  # type: ignore[attr-defined]
    elif isinstance(error, CustomerInvalid):
        text = "\n".join(e.render(QCoreApplication.translate) for e in error.errors)
    else:
        text = QCoreApplication.translate(
            "Operations", "Something went wrong: {error}\n\nYour other data is safe. "
            "If this happens again, please tell IT.").format(error=error)
    box = QMessageBox(QMessageBox.Icon.Critical, "FieldApp", text,
                      QMessageBox.StandardButton.Ok, parent)
    widen(box)
    if not expected:
        box.setDetailedText("".join(traceback.format_exception(type(error), error, error.__traceback__)))
    box.exec()


def _alive(obj: QObject | None) -> bool:
    return obj is None or shiboken6.isValid(obj)


class QueryOp(Generic[T]):
    """Read something off the UI thread; ``success(result)`` runs on the UI thread."""

    def __init__(self, *, parent: QObject | None, op: Callable[[Engine], T], success: Callable[[T], None]):
        self._parent = parent
        self._op = op
        self._success = success
        self._failure: Callable[[BaseException], None] | None = None

    def failure(self, fn: Callable[[BaseException], None]) -> "QueryOp[T]":
        self._failure = fn
        return self

    def run_in_background(self) -> Job:
        """Queue the op. Keep the returned job to :meth:`Job.cancel` it when it goes stale."""
        op = self._op
        return OperationHub.instance().worker.submit(lambda engine: op(_engine(engine)), self._finished,
                                                     read_only=True)

    def _finished(self, job: Job) -> None:
        if not _alive(self._parent):
            return
        if job.error is not None:
            (self._failure or (lambda exc: show_error(_widget(self._parent), exc)))(job.error)
        else:
            self._success(job.result)


class CollectionOp(Generic[T]):
    """Change data off the UI thread, then announce the :class:`OpChanges` on the hub.

    On success: ``success(result)`` runs first (so the initiator's own state is
    current), then ``operation_did_execute(changes, initiator)`` is emitted.
    """

    def __init__(self, *, parent: QObject | None, op: Callable[[Engine], T], changes: Callable[[T], OpChanges]):
        self._parent = parent
        self._op = op
        self._changes = changes
        self._success: Callable[[T], None] | None = None
        self._failure: Callable[[BaseException], None] | None = None

    def success(self, fn: Callable[[T], None]) -> "CollectionOp[T]":
        self._success = fn
        return self

    def failure(self, fn: Callable[[BaseException], None]) -> "CollectionOp[T]":
        self._failure = fn
        return self

    def run_in_background(self, *, initiator: object | None = None) -> Job:
        op = self._op
        hub = OperationHub.instance()

        def finished(job: Job) -> None:
            if job.error is not None:
                if _alive(self._parent):
                    (self._failure or (lambda exc: show_error(_widget(self._parent), exc)))(job.error)
                else:
                    log.error("operation failed after its window closed", exc_info=job.error)
                return
            if self._success is not None and _alive(self._parent):
                self._success(job.result)
            # Views refresh even if the initiating widget is gone: the data did change.
            hub.operation_did_execute.emit(self._changes(job.result), initiator)

        return hub.worker.submit(lambda engine: op(_engine(engine)), finished, read_only=False)


def _widget(obj: QObject | None) -> QWidget | None:
    return obj if isinstance(obj, QWidget) else None


# --- factories: writes ------------------------------------------------------


def save_customer(*, parent: QObject | None, customer: Customer) -> CollectionOp[store_journal.WriteResult]:
    """Validate and save (insert or update) a customer, journaled for sync.

    Fails with :class:`~fieldapp.store.customers.CustomerInvalid` (nothing
    written) when the store rejects it, e.g. a duplicate customer code.
    """
    snapshot = replace(customer, tags=list(customer.tags))  # the UI may keep editing its copy

    def op(engine: Engine) -> store_journal.WriteResult:
        with write_transaction(engine) as conn:
            return store_customers.save_customer(conn, snapshot)

    def changes(result: store_journal.WriteResult) -> OpChanges:
        changed = result.op != "none"
        return OpChanges(customers=changed, customer_ids=frozenset({result.row_id}) if changed else frozenset(),
                         journal=result.seq is not None)

    return CollectionOp(parent=parent, op=op, changes=changes)


def delete_customer(*, parent: QObject | None, customer_id: str) -> CollectionOp[store_journal.WriteResult]:
    """Tombstone a customer (kept so the delete can sync); journaled."""
    def op(engine: Engine) -> store_journal.WriteResult:
        with write_transaction(engine) as conn:
            return store_customers.delete_customer(conn, customer_id)

    def changes(result: store_journal.WriteResult) -> OpChanges:
        changed = result.op != "none"
        return OpChanges(customers=changed, customer_ids=frozenset({customer_id}) if changed else frozenset(),
                         journal=result.seq is not None)

    return CollectionOp(parent=parent, op=op, changes=changes)


def load_demo_data(*, parent: QObject | None, generate: Callable[..., Any], customers: int, seed: int = 0,
                   progress: Callable[[int, int], None] | None = None,
                   cancel: threading.Event | None = None) -> CollectionOp[Any]:
    """Fill the (empty) profile with demo data using ``generate`` (``fieldapp.demo.generate_demo_profile``).

    ``progress`` is called on the worker thread (pass :meth:`ProgressRelay.report`);
    ``cancel`` is an Event the UI sets to ask the generator to stop.
    """
    def op(engine: Engine) -> Any:
        return generate(engine, customers, seed=seed, progress=progress,
                        cancel=(cancel.is_set if cancel is not None else None))

    return CollectionOp(parent=parent, op=op,
                        # Demo rows are deliberately not journaled (they never sync).
                        changes=lambda _result: OpChanges(customers=True, profile=True))


# --- factories: reads -------------------------------------------------------


def search_customers(*, parent: QObject | None, query: CustomerQuery,
                     success: Callable[[tuple[list[str], int]], None]) -> QueryOp[tuple[list[str], int]]:
    """The ordered ids matching ``query`` and the number of live customers in the profile."""
    def op(engine: Engine) -> tuple[list[str], int]:
        with engine.connect() as conn:
            return store_customers.search_customer_ids(conn, query), store_customers.count_customers(conn)

    return QueryOp(parent=parent, op=op, success=success)


def fetch_customer_rows(*, parent: QObject | None, ids: list[str],
                        success: Callable[[dict[str, dict[str, Any]]], None]) -> QueryOp[dict[str, dict[str, Any]]]:
    """The list columns of ``ids`` (a page of the table), keyed by id."""
    ids = list(ids)

    def op(engine: Engine) -> dict[str, dict[str, Any]]:
        with engine.connect() as conn:
            return store_customers.fetch_customer_rows(conn, ids)

    return QueryOp(parent=parent, op=op, success=success)


def get_customer(*, parent: QObject | None, customer_id: str,
                 success: Callable[[Customer | None], None]) -> QueryOp[Customer | None]:
    def op(engine: Engine) -> Customer | None:
        with engine.connect() as conn:
            return store_customers.get_customer(conn, customer_id)

    return QueryOp(parent=parent, op=op, success=success)


def customer_filter_options(*, parent: QObject | None,
                            success: Callable[[dict[str, list[str]]], None]) -> QueryOp[dict[str, list[str]]]:
    """Distinct classes, routes and tags for the filter boxes."""
    def op(engine: Engine) -> dict[str, list[str]]:
        with engine.connect() as conn:
            return store_customers.filter_options(conn)

    return QueryOp(parent=parent, op=op, success=success)


def profile_status(*, parent: QObject | None, success: Callable[[ProfileStatus], None]) -> QueryOp[ProfileStatus]:
    """Customer count, changes waiting to sync, and whether the profile holds demo data."""
    def op(engine: Engine) -> ProfileStatus:
        with engine.connect() as conn:
            return ProfileStatus(customer_count=store_customers.count_customers(conn),
                                 pending_changes=store_journal.pending_count(conn),
                                 demo=is_demo_profile(conn))

    return QueryOp(parent=parent, op=op, success=success)
