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
boundary behaviour (closed shapes) and orientation are tested directly. The fast path for
convex polygons that change per row is held to the general path's answers, pair by pair, with
an extended-precision triple product checking its side decisions; geo_poly_box (the region
index key) to holding every point the predicate accepts.
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


# ------------------------------------------------------------------ points in polygons: the convex fast path


def convex_polygon(
    rng: np.random.Generator, lon: float, lat: float, rho: float, n: int
) -> tuple[Array, Array]:
    """A convex polygon inscribed in the circle of radius `rho` degrees around (lon, lat), its
    vertices counter-clockwise (DALI order), consecutive azimuths less than 180 degrees apart."""
    while True:
        az = np.sort(rng.uniform(0, 360, n))
        if np.max(np.diff(np.concatenate([az, [az[0] + 360]]))) < 170:
            return offset(lon, lat, az, np.full(n, rho))


def on_arc(a: Array, b: Array, t: Array) -> Array:
    """Points at fractions t along the minor great-circle arcs a -> b (rows), unit vectors."""
    theta = np.arctan2(np.linalg.norm(np.cross(a, b), axis=-1), np.sum(a * b, axis=-1))
    theta = np.where(theta > 0, theta, np.nan)
    w1 = np.sin((1 - t) * theta) / np.sin(theta)
    w2 = np.sin(t * theta) / np.sin(theta)
    return w1[:, None] * a + w2[:, None] * b


def unit(v: Array) -> Array:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def hard_points(
    rng: np.random.Generator, lon: Array, lat: Array, clon: float, clat: float, rho: float
) -> tuple[Array, Array]:
    """Points that probe a polygon: its centre and surroundings, the sky, and the boundary --
    on the edges and off them by 1e-14 .. 1e-7 rad either way, past the vertices along the
    edges' great circles, around the vertices, and the antipodes of inside points."""
    with np.errstate(invalid="ignore", divide="ignore"):  # edges of no length (repeated vertex)
        verts = xyz(lon, lat)
        n = len(verts)
        nxt = np.roll(verts, -1, axis=0)
        pts = [xyz(np.array([clon]), np.array([clat]))]
        slon, slat = sample_points(rng, clon, clat, rho, 30)
        pts.append(xyz(slon, slat))
        for _ in range(3):
            t = rng.uniform(0.02, 0.98, n)
            normal = unit(np.cross(verts, nxt))  # left of the edge
            s = rng.choice([0, 1e-14, 3e-14, 2e-13, 1e-12, 3e-12, 1e-10, 1e-7], n)
            s = s * rng.choice([-1, 1], n)
            pts.append(unit(on_arc(verts, nxt, t) + s[:, None] * normal))
        ahead = unit(np.cross(np.cross(verts, nxt), nxt))  # at each edge's end, onwards
        eps = rng.choice([1e-13, 1e-12, 1e-10, 1e-8], n)
        pts.append(unit(nxt + eps[:, None] * ahead))
        around = rng.normal(size=(n, 3))
        around = unit(around - np.sum(around * verts, axis=1)[:, None] * verts)  # tangent at v
        delta = rng.choice([1e-14, 1e-12, 1e-10, 1e-6], n)
        pts.append(unit(verts + delta[:, None] * around))
        pts.append(-pts[0])
        pts.append(-verts)
        v = unit(np.concatenate(pts))
        plon, plat = lonlat(v[np.isfinite(v).all(axis=1)])
    plon[1::5] -= 360  # the same positions, written differently
    return plon, plat


FAST_SIZES = {  # rho in degrees: the circle the vertices lie on
    "arcsec": (3e-3, 3e-2),  # 10 to 100 arcsec
    "small": (3e-2, 2.0),
    "footprint": (2.0, 17.0),  # a TESS camera is 12 x 12 degrees
    "large": (17.0, 60.0),
    "huge": (60.0, 85.0),  # nearly a hemisphere
}


def fast_path_cases(seed: int, per_size: int) -> list[tuple[str, Array, Array, Array, Array]]:
    """(size, vertex lon, lat, point lon, lat) for convex triangles and quadrilaterals."""
    rng = np.random.default_rng(seed)
    cases = []
    for size, (lo, hi) in FAST_SIZES.items():
        for i, (clon, clat) in enumerate(centres(rng, per_size)):
            rho = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
            lon, lat = convex_polygon(rng, clon, clat, rho, 4 if i % 4 else 3)
            if i % 3 == 0:
                lon = np.where(lon > 180, lon - 360, lon)  # across RA 0 as -1, 1 rather than 359, 1
            plon, plat = hard_points(rng, lon, lat, clon, clat, rho)
            cases.append((size, lon, lat, plon, plat))
    return cases


