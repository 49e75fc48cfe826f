"""Benchmark: a lightcurve's DataLink documents, built in process and served over HTTP.

Not a test: run ``python bench/lightcurve_fetch.py [--repeat N] [--stars N] [--seconds S]
[--clients N] [--no-http]``. It starts a throw-away embedded PostgreSQL at the latest schema
and ingests, with the real ingest code, synthetic SPOC 2-minute lightcurves of sector 1
(`lcdb.demo`) of --stars targets (default 10; other TIC ids, positions, magnitudes and noise
than the first): 2 x --stars lightcurves (raw and PDC datasets) of 20,076 cadences with times
and quality flags, 160 kB per array, so every array is read from TOAST. Then it refreshes
ObsCore (`obscore.cli.refresh_url`, as ingest does), which gives each its obs_publisher_did.

In process, on the first target's PDC lightcurve, medians over N rounds (astropy's writers:
over fewer) of:

* the reference: ``load_lightcurve``'s SQL statement alone (one row, arrays as bytes, no
  decoding), the database's floor for any document;
* the same statement with psycopg's own float8[] / int8[] loaders (Python lists turned into
  numpy arrays), which ``load_lightcurve``'s ``array_send`` + numpy decoding replaces;
* ``load_lightcurve`` (the statement and the decoding into a `Lightcurve`);
* load + VOTable, load + FITS, load + CSV, load + PNG: a document without HTTP;
* astropy writing the same table: ``astropy.io.votable`` (BINARY2, with the TIMESYS) and
  ``astropy.io.fits`` (a BinTableHDU with the same columns and a handful of keywords),
  document only;

each median in ms and its ratio to the SQL reference (and, for astropy, ours over astropy's).
Then, interleaved rounds: the load statement's parts (no array read; the arrays detoasted but
not sent; array_send computed but not sent; the statement) and its EXPLAIN ANALYZE summary,
and load_lightcurve prepared or planned each time (an autocommit psycopg connection, with
and without prepare_threshold; resolve + load through the service's engine and through an
AUTOCOMMIT engine without reset on return) with the prepared statements each engine keeps.

Over HTTP (unless --no-http): the real app (`create_app`, ``Settings(preview_dir=<a temporary
directory>)``) under uvicorn in a process of its own (spawned: its own GIL), clients with
httpx keep-alive connections, the documents checked (status, content type):

(1) #this, ``/tap/datalink/lightcurve?ID=<did>&RESPONSEFORMAT=votable|fits|csv`` of the same
    lightcurve, N requests each: median, p90. Before each request, the handler's own work
    (resolve the ID, load, write; `handler_work`, with an engine made like the service's) is
    done in this process: HTTP / that is the HTTP overhead, measured on the same moments.
(2) #preview, ``/tap/datalink/preview?ID=<did>``: the first request for each lightcurve (cold:
    the PNG is drawn and cached on disk), each after load + `render_png` in this process;
    then N requests for them again (cached).
(3) throughput: VOTable #this documents of random lightcurves for --seconds (10) by one
    client, then by --clients (8) threads, each with its own httpx.Client: requests/s, MB/s,
    the ratio to the one client, latency; the CPU per request of this process (the clients),
    of the service's event loop thread and its other threads (the thread pool running the
    handlers' work) and of PostgreSQL (all read from /proc), and the PostgreSQL sessions
    opened meanwhile (pg_stat_database).
(4) the links document, ``/tap/datalink?ID=<did>`` of each lightcurve in turn, N requests,
    each after the same document made in this process (resolve + links + links_document).
(5) where a #this request's time goes: each step below once per round, interleaved (on this
    shared machine a neighbour's burst then hits all steps alike), medians over N rounds and
    CPU per request by process: the engine's checkout + close (pool_pre_ping, ROLLBACK),
    + resolving the ID, + load_lightcurve, the writer alone, the handler's work, the whole
    app in process through ASGI (Starlette, the thread pool hop, the response; no socket),
    HTTP with http.client and with httpx.

Target (issue #13): under 30 ms per VOTable or FITS #this document.

Measured 2026-12-03 on the shared 2-core machine (load average 1.2-3.3 from other work), 50
rounds, 20 lightcurves, two runs (ranges):

In process, medians in ms: the SQL statement 4.4-4.5; with psycopg's array loaders 7.4-7.5
(x1.7); load_lightcurve 4.6-4.7 (x1.05); load + VOTable 7.5-7.6 (x1.7, 1.01 MB), load + FITS
7.0 (x1.55, 0.65 MB), load + CSV 13.2-13.6 (x3.0, 1.18 MB), load + PNG 82-84 (x18-19, 0.10
MB). The documents alone: VOTable 2.5 (astropy 500, x200), FITS 1.9 (astropy 4.9-5.0 with a
bare header, x2.6), CSV 6.4-6.5, PNG 74-75 (matplotlib's drawing and PNG compression).
The statement's parts: no array read 0.29-0.36, arrays detoasted 0.36-0.41, array_send
computed 2.75-2.89, the statement 4.3-4.5 (EXPLAIN: planning 1.2 ms, execution 2.9 ms).
load_lightcurve prepared 5.2-5.6, never prepared 6.65-7.1; resolve + load through the
service's engine 8.0-8.4, through the AUTOCOMMIT engine 6.1-6.4 (-23%); prepared statements
kept: 0 and 2.

Over HTTP:

(1) #this, median (p90): VOTable 15.9-17.0 ms (19.4-24.6), 59-63 MB/s; FITS 13.8-15.8 ms
    (15.4-23.6); CSV 20.2-20.9 ms (24.1-26.5). The handler's work in process: 10.4-11.4 ms
    for VOTable, 10.3-11.6 for FITS, 16.1-16.4 for CSV: HTTP x1.49-1.53 (+5.5 ms) for
    VOTable, x1.34-1.36 (+3.5-4.2 ms) for FITS, x1.25-1.27 (+4.0-4.5 ms) for CSV. The 30 ms
    target is met with about half of it to spare, p90 included.
(2) #preview: cold (drawn) median 82-87 ms (p90 98-115), the service's very first plot 92-95;
    load + PNG in process 77-80 ms: HTTP x1.07-1.08. Cached: 3.1-3.2 ms (p90 4.0-6.2),
    x26-28 faster than cold.
(3) throughput, VOTable #this: one client 67-69 req/s (67-69 MB/s, latency median 13-14.4
    ms); 8 clients 97-100 req/s (98-100 MB/s), x1.45-1.46, latency median 77-78 ms (p90
    112-117: 8 requests in flight share two cores). CPU per request, ms, with 8 clients:
    clients 1.9-2.0, the service's event loop 1.0 and its worker threads 5.2-5.4, PostgreSQL
    8.0 (6.6-6.7 with one client): 16 ms in all, so the two cores would do 122-124 req/s,
    and the run kept 1.6 of them busy, the neighbours the rest: the 8-client rate is the
    machine's CPU. With 8 clients 105-113 PostgreSQL sessions were opened per 10 s (~11% of
    the requests): the service's pool keeps 5 connections (pool_size=5, max_overflow=10), so
    the overflow ones are closed when returned and opened again, a backend start each time;
    PostgreSQL's CPU per request is 1.3-1.4 ms above the one client's.
(4) the links document: median 3.7-4.3 ms (p90 4.6-7.4), in process 2.0 ms: HTTP x1.8-2.1.
(5) the VOTable #this request (FITS alike), medians in ms (PostgreSQL's CPU): checkout + close
    0.43-0.46 (0.07); + resolving the ID 1.1-1.2 (0.35); + load_lightcurve 8.0-8.1 (6.4-6.6);
    the VOTable writer alone 1.95-2.0 (FITS 2.4-2.5); the handler's work 9.6-10.6 (this
    process's CPU 3.5-4.3); the app through ASGI 12.4-12.6 (+2.0-2.7); HTTP with http.client
    12.7-14.6 (+3.1-4.0), with httpx 13.6-15.2 (+4.0-4.6). Over HTTP the service spends
    1.2-1.45 ms CPU per request on its event loop (uvicorn's h11, Starlette, sending 1 MB)
    and 3.8-6.0 in its worker thread (the handler's work: 3.5-4.3 in this process); the
    client 0.6-0.7 (http.client) or 2.1 (httpx) reading the megabyte.

Where the time goes, then: of a VOTable #this over HTTP (~14-17 ms) PostgreSQL takes ~6.5 ms
CPU, the service ~6 ms (of which ~2 the HTTP machinery around the handler), the client ~2 ms.
On the database side:

* The load statement is planned on every request (1.2 ms of planning in EXPLAIN; 1.5 ms
  between prepared and never prepared). psycopg prepares a statement after its 5th
  execution on a connection but forgets all its prepared statements at each ROLLBACK, and
  the service's SQLAlchemy connections end every request with one (``with engine.connect()``
  and then the pool's reset on return): pg_prepared_statements stays empty. An engine with
  ``isolation_level="AUTOCOMMIT"`` and ``pool_reset_on_return=None`` keeps the resolve and
  the load statements prepared: resolve + load -23% (8.0-8.4 -> 6.1-6.4 ms).
* Executing the statement is mostly ``array_send`` of the five arrays (~100,000 elements,
  a send-function call each): reading the row without the arrays ~0.3 ms, detoasting them
  +0.05-0.1, array_send +2.4, sending the 1.12 MB of it (4 bytes of length before each
  element: ~55% more than the values) +1.5.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime
import functools
import http.client
import io
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import numpy as np
import psycopg
import sqlalchemy as sa
import uvicorn
from psycopg.rows import tuple_row
from served import free_port

from lcdb import migrate
from lcdb.db import create_engine, normalise_url
from lcdb.demo.fits_writer import Writer
from lcdb.demo.sectors import SECTOR_SPECS, build_sector
from lcdb.demo.signals import star_model
from lcdb.demo.sky import Placement, Star
from lcdb.demo.synthetic import simulate_spoc
from lcdb.embedded import temporary_server
from lcdb.ingest.run import ingest_lightcurves
from obscore.cli import refresh_url
from tap_service.app import create_app
from tap_service.datalink import documents, routes
from tap_service.datalink import lightcurve as lightcurve_module
from tap_service.datalink.documents import TIMESYS_ID, to_csv, to_fits, to_votable
from tap_service.datalink.lightcurve import Lightcurve, load_lightcurve
from tap_service.datalink.links import links
from tap_service.datalink.links_votable import links_document
from tap_service.datalink.preview import render_png
from tap_service.datalink.products import resolve
from tap_service.settings import Settings

STAR = Star(358108510, 51.2, -77.3, 11.0, 3500.0, 4.9, None, 0.4)
SEED = 7
ASTROPY_ROUNDS = 5


def write_lightcurves(directory: Path, stars: int) -> list[Path]:
    """SPOC 2-minute files of sector 1 for STAR and `stars` - 1 neighbours (other TIC ids,
    positions, magnitudes and noise): 2 x `stars` lightcurves (raw and PDC) once ingested."""
    sector = build_sector(SECTOR_SPECS[1], SEED)
    writer = Writer({1: sector}, datetime.date(2026, 1, 1))
    paths = []
    for k in range(stars):
        star = dataclasses.replace(
            STAR, tic_id=STAR.tic_id + k, ra=STAR.ra + 0.05 * k, tmag=STAR.tmag - 0.2 * k
        )
        model = star_model(star, SEED + k, transit_fraction=1.0)
        placement = Placement(1, 3, 3, 1000.0 + 20 * k, 1000.0 + 10 * k)
        series = simulate_spoc(star, model, placement, sector, SEED + k)
        paths.append(writer.write_spoc(series, directory))
    return paths


def median_ms(work: Callable[[], object], rounds: int) -> float:
    work()  # warm: caches, imports, the first matplotlib font lookup
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000.0


def statement_only(conn: psycopg.Connection[Any], dataset_id: int) -> object:
    with conn.cursor(binary=True, row_factory=tuple_row) as cursor:
        return cursor.execute(lightcurve_module._QUERY, (dataset_id,)).fetchone()


#: The arrays the load statement reads, each as ``array_send(column)``.
ARRAYS = (
    "o.cadence_reference",
    "tst.barycentric_julian_dates",
    "d.values",
    "d.errors",
    "q.quality_flags",
)


def with_arrays(template: str) -> str:
    """The load statement with each ``array_send(column)`` replaced by `template` of it."""
    query = lightcurve_module._QUERY
    for column in ARRAYS:
        assert f"array_send({column})" in query, column
        query = query.replace(f"array_send({column})", template.format(column))
    return query


PSYCOPG_ARRAYS = with_arrays("{}")


def psycopg_arrays(conn: psycopg.Connection[Any], dataset_id: int) -> object:
    """The statement with psycopg's array loaders: lists of Python numbers, then numpy."""
    with conn.cursor(binary=True, row_factory=tuple_row) as cursor:
        row = cursor.execute(PSYCOPG_ARRAYS, (dataset_id,)).fetchone()
    assert row is not None
    return [np.asarray(value) for value in row[-5:]]


