"""A service killed mid-job (kill -9) and started again: every job is still there, consistent.

The service runs as a real `lcdb-tap serve` process on a private database. Jobs in each
phase are left behind; after the restart the finished result is still served, the queued job
runs, the pending one waits, and the job that was executing is ERROR with a message saying
the service stopped (the documented choice), while its query no longer runs in PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.tap_service.uws.support import LONG_QUERY, UWS_NS, valid

FINISHED = {"COMPLETED", "ERROR", "ABORTED"}


class Service:
    def __init__(self, database_url: str, jobs: Path) -> None:
        self.database_url = database_url
        self.jobs = jobs
        self.process: subprocess.Popen[bytes] | None = None
        self.base = ""
        self.log = jobs.parent / "service.log"

    def start(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}/tap"
        command = [sys.executable, "-m", "tap_service.cli", "serve", "--database-url"]
        command += [self.database_url, "--port", str(port), "--async-dir", str(self.jobs)]
        command += ["--async-workers", "1"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy()
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.log.read_text())
            try:
                if httpx.get(f"{self.base}/availability", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("the service did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)

    def submit(self, query: str, *, run: bool) -> str:
        data = {"LANG": "ADQL", "QUERY": query, **({"PHASE": "RUN"} if run else {})}
        response = httpx.post(f"{self.base}/async", data=data)
        assert response.status_code == 303, response.text
        return response.headers["location"].rsplit("/", 1)[1]

    def phase(self, job_id: str) -> str:
        return httpx.get(f"{self.base}/async/{job_id}/phase").text

    def wait_for(self, job_id: str, phases: set[str], timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while (current := self.phase(job_id)) not in phases and time.monotonic() < deadline:
            time.sleep(0.05)
        return current


@pytest.fixture
def service(migrated_database_url: str, tmp_path: Path) -> Iterator[Service]:
    running = Service(migrated_database_url, tmp_path / "jobs")
    yield running
    running.stop()


def active_backends(database_url: str, marker: str) -> int:
    url = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE %s"
            " AND pid <> pg_backend_pid()",
            (f"%{marker}%",),
        ).fetchone()
    return int(row[0]) if row else 0


def test_killed_service_restarts_with_consistent_jobs(service: Service) -> None:
    service.start()
    marker = f"restart_probe_{uuid.uuid4().hex[:8]}"
    done = service.submit("SELECT TOP 2 table_name FROM TAP_SCHEMA.tables", run=True)
    assert service.wait_for(done, FINISHED) == "COMPLETED"
    result_before = httpx.get(f"{service.base}/async/{done}/results/result").content
    executing = service.submit(LONG_QUERY.format(marker=marker), run=True)
    assert service.wait_for(executing, {"EXECUTING"}) == "EXECUTING"
    queued = service.submit("SELECT TOP 1 schema_name FROM TAP_SCHEMA.schemas", run=True)
    assert service.phase(queued) == "QUEUED"  # the only worker is busy
    pending = service.submit("SELECT TOP 1 table_name FROM TAP_SCHEMA.tables", run=False)

    service.kill()
    deadline = time.monotonic() + 10
    while active_backends(service.database_url, marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert active_backends(service.database_url, marker) == 0, "the orphaned query still runs"

    service.start()
    listing = valid(httpx.get(f"{service.base}/async").content)
    listed = {ref.get("id") for ref in listing.iterfind("uws:jobref", UWS_NS)}
    assert {done, executing, queued, pending} <= listed
    assert service.phase(executing) == "ERROR"
    document = valid(httpx.get(f"{service.base}/async/{executing}").content)
    message = document.findtext("uws:errorSummary/uws:message", namespaces=UWS_NS)
    assert "the service stopped while this job was executing" in message
    assert httpx.get(f"{service.base}/async/{done}/results/result").content == result_before
    assert service.wait_for(queued, FINISHED) == "COMPLETED"
    assert service.phase(pending) == "PENDING"
    assert not list(service.jobs.glob("*/result.part"))


def test_jobs_queued_before_a_restart_run_however_late_the_startup_finishes(
    migrated_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job still QUEUED when the service starts is taken by a worker at once, in
    `Runner.start`: it must run, not fail because the rest of the service's startup has not
    finished yet. On a loaded machine the event loop resumes `Service.start` only after the
    worker got to the job; here that is forced by waiting in `Runner.start` for the job to end.
    """
    import dataclasses
    import datetime as dt

    from starlette.testclient import TestClient

    from lcdb.db import create_engine
    from tap_service.app import create_app
    from tap_service.uws.model import Phase
    from tap_service.uws.runner import Runner
    from tap_service.uws.store import JobStore
    from tests.service_fixtures import SERVICE_SETTINGS

    engine = create_engine(migrated_database_url)
    store = JobStore(engine)
    query = {"LANG": ["ADQL"], "QUERY": ["SELECT TOP 1 schema_name FROM TAP_SCHEMA.schemas"]}
    queued = store.create(
        query,
        execution_duration=60,
        destruction_time=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
        phase=Phase.QUEUED,
    ).job_id
    start = Runner.start

    def start_then_let_the_worker_run(runner: Runner) -> None:
        start(runner)
        deadline = time.monotonic() + 20
        while store.get(queued).phase.value not in FINISHED and time.monotonic() < deadline:
            time.sleep(0.05)

    monkeypatch.setattr(Runner, "start", start_then_let_the_worker_run)
    settings = dataclasses.replace(SERVICE_SETTINGS, async_dir=tmp_path / "jobs", async_workers=1)
    try:
        with TestClient(create_app(settings, migrated_database_url)) as client:
            document = valid(client.get(f"/tap/async/{queued}").content)
            message = document.findtext("uws:errorSummary/uws:message", namespaces=UWS_NS)
            assert document.findtext("uws:phase", namespaces=UWS_NS) == "COMPLETED", message
            assert client.get(f"/tap/async/{queued}/results/result").status_code == 200
    finally:
        engine.dispose()


