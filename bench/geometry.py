"""Benchmark: sky-geometry indexes on stock PostgreSQL, against pgsphere and q3c (issue #11).

    python bench/geometry.py [--points N] [--repeat N] [--skip-reference] [--exact SQL]
                             [--exact-polygon SQL] [--only-footprints]

Not a test. It builds N random points uniform on the sphere (``setseed`` + ``random()``, so
every server gets the same data) twice: in generation order (``pts_r``, spatially random) and
ordered by their HEALPix order-29 nested index (``pts_c``, clustered on a space-filling curve).
Then 10,000 upload positions (half within 1.5 arcsec of a catalogue point), 100,000 convex
quadrilateral footprints of 0.2-12 deg and 10,000 points for the point-in-footprint join.
On each server -- the embedded PostgreSQL and, unless --skip-reference, Debian's PostgreSQL 15
with pgsphere and q3c when those packages are installed -- it times, interleaved centre by
centre so that a noisy machine hits every design alike (client round trip through psycopg:
parse, plan, execute, fetch; JIT off unless said):

* cone search, r = 0.1 and 1 deg, `--repeat` random centres, median ms; the counts of the
  first centres are checked against a brute-force sequential scan;
* crossmatch of the 10,000 uploads at 2 arcsec (all pairs; total ms, median of 3);
* nearest neighbour (k = 1 and 10), median ms, ids checked across designs;
* point-in-footprint: 10k points x 100k polygons, all pairs; and footprints meeting a cone;
  the exact test is the real adql_udf.geo_point_in_polygon (``--exact-polygon`` for another),
  and its cost per candidate pair is measured beside the stand-in's and the prepared path's
  (``--only-footprints`` measures just this part);

for our designs -- zones (btree on (declination zone, ra): the choice), A = `cube` GiST,
B = HEALPix btree -- and, where installed, pgsphere and q3c, and prints ratios to them.

Measured (2026-12-03, this 2-core shared machine, 10M points, ms, medians; same server and
data for every column; Debian PostgreSQL 15.18, pg_sphere 1.2.0, q3c 2.0.0):

  query                          zones(ours)  HEALPix  pgsphere    q3c   ours/q3c  ours/pgs
  cone 0.1 deg, clustered            0.247      0.259     0.140   2.544    0.10      1.77
  cone 1 deg, clustered              0.747      0.756     0.583   2.930    0.25      1.28
  cone 1 deg, unclustered            2.297      2.692       -     4.809    0.48       -
  crossmatch 10k x 10M at 2"        63.7       81.2     175.1    69.4     0.92      0.36
  crossmatch with jit = on         503.0         -      224.5   174.2     2.89      2.24
  point-in-footprint 10k x 100k   7088 (cube)    -     5231     wrong       -       1.36
  KNN k=1: cube GiST 0.48 (0.26 on 18), zones radius ladder 6.7; pgsphere not index-ordered

Point-in-footprint with the real exact test (adql_udf.geo_point_in_polygon, which decides
convex quadrilaterals in the expression; 2026-12-03, embedded 18.6, --only-footprints): the join
4.6 s, against 6.1 s with the stand-in bench_in_quad and 35 s with the polygon prepared per
pair (as before); per candidate pair (656,130 of them) 5.5, 7.5 and 54 us.

On the embedded PostgreSQL 18.6: zones cone 0.1/1 deg clustered 0.29/0.85, crossmatch 54;
`cube` GiST 0.28/1.01 and crossmatch 182, but 2.5 GB and 6-7 min to build per 10M rows
(zones btree: 301 MB, 4-8 s). Decision: points get a btree on (adql_udf.geo_zone(dec), ra),
clustered on it; footprints a `cube` GiST on adql_udf.geo_poly_box(footprint); KNN uses an
optional point `cube` GiST. Why, and the SQL the translator emits: the notes file
geometry-index.md of this work (issue #11), and bench/geometry_sql.py.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
import psycopg
from geometry_sql import (
    BENCH_IN_QUAD,
    EXACT_POLYGON,
    FUNCTIONS,
    ZONES_PER_DEGREE,
    CubeGist,
    Design,
    Healpix,
    Pgsphere,
    Q3c,
    Zones,
)

from lcdb import embedded
from lcdb.embedded import EmbeddedPostgres, temporary_server

DEBIAN_BIN = Path("/usr/lib/postgresql/15/bin")
REPO = Path(__file__).resolve().parents[1]
SETTINGS = {  # the same on both servers; data and indexes fit in shared_buffers
    "shared_buffers": "6GB",
    "work_mem": "64MB",
    "maintenance_work_mem": "1GB",
    "max_wal_size": "8GB",
    "effective_cache_size": "12GB",
}
XMATCH_RADIUS = 2 / 3600
UPLOADS = 10_000
FOOTPRINTS = 100_000
FP_POINTS = 10_000
CHECKED = 5  # cone centres checked against a brute-force count

Conn = psycopg.Connection[tuple[object, ...]]


@contextlib.contextmanager
def reference_server() -> Iterator[EmbeddedPostgres]:
    """Debian's PostgreSQL 15 driven by the embedded server's own lifecycle code."""
    with (
        mock.patch.object(embedded, "binaries", return_value=DEBIAN_BIN),
        temporary_server("lcdb-bench-pg15-") as server,
    ):
        yield server


def connect(server: EmbeddedPostgres) -> Conn:
    conn = psycopg.connect(server.libpq_url(), autocommit=True, prepare_threshold=None)
    conn.execute("SET jit = off")
    return conn


def tune(server: EmbeddedPostgres) -> None:
    with connect(server) as conn:
        for name, value in SETTINGS.items():
            conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
    server.stop()
    server.start()


def timed(conn: Conn, sql: str, params: dict[str, object] | None = None) -> float:
    start = time.perf_counter()
    conn.execute(sql, params)  # type: ignore[arg-type]
    return time.perf_counter() - start


def run(conn: Conn, sql: str) -> tuple[float, list[tuple[object, ...]]]:
    """(ms, rows) of one query, fetched in full."""
    start = time.perf_counter()
    rows = conn.execute(sql).fetchall()
    return (time.perf_counter() - start) * 1000, rows


def try_extension(conn: Conn, name: str) -> bool:
    try:
        conn.execute(f"CREATE EXTENSION IF NOT EXISTS {name}")
    except psycopg.Error as exc:
        print(f"  extension {name}: not available ({str(exc).strip().splitlines()[0]})")
        return False
    return True


# -- data ----------------------------------------------------------------------------------


def build_points(conn: Conn, points: int) -> None:
    conn.execute("SELECT setseed(0.42)")
    seconds = timed(
        conn,
        "CREATE UNLOGGED TABLE pts_g AS SELECT i::bigint AS id, 360 * random() AS ra,"
        " degrees(asin(2 * random() - 1)) AS dec FROM generate_series(1, %(n)s) AS i",
        {"n": points},
    )
    print(f"  {points:,} random points generated in {seconds:.1f} s")
    seconds = timed(
        conn,
        "CREATE UNLOGGED TABLE pts_r AS SELECT id, ra, dec,"
        " adql_udf.ivo_healpix_index(29, ra, dec) AS hpx FROM pts_g",
    )
    conn.execute("DROP TABLE pts_g")
    print(
        f"  + HEALPix order-29 index by the plpgsql adql_udf.ivo_healpix_index: {seconds:.1f} s"
        f" ({seconds / points * 1e6 * 2:.1f} us per call per core, 2 workers)"
    )
    seconds = timed(conn, "CREATE UNLOGGED TABLE pts_c AS SELECT * FROM pts_r ORDER BY hpx")
    print(f"  clustered copy (ORDER BY the HEALPix index) in {seconds:.1f} s")
    conn.execute("VACUUM ANALYZE pts_r")
    conn.execute("VACUUM ANALYZE pts_c")


def build_uploads(conn: Conn, points: int) -> None:
    rng = np.random.default_rng(7)
    half = UPLOADS // 2
    ids = [(i * 1999 + 12345) % points + 1 for i in range(1, half + 1)]
    found = dict(
        conn.execute("SELECT id, ARRAY[ra, dec] FROM pts_r WHERE id = ANY(%s)", (ids,)).fetchall()
    )
    near = np.array([found[i] for i in ids], dtype=float)
    rho = 1.5 / 3600 * np.sqrt(rng.random(half))
    phi = 2 * np.pi * rng.random(half)
    dec = np.clip(near[:, 1] + rho * np.cos(phi), -90, 90)
    ra = (near[:, 0] + rho * np.sin(phi) / np.maximum(np.cos(np.radians(dec)), 1e-6)) % 360
    ra = np.concatenate([ra, 360 * rng.random(UPLOADS - half)])
    dec = np.concatenate([dec, np.degrees(np.arcsin(2 * rng.random(UPLOADS - half) - 1))])
    conn.execute("CREATE TABLE upload (id bigint PRIMARY KEY, ra float8, dec float8)")
    copy_rows(conn, "upload", zip(range(1, UPLOADS + 1), ra.tolist(), dec.tolist(), strict=True))
    conn.execute("ANALYZE upload")
    # B's crossmatch needs each upload's HEALPix cells (own + 8 neighbours at order 12) as
    # order-29 ranges: computed here, client-side (cdshealpix), as a service would at upload.
    import astropy.units as u
    from cdshealpix import nested

    cells = nested.lonlat_to_healpix(ra * u.deg, dec * u.deg, 12).astype(np.int64)
    around = nested.neighbours(cells, 12).astype(np.int64)
    rows = []
    for upload_id, row in enumerate(around, start=1):
        cells_of = sorted({int(c) for c in row if c >= 0})
        for lo, hi in merge([(c << 34, ((c + 1) << 34) - 1) for c in cells_of]):
            rows.append((upload_id, lo, hi))
    conn.execute("CREATE TABLE upload_cells (id bigint, lo bigint, hi bigint)")
    copy_rows(conn, "upload_cells", rows)
    conn.execute("CREATE INDEX ON upload_cells (id)")
    conn.execute("ANALYZE upload_cells")


def merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def build_footprints(conn: Conn) -> None:
    """Convex quadrilaterals 0.2-12 deg a side (log-uniform), randomly rotated."""
    rng = np.random.default_rng(11)
    lon0 = np.radians(360 * rng.random(FOOTPRINTS))
    lat0 = np.arcsin(2 * rng.random(FOOTPRINTS) - 1)
    half = np.radians(np.exp(rng.uniform(math.log(0.2), math.log(12), FOOTPRINTS))) / 2
    turn = 2 * np.pi * rng.random(FOOTPRINTS)
    vertices = []
    for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        x0, y0 = np.tan(half) * sx, np.tan(half) * sy  # gnomonic offsets of the corners
        xi = x0 * np.cos(turn) - y0 * np.sin(turn)
        eta = x0 * np.sin(turn) + y0 * np.cos(turn)
        denominator = np.cos(lat0) - eta * np.sin(lat0)
        lon = np.degrees(lon0 + np.arctan2(xi, denominator)) % 360
        lat = np.degrees(np.arctan2(np.sin(lat0) + eta * np.cos(lat0), np.hypot(xi, denominator)))
        vertices += [lon, lat]
    polygons = np.stack(vertices, axis=1)
    conn.execute("CREATE TABLE footprints (id bigint PRIMARY KEY, footprint float8[])")
    copy_rows(conn, "footprints", ((i + 1, p.tolist()) for i, p in enumerate(polygons)))
    rng = np.random.default_rng(13)
    ra = 360 * rng.random(FP_POINTS)
    dec = np.degrees(np.arcsin(2 * rng.random(FP_POINTS) - 1))
    conn.execute("CREATE TABLE fp_points (id bigint PRIMARY KEY, ra float8, dec float8)")
    copy_rows(conn, "fp_points", zip(range(1, FP_POINTS + 1), ra, dec, strict=True))
    conn.execute("ANALYZE footprints")
    conn.execute("ANALYZE fp_points")


def copy_rows(conn: Conn, table: str, rows: object) -> None:
    with conn.cursor().copy(f"COPY {table} FROM STDIN") as copy:
        for row in rows:  # type: ignore[attr-defined]
            copy.write_row(row)


# -- indexes -------------------------------------------------------------------------------

INDEXES = {  # design -> [(table, DDL)]
    "zones": [
        (t, f"CREATE INDEX {t}_zone ON {t} (adql_udf.geo_zone(dec), ra)")
        for t in ("pts_c", "pts_r")
    ],
    "healpix": [(t, f"CREATE INDEX {t}_hpx ON {t} (hpx)") for t in ("pts_c", "pts_r")],
    "cube": [
        ("pts_c", "CREATE INDEX pts_c_cube ON pts_c USING gist (adql_udf.geo_cube(ra, dec))"),
        (
            "footprints",
            "CREATE INDEX fp_box ON footprints USING gist (adql_udf.geo_poly_box(footprint))",
        ),
    ],
    "pgsphere": [
        ("pts_c", "CREATE INDEX pts_c_sp ON pts_c USING gist (spoint(radians(ra), radians(dec)))"),
        ("footprints", "CREATE INDEX fp_sp ON footprints USING gist (sp)"),
    ],
    "q3c": [
        (t, f"CREATE INDEX {t}_q3c ON {t} (q3c_ang2ipix(ra, dec))")
        for t in ("pts_c", "pts_r", "fp_points")
    ],
}


def build_indexes(conn: Conn, design: str) -> list[str]:
    """Create the design's indexes; returns the point tables it indexes."""
    if design == "pgsphere":
        conn.execute("ALTER TABLE footprints ADD COLUMN sp spoly")
        conn.execute(
            "UPDATE footprints SET sp = (SELECT spoly('{' || string_agg(format('(%sd,%sd)',"
            " footprint[2 * i - 1], footprint[2 * i]), ',' ORDER BY i) || '}')"
            " FROM generate_series(1, 4) AS i)"
        )
    tables = []
    for table, ddl in INDEXES[design]:
        if NO_CUBE_POINTS and "pts_c_cube" in ddl:
            print("  index pts_c_cube: skipped (--no-cube-points)")
            continue
        seconds = timed(conn, ddl)
        name = ddl.split()[2]
        (size,) = conn.execute(  # type: ignore[misc]
            "SELECT pg_size_pretty(pg_relation_size(%s::regclass))", (name,)
        ).fetchone()
        print(f"  index {name:<14} {seconds:7.1f} s  {size:>8}   {ddl}")
        if table.startswith("pts"):
            tables.append(table)
        conn.execute(f"ANALYZE {table}")
    return tables