def astropy_votable(lc: Lightcurve) -> bytes:
    from astropy.io.votable.tree import Field, Resource, TableElement, TimeSys, VOTableFile

    votable = VOTableFile(version="1.4")
    resource = Resource()
    votable.resources.append(resource)
    resource.time_systems.append(
        TimeSys(
            ID=TIMESYS_ID,
            timeorigin=2457000.0,
            timescale="TDB",
            refposition="BARYCENTER",
            config={"version_1_4_or_later": True},
        )
    )
    table = TableElement(votable)
    resource.tables.append(table)
    table.fields.extend(
        [
            Field(votable, name="time", datatype="double", unit="d", ref=TIMESYS_ID),
            Field(votable, name="cadenceno", datatype="long"),
            Field(votable, name="flux", datatype="double", unit="electron/s"),
            Field(votable, name="flux_err", datatype="double", unit="electron/s"),
            Field(votable, name="quality", datatype="int"),
        ]
    )
    table.create_arrays(lc.size)
    table.array["time"] = lc.time
    table.array["cadenceno"] = lc.cadences
    table.array["flux"] = lc.values
    table.array["flux_err"] = lc.errors
    table.array["quality"] = lc.quality
    table.format = "binary2"
    out = io.BytesIO()
    votable.to_xml(out)
    return out.getvalue()