def reference_det(a: tuple[Any, Any], b: tuple[Any, Any], c: tuple[Any, Any]) -> Any:
    """a . (b x c) for (lon, lat) in degrees, in extended precision, with the angles as the
    SQL computes them (degrees times the double-precision pi / 180)."""
    k = np.longdouble(0.017453292519943295)

    def vec(p: tuple[Any, Any]) -> Any:
        lo, la = np.longdouble(p[0]) * k, np.longdouble(p[1]) * k
        return np.array([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])

    return np.dot(vec(a), np.cross(vec(b), vec(c)))


def pip_rows(
    conn: Conn, cases: list[tuple[str, Array, Array, Array, Array]]
) -> list[tuple[Any, ...]]:
    """Per pair, with the polygon a column (one per row, as in a join): geo_pip_convex, the
    new geo_point_in_polygon, the general path of before (the polygon prepared per row) and the
    general method itself (winding, no gnomonic projection)."""
    polys, plon, plat = [], [], []
    for _, lon, lat, a, b in cases:
        polys += [shape_text(as_polygon(lon, lat))] * len(a)
        plon += list(a)
        plat += list(b)
    return conn.execute(
        "SELECT adql_udf.geo_pip_convex(a, b, p::float8[]),"
        " adql_udf.geo_point_in_polygon(a, b, p::float8[]),"
        " adql_udf.geo_point_in_prepared(a, b, adql_udf.geo_polygon_prepare(p::float8[])),"
        " adql_udf.geo_pip_general(a, b, adql_udf.geo_polygon_prepare(p::float8[]))"
        " FROM unnest(%s::text[], %s::float8[], %s::float8[]) AS t(p, a, b)",
        (polys, plon, plat),
    ).fetchall()


def test_convex_fast_path_gives_the_general_paths_answers(geo_db: Conn) -> None:
    cases = fast_path_cases(21, 80)
    rows = pip_rows(geo_db, cases)
    assert len(rows) > 20000
    at = 0
    decided: dict[str, int] = {}
    expected: dict[str, int] = {}
    undecided = 0
    for size, lon, lat, plon, plat in cases:
        part = rows[at : at + len(plon)]
        at += len(plon)
        verts = list(zip(lon, lat, strict=True))
        n = len(verts)
        turns = [reference_det(verts[i - 1], verts[i], verts[(i + 1) % n]) for i in range(n)]
        polar = n == 4 and np.max(np.abs(lat)) > 89
        eligible = min(turns) > 0 and not polar
        for (code, got, before, general), a, b in zip(part, plon, plat, strict=True):
            where = (size, as_polygon(lon, lat), float(a), float(b))
            # the results are those of the general path, bit for bit (the same booleans)
            assert got == before, where
            if code == 0:
                continue
            assert eligible, where
            assert got == general == (code == 1), where
            # the side tests: decided only beyond 5e-13 (+- the 1e-14 error allowed)
            sides = [reference_det(verts[i], verts[(i + 1) % n], (a, b)) for i in range(n)]
            assert (min(sides) >= 4.9e-13) if code == 1 else (min(sides) <= -4.9e-13), where
        # a polygon that is comfortably convex and not tiny is decided for every point off the
        # boundary (the centre, which is inside, and the points around and anywhere)
        if eligible and turns[0] > 1.1e-10 and min(turns) > 2e-12:
            assert part[0][0] == 1, (size, as_polygon(lon, lat))
            assert all(r[0] != 0 for r in part[:31]), (size, as_polygon(lon, lat))
            decided[size] = decided.get(size, 0) + 1
        undecided += sum(r[0] == 0 for r in part)
        expected[size] = expected.get(size, 0) + int(not polar)
    # every polygon is decided that way but quadrilaterals with a vertex within 1 deg of a pole
    assert decided == expected
    assert min(decided.values()) >= 70
    assert undecided > 3000  # the boundary points planted on purpose went the general way


