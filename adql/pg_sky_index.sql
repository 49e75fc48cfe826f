-- What the sky indexes are built on, and the conditions the translator writes so that the
-- planner can use them (schema adql_udf). Chosen by measurement (bench/geometry.py: 10M points,
-- against pgsphere and q3c on the same server):
--
-- * positions: a btree on (adql_udf.geo_zone(dec), ra), declination zones of 0.25 deg with RA
--   inside each zone (the "zones" of SDSS), the table clustered on it. A cone is a list of
--   zones and one RA window (two across RA 0); a crossmatch probes one index range in 1-3
--   zones per row. No extension at all.
-- * nearest neighbours: a GiST on the unit vector as a `cube` (contrib), ordered by `<->`
--   (the chord, monotone in the angle).
-- * regions (frame footprints): the `cube` GiST on adql_udf.geo_poly_box(footprint), a
--   function of pg_geometry.sql (it follows the exact predicates' reading of a polygon).
-- * the exact tests stay those of pg_geometry.sql: every condition here may only let more
--   rows through, never fewer.
--
-- Rules the measurements taught: every function is LANGUAGE sql, not STRICT, one expression
-- where possible, so the planner inlines it (with literal arguments it folds to a constant;
-- index and query expressions match after inlining); bodies are SQL-standard (RETURN / BEGIN
-- ATOMIC), because since PostgreSQL 17 index builds run with search_path = pg_catalog, where a
-- quoted body would not find the `cube` functions. The zone height (0.25 deg) is a constant of
-- the index: changing it means rebuilding the index, and adql/pg_geometry.py computes the same
-- zones for literal cones.

CREATE SCHEMA IF NOT EXISTS adql_udf;
CREATE EXTENSION IF NOT EXISTS cube;

-- Declination zone of height 0.25 deg: the leading column of the position index.
CREATE OR REPLACE FUNCTION adql_udf.geo_zone(lat double precision) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN floor((lat + 90) * 4)::integer;

-- Half-width in RA (deg) of the cap of radius r around latitude lat: 180 once it reaches a
-- pole. sin(dlon) = sin(r) / cos(lat) is the exact extent; 1e-9 deg keeps rounding outside.
-- A radius outside (0, 180] raises (as the exact test would, had the index let the row reach
-- it): an index condition must never turn a mistake into an empty result.
CREATE OR REPLACE FUNCTION adql_udf.geo_cone_dlon(lat double precision, r double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN NOT (r > 0 AND r <= 180)
                 THEN adql_udf.geo_reject('cone', ARRAY[0, lat], r, NULL::double precision)
            WHEN abs(lat) + r >= 90 - 1e-6 THEN 180
            ELSE asind(least(1, sind(r) / cosd(lat))) + 1e-9 END;

-- Every zone a cap of radius r around latitude lat touches (not inlinable: a sub-select; for
-- radii above one zone height or given by a column).
CREATE OR REPLACE FUNCTION adql_udf.geo_cone_zones(lat double precision, r double precision)
RETURNS integer[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN NOT (r > 0 AND r <= 180)
                 THEN adql_udf.geo_reject('cone', ARRAY[0, lat], r, NULL::integer[])
            ELSE ARRAY(SELECT generate_series(adql_udf.geo_zone(greatest(-90, lat - r - 1e-9)),
                                              adql_udf.geo_zone(least(90, lat + r + 1e-9))))
       END;

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

-- For joins (a centre from another table, r at most one zone height): the cap's zones as an
-- inlinable array (duplicates are harmless: the btree scan sorts and removes them) ...
CREATE OR REPLACE FUNCTION adql_udf.geo_join_zones(lat double precision, r double precision)
RETURNS integer[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN NOT (r > 0 AND r <= 180)
                 THEN adql_udf.geo_reject('cone', ARRAY[0, lat], r, NULL::integer[])
            ELSE ARRAY[adql_udf.geo_zone(greatest(-90, lat - r - 1e-9)), adql_udf.geo_zone(lat),
                       adql_udf.geo_zone(least(90, lat + r + 1e-9))] END;

-- ... and one RA window: the whole zone when the cap crosses RA 0 (rows within r of it are
-- rare), so that the index condition stays one range over one table's columns.
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

-- Unit vector (x, y, z) of a position as a 3-D point cube: the nearest-neighbour index's key
-- (and the point a region box must hold); NULL for a position not known.
CREATE OR REPLACE FUNCTION adql_udf.geo_cube(lon double precision, lat double precision)
RETURNS cube LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN lon IS NOT NULL AND lat IS NOT NULL
            THEN cube(ARRAY[cosd(lat) * cosd(lon), cosd(lat) * sind(lon), sind(lat)]) END;

-- The xyz bounding box of a cap (exact per axis: the angle to each axis plus or minus r).
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

-- The index key of any DALI shape: a point's cube, a cap's or a polygon's xyz box. Every point
-- the shape holds lies in it.
CREATE OR REPLACE FUNCTION adql_udf.geo_shape_box(shape double precision[])
RETURNS cube LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE cardinality(shape)
            WHEN 2 THEN adql_udf.geo_cube(shape[1], shape[2])
            WHEN 3 THEN adql_udf.geo_cap_box(shape[1], shape[2], shape[3])
            ELSE adql_udf.geo_poly_box(shape) END;

-- The index key of a region column in STC-S text: the box of adql_udf.geo_region (read once: a
-- sub-select, so that geo_shape_box's uses of its argument do not each parse the text).
CREATE OR REPLACE FUNCTION adql_udf.geo_region_box(region text)
RETURNS cube LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (SELECT adql_udf.geo_shape_box(s.shape)
        FROM (SELECT adql_udf.geo_region(region) AS shape OFFSET 0) AS s);