def prewarm(conn: Conn) -> None:
    if not try_extension(conn, "pg_prewarm"):
        return
    conn.execute(
        "SELECT pg_prewarm(c.oid) FROM pg_class AS c JOIN pg_namespace AS n ON n.oid ="
        " c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')"
    )


# -- measurements --------------------------------------------------------------------------


def sphere_points(count: int, seed: int) -> list[tuple[float, float]]:
    rng = np.random.default_rng(seed)
    ra = 360 * rng.random(count)
    dec = np.degrees(np.arcsin(2 * rng.random(count) - 1))
    return list(zip(ra.tolist(), dec.tolist(), strict=True))


EXPLAIN = False  # --explain: print each design's first plan of each query
ONLY_CONES = False  # --only-cones: skip KNN, crossmatch and footprints
ONLY_FOOTPRINTS = False  # --only-footprints: skip cones, KNN and crossmatch
NO_CUBE_POINTS = False  # --no-cube-points: no point cube GiST (6-7 min and 2.5 GB per 10M)


def explain(conn: Conn, name: str, sql: str) -> None:
    plan = [row[0] for row in conn.execute(f"EXPLAIN (ANALYZE, TIMING OFF) {sql}")]
    keep = [line for line in plan if "rows=" in line][:6] + [
        line for line in plan if "Time" in line
    ]
    print(f"    plan {name}:")
    for line in keep:
        print(f"      {str(line)[:160]}")


