"""The index conditions of the sky indexes (``adql/pg_sky_index.sql``), for `PgGeometry`.

The measured choice (bench/geometry.py, against pgsphere and q3c on the same server):

* positions: a btree on ``(adql_udf.geo_zone(dec), ra)``, declination zones of 0.25 degrees.
  A cone with a centre written in the query becomes a literal list of zones and one or two
  RA windows, computed here with the same arithmetic as the SQL functions, because literal
  bounds plan 0.3-0.5 ms faster than the same bounds through (inlined) functions. A cone
  whose centre comes from another table (a crossmatch) uses the inlinable
  ``geo_join_zones`` / ``geo_join_lon_lo/hi`` of that table's columns, so that every index
  bound is a function of the outer row alone (bounds from two relations made the planner
  use the zone only: 50 s instead of 0.05 s);
* nearest neighbours: the ``cube`` GiST on ``adql_udf.geo_cube(ra, dec)``, ordered by
  ``<->`` (the chord, monotone in the angle);
* regions: the ``cube`` GiST on ``adql_udf.geo_poly_box(footprint)`` (frame footprints) or
  ``adql_udf.geo_region_box(s_region)`` (STC-S text, ObsCore), searched with ``&&`` (boxes of
  caps and polygons) or ``@>`` (a point).

Every condition here may only let more rows through than the exact test that follows it.
They assume what the archive's schema guarantees for an indexed position: RA in [0, 360)
(lcdb.target has that CHECK) and declination in [-90, 90]; a table published with indexed
positions must keep them so (tests/adql/test_sky_index.py checks the conditions never drop
a point within the radius).
"""

from __future__ import annotations

import math

from adql.pg_geometry import Circle, Point, Polygon, Shape, Value, call

#: Declination zones per degree: the constant adql_udf.geo_zone is built with.
ZONES_PER_DEGREE = 4
#: The largest radius the join form covers with its three zones (one zone height).
JOIN_RADIUS = 1 / ZONES_PER_DEGREE
#: Above this a cone's zones and windows select too much of the sky to be worth an index.
LARGEST_CONE = 30.0


def zone(lat: float) -> int:
    """adql_udf.geo_zone in Python."""
    return math.floor((lat + 90) * ZONES_PER_DEGREE)


def cone_zones(lat: float, radius: float) -> list[int]:
    """The zones a cap touches: adql_udf.geo_cone_zones with the same float arithmetic."""
    return list(
        range(zone(max(-90.0, lat - radius - 1e-9)), zone(min(90.0, lat + radius + 1e-9)) + 1)
    )


def lon_windows(lon: float, lat: float, radius: float) -> list[tuple[float, float]]:
    """The RA windows within [0, 360] of a cap (adql_udf.geo_cone_lon_lo/hi): one, or two
    across RA 0, or the whole circle once the cap reaches a pole."""
    if abs(lat) + radius >= 90 - 1e-6:
        return [(0.0, 360.0)]
    ratio = math.sin(math.radians(radius)) / math.cos(math.radians(lat))
    dlon = math.degrees(math.asin(min(1.0, ratio)))
    lon = lon % 360
    low, high = lon - dlon - 1e-9, lon + dlon + 1e-9
    windows = [(max(low, 0.0), min(high, 360.0))]
    if low < 0:
        windows.append((low + 360, 360.0))
    if high > 360:
        windows.append((0.0, high - 360))
    return windows


class SkyIndex:
    """A `pg_geometry.SpatialIndex` for the indexes of migration 0008."""

    def near(
        self, point: Point, center: Point, radius: str, radius_value: float | None
    ) -> str | None:
        value = radius_value
        if center.values is not None and value is not None:
            if value > LARGEST_CONE:
                return None
            return self._literal_cone(point, *center.values, value)
        if value is not None and value <= JOIN_RADIUS:
            zones = call("geo_join_zones", center.lat, radius)
        else:
            zones = call("geo_cone_zones", center.lat, radius)
        low = call("geo_join_lon_lo", center.lon, center.lat, radius)
        high = call("geo_join_lon_hi", center.lon, center.lat, radius)
        return (
            f"{call('geo_zone', point.lat)} = ANY ({zones}) "
            f"AND {point.lon} BETWEEN {low} AND {high}"
        )

    def _literal_cone(self, point: Point, lon: float, lat: float, radius: float) -> str:
        zones = ",".join(str(z) for z in cone_zones(lat, radius))
        windows = [
            f"{point.lon} BETWEEN {_float(low)} AND {_float(high)}"
            for low, high in lon_windows(lon, lat, radius)
        ]
        ra = windows[0] if len(windows) == 1 else "(" + " OR ".join(windows) + ")"
        return f"{call('geo_zone', point.lat)} = ANY ('{{{zones}}}'::integer[]) AND {ra}"

    def inside_bounded(self, point: Point, bound: tuple[float, float, float]) -> str | None:
        lon, lat, radius = bound
        center = Point(_float(lon), _float(lat), values=(lon, lat))
        return self.near(point, center, _float(radius), radius)

    def region_meets(self, region: Value, shape: Shape) -> str | None:
        box = region.key
        if box is None:
            return None
        if isinstance(shape, Point):
            return f"{box} @> {call('geo_cube', shape.lon, shape.lat)}"
        if isinstance(shape, Circle):
            center = shape.center
            return f"{box} && {call('geo_cap_box', center.lon, center.lat, shape.radius)}"
        if isinstance(shape, Polygon):
            if shape.bound is not None:
                lon, lat, radius = (_float(v) for v in shape.bound)
                return f"{box} && {call('geo_cap_box', lon, lat, radius)}"
            return f"{box} && {call('geo_poly_box', shape.sql)}"
        if isinstance(shape, Value) and shape.kind == "point":
            point = shape.point()
            return f"{box} @> {call('geo_cube', point.lon, point.lat)}"
        if isinstance(shape, Value) and shape.key is not None:
            return f"{box} && {shape.key}"
        return None

    def nearest(self, point: Point, center: Point) -> str | None:
        key = call("geo_cube", point.lon, point.lat)
        return f"{key} <-> {call('geo_cube', center.lon, center.lat)}"


def _float(value: float) -> str:
    return repr(float(value))
