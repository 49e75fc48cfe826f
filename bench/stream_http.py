"""End to end: large /tap/sync results over HTTP in every format, against COPY of the same SQL.

    python bench/stream_http.py [--rows 1000000] [--rounds 2]

bench/stream.py measures the writers in-process; this one measures what a client sees: the
service runs in its own process (`lcdb-tap serve` on a throw-away embedded database filled
with `--rows` targets and `--rows` lightcurves of 10 samples), and each result is downloaded
in each format. Two queries (issue #16): 4 columns of lcdb.target (two bigints, two
doubles: the shape DaCHS was measured on) and 10 columns of lcdb.dataset (ints, two float8[10]
arrays one fifth NULL, two text columns, a double). References, measured in the same run and
interleaved with the downloads: psycopg2's ``COPY (the translated SQL) TO STDOUT (FORMAT
binary)`` and PostgreSQL's own ``COPY ... (FORMAT csv)`` read by psycopg2 (psycopg2-binary
is a bench-only requirement, not a dependency of the package).

Per format it prints the median time, rows/s (the figure to put beside DaCHS's), MB/s, the
ratio to the reference (binary COPY; CSV and TSV against CSV COPY), the time to the first
byte of the body, the server's peak resident memory during that download (VmHWM, reset
before each download through /proc/PID/clear_refs) and the CPU time the service process
spent on it (the figure that stays meaningful when other work shares the cores: the load
average is printed with each table). Targets: BINARY2 >= 0.5, CSV >= 0.5,
Parquet >= 0.3, first byte < 100 ms, peak RSS < 200 MB.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
import psycopg2

import adql
from lcdb import migrate
from lcdb.embedded import temporary_server
from tap_service.publishers import publication

sys.path.insert(0, str(Path(__file__).resolve().parent))
from service_process import free_port, wait_listening

QUERIES = {
    "4 columns": "SELECT t.id, t.name, t.ra, t.dec FROM lcdb.target AS t",
    "10 columns": (
        'SELECT d.id, d.target_id, d.observation_id, d.photometric_method_id, d."values", '
        "d.errors, d.values_unit, d.product_path, d.cdpp_1_0, d.value_count FROM lcdb.dataset AS d"
    ),
}
FORMATS = ("votable", "csv", "tsv", "parquet", "votable/td")
TARGETS = {"votable": 0.5, "csv": 0.5, "parquet": 0.3}

FILL = """
DROP INDEX lcdb.ix_target_zone;  -- sky indexes: a full-scan extraction needs none, and
DROP INDEX lcdb.ix_target_knn;   -- maintaining them row by row makes the fill minutes long
INSERT INTO lcdb.mission (id, name, time_unit, time_epoch, time_epoch_scale,
                          time_epoch_format, time_format_name)
VALUES (gen_random_uuid(), 'TESS', 'd', 2457000, 'tdb', 'jd', 'btjd');
INSERT INTO lcdb.mission_catalog (host_mission_id, name) SELECT id, 'TIC' FROM lcdb.mission;
INSERT INTO lcdb.target (catalog_id, name, ra, dec, magnitude)
SELECT c.id, g, (g % 360000) * 0.001, (g % 180000) * 0.001 - 90,
       CASE WHEN g % 10 = 0 THEN NULL ELSE 10 + (g % 1000) * 0.01 END
FROM lcdb.mission_catalog c, generate_series(0, %(rows)s - 1) g;
INSERT INTO lcdb.instrument (id, name) VALUES (gen_random_uuid(), 'CCD');
INSERT INTO lcdb.observation (type, cadence_reference, instrument_id)
SELECT 'observation', '{1}', i.id FROM lcdb.instrument i, generate_series(1, %(observations)s);
INSERT INTO lcdb.photometric_source (name) VALUES ('aperture');
INSERT INTO lcdb.dataset (target_id, observation_id, photometric_method_id, "values", errors,
                          values_unit, product_path, cdpp_1_0)
SELECT (SELECT min(id) FROM lcdb.target) + i % 1000,
       (SELECT min(id) FROM lcdb.observation) + i / 1000,
       (SELECT min(id) FROM lcdb.photometric_source),
       ARRAY[i*0.1, i*0.2, i*0.3, i*0.4, i*0.5, i*0.6, i*0.7, i*0.8, i*0.9, i*1.0],
       CASE WHEN i % 5 = 0 THEN NULL ELSE ARRAY[1.0, 1, 1, 1, 1, 1, 1, 1, 1, 1]::float8[] END,
       'e-/s', 'tess/s' || (i / 1000) || '/lc_' || i || '.fits', i * 1e-3