def astropy_fits(lc: Lightcurve) -> bytes:
    from astropy.io import fits

    columns = [
        fits.Column("TIME", "D", unit="BJD - 2457000, days", array=lc.time),
        fits.Column("CADENCENO", "J", array=lc.cadences),
        fits.Column("PDCSAP_FLUX", "D", unit="e-/s", array=lc.values),
        fits.Column("PDCSAP_FLUX_ERR", "D", unit="e-/s", array=lc.errors),
        fits.Column("QUALITY", "J", array=lc.quality),
    ]
    primary = fits.PrimaryHDU()
    primary.header.update(
        {"TELESCOP": "TESS", "OBJECT": f"TIC {lc.tic_id}", "TICID": lc.tic_id, "SECTOR": 1}
    )
    table = fits.BinTableHDU.from_columns(columns, name="LIGHTCURVE")
    table.header.update({"TIMESYS": "TDB", "BJDREFI": 2457000, "BJDREFF": 0.0, "EXTVER": 1})
    out = io.BytesIO()
    fits.HDUList([primary, table]).writeto(out)
    return out.getvalue()


# -- in process: the documents without HTTP ------------------------------------------------------


def in_process(conn: psycopg.Connection[Any], dataset_id: int, rounds: int) -> dict[str, float]:
    """The in-process figures, printed; returns load + document medians (ms) by format."""
    lc = load_lightcurve(conn, dataset_id)
    assert lc is not None
    print(f"{lc.describe()}: {lc.size:,} cadences; {rounds} rounds, medians")

    def load() -> Lightcurve:
        found = load_lightcurve(conn, dataset_id)
        assert found is not None
        return found

    def loaded(writer: Callable[[Lightcurve], bytes]) -> bytes:
        return writer(load())

    sql = median_ms(lambda: statement_only(conn, dataset_id), rounds)
    figures = [
        ("SQL statement (reference)", sql),
        (
            "SQL with psycopg's array loaders",
            median_ms(lambda: psycopg_arrays(conn, dataset_id), rounds),
        ),
        ("load_lightcurve", median_ms(load, rounds)),
    ]
    ours, with_load = {}, {}
    for name, writer in (
        ("VOTable", to_votable),
        ("FITS", to_fits),
        ("CSV", to_csv),
        ("PNG", render_png),
    ):
        size = len(writer(lc))
        with_load[name] = median_ms(functools.partial(loaded, writer), rounds)
        ours[name] = median_ms(functools.partial(writer, lc), rounds)
        figures.append((f"load + {name} ({size / 1e6:.2f} MB)", with_load[name]))
    astropy = {
        "VOTable": median_ms(lambda: astropy_votable(lc), ASTROPY_ROUNDS),
        "FITS": median_ms(lambda: astropy_fits(lc), ASTROPY_ROUNDS),
    }

    width = max(len(label) for label, _ in figures) + 2
    print(f"{'':<{width}} {'ms':>8}  {'/ SQL':>7}")
    for label, value in figures:
        print(f"{label:<{width}} {value:8.1f}  x{value / sql:6.2f}")
    print()
    print(f"{'document alone':<{width}} {'ours':>8} {'astropy':>9}  astropy / ours")
    for name, value in ours.items():
        other = astropy.get(name)
        tail = f"{other:9.1f}  x{other / value:6.1f}" if other is not None else f"{'':>9}"
        print(f"{name:<{width}} {value:8.1f} {tail}")
    return with_load


