"""The SQL that bench/geometry.py measures: our helper functions and each design's queries.

Each design turns the same question (a cone, a crossmatch, a nearest-neighbour lookup, a
point-in-footprint join) into the SQL it would run. `Design.exact` is the exact test after the
index pre-filter: a format string, so the real adql_udf.geo_point_in_circle can be plugged in
(``--exact``); the default is the haversine form below, written inline. `Design.exact_polygon`
(``--exact-polygon``) is the point-in-footprint test: by default the real
adql_udf.geo_point_in_polygon of adql/pg_geometry.sql (the benchmark installs that file), or
the convex-quadrilateral stand-in bench_in_quad.
"""

from __future__ import annotations

from dataclasses import dataclass

ZONES_PER_DEGREE = 4  # zone height 0.25 deg (see the notes for why)

# The functions a migration would create (the benchmark creates them in its throw-away
# database). All are LANGUAGE sql and not STRICT, so the planner inlines the one-expression
# ones: with literal arguments they fold to constants at plan time; with column arguments they
# become plain expressions (no function call per row). SQL-standard bodies (RETURN, BEGIN
# ATOMIC) bind names when created: index builds run with search_path = pg_catalog since
# PostgreSQL 17, where a quoted body would not find the `cube` extension's functions.
FUNCTIONS = """
CREATE SCHEMA IF NOT EXISTS adql_udf;

-- Declination zone of height 1/{zpd} deg: the leading column of the point index.
CREATE OR REPLACE FUNCTION adql_udf.geo_zone(lat double precision) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN floor((lat + 90) * {zpd})::integer;

-- Half-width in RA (deg) of the cap of radius r around latitude lat: 180 once it reaches a
-- pole. sin(dlon) = sin(r) / cos(lat) is the exact extent; 1e-9 deg keeps rounding outside.
CREATE OR REPLACE FUNCTION adql_udf.geo_cone_dlon(lat double precision, r double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN abs(lat) + r >= 90 - 1e-6 THEN 180
            ELSE asind(least(1, sind(r) / cosd(lat))) + 1e-9 END;

-- Every zone a cap of radius r around latitude lat touches. Not inlinable (a sub-select):
-- meant for literal arguments, where the planner evaluates it once, at plan time.
CREATE OR REPLACE FUNCTION adql_udf.geo_cone_zones(lat double precision, r double precision)
RETURNS integer[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY(SELECT generate_series(adql_udf.geo_zone(greatest(-90, lat - r - 1e-9)),
                                    adql_udf.geo_zone(least(90, lat + r + 1e-9))));

-- RA window of a cap: [lo, hi], lo < 0 or hi > 360 when it crosses RA 0.
CREATE OR REPLACE FUNCTION adql_udf.geo_cone_lon_lo(
    lon double precision, lat double precision, r double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN adql_udf.geo_cone_dlon(lat, r) >= 180 THEN 0
            ELSE lon - 360 * floor(lon / 360) - adql_udf.geo_cone_dlon(lat, r) END;

CREATE OR REPLACE FUNCTION adql_udf.geo_cone_lon_hi(
    lon double precision, lat double precision, r double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN adql_udf.geo_cone_dlon(lat, r) >= 180 THEN 360
            ELSE lon - 360 * floor(lon / 360) + adql_udf.geo_cone_dlon(lat, r) END;

-- For joins (column-valued centre, literal r <= one zone height): the zones of the cap as an
-- inlinable array (duplicates are harmless: the btree scan sorts and dedups its array)...
CREATE OR REPLACE FUNCTION adql_udf.geo_join_zones(lat double precision, r double precision)
RETURNS integer[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY[adql_udf.geo_zone(greatest(-90, lat - r - 1e-9)), adql_udf.geo_zone(lat),
             adql_udf.geo_zone(least(90, lat + r + 1e-9))];

-- ... and one RA window: the whole zone when the cap crosses RA 0 (rare: within r of it),
-- so that the index condition stays one range of one relation's columns.
CREATE OR REPLACE FUNCTION adql_udf.geo_join_lon_lo(
    lon double precision, lat double precision, r double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN adql_udf.geo_cone_lon_lo(lon, lat, r) < 0
              OR adql_udf.geo_cone_lon_hi(lon, lat, r) > 360 THEN 0
            ELSE adql_udf.geo_cone_lon_lo(lon, lat, r) END;

CREATE OR REPLACE FUNCTION adql_udf.geo_join_lon_hi(
    lon double precision, lat double precision, r double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN adql_udf.geo_cone_lon_lo(lon, lat, r) < 0
              OR adql_udf.geo_cone_lon_hi(lon, lat, r) > 360 THEN 360
            ELSE adql_udf.geo_cone_lon_hi(lon, lat, r) END;

-- The benchmark's exact test: haversine, compared as sin^2(d/2) <= sin^2(r/2).
CREATE OR REPLACE FUNCTION adql_udf.bench_within(
    lon1 double precision, lat1 double precision,
    lon2 double precision, lat2 double precision, r double precision)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN sind((lat2 - lat1) / 2) ^ 2 + cosd(lat1) * cosd(lat2) * sind((lon2 - lon1) / 2) ^ 2
       <= sind(least(r, 180) / 2) ^ 2;

CREATE OR REPLACE FUNCTION adql_udf.bench_distance(
    lon1 double precision, lat1 double precision, lon2 double precision, lat2 double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 2 * asind(least(1, sqrt(sind((lat2 - lat1) / 2) ^ 2
                               + cosd(lat1) * cosd(lat2) * sind((lon2 - lon1) / 2) ^ 2)));

-- Unit vector (x, y, z) of a position as a 3-D point cube.
CREATE OR REPLACE FUNCTION adql_udf.geo_cube(lon double precision, lat double precision)
RETURNS cube LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN cube(ARRAY[cosd(lat) * cosd(lon), cosd(lat) * sind(lon), sind(lat)]);

-- The xyz bounding box of a cap (exact per axis: the angle to each axis +- r).
CREATE OR REPLACE FUNCTION adql_udf.geo_cap_box(
    lon double precision, lat double precision, r double precision)
RETURNS cube LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN cube(
    ARRAY[cosd(least(180, acosd(cosd(lat) * cosd(lon)) + r)) - 1e-12,
          cosd(least(180, acosd(cosd(lat) * sind(lon)) + r)) - 1e-12,
          cosd(least(180, 90 - lat + r)) - 1e-12],
    ARRAY[cosd(greatest(0, acosd(cosd(lat) * cosd(lon)) - r)) + 1e-12,
          cosd(greatest(0, acosd(cosd(lat) * sind(lon)) - r)) + 1e-12,
          cosd(greatest(0, 90 - lat - r)) + 1e-12]);

-- adql_udf.geo_poly_box(polygon), the key of the region GiST, is in adql/pg_geometry.sql (the
-- benchmark loads that file first): its box follows DALI's vertex order (the whole sphere's box
-- when the region on the left of the edges is the large side).

-- The benchmark's exact point-in-polygon stand-in: a convex quadrilateral (either
-- orientation) contains p when p is on the same side of all four edges' great circles.
CREATE OR REPLACE FUNCTION adql_udf.bench_side(
    lon double precision, lat double precision,
    lon1 double precision, lat1 double precision, lon2 double precision, lat2 double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN cosd(lat) * cosd(lon) * (cosd(lat1) * sind(lon1) * sind(lat2)
                                - sind(lat1) * cosd(lat2) * sind(lon2))
     + cosd(lat) * sind(lon) * (sind(lat1) * cosd(lat2) * cosd(lon2)
                                - cosd(lat1) * cosd(lon1) * sind(lat2))
     + sind(lat) * (cosd(lat1) * cosd(lon1) * cosd(lat2) * sind(lon2)
                    - cosd(lat1) * sind(lon1) * cosd(lat2) * cosd(lon2));

CREATE OR REPLACE FUNCTION adql_udf.bench_in_quad(
    lon double precision, lat double precision, p double precision[])
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN cosd(lat) * cosd(p[2]) * cosd(lon - p[1]) + sind(lat) * sind(p[2]) > 0  -- not antipodal
  AND ((adql_udf.bench_side(lon, lat, p[1], p[2], p[3], p[4]) >= 0
        AND adql_udf.bench_side(lon, lat, p[3], p[4], p[5], p[6]) >= 0
        AND adql_udf.bench_side(lon, lat, p[5], p[6], p[7], p[8]) >= 0
        AND adql_udf.bench_side(lon, lat, p[7], p[8], p[1], p[2]) >= 0)
    OR (adql_udf.bench_side(lon, lat, p[1], p[2], p[3], p[4]) <= 0
        AND adql_udf.bench_side(lon, lat, p[3], p[4], p[5], p[6]) <= 0
        AND adql_udf.bench_side(lon, lat, p[5], p[6], p[7], p[8]) <= 0
        AND adql_udf.bench_side(lon, lat, p[7], p[8], p[1], p[2]) <= 0));
"""

