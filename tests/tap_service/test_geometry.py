"""Sky geometry through the service: cone searches, crossmatches, footprints, nearest
neighbours and shapes as values, over HTTP, checked against astropy's and an independent
gnomonic point-in-polygon, on an archive with positions placed where it is hard (RA 0/360,
the poles, close pairs)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import numpy as np
import psycopg
import pytest
import pyvo
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io.votable import parse as votable_parse
from astropy.io.votable import parse_single_table
from sqlalchemy import orm
from starlette.testclient import TestClient

from lcdb.db import create_engine
from lcdb.models import FITSFrame, Target
from tap_service.app import create_app
from tap_service.examples import EXAMPLES, Example
from tests.conftest import PgServer
from tests.lcdb.support import build_graph
from tests.plans import indexes_used
from tests.service_fixtures import SERVICE_SETTINGS
from tests.tap_service.test_sync import SKY_EXAMPLES

RNG_SEED = 11
#: Centres of the cone searches: ordinary sky, across RA 0/360, at the south pole, and the
#: position the published examples search around.
CENTRES = [(10.0, -5.0), (0.0, 0.0), (180.0, -89.9), (359.5, 30.0), (55.0, -65.0)]


@pytest.fixture(scope="module")
def sky(pg_server: PgServer, migrated_template: str) -> Iterator[dict[str, Any]]:
    """An archive of 3,000 targets (random, plus pairs 1-4 arcsec apart and clusters at the
    hard places) and 60 frames with small square footprints."""
    url = pg_server.create_database(template=migrated_template)
    engine = create_engine(url)
    rng = np.random.default_rng(RNG_SEED)
    ra = rng.uniform(0, 360, 2400)
    dec = np.degrees(np.arcsin(rng.uniform(-1, 1, 2400)))
    near = []
    for lon, lat in CENTRES:
        offsets = SkyCoord(lon, lat, unit="deg").directional_offset_by(
            rng.uniform(0, 360, 100) * u.deg, rng.uniform(0, 2, 100) * u.deg
        )
        near.append((offsets.ra.deg, offsets.dec.deg))
    ra = np.concatenate([ra, *(n[0] for n in near)])
    dec = np.concatenate([dec, *(n[1] for n in near)])
    twins = SkyCoord(ra[:200], dec[:200], unit="deg").directional_offset_by(
        rng.uniform(0, 360, 200) * u.deg, rng.uniform(1, 4, 200) * u.arcsec
    )
    ra = np.concatenate([ra, twins.ra.deg])
    dec = np.concatenate([dec, twins.dec.deg])
    with orm.Session(engine) as session:
        graph = build_graph(session)
        session.add_all(
            Target(catalog_id=graph.catalog, name=10_000 + i, ra=float(a), dec=float(d))
            for i, (a, d) in enumerate(zip(ra, dec, strict=True))
        )
        centres = SkyCoord(
            np.append(rng.uniform(0, 360, 59), 55.2),
            np.append(rng.uniform(-80, 80, 59), -64.9),
            unit="deg",
        )
        footprints = [
            square(c, float(side)) for c, side in zip(centres, rng.uniform(1, 12, 60), strict=True)
        ]
        session.add_all(
            FITSFrame(
                observation_id=graph.observation,
                cadence=2000 + i,
                simple=True,
                bitpix=-32,
                naxis=2,
                naxis_values=[2136, 2078],
                extended=True,
                file_path=f"s0001/sky-{i}.fits",
                footprint=np.array(f),
            )
            for i, f in enumerate(footprints)
        )
        session.commit()
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE lcdb.target")
        connection.exec_driver_sql("ANALYZE lcdb.fits_frame")
    engine.dispose()
    app = create_app(SERVICE_SETTINGS, url)
    with TestClient(app, base_url="http://testserver") as client:
        yield {"client": client, "ra": ra, "dec": dec, "footprints": footprints, "url": url}
    pg_server.drop_database(url)


def square(centre: SkyCoord, side: float) -> list[float]:
    """A square footprint: the corners at ±side/2 along the axes, counter-clockwise (inside
    on the left, as DALI orders polygons)."""
    corners = []
    for azimuth in (225, 135, 45, 315):  # SW, SE, NE, NW: east is +RA
        corner = centre.directional_offset_by(azimuth * u.deg, side / 2 * np.sqrt(2) * u.deg)
        corners += [float(corner.ra.deg), float(corner.dec.deg)]
    return corners


def rows(client: TestClient, query: str) -> list[dict[str, str]]:
    response = client.get(
        "/tap/sync",
        params={"LANG": "ADQL", "QUERY": query, "RESPONSEFORMAT": "csv", "MAXREC": "100000"},
    )
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text)))


def names(client: TestClient, query: str) -> set[int]:
    return {int(row["name"]) for row in rows(client, query)}


def within(sky: dict[str, Any], lon: float, lat: float, radius: float) -> set[int]:
    """Targets within `radius` degrees of (lon, lat), by astropy."""
    separation = SkyCoord(sky["ra"], sky["dec"], unit="deg").separation(
        SkyCoord(lon, lat, unit="deg")
    )
    return {10_000 + int(i) for i in np.flatnonzero(separation.deg <= radius)}


@pytest.mark.parametrize(("lon", "lat"), CENTRES)
@pytest.mark.parametrize(
    "form",
    [
        "1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', {lon}, {lat}, {r}))",
        "CONTAINS(POINT(ra, dec), CIRCLE({lon}, {lat}, {r})) = 1",
        "DISTANCE(POINT(ra, dec), POINT({lon}, {lat})) <= {r}",
        "{r} >= DISTANCE(ra, dec, {lon}, {lat})",
        "INTERSECTS(CIRCLE({lon}, {lat}, {r}), POINT(ra, dec)) = 1",
        "CONTAINS(POINT(ra, dec), REGION('Circle ICRS {lon} {lat} {r}')) = 1",
    ],
)
def test_cone_searches_agree_with_astropy(
    sky: dict[str, Any], lon: float, lat: float, form: str
) -> None:
    condition = form.format(lon=lon, lat=lat, r=1.5)
    found = names(sky["client"], f"SELECT name FROM lcdb.target WHERE {condition}")
    expected = within(sky, lon, lat, 1.5)
    assert len(expected) > 30
    assert found == expected


def test_not_contained_is_the_complement(sky: dict[str, Any]) -> None:
    client = sky["client"]
    outside = names(
        client,
        "SELECT name FROM lcdb.target WHERE 0 = CONTAINS(POINT(ra, dec), CIRCLE(10, -5, 1.5)) "
        "AND name >= 10000",
    )
    assert outside == set(range(10_000, 10_000 + len(sky["ra"]))) - within(sky, 10, -5, 1.5)


def test_crossmatch_finds_every_close_pair(sky: dict[str, Any]) -> None:
    found = {
        (int(row["a"]), int(row["b"]))
        for row in rows(
            sky["client"],
            "SELECT a.name AS a, b.name AS b FROM lcdb.target AS a JOIN lcdb.target AS b "
            "ON DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < 5.0 / 3600 "
            "WHERE a.name < b.name",
        )
    }
    coords = SkyCoord(sky["ra"], sky["dec"], unit="deg")
    left, right, _, _ = coords.search_around_sky(coords, 5 * u.arcsec)
    expected = {
        (10_000 + int(i), 10_000 + int(j)) for i, j in zip(left, right, strict=True) if i < j
    }
    assert len(expected) >= 200
    assert found == expected


def test_nearest_neighbours_come_in_order(sky: dict[str, Any]) -> None:
    got = rows(
        sky["client"],
        "SELECT TOP 5 name, DISTANCE(POINT(ra, dec), POINT(0.2, 0.1)) AS d "
        "FROM lcdb.target WHERE ra IS NOT NULL ORDER BY d",
    )
    separation = SkyCoord(sky["ra"], sky["dec"], unit="deg").separation(
        SkyCoord(0.2, 0.1, unit="deg")
    )
    nearest = np.argsort(separation.deg)[:5]
    assert [int(r["name"]) for r in got] == [10_000 + int(i) for i in nearest]
    assert [float(r["d"]) for r in got] == pytest.approx(separation.deg[nearest], abs=1e-9)


def unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lon, lat = np.radians(lon), np.radians(lat)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], -1)


def inside_gnomonic(polygon: list[float], ra: np.ndarray, dec: np.ndarray) -> np.ndarray:
    """Points inside a small convex polygon, by an independent route: the gnomonic
    projection at its centre maps great-circle edges onto straight lines, so a point is
    inside exactly when it lies on the centre's side of every projected edge."""
    vertices = unit_vectors(np.array(polygon[0::2]), np.array(polygon[1::2]))
    centre = vertices.sum(axis=0)
    centre /= np.linalg.norm(centre)
    east = np.cross([0.0, 0.0, 1.0], centre)
    east /= np.linalg.norm(east)
    north = np.cross(centre, east)

    def plane(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        depth = points @ centre
        return (points @ east) / depth, (points @ north) / depth

    points = unit_vectors(ra, dec)
    px, py = plane(points)
    vx, vy = plane(vertices)
    inside = points @ centre > 0.1  # the projection covers the near hemisphere only
    for i in range(len(vx)):
        j = (i + 1) % len(vx)
        side = (vx[j] - vx[i]) * (py - vy[i]) - (vy[j] - vy[i]) * (px - vx[i])
        centre_side = (vx[j] - vx[i]) * (0 - vy[i]) - (vy[j] - vy[i]) * (0 - vx[i])
        inside &= side * np.sign(centre_side) >= 0
    return inside


def test_points_in_footprints_agree_with_a_gnomonic_test(sky: dict[str, Any]) -> None:
    found = {
        (int(row["name"]), row["file_path"])
        for row in rows(
            sky["client"],
            "SELECT t.name, f.file_path FROM lcdb.target AS t JOIN lcdb.fits_frame AS f "
            "ON 1 = CONTAINS(POINT(t.ra, t.dec), f.footprint) WHERE t.name >= 10000",
        )
    }
    expected = set()
    for i, footprint in enumerate(sky["footprints"]):
        inside = inside_gnomonic(footprint, sky["ra"], sky["dec"])
        expected |= {(10_000 + int(j), f"s0001/sky-{i}.fits") for j in np.flatnonzero(inside)}
    assert len(expected) > 50
    assert found == expected


def test_footprints_meeting_a_circle(sky: dict[str, Any]) -> None:
    footprint = sky["footprints"][0]
    lon, lat = footprint[0], footprint[1]  # a corner: circles around it meet the frame
    hits = {
        row["file_path"]
        for row in rows(
            sky["client"],
            "SELECT file_path FROM lcdb.fits_frame "
            f"WHERE INTERSECTS(footprint, CIRCLE({lon}, {lat}, 0.01)) = 1",
        )
    }
    assert "s0001/sky-0.fits" in hits
    far = rows(
        sky["client"],
        "SELECT file_path FROM lcdb.fits_frame WHERE INTERSECTS(footprint, "
        f"CIRCLE({(lon + 180) % 360}, {-lat}, 0.01)) = 1",
    )
    assert "s0001/sky-0.fits" not in {row["file_path"] for row in far}


def test_shapes_come_back_as_dali_shapes_that_pyvo_reads(sky: dict[str, Any]) -> None:
    client: TestClient = sky["client"]
    response = client.get(
        "/tap/sync",
        params={
            "LANG": "ADQL",
            "QUERY": "SELECT TOP 2 POINT(ra, dec) AS p, CIRCLE(ra, dec, 0.5) AS c, "
            "POLYGON(1, 2, 3, 2, 2, 3) AS g, f.footprint FROM lcdb.target, lcdb.fits_frame AS f "
            "WHERE ra IS NOT NULL",
        },
    )
    assert response.status_code == 200, response.text
    table = parse_single_table(io.BytesIO(response.content))
    fields = {f.name: (f.datatype, f.arraysize, f.xtype) for f in table.fields}
    assert fields["p"] == ("double", "2", "point")
    assert fields["c"] == ("double", "3", "circle")
    assert fields["g"] == ("double", "*", "polygon")
    assert fields["footprint"] == ("double", "*", "polygon")
    point = table.array["p"][0]
    assert len(point) == 2 and -90 <= point[1] <= 90
    assert list(table.array["g"][0]) == pytest.approx([1, 2, 3, 2, 2, 3])
    results = pyvo.dal.TAPResults(votable_parse(io.BytesIO(response.content)))
    assert results.getdesc("p").xtype == "point"
    assert results.getdesc("footprint").xtype == "polygon"


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        (
            "SELECT name FROM lcdb.target WHERE 1 = CONTAINS(POINT('GALACTIC', ra, dec), "
            "CIRCLE('ICRS', 1, 2, 3))",
            400,
            "Coordinate system 'GALACTIC' is not supported",
        ),
        (
            "SELECT name FROM lcdb.target WHERE 1 = CONTAINS(POINT(ra, dec), CIRCLE(1, 95, 3))",
            400,
            "Latitude 95 is outside [-90, 90] degrees",
        ),
        (
            "SELECT name FROM lcdb.target WHERE 1 = CONTAINS(POINT(ra, dec), "
            "REGION('Circle ICRS 1 2'))",
            400,
            "REGION: Circle needs 3 numbers, got 2",
        ),
        (
            "SELECT name FROM lcdb.target WHERE 1 = CONTAINS(POINT(ra, dec), "
            "CIRCLE(ra, dec, dec - 100))",
            400,
            "radius must be greater than 0",
        ),
    ],
)
def test_bad_geometry_is_a_400_that_says_what(
    sky: dict[str, Any], query: str, status: int, message: str
) -> None:
    response = sky["client"].get("/tap/sync", params={"LANG": "ADQL", "QUERY": query})
    assert response.status_code == status
    assert message in response.text


