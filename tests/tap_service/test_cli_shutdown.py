"""`lcdb-tap serve` stopped as supervisors stop it: SIGTERM (systemd, Docker, Kubernetes) or Ctrl-C.

Real processes on a private LCDB_HOME: the service shuts down gracefully (its job runner ends
the executing job as ERROR, saying why), the embedded PostgreSQL it started is stopped (no
process of its data directory is left, nor its postmaster.pid), and the exit status is 0. A
server `lcdb-tap db start` had started is left running.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from lcdb import pgprocess
from lcdb.embedded import PID_FILE, EmbeddedPostgres
from tap_service.uws.runner import STOPPED_MESSAGE
from tests.tap_service.uws.support import LONG_QUERY

SIGNALS = [signal.SIGTERM, signal.SIGINT]


@pytest.fixture(scope="module")
def home() -> Iterator[Path]:
    """One LCDB_HOME for the module (one initdb); every test leaves its server stopped."""
    path = Path(tempfile.mkdtemp(prefix="lcdb-shutdown-"))
    path.chmod(0o755)  # as root, the server's account must be able to enter it
    yield path
    EmbeddedPostgres(path).stop()
    shutil.rmtree(path, ignore_errors=True)


class Serve:
    """`lcdb-tap serve` as a child process on `home`."""

    def __init__(self, home: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}/tap"
        env = {**os.environ, "LCDB_HOME": str(home)}
        env.pop("LCDB_DATABASE_URL", None)
        command = [sys.executable, "-m", "tap_service.cli", "serve", "--port", str(port)]
        self.process = subprocess.Popen(
            [*command, "--async-workers", "1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(f"{self.base}/availability", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        pytest.fail(f"the service did not start:\n{self.stop(signal.SIGKILL)[1]}")

    def stop(self, signum: int) -> tuple[int, str]:
        """Send `signum`; the exit status and the whole output."""
        self.process.send_signal(signum)
        try:
            output, _ = self.process.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            self.process.kill()
            output, _ = self.process.communicate()
            pytest.fail(f"still running 90 s after {signal.Signals(signum).name}:\n{output}")
        return self.process.returncode, output

    def submit(self, query: str) -> str:
        data = {"LANG": "ADQL", "QUERY": query, "PHASE": "RUN"}
        response = httpx.post(f"{self.base}/async", data=data)
        assert response.status_code == 303, response.text
        return str(response.headers["location"]).rsplit("/", 1)[1]

    def phase(self, job_id: str) -> str:
        return httpx.get(f"{self.base}/async/{job_id}/phase").text

    def wait_for(self, job_id: str, phase: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while (current := self.phase(job_id)) != phase and time.monotonic() < deadline:
            time.sleep(0.05)
        return current


def nothing_left(home: Path) -> None:
    pgdata = EmbeddedPostgres(home).pgdata
    assert pgprocess.members(pgdata) == []
    assert not (pgdata / PID_FILE).exists()


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_a_signal_shuts_down_cleanly_and_marks_the_executing_job(home: Path, signum: int) -> None:
    service = Serve(home)
    job = service.submit(LONG_QUERY.format(marker="shutdown_probe"))
    assert service.wait_for(job, "EXECUTING") == "EXECUTING"
    assert pgprocess.members(EmbeddedPostgres(home).pgdata)  # the server runs meanwhile
    started = time.monotonic()
    status, output = service.stop(signum)
    assert status == 0, output
    assert time.monotonic() - started < 30, output
    assert "Application shutdown complete" in output  # uvicorn's graceful shutdown ran
    nothing_left(home)

    again = Serve(home)
    try:
        assert again.phase(job) == "ERROR"
        document = httpx.get(f"{again.base}/async/{job}").text
        assert STOPPED_MESSAGE in document
    finally:
        status, output = again.stop(signal.SIGTERM)
    assert status == 0, output
    nothing_left(home)


def test_a_server_started_by_db_start_is_left_running(home: Path) -> None:
    server = EmbeddedPostgres(home)
    assert server.start() is True  # as `lcdb-tap db start` does
    try:
        pid = server.status().pid
        service = Serve(home)
        status, output = service.stop(signal.SIGTERM)
        assert status == 0, output
        assert server.status().pid == pid
    finally:
        server.stop()
    nothing_left(home)


def test_the_service_answers_again_after_the_embedded_postmaster_is_killed(home: Path) -> None:
    service = Serve(home)
    try:
        pid = EmbeddedPostgres(home).status().pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        while time.monotonic() - killed_at < 30:
            if EmbeddedPostgres(home).status().pid not in (None, pid):
                break
            time.sleep(0.05)
        back_after = time.monotonic() - killed_at
        assert back_after < 5, f"the embedded server ran again only after {back_after:.1f} s"
        query = {"LANG": "ADQL", "QUERY": "SELECT TOP 1 table_name FROM TAP_SCHEMA.tables"}
        while time.monotonic() - killed_at < 30:
            if httpx.get(f"{service.base}/sync", params=query).status_code == 200:
                break
            time.sleep(0.05)
        answered_after = time.monotonic() - killed_at
        assert answered_after < 5, f"the service answered only after {answered_after:.1f} s"
    finally:
        status, output = service.stop(signal.SIGTERM)
    assert status == 0, output
    assert "starting it again" in output
    nothing_left(home)
