"""End to end: a large /tap/sync result over HTTP, against COPY of the same SQL, with server memory.

    python bench/stream_http.py [--rows 1000000]

bench/stream.py measures the writers in-process; this one measures what a client sees: the
service runs in its own process (`lcdb-tap serve` on a throw-away embedded database filled
with `--rows` lightcurve rows of 10 samples), the result is downloaded in each format, and
the reference is `COPY (the translated SQL) TO STDOUT (FORMAT binary)` read by psycopg in the
same run. The server's peak resident memory (VmHWM) is read from /proc after each download.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

import psycopg

import adql
from lcdb import migrate
from lcdb.embedded import temporary_server
from tap_service.publishers import publication

QUERY = (
    'SELECT d.id, d.target_id, d.observation_id, d.photometric_method_id, d."values", d.errors '
    "FROM lcdb.dataset AS d"
)

FILL = """
INSERT INTO lcdb.mission (id, name, time_unit, time_epoch, time_epoch_scale,
                          time_epoch_format, time_format_name)
VALUES (gen_random_uuid(), 'TESS', 'd', 2457000, 'tdb', 'jd', 'btjd');
INSERT INTO lcdb.mission_catalog (host_mission_id, name) SELECT id, 'TIC' FROM lcdb.mission;
INSERT INTO lcdb.target (catalog_id, name)
SELECT c.id, g FROM lcdb.mission_catalog c, generate_series(0, 999) g;
INSERT INTO lcdb.instrument (id, name) VALUES (gen_random_uuid(), 'CCD');
INSERT INTO lcdb.observation (type, cadence_reference, instrument_id)
SELECT 'observation', '{1}', i.id FROM lcdb.instrument i, generate_series(1, %(observations)s);
INSERT INTO lcdb.photometric_source (name) VALUES ('aperture');
INSERT INTO lcdb.dataset (target_id, observation_id, photometric_method_id, "values", errors)
SELECT (SELECT min(id) FROM lcdb.target) + i % 1000,
       (SELECT min(id) FROM lcdb.observation) + i / 1000,
       (SELECT min(id) FROM lcdb.photometric_source),
       ARRAY[i*0.1, i*0.2, i*0.3, i*0.4, i*0.5, i*0.6, i*0.7, i*0.8, i*0.9, i*1.0],
       CASE WHEN i % 5 = 0 THEN NULL ELSE ARRAY[1.0, 1, 1, 1, 1, 1, 1, 1, 1, 1]::float8[] END
FROM generate_series(0, %(rows)s - 1) AS i;
"""


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def download(port: int, fmt: str, rows: int) -> tuple[float, int]:
    params = {"LANG": "ADQL", "QUERY": QUERY, "MAXREC": str(rows), "RESPONSEFORMAT": fmt}
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.request("GET", "/tap/sync?" + urllib.parse.urlencode(params))
    response = connection.getresponse()
    assert response.status == 200, response.read()[:500]
    size = 0
    while chunk := response.read(1 << 20):
        size += len(chunk)
    connection.close()
    return time.perf_counter() - start, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with temporary_server("lcdb-bench-") as database, tempfile.TemporaryDirectory() as jobs:
        url = database.url()
        migrate.upgrade(url)
        with psycopg.connect(database.libpq_url(), autocommit=True) as conn:
            observations = (args.rows + 999) // 1000
            fill = FILL.replace("%(rows)s", str(args.rows))
            conn.execute(fill.replace("%(observations)s", str(observations)))
            conn.execute("VACUUM ANALYZE")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
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
                str(args.rows),
                "--async-dir",  # not the user's LCDB_HOME
                jobs,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.2)
            sql = adql.compile(QUERY, publication().catalog()).sql
            start = time.perf_counter()
            copied = 0
            with (
                psycopg.connect(database.libpq_url()) as conn,
                conn.cursor().copy(f"COPY ({sql}) TO STDOUT (FORMAT binary)") as copy,
            ):
                for block in copy:
                    copied += len(block)
            copy_s = time.perf_counter() - start
            print(f"{args.rows:,} rows x 6 columns (two float8[10] arrays)")
            print(
                f"{'COPY TO STDOUT (FORMAT binary)':34s} {copy_s:6.2f} s "
                f"{args.rows / copy_s:>10,.0f} rows/s {copied / copy_s / 1e6:6.1f} MB/s  x1.00"
            )
            for fmt in ("votable", "votable/td", "csv"):
                seconds, size = download(port, fmt, args.rows)
                print(
                    f"{'HTTP /tap/sync ' + fmt:34s} {seconds:6.2f} s "
                    f"{args.rows / seconds:>10,.0f} rows/s {size / seconds / 1e6:6.1f} MB/s  "
                    f"x{copy_s / seconds:.2f} of COPY   "
                    f"server peak RSS so far {peak_rss_mb(server.pid):.0f} MB"
                )
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