def plan_indexes(sky: dict[str, Any], query: str) -> set[str]:
    """The indexes PostgreSQL's plan for the translated `query` uses."""
    service = sky["client"].app.state.service
    compiled = service.dialect.compile(query, service.catalog, maxrec=1000)
    with psycopg.connect(libpq(sky["url"])) as connection:
        return indexes_used(connection, compiled.sql)


def libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (
            "SELECT name FROM lcdb.target WHERE 1 = CONTAINS(POINT(ra, dec), CIRCLE(10, -5, 0.5))",
            "ix_target_zone",
        ),
        (
            "SELECT name FROM lcdb.target WHERE DISTANCE(POINT(ra, dec), POINT(359.9, 0.1)) < 0.2",
            "ix_target_zone",
        ),
        (
            "SELECT name FROM lcdb.target "
            "WHERE CONTAINS(POINT(ra, dec), POLYGON(9, -6, 11, -6, 10, -4)) = 1",
            "ix_target_zone",
        ),
        (
            "SELECT a.name, b.name FROM lcdb.target AS a JOIN lcdb.target AS b "
            "ON DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < 2.0 / 3600",
            "ix_target_zone",
        ),
        (
            "SELECT TOP 3 name, DISTANCE(POINT(ra, dec), POINT(0.2, 0.1)) AS d "
            "FROM lcdb.target ORDER BY d",
            "ix_target_knn",
        ),
        (
            "SELECT file_path FROM lcdb.fits_frame "
            "WHERE INTERSECTS(footprint, CIRCLE(10, -5, 0.5)) = 1",
            "ix_fits_frame_footprint",
        ),
        (
            "SELECT f.file_path FROM lcdb.fits_frame AS f "
            "WHERE 1 = CONTAINS(POINT(10, -5), f.footprint)",
            "ix_fits_frame_footprint",
        ),
        (
            "SELECT t.name, f.file_path FROM lcdb.target AS t JOIN lcdb.fits_frame AS f "
            "ON 1 = CONTAINS(POINT(t.ra, t.dec), f.footprint)",
            # either side can be probed: frames by the box of each target's position, or
            # targets (by their unit vectors) inside each frame's box
            "ix_fits_frame_footprint|ix_target_knn",
        ),
    ],
)
def test_geometry_conditions_use_the_sky_indexes(
    sky: dict[str, Any], query: str, index: str
) -> None:
    assert plan_indexes(sky, query) & set(index.split("|"))


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e.id in SKY_EXAMPLES], ids=str)
def test_the_geometry_examples_find_rows(sky: dict[str, Any], example: Example) -> None:
    assert rows(sky["client"], example.query)
