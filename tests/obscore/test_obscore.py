"""ivoa.obscore on an archive loaded by the real ingest: rows, the queries people run, indexes,
refreshes (incremental, full, concurrent with a query) and pyvo reading the results."""

from __future__ import annotations

import csv
import io
import threading
import time
from typing import Any

import numpy as np
import psycopg
import pytest
import pyvo
import requests
import sqlalchemy as sa
from astropy.io import fits
from starlette.testclient import TestClient

from lcdb.db import create_engine
from obscore.cli import refresh_url
from obscore.model import COLUMNS, NOT_NULL, STANDARD
from obscore.refresh import refresh
from tap_service.app import create_app
from tap_service.examples import EXAMPLES
from tests.obscore.conftest import FRAMES, TIC, ObsCoreArchive, frame_name, load, write_catalogue
from tests.plans import indexes_used
from tests.service_fixtures import SERVICE_SETTINGS
from tests.tap_service.test_sync import OBSCORE_EXAMPLES
from tests.tap_service.uws.support import wait_for

FINISHED = {"COMPLETED", "ERROR", "ABORTED"}


def rows(client: TestClient, query: str) -> list[dict[str, str]]:
    response = client.get(
        "/tap/sync",
        params={"LANG": "ADQL", "QUERY": query, "RESPONSEFORMAT": "csv", "MAXREC": "100000"},
    )
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text)))


def vertices(values: list[float]) -> frozenset[tuple[float, float]]:
    """A polygon's vertices as (lon, lat) pairs, whatever vertex it starts with."""
    return frozenset(zip(values[0::2], values[1::2], strict=True))


def libpq(url: str) -> str:
    return url.replace("+psycopg", "")


def target_position(archive: ObsCoreArchive) -> tuple[float, float]:
    header = fits.getheader(archive.lightcurve)
    return float(header["RA_OBJ"]), float(header["DEC_OBJ"])


def plan_indexes(client: TestClient, archive: ObsCoreArchive, query: str) -> set[str]:
    service = client.app.state.service  # type: ignore[attr-defined]
    compiled = service.dialect.compile(query, service.catalog, maxrec=1000)
    with psycopg.connect(libpq(archive.url)) as connection:
        connection.execute("SET enable_seqscan = off")  # a tiny table: ask what *can* be used
        return indexes_used(connection, compiled.sql)


# -- the rows ----------------------------------------------------------------------------------


def test_one_row_per_lightcurve_and_per_frame(
    obscore_client: TestClient, obscore_archive: ObsCoreArchive
) -> None:
    found = rows(
        obscore_client,
        "SELECT dataproduct_type, dataproduct_subtype, calib_level, obs_collection, obs_id, "
        "target_name, t_xel, instrument_name, lcdb_table FROM ivoa.obscore ORDER BY obs_id",
    )
    lightcurves = [r for r in found if r["dataproduct_type"] == "timeseries"]
    frames = [r for r in found if r["dataproduct_type"] == "image"]
    assert len(frames) == len(FRAMES)
    assert {r["obs_id"] for r in frames} == {"tess-s0001-3-3", "tess-s0001-1-1"}
    assert {r["instrument_name"] for r in frames} == {"Camera 3/CCD 3", "Camera 1/CCD 1"}
    # raw (calib 2) and PDC (calib 3) fluxes of one observation share their obs_id
    assert sorted(r["calib_level"] for r in lightcurves) == ["2", "3"]
    assert {r["obs_id"] for r in lightcurves} == {f"tess-s0001-{TIC:016d}-120"}
    assert {r["obs_collection"] for r in lightcurves} == {"TESS"}
    assert {r["target_name"] for r in lightcurves} == {str(TIC)}
    assert {r["t_xel"] for r in lightcurves} == {"20076"}
    assert {r["lcdb_table"] for r in found} == {"dataset", "fits_frame"}


def test_mandatory_columns_are_filled_where_the_standard_requires(
    obscore_archive: ObsCoreArchive,
) -> None:
    engine = create_engine(obscore_archive.url)
    with engine.connect() as conn:
        for name in NOT_NULL:
            nulls = conn.execute(
                sa.text(f"SELECT count(*) FROM ivoa.obscore WHERE {name} IS NULL")
            ).scalar_one()
            assert nulls == 0, name
        dids = conn.execute(sa.text("SELECT obs_publisher_did FROM ivoa.obscore")).scalars()
        dids = list(dids)
    engine.dispose()
    assert len(set(dids)) == len(dids)
    assert all(did.startswith("ivo://lcdb-tap.invalid/tess?") for did in dids)
    assert {c.name for c in COLUMNS} >= {n for n, c in STANDARD.items() if c.mandatory}