EXACT_CIRCLE = "adql_udf.bench_within({lon}, {lat}, {clon}, {clat}, {r})"
# the real exact test (adql/pg_geometry.sql); the stand-in below stays for comparisons
EXACT_POLYGON = "adql_udf.geo_point_in_polygon({lon}, {lat}, {poly})"
BENCH_IN_QUAD = "adql_udf.bench_in_quad({lon}, {lat}, {poly})"


def literal(value: float) -> str:
    """A float8 literal (repr round-trips exactly)."""
    return f"{float(value)!r}::float8"


@dataclass
class Design:
    """One way to index points and regions; each method returns SQL or None (unsupported)."""

    name: str
    exact: str = EXACT_CIRCLE
    exact_polygon: str = EXACT_POLYGON

    def circle(self, lon: str, lat: str, clon: str, clat: str, r: str) -> str:
        return self.exact.format(lon=lon, lat=lat, clon=clon, clat=clat, r=r)

    def cone(self, table: str, lon: float, lat: float, r: float) -> str | None:
        return None

    def crossmatch(self, table: str, r: float) -> str | None:
        return None

    def knn(self, table: str, lon: float, lat: float, k: int) -> str | None:
        return None

    def footprint(self) -> str | None:
        return None

    def region_cone(self, lon: float, lat: float, r: float) -> str | None:
        return None


