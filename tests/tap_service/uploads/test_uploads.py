"""TAP UPLOAD on the real service: inline and URL uploads, sync and async (pyvo, STILTS), types
kept, errors that name the upload, limits, SSRF refusals, and the crossmatch using the index."""

from __future__ import annotations

import dataclasses
import http.server
import io
import subprocess
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import psycopg
import pytest
import pyvo
import requests
from astropy.io import fits
from astropy.io.votable import from_table, parse_single_table, writeto
from astropy.io.votable.exceptions import VOWarning
from astropy.table import Table
from lxml import etree
from starlette.testclient import TestClient

from tap_service.app import create_app
from tests.obscore.conftest import ObsCoreArchive
from tests.service_fixtures import SERVICE_SETTINGS

TIC = 358108509
CROSSMATCH = (
    "SELECT u.label, u.ra, t.name FROM TAP_UPLOAD.mine AS u JOIN lcdb.target AS t "
    "ON 1 = CONTAINS(POINT('ICRS', t.ra, t.dec), CIRCLE('ICRS', u.ra, u.dec, 2.0 / 3600))"
)


def votable_bytes(table: Table, tabledata: bool = True) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VOWarning)  # IDs made from names such as 'my col'
        document = from_table(table)
        writeto(document, buffer, tabledata_format="tabledata" if tabledata else "binary2")
    return buffer.getvalue()


def positions(archive: ObsCoreArchive) -> Table:
    header = fits.getheader(archive.lightcurve)
    table = Table(
        {
            "ra": [float(header["RA_OBJ"]) + 0.5 / 3600, 10.0],
            "dec": [float(header["DEC_OBJ"]), -20.0],
            "label": ["near TIC 358108509", "nowhere"],
        }
    )
    table["ra"].unit = "deg"
    table["ra"].meta = {}
    return table


def sync(client: TestClient, query: str, files: dict[str, bytes], **params: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/tap/sync",
        data={"LANG": "ADQL", "QUERY": query, "RESPONSEFORMAT": "votable", **params},
        files={
            name: (f"{name}.xml", data, "application/x-votable+xml") for name, data in files.items()
        },
    )


def test_pyvo_crossmatches_an_upload_sync_and_async(
    obscore_live_url: str, obscore_archive: ObsCoreArchive, http_session: requests.Session
) -> None:
    service = pyvo.dal.TAPService(obscore_live_url, session=http_session)
    table = positions(obscore_archive)
    found = service.search(CROSSMATCH, uploads={"mine": table}).to_table()
    assert list(found["name"]) == [TIC]
    assert list(found["label"]) == ["near TIC 358108509"]
    assert str(found["ra"].unit) == "deg"  # the uploaded metadata reaches the result
    later = service.run_async(CROSSMATCH, uploads={"mine": table}).to_table()
    assert list(later["name"]) == [TIC]


def test_types_nulls_unicode_and_names_that_need_quotes_survive(
    obscore_client: TestClient,
) -> None:
    table = Table(
        {
            "select": np.array([1, 2, 3], dtype=np.int64),
            "my col": np.array([1.5, np.nan, -2.25]),
            "name": ["\u03b1 Cen", "plain", ""],
            "flag": [True, False, True],
            "vec": np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]),
            "small": np.array([1, 2, 3], dtype=np.int16),
        }
    )
    table["small"] = np.ma.masked_array(table["small"], mask=[False, True, False])
    for tabledata in (True, False):
        response = sync(
            obscore_client,
            'SELECT "select", "my col", name, flag, vec, small FROM TAP_UPLOAD.t ORDER BY "select"',
            {"t": votable_bytes(table, tabledata)},
            UPLOAD="t,param:t",
        )
        assert response.status_code == 200, response.text
        back = parse_single_table(io.BytesIO(response.content)).to_table(use_names_over_ids=True)
        assert list(back["select"]) == [1, 2, 3]
        # NaN is a float's NULL in VOTable: it comes back masked
        assert back["my col"][0] == 1.5
        assert np.ma.is_masked(back["my col"][1]) or np.isnan(back["my col"][1])
        assert list(back["name"][:2]) == ["\u03b1 Cen", "plain"]
        assert list(back["flag"]) == [True, False, True]
        assert np.array_equal(np.asarray(back["vec"][2]), [5.0, 6.0])
        assert back["small"].mask.tolist() == [False, True, False]