def statement_costs(
    url: str, conn: psycopg.Connection[Any], dataset_id: int, did: str, rounds: int
) -> None:
    """Where the load statement's time goes, and what planning it on each request costs."""
    libpq = normalise_url(url).set(drivername="postgresql").render_as_string(False)
    parts = {
        "no array read (pg_column_size: no detoasting)": with_arrays("pg_column_size({})"),
        "arrays detoasted, not sent (array_length)": with_arrays("array_length({}, 1)"),
        "array_send computed, not sent (length)": with_arrays("length(array_send({}))"),
        "the statement (arrays sent)": lightcurve_module._QUERY,
    }
    row = statement_only(conn, dataset_id)
    assert isinstance(row, tuple)
    sent = sum(len(value) for value in row[-5:] if value is not None)
    print(
        f"\nthe load statement's parts ({rounds} interleaved rounds, medians; the arrays: "
        f"{sent / 1e6:.2f} MB as array_send bytes, 4 per element more than the values):"
    )

    def execute(query: str) -> object:
        with conn.cursor(binary=True) as cursor:
            return cursor.execute(query, (dataset_id,)).fetchone()

    interleaved({label: functools.partial(execute, q) for label, q in parts.items()}, rounds)
    with conn.cursor() as cursor:
        plan = cursor.execute(
            "EXPLAIN (ANALYZE, SUMMARY, TIMING OFF) " + lightcurve_module._QUERY, (dataset_id,)
        ).fetchall()
    summary = [line for (line,) in plan if line.startswith(("Planning Time", "Execution Time"))]
    print(f"    EXPLAIN ANALYZE: {'; '.join(summary)}")

    service = service_engine(url)
    autocommit = create_engine(
        url,
        pool_size=5,
        max_overflow=10,
        pool_pre_ping=True,
        isolation_level="AUTOCOMMIT",
        pool_reset_on_return=None,
    )
    print(
        "prepared or planned each time (psycopg prepares a statement after its 5th execution "
        "on a connection and forgets them all at each ROLLBACK):"
    )
    with psycopg.connect(libpq, autocommit=True, prepare_threshold=None) as unprepared:
        interleaved(
            {
                "load_lightcurve, autocommit psycopg connection": functools.partial(
                    load_lightcurve, conn, dataset_id
                ),
                "  the same, never prepared (prepare_threshold=None)": functools.partial(
                    load_lightcurve, unprepared, dataset_id
                ),
                "resolve + load, the service's engine": functools.partial(
                    handler_work_lightcurve, service, did
                ),
                "  an engine in AUTOCOMMIT, no reset on return": functools.partial(
                    handler_work_lightcurve, autocommit, did
                ),
            },
            rounds,
        )
    for name, engine in (("the service's engine", service), ("the AUTOCOMMIT one", autocommit)):
        with engine.connect() as connection:
            count = connection.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements")
            print(f"    prepared statements on a connection of {name}: {count.scalar_one()}")
        engine.dispose()


def interleaved(steps: dict[str, Callable[[], object]], rounds: int) -> None:
    """Each step once per round (after 3 rounds of warm-up); prints the medians."""
    times: dict[str, list[float]] = {label: [] for label in steps}
    for index in range(rounds + 3):
        for label, work in steps.items():
            start = time.perf_counter()
            work()
            if index >= 3:
                times[label].append(time.perf_counter() - start)
    width = max(len(label) for label in steps) + 2
    for label in steps:
        median, p90 = ms(times[label])
        print(f"    {label:<{width}} {median:6.2f} ms  p90 {p90:6.2f} ms")


# -- over HTTP: the service in its own process ---------------------------------------------------


def serve(url: str, port: int, previews: str, jobs: str) -> None:
    """The real app under uvicorn, as `lcdb-tap serve` runs it (the target of a process)."""
    settings = Settings(preview_dir=Path(previews), async_dir=Path(jobs))
    uvicorn.run(
        create_app(settings, url),
        host="127.0.0.1",
        port=port,
        server_header=False,
        log_level="warning",
    )


