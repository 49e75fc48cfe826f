"""Benchmark: streaming result writers against PostgreSQL's own COPY BINARY, and astropy.

Not a test: run ``python bench/stream.py [--rows N]``. It starts a throw-away embedded
PostgreSQL, generates N rows x 10 columns (ints, floats, text, a boolean, a float4[10]
array, NULLs) with ``generate_series`` into an unlogged table, then in the same run:

* ``COPY (query) TO STDOUT (FORMAT binary)`` read as the service reads it (`copyout`): the
  practical limit;
* the same query fetched through a server-side binary cursor (``fetchmany``), no writing;
* BINARY2, CSV and TABLEDATA written from that cursor to /dev/null;
* astropy's VOTable BINARY2 writer and ours on the same in-memory 100k-row sample.

It prints rows/s and bytes/s and the ratio of each rate to the COPY rate, and the process's
peak RSS after each stage (a writer that held the result would add hundreds of MB).
Target (issue #4): BINARY2 at no less than half the COPY rate, with flat memory.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import psycopg

from adql import OutputColumn
from lcdb.embedded import temporary_server
from tap_service.copyout import CopyOut
from tap_service.votable import (
    BatchSource,
    CopyRows,
    CopySource,
    RowSource,
    describe_types,
    transcodable,
    transcode_binary2,
    write_binary2,
    write_csv,
    write_tabledata,
)
from tap_service.votable.pgcopy import uniform_tuple_size

CREATE = """
CREATE UNLOGGED TABLE bench_rows AS
SELECT i::bigint AS id,
       (i %% 400000000)::int AS tic,
       (i %% 70)::smallint AS sector,
       (i %% 360000) * 0.001::float8 AS ra,
       (i %% 180000) * 0.001::float8 - 90 AS dec,
       CASE WHEN i %% 10 = 0 THEN NULL ELSE (10 + (i %% 1000) * 0.01)::float4 END AS tmag,
       'TIC ' || i AS name,
       (i %% 3 = 0) AS flagged,
       ARRAY[i * 0.1, i * 0.2, i * 0.3, i * 0.4, i * 0.5,
             i * 0.6, i * 0.7, i * 0.8, i * 0.9, i * 1.0]::float4[] AS flux,
       CASE WHEN i %% 7 = 0 THEN NULL ELSE 'sector ' || (i %% 70) END AS note