def interleaved(
    conn: Conn, designs: list[Design], make: Callable[[Design, int], str | None], count: int
) -> dict[str, tuple[list[float], list[list[tuple[object, ...]]]]]:
    """Run query `i` of every design, rotating the order, for i < count."""
    results: dict[str, tuple[list[float], list[list[tuple[object, ...]]]]] = {}
    if EXPLAIN:
        for design in designs:
            sql = make(design, 0)
            if sql is not None:
                explain(conn, design.name, sql)
    for i in range(count):
        for j in range(len(designs)):
            design = designs[(i + j) % len(designs)]
            sql = make(design, i)
            if sql is None:
                continue
            ms, rows = run(conn, sql)
            times, outputs = results.setdefault(design.name, ([], []))
            times.append(ms)
            outputs.append(rows)
    return results


def report(title: str, results: dict[str, tuple[list[float], list[list[object]]]]) -> None:
    medians = {name: statistics.median(times) for name, (times, _) in results.items()}
    print(f"\n  {title}")
    for name, median in medians.items():
        times = results[name][0]
        p90 = statistics.quantiles(times, n=10)[-1] if len(times) >= 10 else max(times)
        ratios = "".join(
            f"   {median / medians[ref]:5.2f}x {ref}"
            for ref in ("q3c", "pgsphere")
            if ref in medians and ref != name
        )
        rows = statistics.mean(len(out) for out in results[name][1])
        print(f"    {name:<10} {median:9.3f} ms (p90 {p90:9.3f})  rows {rows:9.1f}{ratios}")