@dataclass(frozen=True)
class Server:
    base: str
    pid: int


@contextlib.contextmanager
def serving(url: str, previews: Path, jobs: Path) -> Iterator[Server]:
    """The service on a free loopback port in a process of its own (its own GIL: the clients
    of this process do not slow it down except through the two cores they share)."""
    port = free_port()
    process = multiprocessing.get_context("spawn").Process(
        target=serve, args=(url, port, str(previews), str(jobs)), daemon=True
    )
    process.start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/tap/availability", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or not process.is_alive():
                raise RuntimeError("the service did not come up")
            time.sleep(0.2)
        assert process.pid is not None
        yield Server(base, process.pid)
    finally:
        process.terminate()  # SIGTERM: uvicorn shuts down, the lifespan stops the service
        process.join(timeout=60)


def on_cpu(pid: int, threads: bool = False) -> dict[int, float]:
    """Seconds on a CPU of process `pid` (of each of its threads, by id, with `threads`) from
    /proc's schedstat: nanoseconds, unlike the 10 ms ticks of /proc/PID/stat."""
    seconds = {}
    for tid in os.listdir(f"/proc/{pid}/task") if threads else [str(pid)]:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as stat:
                seconds[int(tid)] = int(stat.read().split()[0]) / 1e9
        except (FileNotFoundError, ProcessLookupError):
            continue  # a thread or backend that has just gone
    return seconds


def postgres_pids(postmaster: int) -> list[int]:
    """The postmaster and its children: the backends, the checkpointer, the WAL writer..."""
    found = [postmaster]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(fields[1]) == postmaster:
                found.append(int(entry))
    return found


def ticks_seconds(pid: int) -> tuple[float, float]:
    """CPU of process `pid` in all its threads, exited ones included (utime + stime), and of
    the exited children it has waited for (cutime + cstime), from /proc/PID/stat: 10 ms ticks."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick, (int(fields[13]) + int(fields[14])) / tick


CPU_PARTS = ("clients", "service's event loop", "service's worker threads", "PostgreSQL")


@dataclass(frozen=True)
class CpuReading:
    here: float  # this process (process_time)
    service: dict[int, float]  # the service's threads by id (the event loop's is its pid)
    service_total: float  # the service's process, exited threads included (ticks)
    backends: dict[int, float]  # PostgreSQL processes by pid
    reaped: float  # the postmaster's exited children


class CpuMeter:
    """CPU seconds spent by this process (the clients), the service's event loop thread, its
    other threads (the thread pool that runs the handlers' work; a thread that exits, as idle
    ones of the pool do, takes its last moments with it) and PostgreSQL (the postmaster and
    its children, including the backends that connections opened and closed meanwhile: an
    exited one's CPU is counted, in 10 ms ticks, in the postmaster's cutime)."""

    def __init__(self, service_pid: int, postmaster: int) -> None:
        self.service_pid = service_pid
        self.postmaster = postmaster
        self.database_pids = postgres_pids(postmaster)

    def rescan(self) -> None:
        """Find the backends (before a measure: scanning /proc takes a few ms)."""
        self.database_pids = postgres_pids(self.postmaster)

    def read(self) -> CpuReading:
        service = on_cpu(self.service_pid, threads=True)
        service_total, _ = ticks_seconds(self.service_pid)
        backends: dict[int, float] = {}
        for pid in self.database_pids:
            backends.update(on_cpu(pid))
        _, reaped = ticks_seconds(self.postmaster)
        return CpuReading(time.process_time(), service, service_total, backends, reaped)

    def since(self, start: CpuReading, *, long: bool = False) -> np.ndarray:
        """CPU seconds by CPU_PARTS since `start`. `long` (a run of seconds): look for backends
        started since, and count the service's threads from its process total in ticks (which
        keeps the CPU of the thread pool's workers that exit); else from each thread's
        schedstat (exact, but without the last moments of a thread that has exited)."""
        here = time.process_time() - start.here  # first: the /proc reads are not counted
        if long:
            self.rescan()
        end = self.read()
        database = end.reaped - start.reaped
        for pid, seconds in end.backends.items():
            database += seconds - start.backends.get(pid, 0.0)
        for pid, seconds in start.backends.items():
            if pid not in end.backends:
                database -= seconds  # its whole life is in `reaped` now
        loop = end.service.get(self.service_pid, 0.0) - start.service.get(self.service_pid, 0.0)
        if long:
            workers = end.service_total - start.service_total - loop
        else:
            workers = sum(
                seconds - start.service.get(tid, 0.0)
                for tid, seconds in end.service.items()
                if tid != self.service_pid
            )
        return np.array([here, loop, workers, database])


def timed(client: httpx.Client, path: str, params: dict[str, str], kind: str) -> float:
    start = time.perf_counter()
    response = client.get(path, params=params)
    body = response.content
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, body[:500]
    assert response.headers["content-type"].startswith(kind), response.headers
    return elapsed


def ms(times: Sequence[float]) -> tuple[float, float]:
    """Median and p90, in ms."""
    return statistics.median(times) * 1000, statistics.quantiles(times, n=10)[-1] * 1000


LIGHTCURVE_TYPES = {"votable": "application/x-votable+xml", "fits": "application/fits"}
LIGHTCURVE_TYPES["csv"] = "text/csv"
LINKS_TYPE = "application/x-votable+xml;content=datalink"


def fetch_loop(
    base: str, dids: Sequence[str], seed: int, start: threading.Barrier, seconds: float
) -> tuple[int, int, list[float]]:
    """One client: VOTable #this documents of random lightcurves for `seconds`; returns the
    requests, bytes and latencies."""
    rng = random.Random(seed)
    count = size = 0
    latencies = []
    with httpx.Client(base_url=base, timeout=60) as client:
        client.get("/tap/datalink/lightcurve", params={"ID": dids[0]})  # connect, warm
        start.wait()
        deadline = time.perf_counter() + seconds
        while (now := time.perf_counter()) < deadline:
            response = client.get("/tap/datalink/lightcurve", params={"ID": rng.choice(dids)})
            body = response.content
            latencies.append(time.perf_counter() - now)
            assert response.status_code == 200, body[:500]
            count += 1
            size += len(body)
    return count, size, latencies


@dataclass(frozen=True)
class Rate:
    clients: int
    requests: int
    seconds: float
    megabytes: float
    latencies: list[float]
    cpu: np.ndarray  # CPU seconds over the run, by CPU_PARTS
    sessions: int  # PostgreSQL sessions opened during the run

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def throughput(
    server: Server,
    meter: CpuMeter,
    sessions: Callable[[], int],
    dids: Sequence[str],
    clients: int,
    seconds: float,
) -> Rate:
    """`clients` threads, each with its own keep-alive httpx.Client, for `seconds`."""
    start = threading.Barrier(clients + 1)
    results: list[tuple[int, int, list[float]]] = [(0, 0, [])] * clients

    def run(index: int) -> None:
        results[index] = fetch_loop(server.base, dids, 1000 + index, start, seconds)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    meter.rescan()
    sessions_before = sessions()
    start.wait()  # the clients have connected: the clock starts with them
    began = time.perf_counter()
    cpu_start = meter.read()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    cpu = meter.since(cpu_start, long=True)
    time.sleep(0.5)  # exiting backends report their session
    return Rate(
        clients,
        sum(r[0] for r in results),
        elapsed,
        sum(r[1] for r in results) / 1e6,
        [latency for r in results for latency in r[2]],
        cpu,
        sessions() - sessions_before,
    )


def print_rate(rate: Rate, reference: Rate | None) -> None:
    median, p90 = ms(rate.latencies)
    ratio = "" if reference is None else f"  x{rate.per_second / reference.per_second:.2f}"
    print(
        f"    {rate.clients} client{'s' if rate.clients > 1 else ' '} {rate.requests:6,} "
        f"requests in {rate.seconds:4.1f} s: {rate.per_second:6.1f} req/s "
        f"{rate.megabytes / rate.seconds:6.1f} MB/s{ratio:7}  latency median {median:6.1f} "
        f"p90 {p90:6.1f} ms"
    )
    per_request = ", ".join(
        f"{name} {seconds / rate.requests * 1000:.1f}"
        for name, seconds in zip(CPU_PARTS, rate.cpu, strict=True)
    )
    busy = rate.cpu.sum() / rate.seconds
    ceiling = os.cpu_count() or 1
    print(
        f"      CPU ms per request: {per_request}; busy {busy:.2f} of {ceiling} cores (all "
        f"of them would do {ceiling * rate.requests / rate.cpu.sum():.0f} req/s)"
    )
    print(f"      PostgreSQL sessions opened during the run: {rate.sessions}")


# -- where a request's time goes -----------------------------------------------------------------


def service_engine(url: str) -> sa.Engine:
    """An engine made as the service makes its own (tap_service.service.Service._connect)."""
    return create_engine(url, pool_size=5, max_overflow=10, pool_pre_ping=True)


def handler_work_lightcurve(engine: sa.Engine, did: str) -> Lightcurve:
    """The handler's resolve + load, as `handler_work` runs them."""
    with engine.connect() as connection:
        return routes._lightcurve(connection, {"ID": [did]})


