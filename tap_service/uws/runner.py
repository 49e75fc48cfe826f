"""The worker pool: runs QUEUED jobs, writes their results, cancels them for real on ABORT.

`Runner` owns a few threads: `async_workers` workers that take the oldest QUEUED job from
the database (so queued jobs survive a restart), and a monitor that stops jobs aborted or
deleted through any service process, destroys jobs at their destruction time and fails jobs
whose service process died. A job runs exactly like a sync query (`tap_service.query`), with
the job's execution duration as its time limit; its result is written to `result.part` in
the job's directory and renamed to `result` when complete, so a half-written file is never
served. ABORT cancels the running statement in PostgreSQL (libpq cancel request).

While it lives, a runner holds a PostgreSQL advisory lock on its own key, on a connection of
its own; an EXECUTING job records that key. When the process dies the lock goes with it, and
the next sweep of any runner (or the restarted service) marks the job ERROR, saying why. The
same connection LISTENs for the store's notifications of changed jobs and passes them to
`notify` (which wakes the requests blocked in WAIT on them).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import psycopg
from sqlalchemy import Engine

from tap_service import memory, query
from tap_service.errors import JobNotFound, QueryTimeout, ServiceUnavailable, TAPError
from tap_service.execute import Release
from tap_service.outage import reason, unavailable
from tap_service.params import TapRequest, parse_tap_request
from tap_service.query import QueryContext
from tap_service.settings import Settings
from tap_service.uploads.parts import load_parts
from tap_service.uws.model import Job, Phase
from tap_service.uws.store import CHANNEL, LOCK_CLASS, JobStore

log = logging.getLogger(__name__)

RESULT = "result"
#: Names the database whose jobs a directory holds; directories of other jobs are never removed.
MARKER = ".lcdb-database"
#: How often the monitor looks for jobs to stop, and idle workers for queued jobs.
TICK = 0.5
POLL = 2.0
#: Seconds between attempts to reach a database that went away (to record a job's end, to
#: take the runner's lock again).
RETRY = 1.0
STOPPED_MESSAGE = (
    "the service stopped while this job was executing (it was shut down or failed); "
    "the query did not finish: run the job again"
)


class Aborted(Exception):
    """The job was aborted, deleted or destroyed while it ran: record nothing."""


class Running:
    """A job being executed here: its database connection, while the query holds one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connection: psycopg.Connection[tuple[object, ...]] | None = None
        self.cancelled = False

    def attach(self, connection: psycopg.Connection[tuple[object, ...]]) -> Release:
        with self._lock:
            if self.cancelled:
                raise Aborted
            self._connection = connection
        return self._detach

    def _detach(self) -> None:
        with self._lock:
            self._connection = None

    def cancel(self) -> None:
        """Stop the job; a statement running in PostgreSQL is cancelled there."""
        with self._lock:
            self.cancelled = True
            if self._connection is not None:
                try:
                    self._connection.cancel_safe(timeout=10)
                except (psycopg.Error, OSError):
                    log.warning("could not cancel a job's query", exc_info=True)


#: The context a job's query runs with (the service's `query_context`), given its time limit.
Contexts = Callable[[TapRequest, float, str | None, Mapping[str, bytes]], QueryContext]