def check_cones(
    conn: Conn,
    centres: list[tuple[float, float]],
    r: float,
    results: dict[str, tuple[list[float], list[list[tuple[object, ...]]]]],
) -> None:
    filters = ", ".join(
        f"count(*) FILTER (WHERE adql_udf.bench_within(ra, dec, {lon!r}, {lat!r}, {r!r}))"
        for lon, lat in centres[:CHECKED]
    )
    (truth,) = conn.execute(f"SELECT ARRAY[{filters}] FROM pts_r").fetchone()  # type: ignore[misc]
    for name, (_, outputs) in results.items():
        counts = [len(rows) for rows in outputs[:CHECKED]]
        verdict = "exact" if counts == truth else f"MISMATCH {counts} != brute force {truth}"
        print(f"    check {name:<10} counts of {CHECKED} centres vs brute force: {verdict}")


def measure(
    conn: Conn, designs: dict[str, Design], tables: dict[str, list[str]], repeat: int
) -> None:
    if not ONLY_FOOTPRINTS:
        measure_points(conn, designs, tables, repeat)
    if ONLY_CONES:
        return
    if "cube" in designs:
        footprint_pair_costs(conn, designs["cube"].exact_polygon)
    results = interleaved(conn, list(designs.values()), lambda d, i: d.footprint(), 1)
    report(f"point-in-footprint {FP_POINTS:,} points x {FOOTPRINTS:,} polygons", results)
    check_footprints(conn, results)
    centres = sphere_points(repeat, seed=300)
    results = interleaved(
        conn, list(designs.values()), lambda d, i, c=centres: d.region_cone(*c[i], 0.1), repeat
    )
    report("footprints meeting a cone r = 0.1 deg (index prefilter)", results)