FROM generate_series(0, %(rows)s - 1) AS i;
"""


@dataclass
class Figures:
    seconds: list[float] = field(default_factory=list)
    first_byte: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    server_cpu: list[float] = field(default_factory=list)
    size: int = 0


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far (/proc/PID/stat, in clock ticks)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset_peak(pid: int) -> None:
    """Start a new VmHWM measurement (Linux: writing 5 to clear_refs resets the peak)."""
    with open(f"/proc/{pid}/clear_refs", "w") as refs:
        refs.write("5")


def download(port: int, query: str, fmt: str, rows: int) -> tuple[float, float, int]:
    """(seconds, seconds to the first body byte, bytes) of one /tap/sync download."""
    params = {"LANG": "ADQL", "QUERY": query, "MAXREC": str(rows), "RESPONSEFORMAT": fmt}
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.request("GET", "/tap/sync?" + urllib.parse.urlencode(params))
    response = connection.getresponse()
    assert response.status == 200, response.read()[:500]
    size = len(response.read(1))
    first = time.perf_counter() - start
    while chunk := response.read(1 << 20):
        size += len(chunk)
    connection.close()
    return time.perf_counter() - start, first, size


def copy_seconds(libpq_url: str, sql: str, fmt: str) -> tuple[float, int]:
    """psycopg2 reading ``COPY (sql) TO STDOUT (FORMAT fmt)``, counting the bytes."""

    class Count:
        size = 0

        def write(self, data: bytes) -> int:
            self.size += len(data)
            return len(data)

    sink = Count()
    connection = psycopg2.connect(libpq_url)
    try:
        start = time.perf_counter()
        connection.cursor().copy_expert(
            f"COPY ({sql}) TO STDOUT (FORMAT {fmt})", sink, size=1 << 20
        )
        return time.perf_counter() - start, sink.size
    finally:
        connection.close()


def fill(libpq_url: str, rows: int) -> None:
    with psycopg.connect(libpq_url, autocommit=True) as conn:
        text = FILL.replace("%(rows)s", str(rows))
        conn.execute(text.replace("%(observations)s", str((rows + 999) // 1000)))
        conn.execute("VACUUM ANALYZE")


def serve(url: str, rows: int, jobs: str) -> tuple[subprocess.Popen[bytes], int]:
    """`lcdb-tap serve` in its own process (its log in JOBS/server.log): it and its port."""
    log = open(os.path.join(jobs, "server.log"), "wb")  # noqa: SIM115 (the server's lifetime)
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tap_service.cli",
            "--database-url",
            url,
            "serve",
            "--port",
            str(port),
            "--maxrec-limit",
            str(rows),
            "--async-dir",  # not the user's LCDB_HOME
            jobs,
        ],
        stdout=subprocess.DEVNULL,
        stderr=log,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    try:
        wait_listening(port, server)
    except RuntimeError:
        log.close()
        raise SystemExit(Path(jobs, "server.log").read_text()[-3000:]) from None
    return server, port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--formats", default=",".join(FORMATS))
    args = parser.parse_args()
    formats = args.formats.split(",")
    catalog = publication().catalog()
    with temporary_server("lcdb-bench-") as database, tempfile.TemporaryDirectory() as jobs:
        url = database.url()
        migrate.upgrade(url)
        fill(database.libpq_url(), args.rows)
        server, port = serve(url, args.rows, jobs)
        try:
            for label, query in QUERIES.items():
                sql = adql.compile(query, catalog).sql
                copies = {"binary": Figures(), "csv": Figures()}
                results = {fmt: Figures() for fmt in formats}
                for _ in range(args.rounds):  # interleaved: load changes hit all alike
                    for kind, figures in copies.items():
                        seconds, figures.size = copy_seconds(database.libpq_url(), sql, kind)
                        figures.seconds.append(seconds)
                    for fmt in formats:
                        reset_peak(server.pid)
                        cpu = cpu_seconds(server.pid)
                        seconds, first, size = download(port, query, fmt, args.rows)
                        figures = results[fmt]
                        figures.server_cpu.append(cpu_seconds(server.pid) - cpu)
                        figures.seconds.append(seconds)
                        figures.first_byte.append(first)
                        figures.rss_mb.append(peak_rss_mb(server.pid))
                        figures.size = size
                report(label, args.rows, copies, results)
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)


def report(label: str, rows: int, copies: dict[str, Figures], results: dict[str, Figures]) -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\n{rows:,} rows x {label} (median of {len(copies['binary'].seconds)} rounds; "
        f"load average now {load} on {os.cpu_count()} cores)"
    )
    for kind, figures in copies.items():
        seconds = statistics.median(figures.seconds)
        print(
            f"  {'psycopg2 COPY (FORMAT ' + kind + ')':32s} {seconds:6.2f} s "
            f"{rows / seconds:>11,.0f} rows/s {figures.size / seconds / 1e6:7.1f} MB/s"
        )
    for fmt, figures in results.items():
        reference = "csv" if fmt in ("csv", "tsv") else "binary"
        copy = statistics.median(copies[reference].seconds)
        seconds = statistics.median(figures.seconds)
        ratio = copy / seconds
        target = TARGETS.get(fmt)
        verdict = "" if target is None else (" ok" if ratio >= target else f" < {target}")
        print(
            f"  {'HTTP /tap/sync ' + fmt:32s} {seconds:6.2f} s {rows / seconds:>11,.0f} rows/s "
            f"{figures.size / seconds / 1e6:7.1f} MB/s  x{ratio:.2f} of COPY {reference}"
            f"{verdict:7s} first byte {1000 * max(figures.first_byte):5.0f} ms  "
            f"server peak RSS {max(figures.rss_mb):4.0f} MB  "
            f"server CPU {statistics.median(figures.server_cpu):5.2f} s"
        )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