def test_several_uploads_in_one_request_and_the_tables_are_gone_after(
    obscore_client: TestClient, obscore_archive: ObsCoreArchive
) -> None:
    a = votable_bytes(Table({"x": [1, 2]}))
    b = votable_bytes(Table({"x": [2, 3]}))
    response = sync(
        obscore_client,
        "SELECT a.x FROM TAP_UPLOAD.a AS a JOIN TAP_UPLOAD.b AS b ON a.x = b.x",
        {"pa": a, "pb": b},
        UPLOAD="a,param:pa;b,param:pb",
    )
    assert response.status_code == 200, response.text
    assert list(parse_single_table(io.BytesIO(response.content)).array["x"]) == [2]
    with psycopg.connect(obscore_archive.url.replace("+psycopg", "")) as conn:
        (left,) = conn.execute(  # type: ignore[misc]
            "SELECT count(*) FROM pg_class WHERE relname LIKE 'tap_upload_%'"
        ).fetchone()
    assert left == 0
    plain = obscore_client.get(
        "/tap/sync", params={"LANG": "ADQL", "QUERY": "SELECT x FROM TAP_UPLOAD.a"}
    )
    assert plain.status_code == 400 and "TAP_UPLOAD.a" in plain.text  # for that query only


@pytest.mark.parametrize(
    ("upload", "files", "message"),
    [
        ("t,param:t", {"t": b"ra,dec\n1,2\n"}, "UPLOAD t: not a VOTable"),
        ("t,param:t", {"t": b"<?xml version='1.0'?><VOTABLE><RESOURCE>"}, "UPLOAD t: not a"),
        ("t,param:other", {"t": b"<VOTABLE/>"}, "UPLOAD t: the request has no part named 'other'"),
        ("t,param:t;T,param:t", {"t": b"<VOTABLE/>"}, "is given twice"),
        ("1t,param:t", {"t": b"<VOTABLE/>"}, "cannot be a table name"),
        ("select,param:t", {"t": b"<VOTABLE/>"}, "cannot be a table name"),
        ("t", {}, "give name,param:part"),
        ("t,ftp://example.org/t.xml", {}, "nor an http(s) URL"),
        ("t,http://127.0.0.1:9/t.xml", {}, "local or private address"),
        ("t,http://169.254.169.254/latest/meta-data", {}, "local or private address"),
    ],
)
def test_bad_uploads_get_a_dali_error_naming_the_upload(
    obscore_client: TestClient, upload: str, files: dict[str, bytes], message: str
) -> None:
    response = sync(obscore_client, "SELECT * FROM TAP_UPLOAD.t", files, UPLOAD=upload)
    assert response.status_code == 400, response.text
    assert 'value="ERROR"' in response.text
    assert message in response.text