def test_times_are_mjd_converted_from_the_mission_time_system(
    obscore_client: TestClient, obscore_archive: ObsCoreArchive
) -> None:
    with fits.open(obscore_archive.lightcurve) as hdus:
        times = hdus[1].data["TIME"]
        expected = (np.nanmin(times) + 56999.5, np.nanmax(times) + 56999.5)
    (row,) = rows(
        obscore_client,
        "SELECT t_min, t_max, t_resolution FROM ivoa.obscore "
        "WHERE dataproduct_type = 'timeseries' AND calib_level = 2",
    )
    assert float(row["t_min"]) == pytest.approx(expected[0], abs=1e-9)
    assert float(row["t_max"]) == pytest.approx(expected[1], abs=1e-9)
    assert float(row["t_resolution"]) == 120.0
    frames = rows(
        obscore_client,
        "SELECT t_min, t_max FROM ivoa.obscore WHERE obs_id = 'tess-s0001-3-3' ORDER BY t_min",
    )
    # 2018-07-25T19:29:42 UTC as TDB: MJD 58324.81275 (the catalogue's start, BTJD-consistent)
    assert float(frames[0]["t_min"]) == pytest.approx(58324.8128, abs=1e-3)
    assert float(frames[0]["t_max"]) - float(frames[0]["t_min"]) == pytest.approx(
        1799 / 86400, abs=1e-6
    )


# -- the queries people run ----------------------------------------------------------------------


def test_a_position_finds_the_frames_covering_it_and_the_lightcurves_there(
    obscore_client: TestClient, obscore_archive: ObsCoreArchive
) -> None:
    ra, dec = target_position(obscore_archive)
    found = rows(
        obscore_client,
        "SELECT obs_id, dataproduct_type FROM ivoa.obscore "
        f"WHERE 1 = CONTAINS(POINT('ICRS', {ra}, {dec}), s_region)",
    )
    assert (
        sorted(r["obs_id"] for r in found if r["dataproduct_type"] == "image")
        == ["tess-s0001-3-3"] * 3
    )
    assert len([r for r in found if r["dataproduct_type"] == "timeseries"]) == 2
    # camera 1 is 24 degrees away: its frames cover the point opposite, not this one
    elsewhere = rows(
        obscore_client,
        "SELECT obs_id FROM ivoa.obscore WHERE dataproduct_type = 'image' AND "
        f"1 = CONTAINS(POINT('ICRS', {(ra + 180) % 360}, {-dec}), s_region)",
    )
    assert "tess-s0001-3-3" not in {r["obs_id"] for r in elsewhere}


def test_a_cone_intersecting_s_region_and_a_cone_on_the_centre(
    obscore_client: TestClient, obscore_archive: ObsCoreArchive
) -> None:
    ra, dec = target_position(obscore_archive)
    meets = rows(
        obscore_client,
        "SELECT obs_id FROM ivoa.obscore "
        f"WHERE 1 = INTERSECTS(CIRCLE('ICRS', {ra}, {dec}, 0.01), s_region)",
    )
    assert len(meets) == 5  # three frames, two lightcurves
    centred = rows(
        obscore_client,
        "SELECT obs_id FROM ivoa.obscore "
        f"WHERE 1 = CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', {ra}, {dec}, 0.01))",
    )
    assert len(centred) == 2  # the lightcurves (a frame's centre is degrees away)


def test_the_obscore_example_finds_the_frames_and_the_lightcurves(
    obscore_client: TestClient, obscore_archive: ObsCoreArchive
) -> None:
    (example,) = [e for e in EXAMPLES if e.id in OBSCORE_EXAMPLES]
    ra, dec = target_position(obscore_archive)
    assert f"POINT('ICRS', {ra:.4f}, {dec:.4f})" in example.query  # the real file's target
    found = rows(obscore_client, example.query)
    assert [r["dataproduct_type"] for r in found] == ["timeseries"] * 2 + ["image"] * 3


