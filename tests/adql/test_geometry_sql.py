"""The spherical geometry of adql/pg_geometry.sql against independent implementations.

References: astropy (SkyCoord.separation) for distances and circles, STScI's spherical-geometry
for polygon containment, intersection and area, plain numpy formulas for centroids and box sides.
Every comparison runs on thousands of shapes built on purpose to hit the hard cases (poles,
lon 0/360, sub-arcsecond and nearly-hemisphere sizes, both vertex orders, non-convex outlines,
antipodes) besides uniform ones, with fixed seeds, and runs in batches (one query per polygon,
or one over unnest(...) arrays).

Where the references' semantics differ from ours they are not used: spherical-geometry ignores
vertex order (a polygon is the side holding a given inside point) and has no boundary rule, so
we give it the inside point DALI's order implies and leave out points within a hair of an edge;
boundary behaviour (closed shapes) and orientation are tested directly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from spherical_geometry.polygon import SphericalPolygon

from tests.adql.conftest import libpq_url

Conn = psycopg.Connection[tuple[Any, ...]]
Array = np.ndarray[Any, np.dtype[np.float64]]

PG_GEOMETRY = Path(__file__).resolve().parents[2] / "adql" / "pg_geometry.sql"
DEG = np.pi / 180
TOL = 1e-13  # rad: the polygon boundary tolerance of pg_geometry.sql


@pytest.fixture(scope="module")
def geo_db(pg_server: Any) -> Iterator[Conn]:
    url = pg_server.create_database()
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(PG_GEOMETRY.read_text(encoding="utf-8"))
        conn.execute(PG_GEOMETRY.read_text(encoding="utf-8"))  # installing twice is harmless
        yield conn
    pg_server.drop_database(url)


# ------------------------------------------------------------------ numpy geometry helpers


def xyz(lon: Array, lat: Array) -> Array:
    lon, lat = np.radians(lon), np.radians(lat)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)


def lonlat(v: Array) -> tuple[Array, Array]:
    lon = np.degrees(np.arctan2(v[..., 1], v[..., 0])) % 360
    return lon, np.degrees(np.arctan2(v[..., 2], np.hypot(v[..., 0], v[..., 1])))


def frame(lon: float, lat: float) -> tuple[Array, Array, Array]:
    """Centre, east and north unit vectors at (lon, lat) (at a pole: along the given lon)."""
    lo, la = np.radians(lon), np.radians(lat)
    c = np.array([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])
    e = np.array([-np.sin(lo), np.cos(lo), 0.0])
    n = np.array([-np.sin(la) * np.cos(lo), -np.sin(la) * np.sin(lo), np.cos(la)])
    return c, e, n


def offset(lon: float, lat: float, azimuth: Array, dist: Array) -> tuple[Array, Array]:
    """Points `dist` degrees from (lon, lat) in directions `azimuth` (degrees from east to north)."""
    c, e, n = frame(lon, lat)
    a, d = np.radians(azimuth)[:, None], np.radians(dist)[:, None]
    v = c * np.cos(d) + (e * np.cos(a) + n * np.sin(a)) * np.sin(d)
    return lonlat(v)


def star_polygon(
    rng: np.random.Generator, lon: float, lat: float, rho: float, n: int
) -> tuple[Array, Array]:
    """A simple, possibly non-convex polygon around (lon, lat), vertices counter-clockwise
    (inside on the left), every vertex at most `rho` degrees from the centre."""
    while True:
        az = np.sort(rng.uniform(0, 360, n))
        if np.max(np.diff(np.concatenate([az, [az[0] + 360]]))) < 150:
            break
    radii = rho * rng.uniform(0.3, 1.0, n) if rng.random() < 0.7 else np.full(n, rho)
    return offset(lon, lat, az, radii)


def arc_distance(p: Array, a: Array, b: Array) -> Array:
    """Angular distance (rad) from points p (m, 3) to the arc a -> b."""
    nrm = np.cross(a, b)
    inside = (np.cross(a, p - a) @ nrm >= 0) & (np.cross(p - b, b) @ nrm >= 0)
    to_plane = np.arctan2(np.abs((p - a) @ nrm), np.linalg.norm(np.cross(nrm, p), axis=1))
    to_ends = np.minimum(
        np.arctan2(np.linalg.norm(np.cross(p - a, a), axis=1), p @ a),
        np.arctan2(np.linalg.norm(np.cross(p - b, b), axis=1), p @ b),
    )
    return np.where(inside, to_plane, to_ends)


def boundary_distance(p: Array, verts: Array) -> Array:
    return np.min(
        [arc_distance(p, verts[i], verts[(i + 1) % len(verts)]) for i in range(len(verts))],
        axis=0,
    )


def as_polygon(lon: Array, lat: Array) -> list[float]:
    return [float(x) for pair in zip(lon, lat, strict=True) for x in pair]


def centres(rng: np.random.Generator, count: int) -> list[tuple[float, float]]:
    """Polygon/circle centres: uniform, at and near both poles, across lon 0/360."""
    out: list[tuple[float, float]] = []
    for i in range(count):
        kind = i % 6
        if kind == 0:
            out.append((90.0 * (i % 4), 90.0 if i % 12 == 0 else -90.0))
        elif kind == 1:
            out.append(
                (rng.uniform(0, 360), float(np.sign(rng.random() - 0.5)) * rng.uniform(85, 90))
            )
        elif kind == 2:
            out.append((rng.uniform(-3, 3) % 360, rng.uniform(-60, 60)))
        else:
            out.append((rng.uniform(0, 360), float(np.degrees(np.arcsin(rng.uniform(-1, 1))))))
    return out


SIZES = {  # rho in degrees, vertex counts
    "tiny": ((1e-5, 3e-4), (3, 8)),  # 0.04 to 1 arcsec
    "small": ((0.01, 5.0), (3, 20)),
    "tess": ((16.0, 18.0), (4, 6)),  # a 24 x 24 degree camera
    "large": ((40.0, 85.0), (3, 20)),
    "hemisphere": ((86.0, 89.5), (8, 20)),  # beyond the gnomonic fast path
}


def random_polygons(
    seed: int, per_size: int
) -> list[tuple[str, float, float, float, Array, Array]]:
    rng = np.random.default_rng(seed)
    polys = []
    for size, ((lo, hi), (nmin, nmax)) in SIZES.items():
        for clon, clat in centres(rng, per_size):
            rho = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
            lon, lat = star_polygon(rng, clon, clat, rho, int(rng.integers(nmin, nmax + 1)))
            polys.append((size, clon, clat, rho, lon, lat))
    return polys


def sample_points(
    rng: np.random.Generator, clon: float, clat: float, rho: float, count: int
) -> tuple[Array, Array]:
    """Points near a shape (mostly) and anywhere on the sky; some with lon outside [0, 360)."""
    near = int(count * 0.7)
    lon1, lat1 = offset(
        clon, clat, rng.uniform(0, 360, near), rho * 1.4 * np.sqrt(rng.random(near))
    )
    lon2 = rng.uniform(0, 360, count - near)
    lat2 = np.degrees(np.arcsin(rng.uniform(-1, 1, count - near)))
    lon = np.concatenate([lon1, lon2])
    lon[::7] -= 360  # same positions, written differently
    lon[3::11] += 720
    return lon, np.concatenate([lat1, lat2])


# ------------------------------------------------------------------ distance and circles


def distance_pairs(seed: int) -> tuple[Array, Array, Array, Array]:
    rng = np.random.default_rng(seed)
    n = 2000
    lon1 = rng.uniform(-360, 720, n)
    lat1 = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    lat1[:100] = 90.0
    lat1[100:200] = -90.0
    lat1[200:300] = rng.uniform(89.9999, 90, 100)
    # separations: uniform, tiny (down to 1e-9 deg = 3.6 micro-arcsec), nearly 180
    seps = np.concatenate(
        [
            rng.uniform(0, 180, n // 2),
            10 ** rng.uniform(-9, -3, n // 4),
            180 - 10 ** rng.uniform(-9, -1, n - n // 2 - n // 4),
        ]
    )
    rng.shuffle(seps)
    lon2 = np.empty(n)
    lat2 = np.empty(n)
    for i in range(n):
        lo, la = offset(lon1[i], lat1[i], rng.uniform(0, 360, 1), seps[i : i + 1])
        lon2[i], lat2[i] = lo[0] + 360 * rng.integers(-1, 2), la[0]
    return lon1, lat1, lon2, lat2


def test_distance_matches_astropy_everywhere(geo_db: Conn) -> None:
    lon1, lat1, lon2, lat2 = distance_pairs(1)
    rows = geo_db.execute(
        "SELECT adql_udf.geo_distance(a, b, c, d), adql_udf.geo_distance(ARRAY[a, b], ARRAY[c, d])"
        " FROM unnest(%s::float8[], %s::float8[], %s::float8[], %s::float8[]) AS t(a, b, c, d)",
        (list(lon1), list(lat1), list(lon2), list(lat2)),
    ).fetchall()
    got = np.array([r[0] for r in rows])
    assert [r[0] for r in rows] == [r[1] for r in rows]
    expected = (
        SkyCoord(lon1 * u.deg, lat1 * u.deg).separation(SkyCoord(lon2 * u.deg, lat2 * u.deg)).deg
    )
    # both are double-precision Vincenty: agreement to a few 1e-14 degrees (0.1 nano-arcsec),
    # also for the 1e-9 degree and the nearly-180 degree separations
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    tiny = expected < 1e-6
    assert tiny.sum() > 200
    # tiny separations: to 2e-13 degrees (0.7 nano-arcsec; the inputs' own rounding, lon up to
    # 1000 degrees, is 1e-13 degrees)
    np.testing.assert_allclose(got[tiny], expected[tiny], rtol=0, atol=2e-13)


def test_distance_examples(geo_db: Conn) -> None:
    def dist(*args: float) -> float:
        return float(
            geo_db.execute("SELECT adql_udf.geo_distance(%s, %s, %s, %s)", args).fetchone()[0]
        )

    assert dist(0, 0, 360, 0) == pytest.approx(0, abs=1e-12)
    assert dist(-10, 0, 350, 0) == pytest.approx(0, abs=1e-12)
    assert dist(359.5, 10, 0.5, 10) == pytest.approx(0.98480775, abs=1e-6)
    assert dist(0, 90, 123, 90) == pytest.approx(0, abs=1e-12)
    assert dist(12, 90, 200, -90) == pytest.approx(180, abs=1e-12)
    assert dist(30, 20, 210, -20) == pytest.approx(180, abs=1e-12)
    assert dist(30, 20, 210, -20 + 1e-9) == pytest.approx(180 - 1e-9, abs=1e-13)
    one_mas = 1 / 3600e3
    assert dist(150, -60, 150, -60 + one_mas) == pytest.approx(one_mas, rel=1e-9)


def test_point_in_circle_matches_astropy_and_is_distance_le_radius(geo_db: Conn) -> None:
    rng = np.random.default_rng(2)
    clon, clat, radius, plon, plat = [], [], [], [], []
    for i, (lo, la) in enumerate(centres(rng, 400)):
        r = float(
            [10 ** rng.uniform(-7, -3), rng.uniform(0.01, 30), rng.uniform(30, 180), 180.0][i % 4]
        )
        lon, lat = sample_points(rng, lo, la, min(r, 120), 25)
        clon += [lo] * 25
        clat += [la] * 25
        radius += [r] * 25
        plon += list(lon)
        plat += list(lat)
    rows = geo_db.execute(
        "SELECT adql_udf.geo_point_in_circle(p, q, c, d, r), adql_udf.geo_distance(p, q, c, d) <= r,"
        " adql_udf.geo_contains(ARRAY[p, q], ARRAY[c, d, r]), adql_udf.geo_intersects(ARRAY[c, d, r], ARRAY[p, q])"
        " FROM unnest(%s::float8[], %s::float8[], %s::float8[], %s::float8[], %s::float8[]) AS t(p, q, c, d, r)",
        (plon, plat, clon, clat, radius),
    ).fetchall()
    got = np.array([r[0] for r in rows])
    assert all(r[0] == r[1] and int(r[0]) == r[2] == r[3] for r in rows)  # DISTANCE <= r, exactly
    sep = (
        SkyCoord(np.array(plon) * u.deg, np.array(plat) * u.deg)
        .separation(SkyCoord(np.array(clon) * u.deg, np.array(clat) * u.deg))
        .deg
    )
    clear = np.abs(sep - np.array(radius)) > 1e-11
    assert clear.sum() > 9900
    assert (got[clear] == (sep <= np.array(radius))[clear]).all()
    assert 0.2 < got.mean() < 0.8


def test_point_just_inside_and_outside_a_sub_arcsecond_circle(geo_db: Conn) -> None:
    r = 0.5 / 3600  # half an arcsecond
    inside = offset(201.365, -43.019, np.array([37.0]), np.array([r * (1 - 1e-6)]))
    outside = offset(201.365, -43.019, np.array([37.0]), np.array([r * (1 + 1e-6)]))
    got = geo_db.execute(
        "SELECT adql_udf.geo_point_in_circle(%s, %s, 201.365, -43.019, %s),"
        " adql_udf.geo_point_in_circle(%s, %s, 201.365, -43.019, %s)",
        (inside[0][0], inside[1][0], r, outside[0][0], outside[1][0], r),
    ).fetchone()
    assert got == (True, False)


def test_circle_around_a_pole_and_points_at_the_poles(geo_db: Conn) -> None:
    got = geo_db.execute(
        "SELECT adql_udf.geo_point_in_circle(0, 90, 123, 89.000001, 1),"
        " adql_udf.geo_point_in_circle(0, 90, 123, 88.999999, 1),"
        " adql_udf.geo_point_in_circle(303, 89.5, 123, 89.6, 1),"  # across the pole
        " adql_udf.geo_point_in_circle(303, 88.3, 123, 89.6, 1),"
        " adql_udf.geo_point_in_circle(17, -90, 0, -0.000001, 90),"
        " adql_udf.geo_point_in_circle(17, -90, 0, 0.000001, 90),"
        " adql_udf.geo_point_in_circle(180, 0, 0, 0, 180),"
        " adql_udf.geo_point_in_circle(180, 1e-9, 0, 0, 179.999999)"
    ).fetchone()
    assert got == (True, False, True, False, True, False, True, False)


# ------------------------------------------------------------------ points in polygons


def polygon_point_cases(
    seed: int, per_size: int, points: int
) -> Iterator[tuple[str, list[float], Array, Array, Array]]:
    """(size, DALI polygon, point lon, lat, expected) for each polygon in both vertex orders;
    points within a hair of the boundary are left out (spherical-geometry has no boundary rule)."""
    rng = np.random.default_rng(seed)
    for size, clon, clat, rho, lon, lat in random_polygons(seed, per_size):
        plon, plat = sample_points(rng, clon, clat, rho, points)
        verts = xyz(lon, lat)
        p = xyz(plon, plat)
        keep = boundary_distance(p, verts) > 1e-10 + 1e-6 * np.radians(rho)
        plon, plat, p = plon[keep], plat[keep], p[keep]
        anti = lonlat(-xyz(np.array(clon), np.array(clat)))
        for order in (1, -1):
            # counter-clockwise: the region around the centre; clockwise: its complement
            inside_point = (clon, clat) if order == 1 else (float(anti[0]), float(anti[1]))
            ref = SphericalPolygon.from_lonlat(lon[::order], lat[::order], center=inside_point)
            expected = np.array(
                [ref.contains_lonlat(a, b) for a, b in zip(plon, plat, strict=True)]
            )
            yield size, as_polygon(lon[::order], lat[::order]), plon, plat, expected


def test_point_in_polygon_matches_spherical_geometry(geo_db: Conn) -> None:
    counts: dict[str, int] = {}
    fast: dict[str, int] = {}
    for size, poly, plon, plat, expected in polygon_point_cases(3, 100, 40):
        rows = geo_db.execute(
            "SELECT adql_udf.geo_point_in_polygon(a, b, %s::float8[]),"
            " (adql_udf.geo_polygon_prepare(%s::float8[])).fast"
            " FROM unnest(%s::float8[], %s::float8[]) AS t(a, b)",
            (poly, poly, list(plon), list(plat)),
        ).fetchall()
        got = np.array([r[0] for r in rows], dtype=bool)
        bad = np.flatnonzero(got != expected)
        assert not len(bad), (size, poly, list(zip(plon[bad], plat[bad], strict=True)))
        counts[size] = counts.get(size, 0) + len(got)
        fast[size] = fast.get(size, 0) + int(bool(rows and rows[0][1]))
    assert min(counts.values()) > 7000, counts
    # both paths ran: the gnomonic one (counter-clockwise polygons within 87 degrees) and the
    # general one (clockwise ones, i.e. complements, and the near-hemispheres)
    assert fast["tiny"] == fast["small"] == fast["tess"] == 100
    assert fast["hemisphere"] < 100


def test_point_in_polygon_per_row_polygons_agree_with_constant_ones(geo_db: Conn) -> None:
    """A polygon that changes per row (a column) goes through the same code unfolded."""
    polys, lons, lats, expect = [], [], [], []
    for _, poly, plon, plat, expected in polygon_point_cases(4, 4, 10):
        for a, b, e in zip(plon, plat, expected, strict=True):
            polys.append("{" + ",".join(repr(x) for x in poly) + "}")
            lons.append(float(a))
            lats.append(float(b))
            expect.append(bool(e))
    rows = geo_db.execute(
        "SELECT adql_udf.geo_point_in_polygon(a, b, p::float8[]),"
        " adql_udf.geo_contains(ARRAY[a, b], p::float8[])"
        " FROM unnest(%s::text[], %s::float8[], %s::float8[]) AS t(p, a, b)",
        (polys, lons, lats),
    ).fetchall()
    assert [r[0] for r in rows] == expect
    assert [r[1] for r in rows] == [int(e) for e in expect]


def test_polygon_boundary_is_inside_in_both_paths(geo_db: Conn) -> None:
    rng = np.random.default_rng(5)
    for size, _, _, _, lon, lat in random_polygons(5, 6):
        poly = as_polygon(lon, lat)
        verts = xyz(lon, lat)
        # the vertices, and points along the edges (on the great circles, to rounding)
        t = rng.uniform(0.05, 0.95, len(lon))
        mids = verts * (1 - t)[:, None] + np.roll(verts, -1, axis=0) * t[:, None]
        mlon, mlat = lonlat(mids / np.linalg.norm(mids, axis=1)[:, None])
        blon, blat = np.concatenate([lon, mlon]), np.concatenate([lat, mlat])
        rows = geo_db.execute(
            "SELECT adql_udf.geo_point_in_polygon(a, b, %s::float8[]),"
            " adql_udf.geo_pip_general(a, b, adql_udf.geo_polygon_prepare(%s::float8[])),"
            " adql_udf.geo_point_in_polygon(a, b, %s::float8[])"
            " FROM unnest(%s::float8[], %s::float8[]) AS t(a, b)",
            (poly, poly, as_polygon(lon[::-1], lat[::-1]), list(blon), list(blat)),
        ).fetchall()
        assert all(all(r) for r in rows), (size, poly, rows)


def test_polygon_examples(geo_db: Conn) -> None:
    def pip(lon: float, lat: float, poly: list[float]) -> bool:
        return bool(
            geo_db.execute(
                "SELECT adql_udf.geo_point_in_polygon(%s, %s, %s::float8[])", (lon, lat, poly)
            ).fetchone()[0]
        )

    # a TESS camera (24 x 24 degrees) straddling RA 0
    camera = geo_db.execute("SELECT adql_udf.geo_box(0, -30, 24, 24)").fetchone()[0]
    assert pip(0, -30, camera) and pip(359.0, -20, camera) and pip(11.0, -40, camera)
    assert pip(-5, -25, camera) and pip(715, -25, camera)
    assert not pip(15.5, -30, camera) and not pip(180, -30, camera) and not pip(0, -43, camera)
    # a polygon around the south pole, and its clockwise twin, which DALI reads as the rest
    south = [0, -80, 240, -80, 120, -80]  # westwards: the pole is on the left
    assert pip(0, -90, south) and pip(77, -85, south) and not pip(77, -75, south)
    south_cw = [0, -80, 120, -80, 240, -80]
    assert not pip(0, -90, south_cw) and pip(77, -75, south_cw) and pip(0, 90, south_cw)
    # ... while ADQL's POLYGON (geo_polygon) means the same small region in either order
    for poly in (south, south_cw):
        normalised = geo_db.execute(
            "SELECT adql_udf.geo_polygon(%s::float8[])", (poly,)
        ).fetchone()[0]
        assert normalised == [0, -80, 240, -80, 120, -80]
        assert pip(0, -90, normalised) and not pip(77, -75, normalised)
    # non-convex: a "C" shape, the notch is outside
    c_shape = [0, 0, 10, 0, 10, 2, 2, 2, 2, 8, 10, 8, 10, 10, 0, 10]
    assert pip(1, 5, c_shape) and pip(9, 1, c_shape) and not pip(6, 5, c_shape)
    # a sub-arcsecond square (0.4 arcsec), points 1 mas inside and outside its edge
    s = 0.2 / 3600
    tiny = [83.8 - s, -5.4 - s, 83.8 + s, -5.4 - s, 83.8 + s, -5.4 + s, 83.8 - s, -5.4 + s]
    mas = 1 / 3600e3
    assert pip(83.8, -5.4 - s + mas, tiny) and not pip(83.8, -5.4 - s - mas, tiny)


# ------------------------------------------------------------------ polygons: geo_polygon, area, centroid, box


def test_geo_polygon_normalises_either_order_to_the_smaller_region(geo_db: Conn) -> None:
    polys = random_polygons(6, 12)
    rows = geo_db.execute(
        "SELECT adql_udf.geo_polygon(p::float8[]), adql_udf.geo_polygon(q::float8[]),"
        " adql_udf.geo_area(adql_udf.geo_polygon(q::float8[])), adql_udf.geo_area(q::float8[])"
        " FROM unnest(%s::text[], %s::text[]) AS t(p, q)",
        (
            [
                "{" + ",".join(map(repr, as_polygon(lo, la) + as_polygon(lo[:1], la[:1]))) + "}"
                for *_, lo, la in polys
            ],
            [
                "{" + ",".join(map(repr, as_polygon(lo[::-1], la[::-1]))) + "}"
                for *_, lo, la in polys
            ],
        ),
    ).fetchall()
    for (_, _, _, _, lon, lat), (ccw, cw, area_n, area_cw) in zip(polys, rows, strict=True):
        # the closing vertex is dropped, lon lands in [0, 360), the order is counter-clockwise
        np.testing.assert_allclose(ccw, as_polygon(lon % 360, lat), rtol=0, atol=1e-12)
        assert len(cw) == len(ccw)
        assert area_n < 20626.5 < area_cw
        assert area_n + area_cw == pytest.approx(41252.96124941927, rel=1e-12)
        # the clockwise copy keeps its first vertex and turns round: ccw, rotated by one
        np.testing.assert_allclose(
            cw, as_polygon(np.roll(lon, 1) % 360, np.roll(lat, 1)), rtol=0, atol=1e-12
        )


def test_geo_polygon_rejects_self_intersections_and_degenerate_outlines(geo_db: Conn) -> None:
    for poly, message in [
        ([0, 0, 10, 10, 10, 0, 0, 10], "intersects itself"),  # a bow tie
        ([0, 0, 10, 0, 5, 0], "overlap"),  # on one great circle, folding back
        ([0, 0, 10, 0, 10, 10, 0, 10, 5, 0], "intersects itself"),  # a vertex on an edge
        ([0, 0, 10, 0, 10, 10, 10, 5], "overlap"),  # an edge folding back
    ]:
        with pytest.raises(psycopg.errors.InvalidParameterValue, match=message):
            geo_db.execute("SELECT adql_udf.geo_polygon(%s::float8[])", (poly,))


def test_area_matches_spherical_geometry_and_circle_formula(geo_db: Conn) -> None:
    polys = random_polygons(7, 30)
    texts = ["{" + ",".join(map(repr, as_polygon(lo, la))) + "}" for *_, lo, la in polys]
    got = [
        r[0]
        for r in geo_db.execute(
            "SELECT adql_udf.geo_area(p::float8[]) FROM unnest(%s::text[]) AS t(p)", (texts,)
        ).fetchall()
    ]
    for (size, clon, clat, _, lon, lat), area in zip(polys, got, strict=True):
        if size == "tiny":
            # spherical-geometry loses up to 7% on sub-arcsecond polygons; the planar area of
            # the gnomonic projection is exact to (size / radian)^2
            x, y = tangent(lon, lat, clon, clat)
            ref = float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y) / 2) / DEG**2
        else:
            # the signed triangles (v0, v_i, v_i+1) in extended precision (spherical-geometry
            # loses up to 2e-7 below a few degrees, and takes the wrong side of a few polygons)
            v = xyz(lon, lat).astype(np.longdouble)
            d = v[1:] - v[0]
            num = np.sum(v[0] * np.cross(d[:-1], d[1:]), axis=1)
            den = 1 + v[1:-1] @ v[0] + np.sum(v[1:-1] * v[2:], axis=1) + v[2:] @ v[0]
            ref = float(2 * np.sum(np.arctan2(num, den))) / DEG**2 % (4 * np.pi / DEG**2)
            sg = SphericalPolygon.from_lonlat(lon, lat, center=(clon, clat)).area() / DEG**2
            if sg < 2 * np.pi / DEG**2:
                assert area == pytest.approx(sg, rel=1e-6), size
        assert area == pytest.approx(ref, rel=1e-9), size
    radii = [1e-6, 1 / 3600, 1.0, 45.0, 90.0, 179.0, 180.0]
    got = [
        r[0]
        for r in geo_db.execute(
            "SELECT adql_udf.geo_area(ARRAY[10, -20, r]) FROM unnest(%s::float8[]) AS t(r)",
            (radii,),
        ).fetchall()
    ]
    for r, area in zip(radii, got, strict=True):
        assert area == pytest.approx(4 * np.pi * np.sin(np.radians(r) / 2) ** 2 / DEG**2, rel=1e-12)
    assert geo_db.execute("SELECT adql_udf.geo_area('{12, 34}')").fetchone() == (0,)


def reference_centroid(lon: Array, lat: Array) -> tuple[float, float]:
    """int x dA = 1/2 sum theta_i n_i (extended precision); for tiny polygons the planar centroid
    of the gnomonic projection, whose error is of order size^3."""
    v = xyz(lon, lat).astype(np.longdouble)
    w = np.roll(v, -1, axis=0)
    cross = np.cross(v, w)
    s = np.linalg.norm(cross, axis=1)
    theta = np.arctan2(s, np.sum(v * w, axis=1))
    total = np.sum((theta / s)[:, None] * cross, axis=0)
    if np.max(theta) < 1e-5:
        c = np.mean(xyz(lon, lat), axis=0)
        c0, e, n = frame(*[float(x) for x in lonlat(c / np.linalg.norm(c))])
        q = xyz(lon, lat)
        x, y = (q @ e) / (q @ c0), (q @ n) / (q @ c0)
        cr = x * np.roll(y, -1) - np.roll(x, -1) * y
        cx, cy = (
            np.sum((x + np.roll(x, -1)) * cr) / (3 * np.sum(cr)),
            np.sum((y + np.roll(y, -1)) * cr) / (3 * np.sum(cr)),
        )
        total = c0 + cx * e + cy * n
    rlon, rlat = lonlat(np.asarray(total, dtype=np.float64))
    return float(rlon), float(rlat)


def test_centroid_matches_the_integral_of_position(geo_db: Conn) -> None:
    polys = random_polygons(8, 30)
    texts = ["{" + ",".join(map(repr, as_polygon(lo, la))) + "}" for *_, lo, la in polys]
    got = [
        r[0]
        for r in geo_db.execute(
            "SELECT adql_udf.geo_centroid(p::float8[]) FROM unnest(%s::text[]) AS t(p)", (texts,)
        ).fetchall()
    ]
    for (size, _, _, rho, lon, lat), (glon, glat) in zip(polys, got, strict=True):
        rlon, rlat = reference_centroid(lon, lat)
        sep = (
            SkyCoord(glon * u.deg, glat * u.deg)
            .separation(SkyCoord(rlon * u.deg, rlat * u.deg))
            .deg
        )
        assert sep < 1e-9 * max(1.0, rho), (size, rho, glon, glat, rlon, rlat)
    # a point's and a circle's centroid, and a symmetric polygon's
    assert geo_db.execute(
        "SELECT adql_udf.geo_centroid('{-10, 5}'), adql_udf.geo_centroid('{370, 5, 2}')"
    ).fetchone() == ([350, 5], [10, 5])
    c = geo_db.execute("SELECT adql_udf.geo_centroid('{0,-80,240,-80,120,-80}')").fetchone()[0]
    assert c[1] == pytest.approx(-90, abs=1e-12)


def test_box_sides_are_great_circles_through_the_arm_ends(geo_db: Conn) -> None:
    rng = np.random.default_rng(9)
    cases = [
        (
            rng.uniform(-360, 720),
            rng.uniform(-90, 90),
            rng.uniform(1e-4, 170),
            rng.uniform(1e-4, 170),
        )
        for _ in range(300)
    ]
    cases += [(0.0, -30.0, 24.0, 24.0), (10.0, 90.0, 2.0, 3.0), (359.9, 0.0, 1 / 3600, 2 / 3600)]
    rows = geo_db.execute(
        "SELECT adql_udf.geo_box(a, b, w, h) FROM unnest(%s::float8[], %s::float8[], %s::float8[], %s::float8[]) AS t(a, b, w, h)",
        tuple(list(x) for x in zip(*cases, strict=True)),
    ).fetchall()
    for (lon, lat, w, h), (box,) in zip(cases, rows, strict=True):
        corners = xyz(np.array(box[0::2]), np.array(box[1::2]))  # SW, SE, NE, NW
        c, e, n = frame(lon, lat)
        for (i, j), arm, half in [
            ((1, 2), e, w / 2),
            ((3, 0), -e, w / 2),
            ((2, 3), n, h / 2),
            ((0, 1), -n, h / 2),
        ]:
            end = c * np.cos(np.radians(half)) + arm * np.sin(np.radians(half))
            side = np.cross(corners[i], corners[j])
            side /= np.linalg.norm(side)
            assert abs(side @ end) < 1e-12  # the side passes through the arm's end ...
            tangent = -c * np.sin(np.radians(half)) + arm * np.cos(np.radians(half))
            assert abs(side @ tangent) == pytest.approx(1, abs=1e-12)  # ... at a right angle
            assert side @ c > 0  # and the box is on the centre's side (counter-clockwise order)


# ------------------------------------------------------------------ CONTAINS / INTERSECTS between shapes


def tangent(lon: Array, lat: Array, clon: float, clat: float) -> tuple[Array, Array]:
    """Gnomonic projection at (clon, clat) in extended precision: great circles become straight
    lines and circles centred there stay circles (radius tan r), so planar geometry is exact."""
    lo, la = (
        np.radians(np.asarray(lon, dtype=np.longdouble)),
        np.radians(np.asarray(lat, dtype=np.longdouble)),
    )
    c0, c1 = np.radians(np.longdouble(clon)), np.radians(np.longdouble(clat))
    x = np.cos(la) * np.sin(lo - c0)
    y = np.sin(la) * np.cos(c1) - np.cos(la) * np.sin(c1) * np.cos(lo - c0)
    w = np.sin(la) * np.sin(c1) + np.cos(la) * np.cos(c1) * np.cos(lo - c0)
    assert (w > 0).all()
    return x / w, y / w


def planar_inside(px: Any, py: Any, x: Array, y: Array) -> bool:
    inside = False
    for i in range(len(x)):
        x1, y1, x2, y2 = x[i], y[i], x[(i + 1) % len(x)], y[(i + 1) % len(x)]
        if (y1 > py) != (y2 > py) and x1 + (py - y1) * (x2 - x1) / (y2 - y1) > px:
            inside = not inside
    return inside


def planar_edge_distance(px: Any, py: Any, x: Array, y: Array) -> Any:
    best = np.inf
    for i in range(len(x)):
        x1, y1, x2, y2 = x[i], y[i], x[(i + 1) % len(x)], y[(i + 1) % len(x)]
        t = min(
            1,
            max(
                0,
                ((px - x1) * (x2 - x1) + (py - y1) * (y2 - y1)) / ((x2 - x1) ** 2 + (y2 - y1) ** 2),
            ),
        )
        best = min(best, np.hypot(x1 + t * (x2 - x1) - px, y1 + t * (y2 - y1) - py))
    return best


def planar_crossing(x: Array, y: Array, u: Array, v: Array) -> bool:
    """Does an edge of polygon (x, y) properly cross an edge of polygon (u, v)?"""

    def side(ax: Any, ay: Any, bx: Any, by: Any, cx: Any, cy: Any) -> Any:
        return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)

    for i in range(len(x)):
        a, b = (x[i], y[i]), (x[(i + 1) % len(x)], y[(i + 1) % len(x)])
        for j in range(len(u)):
            c, d = (u[j], v[j]), (u[(j + 1) % len(u)], v[(j + 1) % len(u)])
            if side(*a, *b, *c) * side(*a, *b, *d) < 0 and side(*c, *d, *a) * side(*c, *d, *b) < 0:
                return True
    return False


def cone(lon: float, lat: float, r: float, outer: bool) -> SphericalPolygon:
    """A 32-gon inscribed in (outer=False) or circumscribing (outer=True) a circle."""
    if outer:
        r = float(np.degrees(np.arctan(np.tan(np.radians(r)) / np.cos(np.pi / 32)))) * (1 + 1e-9)
    else:
        r *= 1 - 1e-9
    return SphericalPolygon.from_cone(lon, lat, r, steps=32)


def shape_text(values: list[float]) -> str:
    return "{" + ",".join(map(repr, values)) + "}"


def circle_polygon_reference(
    a: float, b: float, r: float, lon: Array, lat: Array, clon: float, clat: float, tiny: bool
) -> tuple[int | None, int | None, int | None]:
    """(circle in polygon, polygon in circle, intersect), None where the reference cannot tell.

    Containment: exact planar tests in the gnomonic projection at the circle's centre, where the
    circle is a circle of radius tan(r) and the polygon's edges are straight. Intersection:
    spherical-geometry with 32-gons inscribed in and circumscribing the circle, except for
    sub-arcsecond shapes, which it does not resolve (the planar test decides those)."""
    x, y = tangent(lon, lat, a, b)
    rr = np.tan(np.radians(np.longdouble(r)))
    inside = planar_inside(0, 0, x, y)
    edge = planar_edge_distance(0, 0, x, y)
    far = np.max(np.hypot(x, y))
    margin = 1e-9 * rr
    c_in_p = None if abs(edge - rr) < margin else int(inside and edge > rr)
    p_in_c = None if abs(far - rr) < margin else int(far < rr)
    if tiny:
        return c_in_p, p_in_c, None if abs(edge - rr) < margin else int(inside or edge < rr)
    poly = SphericalPolygon.from_lonlat(lon, lat, center=(clon, clat))
    if cone(a, b, r, False).intersects_poly(poly):
        return c_in_p, p_in_c, 1
    if not cone(a, b, r, True).intersects_poly(poly):
        return c_in_p, p_in_c, 0
    return c_in_p, p_in_c, None


def test_circle_polygon_predicates_match_spherical_geometry(geo_db: Conn) -> None:
    rng = np.random.default_rng(10)
    cases = []
    for size, clon, clat, rho, lon, lat in random_polygons(10, 60):
        if rho > 60:  # the polygon must fit the projection at the circle's centre
            continue
        for _ in range(6):
            r = min(float(rho * np.exp(rng.uniform(np.log(0.05), np.log(2.0)))), 80.0)
            d = min(float(rho * 1.5 * rng.random()), 88 - rho)
            olon, olat = offset(clon, clat, rng.uniform(0, 360, 1), np.array([d]))
            cases.append((float(olon[0]), float(olat[0]), r, lon, lat, clon, clat, size))
    circles = [shape_text([a, b, r]) for a, b, r, *_ in cases]
    polys = [shape_text(as_polygon(c[3], c[4])) for c in cases]
    rows = geo_db.execute(
        "SELECT adql_udf.geo_contains(c::float8[], p::float8[]), adql_udf.geo_contains(p::float8[], c::float8[]),"
        " adql_udf.geo_intersects(c::float8[], p::float8[]), adql_udf.geo_intersects(p::float8[], c::float8[])"
        " FROM unnest(%s::text[], %s::text[]) AS t(c, p)",
        (circles, polys),
    ).fetchall()
    decided = [0, 0, 0]
    for (a, b, r, lon, lat, clon, clat, size), (c_in_p, p_in_c, x1, x2) in zip(
        cases, rows, strict=True
    ):
        assert x1 == x2
        expected = circle_polygon_reference(a, b, r, lon, lat, clon, clat, size == "tiny")
        for k, (want, got) in enumerate(zip(expected, (c_in_p, p_in_c, x1), strict=True)):
            if want is not None:
                assert got == want, (k, size, [a, b, r], as_polygon(lon, lat))
                decided[k] += 1
    assert min(decided) > 1000, decided
    assert 0 < sum(r[0] for r in rows) < len(rows) and 0 < sum(r[1] for r in rows) < len(rows)


def polygon_polygon_reference(
    p: tuple[Array, Array, float, float], q: tuple[Array, Array, float, float], tiny: bool
) -> tuple[int, int]:
    """(q inside p, they intersect).

    Containment: the exact planar test in the gnomonic projection at p's centre (every vertex of
    q inside p, no edges crossing); spherical-geometry's contains_arc misses edges that leave a
    non-convex polygon between two vertices inside it. Intersection: spherical-geometry, except
    for sub-arcsecond shapes, where it is not precise enough and the planar test decides."""
    x, y = tangent(p[0], p[1], p[2], p[3])
    u, v = tangent(q[0], q[1], p[2], p[3])
    crossing = planar_crossing(x, y, u, v)
    q_in_p = all(planar_inside(a, b, x, y) for a, b in zip(u, v, strict=True))
    if tiny:
        p_in_q = any(planar_inside(a, b, u, v) for a, b in zip(x, y, strict=True))
        return int(q_in_p and not crossing), int(
            crossing or p_in_q or any(planar_inside(a, b, x, y) for a, b in zip(u, v, strict=True))
        )
    a = SphericalPolygon.from_lonlat(p[0], p[1], center=(p[2], p[3]))
    b = SphericalPolygon.from_lonlat(q[0], q[1], center=(q[2], q[3]))
    return int(q_in_p and not crossing), int(a.intersects_poly(b))


def test_polygon_polygon_predicates_match_spherical_geometry(geo_db: Conn) -> None:
    rng = np.random.default_rng(11)
    cases = []
    for size, clon, clat, rho, lon, lat in random_polygons(11, 60):
        if rho > 60:  # both polygons must fit the projection at the first one's centre
            continue
        for _ in range(5):
            f = float(rng.uniform(0.05, min(1.2, 25 / rho)))
            d = min(float(rho * 1.8 * rng.random() ** 2), 88 - f * rho)
            olon, olat = offset(clon, clat, rng.uniform(0, 360, 1), np.array([d]))
            lon2, lat2 = star_polygon(
                rng, float(olon[0]), float(olat[0]), rho * f, int(rng.integers(3, 12))
            )
            cases.append(
                ((lon, lat, clon, clat), (lon2, lat2, float(olon[0]), float(olat[0])), size)
            )
    rows = geo_db.execute(
        "SELECT adql_udf.geo_contains(b::float8[], a::float8[]), adql_udf.geo_intersects(a::float8[], b::float8[]),"
        " adql_udf.geo_intersects(b::float8[], a::float8[])"
        " FROM unnest(%s::text[], %s::text[]) AS t(a, b)",
        (
            [shape_text(as_polygon(p[0], p[1])) for p, _, _ in cases],
            [shape_text(as_polygon(q[0], q[1])) for _, q, _ in cases],
        ),
    ).fetchall()
    for (p, q, size), (inside, x1, x2) in zip(cases, rows, strict=True):
        want_inside, want_meet = polygon_polygon_reference(p, q, size == "tiny")
        assert x1 == x2 == want_meet, (size, as_polygon(p[0], p[1]), as_polygon(q[0], q[1]))
        assert inside == want_inside, (size, as_polygon(p[0], p[1]), as_polygon(q[0], q[1]))
    assert len(rows) > 1000
    assert sum(r[0] for r in rows) > 100 and len(rows) - sum(r[1] for r in rows) > 100


def test_shape_predicate_examples(geo_db: Conn) -> None:
    square = [10, 10, 10.2, 10, 10.2, 10.2, 10, 10.2]
    square_cw = [10, 10, 10, 10.2, 10.2, 10.2, 10.2, 10]
    neighbour = [10.2, 10, 10.4, 10, 10.4, 10.2, 10.2, 10.2]  # shares an edge
    cases = [
        ("contains", [12, 34], [372, 34], 1),  # point in point: the same position
        ("contains", [12, 90], [99, 90], 1),
        ("contains", [12, 34], [12, 34.000001], 0),
        ("contains", [10, 10, 1], [10, 10, 1], 1),
        ("contains", [10, 10, 1], [10.5, 10, 1], 0),
        ("contains", [0, 0, 10], [180, 0, 180], 1),
        ("contains", [0, -89, 2], [180, -89, 3], 0),  # across the south pole: 2 + 2 > 3
        ("contains", [0, -89, 0.5], [180, -89, 3], 1),
        ("contains", [10, 10, 1], [10, 10], 0),
        ("contains", square, [10.1, 10.1, 0.2], 1),
        ("contains", square, square, 1),
        ("contains", square, square_cw, 0),
        ("contains", square_cw, square, 0),
        ("contains", [10.1, 10.1], square_cw, 0),
        ("contains", [100.1, 10.1], square_cw, 1),
        ("contains", [190.1, -10.1, 20], square_cw, 1),  # a circle in the complement
        ("intersects", square, neighbour, 1),
        ("intersects", square, [10.21, 10, 10.4, 10, 10.4, 10.2, 10.21, 10.2], 0),
        ("intersects", [10, 10, 1], [12, 10, 1.0001], 1),
        ("intersects", [0, 0, 1], [180, 0, 178.9], 0),  # antipodal centres
        ("intersects", [0, 0, 1], [180, 0, 179.1], 1),
        ("intersects", square_cw, square, 1),  # they share the boundary
        ("intersects", [10.1, 10.1], square, 1),
        ("intersects", square, [10.1, 10.1], 1),
    ]
    for fn, a, b, expected in cases:
        got = geo_db.execute(
            f"SELECT adql_udf.geo_{fn}(%s::float8[], %s::float8[])",
            ([float(x) for x in a], [float(x) for x in b]),
        ).fetchone()
        assert got == (expected,), (fn, a, b)


# ------------------------------------------------------------------ errors, NULLs, inlining


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "geo_distance(0, 91, 0, 0)",
            "geo_distance: latitude must be between -90 and 90 degrees, not 91",
        ),
        (
            "geo_distance(0, 0, 'NaN', 0)",
            "geo_distance: longitude must be a finite number of degrees, not NaN",
        ),
        ("geo_distance('{1,2,3}', '{1,2}')", "geo_distance: arguments must be points"),
        (
            "geo_point_in_circle(0, 0, 0, 0, 0)",
            "geo_point_in_circle: a circle radius must be greater than 0 and at most 180 degrees, not 0",
        ),
        ("geo_point_in_circle(0, 0, 0, 0, 180.5)", "not 180.5"),
        ("geo_point_in_circle(0, -90.5, 0, 0, 1)", "geo_point_in_circle: latitude .* not -90.5"),
        (
            "geo_point_in_circle(0, 0, 'Infinity', 0, 1)",
            "geo_point_in_circle: longitude .* not Infinity",
        ),
        (
            "geo_point_in_polygon(0, 0, '{0,0,1,0,1,1,0}')",
            "geo_point_in_polygon: a polygon is an even number of at least 6 coordinates .* not 7 numbers",
        ),
        ("geo_point_in_polygon(0, 0, '{0,0,1,0}')", "not 4 numbers"),
        (
            "geo_point_in_polygon(0, 0, '{0,0,1,0,1,95}')",
            "geo_point_in_polygon: latitude .* not 95 \\(polygon vertex 3\\)",
        ),
        ("geo_point_in_polygon(0, 0, '{0,0,1,0,NaN,1}')", "longitude .* not NaN"),
        ("geo_point_in_polygon(0, 0, '{0,0,0,0,1,1,1,1}')", "at least 3 distinct vertices"),
        ("geo_point_in_polygon(0, 0, '{0,0,180,0,1,1}')", "antipodal"),
        (
            "geo_point_in_polygon(0, 100, '{0,0,1,0,1,1}')",
            "geo_point_in_polygon: latitude .* not 100",
        ),
        (
            "geo_contains('{1,2,3,4}', '{0,0,1}')",
            "geo_contains: a shape is a point .* not an array of 4 numbers",
        ),
        ("geo_intersects('{0,0,1}', '{0,0,-1}')", "geo_intersects: a circle radius .* not -1"),
        ("geo_area('{0,0,1,0,1,1,0,1,1}')", "geo_area: a shape is"),
        ("geo_centroid('{0,99}')", "geo_centroid: latitude .* not 99"),
        (
            "geo_box(0, 0, 0, 1)",
            "geo_box: width and height must be greater than 0 and less than 180 degrees, not 0 and 1",
        ),
        ("geo_box(0, 0, 1, 180)", "not 1 and 180"),
        ("geo_box(0, -91, 1, 1)", "geo_box: latitude"),
        ("geo_polygon('{0,0,10,10,10,0,0,10}')", "geo_polygon: the polygon intersects itself"),
    ],
)
def test_invalid_input_is_the_users_mistake(geo_db: Conn, sql: str, message: str) -> None:
    with pytest.raises(psycopg.errors.InvalidParameterValue, match=message):
        geo_db.execute(f"SELECT adql_udf.{sql}")


def test_invalid_rows_raise_too(geo_db: Conn) -> None:
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="not 91"):
        geo_db.execute(
            "SELECT count(*) FROM unnest('{0,91}'::float8[]) AS t(lat)"
            " WHERE adql_udf.geo_point_in_polygon(0, lat, '{0,0,1,0,1,1}')"
        )


def test_null_in_null_out(geo_db: Conn) -> None:
    row = geo_db.execute(
        "SELECT adql_udf.geo_distance(NULL, 0, 0, 0), adql_udf.geo_distance(NULL::float8[], '{0,0}'),"
        " adql_udf.geo_point_in_circle(0, 0, 0, 0, NULL), adql_udf.geo_point_in_circle(NULL, 0, 0, 0, 1),"
        " adql_udf.geo_point_in_polygon(0, NULL, '{0,0,1,0,1,1}'), adql_udf.geo_point_in_polygon(0, 0, NULL),"
        " adql_udf.geo_contains(NULL, '{0,0}'), adql_udf.geo_intersects('{0,0}', NULL),"
        " adql_udf.geo_area(NULL), adql_udf.geo_centroid(NULL), adql_udf.geo_box(0, 0, NULL, 1),"
        " adql_udf.geo_polygon(NULL), adql_udf.geo_bounding_circle(NULL)"
    ).fetchone()
    assert row == (None,) * 13


def test_hot_functions_are_inlined_and_constant_shapes_folded(geo_db: Conn) -> None:
    for predicate in [
        "adql_udf.geo_point_in_circle(a, b, 10, 20, 1)",
        "adql_udf.geo_distance(a, b, 10, 20) < 1",
        "adql_udf.geo_point_in_polygon(a, b, '{0,0,10,0,10,10,0,10}')",
        "adql_udf.geo_contains(ARRAY[a, b], '{0,0,10,0,10,10,0,10}') = 1",
    ]:
        plan = "\n".join(
            r[0]
            for r in geo_db.execute(
                "EXPLAIN VERBOSE SELECT count(*) FROM unnest('{1}'::float8[], '{2}'::float8[]) AS t(a, b)"
                f" WHERE {predicate}"
            ).fetchall()
        )
        for name in ("geo_distance", "geo_point_in_", "geo_polygon_prepare", "geo_contains("):
            assert f"adql_udf.{name}" not in plan, plan
        # the constant shape's trigonometry was folded at plan time
        assert not re.search(r"(sin|cos)\(\('[-0-9.e]+'::double precision \*", plan), plan


def test_bounding_circle_holds_the_shape(geo_db: Conn) -> None:
    polys = random_polygons(12, 10)
    texts = [shape_text(as_polygon(lo, la)) for *_, lo, la in polys]
    rows = geo_db.execute(
        "SELECT adql_udf.geo_bounding_circle(p::float8[]), adql_udf.geo_contains(p::float8[], adql_udf.geo_bounding_circle(p::float8[]))"
        " FROM unnest(%s::text[]) AS t(p) WHERE (adql_udf.geo_polygon_prepare(p::float8[])).fast",
        (texts,),
    ).fetchall()
    assert len(rows) > 30
    assert all(r[1] == 1 and r[0][2] < 90 for r in rows)