def handler_work(engine: sa.Engine, did: str, name: str) -> bytes:
    """What the #this handler runs in its worker thread: resolve, load, write."""
    with engine.connect() as connection:
        lightcurve = routes._lightcurve(connection, {"ID": [did]})
    return documents.write(lightcurve, name)


class InProcessApp:
    """The whole app in this process, called through ASGI (httpx.ASGITransport): Starlette's
    routing, the parameters, the thread pool hop, the response and the middleware, no socket.
    Its event loop runs in a thread for the app's whole life, as under uvicorn (anyio's worker
    threads last as long as the loop's main task: one per request otherwise)."""

    def __init__(self, url: str, scratch: Path) -> None:
        settings = Settings(preview_dir=scratch / "asgi-previews", async_dir=scratch / "asgi-jobs")
        self.app = create_app(settings, url)
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.client: httpx.AsyncClient | None = None
        self.stop: asyncio.Event | None = None

        async def serve() -> None:
            transport = httpx.ASGITransport(app=self.app)
            async with (
                self.app.router.lifespan_context(self.app),
                httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
            ):
                self.client, self.stop = client, asyncio.Event()
                ready.set()
                await self.stop.wait()

        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(serve(),))
        self.thread.start()
        ready.wait()

    def get(self, path: str, params: dict[str, str]) -> bytes:
        assert self.client is not None
        call = self.client.get(path, params=params)
        response = asyncio.run_coroutine_threadsafe(call, self.loop).result()
        assert response.status_code == 200, response.content[:500]
        return bytes(response.content)

    def close(self) -> None:
        assert self.stop is not None
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join()
        self.loop.close()