def test_convex_fast_path_decides_beyond_its_band_only(geo_db: Conn) -> None:
    """Near an edge, the fast path decides exactly when the triple product is clear of the
    +-5e-13 band (the point more than 5e-13 / |v1 x v2| rad from the great circle)."""
    rng = np.random.default_rng(22)
    cases = []
    for clon, clat in centres(rng, 40):
        rho = float(rng.uniform(0.5, 30))
        lon, lat = convex_polygon(rng, clon, clat, rho, 4)
        if np.max(np.abs(lat)) > 89:
            continue
        verts = xyz(lon, lat)
        nrm = np.cross(verts[0], verts[1])
        mid = on_arc(verts[:1], verts[1:2], np.array([0.5]))[0]
        # points off edge 1 by s rad: geo_det = |n| sin(s); band edges at |n| sin(s) = 5e-13
        s = np.array([-3, -1.2, -0.8, -0.3, 0, 0.3, 0.8, 1.2, 3]) * 5e-13 / np.linalg.norm(nrm)
        plon, plat = lonlat(unit(mid + s[:, None] * unit(nrm)))
        cases.append(("band", lon, lat, plon, plat))
    rows = pip_rows(geo_db, cases)
    codes = np.array([r[0] for r in rows]).reshape(len(cases), 9)
    assert (codes[:, [0, 1]] == -1).all(), codes  # clearly right of the edge: outside
    assert (codes[:, 2:7] == 0).all(), codes  # within the band: the general path
    assert (codes[:, [7, 8]] == 1).all(), codes  # clearly left, inside the polygon
    assert all(r[1] == r[2] for r in rows)


def test_fast_path_agrees_with_a_constant_polygon(geo_db: Conn) -> None:
    """With the polygon a literal, the fast path folds at plan time: the same answers."""
    cases = fast_path_cases(23, 6)
    rows = pip_rows(geo_db, cases)
    at = 0
    for _, lon, lat, plon, plat in cases:
        part = rows[at : at + len(plon)]
        at += len(plon)
        literal = shape_text(as_polygon(lon, lat))
        got = geo_db.execute(
            f"SELECT adql_udf.geo_pip_convex(a, b, '{literal}'::float8[]),"
            f" adql_udf.geo_point_in_polygon(a, b, '{literal}'::float8[])"
            " FROM unnest(%s::float8[], %s::float8[]) AS t(a, b)",
            (list(plon), list(plat)),
        ).fetchall()
        assert got == [(r[0], r[1]) for r in part], literal


def test_fast_path_leaves_other_polygons_to_the_general_path(geo_db: Conn) -> None:
    rng = np.random.default_rng(24)
    cases = []
    for i, (clon, clat) in enumerate(centres(rng, 240)):
        rho = float(np.exp(rng.uniform(np.log(0.05), np.log(40))))
        lon, lat = convex_polygon(rng, clon, clat, rho, 4)
        kind = i % 8
        if kind == 0:  # non-convex: a dart, vertex 3 moved inside the triangle 1, 2, 4
            v = xyz(lon, lat)
            inner = unit((v[1] + v[3]) / 2 + 0.3 * (v[0] - (v[1] + v[3]) / 2))
            lon[2], lat[2] = (float(x) for x in lonlat(inner))
        elif kind == 1:  # clockwise: DALI's region is the complement
            lon, lat = lon[::-1], lat[::-1]
        elif kind == 2:  # a bow tie (crossing edges)
            lon[[1, 2]], lat[[1, 2]] = lon[[2, 1]], lat[[2, 1]]
        elif kind == 3:  # five vertices
            lon, lat = convex_polygon(rng, clon, clat, rho, 5)
        elif kind == 4:  # tiny: 0.1 arcsec
            lon, lat = convex_polygon(rng, clon, clat, 3e-5, 4)
        elif kind == 5:  # a vertex within a degree of the pole
            lon, lat = convex_polygon(rng, clon, 89.5, 0.3, 4)
        elif kind == 6:  # a repeated vertex (a triangle written as four)
            lon, lat = np.insert(lon[:3], 1, lon[1]), np.insert(lat[:3], 1, lat[1])
        else:  # vertices on one great circle but for a hair: no area
            lon, lat = np.array([0.0, 10.0, 20.0, 10.0]) + clon, np.array([0, 0, 0, 1e-12])
        plon, plat = hard_points(rng, lon, lat, clon, clat, rho)
        cases.append((str(kind), lon, lat, plon, plat))
    polys, plon, plat = [], [], []
    for _, lon, lat, a, b in cases:
        polys += [shape_text(as_polygon(lon, lat))] * len(a)
        plon += list(a)
        plat += list(b)
    rows = geo_db.execute(
        "SELECT adql_udf.geo_pip_convex(a, b, p::float8[]) FROM unnest(%s::text[], %s::float8[],"
        " %s::float8[]) AS t(p, a, b)",
        (polys, plon, plat),
    ).fetchall()
    assert {r[0] for r in rows} == {0}
    # and where the general path answers (kind 7 has no area), the answers are its answers
    valid = [i for i, c in enumerate(cases) if c[0] != "7"]
    rows = pip_rows(geo_db, [cases[i] for i in valid])
    assert all(r[1] == r[2] for r in rows)
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="encloses no area"):
        pip_rows(geo_db, [c for c in cases if c[0] == "7"][:1])


