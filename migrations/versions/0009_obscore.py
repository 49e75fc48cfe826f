"""ObsCore: the table ivoa.obscore_rows, its indexes and the view ivoa.obscore; region columns.

ObsCore's s_region is published as STC-S text (char, xtype adql:region) and stored beside it as
a DALI shape array (``s_region_shape``, not published), which ADQL's geometry functions read;
the GiST on ``adql_udf.geo_shape_box(s_region_shape)`` serves CONTAINS and INTERSECTS with
s_region. Region columns without such an array (an upload's, say) are read from their text:
``adql_udf.geo_region`` (STC-S to a DALI shape), ``geo_point_in_region`` and the index key
``geo_region_box``. Positions get the zones btree of migration 0008, and the columns people filter by
(time, product type, collection, target) a btree each. Rows are written by ``lcdb-tap obscore
refresh`` (obscore/refresh.py); the view adds access_url at output time from the session
setting ``lcdb.service_url``. The SQL function files are frozen copies of
``adql/pg_geometry.sql`` and ``adql/pg_sky_index.sql`` as of this revision (only additions since
0007/0008: their other functions are replaced by identical definitions).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

NEW_FUNCTIONS = (
    "geo_region_box",
    "geo_shape_box",
    "geo_point_in_region",
    "geo_region",
    "geo_region_parse",
)

GEOMETRY_SQL = r"""-- Exact spherical geometry for ADQL on stock PostgreSQL (schema adql_udf).
--
-- Why SQL and PL/pgSQL rather than C (pgsphere, q3c): the service must run on any PostgreSQL,
-- including managed ones where no extension can be installed. Every function here uses only
-- what PostgreSQL itself ships (and its contrib `cube`, for an index key). The per-row tests
-- (distance, point in circle, point in polygon) are LANGUAGE sql single expressions, so the
-- planner inlines them into the query and folds everything that depends only on constants (the
-- circle's or the polygon's trigonometry, the polygon's preparation) once, at plan time; a
-- polygon that changes per row (a region column) is decided in the expression when it is a
-- convex triangle or quadrilateral (geo_pip_convex), prepared per row otherwise. PL/pgSQL is
-- used only where a loop over vertices cannot be avoided.
--
-- Representation: shapes are double precision[] in degrees, as DALI serialises them:
--   point   {lon, lat}                       (2 numbers)
--   circle  {lon, lat, radius}               (3 numbers; 0 < radius <= 180)
--   polygon {lon1, lat1, ..., lonN, latN}    (even, >= 6 numbers; N >= 3)
-- lon is any finite real (taken modulo 360), lat is in [-90, 90]. Polygon edges are the minor
-- great-circle arcs between consecutive vertices, the last vertex joins the first; repeated
-- consecutive vertices (and a repeated closing vertex) are dropped. The inside of a polygon is
-- the region on the LEFT of its edges (counter-clockwise in a lon-right/lat-up plot, DALI's own
-- example order); it may be larger than a hemisphere. geo_polygon() turns an ADQL POLYGON
-- written in either order into that form, choosing the smaller region (ADQL 2.1 leaves the vertex
-- order open; see /work/notes/geometry-standards.md).
--
-- Semantics: all shapes are closed (ADQL CONTAINS: "in, or on, the boundary"). A circle contains
-- a point iff geo_distance(point, centre) <= radius, literally the same expression, so CONTAINS
-- (POINT, CIRCLE) and DISTANCE(...) <= r agree bit for bit (ADQL 2.1 §4.2.7). Polygon boundaries
-- are thickened by 1e-13 rad (2e-8 arcsec) so that vertices and points given exactly on an edge
-- count as inside despite rounding.
--
-- Precision: positions are unit vectors or (lon, lat) trigonometry in double precision (about
-- 1e-16 rad). geo_distance uses the Vincenty form atan2(|u x v|, u . v), whose absolute error is
-- about 1e-16 rad (2e-11 arcsec) at every separation, tiny or nearly 180 degrees (acos of a dot
-- product would lose 1e-8 rad near 0 and 180). Polygon tests work on differences of nearby vectors
-- (p - v_i) so that sub-arcsecond polygons keep their relative precision; the point-in-polygon
-- decision of the general path needs only the sign of a sum that differs by 4 pi between inside
-- and outside.
--
-- Errors: invalid shapes (lat outside [-90, 90], non-finite numbers, radius <= 0 or > 180, odd or
-- too short polygon arrays, self-intersecting polygons in geo_polygon) raise invalid_parameter_
-- value (SQLSTATE 22023) naming the function and the bad value, so the service reports the user's
-- mistake. NULL in gives NULL out.
--
-- Installed by the service's migrations; every statement is idempotent. Needs the `cube` contrib
-- extension (trusted: CREATE privilege on the database suffices) for geo_poly_box, the key of
-- the GiST index on region columns.

CREATE SCHEMA IF NOT EXISTS adql_udf;
CREATE EXTENSION IF NOT EXISTS cube;

-- A polygon prepared for repeated point tests (geo_polygon_prepare). Fields:
--   n, xyz (3n unit vectors), nrm (3n edge normals v_i x v_i+1), nlen (|nrm_i|): the vertices;
--   area: steradians of the region on the left of the edges;
--   fast: the polygon lies within 87 degrees of (c_lon, c_lat) and its inside is the bounded side,
--     so a point test is a planar test on its gnomonic projection `proj` (scaled by 1e7);
--   lat_min, lat_max, lon_mid, lon_half: a lon/lat box around the region (degrees; lon_half >= 180
--     means every longitude), the cheap prefilter (also useful to index prefilters);
--   c_lon, c_sin, c_cos, cap_cos: the projection centre (lon, sin lat, cos lat) and the cosine of
--     the radius of a cap around it that holds the whole region (-2 when there is none).
DO $$
BEGIN
    IF to_regtype('adql_udf.geo_prepared_polygon') IS NULL THEN
        CREATE TYPE adql_udf.geo_prepared_polygon AS (
            n integer,
            area double precision,
            fast boolean,
            lat_min double precision,
            lat_max double precision,
            lon_mid double precision,
            lon_half double precision,
            c_lon double precision,
            c_sin double precision,
            c_cos double precision,
            cap_cos double precision,
            proj polygon,
            xyz double precision[],
            nrm double precision[],
            nlen double precision[]
        );
    END IF;
END
$$;

-- Raise invalid_parameter_value for the first bad (lon, lat) pair in lonlat, or for a bad
-- radius; `result_type` only fixes the (never returned) result type, so that the error can sit in
-- any CASE branch of an inlined function.
CREATE OR REPLACE FUNCTION adql_udf.geo_reject(
    fn text, lonlat double precision[], radius double precision, result_type anyelement)
RETURNS anyelement LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    FOR i IN 1 .. coalesce(array_length(lonlat, 1), 0) / 2 LOOP
        IF NOT lonlat[2 * i] BETWEEN -90 AND 90 THEN
            RAISE EXCEPTION '%: latitude must be between -90 and 90 degrees, not %',
                fn, lonlat[2 * i] USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF NOT abs(lonlat[2 * i - 1]) < 'Infinity'::double precision THEN
            RAISE EXCEPTION '%: longitude must be a finite number of degrees, not %',
                fn, lonlat[2 * i - 1] USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    IF NOT (radius > 0 AND radius <= 180) THEN
        RAISE EXCEPTION '%: a circle radius must be greater than 0 and at most 180 degrees, not %',
            fn, radius USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RAISE EXCEPTION '%: invalid arguments', fn USING ERRCODE = 'invalid_parameter_value';
END
$$;

-- Raise invalid_parameter_value with `message`; typed like `result_type` (see geo_reject).
CREATE OR REPLACE FUNCTION adql_udf.geo_raise(message text, result_type anyelement)
RETURNS anyelement LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RAISE EXCEPTION '%', message USING ERRCODE = 'invalid_parameter_value';
END
$$;

-- Great-circle distance in degrees between two valid positions, Vincenty's form of
-- atan2(|u x v|, u . v); the one expression geo_distance and geo_point_in_circle share.
CREATE OR REPLACE FUNCTION adql_udf.geo_vincenty(
    lon1 double precision, lat1 double precision, lon2 double precision, lat2 double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT 57.29577951308232 * atan2(
        sqrt((cos(lat2 * 0.017453292519943295)
              * sin((lon2 - lon1) * 0.017453292519943295)) ^ 2
             + (cos(lat1 * 0.017453292519943295) * sin(lat2 * 0.017453292519943295)
                - sin(lat1 * 0.017453292519943295) * cos(lat2 * 0.017453292519943295)
                  * cos((lon2 - lon1) * 0.017453292519943295)) ^ 2),
        sin(lat1 * 0.017453292519943295) * sin(lat2 * 0.017453292519943295)
        + cos(lat1 * 0.017453292519943295) * cos(lat2 * 0.017453292519943295)
          * cos((lon2 - lon1) * 0.017453292519943295))
$$;

-- ADQL DISTANCE: great-circle distance in degrees. Inlined by the planner; with a constant
-- second point its trigonometry folds at plan time.
CREATE OR REPLACE FUNCTION adql_udf.geo_distance(
    lon1 double precision, lat1 double precision, lon2 double precision, lat2 double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN lat1 >= -90 AND lat1 <= 90 AND lat2 >= -90 AND lat2 <= 90
             AND abs(lon1) < 'Infinity'::double precision
             AND abs(lon2) < 'Infinity'::double precision
        THEN adql_udf.geo_vincenty(lon1, lat1, lon2, lat2)
        WHEN lon1 IS NULL OR lat1 IS NULL OR lon2 IS NULL OR lat2 IS NULL THEN NULL
        ELSE adql_udf.geo_reject(
            'geo_distance', ARRAY[lon1, lat1, lon2, lat2], 1, NULL::double precision)
    END
$$;

-- ADQL DISTANCE(POINT, POINT): both arguments DALI points {lon, lat}.
CREATE OR REPLACE FUNCTION adql_udf.geo_distance(p1 double precision[], p2 double precision[])
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN cardinality(p1) = 2 AND cardinality(p2) = 2
        THEN adql_udf.geo_distance(p1[1], p1[2], p2[1], p2[2])
        WHEN p1 IS NULL OR p2 IS NULL THEN NULL
        ELSE adql_udf.geo_raise(
            'geo_distance: arguments must be points {lon, lat}, not arrays of '
                || cardinality(p1) || ' and ' || cardinality(p2) || ' numbers',
            NULL::double precision)
    END
$$;

-- CONTAINS(POINT, CIRCLE): distance <= radius, inclusive, by the very expression geo_distance
-- uses (so DISTANCE(p, c) <= r and this agree bit for bit). Inlined.
CREATE OR REPLACE FUNCTION adql_udf.geo_point_in_circle(
    lon double precision, lat double precision,
    clon double precision, clat double precision, radius double precision)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN radius > 0 AND radius <= 180 AND lat >= -90 AND lat <= 90
             AND clat >= -90 AND clat <= 90 AND abs(lon) < 'Infinity'::double precision
             AND abs(clon) < 'Infinity'::double precision
        -- the distance is at least the latitude difference: a trigonometry-free prefilter,
        -- with a margin far above rounding so that it never changes the answer
        THEN abs(lat - clat) <= radius + 1e-9
             AND adql_udf.geo_vincenty(lon, lat, clon, clat) <= radius
        WHEN lon IS NULL OR lat IS NULL OR clon IS NULL OR clat IS NULL OR radius IS NULL
        THEN NULL
        ELSE adql_udf.geo_reject(
            'geo_point_in_circle', ARRAY[lon, lat, clon, clat], radius, NULL::boolean)
    END
$$;

-- A polygon array checked and cleaned: lon reduced to [0, 360), consecutive repeated vertices
-- (closer than 1e-13 rad, the closing one included) dropped. Raises for anything that is not a
-- polygon, naming `fn`.
CREATE OR REPLACE FUNCTION adql_udf.geo_clean_polygon(fn text, poly double precision[])
RETURNS double precision[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
    m integer := coalesce(array_length(poly, 1), 0);
    lb integer := coalesce(array_lower(poly, 1), 1);
    result double precision[] := '{}';
    lon double precision;
    lat double precision;
    cl double precision;
    x double precision;
    y double precision;
    z double precision;
    px double precision;
    py double precision;
    pz double precision;
    fx double precision;
    fy double precision;
    fz double precision;
    n integer := 0;
BEGIN
    IF array_ndims(poly) > 1 OR m % 2 <> 0 OR m < 6 THEN
        RAISE EXCEPTION '%: a polygon is an even number of at least 6 coordinates '
            '{lon1, lat1, lon2, lat2, lon3, lat3, ...}, not % numbers', fn, cardinality(poly)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR i IN 0 .. m / 2 - 1 LOOP
        lon := poly[lb + 2 * i];
        lat := poly[lb + 2 * i + 1];
        IF lon IS NULL OR lat IS NULL THEN
            RAISE EXCEPTION '%: polygon vertex % is NULL', fn, i + 1
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF NOT lat BETWEEN -90 AND 90 THEN
            RAISE EXCEPTION '%: latitude must be between -90 and 90 degrees, not % (polygon vertex %)',
                fn, lat, i + 1 USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF NOT abs(lon) < 'Infinity'::double precision THEN
            RAISE EXCEPTION '%: longitude must be a finite number of degrees, not % (polygon vertex %)',
                fn, lon, i + 1 USING ERRCODE = 'invalid_parameter_value';
        END IF;
        cl := cos(lat * 0.017453292519943295);
        x := cl * cos(lon * 0.017453292519943295);
        y := cl * sin(lon * 0.017453292519943295);
        z := sin(lat * 0.017453292519943295);
        IF n > 0 THEN
            IF (x - px) ^ 2 + (y - py) ^ 2 + (z - pz) ^ 2 <= 1e-26 THEN
                CONTINUE;
            END IF;
            IF (x + px) ^ 2 + (y + py) ^ 2 + (z + pz) ^ 2 <= 1e-26 THEN
                RAISE EXCEPTION '%: polygon vertices % and % are antipodal, so the edge between them is undefined',
                    fn, i, i + 1 USING ERRCODE = 'invalid_parameter_value';
            END IF;
        ELSE
            fx := x;
            fy := y;
            fz := z;
        END IF;
        lon := lon - 360 * floor(lon / 360);
        IF lon >= 360 THEN
            lon := 0;
        END IF;
        result := result || ARRAY[lon, lat];
        n := n + 1;
        px := x;
        py := y;
        pz := z;
    END LOOP;
    IF n > 1 AND (px - fx) ^ 2 + (py - fy) ^ 2 + (pz - fz) ^ 2 <= 1e-26 THEN
        result := result[1 : 2 * n - 2];
        n := n - 1;
    ELSIF n > 1 AND (px + fx) ^ 2 + (py + fy) ^ 2 + (pz + fz) ^ 2 <= 1e-26 THEN
        RAISE EXCEPTION '%: the last and first polygon vertices are antipodal, so the edge between them is undefined',
            fn USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF n < 3 THEN
        RAISE EXCEPTION '%: a polygon needs at least 3 distinct vertices, not %', fn, n
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN result;
END
$$;

-- Angular distance (radians) from unit vector p to the great-circle arc a -> b.
CREATE OR REPLACE FUNCTION adql_udf.geo_arc_distance(
    px double precision, py double precision, pz double precision,
    ax double precision, ay double precision, az double precision,
    bx double precision, by double precision, bz double precision)
RETURNS double precision LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
    nx double precision := ay * bz - az * by;
    ny double precision := az * bx - ax * bz;
    nz double precision := ax * by - ay * bx;
    dx double precision := px - ax;
    dy double precision := py - ay;
    dz double precision := pz - az;
    ex double precision := px - bx;
    ey double precision := py - by;
    ez double precision := pz - bz;
BEGIN
    -- p projects inside the arc: (a x p) . n >= 0 and (p x b) . n >= 0, with p - a, p - b
    IF ((ay * dz - az * dy) * nx + (az * dx - ax * dz) * ny + (ax * dy - ay * dx) * nz) >= 0
       AND ((ey * bz - ez * by) * nx + (ez * bx - ex * bz) * ny + (ex * by - ey * bx) * nz) >= 0
    THEN
        RETURN atan2(abs(dx * nx + dy * ny + dz * nz),
                     sqrt((ny * pz - nz * py) ^ 2 + (nz * px - nx * pz) ^ 2 + (nx * py - ny * px) ^ 2));
    END IF;
    RETURN least(
        atan2(sqrt((dy * az - dz * ay) ^ 2 + (dz * ax - dx * az) ^ 2 + (dx * ay - dy * ax) ^ 2),
              px * ax + py * ay + pz * az),
        atan2(sqrt((ey * bz - ez * by) ^ 2 + (ez * bx - ex * bz) ^ 2 + (ex * by - ey * bx) ^ 2),
              px * bx + py * by + pz * bz));
END
$$;

-- Prepare a polygon for repeated tests (see the type above). Raises, naming `fn`, if `poly` is not
-- a polygon. With a constant polygon the planner runs this once, at plan time.
CREATE OR REPLACE FUNCTION adql_udf.geo_polygon_prepare(
    poly double precision[], fn text DEFAULT 'geo_polygon_prepare')
RETURNS adql_udf.geo_prepared_polygon LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT
COST 1000 AS $$
DECLARE
    k CONSTANT double precision := 0.017453292519943295;
    v double precision[] := adql_udf.geo_clean_polygon(fn, poly);
    n integer := array_length(v, 1) / 2;
    r adql_udf.geo_prepared_polygon;
    xyz double precision[] := array_fill(0::double precision, ARRAY[3 * n]);
    nrm double precision[] := array_fill(0::double precision, ARRAY[3 * n]);
    nlen double precision[] := array_fill(0::double precision, ARRAY[n]);
    fx double precision[] := array_fill(0::double precision, ARRAY[n]);
    fy double precision[] := array_fill(0::double precision, ARRAY[n]);
    fg double precision[] := array_fill(0::double precision, ARRAY[n]);
    gx double precision[] := array_fill(0::double precision, ARRAY[n]);
    gy double precision[] := array_fill(0::double precision, ARRAY[n]);
    gw double precision[] := array_fill(0::double precision, ARRAY[n]);
    pts text[] := '{}';
    mx double precision := 0;
    my double precision := 0;
    mz double precision := 0;
    clon double precision;
    clat double precision;
    cs double precision;
    cc double precision;
    lon double precision;
    lat double precision;
    dl double precision;
    j integer;
    i3 integer;
    j3 integer;
    s double precision := 0;
    shoelace double precision := 0;
    wmin double precision := 2;
    perim double precision := 0;
    north boolean;
    south boolean;
    top double precision;
    hx double precision;
    hy double precision;
    hz double precision;
    d double precision;
    dmin double precision;
    dmax double precision;
BEGIN
    FOR i IN 1 .. n LOOP
        lon := v[2 * i - 1];
        lat := v[2 * i];
        xyz[3 * i - 2] := cos(lat * k) * cos(lon * k);
        xyz[3 * i - 1] := cos(lat * k) * sin(lon * k);
        xyz[3 * i] := sin(lat * k);
        mx := mx + xyz[3 * i - 2];
        my := my + xyz[3 * i - 1];
        mz := mz + xyz[3 * i];
    END LOOP;
    FOR i IN 1 .. n LOOP
        j := i % n + 1;
        i3 := 3 * i - 2;
        j3 := 3 * j - 2;
        nrm[i3] := xyz[i3 + 1] * xyz[j3 + 2] - xyz[i3 + 2] * xyz[j3 + 1];
        nrm[i3 + 1] := xyz[i3 + 2] * xyz[j3] - xyz[i3] * xyz[j3 + 2];
        nrm[i3 + 2] := xyz[i3] * xyz[j3 + 1] - xyz[i3 + 1] * xyz[j3];
        nlen[i] := sqrt(nrm[i3] ^ 2 + nrm[i3 + 1] ^ 2 + nrm[i3 + 2] ^ 2);
        perim := perim + atan2(nlen[i], xyz[i3] * xyz[j3] + xyz[i3 + 1] * xyz[j3 + 1] + xyz[i3 + 2] * xyz[j3 + 2]);
    END LOOP;
    -- Frame centre: the mean vertex direction (any point off the boundary would do for the
    -- area; the fast path needs one near the polygon).
    IF mx ^ 2 + my ^ 2 + mz ^ 2 < 1e-18 THEN
        mx := xyz[1] + xyz[4] + 1e-3 * nrm[1];
        my := xyz[2] + xyz[5] + 1e-3 * nrm[2];
        mz := xyz[3] + xyz[6] + 1e-3 * nrm[3];
    END IF;
    clon := degrees(atan2(my, mx));
    clat := degrees(atan2(mz, sqrt(mx ^ 2 + my ^ 2)));
    cs := sin(clat * k);
    cc := cos(clat * k);
    -- Local coordinates: vertex = c + (X, Y, -G) in the frame (east, north, c), computed from
    -- differences of angles so that they keep their relative precision for tiny polygons.
    FOR i IN 1 .. n LOOP
        lon := v[2 * i - 1];
        lat := v[2 * i];
        dl := lon - clon;
        fx[i] := cos(lat * k) * sin(dl * k);
        fy[i] := sin((lat - clat) * k) + 2 * cos(lat * k) * cs * sin(dl * k / 2) ^ 2;
        fg[i] := 2 * sin((lat - clat) * k / 2) ^ 2 + 2 * cos(lat * k) * cc * sin(dl * k / 2) ^ 2;
        -- the same gnomonic formulas as geo_point_in_prepared uses per row
        gx[i] := cos(lat * k) * sin(dl * k);
        gy[i] := sin(lat * k) * cc - cos(lat * k) * cs * cos(dl * k);
        gw[i] := sin(lat * k) * cs + cos(lat * k) * cc * cos(dl * k);
        wmin := least(wmin, gw[i]);
    END LOOP;
    -- Area of the left region: sum of the signed triangles (c, v_i, v_i+1); it is the area, or
    -- the area minus 4 pi when -c lies inside.
    FOR i IN 1 .. n LOOP
        j := i % n + 1;
        s := s + atan2(fx[i] * fy[j] - fy[i] * fx[j],
                       1 + (1 - fg[i]) + (1 - fg[j])
                       + (fx[i] * fx[j] + fy[i] * fy[j] + (1 - fg[i]) * (1 - fg[j])));
    END LOOP;
    s := 2 * s;
    IF s <= 0 THEN
        s := s + 4 * pi();
    END IF;
    IF s < 1e-12 * perim ^ 2 OR s > 4 * pi() - 1e-12 * perim ^ 2 THEN
        RAISE EXCEPTION '%: the polygon encloses no area (its vertices lie on one great circle)', fn
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    r.n := n;
    r.area := s;
    r.xyz := xyz;
    r.nrm := nrm;
    r.nlen := nlen;
    r.c_lon := clon;
    r.c_sin := cs;
    r.c_cos := cc;
    r.fast := false;
    r.cap_cos := -2;
    r.lat_min := -90;
    r.lat_max := 90;
    r.lon_mid := 0;
    r.lon_half := 180;
    IF wmin < 0.05 THEN
        RETURN r;
    END IF;
    FOR i IN 1 .. n LOOP
        j := i % n + 1;
        shoelace := shoelace + gx[i] / gw[i] * (gy[j] / gw[j]) - gy[i] / gw[i] * (gx[j] / gw[j]);
        pts := pts || format('(%s,%s)', gx[i] / gw[i] * 1e7, gy[i] / gw[i] * 1e7);
    END LOOP;
    IF shoelace <= 0 THEN
        RETURN r;  -- the inside is the unbounded side of the projection: general path
    END IF;
    r.fast := true;
    r.proj := ('(' || array_to_string(pts, ',') || ')')::polygon;
    r.cap_cos := wmin - 1e-12;
    -- Latitude range of the region: a pole inside (or on the boundary), else the edges' extremes.
    north := cs > 0.05 AND (point(0, cc / cs * 1e7) <-> r.proj) <= 1e-6;
    south := -cs > 0.05 AND (point(0, cc / cs * 1e7) <-> r.proj) <= 1e-6;
    dmin := 90;
    dmax := -90;
    FOR i IN 1 .. n LOOP
        dmin := least(dmin, v[2 * i]);
        dmax := greatest(dmax, v[2 * i]);
        i3 := 3 * i - 2;
        j3 := 3 * (i % n + 1) - 2;
        IF nrm[i3] ^ 2 + nrm[i3 + 1] ^ 2 > 0 THEN
            top := degrees(atan2(sqrt(nrm[i3] ^ 2 + nrm[i3 + 1] ^ 2), abs(nrm[i3 + 2])));
            -- the highest point of the edge's great circle, h = z |n|^2 - n_z n (and -h lowest)
            hx := -nrm[i3 + 2] * nrm[i3];
            hy := -nrm[i3 + 2] * nrm[i3 + 1];
            hz := nrm[i3] ^ 2 + nrm[i3 + 1] ^ 2;
            d := (xyz[i3 + 1] * hz - xyz[i3 + 2] * hy) * nrm[i3]
                 + (xyz[i3 + 2] * hx - xyz[i3] * hz) * nrm[i3 + 1]
                 + (xyz[i3] * hy - xyz[i3 + 1] * hx) * nrm[i3 + 2];
            IF d > 0 AND (hy * xyz[j3 + 2] - hz * xyz[j3 + 1]) * nrm[i3]
                         + (hz * xyz[j3] - hx * xyz[j3 + 2]) * nrm[i3 + 1]
                         + (hx * xyz[j3 + 1] - hy * xyz[j3]) * nrm[i3 + 2] > 0 THEN
                dmax := greatest(dmax, top);
            ELSIF d < 0 AND (hy * xyz[j3 + 2] - hz * xyz[j3 + 1]) * nrm[i3]
                            + (hz * xyz[j3] - hx * xyz[j3 + 2]) * nrm[i3 + 1]
                            + (hx * xyz[j3 + 1] - hy * xyz[j3]) * nrm[i3 + 2] < 0 THEN
                dmin := least(dmin, -top);
            END IF;
        END IF;
    END LOOP;
    r.lat_min := CASE WHEN south THEN -90 ELSE dmin - 1e-9 END;
    r.lat_max := CASE WHEN north THEN 90 ELSE dmax + 1e-9 END;
    IF NOT (north OR south) THEN
        -- Longitude along an edge is monotonic, so the region's range is that of the vertices,
        -- unwrapped along the boundary.
        d := v[1] - clon - 360 * floor((v[1] - clon) / 360 + 0.5);
        dmin := d;
        dmax := d;
        FOR i IN 2 .. n LOOP
            dl := v[2 * i - 1] - v[2 * i - 3];
            d := d + dl - 360 * floor(dl / 360 + 0.5);
            dmin := least(dmin, d);
            dmax := greatest(dmax, d);
        END LOOP;
        IF dmax - dmin < 359 THEN
            r.lon_mid := clon + (dmax + dmin) / 2;
            r.lon_half := (dmax - dmin) / 2 + 1e-9;
        END IF;
    END IF;
    RETURN r;
END
$$;

-- Is unit vector p in the prepared polygon? The general method, for any polygon: the sum of the
-- signed areas of the triangles (-p, v_i, v_i+1) is area - 4 pi if p is inside and area if not.
-- Numerator and denominator of each term are (p - v_i) . n_i and (p - v_i) . (p - v_i+1), exact
-- differences even for tiny polygons. A point on an edge (within 1e-13 rad) is inside.
CREATE OR REPLACE FUNCTION adql_udf.geo_pip_xyz(
    px double precision, py double precision, pz double precision,
    prep adql_udf.geo_prepared_polygon)
RETURNS boolean LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
    n integer := prep.n;
    xyz double precision[] := prep.xyz;
    nrm double precision[] := prep.nrm;
    nlen double precision[] := prep.nlen;
    s double precision := 0;
    t double precision;
    den double precision;
    j integer;
    q integer;
BEGIN
    IF prep.cap_cos > -1
       AND px * prep.c_cos * cos(prep.c_lon * 0.017453292519943295)
           + py * prep.c_cos * sin(prep.c_lon * 0.017453292519943295)
           + pz * prep.c_sin < prep.cap_cos THEN
        RETURN false;
    END IF;
    FOR i IN 1 .. n LOOP
        j := 3 * i - 2;
        q := 3 * (i % n) + 1;
        t := (px - xyz[j]) * nrm[j] + (py - xyz[j + 1]) * nrm[j + 1] + (pz - xyz[j + 2]) * nrm[j + 2];
        den := (px - xyz[j]) * (px - xyz[q]) + (py - xyz[j + 1]) * (py - xyz[q + 1])
               + (pz - xyz[j + 2]) * (pz - xyz[q + 2]);
        IF den <= 0 AND abs(t) <= 1e-13 * nlen[i] THEN
            RETURN true;
        END IF;
        s := s + atan2(-t, den);
    END LOOP;
    -- inside: s = area / 2 - 2 pi; outside: s = area / 2
    RETURN s < prep.area / 2 - pi();
END
$$;

-- Point (degrees) in a prepared polygon by the general method.
CREATE OR REPLACE FUNCTION adql_udf.geo_pip_general(
    lon double precision, lat double precision, prep adql_udf.geo_prepared_polygon)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT adql_udf.geo_pip_xyz(
        cos(lat * 0.017453292519943295) * cos(lon * 0.017453292519943295),
        cos(lat * 0.017453292519943295) * sin(lon * 0.017453292519943295),
        sin(lat * 0.017453292519943295), prep)
$$;

-- Point (degrees) in a prepared polygon. Inlined; with a constant polygon the test per row is a
-- lon/lat box check, then (inside the box) a gnomonic projection and PostgreSQL's planar
-- point-to-polygon distance (C, zero inside), exact because great circles project to straight
-- lines. Projected coordinates are scaled by 1e7, so that the built-in geometric types' fuzz of
-- 1e-6 and the accepted distance of 1e-6 are the 1e-13 rad boundary tolerance.
CREATE OR REPLACE FUNCTION adql_udf.geo_point_in_prepared(
    lon double precision, lat double precision, prep adql_udf.geo_prepared_polygon)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN lat >= -90 AND lat <= 90 AND abs(lon) < 'Infinity'::double precision AND (prep).fast
        THEN lat >= (prep).lat_min AND lat <= (prep).lat_max
            AND ((prep).lon_half >= 180
                 OR abs(lon - (prep).lon_mid - 360 * floor((lon - (prep).lon_mid) / 360 + 0.5))
                    <= (prep).lon_half)
            AND sin(lat * 0.017453292519943295) * (prep).c_sin
                + cos(lat * 0.017453292519943295) * (prep).c_cos
                  * cos((lon - (prep).c_lon) * 0.017453292519943295) > 0
            AND (point(cos(lat * 0.017453292519943295)
                         * sin((lon - (prep).c_lon) * 0.017453292519943295) * 1e7,
                       (sin(lat * 0.017453292519943295) * (prep).c_cos
                        - cos(lat * 0.017453292519943295) * (prep).c_sin
                          * cos((lon - (prep).c_lon) * 0.017453292519943295)) * 1e7)
                 / point(sin(lat * 0.017453292519943295) * (prep).c_sin
                         + cos(lat * 0.017453292519943295) * (prep).c_cos
                           * cos((lon - (prep).c_lon) * 0.017453292519943295), 0)
                 <-> (prep).proj) <= 1e-6
        WHEN lat >= -90 AND lat <= 90 AND abs(lon) < 'Infinity'::double precision
             AND NOT (prep).fast
        THEN adql_udf.geo_pip_general(lon, lat, prep)
        WHEN lon IS NULL OR lat IS NULL OR (prep).n IS NULL THEN NULL
        ELSE adql_udf.geo_reject('geo_point_in_polygon', ARRAY[lon, lat], 1, NULL::boolean)
    END
$$;

-- The fast path of geo_point_in_polygon, for a polygon that changes per row (a region column):
-- 1 if the point is inside, -1 if it is outside, 0 if it cannot tell (the caller then runs the
-- general path). It tells for convex triangles and quadrilaterals in DALI order (inside on the
-- left), for points that are not within 5e-13 rad of an edge's great circle:
--   * the numbers: the point valid with |lon| <= 1080, vertices with |lon| <= 720 and |lat| <=
--     90 (triangles) or <= 89 (quadrilaterals), no NULL; anything else, errors included, is
--     left to the general path, which reports it;
--   * convex, left-turning, not degenerate: every turn v(i-1), v(i), v(i+1) has a positive
--     triple product (for four vertices these four products are all eight sides of a vertex
--     and an edge not its own), so the region is the intersection of the edges' left
--     hemispheres, a convex cone, with the antipodal side outside; the first turn's product >
--     1e-10 also bounds the area from below (area >= product / 2 > 4 pi^2 1e-12 > 1e-12
--     perimeter^2), so geo_polygon_prepare would neither reject the polygon as enclosing no area
--     nor drop a repeated vertex;
--   * then the point is inside iff it is on the left of every edge: -1 as soon as an edge has
--     it clearly on its right, 1 when every edge has it clearly on its left, 0 when one is near.
-- The triple product v1 . (v2 x v3) of positions given in degrees is written with longitude
-- differences, cos b1 cos b2 (cos b3 (tan b1 sin(l3 - l2) - tan b2 sin(l3 - l1)) + sin b3
-- sin(l2 - l1)); its terms are at most 1 (cos b tan b = sin b, also at a pole) and its error is
-- below 1e-14 (1e-16 per term, plus the rounding of angles up to 1800 degrees). For a point it
-- is |v1 x v2| <= 1 times the sine of the point's distance from the edge's great circle, so
-- `sign(trunc(2e12 * product))` says left (1) or right (-1) only when the point is more than
-- 5e-13 rad from that circle, five times the boundary tolerance of 1e-13 rad. The other turns
-- are tested on the product divided by cos b1 cos b2 cos b3 (the same sign, fewer terms, an
-- error below 4e-13 while tan b <= 57.3: hence 89 degrees). So it answers only where the general
-- path's answer is certain: the results are those of the general path. Polygons of more
-- vertices, non-convex or clockwise ones (complements), quadrilaterals with a vertex within a
-- degree of a pole and tiny ones (turn products <= 1e-10: sides below about 2 arcsec) go the
-- general way. A pair costs ~5 us, mostly for the up to 75 array subscripts (~50 ns each: an
-- inlined expression cannot share them), against ~50 us for preparing a quadrilateral. With a
-- constant polygon all but the point's terms fold at plan time (still, see geo_point_in_polygon
-- for what is cheaper then). One flat body of built-in functions: as nested SQL functions, each
-- of the twelve triple products would add ~50 us of planning.
CREATE OR REPLACE FUNCTION adql_udf.geo_pip_convex(
    lon double precision, lat double precision, p double precision[])
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE
    WHEN cardinality(p) = 8 AND lat >= -90 AND lat <= 90 AND abs(lon) <= 1080
         AND 720 >= ALL (p) AND -720 <= ALL (p)
         AND abs(p[2]) <= 89 AND abs(p[4]) <= 89 AND abs(p[6]) <= 89 AND abs(p[8]) <= 89
         AND cos(radians(p[8])) * cos(radians(p[2]))
             * (cos(radians(p[4])) * (tan(radians(p[8])) * sin(radians(p[3] - p[1]))
                                        - tan(radians(p[2])) * sin(radians(p[3] - p[7])))
                + sin(radians(p[4])) * sin(radians(p[1] - p[7]))) > 1e-10
         AND tan(radians(p[2])) * sin(radians(p[5] - p[3]))
             - tan(radians(p[4])) * sin(radians(p[5] - p[1]))
             + tan(radians(p[6])) * sin(radians(p[3] - p[1])) > 1e-12
         AND tan(radians(p[4])) * sin(radians(p[7] - p[5]))
             - tan(radians(p[6])) * sin(radians(p[7] - p[3]))
             + tan(radians(p[8])) * sin(radians(p[5] - p[3])) > 1e-12
         AND tan(radians(p[6])) * sin(radians(p[1] - p[7]))
             - tan(radians(p[8])) * sin(radians(p[1] - p[5]))
             + tan(radians(p[2])) * sin(radians(p[7] - p[5])) > 1e-12
    THEN
        CASE sign(trunc(2e12 * (cos(radians(p[2])) * cos(radians(p[4]))
                * (cos(radians(lat)) * (tan(radians(p[2])) * sin(radians(lon - p[3]))
                                           - tan(radians(p[4])) * sin(radians(lon - p[1])))
                   + sin(radians(lat)) * sin(radians(p[3] - p[1]))))))
        WHEN 1 THEN
            CASE sign(trunc(2e12 * (cos(radians(p[4])) * cos(radians(p[6]))
                    * (cos(radians(lat)) * (tan(radians(p[4])) * sin(radians(lon - p[5]))
                                               - tan(radians(p[6])) * sin(radians(lon - p[3])))
                       + sin(radians(lat)) * sin(radians(p[5] - p[3]))))))
            WHEN 1 THEN
                CASE sign(trunc(2e12 * (cos(radians(p[6])) * cos(radians(p[8]))
                        * (cos(radians(lat)) * (tan(radians(p[6])) * sin(radians(lon - p[7]))
                                                   - tan(radians(p[8])) * sin(radians(lon - p[5])))
                           + sin(radians(lat)) * sin(radians(p[7] - p[5]))))))
                WHEN 1 THEN
                    CASE sign(trunc(2e12 * (cos(radians(p[8])) * cos(radians(p[2]))
                            * (cos(radians(lat)) * (tan(radians(p[8])) * sin(radians(lon - p[1]))
                                                       - tan(radians(p[2])) * sin(radians(lon - p[7])))
                               + sin(radians(lat)) * sin(radians(p[1] - p[7]))))))
                    WHEN 1 THEN 1
                    WHEN -1 THEN -1 ELSE 0 END
                WHEN -1 THEN -1 ELSE 0 END
            WHEN -1 THEN -1 ELSE 0 END
        WHEN -1 THEN -1 ELSE 0 END
    WHEN cardinality(p) = 6 AND lat >= -90 AND lat <= 90 AND abs(lon) <= 1080
         AND 720 >= ALL (p) AND -720 <= ALL (p)
         AND abs(p[2]) <= 90 AND abs(p[4]) <= 90 AND abs(p[6]) <= 90
         AND cos(radians(p[2])) * cos(radians(p[4]))
             * (cos(radians(p[6])) * (tan(radians(p[2])) * sin(radians(p[5] - p[3]))
                                        - tan(radians(p[4])) * sin(radians(p[5] - p[1])))
                + sin(radians(p[6])) * sin(radians(p[3] - p[1]))) > 1e-10
    THEN
        CASE sign(trunc(2e12 * (cos(radians(p[2])) * cos(radians(p[4]))
                * (cos(radians(lat)) * (tan(radians(p[2])) * sin(radians(lon - p[3]))
                                           - tan(radians(p[4])) * sin(radians(lon - p[1])))
                   + sin(radians(lat)) * sin(radians(p[3] - p[1]))))))
        WHEN 1 THEN
            CASE sign(trunc(2e12 * (cos(radians(p[4])) * cos(radians(p[6]))
                    * (cos(radians(lat)) * (tan(radians(p[4])) * sin(radians(lon - p[5]))
                                               - tan(radians(p[6])) * sin(radians(lon - p[3])))
                       + sin(radians(lat)) * sin(radians(p[5] - p[3]))))))
            WHEN 1 THEN
                CASE sign(trunc(2e12 * (cos(radians(p[6])) * cos(radians(p[2]))
                        * (cos(radians(lat)) * (tan(radians(p[6])) * sin(radians(lon - p[1]))
                                                   - tan(radians(p[2])) * sin(radians(lon - p[5])))
                           + sin(radians(lat)) * sin(radians(p[1] - p[5]))))))
                WHEN 1 THEN 1
                WHEN -1 THEN -1 ELSE 0 END
            WHEN -1 THEN -1 ELSE 0 END
        WHEN -1 THEN -1 ELSE 0 END
    ELSE 0
END
$$;

-- CONTAINS(POINT, POLYGON): the polygon taken as DALI defines it (inside on the left of the
-- edges). Inlined. A convex triangle or quadrilateral is decided by geo_pip_convex (a region
-- column costs ~5 us per row instead of a preparation per row); what that leaves open goes to
-- the prepared general path, whose answers these are in every case. A polygon that is the same
-- for every row (a literal) is better served by the general path alone,
-- geo_point_in_prepared(lon, lat, geo_polygon_prepare(polygon, 'geo_point_in_polygon')), which
-- folds the preparation at plan time: ~30 ns per row outside the polygon's lon/lat box and
-- ~0.3 ms of planning, against ~200 ns per row (full scan) and ~0.7 ms of planning here.
CREATE OR REPLACE FUNCTION adql_udf.geo_point_in_polygon(
    lon double precision, lat double precision, polygon double precision[])
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE adql_udf.geo_pip_convex(lon, lat, polygon)
        WHEN 1 THEN true
        WHEN -1 THEN false
        ELSE adql_udf.geo_point_in_prepared(
            lon, lat, adql_udf.geo_polygon_prepare(polygon, 'geo_point_in_polygon'))
    END
$$;

-- Angular distance (radians) from unit vector p to the boundary of a prepared polygon.
CREATE OR REPLACE FUNCTION adql_udf.geo_boundary_distance(
    px double precision, py double precision, pz double precision,
    prep adql_udf.geo_prepared_polygon)
RETURNS double precision LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
    xyz double precision[] := prep.xyz;
    n integer := prep.n;
    best double precision := 'Infinity';
    j integer;
    q integer;
BEGIN
    FOR i IN 1 .. n LOOP
        j := 3 * i - 2;
        q := 3 * (i % n) + 1;
        best := least(best, adql_udf.geo_arc_distance(px, py, pz, xyz[j], xyz[j + 1], xyz[j + 2],
                                                      xyz[q], xyz[q + 1], xyz[q + 2]));
    END LOOP;
    RETURN best;
END
$$;

-- Do the closed great-circle arcs a -> b and c -> d share a point (1e-13 rad tolerance)?
-- `proper` restricts the answer to a crossing at a point inside both arcs.
CREATE OR REPLACE FUNCTION adql_udf.geo_arcs_intersect(
    ax double precision, ay double precision, az double precision,
    bx double precision, by double precision, bz double precision,
    cx double precision, cy double precision, cz double precision,
    dx double precision, dy double precision, dz double precision,
    proper boolean DEFAULT false)
RETURNS boolean LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
    -- ab = a x b, cd = c x d; the four signs of S2's crossing test, from differences
    abx double precision := ay * bz - az * by;
    aby double precision := az * bx - ax * bz;
    abz double precision := ax * by - ay * bx;
    cdx double precision := cy * dz - cz * dy;
    cdy double precision := cz * dx - cx * dz;
    cdz double precision := cx * dy - cy * dx;
    acb double precision := -((cx - ax) * abx + (cy - ay) * aby + (cz - az) * abz);
    bda double precision := (dx - ax) * abx + (dy - ay) * aby + (dz - az) * abz;
    cbd double precision := -((bx - cx) * cdx + (by - cy) * cdy + (bz - cz) * cdz);
    dac double precision := (ax - cx) * cdx + (ay - cy) * cdy + (az - cz) * cdz;
    mx double precision;
    my double precision;
    mz double precision;
    nx double precision;
    ny double precision;
    nz double precision;
BEGIN
    -- quick rejection: the arcs' bounding caps (centre = chord midpoint) are apart
    mx := ax + bx; my := ay + by; mz := az + bz;
    nx := cx + dx; ny := cy + dy; nz := cz + dz;
    IF acos(least(1, greatest(-1, (mx * nx + my * ny + mz * nz)
                  / sqrt((mx ^ 2 + my ^ 2 + mz ^ 2) * (nx ^ 2 + ny ^ 2 + nz ^ 2)))))
       > asin(least(1, sqrt((ax - bx) ^ 2 + (ay - by) ^ 2 + (az - bz) ^ 2) / 2))
         + asin(least(1, sqrt((cx - dx) ^ 2 + (cy - dy) ^ 2 + (cz - dz) ^ 2) / 2)) + 1e-9 THEN
        RETURN false;
    END IF;
    IF acb * bda > 0 AND acb * cbd > 0 AND acb * dac > 0 THEN
        RETURN true;
    END IF;
    IF proper THEN
        RETURN false;
    END IF;
    RETURN least(adql_udf.geo_arc_distance(ax, ay, az, cx, cy, cz, dx, dy, dz),
                 adql_udf.geo_arc_distance(bx, by, bz, cx, cy, cz, dx, dy, dz),
                 adql_udf.geo_arc_distance(cx, cy, cz, ax, ay, az, bx, by, bz),
                 adql_udf.geo_arc_distance(dx, dy, dz, ax, ay, az, bx, by, bz)) <= 1e-13;
END
$$;

-- Is polygon p inside polygon q (both closed)? Every vertex of p is in q, no edge of p crosses
-- an edge of q, the pieces of p's edges between q's vertices lying on them are in q, and a
-- point just outside q (right of its first edge) is not in p (else p holds q's complement).
CREATE OR REPLACE FUNCTION adql_udf.geo_polygon_in_polygon(
    p adql_udf.geo_prepared_polygon, q adql_udf.geo_prepared_polygon)
RETURNS boolean LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
    a double precision[] := p.xyz;
    b double precision[] := q.xyz;
    i3 integer;
    j3 integer;
    k3 integer;
    l3 integer;
    t double precision[];
    ang double precision;
    len double precision;
    u double precision;
    w double precision;
    mx double precision;
    my double precision;
    mz double precision;
    eps double precision;
    nn double precision;
BEGIN
    FOR i IN 1 .. p.n LOOP
        i3 := 3 * i - 2;
        IF NOT adql_udf.geo_pip_xyz(a[i3], a[i3 + 1], a[i3 + 2], q) THEN
            RETURN false;
        END IF;
    END LOOP;
    FOR i IN 1 .. p.n LOOP
        i3 := 3 * i - 2;
        j3 := 3 * (i % p.n) + 1;
        t := '{}';
        FOR k IN 1 .. q.n LOOP
            k3 := 3 * k - 2;
            l3 := 3 * (k % q.n) + 1;
            IF adql_udf.geo_arcs_intersect(a[i3], a[i3 + 1], a[i3 + 2], a[j3], a[j3 + 1], a[j3 + 2],
                                           b[k3], b[k3 + 1], b[k3 + 2], b[l3], b[l3 + 1], b[l3 + 2], true) THEN
                RETURN false;
            END IF;
            IF adql_udf.geo_arc_distance(b[k3], b[k3 + 1], b[k3 + 2], a[i3], a[i3 + 1], a[i3 + 2],
                                         a[j3], a[j3 + 1], a[j3 + 2]) <= 1e-13 THEN
                -- a vertex of q on this edge of p: remember its angle from the edge's start
                t := t || atan2(sqrt((a[i3 + 1] * b[k3 + 2] - a[i3 + 2] * b[k3 + 1]) ^ 2
                                     + (a[i3 + 2] * b[k3] - a[i3] * b[k3 + 2]) ^ 2
                                     + (a[i3] * b[k3 + 1] - a[i3 + 1] * b[k3]) ^ 2),
                                a[i3] * b[k3] + a[i3 + 1] * b[k3 + 1] + a[i3 + 2] * b[k3 + 2]);
            END IF;
        END LOOP;
        IF cardinality(t) > 0 THEN
            len := atan2(p.nlen[i], a[i3] * a[j3] + a[i3 + 1] * a[j3 + 1] + a[i3 + 2] * a[j3 + 2]);
            t := ARRAY(SELECT x FROM unnest(t || ARRAY[0, len]::double precision[]) AS x ORDER BY x);
            FOR k IN 1 .. cardinality(t) - 1 LOOP
                IF t[k + 1] - t[k] > 1e-12 THEN
                    -- the point at angle (t_k + t_k+1) / 2 along the edge
                    ang := (t[k] + t[k + 1]) / 2;
                    u := cos(ang) - sin(ang) * (a[i3] * a[j3] + a[i3 + 1] * a[j3 + 1] + a[i3 + 2] * a[j3 + 2]) / p.nlen[i];
                    w := sin(ang) / p.nlen[i];
                    IF NOT adql_udf.geo_pip_xyz(u * a[i3] + w * a[j3], u * a[i3 + 1] + w * a[j3 + 1],
                                                u * a[i3 + 2] + w * a[j3 + 2], q) THEN
                        RETURN false;
                    END IF;
                END IF;
            END LOOP;
        END IF;
    END LOOP;
    -- x: off the midpoint of q's first edge, to its right (outside q), by less than a quarter of
    -- the distance to q's other edges
    mx := b[1] + b[4];
    my := b[2] + b[5];
    mz := b[3] + b[6];
    nn := sqrt(mx ^ 2 + my ^ 2 + mz ^ 2);
    mx := mx / nn;
    my := my / nn;
    mz := mz / nn;
    eps := least(1e-8, asin(least(1, sqrt((b[1] - b[4]) ^ 2 + (b[2] - b[5]) ^ 2 + (b[3] - b[6]) ^ 2) / 2)) / 4);
    FOR k IN 2 .. q.n LOOP
        k3 := 3 * k - 2;
        l3 := 3 * (k % q.n) + 1;
        eps := least(eps, adql_udf.geo_arc_distance(mx, my, mz, b[k3], b[k3 + 1], b[k3 + 2],
                                                    b[l3], b[l3 + 1], b[l3 + 2]) / 4);
    END LOOP;
    nn := q.nlen[1];
    RETURN NOT adql_udf.geo_pip_xyz(mx - eps * q.nrm[1] / nn, my - eps * q.nrm[2] / nn,
                                    mz - eps * q.nrm[3] / nn, p);
END
$$;

-- Do the prepared polygons p and q share a point?
CREATE OR REPLACE FUNCTION adql_udf.geo_polygons_intersect(
    p adql_udf.geo_prepared_polygon, q adql_udf.geo_prepared_polygon)
RETURNS boolean LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
    a double precision[] := p.xyz;
    b double precision[] := q.xyz;
    i3 integer;
    j3 integer;
    k3 integer;
    l3 integer;
BEGIN
    IF p.cap_cos > -1 AND q.cap_cos > -1
       AND acos(least(1, p.c_sin * q.c_sin + p.c_cos * q.c_cos
                         * cos(radians(p.c_lon - q.c_lon))))
           > acos(p.cap_cos) + acos(q.cap_cos) + 1e-9 THEN
        RETURN false;
    END IF;
    FOR i IN 1 .. p.n LOOP
        i3 := 3 * i - 2;
        IF adql_udf.geo_pip_xyz(a[i3], a[i3 + 1], a[i3 + 2], q) THEN
            RETURN true;
        END IF;
    END LOOP;
    FOR k IN 1 .. q.n LOOP
        k3 := 3 * k - 2;
        IF adql_udf.geo_pip_xyz(b[k3], b[k3 + 1], b[k3 + 2], p) THEN
            RETURN true;
        END IF;
    END LOOP;
    FOR i IN 1 .. p.n LOOP
        i3 := 3 * i - 2;
        j3 := 3 * (i % p.n) + 1;
        FOR k IN 1 .. q.n LOOP
            k3 := 3 * k - 2;
            l3 := 3 * (k % q.n) + 1;
            IF adql_udf.geo_arcs_intersect(a[i3], a[i3 + 1], a[i3 + 2], a[j3], a[j3 + 1], a[j3 + 2],
                                           b[k3], b[k3 + 1], b[k3 + 2], b[l3], b[l3 + 1], b[l3 + 2]) THEN
                RETURN true;
            END IF;
        END LOOP;
    END LOOP;
    RETURN false;
END
$$;

-- The kind of a DALI shape array ('point', 'circle', 'polygon'), after checking its numbers;
-- raises, naming `fn`, for anything else. Polygons are checked in full by geo_polygon_prepare.
CREATE OR REPLACE FUNCTION adql_udf.geo_shape_kind(fn text, shape double precision[])
RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
    m integer := coalesce(cardinality(shape), 0);
BEGIN
    IF array_ndims(shape) > 1 OR m NOT IN (2, 3) AND (m < 6 OR m % 2 <> 0) THEN
        RAISE EXCEPTION '%: a shape is a point {lon, lat}, a circle {lon, lat, radius} or a polygon '
            '{lon1, lat1, ..., lonN, latN} with N >= 3, not an array of % numbers', fn, m
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF m >= 6 THEN
        RETURN 'polygon';
    END IF;
    IF shape[1] IS NULL OR shape[2] IS NULL OR m = 3 AND shape[3] IS NULL THEN
        RAISE EXCEPTION '%: a shape has a NULL coordinate', fn USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT (shape[2] BETWEEN -90 AND 90 AND abs(shape[1]) < 'Infinity'::double precision)
       OR m = 3 AND NOT (shape[3] > 0 AND shape[3] <= 180) THEN
        RETURN adql_udf.geo_reject(fn, shape[1:2], CASE WHEN m = 3 THEN shape[3] ELSE 1 END, NULL::text);
    END IF;
    RETURN CASE WHEN m = 2 THEN 'point' ELSE 'circle' END;
END
$$;

-- 1 if shape a lies inside shape b (both closed), for any two of point, circle, polygon.
CREATE OR REPLACE FUNCTION adql_udf.geo_contains_shapes(a double precision[], b double precision[])
RETURNS integer LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
    ka text := adql_udf.geo_shape_kind('geo_contains', a);
    kb text := adql_udf.geo_shape_kind('geo_contains', b);
    k CONSTANT double precision := 0.017453292519943295;
    pa adql_udf.geo_prepared_polygon;
    pb adql_udf.geo_prepared_polygon;
    x double precision;
    y double precision;
    z double precision;
    d double precision;
BEGIN
    IF ka = 'polygon' THEN
        pa := adql_udf.geo_polygon_prepare(a, 'geo_contains');
    END IF;
    IF kb = 'polygon' THEN
        pb := adql_udf.geo_polygon_prepare(b, 'geo_contains');
    END IF;
    IF ka = 'point' AND kb = 'point' THEN
        d := a[1] - b[1];
        RETURN (a[2] = b[2] AND (abs(a[2]) = 90 OR d - 360 * round(d / 360) = 0))::integer;
    ELSIF ka = 'point' AND kb = 'circle' THEN
        RETURN adql_udf.geo_point_in_circle(a[1], a[2], b[1], b[2], b[3])::integer;
    ELSIF ka = 'point' THEN
        RETURN adql_udf.geo_pip_general(a[1], a[2], pb)::integer;
    ELSIF kb = 'point' THEN
        RETURN 0;  -- a circle or a polygon has an area, a point has none
    ELSIF ka = 'circle' AND kb = 'circle' THEN
        RETURN (b[3] >= 180 OR adql_udf.geo_distance(a[1], a[2], b[1], b[2]) + a[3] <= b[3])::integer;
    END IF;
    IF ka = 'circle' THEN  -- circle in polygon: centre inside, boundary at least a radius away
        x := cos(a[2] * k) * cos(a[1] * k);
        y := cos(a[2] * k) * sin(a[1] * k);
        z := sin(a[2] * k);
        RETURN (adql_udf.geo_pip_xyz(x, y, z, pb)
                AND adql_udf.geo_boundary_distance(x, y, z, pb) >= radians(a[3]) - 1e-13)::integer;
    ELSIF kb = 'circle' THEN  -- polygon in circle: no point of it in the open cap around -c
        IF b[3] >= 180 THEN
            RETURN 1;
        END IF;
        x := -cos(b[2] * k) * cos(b[1] * k);
        y := -cos(b[2] * k) * sin(b[1] * k);
        z := -sin(b[2] * k);
        RETURN (NOT adql_udf.geo_pip_xyz(x, y, z, pa)
                AND adql_udf.geo_boundary_distance(x, y, z, pa) >= pi() - radians(b[3]) - 1e-13)::integer;
    END IF;
    RETURN adql_udf.geo_polygon_in_polygon(pa, pb)::integer;
END
$$;

-- 1 if the shapes a and b (both closed) share a point, for any two of point, circle, polygon.
CREATE OR REPLACE FUNCTION adql_udf.geo_intersects_shapes(a double precision[], b double precision[])
RETURNS integer LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
    ka text := adql_udf.geo_shape_kind('geo_intersects', a);
    kb text := adql_udf.geo_shape_kind('geo_intersects', b);
    k CONSTANT double precision := 0.017453292519943295;
    c double precision[];
    pp adql_udf.geo_prepared_polygon;
    x double precision;
    y double precision;
    z double precision;
BEGIN
    IF ka = 'point' THEN
        RETURN adql_udf.geo_contains_shapes(a, b);
    ELSIF kb = 'point' THEN  -- ADQL 2.1 §4.2.17: the POINT moves into CONTAINS' first place
        RETURN adql_udf.geo_contains_shapes(b, a);
    ELSIF ka = 'circle' AND kb = 'circle' THEN
        RETURN (adql_udf.geo_distance(a[1], a[2], b[1], b[2]) <= a[3] + b[3])::integer;
    ELSIF ka = 'polygon' AND kb = 'polygon' THEN
        RETURN adql_udf.geo_polygons_intersect(adql_udf.geo_polygon_prepare(a, 'geo_intersects'),
                                               adql_udf.geo_polygon_prepare(b, 'geo_intersects'))::integer;
    END IF;
    IF ka = 'circle' THEN
        c := a;
        pp := adql_udf.geo_polygon_prepare(b, 'geo_intersects');
    ELSE
        c := b;
        pp := adql_udf.geo_polygon_prepare(a, 'geo_intersects');
    END IF;
    x := cos(c[2] * k) * cos(c[1] * k);
    y := cos(c[2] * k) * sin(c[1] * k);
    z := sin(c[2] * k);
    RETURN (adql_udf.geo_pip_xyz(x, y, z, pp)
            OR adql_udf.geo_boundary_distance(x, y, z, pp) <= radians(c[3]) + 1e-13)::integer;
END
$$;

-- ADQL CONTAINS(a, b): 1 if shape a lies inside shape b, else 0. Inlined; a point against a
-- circle or a polygon goes to the inlinable point tests.
CREATE OR REPLACE FUNCTION adql_udf.geo_contains(a double precision[], b double precision[])
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN cardinality(a) = 2 AND cardinality(b) = 3
        THEN adql_udf.geo_point_in_circle(a[1], a[2], b[1], b[2], b[3])::integer
        WHEN cardinality(a) = 2 AND cardinality(b) >= 6
        THEN adql_udf.geo_point_in_polygon(a[1], a[2], b)::integer
        ELSE adql_udf.geo_contains_shapes(a, b)
    END
$$;

-- ADQL INTERSECTS(a, b): 1 if the shapes share a point, else 0 (a POINT argument means
-- CONTAINS(point, other), ADQL 2.1 §4.2.17). Inlined like geo_contains.
CREATE OR REPLACE FUNCTION adql_udf.geo_intersects(a double precision[], b double precision[])
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN cardinality(a) = 2 AND cardinality(b) = 3
        THEN adql_udf.geo_point_in_circle(a[1], a[2], b[1], b[2], b[3])::integer
        WHEN cardinality(b) = 2 AND cardinality(a) = 3
        THEN adql_udf.geo_point_in_circle(b[1], b[2], a[1], a[2], a[3])::integer
        WHEN cardinality(a) = 2 AND cardinality(b) >= 6
        THEN adql_udf.geo_point_in_polygon(a[1], a[2], b)::integer
        WHEN cardinality(b) = 2 AND cardinality(a) >= 6
        THEN adql_udf.geo_point_in_polygon(b[1], b[2], a)::integer
        ELSE adql_udf.geo_intersects_shapes(a, b)
    END
$$;

-- Centroid of a polygon: the direction of the integral of the position vector over the region
-- on the left of the edges, int x dA = 1/2 sum_i theta_i n_i (theta_i the length and n_i the
-- unit normal of edge i). Computed in a frame at the mean vertex direction c, with vertices
-- v = c + d, so that the large parts cancel exactly (sum of c x (d_i+1 - d_i) is zero) and tiny
-- polygons keep full relative precision.
CREATE OR REPLACE FUNCTION adql_udf.geo_polygon_centroid(polygon double precision[])
RETURNS double precision[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
    k CONSTANT double precision := 0.017453292519943295;
    v double precision[] := adql_udf.geo_clean_polygon('geo_centroid', polygon);
    prep adql_udf.geo_prepared_polygon := adql_udf.geo_polygon_prepare(polygon, 'geo_centroid');
    n integer := array_length(v, 1) / 2;
    clon double precision := prep.c_lon;
    cs double precision := prep.c_sin;
    cc double precision := prep.c_cos;
    fx double precision[] := array_fill(0::double precision, ARRAY[n]);
    fy double precision[] := array_fill(0::double precision, ARRAY[n]);
    fg double precision[] := array_fill(0::double precision, ARRAY[n]);
    lat double precision;
    dl double precision;
    j integer;
    nx double precision;
    ny double precision;
    nz double precision;
    sn double precision;
    cth double precision;
    kap double precision;
    ax double precision := 0;
    ay double precision := 0;
    az double precision := 0;
    wx double precision;
    wy double precision;
    wz double precision;
    lon double precision;
BEGIN
    FOR i IN 1 .. n LOOP
        lat := v[2 * i];
        dl := v[2 * i - 1] - clon;
        fx[i] := cos(lat * k) * sin(dl * k);
        fy[i] := sin((lat - degrees(atan2(cs, cc))) * k) + 2 * cos(lat * k) * cs * sin(dl * k / 2) ^ 2;
        fg[i] := 2 * sin((lat - degrees(atan2(cs, cc))) * k / 2) ^ 2
                 + 2 * cos(lat * k) * cc * sin(dl * k / 2) ^ 2;
    END LOOP;
    FOR i IN 1 .. n LOOP
        j := i % n + 1;
        -- n_i = c x (d_j - d_i) + d_i x d_j, with c = (0, 0, 1) and d = (X, Y, -G)
        nx := fy[i] - fy[j] + fg[i] * fy[j] - fy[i] * fg[j];
        ny := fx[j] - fx[i] + fx[i] * fg[j] - fg[i] * fx[j];
        nz := fx[i] * fy[j] - fy[i] * fx[j];
        sn := sqrt(nx ^ 2 + ny ^ 2 + nz ^ 2);
        cth := fx[i] * fx[j] + fy[i] * fy[j] + (1 - fg[i]) * (1 - fg[j]);
        IF sn < 1e-2 AND cth > 0 THEN
            kap := sn ^ 2 / 6 + 3 * sn ^ 4 / 40 + 5 * sn ^ 6 / 112;  -- asin(s) / s - 1
        ELSE
            kap := atan2(sn, cth) / sn - 1;
        END IF;
        ax := ax + (fg[i] * fy[j] - fy[i] * fg[j]) + kap * nx;
        ay := ay + (fx[i] * fg[j] - fg[i] * fx[j]) + kap * ny;
        az := az + nz + kap * nz;
    END LOOP;
    IF ax ^ 2 + ay ^ 2 + az ^ 2 <= 1e-40 * prep.area ^ 2 OR ax ^ 2 + ay ^ 2 + az ^ 2 = 0 THEN
        RAISE EXCEPTION 'geo_centroid: the centroid of this polygon is undefined (its region is balanced around the centre of the sphere)'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- back from the frame (east, north, c) to x, y, z
    wx := -ax * sin(clon * k) - ay * cs * cos(clon * k) + az * cc * cos(clon * k);
    wy := ax * cos(clon * k) - ay * cs * sin(clon * k) + az * cc * sin(clon * k);
    wz := ay * cc + az * cs;
    lon := degrees(atan2(wy, wx));
    lon := lon - 360 * floor(lon / 360);
    IF lon >= 360 THEN
        lon := 0;
    END IF;
    RETURN ARRAY[lon, degrees(atan2(wz, sqrt(wx ^ 2 + wy ^ 2)))];
END
$$;

-- ADQL AREA, in square degrees: 0 for a point, 4 pi sin^2(r/2) for a circle, the spherical
-- excess of the region on the left of the edges for a polygon.
CREATE OR REPLACE FUNCTION adql_udf.geo_area(shape double precision[])
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT CASE adql_udf.geo_shape_kind('geo_area', shape)
        WHEN 'point' THEN 0
        WHEN 'circle' THEN 41252.96124941927 * sin(radians(shape[3]) / 2) ^ 2
        ELSE 3282.806350011744 * (adql_udf.geo_polygon_prepare(shape, 'geo_area')).area
    END
$$;

-- ADQL CENTROID: the point itself, the centre of a circle, geo_polygon_centroid of a polygon.
CREATE OR REPLACE FUNCTION adql_udf.geo_centroid(shape double precision[])
RETURNS double precision[] LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT CASE adql_udf.geo_shape_kind('geo_centroid', shape)
        WHEN 'polygon' THEN adql_udf.geo_polygon_centroid(shape)
        ELSE ARRAY[shape[1] - 360 * floor(shape[1] / 360), shape[2]]
    END
$$;

-- Points given as offsets (x, y) in the gnomonic (tangent-plane) projection at (lon, lat), x
-- eastwards, y northwards, back on the sphere as {lon1, lat1, ...}; lon in [0, 360).
CREATE OR REPLACE FUNCTION adql_udf.geo_from_tangent(
    lon double precision, lat double precision, offsets double precision[])
RETURNS double precision[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
    k CONSTANT double precision := 0.017453292519943295;
    sl double precision := sin(lon * k);
    cl double precision := cos(lon * k);
    sb double precision := sin(lat * k);
    cb double precision := cos(lat * k);
    result double precision[] := '{}';
    x double precision;
    y double precision;
    z double precision;
    a double precision;
BEGIN
    FOR i IN 1 .. cardinality(offsets) / 2 LOOP
        -- c + x east + y north, with c = (cb cl, cb sl, sb), east = (-sl, cl, 0),
        -- north = (-sb cl, -sb sl, cb)
        x := cb * cl - offsets[2 * i - 1] * sl - offsets[2 * i] * sb * cl;
        y := cb * sl + offsets[2 * i - 1] * cl - offsets[2 * i] * sb * sl;
        z := sb + offsets[2 * i] * cb;
        a := degrees(atan2(y, x));
        a := a - 360 * floor(a / 360);
        IF a >= 360 THEN
            a := 0;
        END IF;
        result := result || ARRAY[a, degrees(atan2(z, sqrt(x ^ 2 + y ^ 2)))];
    END LOOP;
    RETURN result;
END
$$;

-- ADQL BOX (ADQL 2.1 §4.2.9): the arms of a cross through (lon, lat), along the coordinate axes,
-- are `width` and `height` long (arc lengths); the sides are the great circles through the arms'
-- ends at right angles to them. That is the rectangle |x| <= tan(width/2), |y| <= tan(height/2)
-- of the gnomonic projection at the centre; its corners, counter-clockwise from south-west.
CREATE OR REPLACE FUNCTION adql_udf.geo_box(
    lon double precision, lat double precision, width double precision, height double precision)
RETURNS double precision[] LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT CASE
        WHEN NOT (lat BETWEEN -90 AND 90 AND abs(lon) < 'Infinity'::double precision)
        THEN adql_udf.geo_reject('geo_box', ARRAY[lon, lat], 1, NULL::double precision[])
        WHEN NOT (width > 0 AND width < 180 AND height > 0 AND height < 180)
        THEN adql_udf.geo_raise(
            format('geo_box: width and height must be greater than 0 and less than 180 degrees, not %s and %s',
                   width, height), NULL::double precision[])
        ELSE adql_udf.geo_from_tangent(lon, lat, ARRAY[
            -tan(radians(width) / 2), -tan(radians(height) / 2),
            tan(radians(width) / 2), -tan(radians(height) / 2),
            tan(radians(width) / 2), tan(radians(height) / 2),
            -tan(radians(width) / 2), tan(radians(height) / 2)])
    END
$$;

-- ADQL POLYGON(...) as a DALI polygon. ADQL 2.1 does not fix the vertex order, so either order
-- means the same region: the smaller of the two the boundary separates. The result is in DALI
-- order (that region on the left of the edges), lon in [0, 360), repeated vertices (and a repeated
-- closing vertex) dropped, first vertex kept first. Raises for anything that is not a simple
-- polygon: too few or odd coordinates, bad numbers, no area, crossing or overlapping edges.
CREATE OR REPLACE FUNCTION adql_udf.geo_polygon(vertices double precision[])
RETURNS double precision[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
    v double precision[] := adql_udf.geo_clean_polygon('geo_polygon', vertices);
    n integer := array_length(v, 1) / 2;
    a double precision[] := '{}';
    r double precision[];
    i3 integer;
    j3 integer;
    k3 integer;
    l3 integer;
BEGIN
    FOR i IN 1 .. n LOOP
        a := a || ARRAY[cos(radians(v[2 * i])) * cos(radians(v[2 * i - 1])),
                        cos(radians(v[2 * i])) * sin(radians(v[2 * i - 1])), sin(radians(v[2 * i]))];
    END LOOP;
    FOR i IN 1 .. n LOOP
        i3 := 3 * i - 2;
        j3 := 3 * (i % n) + 1;
        k3 := 3 * ((i + 1) % n) + 1;
        -- adjacent edges folding back over each other
        IF adql_udf.geo_arc_distance(a[k3], a[k3 + 1], a[k3 + 2], a[i3], a[i3 + 1], a[i3 + 2],
                                     a[j3], a[j3 + 1], a[j3 + 2]) <= 1e-13
           OR adql_udf.geo_arc_distance(a[i3], a[i3 + 1], a[i3 + 2], a[j3], a[j3 + 1], a[j3 + 2],
                                        a[k3], a[k3 + 1], a[k3 + 2]) <= 1e-13 THEN
            RAISE EXCEPTION 'geo_polygon: the polygon''s edges %-% and %-% overlap',
                i, i % n + 1, i % n + 1, (i + 1) % n + 1 USING ERRCODE = 'invalid_parameter_value';
        END IF;
        FOR j IN i + 2 .. n LOOP
            CONTINUE WHEN i = 1 AND j = n;
            k3 := 3 * j - 2;
            l3 := 3 * (j % n) + 1;
            IF adql_udf.geo_arcs_intersect(a[i3], a[i3 + 1], a[i3 + 2], a[j3], a[j3 + 1], a[j3 + 2],
                                           a[k3], a[k3 + 1], a[k3 + 2], a[l3], a[l3 + 1], a[l3 + 2]) THEN
                RAISE EXCEPTION 'geo_polygon: the polygon intersects itself (edges %-% and %-%)',
                    i, i % n + 1, j, j % n + 1 USING ERRCODE = 'invalid_parameter_value';
            END IF;
        END LOOP;
    END LOOP;
    IF (adql_udf.geo_polygon_prepare(v, 'geo_polygon')).area <= 2 * pi() THEN
        RETURN v;
    END IF;
    r := v[1:2];
    FOR i IN REVERSE n .. 2 LOOP
        r := r || v[2 * i - 1 : 2 * i];
    END LOOP;
    RETURN r;
END
$$;

-- A circle {lon, lat, radius} holding the shape, for index prefilters (a cone search on the
-- circle finds every candidate): the point itself with radius 0, the circle, or for a polygon the
-- cap around its prepared centre (radius 180 when the polygon does not fit within 87 degrees).
CREATE OR REPLACE FUNCTION adql_udf.geo_bounding_circle(shape double precision[])
RETURNS double precision[] LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT CASE adql_udf.geo_shape_kind('geo_bounding_circle', shape)
        WHEN 'point' THEN ARRAY[shape[1] - 360 * floor(shape[1] / 360), shape[2], 0]
        WHEN 'circle' THEN ARRAY[shape[1] - 360 * floor(shape[1] / 360), shape[2], shape[3]]
        ELSE (SELECT CASE WHEN (p).cap_cos > -1
                          THEN ARRAY[(p).c_lon - 360 * floor((p).c_lon / 360),
                                     degrees(atan2((p).c_sin, (p).c_cos)),
                                     least(180, degrees(acos(least(1, (p).cap_cos))) + 1e-9)]
                          ELSE ARRAY[0, 90, 180]::double precision[] END
              FROM (SELECT adql_udf.geo_polygon_prepare(shape, 'geo_bounding_circle') AS p) AS s)
    END
$$;

-- An xyz box (a 3-D `cube`) holding every point geo_point_in_polygon accepts in `poly`: the key
-- of a GiST index on a region column, `geo_poly_box(f.footprint) @> cube(xyz of a point)` or
-- `&& cube(box of a cap)` being the index condition, the exact test deciding. The region is DALI's,
-- the left side of the edges, so the box depends on the vertex order:
--   * when geo_polygon_prepare finds the polygon within 87 degrees of its centre c with the
--     inside the bounded side (counter-clockwise around c, the small side), every accepted point
--     is (to 1e-13) the direction h / |h| of a point h of the vertices' convex hull, whose
--     distance from the origin |h| >= h . c >= w = min over the vertices of v . c. So each
--     coordinate lies in [min(lo, lo / w), max(hi, hi / w)] for the vertices' range [lo, hi];
--     the box is that, widened by 1e-12 (boundary tolerance and rounding) and clipped to +-1;
--   * otherwise (vertices clockwise: the region is the complement; or too large for the cap)
--     it is the whole sphere's box [-1, 1]^3, which every point matches.
-- Raises like the predicates for a polygon that is not valid; NULL gives NULL (a NULL key, never
-- matched). An SQL-standard body, so that index builds (search_path = pg_catalog since
-- PostgreSQL 17) find `cube`; a sub-select, not inlined: it runs once per row, at insert.
CREATE OR REPLACE FUNCTION adql_udf.geo_poly_box(poly double precision[])
RETURNS cube LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (
    SELECT CASE
        WHEN poly IS NULL THEN NULL
        WHEN (s.p).fast THEN (
            SELECT cube(
                ARRAY[greatest(-1, least(min(v.x), min(v.x) / (s.p).cap_cos) - 1e-12),
                      greatest(-1, least(min(v.y), min(v.y) / (s.p).cap_cos) - 1e-12),
                      greatest(-1, least(min(v.z), min(v.z) / (s.p).cap_cos) - 1e-12)],
                ARRAY[least(1, greatest(max(v.x), max(v.x) / (s.p).cap_cos) + 1e-12),
                      least(1, greatest(max(v.y), max(v.y) / (s.p).cap_cos) + 1e-12),
                      least(1, greatest(max(v.z), max(v.z) / (s.p).cap_cos) + 1e-12)])
            FROM (SELECT (s.p).xyz[3 * i - 2] AS x, (s.p).xyz[3 * i - 1] AS y, (s.p).xyz[3 * i] AS z
                  FROM generate_series(1, (s.p).n) AS i) AS v)
        ELSE cube(ARRAY[-1, -1, -1]::double precision[], ARRAY[1, 1, 1]::double precision[])
    END
    -- OFFSET 0: prepared once (a flattened sub-select would prepare it per field used)
    FROM (SELECT adql_udf.geo_polygon_prepare(poly, 'geo_poly_box') AS p OFFSET 0) AS s
);

-- Region columns: shapes stored as STC-S text, as ObsCore's s_region is published (char,
-- xtype adql:region), e.g. 'POLYGON ICRS 10 -20 12 -20 12 -18' or 'CIRCLE ICRS 10 -20 0.01'.
-- geo_region reads one as a DALI shape array: Position, Circle, Box or Polygon (any case), with
-- the frame ICRS or none (UNKNOWNFrame), an optional reference position and SPHERICAL2 flavour,
-- numbers in degrees; a polygon as ADQL's POLYGON() reads vertices (geo_polygon: the smaller
-- region, either order). Anything else raises, quoting the text: another frame would select the
-- wrong sky, and Union/Intersection/Not have no DALI array form. NULL gives NULL.
-- geo_region_parse reads any such text; geo_region (below) first tries the forms the archive
-- writes itself, 'CIRCLE ICRS lon lat r' and 'POLYGON ICRS lon lat ...' with single spaces, in
-- inlinable SQL (a few microseconds instead of about 25).
CREATE OR REPLACE FUNCTION adql_udf.geo_region_parse(region text)
RETURNS double precision[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    parts text[];
    v double precision[];
    m integer;
BEGIN
    IF region IS NULL THEN
        RETURN NULL;
    END IF;
    parts := regexp_match(region,
        '^\s*(position|circle|box|polygon)\s+((icrs|unknownframe)\s+)?'
        '((barycenter|geocenter|topocenter|heliocenter|unknownrefpos)\s+)?'
        '(spherical2\s+)?([-+0-9.eE][-+0-9.eE\s]*?)\s*$', 'i');
    IF parts IS NULL THEN
        RAISE EXCEPTION 'a region must be an ICRS Position, Circle, Box or Polygon in STC-S, '
            'e.g. ''CIRCLE ICRS 10 -20 0.5'', not ''%''', left(region, 120)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    BEGIN
        v := regexp_split_to_array(parts[7], '\s+')::double precision[];
    EXCEPTION WHEN invalid_text_representation THEN
        RAISE EXCEPTION 'a region has a coordinate that is not a number: ''%''', left(region, 120)
            USING ERRCODE = 'invalid_parameter_value';
    END;
    m := cardinality(v);
    CASE lower(parts[1])
        WHEN 'position' THEN
            IF m = 2 THEN
                PERFORM adql_udf.geo_shape_kind('REGION', v);
                RETURN v;
            END IF;
        WHEN 'circle' THEN
            IF m = 3 THEN
                PERFORM adql_udf.geo_shape_kind('REGION', v);
                RETURN v;
            END IF;
        WHEN 'box' THEN
            IF m = 4 THEN
                RETURN adql_udf.geo_box(v[1], v[2], v[3], v[4]);
            END IF;
        ELSE
            IF m >= 6 AND m % 2 = 0 THEN
                RETURN adql_udf.geo_polygon(v);
            END IF;
    END CASE;
    RAISE EXCEPTION 'a region % has % numbers: ''%''', upper(parts[1]), m, left(region, 120)
        USING ERRCODE = 'invalid_parameter_value';
END
$$;

CREATE OR REPLACE FUNCTION adql_udf.geo_region(region text)
RETURNS double precision[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN region IS NULL THEN NULL
    WHEN region ~ '^CIRCLE ICRS [-+]?[0-9.]+(e[-+]?[0-9]+)? [-+]?[0-9.]+(e[-+]?[0-9]+)? [0-9.]+(e[-+]?[0-9]+)?$'
         AND (string_to_array(substr(region, 13), ' ')::double precision[])[2] BETWEEN -90 AND 90
         AND (string_to_array(substr(region, 13), ' ')::double precision[])[3] > 0
         AND (string_to_array(substr(region, 13), ' ')::double precision[])[3] <= 180
    THEN string_to_array(substr(region, 13), ' ')::double precision[]
    WHEN region ~ '^POLYGON ICRS ([-+]?[0-9.]+(e[-+]?[0-9]+)? ){5,}[-+]?[0-9.]+(e[-+]?[0-9]+)?$'
    THEN adql_udf.geo_polygon(string_to_array(substr(region, 14), ' ')::double precision[])
    ELSE adql_udf.geo_region_parse(region)
END;

-- CONTAINS(POINT(lon, lat), region) for a region column in STC-S: the text read once per row
-- (geo_contains inlined over geo_region(...) would read it once per use).
CREATE OR REPLACE FUNCTION adql_udf.geo_point_in_region(
    lon double precision, lat double precision, region text)
RETURNS boolean LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    shape double precision[] := adql_udf.geo_region(region);
BEGIN
    IF shape IS NULL OR lon IS NULL OR lat IS NULL THEN
        RETURN NULL;
    END IF;
    IF cardinality(shape) = 3 THEN
        RETURN adql_udf.geo_point_in_circle(lon, lat, shape[1], shape[2], shape[3]);
    END IF;
    IF cardinality(shape) >= 6 THEN
        RETURN adql_udf.geo_point_in_polygon(lon, lat, shape);
    END IF;
    RETURN adql_udf.geo_contains(ARRAY[lon, lat], shape) = 1;
END
$$;
"""

SKY_INDEX_SQL = r"""-- What the sky indexes are built on, and the conditions the translator writes so that the
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
"""

OBSCORE_SQL = r"""CREATE TABLE ivoa.obscore_rows (
    dataproduct_type TEXT,
    calib_level INTEGER NOT NULL,
    obs_collection TEXT NOT NULL,
    obs_id TEXT NOT NULL,
    obs_publisher_did TEXT NOT NULL,
    access_format TEXT,
    access_estsize BIGINT,
    target_name TEXT,
    s_ra FLOAT(53),
    s_dec FLOAT(53),
    s_fov FLOAT(53),
    s_region TEXT,
    s_resolution FLOAT(53),
    s_xel1 BIGINT,
    s_xel2 BIGINT,
    t_min FLOAT(53),
    t_max FLOAT(53),
    t_exptime FLOAT(53),
    t_resolution FLOAT(53),
    t_xel BIGINT,
    em_min FLOAT(53),
    em_max FLOAT(53),
    em_res_power FLOAT(53),
    em_xel BIGINT,
    o_ucd TEXT,
    pol_states TEXT,
    pol_xel BIGINT,
    facility_name TEXT,
    instrument_name TEXT,
    dataproduct_subtype TEXT,
    obs_creator_name TEXT,
    obs_title TEXT,
    publisher_id TEXT,
    data_rights TEXT,
    s_pixel_scale FLOAT(53),
    s_calib_status TEXT,
    t_calib_status TEXT,
    o_unit TEXT,
    o_calib_status TEXT,
    sector SMALLINT,
    lcdb_table TEXT NOT NULL,
    lcdb_id BIGINT NOT NULL,
    s_region_shape FLOAT(53)[],
    PRIMARY KEY (obs_publisher_did),
    CONSTRAINT uq_obscore_rows_source UNIQUE (lcdb_id, lcdb_table),
    CONSTRAINT calib_level_range CHECK (calib_level BETWEEN 0 AND 4)
);
CREATE INDEX ix_obscore_rows_dataproduct_type ON ivoa.obscore_rows (dataproduct_type);
CREATE INDEX ix_obscore_rows_obs_collection ON ivoa.obscore_rows (obs_collection);
CREATE INDEX ix_obscore_rows_obs_id ON ivoa.obscore_rows (obs_id);
CREATE INDEX ix_obscore_rows_position ON ivoa.obscore_rows (adql_udf.geo_zone(s_dec), s_ra);
CREATE INDEX ix_obscore_rows_region ON ivoa.obscore_rows USING gist (adql_udf.geo_shape_box(s_region_shape));
CREATE INDEX ix_obscore_rows_s_ra ON ivoa.obscore_rows (s_ra);
CREATE INDEX ix_obscore_rows_t_max ON ivoa.obscore_rows (t_max);
CREATE INDEX ix_obscore_rows_t_min ON ivoa.obscore_rows (t_min);
CREATE INDEX ix_obscore_rows_target_name ON ivoa.obscore_rows (target_name);
COMMENT ON TABLE ivoa.obscore_rows IS 'ObsCore rows derived from the lcdb tables (lcdb-tap obscore refresh); query the view ivoa.obscore';
COMMENT ON COLUMN ivoa.obscore_rows.dataproduct_type IS 'Primary scientific type of the product; NULL only if none of the listed values applies';
COMMENT ON COLUMN ivoa.obscore_rows.calib_level IS 'Processing level: 0 raw in private format, 1 instrumental in standard format, 2 calibrated science-ready, 3 enhanced (combined/mosaicked), 4 analysis product';
COMMENT ON COLUMN ivoa.obscore_rows.obs_collection IS 'Name of the data collection the product belongs to (e.g. facility/instrument or survey/release)';
COMMENT ON COLUMN ivoa.obscore_rows.obs_id IS 'Observation identifier; identical for all products derived from one observation; stable';
COMMENT ON COLUMN ivoa.obscore_rows.obs_publisher_did IS 'IVOA dataset identifier assigned by the publisher';
COMMENT ON COLUMN ivoa.obscore_rows.access_format IS 'Media type of what access_url returns';
COMMENT ON COLUMN ivoa.obscore_rows.access_estsize IS 'Approximate size of the download in kilobytes';
COMMENT ON COLUMN ivoa.obscore_rows.target_name IS 'Name of the observed target: the TIC number, as MAST writes it';
COMMENT ON COLUMN ivoa.obscore_rows.s_ra IS 'Right ascension of the centre of the covered region';
COMMENT ON COLUMN ivoa.obscore_rows.s_dec IS 'Declination of the centre of the covered region';
COMMENT ON COLUMN ivoa.obscore_rows.s_fov IS 'Diameter of a circle enclosing the covered region';
COMMENT ON COLUMN ivoa.obscore_rows.s_region IS 'Sky footprint in STC-S: a frame''s WCS outline (POLYGON), or for a lightcurve a circle of the extraction aperture''s typical radius around the target (CIRCLE)';
COMMENT ON COLUMN ivoa.obscore_rows.s_resolution IS 'Typical spatial resolution (PSF FWHM); best value if it varies';
COMMENT ON COLUMN ivoa.obscore_rows.s_xel1 IS 'Number of samples along the first spatial axis';
COMMENT ON COLUMN ivoa.obscore_rows.s_xel2 IS 'Number of samples along the second spatial axis';
COMMENT ON COLUMN ivoa.obscore_rows.t_min IS 'Start time (MJD in TDB: the mission''s barycentric times converted exactly, for TESS BTJD + 56999.5)';
COMMENT ON COLUMN ivoa.obscore_rows.t_max IS 'Stop time (MJD in TDB: the mission''s barycentric times converted exactly, for TESS BTJD + 56999.5)';
COMMENT ON COLUMN ivoa.obscore_rows.t_exptime IS 'Total (or median per-pixel) exposure time';
COMMENT ON COLUMN ivoa.obscore_rows.t_resolution IS 'Minimal interpretable interval along the time axis (e.g. cadence)';
COMMENT ON COLUMN ivoa.obscore_rows.t_xel IS 'Number of samples along the time axis';
COMMENT ON COLUMN ivoa.obscore_rows.em_min IS 'Lower bound of spectral coverage';
COMMENT ON COLUMN ivoa.obscore_rows.em_max IS 'Upper bound of spectral coverage';
COMMENT ON COLUMN ivoa.obscore_rows.em_res_power IS 'Characteristic spectral resolving power lambda/dlambda';
COMMENT ON COLUMN ivoa.obscore_rows.em_xel IS 'Number of samples along the spectral axis';
COMMENT ON COLUMN ivoa.obscore_rows.o_ucd IS 'UCD of the measured quantity (e.g. phot.flux); NULL if none fits';
COMMENT ON COLUMN ivoa.obscore_rows.pol_states IS 'Polarization states present in the data';
COMMENT ON COLUMN ivoa.obscore_rows.pol_xel IS 'Number of polarization samples';
COMMENT ON COLUMN ivoa.obscore_rows.facility_name IS 'Observatory, telescope or spacecraft name';
COMMENT ON COLUMN ivoa.obscore_rows.instrument_name IS 'Instrument name';
COMMENT ON COLUMN ivoa.obscore_rows.dataproduct_subtype IS 'Finer, provider-specific product type';
COMMENT ON COLUMN ivoa.obscore_rows.obs_creator_name IS 'Name of the creator of the data';
COMMENT ON COLUMN ivoa.obscore_rows.obs_title IS 'Short human-readable title of the product';
COMMENT ON COLUMN ivoa.obscore_rows.publisher_id IS 'IVOA identifier of the publisher';
COMMENT ON COLUMN ivoa.obscore_rows.data_rights IS 'Access rights of the product';
COMMENT ON COLUMN ivoa.obscore_rows.s_pixel_scale IS 'Sampling period along the spatial axis (pixel size)';
COMMENT ON COLUMN ivoa.obscore_rows.s_calib_status IS 'Spatial calibration status';
COMMENT ON COLUMN ivoa.obscore_rows.t_calib_status IS 'Time calibration status';
COMMENT ON COLUMN ivoa.obscore_rows.o_unit IS 'Unit of the observable';
COMMENT ON COLUMN ivoa.obscore_rows.o_calib_status IS 'Calibration status of the observable';
COMMENT ON COLUMN ivoa.obscore_rows.sector IS 'TESS sector (or the mission''s observing sequence number)';
COMMENT ON COLUMN ivoa.obscore_rows.lcdb_table IS 'The lcdb table the row was derived from: dataset (lightcurves) or fits_frame';
COMMENT ON COLUMN ivoa.obscore_rows.lcdb_id IS 'The id of the row in lcdb_table it was derived from (lcdb.dataset.id, ...)';
COMMENT ON COLUMN ivoa.obscore_rows.s_region_shape IS 's_region as a DALI shape array (what ADQL geometry functions read)';
CREATE OR REPLACE VIEW ivoa.obscore AS SELECT dataproduct_type, calib_level, obs_collection, obs_id, obs_publisher_did, current_setting('lcdb.service_url', true) || '/datalink?ID=' || obs_publisher_did AS access_url, access_format, access_estsize, target_name, s_ra, s_dec, s_fov, s_region, s_resolution, s_xel1, s_xel2, t_min, t_max, t_exptime, t_resolution, t_xel, em_min, em_max, em_res_power, em_xel, o_ucd, pol_states, pol_xel, facility_name, instrument_name, dataproduct_subtype, obs_creator_name, obs_title, publisher_id, data_rights, s_pixel_scale, s_calib_status, t_calib_status, o_unit, o_calib_status, sector, lcdb_table, lcdb_id, s_region_shape FROM ivoa.obscore_rows;
"""


def upgrade() -> None:
    op.execute(GEOMETRY_SQL)
    op.execute(SKY_INDEX_SQL)
    op.execute("CREATE SCHEMA IF NOT EXISTS ivoa")
    op.execute(OBSCORE_SQL)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS ivoa.obscore")
    op.execute("DROP TABLE IF EXISTS ivoa.obscore_rows")
    op.execute("DROP SCHEMA IF EXISTS ivoa")
    for name in NEW_FUNCTIONS:  # SQL-standard bodies depend on what they call
        op.execute(f"DROP FUNCTION IF EXISTS adql_udf.{name}")