def test_two_processes_share_jobs_and_abort_reaches_the_runner(
    service: Service, tmp_path: Path
) -> None:
    """A second service process on the same database leaves a live runner's job alone, wakes
    WAIT requests when the other process changes a job, and ABORT through it stops the query
    that the other process runs (its monitor notices and cancels it)."""
    import dataclasses
    import threading

    from starlette.testclient import TestClient

    from tap_service.app import create_app
    from tests.service_fixtures import SERVICE_SETTINGS

    service.start()
    marker = f"elsewhere_probe_{uuid.uuid4().hex[:8]}"
    executing = service.submit(LONG_QUERY.format(marker=marker), run=True)
    assert service.wait_for(executing, {"EXECUTING"}) == "EXECUTING"
    settings = dataclasses.replace(SERVICE_SETTINGS, async_dir=service.jobs)
    with TestClient(create_app(settings, service.database_url)) as other:
        url = f"/tap/async/{executing}"
        assert other.get(f"{url}/phase").text == "EXECUTING"  # not taken for a dead job
        aborter = threading.Timer(
            0.3, lambda: httpx.post(f"{service.base}{url[4:]}/phase", data={"PHASE": "ABORT"})
        )
        aborter.start()
        start = time.monotonic()
        waited = valid(other.get(url, params={"WAIT": "20"}).content)
        aborter.join()
        assert waited.findtext("uws:phase", namespaces=UWS_NS) == "ABORTED"
        assert time.monotonic() - start < 3  # woken by the other process's NOTIFY
    second = service.submit(LONG_QUERY.format(marker=marker + "_2"), run=True)
    assert service.wait_for(second, {"EXECUTING"}) == "EXECUTING"
    with TestClient(create_app(settings, service.database_url)) as other:
        aborted = other.post(
            f"/tap/async/{second}/phase", data={"PHASE": "ABORT"}, follow_redirects=False
        )
        assert aborted.status_code == 303
    deadline = time.monotonic() + 10
    while active_backends(service.database_url, marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert active_backends(service.database_url, marker) == 0, "the aborted query still runs"
    assert service.phase(second) == "ABORTED"