def test_fast_path_examples(geo_db: Conn) -> None:
    def code(lon: float, lat: float, poly: list[float]) -> int:
        return int(
            geo_db.execute(
                "SELECT adql_udf.geo_pip_convex(%s, %s, p) FROM (SELECT %s::float8[] AS p) AS s",
                (lon, lat, poly),
            ).fetchone()[0]
        )

    square = [10.0, 10.0, 10.2, 10.0, 10.2, 10.2, 10.0, 10.2]  # DALI's example
    square_cw = [10.0, 10.0, 10.0, 10.2, 10.2, 10.2, 10.2, 10.0]
    assert code(10.1, 10.1, square) == 1 and code(10.3, 10.1, square) == -1
    assert code(190.1, -10.1, square) == -1  # the antipode of an inside point
    assert code(10.0, 10.0, square) == 0  # a vertex (on two edges' great circles): general path
    assert code(10.1, 10.0, square) == -1  # below the southern edge, which bulges north
    assert code(10.1, 10.1, square_cw) == 0  # clockwise: the rest of the sky
    camera = [350.0, -40.0, 10.0, -40.0, 12.0, -20.0, -12.0, -20.0]  # across RA 0
    assert code(0, -30, camera) == 1 and code(360, -30, camera) == 1 and code(-1, -41, camera) == -1
    triangle = [0.0, 90.0, 0.0, 80.0, 120.0, 80.0]  # a vertex at the pole: fine for triangles
    assert code(60, 85, triangle) == 1 and code(60, 79, triangle) == -1
    assert code(0, 0, [0.0, 0.0, 10.0, 0.0, 10.0, 95.0]) == 0  # invalid: the general path raises
    assert code(0, 0, [0.0, 0.0, 10.0, 0.0, 10.0, 10.0, 0.0, None]) == 0  # type: ignore[list-item]


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


# ------------------------------------------------------------------ geo_poly_box, the region index key

WHOLE_SPHERE = "(-1, -1, -1),(1, 1, 1)"


def box_corners(text: str) -> tuple[Array, Array]:
    lo, hi = text[1:-1].split("),(")
    return np.array(lo.split(", "), dtype=float), np.array(hi.split(", "), dtype=float)


def boundary_points(lon: Array, lat: Array, count: int, rng: np.random.Generator) -> Array:
    """Vertices, edge midpoints (where the edges bulge out) and random points on the edges."""
    verts = xyz(lon, lat)
    nxt = np.roll(verts, -1, axis=0)
    pts = [verts, on_arc(verts, nxt, np.full(len(verts), 0.5))]
    for _ in range(count):
        pts.append(on_arc(verts, nxt, rng.uniform(0, 1, len(verts))))
    return np.concatenate(pts)


def test_poly_box_holds_every_point_the_predicate_accepts(geo_db: Conn) -> None:
    rng = np.random.default_rng(31)
    polys, plon, plat, which = [], [], [], []
    shapes = [(lo, la, clon, clat, rho) for _, clon, clat, rho, lo, la in random_polygons(31, 40)]
    shapes += [(*convex_polygon(rng, c, d, 12.0, 4), c, d, 12.0) for c, d in centres(rng, 40)]
    for k, (lon, lat, clon, clat, rho) in enumerate(shapes):
        a, b = sample_points(rng, clon, clat, rho, 60)
        e, f = lonlat(boundary_points(lon, lat, 3, rng))
        for order in (1, -1):  # counter-clockwise (the small side) and clockwise (the rest)
            poly = shape_text(as_polygon(lon[::order], lat[::order]))
            for x, y in zip(np.concatenate([a, e]), np.concatenate([b, f]), strict=True):
                polys.append(poly)
                plon.append(float(x))
                plat.append(float(y))
                which.append((k, order))
    rows = geo_db.execute(
        "SELECT adql_udf.geo_point_in_polygon(a, b, p::float8[]),"
        " adql_udf.geo_poly_box(p::float8[])"
        "   @> cube(ARRAY[cosd(b) * cosd(a), cosd(b) * sind(a), sind(b)]),"
        " adql_udf.geo_poly_box(p::float8[])::text, (adql_udf.geo_polygon_prepare(p::float8[])).fast"
        " FROM unnest(%s::text[], %s::float8[], %s::float8[]) AS t(p, a, b)",
        (polys, plon, plat),
    ).fetchall()
    inside = np.array([r[0] for r in rows])
    in_box = np.array([r[1] for r in rows])
    bad = np.flatnonzero(inside & ~in_box)
    assert not len(bad), [(polys[i], plon[i], plat[i], rows[i][2]) for i in bad[:5]]
    assert inside.sum() > 5000
    boxes = {w: (r[2], r[3]) for w, r in zip(which, rows, strict=True)}
    for (k, order), (box, fast) in boxes.items():
        # the small side gets a box of its own; the complement (and what the gnomonic path
        # cannot take) the whole sphere's
        if not fast or order == -1:
            assert box == WHOLE_SPHERE, (k, order, box)
        elif shapes[k][4] < 40:
            assert box != WHOLE_SPHERE, (k, order, box)
    tight = [k for (k, order), (box, fast) in boxes.items() if order == 1 and fast]
    assert len(tight) > 150
    # and not much larger than the region: the vertices' range (within the cap of radius rho,
    # at most 2 sin rho wide) divided by w >= cos(2 rho), the vertices' distance from the centre
    for k in tight:
        lo, hi = box_corners(boxes[k, 1][0])
        rho = np.radians(shapes[k][4])
        if rho < np.radians(40):
            assert (hi - lo <= (2 * np.sin(rho) + 1) / np.cos(2 * rho) - 1 + 1e-9).all(), k