class Zones(Design):
    """Ours: btree on (declination zone, ra); cones are a few zone x RA-window ranges."""

    def prefilter(self, lon: str, lat: str, r: str, zones: str | None = None) -> str:
        lo = f"adql_udf.geo_cone_lon_lo({lon}, {lat}, {r})"
        hi = f"adql_udf.geo_cone_lon_hi({lon}, {lat}, {r})"
        zones = zones or f"adql_udf.geo_cone_zones({lat}, {r})"
        return (
            f"adql_udf.geo_zone(t.dec) = ANY ({zones})"
            f" AND (t.ra BETWEEN {lo} AND {hi}"
            f" OR ({lo} < 0 AND t.ra >= {lo} + 360) OR ({hi} > 360 AND t.ra <= {hi} - 360))"
        )

    def cone(self, table: str, lon: float, lat: float, r: float) -> str:
        # A literal shape: zones and RA windows computed here, as the translator would. The
        # same bounds through the SQL functions (folded at plan time) cost ~0.3-0.5 ms more
        # planning on PostgreSQL 15 (many nested inlinings), ~0 on 18.
        lon_, lat_, r_ = literal(lon), literal(lat), literal(r)
        zones = "'{" + ",".join(map(str, cone_zones(lat, r))) + "}'::integer[]"
        windows = " OR ".join(
            f"t.ra BETWEEN {literal(lo)} AND {literal(hi)}" for lo, hi in lon_windows(lon, lat, r)
        )
        return (
            f"SELECT t.id FROM {table} AS t WHERE adql_udf.geo_zone(t.dec) = ANY ({zones})"
            f" AND ({windows}) AND {self.circle('t.ra', 't.dec', lon_, lat_, r_)}"
        )

    def crossmatch(self, table: str, r: float) -> str:
        r_ = literal(r)
        return (
            f"SELECT u.id, t.id FROM upload AS u JOIN {table} AS t"
            f" ON adql_udf.geo_zone(t.dec) = ANY (adql_udf.geo_join_zones(u.dec, {r_}))"
            f" AND t.ra BETWEEN adql_udf.geo_join_lon_lo(u.ra, u.dec, {r_})"
            f" AND adql_udf.geo_join_lon_hi(u.ra, u.dec, {r_})"
            f" WHERE {self.circle('t.ra', 't.dec', 'u.ra', 'u.dec', r_)}"
        )

    def knn(self, table: str, lon: float, lat: float, k: int) -> str:
        # No KNN scan on a btree: the smallest radius of a ladder holding k points, then the
        # k nearest inside it (correct: if k points lie within r, the k nearest do).
        lon_, lat_ = literal(lon), literal(lat)
        probe = (
            f"SELECT 1 FROM {table} AS t WHERE {self.prefilter(lon_, lat_, 'l.r')}"
            f" AND {self.circle('t.ra', 't.dec', lon_, lat_, 'l.r')} LIMIT {k}"
        )
        return (
            # no ORDER BY: the rungs are tried in array order and the first that holds k
            # points stops the scan (sorting would probe every rung, up to the whole sky)
            f"SELECT n.id FROM (SELECT l.r FROM unnest('{{0.05,0.2,1,5,30,180}}'::float8[]) AS l(r)"
            f" WHERE l.r = 180 OR (SELECT count(*) FROM ({probe}) AS s) >= {k}"
            f" LIMIT 1) AS l CROSS JOIN LATERAL (SELECT t.id,"
            f" adql_udf.bench_distance(t.ra, t.dec, {lon_}, {lat_}) AS d FROM {table} AS t"
            f" WHERE {self.prefilter(lon_, lat_, 'l.r')}"
            f" AND {self.circle('t.ra', 't.dec', lon_, lat_, 'l.r')} ORDER BY d LIMIT {k}) AS n"
        )


