"""ObsCore refresh at a million rows, and a position + time ObsCore query over HTTP.

    python bench/obscore_refresh.py [--rows 1000000] [--repeat 50] [--no-profile]
        [--profile-rows 200000] [--analyze-dimensions] [--explain]

Not a test (about 13 minutes at the default million rows; --rows 20000 takes 15 s). Targets
(the ObsCore issue): a full refresh of 1,000,000 derived rows under 60 s; an incremental refresh
after adding 1,000 datasets under 2 s; a position + time ObsCore query over HTTP under 20 ms
median on the million rows.

The archive is synthetic and made in SQL (INSERT ... SELECT generate_series, no ORM), in a
throw-away embedded PostgreSQL at the latest schema: the TESS mission, the TIC, the instrument
tree TESS > Camera 1..4 > CCD 1..4 as ingest makes it, a TESSObservation per sector (1-26),
CCD and cadence (120 s and 1800 s), targets at random positions (uniform on the sphere), each
seen in 3 sectors; per (target, sector) a QLP lightcurve (qlp-optimal-aperture, KSPSAP,
1800 s) and for every second one also SPOC raw + PDC (spoc-optimal-aperture, 120 s), each
with a matching target_specific_time row; and FFI frames (tess_ffi), 10% of the rows, spread
over each CCD's sector, named like SPOC's (ffi/s0001/2018/206/3-3/tess2018206192942-s0001-3-3-
0120-s_ffic.fits), with a 12 x 12 degree square footprint around the CCD's centre in DALI
order, one per (sector, CCD) as a catalogue load gives (416 distinct). The arrays are SHORT:
50-200 values per lightcurve (mean 125) and as many times (spread over the sector, so
t_min/t_max span a sector as real ones do), errors NULL. Rows therefore stay under the 2 kB
TOAST threshold: the arrays are in the heap (1.2 kB per dataset row), where a real archive's
20,000-sample arrays are in TOAST and its heap rows are small, so seq scans of lcdb.dataset
and target_specific_time read several times more pages here than in a real archive (the
refresh reads no array since migration 0011, only the generated summary columns). After the
load the source tables are VACUUM ANALYZEd, as autovacuum would; the small dimension tables
(mission, mission_catalog, instrument, photometric_source, processing_method) are not, since
autovacuum never analyses a table of fewer than 50 rows (--analyze-dimensions does).

Measured, in this order:

(a) the first full refresh (empty ObsCore), through obscore.refresh.refresh in one
    transaction as `lcdb-tap obscore refresh --full` runs it, its statements timed one by one
    (SQLAlchemy cursor events); reference: CREATE TABLE AS of the same two derived SELECTs into
    an unindexed table;
(b) a second full refresh, nothing changed (it writes nothing);
(c) 1,000 datasets added (500 new (target, sector) slots: 500 QLP + 250 x SPOC raw/PDC), then
    an incremental refresh, and one more with nothing new;
(d) over HTTP (`lcdb-tap serve` in a subprocess, one kept-alive httpx.Client, POST
    /tap/sync), medians over --repeat random positions (uniform on the sphere) of
    SELECT TOP 100 obs_id, s_ra, s_dec, t_min FROM ivoa.obscore
    WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), s_region) AND t_min < X AND t_max > Y
    (a one-day window inside the 26 sectors) and of a 0.5 degree cone on s_ra/s_dec;
    reference: the compiled SQL of the same queries through psycopg (the database floor);
(e) unless --no-profile: each ObsCore index's cost (a random subset of the derived rows, in
    the derived order, inserted into an unindexed copy of obscore_rows with only that index,
    minus the copy without), a 2-D lon/lat box GiST for comparison, each index key
    expression alone, and the ANALYZE a refresh ends with;

and the row counts and pg_total_relation_size of the source tables and of ivoa.obscore_rows.

Results at the default 1,000,000 rows (2 cores, shared machine, embedded PostgreSQL 18.6 with
its defaults: shared_buffers 128 MB, work_mem 4 MB, jit on; schema at migration 0011 with
s_region_shape; 2026-12-03). Sources: lcdb.dataset 900,000 rows / 1,071 MB, lcdb.target
150,000 / 40 MB, lcdb.fits_frame 100,000 / 77 MB, lcdb.target_specific_time 675,000 / 781 MB;
ivoa.obscore_rows afterwards 1,001,000 rows / 1,499 MB (1.6 kB per row with its 11 indexes).

    (a) first full refresh       61.7 s  (16,200 rows/s; 10.3x CREATE TABLE AS, 6.0 s)
            derive lightcurves 7.4 s, frames 1.0 s, upsert 51.9 s, ANALYZE 1.0 s
    (b) unchanged full refresh   14.2 s  (0.23x the first; derive 8.4 s, delete 1.5 s,
                                          upsert that writes nothing 4.0 s)
    (c) incremental, +1,000      5.81 s  (derive lightcurves 2.41 s, frames 0.17 s, delete
                                          of rows whose source is gone 1.19 s, upsert 0.05 s,
                                          ANALYZE 1.98 s); with nothing new 3.56 s
    (d) position + time, HTTP    6.5 ms median (p90 22.5), database 2.4 ms: 2.7x;
                                          0.6 rows per query
        cone 0.5 deg, HTTP       4.1 ms median (p90 5.1), database 0.5 ms: 7.9x; 20 rows

With --analyze-dimensions (a busier moment: the CREATE TABLE AS reference took 10.3 s, not
6.0): (a) 72.6 s (7.0x the reference), (b) 13.5 s, (c) 5.59 s (derive lightcurves 1.76 s
instead of 2.41; delete 1.36 s, ANALYZE 2.29 s), nothing new 3.10 s; (d) 7.0 ms median over
HTTP, 2.6 ms in the database (p90 30.6 / 22.7 ms: the p90 of the position query moves with
the machine's load, its median does not).

An earlier run (same archive, before 132c3dc stored s_region_shape and 4d1ce2e/18ea508
computed each footprint once): 178.9 s for (a), 60.9 s for (b), 6.7 s for (c); the region
GiST then parsed the STC-S text per row (geo_region_box, 100 us a row) and the frames'
shapes were computed per joined row (43.5 s). Run-to-run noise on this machine is about
+-10% (a: 57.3 s, 61.7 s, 68.2 s in three runs).

Verdict: the query target is met with room (6.5 ms); the full refresh is at the 60 s target,
not under it; the incremental one misses 2 s by 3x.

Where the time goes. (a): 52 of 62 s are the upsert, and of that nearly all is one index, the
cube GiST ix_obscore_rows_region: (e) gives 37.6 us a row for it against 1-5 us for each of
the ten btrees (12.4 s for all 11 on 200,000 rows, 7.5 s of it the GiST; the bare insert
0.68 s); its key, geo_shape_box(s_region_shape), costs only 6.8 us a row (STC-S parsing,
geo_region, would be 12.4). Measured by hand on the same million rows in derived order:
unindexed insert 3.5 s; with the cube GiST alone 52.1 s; cube GiST on a precomputed cube
column, no expression at all, 31.1 s (index 389 MB); lightcurve circles alone 11.6 s
(93 MB) and frames alone 1.9 s (25 MB), but frames after circles add 12 s and 184 MB (10 s
and 146 MB with every frame box made distinct, so not the duplicates), and frames first then
circles take 42 s (571 MB): contrib cube's Guttman picksplit copes badly with 12-degree boxes
among 0.02-degree ones.
The built-in 2-D box_ops (double-sorting split) on lon/lat boxes of about the same extent:
5.7 s for the million (2.2 us a row; 78 MB against 241 MB), and the position + time
prefilter through it 1.32 ms median against 1.06 ms through the cube GiST (50 positions).
(c): the incremental refresh is proportional to the archive, not to what is new: the derive
joins all 900,000 datasets before the NOT EXISTS anti-join drops them (2.4 s); the delete
of gone rows seq-scans the 1.5 GB obscore_rows (1.2 s); ANALYZE runs after any write (1-2 s,
of which the expression indexes' statistics are 30%).

Proposals (not applied; measured by hand on the million rows, statement by statement, in
transactions rolled back):
* obscore/refresh.py, incremental: find the new ids first (anti-join of pk_dataset and
  uq_obscore_rows_source, index-only: 0.26 s) into a temporary table and derive by joining
  it: 1.06 s instead of 1.34 s, and 0.28 s instead of 0.79 s once the dimension tables are
  analysed (see the next point). The gone rows likewise: their ids by an anti-join of the id
  indexes into a temporary table, then DELETE ... USING it: 0.33 s instead of 1.07 s.
* ANALYZE the dimension tables (a few ms; the refresh or ingest's ensure_dimensions could):
  unanalysed, the planner takes mission_catalog and instrument for hundreds of rows and
  misjudges the derive's joins (incremental derive 1.34 s -> 0.79 s as it is).
* ANALYZE obscore_rows only when the refresh wrote or deleted a sizeable part of it (e.g. 10%
  of reltuples, autovacuum_analyze_scale_factor's own default; autovacuum does the rest):
  saves 1-2 s per load; analysing the columns only saves 30% (1.74 -> 1.21 s).
  Together: incremental refresh of 1,000 datasets ~0.75 s (0.28 + 0.08 frames + 0.33 + 0.05
  upsert; ~1.5 s with the dimension tables unanalysed) against 3.6-5.8 s.
* The region index (adql/ + a migration, not refresh.py): a GiST on a 2-D (lon, lat) box
  (box_ops; a region crossing RA 0 or holding a pole widened to all longitudes, so the box
  stays a superset) instead of the 3-D cube: 2.2 instead of ~50 us a row to insert, a third
  of the size, the same query prefilter cost. The first full refresh would take about 20 s
  (an estimate: today's 62 s less the cube GiST's ~45 s plus the box's ~2 s).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import sqlalchemy as sa
from served import free_port

from lcdb import migrate
from lcdb.db import create_engine
from lcdb.embedded import temporary_server
from obscore.missions import TESS
from obscore.refresh import DEFAULT_AUTHORITY, STORED, dataset_rows, frame_rows, refresh
from tap_service.service import Service
from tap_service.settings import Settings

SECTORS = 26  # 1800 s FFIs (sectors 1-26)
SECTOR_DAYS = 27.4
BTJD_SECTOR_1 = 1325.29  # 2018-07-25 (BTJD = BJD - 2457000)
MJD_OF_BTJD_0 = 56999.5
FRAME_FRACTION = 0.10
MIN_SAMPLES, MAX_SAMPLES = 50, 200
ADDED_SLOTS = 500  # 500 QLP + 250 x 2 SPOC = 1,000 datasets
FRAME_SECONDS = 1800
CONE_RADIUS = 0.5
ROWS = "ivoa.obscore_rows"
POSITION_TIME = (
    "SELECT TOP 100 obs_id, s_ra, s_dec, t_min FROM ivoa.obscore "
    "WHERE 1 = CONTAINS(POINT('ICRS', {ra}, {dec}), s_region) "
    "AND t_min < {stop} AND t_max > {start}"
)
CONE = (
    "SELECT TOP 100 obs_id, s_ra, s_dec FROM ivoa.obscore "
    "WHERE 1 = CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', {ra}, {dec}, {r}))"
)


def libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


# -- the synthetic archive ----------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How many of each: `slots` (target, sector) pairs, 3 per target, 2 datasets each on
    average; `frames` FFI frames."""

    slots: int
    frames: int

    @classmethod
    def for_rows(cls, rows: int) -> Plan:
        frames = round(rows * FRAME_FRACTION)
        slots = (rows - frames) // 2 // 6 * 6  # whole targets, SPOC on every second slot
        return cls(slots, frames)

    @property
    def datasets(self) -> int:
        return self.slots + 2 * (self.slots // 2)


DIMENSIONS = """
WITH mission AS (
    INSERT INTO lcdb.mission (id, name, description, time_unit, time_epoch, time_epoch_scale,
        time_epoch_format, time_format_name)
    VALUES (gen_random_uuid(), 'TESS', 'Transiting Exoplanet Survey Satellite', 'd', 2457000,
        'tdb', 'jd', 'btjd')
    RETURNING id
)
INSERT INTO lcdb.mission_catalog (host_mission_id, name, description)
SELECT id, 'TIC', 'TESS Input Catalog' FROM mission RETURNING id
"""
METHODS = """
INSERT INTO lcdb.photometric_source (name, description) VALUES
    ('spoc-optimal-aperture', 'SPOC simple aperture photometry in the optimal aperture'),
    ('qlp-optimal-aperture', 'QLP aperture photometry in the optimal (best) aperture');
INSERT INTO lcdb.processing_method (name, description) VALUES
    ('PDC', 'SPOC Pre-search Data Conditioning (PDCSAP flux)'),
    ('KSPSAP', 'QLP Kepler-spline detrending of the aperture flux (sectors 1-55)');
INSERT INTO lcdb.instrument (id, name, properties, parent_id)
VALUES (gen_random_uuid(), 'TESS', '{}', NULL);
INSERT INTO lcdb.instrument (id, name, properties, parent_id)
SELECT gen_random_uuid(), 'Camera ' || c, jsonb_build_object('camera', c), root.id
FROM generate_series(1, 4) AS c, lcdb.instrument AS root WHERE root.name = 'TESS';
INSERT INTO lcdb.instrument (id, name, properties, parent_id)
SELECT gen_random_uuid(), 'CCD ' || k, jsonb_build_object('camera', c, 'ccd', k), cam.id
FROM lcdb.instrument AS cam, LATERAL (SELECT (cam.properties ->> 'camera')::int AS c) AS x,
    generate_series(1, 4) AS k
WHERE cam.properties ? 'camera';
"""
OBSERVATIONS = f"""
INSERT INTO lcdb.observation (type, cadence_reference, instrument_id, sector, orbit_number,
    cadence_seconds)
SELECT 'tess_observation', '{{}}', ccd.id, s, 2 * s + 7, k.cadence
FROM generate_series(1, {SECTORS}) AS s, (VALUES (120.0::float8), (1800.0)) AS k(cadence),
    lcdb.instrument AS ccd
WHERE ccd.properties ? 'ccd'
ORDER BY s, ccd.properties ->> 'camera', ccd.properties ->> 'ccd', k.cadence;
CREATE TABLE bench.obs AS
SELECT o.id, o.sector, (i.properties ->> 'camera')::int AS camera,
    (i.properties ->> 'ccd')::int AS ccd, o.cadence_seconds AS cadence
FROM lcdb.observation AS o JOIN lcdb.instrument AS i ON i.id = o.instrument_id;
-- one flux array per length, and per (sector, length) the times spread over the sector
CREATE TABLE bench.flux AS
SELECT n, ARRAY(SELECT 1000 + 10 * random() FROM generate_series(1, n)) AS values
FROM generate_series({MIN_SAMPLES}, {MAX_SAMPLES}) AS n;
CREATE TABLE bench.times AS
SELECT s AS sector, n, ARRAY(
    SELECT {BTJD_SECTOR_1} + (s - 1) * {SECTOR_DAYS} + 0.5 + (i - 1) * 26.0 / (n - 1)
    FROM generate_series(1, n) AS i) AS times
FROM generate_series(1, {SECTORS}) AS s, generate_series({MIN_SAMPLES}, {MAX_SAMPLES}) AS n;
"""
# Slot j (1-based): target (j - 1) / 3 + 1 on one CCD in 3 consecutive sectors; SPOC 120 s
# on even slots; n samples from a fixed pseudo-random sequence.
SLOTS = f"""
CREATE TABLE bench.slot AS
SELECT j, k AS target, 1 + (k * 7) %% 24 + (j - 1) %% 3 AS sector, 1 + k %% 4 AS camera,
    1 + (k / 4) %% 4 AS ccd,
    {MIN_SAMPLES} + (j * 2654435761) %% {MAX_SAMPLES - MIN_SAMPLES + 1} AS n, j %% 2 = 0 AS spoc
FROM generate_series(%(first)s::bigint, %(last)s) AS j, LATERAL (SELECT (j - 1) / 3 + 1 AS k) AS x
"""
TARGETS = """
INSERT INTO lcdb.target (id, catalog_id, name, ra, dec, magnitude)
SELECT k, %(catalog)s, 100000000 + k, 360 * random(), degrees(asin(2 * random() - 1)),
    6 + 10 * random()
FROM (SELECT DISTINCT target AS k FROM bench.slot) AS t
ORDER BY k
"""
DATASETS = """
INSERT INTO lcdb.dataset (target_id, observation_id, photometric_method_id,
    processing_method_id, values, values_unit, pipeline_version, data_release)
SELECT sl.target, o.id, ps.id, pm.id, f.values, p.unit, p.version, sl.sector
FROM bench.slot AS sl
JOIN (VALUES ('qlp-optimal-aperture', 'KSPSAP', 1800.0::float8, '', 'QLP 1.0', false),
             ('spoc-optimal-aperture', NULL, 120.0, 'electron/s', 'spoc-4.0', true),
             ('spoc-optimal-aperture', 'PDC', 120.0, 'electron/s', 'spoc-4.0', true))
    AS p(source, method, cadence, unit, version, spoc) ON sl.spoc OR NOT p.spoc
JOIN bench.obs AS o ON (o.sector, o.camera, o.ccd, o.cadence)
    = (sl.sector, sl.camera, sl.ccd, p.cadence)
JOIN lcdb.photometric_source AS ps ON ps.name = p.source
LEFT JOIN lcdb.processing_method AS pm ON pm.name = p.method
JOIN bench.flux AS f ON f.n = sl.n
ORDER BY sl.j, p.cadence DESC, pm.id NULLS FIRST
"""
TIMES = """
INSERT INTO lcdb.target_specific_time (target_id, observation_id, barycentric_julian_dates)
SELECT sl.target, o.id, t.times
FROM bench.slot AS sl
JOIN (VALUES (1800.0::float8, false), (120.0, true)) AS p(cadence, spoc) ON sl.spoc OR NOT p.spoc
JOIN bench.obs AS o ON (o.sector, o.camera, o.ccd, o.cadence)
    = (sl.sector, sl.camera, sl.ccd, p.cadence)
JOIN bench.times AS t ON t.sector = sl.sector AND t.n = sl.n
ORDER BY sl.j, p.cadence DESC
"""
# Frame f: the (f mod 416)th FFI observation, its (f / 416)th frame; a CCD's frames are spread
# over its sector. The footprint: a 12 x 12 degree square (in lat; lon widened by 1/cos lat)
# around the CCD's centre, counter-clockwise with lon to the right (DALI order).
FRAMES = f"""
WITH per AS (SELECT ceil(%(frames)s::float8 / (SELECT count(*) FROM bench.obs
                                              WHERE cadence = 1800))::int AS m),
keyed AS (
    SELECT o.id AS observation_id, o.sector, o.camera, o.ccd,
        row_number() OVER (ORDER BY o.sector, o.camera, o.ccd) - 1 AS key
    FROM bench.obs AS o WHERE o.cadence = 1800
),
centre AS (
    SELECT k.*, mod(((k.sector - 1) * 360.0 / {SECTORS} + 20 * (k.camera - 1)
                     + ((k.ccd - 1) %% 2) * 12 - 6)::numeric, 360)::float8 AS ra,
        -48 + 30 * (k.camera - 1) + ((k.ccd - 1) / 2) * 12 - 6 AS dec
    FROM keyed AS k
),
shape AS (
    SELECT c.*, 6 / cosd(c.dec) AS w FROM centre AS c
),
frame AS (
    SELECT s.*, f / (SELECT count(*) FROM keyed) AS i, per.m,
        {BTJD_SECTOR_1} + (s.sector - 1) * {SECTOR_DAYS}
            + (f / (SELECT count(*) FROM keyed)) * (26.0 / per.m) AS start
    FROM generate_series(0, %(frames)s - 1) AS f
    JOIN shape AS s ON s.key = f %% (SELECT count(*) FROM keyed)
    CROSS JOIN per
),
named AS (
    SELECT fr.*, timestamp '2014-12-08 12:00:00' + fr.start * interval '1 day' AS at FROM frame fr
)
INSERT INTO lcdb.fits_frame (type, cadence, observation_id, simple, bitpix, naxis, naxis_values,
    extended, bscale, bzero, file_path, start_time, stop_time, exposure_time, quality, footprint)
SELECT 'tess_ffi', n.sector * 100000 + n.i, n.observation_id, true, -32, 2, '{{2136,2078}}',
    true, 1.0, 0.0,
    format('ffi/s%%1$s/%%2$s/%%3$s/%%4$s-%%5$s/tess%%6$s-s%%1$s-%%4$s-%%5$s-0120-s_ffic.fits',
        lpad(n.sector::text, 4, '0'), to_char(n.at, 'YYYY'), to_char(n.at, 'DDD'), n.camera,
        n.ccd, to_char(n.at, 'YYYYDDDHH24MISS')),
    n.start, n.start + {FRAME_SECONDS - 1} / 86400.0, {FRAME_SECONDS * 0.792}, 0,
    ARRAY[mod((n.ra - n.w + 360)::numeric, 360)::float8, n.dec - 6,
          mod((n.ra + n.w)::numeric, 360)::float8, n.dec - 6,
          mod((n.ra + n.w)::numeric, 360)::float8, n.dec + 6,
          mod((n.ra - n.w + 360)::numeric, 360)::float8, n.dec + 6]
FROM named AS n
ORDER BY n.sector, n.camera, n.ccd, n.i
"""
SOURCES = ("dataset", "target", "fits_frame", "target_specific_time", "observation")


DIMENSION_TABLES = (
    "mission",
    "mission_catalog",
    "instrument",
    "photometric_source",
    "processing_method",
)


def build(url: str, plan: Plan, *, analyze_dimensions: bool = False) -> None:
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        conn.execute("SELECT setseed(0.42)")
        conn.execute("CREATE SCHEMA bench")
        with conn.transaction():
            row = conn.execute(DIMENSIONS).fetchone()
            assert row is not None
            catalog = row[0]
            conn.execute(METHODS)
            conn.execute(OBSERVATIONS)
        add_slots(conn, catalog, 1, plan.slots, "lightcurves")
        started = time.perf_counter()
        with conn.transaction():
            conn.execute(FRAMES, {"frames": plan.frames})
        print(f"  {plan.frames:,} FFI frames in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        # what autovacuum does after such loads; it never analyses the dimension tables (fewer
        # rows than autovacuum_analyze_threshold), so by default neither does this
        for table in SOURCES:
            conn.execute(f"VACUUM ANALYZE lcdb.{table}")
        if analyze_dimensions:
            for table in DIMENSION_TABLES:
                conn.execute(f"ANALYZE lcdb.{table}")
        print(
            f"  VACUUM ANALYZE of the sources{' and dimensions' if analyze_dimensions else ''} "
            f"in {time.perf_counter() - started:.1f} s"
        )


def add_slots(conn: psycopg.Connection[Any], catalog: int, first: int, last: int, what: str) -> int:
    """Targets, datasets and times of slots first..last; the number of datasets added."""
    started = time.perf_counter()
    with conn.transaction():
        conn.execute("DROP TABLE IF EXISTS bench.slot")
        conn.execute(SLOTS, {"first": first, "last": last})
        conn.execute(TARGETS, {"catalog": catalog})
        added = conn.execute(DATASETS).rowcount
        conn.execute(TIMES)
    print(
        f"  {what}: {added:,} datasets of {last - first + 1:,} (target, sector) slots in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return added


def catalog_id(url: str) -> int:
    with psycopg.connect(libpq(url)) as conn:
        row = conn.execute("SELECT id FROM lcdb.mission_catalog WHERE name = 'TIC'").fetchone()
        assert row is not None
        return int(row[0])


def sizes(url: str) -> None:
    tables = [f"lcdb.{t}" for t in SOURCES] + [ROWS]
    with psycopg.connect(libpq(url)) as conn:
        print(f"  {'table':<28}{'rows':>12}{'total size':>13}{'per row':>10}")
        for table in tables:
            row = conn.execute(
                f"SELECT count(*), pg_total_relation_size('{table}') FROM {table}"
            ).fetchone()
            assert row is not None
            count, size = int(row[0]), int(row[1])
            per = f"{size / count:,.0f} B" if count else "-"
            print(f"  {table:<28}{count:>12,}{size / 2**20:>10,.0f} MB{per:>10}")
        row = conn.execute(
            "SELECT min(cardinality(values)), max(cardinality(values)), "
            "avg(cardinality(values)) FROM lcdb.dataset"
        ).fetchone()
        assert row is not None
        print(
            f"  dataset.values: {row[0]}-{row[1]} elements (mean {float(row[2]):.0f}), "
            "errors NULL; target_specific_time: as many times"
        )


# -- refreshes ----------------------------------------------------------------------------------


@dataclass
class Timed:
    label: str
    seconds: float
    rows: int


@contextmanager
def statement_timer(engine: sa.Engine) -> Iterator[list[Timed]]:
    """Every statement the engine runs meanwhile, with its time and row count."""
    timed: list[Timed] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seconds = time.perf_counter() - conn.info.pop("bench_started")
        timed.append(Timed(label(statement), seconds, cursor.rowcount))

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        yield timed
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)


def label(statement: str) -> str:
    text = " ".join(statement.split())
    if text.startswith("INSERT INTO obscore_fresh"):
        return "derive " + ("frames" if "lcdb.fits_frame AS f" in text else "lightcurves")
    if text.startswith(f"INSERT INTO {ROWS}"):
        return "upsert into obscore_rows"
    if text.startswith(f"DELETE FROM {ROWS}"):
        return "delete rows whose source is gone"
    return text[:40]


def timed_refresh(url: str, *, full: bool, title: str) -> float:
    engine = create_engine(url)
    try:
        with statement_timer(engine) as timed:
            started = time.perf_counter()
            with engine.begin() as connection:
                report = refresh(connection, full=full)
                before_commit = time.perf_counter()
            seconds = time.perf_counter() - started
    finally:
        engine.dispose()
    print(f"{title}: {seconds:.2f} s ({report}); rows/s derived: {report.derived / seconds:,.0f}")
    for step in timed:
        if step.seconds >= 0.005:
            print(f"    {step.label:<40}{step.seconds:8.2f} s  {max(step.rows, 0):>10,} rows")
    print(f"    {'commit':<40}{seconds - (before_commit - started):8.2f} s")
    return seconds


def derived_selects() -> list[str]:
    return [dataset_rows(TESS, full=True), frame_rows(TESS, full=True)]


def reference_create_table_as(url: str) -> float:
    """The same derived rows into an unindexed table: what a refresh cannot go below."""
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench.plain")
        started = time.perf_counter()
        with conn.transaction():
            first, second = derived_selects()
            params = {"authority": DEFAULT_AUTHORITY}
            conn.execute(_psycopg(f"CREATE TABLE bench.plain AS {first}"), params)
            columns = ", ".join(STORED)
            conn.execute(_psycopg(f"INSERT INTO bench.plain ({columns}) {second}"), params)
        seconds = time.perf_counter() - started
        row = conn.execute("SELECT count(*) FROM bench.plain").fetchone()
        assert row is not None
    print(
        f"reference, CREATE TABLE AS of the same SELECTs (no index, no upsert): {seconds:.2f} s "
        f"for {int(row[0]):,} rows"
    )
    return seconds


def _psycopg(sql: str) -> str:
    """SQLAlchemy text (:authority) as psycopg (%(authority)s)."""
    return sql.replace("%", "%%").replace(":authority", "%(authority)s")


# -- where the time goes ------------------------------------------------------------------------


def profile(url: str, sample: int) -> None:
    """Each ObsCore index's cost on `sample` rows of bench.plain, its key expression alone, and
    the ANALYZE a refresh ends with (as it is, and without the expression indexes' statistics)."""
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        indexes = conn.execute(
            "SELECT c.relname, pg_get_indexdef(c.oid), i.indexprs IS NOT NULL "
            "FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid "
            f"WHERE i.indrelid = '{ROWS}'::regclass ORDER BY c.relname"
        ).fetchall()
        # a random subset in the derived order (the order a refresh inserts in: GiST insertion
        # costs depend on it)
        conn.execute(
            "CREATE TABLE bench.sample AS SELECT * FROM bench.plain "
            f"WHERE random() < {sample} / (SELECT count(*) FROM bench.plain)::float8"
        )
        row = conn.execute("SELECT count(*) FROM bench.sample").fetchone()
        assert row is not None
        sample = int(row[0])
        columns = ", ".join(STORED)

        def insert(index: str | None) -> float:
            conn.execute("DROP TABLE IF EXISTS bench.copy")
            conn.execute(f"CREATE TABLE bench.copy (LIKE {ROWS} INCLUDING DEFAULTS)")
            if index is not None:
                conn.execute(
                    index.replace(f"ON {ROWS}", "ON bench.copy").replace("INDEX ", "INDEX b_", 1)
                )
            started = time.perf_counter()
            conn.execute(f"INSERT INTO bench.copy ({columns}) SELECT {columns} FROM bench.sample")
            return time.perf_counter() - started

        insert(None)  # warm the cache
        bare = min(insert(None) for _ in range(2))
        print(f"  insert of {sample:,} rows into an unindexed copy: {bare:.2f} s")
        costs = []
        for name, definition, _ in indexes:
            seconds = insert(definition)
            costs.append((seconds - bare, name))
        for extra, name in sorted(costs, reverse=True):
            print(
                f"    + {name:<40}{extra:7.2f} s  ({extra / sample * 1e6:6.1f} us/row, "
                f"{extra / bare:4.1f}x the bare insert)"
            )
        print(f"    sum of the index costs: {sum(c for c, _ in costs):.2f} s")
        # Not in the schema: a GiST on a 2-D (lon, lat) box of about the same extent, the
        # built-in box_ops (double-sorting split) instead of cube's Guttman split
        box = (
            "box(point(s_ra - s_fov / 2, s_dec - s_fov / 2), "
            "point(s_ra + s_fov / 2, s_dec + s_fov / 2))"
        )
        extra = insert(f"CREATE INDEX box ON {ROWS} USING gist (({box}))") - bare
        print(
            f"    (for comparison, not in the schema: a GiST on a 2-D lon/lat box "
            f"{extra:.2f} s, {extra / sample * 1e6:.1f} us/row)"
        )
        keys = [
            definition.split(" USING ", 1)[1].split(" (", 1)[1].rsplit(")", 1)[0]
            for _, definition, expression in indexes
            if expression
        ]
        # what the STC-S text costs to read (queries on a region column without a shape column)
        for key in [*keys, "adql_udf.geo_region(s_region)"]:
            started = time.perf_counter()
            conn.execute(f"SELECT count(ROW({key})) FROM bench.sample")
            spent = time.perf_counter() - started
            print(f"  {key} alone: {spent:.2f} s ({spent / sample * 1e6:.1f} us/row)")
        conn.execute("DROP TABLE bench.copy")
        conn.execute("DROP TABLE bench.sample")

        analyzed = []
        for what, statement in (
            ("ANALYZE as a refresh runs it", f"ANALYZE {ROWS}"),
            (
                "ANALYZE of the columns only (no expression-index statistics)",
                f"ANALYZE {ROWS} ({columns})",
            ),
        ):
            started = time.perf_counter()
            conn.execute(statement)
            analyzed.append(time.perf_counter() - started)
            print(f"  {what}: {analyzed[-1]:.2f} s")
        print(f"    ratio: {analyzed[0] / analyzed[1]:.1f}x")


def explain_selects(url: str) -> None:
    with psycopg.connect(libpq(url)) as conn:
        for name, select in zip(("lightcurves", "frames"), derived_selects(), strict=True):
            plan = conn.execute(
                _psycopg(f"EXPLAIN (ANALYZE, TIMING OFF, SUMMARY) {select}"),
                {"authority": DEFAULT_AUTHORITY},
            ).fetchall()
            print(f"  EXPLAIN ANALYZE, derived SELECT of the {name}:")
            for (line,) in plan:
                print(f"    {line}")


# -- queries over HTTP ----------------------------------------------------------------------------


@contextmanager
def serving(url: str) -> Iterator[str]:
    """`lcdb-tap serve` on a free loopback port, in its own process."""
    port = free_port()
    with tempfile.TemporaryDirectory() as jobs:
        command = [
            str(Path(sys.executable).with_name("lcdb-tap")),
            "serve",
            "--database-url",
            url,
            "--port",
            str(port),
            "--async-dir",
            jobs,
            "--maxrec-default",
            "1000",
        ]
        env = {**os.environ, "LCDB_HOME": jobs}
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/tap/availability", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("lcdb-tap serve did not come up")
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=60)


def positions(repeat: int, seed: int) -> list[tuple[float, float, float]]:
    """Random (ra, dec) uniform on the sphere and a one-day window start (MJD) in the sectors."""
    rng = random.Random(seed)
    span = SECTORS * SECTOR_DAYS - 1
    return [
        (
            rng.uniform(0, 360),
            math.degrees(math.asin(rng.uniform(-1, 1))),
            MJD_OF_BTJD_0 + BTJD_SECTOR_1 + rng.uniform(0, span),
        )
        for _ in range(repeat)
    ]


def median_ms(times: list[float]) -> tuple[float, float]:
    return statistics.median(times) * 1000, statistics.quantiles(times, n=10)[-1] * 1000


def queries(url: str, repeat: int) -> tuple[float, float]:
    """Medians over HTTP of the position + time query and the cone, and their SQL directly."""
    kinds = {
        "position + time": [
            POSITION_TIME.format(ra=ra, dec=dec, start=t, stop=t + 1)
            for ra, dec, t in positions(repeat, 7)
        ],
        f"cone {CONE_RADIUS} deg on s_ra/s_dec": [
            CONE.format(ra=ra, dec=dec, r=CONE_RADIUS) for ra, dec, _ in positions(repeat, 11)
        ],
    }
    service = Service(Settings(maxrec_default=1000), url)
    results: dict[str, tuple[float, float]] = {}
    with serving(url) as base, httpx.Client(base_url=base, timeout=60) as client:
        for kind, adql in kinds.items():
            for query in adql[:3]:  # warm-up: plans, caches, the service's first requests
                client.post("/tap/sync", data={"LANG": "ADQL", "QUERY": query})
            over_http = []
            for query in adql:
                started = time.perf_counter()
                response = client.post("/tap/sync", data={"LANG": "ADQL", "QUERY": query})
                body = response.content
                over_http.append(time.perf_counter() - started)
                assert response.status_code == 200 and b"QUERY_STATUS" in body, body[:500]
            direct, counted = [], 0
            with psycopg.connect(libpq(url), autocommit=True) as conn:
                conn.execute("SET jit = off")  # as the service runs queries
                conn.execute("SELECT set_config('lcdb.service_url', 'http://127.0.0.1/tap', false)")
                for query in adql:
                    sql = service.dialect.compile(query, service.catalog, maxrec=1000).sql
                    started = time.perf_counter()
                    counted += len(conn.execute(sql).fetchall())  # type: ignore[arg-type]
                    direct.append(time.perf_counter() - started)
            http_ms, http_p90 = median_ms(over_http)
            db_ms, db_p90 = median_ms(direct)
            print(f"  {kind}: {counted / repeat:.1f} rows per query on average")
            print(
                f"    HTTP /tap/sync, kept-alive   median {http_ms:7.2f} ms"
                f"   p90 {http_p90:7.2f} ms"
            )
            print(f"    same SQL through psycopg     median {db_ms:7.2f} ms   p90 {db_p90:7.2f} ms")
            print(f"    ratio HTTP / database: {http_ms / db_ms:.1f}x")
            results[kind] = (http_ms, db_ms)
        example = kinds["position + time"][0]
        print(f"  e.g. {example}")
    return results["position + time"]


# -- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="ObsCore rows to derive")
    parser.add_argument("--repeat", type=int, default=50, help="queries of each kind")
    parser.add_argument("--no-profile", action="store_true", help="skip the per-index costs")
    parser.add_argument(
        "--profile-rows", type=int, default=200_000, help="rows of the per-index insert test"
    )
    parser.add_argument("--explain", action="store_true", help="print the derived SELECTs' plans")
    parser.add_argument(
        "--analyze-dimensions",
        action="store_true",
        help="ANALYZE the small dimension tables too (mission, instrument...), which autovacuum "
        "never does",
    )
    args = parser.parse_args()
    plan = Plan.for_rows(args.rows)
    with temporary_server("lcdb-bench-") as server:
        url = server.url()
        migrate.upgrade(url)
        print(
            f"building {plan.datasets + plan.frames:,} sources: {plan.datasets:,} datasets "
            f"({plan.slots:,} (target, sector) slots, {plan.slots // 3:,} targets), "
            f"{plan.frames:,} frames"
        )
        build(url, plan, analyze_dimensions=args.analyze_dimensions)
        print("source tables:")
        sizes(url)

        print()
        full_s = timed_refresh(url, full=True, title="(a) first full refresh, empty ObsCore")
        plain_s = reference_create_table_as(url)
        print(
            f"    ratio refresh / CREATE TABLE AS: {full_s / plain_s:.1f}x "
            "(the cost of the indexes, the upsert and ANALYZE)"
        )
        again_s = timed_refresh(url, full=True, title="(b) second full refresh, nothing changed")
        print(f"    ratio to the first: {again_s / full_s:.2f}x")

        with psycopg.connect(libpq(url), autocommit=True) as conn:
            added = add_slots(
                conn, catalog_id(url), plan.slots + 1, plan.slots + ADDED_SLOTS, "added"
            )
            for table in ("dataset", "target", "target_specific_time"):
                conn.execute(f"ANALYZE lcdb.{table}")  # as autovacuum would after a load
        incremental_s = timed_refresh(
            url, full=False, title=f"(c) incremental refresh after adding {added:,} datasets"
        )
        nothing_s = timed_refresh(url, full=False, title="    incremental refresh, nothing new")
        print(f"    ratio incremental / first full: {incremental_s / full_s:.3f}x")

        print("\nsource tables and ObsCore after the refreshes:")
        sizes(url)

        print(f"\n(d) ObsCore queries, {args.repeat} each:")
        http_ms, db_ms = queries(url, args.repeat)

        if not args.no_profile:
            print(f"\n(e) where a full refresh's time goes ({args.profile_rows:,} rows sampled):")
            profile(url, min(args.profile_rows, plan.datasets + plan.frames))
        if args.explain:
            explain_selects(url)

        print(
            f"\nsummary at {plan.datasets + plan.frames:,} rows: first full refresh "
            f"{full_s:.1f} s (target 60 s; {full_s / plain_s:.1f}x CREATE TABLE AS), unchanged "
            f"full {again_s:.1f} s, incremental +{added:,} datasets {incremental_s:.2f} s "
            f"(target 2 s; nothing new {nothing_s:.2f} s), position + time query over HTTP "
            f"{http_ms:.1f} ms median (target 20 ms; {http_ms / db_ms:.1f}x the database's "
            f"{db_ms:.1f} ms)"
        )


if __name__ == "__main__":
    main()