def test_poly_box_examples_and_index(geo_db: Conn) -> None:
    def box(poly: list[float] | None) -> str | None:
        got = geo_db.execute("SELECT adql_udf.geo_poly_box(%s::float8[])::text", (poly,)).fetchone()
        return got[0]

    square = [10.0, 10.0, 10.2, 10.0, 10.2, 10.2, 10.0, 10.2]
    square_cw = [10.0, 10.0, 10.0, 10.2, 10.2, 10.2, 10.2, 10.0]
    assert box(square) != WHOLE_SPHERE and box(square_cw) == WHOLE_SPHERE
    assert box(None) is None
    south = [0.0, -80.0, 240.0, -80.0, 120.0, -80.0]  # around the south pole
    lo, hi = box_corners(str(box(south)))
    assert lo[2] == -1 and hi[2] < -0.98  # holds the pole, not the equator
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="geo_poly_box: latitude"):
        box([0.0, 0.0, 1.0, 0.0, 1.0, 91.0])
    # as the key of a GiST index (built with search_path = pg_catalog on PostgreSQL 17+), the
    # join of points with footprints finds exactly the pairs a full comparison finds
    rng = np.random.default_rng(32)
    feet = []
    for i, (c, d) in enumerate(centres(rng, 300)):
        lon, lat = convex_polygon(rng, c, d, float(rng.uniform(0.5, 10)), 4)
        order = 1 if i % 5 else -1  # every fifth clockwise: the rest of the sky
        feet.append(shape_text(as_polygon(lon[::order], lat[::order])))
    plon, plat = sample_points(rng, 0, 0, 180, 400)
    with geo_db.transaction():
        geo_db.execute(
            "CREATE TEMP TABLE feet ON COMMIT DROP AS SELECT * FROM unnest(%s::text[]) WITH ORDINALITY AS t(f, id)",
            (feet,),
        )
        geo_db.execute("ALTER TABLE feet ALTER COLUMN f TYPE float8[] USING f::float8[]")
        geo_db.execute("CREATE INDEX ON feet USING gist (adql_udf.geo_poly_box(f))")
        geo_db.execute(
            "CREATE TEMP TABLE pts ON COMMIT DROP AS SELECT * FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS t(a, b, id)",
            (list(plon), list(plat)),
        )
        geo_db.execute("ANALYZE feet")
        geo_db.execute("ANALYZE pts")
        join = (
            "SELECT p.id, f.id FROM pts AS p JOIN feet AS f"
            " ON adql_udf.geo_poly_box(f.f) @> cube(ARRAY[cosd(p.b) * cosd(p.a), cosd(p.b) * sind(p.a), sind(p.b)])"
            " AND adql_udf.geo_point_in_polygon(p.a, p.b, f.f) ORDER BY 1, 2"
        )
        geo_db.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(r[0] for r in geo_db.execute("EXPLAIN " + join).fetchall())
        assert "feet_geo_poly_box_idx" in plan, plan
        indexed = geo_db.execute(join).fetchall()
        geo_db.execute("SET LOCAL enable_indexscan = off")
        geo_db.execute("SET LOCAL enable_bitmapscan = off")
        geo_db.execute("SET LOCAL enable_seqscan = on")
        full = geo_db.execute(
            "SELECT p.id, f.id FROM pts AS p JOIN feet AS f"
            " ON adql_udf.geo_point_in_polygon(p.a, p.b, f.f) ORDER BY 1, 2"
        ).fetchall()
    assert indexed == full and len(full) > 50