def request_path(
    server: Server, postmaster: int, url: str, did: str, scratch: Path, rounds: int
) -> None:
    """The #this request's steps, each once per round, interleaved (the machine is shared: a
    neighbour's burst then hits every step alike), medians over the rounds."""
    engine = service_engine(url)
    app = InProcessApp(url, scratch)
    lc = handler_work_lightcurve(engine, did)
    port = int(server.base.rsplit(":", 1)[1])
    stdlib = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    meter = CpuMeter(server.pid, postmaster)

    def checkout() -> None:
        with engine.connect():
            pass

    def resolved() -> object:
        with engine.connect() as connection:
            return resolve(connection, [did])

    def stdlib_get(path: str) -> bytes:
        stdlib.request("GET", path)
        response = stdlib.getresponse()
        body = response.read()
        assert response.status == 200, body[:500]
        return body

    try:
        for name in ("votable", "fits"):
            params = {"ID": did, "RESPONSEFORMAT": name}
            path = "/tap/datalink/lightcurve?" + urllib.parse.urlencode(params)
            with httpx.Client(base_url=server.base, timeout=60) as client:
                steps: list[tuple[str, Callable[[], object]]] = [
                    ("engine.connect() + close (pre-ping, rollback)", checkout),
                    ("  + resolve the ID (ivoa.obscore_rows)", resolved),
                    (
                        "  + resolve + load_lightcurve",
                        functools.partial(handler_work_lightcurve, engine, did),
                    ),
                    (f"  {name} written alone", functools.partial(documents.write, lc, name)),
                    (
                        "the handler's work (resolve + load + write)",
                        functools.partial(handler_work, engine, did, name),
                    ),
                    (
                        "the app in process through ASGI",
                        functools.partial(app.get, "/tap/datalink/lightcurve", params),
                    ),
                    ("HTTP, http.client keep-alive", functools.partial(stdlib_get, path)),
                    (
                        "HTTP, httpx keep-alive",
                        functools.partial(client.get, "/tap/datalink/lightcurve", params=params),
                    ),
                ]
                times: dict[str, list[float]] = {label: [] for label, _ in steps}
                cpu = {label: np.zeros(len(CPU_PARTS)) for label, _ in steps}
                for index in range(rounds + 3):
                    if index == 3:  # three rounds of warm-up: every connection is open
                        meter.rescan()
                    for label, work in steps:
                        cpu_start = meter.read()
                        start = time.perf_counter()
                        work()
                        elapsed = time.perf_counter() - start
                        used = meter.since(cpu_start)
                        if index >= 3:
                            times[label].append(elapsed)
                            cpu[label] += used
            handler, _ = ms(times["the handler's work (resolve + load + write)"])
            width = max(len(label) for label, _ in steps) + 2
            print(
                f"    {name + ':':<{width + 2}} {'median':>7}  {'p90':>7}   CPU ms per request: "
                "this process, the service's loop, its threads, PostgreSQL"
            )
            for label, _ in steps:
                median, p90 = ms(times[label])
                here, loop, workers, database = cpu[label] / rounds * 1000
                extra = ""
                if label.startswith(("the app", "HTTP")):
                    extra = f"   the handler's work + {median - handler:5.2f} ms"
                print(
                    f"      {label:<{width}} {median:7.2f}  {p90:7.2f}   {here:20.2f} {loop:6.2f} "
                    f"{workers:6.2f} {database:6.2f}{extra}"
                )
    finally:
        stdlib.close()
        app.close()
        engine.dispose()