def measure_points(
    conn: Conn, designs: dict[str, Design], tables: dict[str, list[str]], repeat: int
) -> None:
    for table, label in (("pts_c", "clustered"), ("pts_r", "unclustered")):
        on_table = [d for d in designs.values() if table in tables[d.name]]
        for r in (0.1, 1.0):
            centres = sphere_points(repeat, seed=int(r * 10) + 100)
            results = interleaved(
                conn, on_table, lambda d, i, c=centres, r=r, t=table: d.cone(t, *c[i], r), repeat
            )
            report(f"cone r = {r} deg, {label} ({repeat} centres)", results)
            check_cones(conn, centres, r, results)
    if ONLY_CONES:
        return
    for k in (1, 10):
        centres = sphere_points(repeat, seed=200 + k)
        results = interleaved(
            conn,
            [d for d in designs.values() if "pts_c" in tables[d.name]],
            lambda d, i, c=centres, k=k: d.knn("pts_c", *c[i], k),
            repeat,
        )
        report(f"nearest neighbours k = {k}, clustered ({repeat} positions)", results)
        ids = {name: [sorted(map(str, rows)) for rows in out] for name, (_, out) in results.items()}
        first = next(iter(ids.values()), [])
        same = all(v == first for v in ids.values())
        print(f"    check: the same neighbours from every design: {'yes' if same else 'NO'}")
    for table, label in (("pts_c", "clustered"), ("pts_r", "unclustered")):
        on_table = [d for d in designs.values() if table in tables[d.name]]
        results = interleaved(
            conn, on_table, lambda d, i, t=table: d.crossmatch(t, XMATCH_RADIUS), 3
        )
        report(f"crossmatch {UPLOADS:,} uploads at 2 arcsec, {label} (3 runs)", results)
        pairs = {name: len(out[0]) for name, (_, out) in results.items()}
        print(f"    check: pairs per design {pairs}")
    jit(conn, designs)


