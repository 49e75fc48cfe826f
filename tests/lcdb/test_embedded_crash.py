"""The embedded server after a crash: its postmaster killed (kill -9) under real clients.

A backend busy in a query notices its postmaster's death only when it next waits, so it lives
on as an orphan holding the shared memory; the postmaster itself may linger as a zombie (an
init that does not reap). The next start must clear exactly this data directory's leftovers,
start, and find the committed data; nothing of another server may be touched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from lcdb import pgprocess
from lcdb.embedded import PID_FILE, EmbeddedPostgres
from lcdb.supervise import INTERVAL, Watchdog

# CPU-bound for many seconds without ever waiting: its backend outlives its postmaster.
HEAVY = "SELECT count(*) FROM generate_series(1, 40000) AS a, generate_series(1, 40000) AS b"


def new_home() -> Path:
    # Not pytest's tmp_path: as root, the server's account must be able to enter the directory.
    home = Path(tempfile.mkdtemp(prefix="lcdb-crash-"))
    home.chmod(0o755)
    return home


@pytest.fixture
def homes() -> Iterator[list[Path]]:
    made: list[Path] = []
    yield made
    for home in made:
        EmbeddedPostgres(home).stop()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def server(homes: list[Path]) -> EmbeddedPostgres:
    homes.append(new_home())
    server = EmbeddedPostgres(homes[-1])  # durable: the data must survive the crash
    server.start()
    return server


@pytest.fixture
def scratch(homes: list[Path]) -> EmbeddedPostgres:
    """A non-durable server (faster), for the tests that check no data."""
    homes.append(new_home())
    scratch = EmbeddedPostgres(homes[-1], durable=False)
    scratch.start()
    return scratch


@pytest.fixture
def other(homes: list[Path]) -> EmbeddedPostgres:
    homes.append(new_home())
    other = EmbeddedPostgres(homes[-1], durable=False)
    other.start()
    return other


class Busy:
    """A connection running `HEAVY` in a thread; `pid` is its backend."""

    def __init__(self, server: EmbeddedPostgres) -> None:
        self.connection = psycopg.connect(server.libpq_url(), autocommit=True)
        self.pid = self.connection.info.backend_pid
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.active(server) and time.monotonic() < deadline:
            time.sleep(0.05)

    def _run(self) -> None:
        with contextlib.suppress(psycopg.Error):  # ended by the crash, recovery or test's end
            self.connection.execute(HEAVY)

    def active(self, server: EmbeddedPostgres) -> bool:
        with psycopg.connect(server.libpq_url(), autocommit=True) as probe:
            row = probe.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = %s AND state = 'active'",
                (self.pid,),
            ).fetchone()
        return bool(row and row[0])

    def close(self) -> None:
        if not self.connection.broken:
            self.connection.cancel_safe(timeout=5)
        self.thread.join(timeout=10)
        self.connection.close()


def kill_postmaster(server: EmbeddedPostgres) -> int:
    pid = server.status().pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while pgprocess.member(pid, server.pgdata) is not None and time.monotonic() < deadline:
        time.sleep(0.02)
    return pid


def answers(server: EmbeddedPostgres) -> bool:
    try:
        with psycopg.connect(server.libpq_url(), connect_timeout=2) as conn:
            return conn.execute("SELECT 1").fetchone() == (1,)
    except psycopg.OperationalError:
        return False


def test_start_after_kill_9_with_clients_connected_and_a_query_running(
    server: EmbeddedPostgres,
) -> None:
    with psycopg.connect(server.libpq_url(), autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (x int)")
        conn.execute("INSERT INTO kept SELECT generate_series(1, 1000)")
    idle = psycopg.connect(server.libpq_url(), autocommit=True)
    busy = Busy(server)
    killed = kill_postmaster(server)

    # the situation of the report: the orphan lives and holds the shared memory
    orphan = pgprocess.member(busy.pid, server.pgdata)
    assert orphan is not None and not orphan.is_postmaster
    assert (server.pgdata / PID_FILE).exists()
    assert not server.status().running

    assert server.start() is True
    state = server.status()
    assert state.running and state.pid not in (None, killed)
    assert pgprocess.member(busy.pid, server.pgdata) is None  # the orphan was ended
    with psycopg.connect(server.libpq_url()) as conn:
        assert conn.execute("SELECT count(*), sum(x) FROM kept").fetchone() == (1000, 500500)
    with pytest.raises(psycopg.OperationalError):  # the old session died with its server
        idle.execute("SELECT 1")
    idle.close()
    busy.close()


def test_db_stop_after_a_crash_ends_the_orphans(scratch: EmbeddedPostgres) -> None:
    busy = Busy(scratch)
    kill_postmaster(scratch)
    assert pgprocess.member(busy.pid, scratch.pgdata) is not None
    assert scratch.stop() is False  # nothing was running to stop ...
    assert pgprocess.members(scratch.pgdata) == []  # ... and nothing of it runs now
    assert not (scratch.pgdata / PID_FILE).exists()
    busy.close()
    assert scratch.start() is True and answers(scratch)


def test_recovery_touches_no_other_server(
    scratch: EmbeddedPostgres, other: EmbeddedPostgres
) -> None:
    other_pid = other.status().pid
    theirs = Busy(other)
    ours = Busy(scratch)
    kill_postmaster(scratch)
    assert scratch.start() is True
    assert pgprocess.member(ours.pid, scratch.pgdata) is None
    assert other.status().pid == other_pid
    assert theirs.active(other)  # its query still runs
    theirs.close()
    ours.close()


def test_a_running_server_is_not_disturbed(scratch: EmbeddedPostgres) -> None:
    pid = scratch.status().pid
    with psycopg.connect(scratch.libpq_url(), autocommit=True) as conn:
        backend = conn.info.backend_pid
        conn.execute("CREATE TEMPORARY TABLE session_state (x int)")
        assert scratch.start() is False
        assert scratch.ensure_running() is False
        assert EmbeddedPostgres(scratch.home).start() is False  # as another command would
        assert scratch.status().pid == pid
        assert conn.info.backend_pid == backend
        assert conn.execute("SELECT count(*) FROM session_state").fetchone() == (0,)


def test_a_postmaster_without_its_pid_file_is_running_not_killed(
    scratch: EmbeddedPostgres,
) -> None:
    pid = scratch.status().pid
    saved = (scratch.pgdata / PID_FILE).read_text()
    (scratch.pgdata / PID_FILE).unlink()
    try:
        assert scratch.status().pid == pid  # found by its working directory
        assert scratch.start() is False
        assert answers(scratch)
    finally:
        (scratch.pgdata / PID_FILE).write_text(saved)  # before PostgreSQL's minutely check


@pytest.mark.parametrize("pid_is", ["dead", "another program's"])
def test_a_stale_pid_file_does_not_stop_a_start(scratch: EmbeddedPostgres, pid_is: str) -> None:
    lines = (scratch.pgdata / PID_FILE).read_text().split("\n")
    assert scratch.stop() is True
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        if pid_is == "dead":
            bystander.kill()
            bystander.wait()  # reaped: nobody has this pid now
        (scratch.pgdata / PID_FILE).write_text("\n".join([str(bystander.pid), *lines[1:]]))
        assert not scratch.status().running
        assert scratch.start() is True
        assert answers(scratch)
        if pid_is != "dead":
            assert bystander.poll() is None  # never signalled
    finally:
        bystander.kill()
        bystander.wait()


def test_watchdog_brings_a_killed_server_back_within_5_s(server: EmbeddedPostgres) -> None:
    with psycopg.connect(server.libpq_url(), autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (x int)")
        conn.execute("INSERT INTO kept VALUES (7)")
    with Watchdog(server) as watchdog:
        client = psycopg.connect(server.libpq_url(), autocommit=True)
        busy = Busy(server)
        kill_postmaster(server)
        killed_at = time.monotonic()
        while not answers(server) and time.monotonic() - killed_at < 10:
            time.sleep(0.05)
        back_after = time.monotonic() - killed_at
        client.close()
        busy.close()
    assert back_after < 5, f"the server answered again only after {back_after:.1f} s"
    assert watchdog.restarts == 1  # counted once its restart returned (the block's end waits)
    with psycopg.connect(server.libpq_url()) as conn:
        assert conn.execute("SELECT x FROM kept").fetchone() == (7,)


def test_watchdog_leaves_a_clean_stop_alone(homes: list[Path]) -> None:
    homes.append(new_home())
    server = EmbeddedPostgres(homes[-1], durable=False)
    with server.running(supervise=True):
        EmbeddedPostgres(server.home).stop()  # `lcdb-tap db stop` from another shell
        time.sleep(5 * INTERVAL)
        assert not server.status().running
    assert not server.status().running


def test_running_with_supervision_stops_the_server_it_started(homes: list[Path]) -> None:
    homes.append(new_home())
    server = EmbeddedPostgres(homes[-1], durable=False)
    with server.running(supervise=True):
        kill_postmaster(server)
        deadline = time.monotonic() + 10
        while not answers(server) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert answers(server)
    assert not server.status().running
    assert pgprocess.members(server.pgdata) == []
    assert not (server.pgdata / PID_FILE).exists()
