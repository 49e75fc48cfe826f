"""What the load and fault benchmarks share: an archive served by `lcdb-tap serve` in its own
process, as an operator runs it, on a throw-away embedded database.

The service runs in a separate process so that the load generator's CPU and the server's are
not one interpreter, the server's memory can be read from /proc, and it can be killed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from lcdb import migrate
from lcdb.embedded import EmbeddedPostgres, temporary_server

#: A small archive: `targets` positioned targets, each with `per_target` lightcurves of 100
#: samples, on one TESS mission.
FILL = """
INSERT INTO lcdb.mission (id, name, time_unit, time_epoch, time_epoch_scale,
                          time_epoch_format, time_format_name)
VALUES (gen_random_uuid(), 'TESS', 'd', 2457000, 'tdb', 'jd', 'btjd');
INSERT INTO lcdb.mission_catalog (host_mission_id, name) SELECT id, 'TIC' FROM lcdb.mission;
SELECT setseed(0.25);
INSERT INTO lcdb.target (catalog_id, name, ra, dec, magnitude)
SELECT c.id, 1000000000 + g, 360 * random(), degrees(asin(2 * random() - 1)), 6 + 10 * random()
FROM lcdb.mission_catalog c, generate_series(1, %(targets)s) g;
INSERT INTO lcdb.instrument (id, name) VALUES (gen_random_uuid(), 'CCD');
INSERT INTO lcdb.observation (type, cadence_reference, instrument_id)
SELECT 'observation', '{1}', i.id FROM lcdb.instrument i, generate_series(1, %(per_target)s);
INSERT INTO lcdb.photometric_source (name) VALUES ('aperture');
INSERT INTO lcdb.dataset (target_id, observation_id, photometric_method_id, "values", errors)
SELECT t.id, o.id, (SELECT min(id) FROM lcdb.photometric_source),
       array_fill(1.0::float8, ARRAY[100]), array_fill(0.01::float8, ARRAY[100])
FROM lcdb.target t CROSS JOIN lcdb.observation o;
"""


@dataclass
class ServiceProcess:
    """A running `lcdb-tap serve` and the database it serves."""

    database: EmbeddedPostgres
    port: int
    jobs: Path
    argv: list[str]
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/tap"

    def rss_mb(self) -> float:
        return _status_kb(self.process.pid, "VmRSS:") / 1024

    def peak_rss_mb(self) -> float:
        return _status_kb(self.process.pid, "VmHWM:") / 1024

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def restart(self) -> None:
        """Start the service again (after `kill`), on the same port and database."""
        self.process = _spawn(self.argv, self.log)
        wait_listening(self.port, self.process)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _status_kb(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(key):
                return int(line.split()[1])
    return 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the service exited with status {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the service did not start listening")


def _spawn(argv: Sequence[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(list(argv), stdout=out, stderr=subprocess.STDOUT)


@contextmanager
def service_process(
    *, targets: int = 20_000, per_target: int = 5, flags: Sequence[str] = ()
) -> Iterator[ServiceProcess]:
    with temporary_server("lcdb-bench-") as database, tempfile.TemporaryDirectory() as scratch:
        url = database.url()
        migrate.upgrade(url)
        fill = FILL.replace("%(targets)s", str(targets)).replace("%(per_target)s", str(per_target))
        with psycopg.connect(database.libpq_url(), autocommit=True) as conn:
            conn.execute(fill)
            conn.execute("VACUUM ANALYZE")
        jobs = Path(scratch) / "jobs"
        port = free_port()
        argv = [
            sys.executable,
            "-m",
            "tap_service.cli",
            "--database-url",
            url,
            "serve",
            "--port",
            str(port),
            "--async-dir",  # not the user's LCDB_HOME
            str(jobs),
            *flags,
        ]
        log = Path(scratch) / "service.log"
        process = _spawn(argv, log)
        served = ServiceProcess(database, port, jobs, argv, process, log)
        try:
            wait_listening(port, process)
            yield served
        finally:
            served.stop()
            if os.environ.get("BENCH_SHOW_LOG"):
                print(log.read_text()[-5000:])