class Runner:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        contexts: Contexts,
        notify: Callable[[str | None], None],
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.contexts = contexts
        self.store = JobStore(engine)
        self.directory = settings.jobs_directory
        self.notify = notify
        self.key = secrets.randbelow(2**31 - 1) + 1
        self._running: dict[str, Running] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock_connection: psycopg.Connection[tuple[object, ...]] | None = None

    # -- life cycle ------------------------------------------------------------------------------

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._hold_key()
        self.sweep()
        self._remove_orphan_directories()
        for number in range(self.settings.async_workers):
            self._spawn(self._work, f"uws-worker-{number}")
        self._spawn(self._monitor, "uws-monitor")
        self._spawn(self._listen, "uws-listener")

    def stop(self) -> None:
        """Stop taking jobs; running ones are cancelled and end in ERROR, saying why."""
        self._stopping.set()
        self._wake.set()
        with self._lock:
            running = list(self._running.values())
        for job in running:
            job.cancel()
        for thread in self._threads:
            thread.join(timeout=30)
        if self._lock_connection is not None:  # releases the advisory lock
            self._lock_connection.close()

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _hold_key(self) -> None:
        """Take the runner's advisory lock (its own key again, if free) and LISTEN."""
        url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        connection: psycopg.Connection[tuple[object, ...]] = psycopg.connect(
            url, autocommit=True, connect_timeout=10
        )
        while True:
            taken = connection.execute(
                "SELECT pg_try_advisory_lock(%s, %s)", (LOCK_CLASS, self.key)
            ).fetchone()
            if taken and taken[0]:
                break
            self.key = secrets.randbelow(2**31 - 1) + 1
        connection.execute(f"LISTEN {CHANNEL}")
        self._lock_connection = connection

    # -- what clients trigger ------------------------------------------------------------------

    def wake(self) -> None:
        """A job was queued: an idle worker takes it now rather than at its next poll."""
        self._wake.set()

    def cancel(self, job_id: str) -> None:
        """Stop `job_id` if it runs here (other processes' monitors notice it themselves)."""
        with self._lock:
            running = self._running.get(job_id)
        if running is not None:
            running.cancel()

    def discard(self, job_id: str) -> None:
        """Remove a job's files."""
        shutil.rmtree(self.directory / job_id, ignore_errors=True)

    def result_path(self, job_id: str) -> Path:
        return self.directory / job_id / RESULT

    # -- threads -------------------------------------------------------------------------------

    def _work(self) -> None:
        while not self._stopping.is_set():
            try:
                job = self.store.claim(self.key)
            except Exception as exc:
                if unavailable(exc) is None:
                    log.exception("could not take a queued job")
                else:
                    log.warning("cannot take queued jobs: %s", reason(exc))
                self._stopping.wait(POLL)
                continue
            if job is None:
                self._wake.wait(POLL)
                self._wake.clear()
                continue
            try:
                self._execute(job)
            except Exception:  # nothing may kill a worker
                log.exception("job %s failed in the worker", job.job_id)

    def _listen(self) -> None:
        """Pass the store's notifications (from every service process) to `notify`.

        When the database goes away this connection dies with the runner's lock: the
        listener then takes the lock and LISTENs again as soon as the database is back, and
        wakes every WAIT (notifications may have been missed meanwhile). Until then the
        monitor does not sweep, since this runner's own jobs would look orphaned.
        """
        while not self._stopping.is_set():
            connection = self._lock_connection
            try:
                if connection is None:
                    self._hold_key()
                    self.notify(None)
                    log.warning("the database is back: taking and running jobs again")
                    continue
                for message in connection.notifies(timeout=TICK):
                    self.notify(message.payload or None)
            except psycopg.Error as exc:
                if self._stopping.is_set():
                    return
                if connection is not None:
                    log.warning("lost the job runner's database connection: %s", reason(exc))
                    self._lock_connection = None
                    with contextlib.suppress(psycopg.Error):
                        connection.close()
                self._stopping.wait(RETRY)

    def _monitor(self) -> None:
        next_sweep = time.monotonic() + self.settings.sweep_interval
        while not self._stopping.wait(TICK):
            try:
                self._stop_vanished()
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + self.settings.sweep_interval
                    self.sweep()
            except Exception as exc:
                if unavailable(exc) is None:
                    log.exception("the job monitor failed; retrying")
                else:
                    log.warning("the job monitor cannot reach the database: %s", reason(exc))

    def _stop_vanished(self) -> None:
        """Cancel jobs running here that were aborted or deleted (possibly elsewhere)."""
        with self._lock:
            ids = list(self._running)
        if not ids:
            return
        alive = self.store.still_running(ids, self.key)
        for job_id in set(ids) - alive:
            self.cancel(job_id)

    def sweep(self) -> None:
        """Destroy expired jobs and fail the jobs of dead service processes."""
        if self._lock_connection is None:
            return  # our own lock is lost too: our running jobs would look orphaned
        now = dt.datetime.now(dt.UTC)
        for job_id in self.store.expired(now):
            with contextlib.suppress(JobNotFound):
                self.store.delete(job_id)
            self.cancel(job_id)
            self.discard(job_id)
        failed = self.store.fail_orphans(STOPPED_MESSAGE)
        for job_id in failed:
            log.warning("job %s was executing when its service process stopped", job_id)
            self.discard(job_id)

    def _remove_orphan_directories(self) -> None:
        """Remove directories of jobs that no longer exist (a crash between delete and rm).

        Only in a directory marked as this database's: pointed at a directory that holds
        another database's jobs, the service must not delete them.
        """
        marker = self.directory / MARKER
        database = self.engine.url.set(password=None).render_as_string(hide_password=True)
        if not marker.exists():
            marker.write_text(database + "\n")
        if marker.read_text().strip() != database:
            log.warning(
                "%s holds results of another database (%s); leaving its files alone",
                self.directory,
                marker.read_text().strip(),
            )
            return
        names = [p.name for p in self.directory.iterdir() if p.is_dir()]
        known = self.store.existing(names)
        for name in names:
            if name not in known:
                self.discard(name)

    # -- one job -------------------------------------------------------------------------------

    def _execute(self, job: Job) -> None:
        running = Running()
        with self._lock:
            self._running[job.job_id] = running
        if self._stopping.is_set():  # claimed while `stop` was collecting the running jobs
            running.cancel()
        phase, error = Phase.COMPLETED, None
        result: tuple[str | None, int | None] = (None, None)
        try:
            result = self._produce(job, running)
        except Aborted:
            phase = Phase.ABORTED
        except TAPError as exc:
            phase, error = Phase.ERROR, self._message(job, exc)
        except Exception as exc:
            phase = Phase.ERROR
            lost = unavailable(exc)
            if lost is not None:
                error = self._message(job, lost)
            else:
                log.exception("job %s failed", job.job_id)
                error = f"internal error of the service ({type(exc).__name__}); please report it"
        finally:
            with self._lock:
                del self._running[job.job_id]
        if running.cancelled and self._stopping.is_set():
            phase, error = Phase.ERROR, STOPPED_MESSAGE
        elif running.cancelled:
            phase = Phase.ABORTED  # the store already says so; finish() records nothing
        recorded = phase is not Phase.ABORTED and self._record(
            job.job_id,
            phase,
            error=error,
            result_type=result[0],
            result_size=result[1],
        )
        if not recorded or phase is not Phase.COMPLETED:
            self.discard(job.job_id)
        with self._lock:
            idle = not self._running
        if idle:
            memory.trim()  # a large result's buffers, freed, go back to the system

    def _record(
        self,
        job_id: str,
        phase: Phase,
        *,
        error: str | None,
        result_type: str | None,
        result_size: int | None,
    ) -> bool:
        """`JobStore.finish`, retried while the database is away: a job's end is not lost.

        If the service stops before the database is back, the job stays EXECUTING under a
        key nobody holds, and the next sweep (of this service restarted, or of another
        process) marks it ERROR, saying the service stopped.
        """
        while True:
            try:
                return self.store.finish(
                    job_id,
                    self.key,
                    phase,
                    error=error,
                    result_type=result_type,
                    result_size=result_size,
                )
            except Exception as exc:
                if unavailable(exc) is None:
                    raise
                log.warning("cannot record the end of job %s yet: %s", job_id, reason(exc))
                if self._stopping.wait(RETRY):
                    return False

    def _produce(self, job: Job, running: Running) -> tuple[str, int]:
        request = parse_tap_request(job.parameters, self.settings)
        parts = load_parts(self.directory / job.job_id)
        context = self.contexts(request, self._time_limit(job), job.service_url, parts)
        answer = query.answer(context, request, started=running.attach)
        directory = self.directory / job.job_id
        part = directory / f"{RESULT}.part"
        try:
            directory.mkdir(parents=True, exist_ok=True)
            with part.open("wb") as handle:
                for chunk in answer.body:
                    if running.cancelled:
                        raise Aborted
                    handle.write(chunk)
        finally:
            answer.close()
        if running.cancelled:
            raise Aborted
        if answer.failure is not None:
            raise answer.failure
        os.replace(part, directory / RESULT)
        return answer.content_type, (directory / RESULT).stat().st_size

    def _time_limit(self, job: Job) -> float:
        limit = self.settings.async_timeout
        return min(float(job.execution_duration), limit) if job.execution_duration else limit

    def _message(self, job: Job, exc: TAPError) -> str:
        if isinstance(exc, ServiceUnavailable):
            return f"{exc.message}; the job did not finish: run it again"
        if isinstance(exc, QueryTimeout):
            return (
                f"the query ran longer than the job's execution duration "
                f"({self._time_limit(job):g} s) and was cancelled; narrow it (TOP, WHERE on "
                "indexed columns) or ask for a longer EXECUTIONDURATION "
                f"(at most {self.settings.async_timeout:g} s)"
            )
        return exc.message