def footprint_pair_costs(conn: Conn, exact_polygon: str) -> None:
    """Cost per call of the exact point-in-polygon tests on the join's candidate pairs.

    The pairs the footprint GiST lets through, in a table (point and polygon per row: the
    polygon changes every row, as in the join); us per call beyond the scan, one core.
    """
    conn.execute("SET max_parallel_workers_per_gather = 0")
    conn.execute(
        "CREATE TEMP TABLE fp_pairs AS SELECT p.ra, p.dec, f.footprint FROM fp_points AS p"
        " JOIN footprints AS f"
        " ON adql_udf.geo_poly_box(f.footprint) @> adql_udf.geo_cube(p.ra, p.dec)"
    )
    (pairs,) = conn.execute("SELECT count(*) FROM fp_pairs").fetchone()  # type: ignore[misc]
    base = timed(conn, "SELECT count(*) FROM fp_pairs")
    print(f"\n  exact tests per candidate pair ({pairs:,} pairs of the footprint join)")
    tests = [
        ("--exact-polygon", exact_polygon, pairs),
        ("stand-in bench_in_quad", BENCH_IN_QUAD, pairs),
        (
            "prepared path, prepare per row",
            "adql_udf.geo_point_in_prepared({lon}, {lat}, adql_udf.geo_polygon_prepare({poly}))",
            min(pairs, 3000),
        ),
    ]
    for label, template, rows in tests:
        test = template.format(lon="ra", lat="dec", poly="footprint")
        limited = f"(SELECT * FROM fp_pairs LIMIT {rows}) AS s" if rows < pairs else "fp_pairs"
        seconds = timed(conn, f"SELECT count(*) FROM {limited} WHERE {test}")
        print(f"    {label:<32} {(seconds - base * rows / pairs) / rows * 1e6:8.2f} us  ({test})")
    conn.execute("DROP TABLE fp_pairs")
    conn.execute("RESET max_parallel_workers_per_gather")


def check_footprints(
    conn: Conn, results: dict[str, tuple[list[float], list[list[tuple[object, ...]]]]]
) -> None:
    # brute force with the stand-in, an independent exact test for these convex quadrilaterals
    (truth,) = conn.execute(  # type: ignore[misc]
        "SELECT count(*) FROM fp_points AS p, footprints AS f WHERE p.id <= 20"
        " AND adql_udf.bench_in_quad(p.ra, p.dec, f.footprint)"
    ).fetchone()
    for name, (_, outputs) in results.items():
        got = sum(1 for row in outputs[0] if int(row[0]) <= 20)  # type: ignore[call-overload]
        verdict = "exact" if got == truth else f"MISMATCH {got} != {truth}"
        print(f"    check {name:<10} pairs of 20 points vs brute force: {verdict}")


def jit(conn: Conn, designs: dict[str, Design]) -> None:
    conn.execute("SET jit = on")  # pg_jit_available() is false while jit is off
    (available,) = conn.execute("SELECT pg_jit_available()").fetchone()  # type: ignore[misc]
    conn.execute("SET jit = off")
    if not available:
        print("\n  JIT: not available on this server (built without LLVM)")
        return
    conn.execute("SET jit = on")
    try:
        results = interleaved(
            conn,
            [d for d in designs.values() if d.name in ("zones", "q3c", "pgsphere")],
            lambda d, i: d.crossmatch("pts_c", XMATCH_RADIUS),
            3,
        )
    finally:
        conn.execute("SET jit = off")
    report("crossmatch, clustered, with jit = on (default thresholds)", results)


def per_call_costs(conn: Conn) -> None:
    rows = 200_000
    conn.execute("SET max_parallel_workers_per_gather = 0")
    base = timed(conn, f"SELECT count(*) FROM pts_r WHERE id <= {rows}")
    for label, expr in (
        (
            "plpgsql adql_udf.ivo_healpix_index(29, ra, dec)",
            "adql_udf.ivo_healpix_index(29, ra, dec)",
        ),
        (
            "plpgsql adql_udf.ivo_healpix_index(10, ra, dec)",
            "adql_udf.ivo_healpix_index(10, ra, dec)",
        ),
    ):
        seconds = timed(conn, f"SELECT count({expr}) FROM pts_r WHERE id <= {rows}")
        print(f"  per call: {label:<50} {(seconds - base) / rows * 1e6:6.2f} us")
    conn.execute("RESET max_parallel_workers_per_gather")


