"""Benchmark: how soon the embedded PostgreSQL answers again after a kill -9 of its postmaster.

Not a test: run ``python bench/embedded_crash.py [--rounds 5] [--rows 200000]``. A durable
server (as `lcdb-tap serve` runs it) in a temporary directory holds a table of `--rows` rows;
each round first restarts it cleanly (``stop`` + ``start``: the reference, measured in the same
run) and then kills its postmaster while a client runs a long query, with the watchdog of
`lcdb.supervise` running as under `serve`. Both times run until a new connection answers a
query. The target (issue #15) is under 5 s after the kill.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from contextlib import suppress
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg

from lcdb import pgprocess
from lcdb.embedded import EmbeddedPostgres
from lcdb.supervise import Watchdog

HEAVY = "SELECT count(*) FROM generate_series(1, 40000) AS a, generate_series(1, 40000) AS b"


def answered(server: EmbeddedPostgres, since: float, timeout: float = 60) -> float:
    """Seconds from `since` until a new connection answers a query."""
    while time.monotonic() - since < timeout:
        try:
            with psycopg.connect(server.libpq_url(), connect_timeout=2) as conn:
                conn.execute("SELECT count(*) FROM filler").fetchone()
                return time.monotonic() - since
        except psycopg.OperationalError:
            time.sleep(0.02)
    raise RuntimeError(f"no answer within {timeout} s")


def clean_restart(server: EmbeddedPostgres) -> float:
    started = time.monotonic()
    server.stop()
    server.start()
    return answered(server, started)


def crash(server: EmbeddedPostgres) -> float:
    busy = psycopg.connect(server.libpq_url(), autocommit=True)
    thread = threading.Thread(target=lambda: _quietly(busy), daemon=True)
    thread.start()
    time.sleep(0.3)
    with psycopg.connect(server.libpq_url(), autocommit=True) as conn:  # some fresh WAL
        conn.execute("UPDATE filler SET x = x + 1 WHERE x % 100 = 0")
    pid = server.status().pid
    assert pid is not None
    with Watchdog(server):
        killed = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        while pgprocess.member(pid, server.pgdata) is not None:
            time.sleep(0.005)
        seconds = answered(server, killed)
    thread.join(timeout=30)
    busy.close()
    return seconds


def _quietly(connection: psycopg.Connection[tuple[object, ...]]) -> None:
    with suppress(psycopg.Error):
        connection.execute(HEAVY)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="lcdb-bench-crash-"))
    home.chmod(0o755)
    server = EmbeddedPostgres(home)
    try:
        server.start()
        with psycopg.connect(server.libpq_url(), autocommit=True) as conn:
            conn.execute("CREATE TABLE filler AS SELECT generate_series(1, %s) AS x", (args.rows,))
        clean, crashed = [], []
        for number in range(1, args.rounds + 1):
            clean.append(clean_restart(server))
            crashed.append(crash(server))
            print(f"round {number}: clean restart {clean[-1]:.2f} s, kill -9 {crashed[-1]:.2f} s")
        reference, measured = statistics.median(clean), statistics.median(crashed)
        print(f"median clean restart (reference): {reference:.2f} s")
        print(f"median answer after kill -9:      {measured:.2f} s (worst {max(crashed):.2f} s)")
        print(f"ratio kill -9 / clean restart:    {measured / reference:.2f}")
        print(f"target under 5 s: {'met' if max(crashed) < 5 else 'MISSED'}")
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
