"""`lcdb-tap db ...` as a user types it: exit codes and messages."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from lcdb import migrate
from lcdb.embedded import EmbeddedPostgres
from tap_service.cli import main


@pytest.fixture
def lcdb_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = Path(tempfile.mkdtemp(prefix="lcdb-cli-"))
    monkeypatch.setenv("LCDB_HOME", str(home))
    monkeypatch.delenv("LCDB_DATABASE_URL", raising=False)
    yield home
    EmbeddedPostgres(home).stop()
    shutil.rmtree(home, ignore_errors=True)


def test_embedded_life_cycle(lcdb_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "status"]) == 3
    assert "not created yet" in capsys.readouterr().out
    assert main(["db", "start"]) == 0
    assert "embedded PostgreSQL started" in capsys.readouterr().out
    assert main(["db", "status"]) == 0
    assert "running" in capsys.readouterr().out
    assert main(["db", "url"]) == 0
    assert capsys.readouterr().out.strip() == EmbeddedPostgres(lcdb_home).libpq_url()
    assert main(["db", "current"]) == 0
    assert "no schema yet" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert f"revision {migrate.head()}" in capsys.readouterr().out
    assert main(["db", "stop"]) == 0
    assert "stopped" in capsys.readouterr().out
    assert main(["db", "status"]) == 3


def test_commands_start_the_embedded_server_on_demand_and_stop_it_again(
    lcdb_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "current"]) == 0
    assert capsys.readouterr().out.strip().endswith(f"{migrate.head()} (latest)")
    assert not EmbeddedPostgres(lcdb_home).status().running


def test_external_database_by_url(
    fresh_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = ["--database-url", fresh_database_url]
    assert main([*url, "db", "upgrade"]) == 0
    assert main([*url, "db", "current"]) == 0
    assert "(latest)" in capsys.readouterr().out
    assert main([*url, "db", "downgrade", "base"]) == 0
    assert "base (empty)" in capsys.readouterr().out
    assert main([*url, "db", "status"]) == 0
    assert "reachable" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--database-url", "nonsense", "db", "current"], "not a database URL"),
        (["--database-url", "mysql://u@h/d", "db", "upgrade"], "only PostgreSQL is supported"),
        (
            ["--database-url", "postgresql://nobody@127.0.0.1:1/x", "db", "upgrade"],
            "cannot connect",
        ),
        (["--database-url", "postgresql://nobody@127.0.0.1:1/x", "db", "status"], "cannot connect"),
        (
            ["--database-url", "postgresql://nobody@127.0.0.1:1/x", "db", "start"],
            "manages the embedded server",
        ),
    ],
)
def test_failures_exit_non_zero_with_a_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("lcdb-tap: error: ")
    assert message in err


def test_unknown_revision_is_an_error(
    fresh_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--database-url", fresh_database_url, "db", "upgrade", "nosuchrev"]) == 1
    assert "nosuchrev" in capsys.readouterr().err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["db"])
    assert raised.value.code == 2
    with pytest.raises(SystemExit) as raised:
        main(["db", "downgrade"])
    assert raised.value.code == 2


def test_console_script_runs_as_a_program() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tap_service.cli", "--database-url", "nonsense", "db", "current"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 1
    assert "not a database URL" in result.stderr


def test_serve_starts_the_embedded_database_serves_tap_and_stops_cleanly(lcdb_home: Path) -> None:
    """`lcdb-tap serve` as a user runs it: a real process, a real port, Ctrl-C to stop."""
    import os
    import signal
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "tap_service.cli", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "LCDB_HOME": str(lcdb_home)},
    )
    try:
        deadline = time.monotonic() + 120
        body = b""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/tap/availability", timeout=5
                ) as response:
                    body = response.read()
                break
            except OSError:
                if process.poll() is not None:
                    break
                time.sleep(0.2)
        assert b"<vosi:available>true</vosi:available>" in body
        assert EmbeddedPostgres(lcdb_home).status().running
        assert (lcdb_home / "jobs").is_dir()  # async results: under LCDB_HOME by default
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert f"serving TAP on http://127.0.0.1:{port}/tap" in output
    assert not EmbeddedPostgres(lcdb_home).status().running


def test_serve_takes_the_database_url_before_or_after_the_command() -> None:
    from tap_service.cli import build_parser

    parser = build_parser()
    assert (
        parser.parse_args(["serve", "--database-url", "postgresql://a/b"]).database_url
        == "postgresql://a/b"
    )
    assert (
        parser.parse_args(["--database-url", "postgresql://x/y", "serve"]).database_url
        == "postgresql://x/y"
    )
    assert parser.parse_args(["serve"]).database_url is None


def test_serve_refuses_a_database_that_is_not_migrated(
    fresh_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--database-url", fresh_database_url, "--port", "1"]) == 1
    assert "run `lcdb-tap db upgrade` first" in capsys.readouterr().err


def test_db_start_after_the_postmaster_was_killed(
    lcdb_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The report's case: kill -9 of the postmaster, then `lcdb-tap db start` must start it."""
    import os
    import signal
    import time

    import psycopg

    from lcdb import pgprocess

    assert main(["db", "start"]) == 0
    server = EmbeddedPostgres(lcdb_home)
    client = psycopg.connect(server.libpq_url(), autocommit=True)
    client.execute("CREATE TABLE kept AS SELECT 1 AS x")
    pid = server.status().pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    while pgprocess.member(pid, server.pgdata) is not None:
        time.sleep(0.02)
    capsys.readouterr()
    assert main(["db", "status"]) == 3
    assert "embedded PostgreSQL crashed" in capsys.readouterr().out
    assert main(["db", "start"]) == 0
    assert "embedded PostgreSQL started" in capsys.readouterr().out
    with psycopg.connect(server.libpq_url()) as conn:
        assert conn.execute("SELECT x FROM kept").fetchone() == (1,)
    client.close()