def bench_server(
    label: str, server: EmbeddedPostgres, args: argparse.Namespace, reference: bool
) -> None:
    tune(server)
    with connect(server) as conn:
        (version,) = conn.execute("SHOW server_version").fetchone()  # type: ignore[misc]
        print(f"\n=== {label}: PostgreSQL {version} ===")
        conn.execute("CREATE EXTENSION cube")
        conn.execute((REPO / "adql" / "pg_functions.sql").read_text())
        conn.execute((REPO / "adql" / "pg_geometry.sql").read_text())  # the real exact tests
        conn.execute(FUNCTIONS.format(zpd=ZONES_PER_DEGREE))
        start = time.perf_counter()
        build_points(conn, args.points)
        build_uploads(conn, args.points)  # (small with --only-footprints --points 10000)
        build_footprints(conn)
        print(f"  data built in {time.perf_counter() - start:.0f} s")
        designs: dict[str, Design] = {
            "zones": Zones("zones", exact=args.exact),
            "cube": CubeGist("cube", exact=args.exact, exact_polygon=args.exact_polygon),
            "healpix": Healpix("healpix", exact=args.exact),
        }
        if reference:
            if try_extension(conn, "pg_sphere"):
                designs["pgsphere"] = Pgsphere("pgsphere")
            if try_extension(conn, "q3c"):
                designs["q3c"] = Q3c("q3c")
        else:
            print("  pgsphere, q3c: not measured on this server (see the reference server)")
        wanted = args.designs.split(",")
        designs = {name: design for name, design in designs.items() if name in wanted}
        tables = {name: build_indexes(conn, name) for name in designs}
        if "pgsphere" in designs:
            pgsphere = designs["pgsphere"]
            assert isinstance(pgsphere, Pgsphere)
            pgsphere.knn_supported = True
            plan = " ".join(
                str(row[0])
                for row in conn.execute("EXPLAIN " + str(pgsphere.knn("pts_c", 1, 2, 1)))
            )
            pgsphere.knn_supported = "Order By" in plan
            if not pgsphere.knn_supported:
                print("  pgsphere: its GiST does not order by <-> (KNN would sort the table)")
        prewarm(conn)
        if not ONLY_FOOTPRINTS:
            per_call_costs(conn)
        measure(conn, designs, tables, args.repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=200, help="centres per cone/KNN query")
    parser.add_argument(
        "--skip-reference",
        action="store_true",
        help="only the embedded server (no pgsphere/q3c comparison)",
    )
    parser.add_argument("--skip-embedded", action="store_true")
    parser.add_argument(
        "--exact",
        default=Design.exact,
        help="exact circle test, a format string over {lon} {lat} {clon} {clat} {r}",
    )
    parser.add_argument(
        "--exact-polygon",
        default=EXACT_POLYGON,
        help="exact point-in-footprint test, a format string over {lon} {lat} {poly}"
        f" (default: the real one; the stand-in: {BENCH_IN_QUAD!r})",
    )
    parser.add_argument("--no-cube-points", action="store_true", help="skip the point cube GiST")
    parser.add_argument("--only-cones", action="store_true", help="cone searches only")
    parser.add_argument(
        "--only-footprints",
        action="store_true",
        help="the point-in-footprint join and footprint cones only (use with a small --points)",
    )
    parser.add_argument(
        "--designs",
        default="zones,cube,healpix,pgsphere,q3c",
        help="comma-separated designs to build and measure",
    )
    parser.add_argument("--explain", action="store_true", help="print the plans (EXPLAIN ANALYZE)")
    args = parser.parse_args()
    global EXPLAIN, NO_CUBE_POINTS, ONLY_CONES, ONLY_FOOTPRINTS
    EXPLAIN, NO_CUBE_POINTS, ONLY_CONES = args.explain, args.no_cube_points, args.only_cones
    ONLY_FOOTPRINTS = args.only_footprints
    if not args.skip_embedded:
        with temporary_server("lcdb-bench-geo-") as server:
            bench_server("embedded server", server, args, reference=False)
    if args.skip_reference:
        print("\nreference (pgsphere, q3c): skipped (--skip-reference)")
        return
    if not (DEBIAN_BIN / "postgres").exists():
        print(
            f"\nreference (pgsphere, q3c): not measured, no PostgreSQL 15 in {DEBIAN_BIN}"
            " (apt-get install postgresql-15 postgresql-15-pgsphere postgresql-15-q3c)"
        )
        return
    with reference_server() as server:
        bench_server("Debian PostgreSQL 15 (reference)", server, args, reference=True)


if __name__ == "__main__":
    main()