class CubeGist(Design):
    """A: unit vectors as `cube` points in a GiST; caps as their xyz bounding boxes."""

    def cone(self, table: str, lon: float, lat: float, r: float) -> str:
        lon_, lat_, r_ = literal(lon), literal(lat), literal(r)
        return (
            f"SELECT t.id FROM {table} AS t WHERE adql_udf.geo_cube(t.ra, t.dec)"
            f" <@ adql_udf.geo_cap_box({lon_}, {lat_}, {r_})"
            f" AND {self.circle('t.ra', 't.dec', lon_, lat_, r_)}"
        )

    def crossmatch(self, table: str, r: float) -> str:
        r_ = literal(r)
        return (
            f"SELECT u.id, t.id FROM upload AS u JOIN {table} AS t"
            f" ON adql_udf.geo_cube(t.ra, t.dec) <@ adql_udf.geo_cap_box(u.ra, u.dec, {r_})"
            f" WHERE {self.circle('t.ra', 't.dec', 'u.ra', 'u.dec', r_)}"
        )

    def knn(self, table: str, lon: float, lat: float, k: int) -> str:
        return (
            f"SELECT t.id FROM {table} AS t ORDER BY adql_udf.geo_cube(t.ra, t.dec)"
            f" <-> adql_udf.geo_cube({literal(lon)}, {literal(lat)}) LIMIT {k}"
        )

    def footprint(self) -> str:
        return (
            "SELECT p.id, f.id FROM fp_points AS p JOIN footprints AS f"
            " ON adql_udf.geo_poly_box(f.footprint) @> adql_udf.geo_cube(p.ra, p.dec)"
            f" WHERE {self.exact_polygon.format(lon='p.ra', lat='p.dec', poly='f.footprint')}"
        )

    def region_cone(self, lon: float, lat: float, r: float) -> str:
        # prefilter only (the exact adql_udf.geo_intersects prepares each candidate polygon)
        lon_, lat_, r_ = literal(lon), literal(lat), literal(r)
        return (
            "SELECT f.id FROM footprints AS f WHERE adql_udf.geo_poly_box(f.footprint)"
            f" && adql_udf.geo_cap_box({lon_}, {lat_}, {r_})"
        )


class Healpix(Design):
    """B: nested HEALPix order-29 index (bigint btree); coverings computed by cdshealpix."""

    def cone(self, table: str, lon: float, lat: float, r: float) -> str:
        ranges = healpix_ranges(lon, lat, r)
        lon_, lat_, r_ = literal(lon), literal(lat), literal(r)
        where = " OR ".join(f"t.hpx BETWEEN {lo} AND {hi}" for lo, hi in ranges)
        return (
            f"SELECT t.id FROM {table} AS t WHERE ({where})"
            f" AND {self.circle('t.ra', 't.dec', lon_, lat_, r_)}"
        )

    def crossmatch(self, table: str, r: float) -> str:
        # the upload's cells (own + 8 neighbours at order 12) computed client-side beforehand
        r_ = literal(r)
        return (
            f"SELECT u.id, t.id FROM upload AS u JOIN upload_cells AS c ON c.id = u.id"
            f" JOIN {table} AS t ON t.hpx BETWEEN c.lo AND c.hi"
            f" WHERE {self.circle('t.ra', 't.dec', 'u.ra', 'u.dec', r_)}"
        )


