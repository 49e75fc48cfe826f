"""Jobs in PostgreSQL (`lcdb_internal.uws_job`): every read and every phase change.

Phase changes run in one transaction holding the job's row lock (`SELECT ... FOR UPDATE`),
so a client's ABORT and a worker finishing the same job cannot both win: the worker records
its outcome only while the job is still EXECUTING under its own runner key. Workers take
QUEUED jobs with `FOR UPDATE SKIP LOCKED`, so several workers (or service processes) never
take the same job. All methods block; the HTTP routes call them in worker threads. Every
change of phase (or deletion) sends a NOTIFY on `CHANNEL` with the job id, delivered at
commit to every service process, to wake the requests blocked in WAIT on that job.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy import Engine

from lcdb.models.uws_job import UWSJob
from tap_service.errors import JobNotFound, PhaseConflict
from tap_service.uws.model import Action, Job, Phase, after

TABLE: sa.Table = UWSJob.__table__  # type: ignore[assignment]
C = TABLE.c
#: Namespace of our PostgreSQL advisory locks (two-key form: this, then a runner's key).
LOCK_CLASS = 0x55575331  # "UWS1"
#: NOTIFY channel: the payload is a job id whose phase changed (or that was deleted).
CHANNEL = "lcdb_uws_job"


def _job(row: sa.Row[object]) -> Job:
    m = row._mapping
    return Job(
        job_id=m["job_id"],
        run_id=m["run_id"],
        owner_id=m["owner_id"],
        phase=Phase(m["phase"]),
        creation_time=m["creation_time"],
        start_time=m["start_time"],
        end_time=m["end_time"],
        execution_duration=m["execution_duration"],
        destruction_time=m["destruction_time"],
        parameters=dict(m["parameters"]),
        error_message=m["error_message"],
        error_type=m["error_type"],
        result_type=m["result_type"],
        result_size=m["result_size"],
        service_url=m["service_url"],
    )


def _not_found(job_id: str) -> JobNotFound:
    return JobNotFound(f"no job {job_id!r}: it never existed, was deleted or has been destroyed")


class JobStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- clients -------------------------------------------------------------------------------

    def create(
        self,
        parameters: dict[str, list[str]],
        *,
        execution_duration: int,
        destruction_time: dt.datetime,
        phase: Phase = Phase.PENDING,
        service_url: str | None = None,
    ) -> Job:
        job_id = secrets.token_hex(8)
        with self.engine.begin() as conn:
            row = conn.execute(
                TABLE.insert()
                .values(
                    job_id=job_id,
                    run_id=_run_id(parameters),
                    phase=phase.value,
                    execution_duration=execution_duration,
                    destruction_time=destruction_time,
                    parameters=parameters,
                    service_url=service_url,
                )
                .returning(*TABLE.c)
            ).one()
        return _job(row)

    def get(self, job_id: str) -> Job:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(TABLE).where(C.job_id == job_id)).one_or_none()
        if row is None:
            raise _not_found(job_id)
        return _job(row)

    def list_jobs(
        self,
        *,
        phases: Sequence[Phase] = (),
        after_time: dt.datetime | None = None,
        last: int | None = None,
    ) -> list[Job]:
        """Jobs, newest first; by default every phase but ARCHIVED (UWS 1.1 §2.2.2.1)."""
        query = sa.select(TABLE).order_by(C.creation_time.desc(), C.job_id)
        if phases:
            query = query.where(C.phase.in_([p.value for p in phases]))
        else:
            query = query.where(C.phase != Phase.ARCHIVED.value)
        if after_time is not None:
            query = query.where(C.creation_time > after_time)
        if last is not None:
            query = query.limit(last)
        with self.engine.connect() as conn:
            return [_job(row) for row in conn.execute(query)]

    def act(self, job_id: str, action: Action) -> tuple[Job, Job]:
        """Apply RUN or ABORT; returns the job before and after."""
        with self.engine.begin() as conn:
            before = self._locked(conn, job_id)
            phase = after(before.phase, action)
            values: dict[str, object] = {"phase": phase.value}
            if phase is Phase.ABORTED and before.phase is not Phase.ABORTED:
                values["end_time"] = sa.func.now()
            row = conn.execute(
                TABLE.update().where(C.job_id == job_id).values(**values).returning(*TABLE.c)
            ).one()
            _notify(conn, job_id)
        return before, _job(row)

    def set_parameters(self, job_id: str, parameters: dict[str, list[str]]) -> Job:
        """Replace the values of the named parameters (others stay); PENDING jobs only."""
        with self.engine.begin() as conn:
            job = self._locked(conn, job_id)
            _require_pending(job, "change its parameters")
            merged = {**job.parameters, **parameters}
            row = conn.execute(
                TABLE.update()
                .where(C.job_id == job_id)
                .values(parameters=merged, run_id=_run_id(merged))
                .returning(*TABLE.c)
            ).one()
        return _job(row)

    def set_execution_duration(self, job_id: str, seconds: int) -> Job:
        with self.engine.begin() as conn:
            _require_pending(self._locked(conn, job_id), "change its execution duration")
            return self._update(conn, job_id, execution_duration=seconds)

    def set_destruction(self, job_id: str, when: dt.datetime) -> Job:
        with self.engine.begin() as conn:
            self._locked(conn, job_id)
            return self._update(conn, job_id, destruction_time=when)

    def delete(self, job_id: str) -> Job:
        with self.engine.begin() as conn:
            row = conn.execute(
                TABLE.delete().where(C.job_id == job_id).returning(*TABLE.c)
            ).one_or_none()
            _notify(conn, job_id)
        if row is None:
            raise _not_found(job_id)
        return _job(row)

    # -- workers -------------------------------------------------------------------------------

    def claim(self, runner_key: int) -> Job | None:
        """The oldest QUEUED job, now EXECUTING under `runner_key`; None if there is none."""
        oldest = (
            sa.select(C.job_id)
            .where(C.phase == Phase.QUEUED.value)
            .order_by(C.creation_time)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        with self.engine.begin() as conn:
            row = conn.execute(
                TABLE.update()
                .where(C.job_id == oldest)
                .values(
                    phase=Phase.EXECUTING.value, start_time=sa.func.now(), runner_key=runner_key
                )
                .returning(*TABLE.c)
            ).one_or_none()
            if row is not None:
                _notify(conn, row.job_id)
        return None if row is None else _job(row)

    def finish(
        self,
        job_id: str,
        runner_key: int,
        phase: Phase,
        *,
        error: str | None = None,
        result_type: str | None = None,
        result_size: int | None = None,
    ) -> bool:
        """Record how an EXECUTING job ended; False if it was aborted or deleted meanwhile."""
        with self.engine.begin() as conn:
            updated = conn.execute(
                TABLE.update()
                .where(
                    C.job_id == job_id,
                    C.phase == Phase.EXECUTING.value,
                    C.runner_key == runner_key,
                )
                .values(
                    phase=phase.value,
                    end_time=sa.func.now(),
                    runner_key=None,
                    error_message=error,
                    error_type="fatal" if error is not None else None,
                    result_type=result_type,
                    result_size=result_size,
                )
            ).rowcount
            _notify(conn, job_id)
        return bool(updated)

    def still_running(self, job_ids: Iterable[str], runner_key: int) -> set[str]:
        """Which of `job_ids` are still EXECUTING under `runner_key` (the others: stop them)."""
        ids = list(job_ids)
        if not ids:
            return set()
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(C.job_id).where(
                    C.job_id.in_(ids),
                    C.phase == Phase.EXECUTING.value,
                    C.runner_key == runner_key,
                )
            )
            return {row[0] for row in rows}

    def expired(self, now: dt.datetime) -> list[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(C.job_id).where(C.destruction_time <= now))
            return [row[0] for row in rows]

    def existing(self, job_ids: Iterable[str]) -> set[str]:
        ids = list(job_ids)
        if not ids:
            return set()
        with self.engine.connect() as conn:
            return {row[0] for row in conn.execute(sa.select(C.job_id).where(C.job_id.in_(ids)))}

    def fail_orphans(self, message: str) -> list[str]:
        """EXECUTING jobs whose runner is gone (its advisory lock is free) become ERROR.

        A live runner holds `pg_advisory_lock(LOCK_CLASS, key)` on a connection of its own for
        as long as it runs; PostgreSQL releases it when that process dies, however it died.
        """
        failed: list[str] = []
        with self.engine.begin() as conn:
            keys = conn.execute(
                sa.select(C.runner_key).where(C.phase == Phase.EXECUTING.value).distinct()
            ).scalars()
            for key in list(keys):
                if key is not None and not _lock_is_free(conn, key):
                    continue
                rows = conn.execute(
                    TABLE.update()
                    .where(
                        C.phase == Phase.EXECUTING.value,
                        C.runner_key.is_(None) if key is None else C.runner_key == key,
                    )
                    .values(
                        phase=Phase.ERROR.value,
                        end_time=sa.func.now(),
                        runner_key=None,
                        error_message=message,
                        error_type="transient",
                    )
                    .returning(C.job_id)
                )
                failed += [row[0] for row in rows]
            for job_id in failed:
                _notify(conn, job_id)
        return failed

    # -- helpers -------------------------------------------------------------------------------

    def _locked(self, conn: sa.Connection, job_id: str) -> Job:
        row = conn.execute(
            sa.select(TABLE).where(C.job_id == job_id).with_for_update()
        ).one_or_none()
        if row is None:
            raise _not_found(job_id)
        return _job(row)

    def _update(self, conn: sa.Connection, job_id: str, **values: object) -> Job:
        row = conn.execute(
            TABLE.update().where(C.job_id == job_id).values(**values).returning(*TABLE.c)
        ).one()
        return _job(row)


def _notify(conn: sa.Connection, job_id: str) -> None:
    conn.execute(sa.select(sa.func.pg_notify(CHANNEL, job_id)))


def _lock_is_free(conn: sa.Connection, key: int) -> bool:
    taken = conn.execute(sa.select(sa.func.pg_try_advisory_xact_lock(LOCK_CLASS, key))).scalar_one()
    return bool(taken)  # released with this transaction


def _require_pending(job: Job, what: str) -> None:
    if job.phase is not Phase.PENDING:
        raise PhaseConflict(
            f"cannot {what}: the job is {job.phase}, and only a PENDING job can be changed"
        )


def _run_id(parameters: dict[str, list[str]]) -> str | None:
    values = parameters.get("RUNID")
    return values[-1][:64] if values else None