def test_time_overlap_and_product_type_and_target(obscore_client: TestClient) -> None:
    # the second and third frames of CCD 3 and 1 overlap 20:00-20:10 UTC
    start, stop = 58324.8334 + 0.0008, 58324.8334 + 0.007  # MJD (TDB)
    found = rows(
        obscore_client,
        "SELECT obs_publisher_did FROM ivoa.obscore WHERE dataproduct_type = 'image' "
        f"AND t_min < {stop} AND t_max > {start}",
    )
    names = {r["obs_publisher_did"].rsplit("?", 1)[1] for r in found}
    assert names == {frame_name(3, 3, "2018206195942"), frame_name(1, 1, "2018206195942")}
    by_target = rows(
        obscore_client,
        "SELECT calib_level FROM ivoa.obscore "
        f"WHERE dataproduct_type = 'timeseries' AND target_name = '{TIC}'",
    )
    assert sorted(r["calib_level"] for r in by_target) == ["2", "3"]


@pytest.mark.parametrize(
    ("condition", "index"),
    [
        ("1 = CONTAINS(POINT('ICRS', 10, -60), s_region)", "ix_obscore_rows_region"),
        ("1 = INTERSECTS(CIRCLE('ICRS', 10, -60, 1), s_region)", "ix_obscore_rows_region"),
        (
            "1 = CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 10, -60, 1))",
            "ix_obscore_rows_position",
        ),
        ("t_min < 58330 AND t_max > 58329", "ix_obscore_rows_t_min"),
        ("dataproduct_type = 'image'", "ix_obscore_rows_dataproduct_type"),
        ("obs_collection = 'TESS'", "ix_obscore_rows_obs_collection"),
        ("target_name = '358108509'", "ix_obscore_rows_target_name"),
    ],
)
def test_what_people_filter_by_uses_an_index(
    obscore_client: TestClient, obscore_archive: ObsCoreArchive, condition: str, index: str
) -> None:
    query = f"SELECT obs_id FROM ivoa.obscore WHERE {condition}"
    used = plan_indexes(obscore_client, obscore_archive, query)
    assert index in used or (index == "ix_obscore_rows_t_min" and "ix_obscore_rows_t_max" in used)


def test_access_url_is_the_datalink_of_the_row_at_the_url_the_client_used(
    obscore_client: TestClient,
) -> None:
    found = rows(
        obscore_client, "SELECT obs_publisher_did, access_url, access_format FROM ivoa.obscore"
    )
    for row in found:
        assert row["access_url"] == f"http://testserver/tap/datalink?ID={row['obs_publisher_did']}"
        assert row["access_format"] == "application/x-votable+xml;content=datalink"


def test_an_async_job_links_to_the_url_its_creator_used(obscore_archive: ObsCoreArchive) -> None:
    """The job runs in a worker, after the request is gone: it remembers the URL (also across
    a restart, since it is stored with the job)."""
    app = create_app(SERVICE_SETTINGS, obscore_archive.url)
    with TestClient(app, base_url="http://archive.example.org:8443") as client:
        data = {"LANG": "ADQL", "QUERY": "SELECT access_url FROM ivoa.obscore"}
        response = client.post(
            "/tap/async",
            data={**data, "RESPONSEFORMAT": "csv", "PHASE": "RUN"},
            follow_redirects=False,
        )
        url = response.headers["location"]
        assert url.startswith("http://archive.example.org:8443/tap/async/")
        assert wait_for(client, url, FINISHED) == "COMPLETED"
        result = client.get(f"{url}/results/result")
        client.delete(url)
    found = list(csv.DictReader(io.StringIO(result.text)))
    assert len(found) == 7
    for row in found:
        assert row["access_url"].startswith(
            "http://archive.example.org:8443/tap/datalink?ID=ivo://"
        )


def test_capabilities_declare_the_obscore_data_model(obscore_client: TestClient) -> None:
    text = obscore_client.get("/tap/capabilities").text
    assert '<dataModel ivo-id="ivo://ivoa.net/std/ObsCore#core-1.1">ObsCore-1.1</dataModel>' in text


# -- refreshes -----------------------------------------------------------------------------------


def counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = dict(
            conn.execute(
                sa.text("SELECT lcdb_table, count(*) FROM ivoa.obscore GROUP BY lcdb_table")
            ).all()
        )
    engine.dispose()
    return {str(k): int(v) for k, v in found.items()}


