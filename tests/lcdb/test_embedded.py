"""The embedded server's life cycle, as the CLI and the service use it."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from lcdb.embedded import SERVICE_ACCOUNT, EmbeddedPostgres


@pytest.fixture
def home() -> Iterator[Path]:
    # Not pytest's tmp_path: as root, the server's account must be able to enter the directory.
    path = Path(tempfile.mkdtemp(prefix="lcdb-embedded-"))
    yield path
    EmbeddedPostgres(path).stop()
    shutil.rmtree(path, ignore_errors=True)


def test_start_status_stop(home: Path) -> None:
    server = EmbeddedPostgres(home, durable=False)
    assert not server.status().initialised
    assert server.start() is True
    state = server.status()
    assert state.running and state.pid is not None
    assert server.start() is False  # already running: a second start is harmless
    with psycopg.connect(server.libpq_url()) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("lcdb",)
        assert conn.info.server_version >= 150000
    assert server.stop() is True
    assert not server.status().running
    assert server.status().initialised
    assert server.stop() is False


def test_data_survives_a_restart(home: Path) -> None:
    server = EmbeddedPostgres(home)
    server.start()
    with psycopg.connect(server.libpq_url(), autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (x int)")
        conn.execute("INSERT INTO kept VALUES (42)")
    server.stop()
    server.start()
    with psycopg.connect(server.libpq_url()) as conn:
        assert conn.execute("SELECT x FROM kept").fetchone() == (42,)


def test_running_stops_only_a_server_it_started(home: Path) -> None:
    server = EmbeddedPostgres(home, durable=False)
    with server.running():
        assert server.status().running
    assert not server.status().running
    server.start()
    with server.running():
        assert server.status().running
    assert server.status().running  # started outside the block: left running


def test_socket_is_private_and_no_tcp_port_is_open(home: Path) -> None:
    server = EmbeddedPostgres(home, durable=False)
    server.start()
    assert (server.socket_dir.stat().st_mode & 0o077) in (
        0,
        0o001,
    )  # owner only (+ traverse as root)
    with psycopg.connect(server.libpq_url()) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone() == ("",)


def test_long_home_paths_get_a_short_socket_directory(home: Path) -> None:
    deep = home / ("x" * 60) / ("y" * 60)
    server = EmbeddedPostgres(deep, durable=False)
    assert len(str(server.socket_dir)) < 100
    server.start()
    try:
        with psycopg.connect(server.libpq_url()) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        server.stop()


@pytest.mark.skipif(os.geteuid() != 0, reason="only a root run can switch to another user")
def test_works_for_an_unprivileged_user(home: Path) -> None:
    """The whole life cycle in a child process that has dropped to `nobody`: a normal user.

    A forked child keeps the modules this process already imported, so it needs no access to
    the Python installation, only to the server binaries (as any user's own install has).
    """
    import json
    import pwd

    from lcdb.embedded import _grant_traverse, binaries

    nobody = pwd.getpwnam("nobody")
    home.chmod(0o711)  # mkdtemp made it private to root
    user_home = home / "user"
    user_home.mkdir()
    os.chown(user_home, nobody.pw_uid, nobody.pw_gid)
    _grant_traverse(binaries())
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never return into pytest
        code = 1
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            server = EmbeddedPostgres(user_home, durable=False)
            server.start()
            with psycopg.connect(server.libpq_url()) as conn:
                user = conn.execute("SELECT current_user").fetchone()
            server.stop()
            report = {"user": user[0] if user else None, "running": server.status().running}
            os.write(write_end, json.dumps(report).encode())
            code = 0
        except BaseException:  # report anything to the parent, which asserts
            import traceback

            os.write(write_end, json.dumps({"error": traceback.format_exc()}).encode())
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        report = json.loads(pipe.read() or "{}")
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, report
    assert report == {"user": "postgres", "running": False}
    assert (user_home / "pgdata").stat().st_uid == nobody.pw_uid


@pytest.mark.skipif(
    os.geteuid() != 0, reason="the service account is used only when running as root"
)
def test_root_runs_the_server_as_the_service_account(home: Path) -> None:
    import pwd

    server = EmbeddedPostgres(home, durable=False)
    server.start()
    owner = pwd.getpwuid(server.pgdata.stat().st_uid).pw_name
    assert owner == SERVICE_ACCOUNT
    pid = server.status().pid
    assert pid is not None
    assert pwd.getpwuid(os.stat(f"/proc/{pid}").st_uid).pw_name == SERVICE_ACCOUNT
