"""The sky index conditions never drop a row the exact test accepts, and the zones the
translator computes for literal cones are the ones the SQL functions compute."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import psycopg
import pytest

from adql.pg_sky_index import cone_zones, lon_windows, zone

Conn = psycopg.Connection[tuple[Any, ...]]


def hard_cones(count: int, seed: int) -> list[tuple[float, float, float]]:
    """Cones everywhere, with the hard places overweighted: RA 0/360, the poles, tiny and
    large radii."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(0, 360, count)
    lat = np.degrees(np.arcsin(rng.uniform(-1, 1, count)))
    radius = 10 ** rng.uniform(-5, np.log10(30), count)
    lon[: count // 4] = rng.choice([0.0, 359.999, 0.0001, 180.0], count // 4)
    lat[count // 4 : count // 2] = rng.choice([89.99, -89.99, 88.0, -88.5], count // 4)
    return list(zip(lon.tolist(), lat.tolist(), radius.tolist(), strict=True))


def offset(lon: float, lat: float, azimuth: float, distance: float) -> tuple[float, float]:
    """The position `distance` degrees from (lon, lat) towards `azimuth` (spherical)."""
    a, b, d, t = (math.radians(v) for v in (lon, lat, distance, azimuth))
    lat2 = math.asin(math.sin(b) * math.cos(d) + math.cos(b) * math.sin(d) * math.cos(t))
    lon2 = a + math.atan2(
        math.sin(t) * math.sin(d) * math.cos(b), math.cos(d) - math.sin(b) * math.sin(lat2)
    )
    return math.degrees(lon2) % 360, math.degrees(lat2)


@pytest.mark.parametrize("seed", range(4))
def test_every_point_within_the_radius_passes_the_literal_cone_condition(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    for lon, lat, radius in hard_cones(500, seed):
        zones = set(cone_zones(lat, radius))
        windows = lon_windows(lon, lat, radius)
        for azimuth, fraction in zip(rng.uniform(0, 360, 40), rng.uniform(0, 1, 40), strict=True):
            plon, plat = offset(lon, lat, azimuth, radius * fraction * (1 - 1e-12))
            assert zone(plat) in zones, (lon, lat, radius, plon, plat)
            assert any(low <= plon <= high for low, high in windows), (lon, lat, radius, plon)


def test_literal_cones_get_the_zones_and_windows_of_the_sql_functions(adql_db: Conn) -> None:
    cones = hard_cones(400, 9)
    rows = adql_db.execute(
        "SELECT adql_udf.geo_cone_zones(c.lat, c.r), adql_udf.geo_cone_lon_lo(c.lon, c.lat, c.r),"
        " adql_udf.geo_cone_lon_hi(c.lon, c.lat, c.r)"
        " FROM unnest(%s::float8[], %s::float8[], %s::float8[]) WITH ORDINALITY"
        " AS c(lon, lat, r, n) ORDER BY c.n",
        ([c[0] for c in cones], [c[1] for c in cones], [c[2] for c in cones]),
    ).fetchall()
    for (lon, lat, radius), (zones, low, high) in zip(cones, rows, strict=True):
        assert cone_zones(lat, radius) == zones
        windows = lon_windows(lon, lat, radius)
        if (low, high) == (0, 360):
            assert windows == [(0.0, 360.0)]
            continue
        # the SQL gives one window that may pass 0 or 360; Python splits it at RA 0
        covered = sorted(windows)
        span = sum(h - lo for lo, h in covered)
        assert span == pytest.approx(high - low, abs=1e-6)