def test_incremental_refresh_adds_new_data_and_drops_what_is_gone(
    pg_server: Any, migrated_template: str, obscore_archive: ObsCoreArchive, tmp_path: Any
) -> None:
    url = pg_server.create_database(template=migrated_template)
    try:
        load(url, obscore_archive.lightcurve, obscore_archive.catalogue)
        first = refresh_url(url)
        assert (first.derived, first.written, first.deleted) == (7, 7, 0)
        assert refresh_url(url).derived == 0  # nothing new: nothing derived
        unchanged = refresh_url(url, full=True)
        assert (unchanged.derived, unchanged.written, unchanged.deleted) == (7, 0, 0)
        more = write_catalogue(
            tmp_path / "more.csv",
            ((2, 4, "2018206202942", "2018-07-25T20:29:42", "2018-07-25T20:59:41"),),
        )
        load(url, obscore_archive.lightcurve, more)
        added = refresh_url(url)
        assert (added.derived, added.written) == (1, 1)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM lcdb.dataset WHERE processing_method_id IS NULL"))
        engine.dispose()
        removed = refresh_url(url)
        assert removed.deleted == 1
        assert counts(url) == {"dataset": 1, "fits_frame": 6}
    finally:
        pg_server.drop_database(url)


def test_a_full_refresh_rewrites_what_changed_in_place(
    pg_server: Any, migrated_template: str, obscore_archive: ObsCoreArchive
) -> None:
    url = pg_server.create_database(template=migrated_template)
    try:
        load(url, obscore_archive.lightcurve, obscore_archive.catalogue)
        refresh_url(url)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE lcdb.target SET ra = 1.5, dec = -2.5"))
        with engine.begin() as conn:
            report = refresh(conn, full=True)
        with engine.connect() as conn:
            regions = conn.execute(
                sa.text("SELECT DISTINCT s_region FROM ivoa.obscore WHERE lcdb_table = 'dataset'")
            ).scalars()
            found = list(regions)
        engine.dispose()
        assert report.written == 2
        assert found == [f"CIRCLE ICRS 1.5 -2.5 {2 * 21 / 3600!r}"]
    finally:
        pg_server.drop_database(url)


def test_a_refresh_neither_blocks_a_running_query_nor_changes_its_result(
    pg_server: Any, migrated_template: str, obscore_archive: ObsCoreArchive
) -> None:
    url = pg_server.create_database(template=migrated_template)
    try:
        load(url, obscore_archive.lightcurve, obscore_archive.catalogue)
        refresh_url(url)
        result: list[int] = []

        def slow_query() -> None:
            with psycopg.connect(libpq(url)) as conn:
                (n,) = conn.execute(  # type: ignore[misc]
                    "SELECT count(*) FROM (SELECT obs_id, pg_sleep(0.5) FROM ivoa.obscore) AS q"
                ).fetchone()
                result.append(int(n))

        reader = threading.Thread(target=slow_query)
        reader.start()
        time.sleep(0.5)  # the query has its snapshot and is running
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM lcdb.fits_frame"))
        started = time.monotonic()
        report = refresh_url(url)
        took = time.monotonic() - started
        still_running = reader.is_alive()
        reader.join()
        engine.dispose()
        assert report.deleted == 5
        assert still_running, "the refresh waited for the query to end"
        assert took < 2.0
        assert result == [7]  # the query's snapshot: the rows before the refresh
        assert counts(url) == {"dataset": 2}
    finally:
        pg_server.drop_database(url)


# -- clients -----------------------------------------------------------------------------------


def test_pyvo_reads_s_region_and_the_datalink_access(
    obscore_archive: ObsCoreArchive, obscore_live_url: str, http_session: requests.Session
) -> None:
    service = pyvo.dal.TAPService(obscore_live_url, session=http_session)
    table = service.search(
        "SELECT obs_publisher_did, s_region, access_url, access_format FROM ivoa.obscore "
        "WHERE dataproduct_type = 'image' AND obs_id = 'tess-s0001-3-3'"
    ).to_table()
    field = table["s_region"]
    assert field.meta.get("xtype", getattr(field, "xtype", None)) in (None, "adql:region")
    engine = create_engine(obscore_archive.url)
    with engine.connect() as conn:
        footprints = conn.execute(sa.text("SELECT DISTINCT footprint FROM lcdb.fits_frame"))
        stored = {vertices(f) for (f,) in footprints}
    engine.dispose()
    for region in table["s_region"]:
        words = str(region).split()
        assert words[:2] == ["POLYGON", "ICRS"]
        # the CCD's footprint (in DALI order: the region on the left of the edges)
        assert vertices([float(w) for w in words[2:]]) in stored
    assert all(
        url.startswith(obscore_live_url + "/datalink?ID=ivo://") for url in table["access_url"]
    )