FROM generate_series(1, %(rows)s) AS i
"""
QUERY = "SELECT id, tic, sector, ra, dec, tmag, name, flagged, flux, note FROM bench_rows"
COLUMNS = [
    OutputColumn("id", "long"),
    OutputColumn("tic", "int"),
    OutputColumn("sector", "short"),
    OutputColumn("ra", "double", unit="deg"),
    OutputColumn("dec", "double", unit="deg"),
    OutputColumn("tmag", "float", unit="mag"),
    OutputColumn("name", "char", "*"),
    OutputColumn("flagged", "boolean"),
    OutputColumn("flux", "float", "*", unit="electron/s"),
    OutputColumn("note", "char", "*"),
]
BATCH = 10_000
ROUNDS = 3


class CursorSource:
    """A server-side binary cursor, `BATCH` rows per fetch: what the service does."""

    def __init__(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        self.conn = conn
        self.overflow = False

    def batches(self) -> Iterator[Sequence[tuple[object, ...]]]:
        with self.conn.transaction(), self.conn.cursor(name="bench", binary=True) as cursor:
            cursor.itersize = BATCH
            cursor.execute(QUERY)
            while rows := cursor.fetchmany(BATCH):
                yield rows


def copy_source(conn: psycopg.Connection[tuple[object, ...]]) -> Iterator[CopyRows]:
    """The same query as raw COPY BINARY tuples, for the transcoding BINARY2 writer."""
    types = describe_types(conn, QUERY.encode())
    assert transcodable(COLUMNS, types), types
    copy = CopyOut(conn, f"COPY ({QUERY}) TO STDOUT (FORMAT binary)".encode())
    yield CopyRows(copy.batches(BATCH, uniform=uniform_tuple_size(types)), types)


def via_copy(conn: psycopg.Connection[tuple[object, ...]]) -> int:
    return sum(to_devnull(transcode_binary2, source) for source in copy_source(conn))


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(work: Callable[[], int]) -> tuple[float, int]:
    start = time.perf_counter()
    size = work()
    return time.perf_counter() - start, size


def timed_cpu(work: Callable[[], int]) -> tuple[float, float, int]:
    """(wall seconds, this process's CPU seconds, bytes): CPU excludes the server's work."""
    wall, cpu = time.perf_counter(), time.process_time()
    size = work()
    return time.perf_counter() - wall, time.process_time() - cpu, size


def copy_binary(conn: psycopg.Connection[tuple[object, ...]]) -> int:
    size = 0
    copy = CopyOut(conn, f"COPY ({QUERY}) TO STDOUT (FORMAT binary)".encode())
    for batch in copy.batches(BATCH):  # as the service reads it (tap_service.copyout)
        size += batch.nbytes
    return size


def fetch_only(conn: psycopg.Connection[tuple[object, ...]]) -> int:
    return sum(len(batch) for batch in CursorSource(conn).batches())


def to_devnull(writer: Callable[..., Iterator[bytes]], source: RowSource | CopySource) -> int:
    size = 0
    with open(os.devnull, "wb") as out:
        for chunk in writer(COLUMNS, source):
            out.write(chunk)
            size += len(chunk)
    return size


def astropy_sample(rows: Sequence[tuple[object, ...]]) -> tuple[float, float, int]:
    """(seconds to build the astropy table, seconds to write it as BINARY2, bytes)."""
    from astropy.io.votable import from_table
    from astropy.table import MaskedColumn, Table

    start = time.perf_counter()
    columns = list(zip(*rows, strict=True))
    table = Table()
    for column, values in zip(COLUMNS, columns, strict=True):
        if column.name == "flux":
            table[column.name] = np.array(values, dtype=np.float32)
            continue
        mask = [v is None for v in values]
        fill = "" if column.datatype == "char" else 0
        table[column.name] = MaskedColumn([fill if v is None else v for v in values], mask=mask)
    votable = from_table(table)
    built = time.perf_counter() - start
    out = io.BytesIO()
    start = time.perf_counter()
    votable.to_xml(out, tabledata_format="binary2")
    return built, time.perf_counter() - start, len(out.getvalue())


def report(label: str, seconds: float, rows: int, size: int, copy_rate: float) -> None:
    rate = rows / seconds
    print(
        f"{label:<34} {seconds:7.2f} s {rate:>12,.0f} rows/s {size / seconds / 1e6:8.1f} MB/s"
        f"   x{rate / copy_rate:5.2f} of COPY   maxrss {maxrss_mb():6.0f} MB"
    )


def run(url: str, rows: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        start = time.perf_counter()
        conn.execute(CREATE, {"rows": rows})  # type: ignore[arg-type]
        conn.execute("VACUUM ANALYZE bench_rows")
        print(f"generated {rows:,} rows in {time.perf_counter() - start:.1f} s")
        # The machine may be shared: COPY and the COPY-fed writer are timed in alternating
        # rounds, and the ratio is taken per round (then the median), not across the run.
        rounds = []
        for _ in range(ROUNDS):
            copy_run = timed_cpu(lambda: copy_binary(conn))
            ours_run = timed_cpu(lambda: via_copy(conn))
            rounds.append((copy_run, ours_run))
        ratios = sorted(c[0] / o[0] for c, o in rounds)
        (copy_seconds, copy_cpu, copy_size), (seconds, cpu, size) = sorted(
            rounds, key=lambda r: r[0][0] / r[1][0]
        )[ROUNDS // 2]
        copy_rate = rows / copy_seconds
        print(f"{'':<34} {'time':>9} {'rate':>19} {'bytes/s':>13}")
        report("COPY TO STDOUT (FORMAT binary)", copy_seconds, rows, copy_size, copy_rate)
        print(f"{'':<36}client CPU {copy_cpu:.2f} s")
        report("BINARY2 transcoded from COPY", seconds, rows, size, copy_rate)
        print(f"{'':<36}client CPU {cpu:.2f} s")
        print(
            f"BINARY2-from-COPY / COPY rate, per round: {', '.join(f'{r:.2f}' for r in ratios)}"
            f" (median {ratios[ROUNDS // 2]:.2f}; target >= 0.5)\n"
        )
        seconds, _ = timed(lambda: fetch_only(conn))
        report("fetch only (binary cursor)", seconds, rows, 0, copy_rate)
        for label, writer in (
            ("BINARY2 from cursor rows", write_binary2),
            ("CSV from cursor rows", write_csv),
            ("TABLEDATA from cursor rows", write_tabledata),
        ):
            seconds, size = timed(lambda w=writer: to_devnull(w, CursorSource(conn)))  # type: ignore[misc]
            report(label, seconds, rows, size, copy_rate)

        sample_rows = min(rows, 100_000)
        with conn.cursor(binary=True) as cursor:
            sample = cursor.execute(f"{QUERY} LIMIT {sample_rows}").fetchall()
        ours, ours_size = timed(lambda: to_devnull(write_binary2, BatchSource.of_rows(sample)))
        built, theirs, theirs_size = astropy_sample(sample)
        print(
            f"\n{sample_rows:,}-row sample in memory: ours BINARY2 {sample_rows / ours:,.0f} rows/s"
            f" ({ours_size / 1e6:.1f} MB); astropy BINARY2 {sample_rows / theirs:,.0f} rows/s"
            f" ({theirs_size / 1e6:.1f} MB, +{built:.2f} s to build its Table):"
            f" ours is {theirs / ours:.1f}x faster, and streams"
        )
        print(f"peak RSS of the whole run: {maxrss_mb():.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with temporary_server("lcdb-bench-") as server:
        run(server.libpq_url("lcdb"), args.rows)


if __name__ == "__main__":
    main()