def over_http(
    url: str,
    postmaster: int,
    scratch: Path,
    main_did: str,
    dids: Sequence[str],
    in_process_ms: dict[str, float],
    args: argparse.Namespace,
) -> None:
    previews, jobs = scratch / "previews", scratch / "jobs"
    print(f"\nover HTTP: the app under uvicorn in its own process; {len(dids)} lightcurves")
    libpq = normalise_url(url).set(drivername="postgresql").render_as_string(False)
    with (
        serving(url, previews, jobs) as server,
        httpx.Client(base_url=server.base, timeout=60) as client,
        psycopg.connect(libpq, autocommit=True) as stats,
    ):
        print(
            f"(1) #this of {main_did}: {args.repeat} requests each, one keep-alive client, "
            "each request after the handler's work done in this process (the same engine)"
        )
        engine = service_engine(url)
        for name, label in (("votable", "VOTable"), ("fits", "FITS"), ("csv", "CSV")):
            params = {"ID": main_did, "RESPONSEFORMAT": name}
            kind = LIGHTCURVE_TYPES[name]
            for _ in range(3):  # warm: the pool's connections, the thread pool, plans
                handler_work(engine, main_did, name)
                timed(client, "/tap/datalink/lightcurve", params, kind)
            size = len(client.get("/tap/datalink/lightcurve", params=params).content)
            times, handler = [], []
            for _ in range(args.repeat):
                start = time.perf_counter()
                handler_work(engine, main_did, name)
                handler.append(time.perf_counter() - start)
                times.append(timed(client, "/tap/datalink/lightcurve", params, kind))
            median, p90 = ms(times)
            work, _ = ms(handler)
            print(
                f"    {label:8} {size / 1e6:5.2f} MB  HTTP median {median:6.1f} ms  p90 "
                f"{p90:6.1f} ms ({size / 1e6 / median * 1000:5.1f} MB/s)   in process: "
                f"{work:5.1f} ms (load + {label} above: {in_process_ms[label]:5.1f}); HTTP "
                f"x{median / work:.2f}, +{median - work:4.1f} ms"
            )
        print(
            f"(2) #preview, one keep-alive client: the first request for each of the "
            f"{len(dids)} lightcurves (drawn and cached), each after loading and drawing it in "
            f"this process; then {args.repeat} requests for them again (cached)"
        )
        cold, drawing = [], []
        for did in dids:
            start = time.perf_counter()
            render_png(handler_work_lightcurve(engine, did))
            drawing.append(time.perf_counter() - start)
            cold.append(timed(client, "/tap/datalink/preview", {"ID": did}, "image/png"))
        drawn = sum(1 for _ in previews.rglob("*.png"))
        assert drawn == len(dids), drawn
        cached = [
            timed(client, "/tap/datalink/preview", {"ID": dids[i % len(dids)]}, "image/png")
            for i in range(args.repeat)
        ]
        cold_ms, cold_p90 = ms(cold[1:])
        drawing_ms, _ = ms(drawing[1:])
        cached_ms, cached_p90 = ms(cached)
        print(
            f"    cold: the service's first plot {cold[0] * 1000:6.1f} ms; the other "
            f"{len(cold) - 1}: median {cold_ms:6.1f} ms  p90 {cold_p90:6.1f} ms   in process "
            f"(load + PNG): {drawing_ms:6.1f} ms; HTTP x{cold_ms / drawing_ms:.2f}"
        )
        print(
            f"    cached: median {cached_ms:6.2f} ms  p90 {cached_p90:6.2f} ms: "
            f"x{cold_ms / cached_ms:.0f} faster than cold"
        )

        print(
            f"(3) throughput: VOTable #this of random lightcurves, {args.seconds:.0f} s each "
            f"(clients: threads of this process, each with its own keep-alive httpx.Client):"
        )
        meter = CpuMeter(server.pid, postmaster)

        def sessions() -> int:
            stats.execute("SELECT pg_stat_clear_snapshot()")
            (opened,) = stats.execute(
                "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
            ).fetchone() or (0,)
            return int(opened)

        single = throughput(server, meter, sessions, dids, 1, args.seconds)
        print_rate(single, None)
        many = throughput(server, meter, sessions, dids, args.clients, args.seconds)
        print_rate(many, single)

        print(
            f"(4) the links document (/tap/datalink?ID=...) of each lightcurve in turn, "
            f"{args.repeat} requests, each after the same document made in this process"
        )
        base = f"{server.base}/tap"

        def links_in_process(did: str) -> bytes:
            with engine.connect() as connection:
                products = resolve(connection, [did])
                return links_document(links(connection, base, products, None), base)

        link_times, making = [], []
        for index in range(args.repeat + 3):
            did = dids[index % len(dids)]
            start = time.perf_counter()
            links_in_process(did)
            made = time.perf_counter() - start
            fetched = timed(client, "/tap/datalink", {"ID": did}, LINKS_TYPE)
            if index >= 3:  # warm-up
                making.append(made)
                link_times.append(fetched)
        engine.dispose()
        links_ms, links_p90 = ms(link_times)
        making_ms, _ = ms(making)
        print(
            f"    median {links_ms:6.2f} ms  p90 {links_p90:6.2f} ms   in process (resolve + "
            f"links + document): {making_ms:5.2f} ms; HTTP x{links_ms / making_ms:.2f}"
        )

        print(f"(5) where a #this request's time goes: {args.repeat} interleaved rounds")
        request_path(server, postmaster, url, main_did, scratch, args.repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument(
        "--stars", type=int, default=10, help="targets ingested (2 lightcurves each)"
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="of each throughput run")
    parser.add_argument("--clients", type=int, default=8, help="of the concurrent run")
    parser.add_argument("--no-http", action="store_true", help="the in-process part only")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory, temporary_server("bench-lc-") as server:
        scratch = Path(directory)
        url = server.url("postgres")
        migrate.upgrade(url)
        files = scratch / "files"
        files.mkdir()
        for result in ingest_lightcurves(url, write_lightcurves(files, args.stars)):
            assert not result.failed, result.reason
        print(refresh_url(url))
        libpq = normalise_url(url).set(drivername="postgresql").render_as_string(False)
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")  # as autovacuum would after the load
            (dataset_id,) = conn.execute(
                "SELECT d.id FROM lcdb.dataset d JOIN lcdb.processing_method p "
                "ON p.id = d.processing_method_id JOIN lcdb.target t ON t.id = d.target_id "
                "WHERE p.name = 'PDC' AND t.name = %s",
                (STAR.tic_id,),
            ).fetchone() or (None,)
            assert isinstance(dataset_id, int)
            rows = conn.execute(
                "SELECT obs_publisher_did, lcdb_id FROM ivoa.obscore_rows "
                "WHERE lcdb_table = 'dataset' ORDER BY obs_publisher_did"
            ).fetchall()
            (backend,) = conn.execute("SELECT pg_backend_pid()").fetchone() or (0,)
            with open(f"/proc/{backend}/stat") as stat:
                postmaster = int(stat.read().rsplit(")", 1)[1].split()[1])
            in_process_ms = in_process(conn, dataset_id, args.repeat)
            (main_did,) = [did for did, lcdb_id in rows if lcdb_id == dataset_id]
            statement_costs(url, conn, dataset_id, main_did, args.repeat)
        if args.no_http:
            return
        dids = [did for did, _ in rows]
        over_http(url, postmaster, scratch, main_did, dids, in_process_ms, args)


if __name__ == "__main__":
    main()
