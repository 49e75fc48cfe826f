"""Faults an operator meets, each injected on purpose: is anything lost, how soon is it back?

    python bench/faults.py

`lcdb-tap serve` runs in its own process on its own embedded PostgreSQL (a throw-away
LCDB_HOME), as an operator runs it. In turn:

1. **kill -9 of the service mid-job**: jobs executing and queued; the service is killed and
   started again. Lost = a job that is missing or never reaches a final phase.
2. **database restart mid-query**: a sync query and a job are running when PostgreSQL is
   restarted (fast shutdown, then start). Prints what the client got, how the job ended,
   and seconds from the database being back to the service answering.
3. **client disconnect mid-stream**: a large result's client closes its socket after the
   first bytes; seconds until its query is gone from ``pg_stat_activity``.
4. **kill -9 of the embedded postmaster**: seconds until the service answers again, with no
   one restarting anything by hand.

Targets (issue #15): 0 jobs lost; answering within 5 s of the database being back, after a
kill -9 of the postmaster too; the backend query stops within 1 s of the disconnect.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psycopg

from lcdb.embedded import EmbeddedPostgres

sys.path.insert(0, str(Path(__file__).resolve().parent))
from service_process import FILL, free_port, wait_listening

SMALL = "SELECT TOP 1 name FROM lcdb.target"
#: Seconds of work per job: a self-join of the targets, counted.
JOB = (
    "SELECT COUNT(*) AS n FROM lcdb.target AS a JOIN lcdb.target AS b "
    "ON a.magnitude < b.magnitude WHERE a.name < 1000003000"
)
#: A sync query that runs for a long time in the database.
SLOW = (
    "SELECT COUNT(*) AS n FROM lcdb.target AS a JOIN lcdb.target AS b ON a.magnitude < b.magnitude"
)
LARGE = 'SELECT d.id, d."values", d.errors FROM lcdb.dataset AS d'
FINAL = {"COMPLETED", "ERROR", "ABORTED"}


class Service:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/tap"
        self.env = {**os.environ, "LCDB_HOME": str(home)}
        self.env.pop("LCDB_DATABASE_URL", None)
        self.log = home / "service.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.database = EmbeddedPostgres(home)

    def start(self) -> None:
        argv = [
            sys.executable,
            "-m",
            "tap_service.cli",
            "serve",
            "--port",
            str(self.port),
            "--maxrec-limit",
            "10000000",
            "--sync-timeout",
            "600",
        ]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(argv, env=self.env, stdout=out, stderr=out)
        wait_listening(self.port, self.process)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def postmaster(self) -> int:
        return int((self.database.pgdata / "postmaster.pid").read_text().split()[0])

    def answering_within(self, seconds: float) -> float | None:
        """Seconds until a sync query succeeds, or None after `seconds`."""
        start = time.monotonic()
        while time.monotonic() - start < seconds:
            try:
                response = httpx.post(
                    f"{self.base}/sync", data={"LANG": "ADQL", "QUERY": SMALL}, timeout=5
                )
                if response.status_code == 200:
                    return time.monotonic() - start
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        return None

    def create_job(self, query: str) -> str:
        response = httpx.post(
            f"{self.base}/async",
            data={"LANG": "ADQL", "QUERY": query, "PHASE": "RUN"},
            timeout=30,
        )
        assert response.status_code == 303, response.text
        return response.headers["location"].rsplit("/", 1)[1]

    def phase(self, job: str) -> str:
        response = httpx.get(f"{self.base}/async/{job}/phase", timeout=10)
        return (
            response.text.strip() if response.status_code == 200 else f"HTTP {response.status_code}"
        )

    def error(self, job: str) -> str:
        text = httpx.get(f"{self.base}/async/{job}/error", timeout=10).text
        start = text.find('value="ERROR">')
        return text[start + 14 : text.find("</INFO>", start)] if start >= 0 else text[:200]

    def settle(self, jobs: list[str], seconds: float) -> dict[str, str]:
        deadline = time.monotonic() + seconds
        phases = {job: self.phase(job) for job in jobs}
        while time.monotonic() < deadline and not all(p in FINAL for p in phases.values()):
            time.sleep(0.3)
            phases = {job: self.phase(job) for job in jobs}
        return phases


def wait_executing(service: Service, job: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while service.phase(job) != "EXECUTING":
        if time.monotonic() > deadline:
            raise RuntimeError(f"job {job} did not start")
        time.sleep(0.1)


def kill_service_mid_job(service: Service) -> int:
    running = [service.create_job(JOB) for _ in range(2)]
    queued = [service.create_job(SMALL) for _ in range(3)]
    wait_executing(service, running[0])
    service.kill()
    service.start()
    phases = service.settle(running + queued, 60)
    lost = [job for job, phase in phases.items() if phase not in FINAL]
    print("1. kill -9 of the service mid-job, then a restart:")
    for job in running:
        why = service.error(job) if phases[job] == "ERROR" else ""
        print(f"   executing job -> {phases[job]}: {why}")
    print(f"   queued jobs   -> {', '.join(phases[job] for job in queued)}")
    print(f"   jobs lost: {len(lost)}")
    return len(lost)


def restart_database_mid_query(service: Service) -> tuple[int, float | None]:
    job = service.create_job(JOB)
    wait_executing(service, job)
    outcome: dict[str, str] = {}

    def slow_query() -> None:
        try:
            response = httpx.post(
                f"{service.base}/sync", data={"LANG": "ADQL", "QUERY": SLOW}, timeout=120
            )
            text = response.text
            start = text.find('value="ERROR">')
            detail = text[start + 14 : text.find("</INFO>", start)] if start >= 0 else ""
            outcome["sync"] = f"HTTP {response.status_code} {detail}".strip()
        except httpx.HTTPError as exc:
            outcome["sync"] = type(exc).__name__

    thread = threading.Thread(target=slow_query)
    thread.start()
    time.sleep(1.0)
    service.database.stop()
    service.database.start()
    back = service.answering_within(30)
    thread.join()
    phases = service.settle([job], 30)
    print("2. database restart mid-query:")
    print(f"   sync query running meanwhile -> {outcome.get('sync')}")
    print(f"   job executing meanwhile -> {phases[job]}: {service.error(job)}")
    print(
        f"   service answering {back:.2f} s after the database was back"
        if back is not None
        else "   service NOT answering 30 s after the database was back"
    )
    return (0 if phases[job] in FINAL else 1), back


def kill_postmaster(service: Service) -> float | None:
    pid = service.postmaster()
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    back = service.answering_within(30)
    print("4. kill -9 of the embedded postmaster (nobody restarts it by hand):")
    if back is None:
        print("   service NOT answering 30 s later")
    else:
        print(f"   service answering {time.monotonic() - killed:.2f} s after the kill")
    return back


def disconnect_mid_stream(service: Service) -> float | None:
    """Seconds from closing the socket to the query leaving pg_stat_activity."""
    body = str(
        httpx.QueryParams(
            {"LANG": "ADQL", "RESPONSEFORMAT": "csv", "MAXREC": "10000000", "QUERY": LARGE}
        )
    )
    connection = socket.create_connection(("127.0.0.1", service.port))
    connection.sendall(
        f"POST /tap/sync HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
        f"application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n{body}".encode()
    )
    connection.recv(65536)  # the response has started
    with psycopg.connect(service.database.libpq_url(), autocommit=True) as admin:

        def active() -> int:
            row = admin.execute(
                # the query's backend: in a transaction (between FETCHes) or running
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                "AND pid <> pg_backend_pid() AND state <> 'idle'"
            ).fetchone()
            return int(row[0]) if row else 0

        before = active()
        connection.close()
        closed = time.monotonic()
        while active() and time.monotonic() - closed < 10:
            time.sleep(0.02)
        gone = time.monotonic() - closed if not active() else None
    print("3. client disconnect mid-stream:")
    print(
        f"   backend queries before the disconnect: {before}; "
        + (f"gone {gone:.2f} s after it" if gone is not None else "STILL RUNNING 10 s after it")
    )
    return gone


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="lcdb-faults-") as scratch:
        service = Service(Path(scratch))
        try:
            service.start()
            fill = FILL.replace("%(targets)s", "100000").replace("%(per_target)s", "2")
            with psycopg.connect(service.database.libpq_url(), autocommit=True) as conn:
                conn.execute(fill)
                conn.execute("VACUUM ANALYZE")
            lost = kill_service_mid_job(service)
            lost_restart, back = restart_database_mid_query(service)
            gone = disconnect_mid_stream(service)
            postmaster_back = kill_postmaster(service)
        finally:
            service.stop()
            service.database.stop()
    print()
    print(f"jobs lost: {lost + lost_restart} (target 0)")
    print(
        f"answering after a database restart: {back if back is None else round(back, 2)} s; "
        f"after a postmaster kill: "
        f"{postmaster_back if postmaster_back is None else round(postmaster_back, 2)} s "
        "(target < 5 s)"
    )
    print(
        f"query stopped after a client disconnect: {gone if gone is None else round(gone, 2)} s "
        "(target < 1 s)"
    )


if __name__ == "__main__":
    main()