def cone_zones(lat: float, r: float) -> list[int]:
    """adql_udf.geo_cone_zones in Python (same float arithmetic, so the same zones)."""
    import math

    def zone(x: float) -> int:
        return math.floor((x + 90) * ZONES_PER_DEGREE)

    return list(range(zone(max(-90.0, lat - r - 1e-9)), zone(min(90.0, lat + r + 1e-9)) + 1))


def lon_windows(lon: float, lat: float, r: float) -> list[tuple[float, float]]:
    """The RA windows (within [0, 360]) of a cap: adql_udf.geo_cone_lon_lo/hi in Python."""
    import math

    if abs(lat) + r >= 90 - 1e-6:
        return [(0.0, 360.0)]
    dlon = math.degrees(
        math.asin(min(1.0, math.sin(math.radians(r)) / math.cos(math.radians(lat))))
    )
    lon = lon % 360
    lo, hi = lon - dlon - 1e-9, lon + dlon + 1e-9
    windows = [(max(lo, 0.0), min(hi, 360.0))]
    if lo < 0:
        windows.append((lo + 360, 360.0))
    if hi > 360:
        windows.append((0.0, hi - 360))
    return windows


def healpix_ranges(lon: float, lat: float, r: float) -> list[tuple[int, int]]:
    """Order-29 index ranges of a MOC covering the cone (what a translator would emit)."""
    import math

    import astropy.units as u
    import numpy as np
    from cdshealpix import nested

    depth = max(0, min(29, round(math.log2(58.6 / r)) + 1))
    ipix, depths, _ = nested.cone_search(
        lon * u.deg, lat * u.deg, r * u.deg, depth=depth, depth_delta=2
    )
    shift = 2 * (29 - depths.astype(np.int64))
    starts = (ipix.astype(np.int64) << shift).tolist()
    ends = (((ipix.astype(np.int64) + 1) << shift) - 1).tolist()
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(zip(starts, ends, strict=True)):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


class Pgsphere(Design):
    """Reference: pgsphere spoint GiST (an extension; not ours to depend on)."""

    knn_supported = False

    def cone(self, table: str, lon: float, lat: float, r: float) -> str:
        return (
            f"SELECT t.id FROM {table} AS t WHERE spoint(radians(t.ra), radians(t.dec))"
            f" <@ scircle(spoint(radians({literal(lon)}), radians({literal(lat)})),"
            f" radians({literal(r)}))"
        )

    def crossmatch(self, table: str, r: float) -> str:
        return (
            f"SELECT u.id, t.id FROM upload AS u JOIN {table} AS t"
            f" ON spoint(radians(t.ra), radians(t.dec))"
            f" <@ scircle(spoint(radians(u.ra), radians(u.dec)), radians({literal(r)}))"
        )

    def knn(self, table: str, lon: float, lat: float, k: int) -> str | None:
        if not self.knn_supported:
            return None
        return (
            f"SELECT t.id FROM {table} AS t ORDER BY spoint(radians(t.ra), radians(t.dec))"
            f" <-> spoint(radians({literal(lon)}), radians({literal(lat)})) LIMIT {k}"
        )

    def footprint(self) -> str:
        return (
            "SELECT p.id, f.id FROM fp_points AS p JOIN footprints AS f"
            " ON f.sp @> spoint(radians(p.ra), radians(p.dec))"
        )

    def region_cone(self, lon: float, lat: float, r: float) -> str:
        return (
            "SELECT f.id FROM footprints AS f WHERE f.sp && scircle(spoint(radians("
            f"{literal(lon)}), radians({literal(lat)})), radians({literal(r)}))"
        )


class Q3c(Design):
    """Reference: q3c (an extension): btree on q3c_ang2ipix(ra, dec)."""

    def cone(self, table: str, lon: float, lat: float, r: float) -> str:
        return (
            f"SELECT t.id FROM {table} AS t"
            f" WHERE q3c_radial_query(t.ra, t.dec, {literal(lon)}, {literal(lat)}, {literal(r)})"
        )

    def crossmatch(self, table: str, r: float) -> str:
        return (
            f"SELECT u.id, t.id FROM upload AS u JOIN {table} AS t"
            f" ON q3c_join(u.ra, u.dec, t.ra, t.dec, {literal(r)})"
        )

    # No footprint join: q3c_poly_query needs a constant polygon. With a column (a join) it
    # returned 415 of 880 pairs in 187 s on 200k points (2026-12-03): not a reference.