@pytest.fixture(scope="module")
def tables_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A plain HTTP server on loopback with a VOTable, a redirect loop and a big file."""
    root = tmp_path_factory.mktemp("served")
    (root / "t.xml").write_bytes(votable_bytes(Table({"x": [7, 8, 9]})))
    (root / "big.xml").write_bytes(b"<VOTABLE>" + b" " * 3000 + b"</VOTABLE>")

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(root), **kwargs)  # type: ignore[arg-type]

        def do_GET(self) -> None:
            if self.path.startswith("/loop"):
                self.send_response(302)
                self.send_header("Location", "/loop")
                self.end_headers()
                return
            super().do_GET()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def permissive(obscore_archive: ObsCoreArchive) -> Iterator[TestClient]:
    """A service that may fetch from loopback (a test bed), with small limits."""
    settings = dataclasses.replace(
        SERVICE_SETTINGS, upload_allow_private=True, upload_limit=2000, upload_rows=5
    )
    with TestClient(create_app(settings, obscore_archive.url)) as client:
        yield client


def test_url_uploads_are_fetched_within_limits(permissive: TestClient, tables_server: str) -> None:
    ok = sync(
        permissive, "SELECT SUM(x) AS s FROM TAP_UPLOAD.t", {}, UPLOAD=f"t,{tables_server}/t.xml"
    )
    assert ok.status_code == 200, ok.text
    assert list(parse_single_table(io.BytesIO(ok.content)).array["s"]) == [24]
    for source, message in (
        (f"{tables_server}/loop", "redirects more than 5 times"),
        (f"{tables_server}/missing.xml", "answered HTTP 404"),
        (f"{tables_server}/big.xml", "larger than this service takes (2,000 bytes"),
        ("http://127.0.0.1:9/nothing.xml", "cannot fetch"),
    ):
        response = sync(permissive, "SELECT * FROM TAP_UPLOAD.t", {}, UPLOAD=f"t,{source}")
        assert response.status_code == 400, (source, response.text)
        assert "UPLOAD t: " in response.text and message in response.text, response.text


def test_row_and_byte_limits_are_enforced_and_advertised(permissive: TestClient) -> None:
    rows = sync(
        permissive,
        "SELECT * FROM TAP_UPLOAD.t",
        {"t": votable_bytes(Table({"x": list(range(6))}))},
        UPLOAD="t,param:t",
    )
    assert rows.status_code == 400 and "6 rows, more than this service takes (5" in rows.text
    big = sync(permissive, "SELECT * FROM TAP_UPLOAD.t", {"t": b" " * 3000}, UPLOAD="t,param:t")
    assert big.status_code == 400 and "LCDB_UPLOAD_LIMIT" in big.text
    capabilities = etree.fromstring(permissive.get("/tap/capabilities").content)
    methods = {e.get("ivo-id") for e in capabilities.iter("uploadMethod")}
    assert "ivo://ivoa.net/std/TAPRegExt#upload-inline" in methods
    (limit,) = capabilities.iter("uploadLimit")
    assert [(e.tag, e.get("unit"), e.text) for e in limit] == [
        ("default", "byte", "2000"),
        ("hard", "byte", "2000"),
    ]


def test_an_async_job_keeps_its_upload_across_a_restart(
    obscore_archive: ObsCoreArchive, tmp_path: Path
) -> None:
    settings = dataclasses.replace(SERVICE_SETTINGS, async_dir=tmp_path)
    data = votable_bytes(Table({"x": [4, 5]}))
    with TestClient(create_app(settings, obscore_archive.url)) as client:
        created = client.post(
            "/tap/async",
            data={
                "LANG": "ADQL",
                "QUERY": "SELECT SUM(x) AS s FROM TAP_UPLOAD.t",
                "UPLOAD": "t,param:p",
            },
            files={"p": ("t.xml", data, "application/x-votable+xml")},
            follow_redirects=False,
        )
        url = created.headers["location"]
    with TestClient(create_app(settings, obscore_archive.url)) as client:  # a new service
        client.post(f"{url}/phase", data={"PHASE": "RUN"})
        for _ in range(200):
            phase = client.get(f"{url}/phase").text
            if phase in ("COMPLETED", "ERROR"):
                break
            import time

            time.sleep(0.05)
        assert phase == "COMPLETED", client.get(url).text
        result = client.get(f"{url}/results/result")
        assert list(parse_single_table(io.BytesIO(result.content)).array["s"]) == [9]
        client.delete(url)


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (
            "SELECT t.name FROM TAP_UPLOAD.mine AS u JOIN lcdb.target AS t "
            "ON 1 = CONTAINS(POINT('ICRS', t.ra, t.dec), CIRCLE('ICRS', u.ra, u.dec, 2.0 / 3600))",
            "ix_target_zone",
        ),
        (
            "SELECT o.obs_id FROM TAP_UPLOAD.mine AS u JOIN ivoa.obscore AS o "
            "ON 1 = CONTAINS(POINT('ICRS', u.ra, u.dec), o.s_region)",
            "ix_obscore_rows_region",
        ),
    ],
    ids=["catalogue", "obscore-footprints"],
)
def test_a_spatial_join_with_an_upload_uses_the_sky_index(
    obscore_client: TestClient, obscore_archive: ObsCoreArchive, query: str, index: str
) -> None:
    from tap_service.uploads.session import load_step
    from tap_service.uploads.table import read_upload

    service = obscore_client.app.state.service  # type: ignore[attr-defined]
    table = Table({"ra": np.linspace(0, 359, 2000), "dec": np.linspace(-80, 80, 2000)})
    upload = read_upload("mine", votable_bytes(table), max_rows=10_000)
    catalog = type(service.catalog)((*service.catalog.tables, upload.catalog_table()))
    compiled = service.dialect.compile(query, catalog, maxrec=1000)
    with psycopg.connect(obscore_archive.url.replace("+psycopg", "")) as conn:
        load_step((upload,))(conn)
        conn.execute("SET enable_seqscan = off")  # a tiny catalogue: ask what *can* be used
        plan = "\n".join(row[0] for row in conn.execute(f"EXPLAIN {compiled.sql}"))
    assert index in plan, plan


def test_stilts_tapquery_uploads_like_topcat(
    stilts: str, obscore_live_url: str, obscore_archive: ObsCoreArchive, tmp_path: Path
) -> None:
    path = tmp_path / "mine.xml"
    path.write_bytes(votable_bytes(positions(obscore_archive)))
    result = subprocess.run(
        [
            stilts,
            "tapquery",
            f"tapurl={obscore_live_url}",
            f"adql={CROSSMATCH}",
            "nupload=1",
            f"upload1={path}",
            "upname1=mine",
            "sync=true",
            "ofmt=csv",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].split(",") == ["label", "ra", "name"]
    assert lines[1].endswith(f",{TIC}")


def test_stilts_tapskymatch_crossmatches_through_uploads(
    stilts: str, obscore_live_url: str, obscore_archive: ObsCoreArchive, tmp_path: Path
) -> None:
    path = tmp_path / "mine.xml"
    path.write_bytes(votable_bytes(positions(obscore_archive)))
    result = subprocess.run(
        [
            stilts,
            "tapskymatch",
            f"tapurl={obscore_live_url}",
            "taptable=lcdb.target",
            "taplon=ra",
            "taplat=dec",
            f"in={path}",
            "inlon=ra",
            "inlat=dec",
            "sr=0.001",
            "find=each",
            "ofmt=csv",
            "out=-",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.strip().splitlines()
    names = header.split(",").index("name")
    matched = {row.split(",")[names] for row in rows}
    assert matched == {str(TIC), ""}  # the near position matched, the other one found nothing
