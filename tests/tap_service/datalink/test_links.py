"""DataLink over HTTP on an archive loaded by the real ingest (tests/obscore/conftest.py): the
links of lightcurves and frames, errors per ID, the documents the links lead to, pyvo
following them from an ObsCore result, and votlint on every VOTable document."""

from __future__ import annotations

import dataclasses
import io
import subprocess
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import pyvo
import requests
import sqlalchemy as sa
from astropy.io import fits
from astropy.io.votable import parse as votable_parse
from starlette.testclient import TestClient

from lcdb.db import create_engine
from tap_service.app import create_app
from tests.obscore.conftest import ObsCoreArchive
from tests.service_fixtures import SERVICE_SETTINGS

DATALINK = "application/x-votable+xml;content=datalink"


def dids(archive: ObsCoreArchive, where: str) -> list[str]:
    engine = create_engine(archive.url)
    with engine.connect() as conn:
        found = conn.execute(
            sa.text(f"SELECT obs_publisher_did FROM ivoa.obscore_rows WHERE {where} ORDER BY 1")
        ).scalars()
        result = list(found)
    engine.dispose()
    return result


def link_rows(client: TestClient, *ids: str) -> list[dict[str, object]]:
    response = client.get("/tap/datalink", params=[("ID", i) for i in ids])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == DATALINK
    table = (
        votable_parse(io.BytesIO(response.content))
        .get_first_table()
        .to_table(use_names_over_ids=True)
    )
    return [{name: _value(row[name]) for name in table.colnames} for row in table]


def _value(cell: object) -> object:
    """A cell, None when empty (astropy reads an empty char cell as '', a number as masked)."""
    return None if np.ma.is_masked(cell) or cell == "" else cell


@pytest.fixture(scope="module")
def served_files(
    obscore_archive: ObsCoreArchive, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Path]]:
    """The service with a data root holding the file of one frame (the others are missing)."""
    root = tmp_path_factory.mktemp("data-root")
    previews = tmp_path_factory.mktemp("previews")
    engine = create_engine(obscore_archive.url)
    with engine.connect() as conn:
        path = conn.execute(
            sa.text("SELECT file_path FROM lcdb.fits_frame ORDER BY file_path LIMIT 1")
        ).scalar_one()
    engine.dispose()
    target = root / path
    target.parent.mkdir(parents=True)
    fits.HDUList([fits.PrimaryHDU(np.arange(12, dtype=np.int16).reshape(3, 4))]).writeto(target)
    settings = dataclasses.replace(SERVICE_SETTINGS, data_root=root, preview_dir=previews)
    with TestClient(create_app(settings, obscore_archive.url)) as client:
        yield client, target


def test_a_lightcurve_has_its_data_plot_lineage_and_a_cutout(
    obscore_client: TestClient, obscore_archive: ObsCoreArchive
) -> None:
    (pdc,) = dids(obscore_archive, "lcdb_table = 'dataset' AND calib_level = 3")
    (raw,) = dids(obscore_archive, "lcdb_table = 'dataset' AND calib_level = 2")
    rows = link_rows(obscore_client, pdc)
    assert {r["ID"] for r in rows} == {pdc}
    by = {(r["semantics"], r["content_type"]) for r in rows}
    assert {
        ("#this", "application/x-votable+xml"),
        ("#this", "application/fits"),
        ("#this", "text/csv"),
        ("#preview", "image/png"),
        ("#auxiliary", "application/x-votable+xml"),
        ("#progenitor", DATALINK),
        ("#cutout", "application/x-votable+xml"),
    } <= by
    (progenitor,) = [r for r in rows if r["semantics"] == "#progenitor"]
    assert progenitor["access_url"] == (
        "http://testserver/tap/datalink?" + urllib.parse.urlencode({"ID": raw})
    )
    assert all(r["error_message"] is None for r in rows)
    # and the raw flux is the progenitor of the PDC flux
    raw_rows = link_rows(obscore_client, raw)
    assert [r["access_url"] for r in raw_rows if r["semantics"] == "#derivation"] == [
        "http://testserver/tap/datalink?" + urllib.parse.urlencode({"ID": pdc})
    ]


def test_the_cutout_descriptor_names_the_time_range(
    obscore_client: TestClient, obscore_archive: ObsCoreArchive
) -> None:
    (pdc,) = dids(obscore_archive, "lcdb_table = 'dataset' AND calib_level = 3")
    response = obscore_client.get("/tap/datalink", params={"ID": pdc})
    document = votable_parse(io.BytesIO(response.content))
    services = [r for r in document.resources if r.type == "meta"]
    assert len(services) == 1
    params = {p.name: p for p in services[0].params}
    assert params["standardID"].value == "ivo://ivoa.net/std/SODA#sync-1.0"
    assert params["accessURL"].value == "http://testserver/tap/datalink/lightcurve"
    (group,) = services[0].groups
    inputs = {p.name: p for p in group.entries}
    assert inputs["ID"].value == pdc
    assert inputs["TIME"].xtype == "interval"
    assert inputs["TIME"].values.min < inputs["TIME"].values.max


def test_unknown_and_malformed_ids_get_error_rows_in_order(
    obscore_client: TestClient, obscore_archive: ObsCoreArchive
) -> None:
    (pdc,) = dids(obscore_archive, "lcdb_table = 'dataset' AND calib_level = 3")
    missing = "ivo://lcdb-tap.invalid/tess?no-such-product"
    rows = link_rows(obscore_client, missing, pdc, "not an id")
    ids = [r["ID"] for r in rows]
    assert ids[0] == missing and ids[-1] == "not an id"
    assert ids == sorted(ids, key=[missing, pdc, "not an id"].index)  # each ID's rows together
    assert str(rows[0]["error_message"]).startswith("NotFoundFault: ")
    assert str(rows[-1]["error_message"]).startswith("UsageFault: ")
    assert link_rows(obscore_client) == []  # no ID: an empty document, not an error


def test_the_lightcurve_documents_hold_the_database_values(
    obscore_client: TestClient, obscore_archive: ObsCoreArchive
) -> None:
    (pdc,) = dids(obscore_archive, "lcdb_table = 'dataset' AND calib_level = 3")
    rows = link_rows(obscore_client, pdc)
    urls = {r["local_semantics"]: str(r["access_url"]) for r in rows if r["semantics"] == "#this"}
    with fits.open(obscore_archive.lightcurve) as hdus:
        flux = np.asarray(hdus[1].data["PDCSAP_FLUX"], dtype=float)
    votable = obscore_client.get(urls["votable"])
    assert votable.status_code == 200
    table = (
        votable_parse(io.BytesIO(votable.content))
        .get_first_table()
        .to_table(use_names_over_ids=True)
    )
    assert np.allclose(np.asarray(table["flux"], dtype=float), flux, equal_nan=True)
    fits_file = obscore_client.get(urls["fits"])
    assert fits_file.headers["content-type"] == "application/fits"
    with fits.open(io.BytesIO(fits_file.content)) as hdus:
        assert np.allclose(hdus["LIGHTCURVE"].data["PDCSAP_FLUX"], flux, equal_nan=True)
    csv = obscore_client.get(urls["csv"])
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("time,")


def test_a_time_cutout_keeps_the_cadences_in_the_interval(
    obscore_client: TestClient, obscore_archive: ObsCoreArchive
) -> None:
    (pdc,) = dids(obscore_archive, "lcdb_table = 'dataset' AND calib_level = 3")
    start, stop = 58325.0, 58326.0  # MJD (TDB) = BTJD + 56999.5
    response = obscore_client.get(
        "/tap/datalink/lightcurve", params={"ID": pdc, "TIME": f"{start} {stop}"}
    )
    assert response.status_code == 200, response.text
    time = np.asarray(
        votable_parse(io.BytesIO(response.content))
        .get_first_table()
        .to_table(use_names_over_ids=True)["time"]
    )
    assert len(time) > 0
    assert np.all((time + 56999.5 >= start) & (time + 56999.5 <= stop))
    with fits.open(obscore_archive.lightcurve) as hdus:
        every = np.asarray(hdus[1].data["TIME"], dtype=float) + 56999.5
    assert len(time) == np.count_nonzero((every >= start) & (every <= stop))


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({}, 400, "ID is required"),
        ({"ID": "ivo://lcdb-tap.invalid/tess?nothing"}, 404, "no product"),
        ({"ID": "x"}, 400, "is not an IVOA identifier"),
        ({"RESPONSEFORMAT": "hdf5"}, 400, "RESPONSEFORMAT"),
        ({"TIME": "58330 58320"}, 400, "lower bound"),
        ({"TIME": "soon"}, 400, "two MJDs"),
    ],
)
def test_document_requests_with_mistakes_get_dali_errors(
    obscore_client: TestClient,
    obscore_archive: ObsCoreArchive,
    params: dict[str, str],
    status: int,
    message: str,
) -> None:
    (pdc,) = dids(obscore_archive, "lcdb_table = 'dataset' AND calib_level = 3")
    if "ID" not in params and params:
        params = {"ID": pdc, **params}
    response = obscore_client.get("/tap/datalink/lightcurve", params=params)
    assert response.status_code == status, response.text
    assert 'name="QUERY_STATUS" value="ERROR"' in response.text
    assert message in response.text


def test_a_frame_is_served_from_the_data_root_or_reported_missing(
    served_files: tuple[TestClient, Path], obscore_archive: ObsCoreArchive
) -> None:
    client, present = served_files
    frames = dids(obscore_archive, "lcdb_table = 'fits_frame'")
    rows = link_rows(client, *frames)
    served = [r for r in rows if r["error_message"] is None]
    assert len(served) == 1
    assert served[0]["content_type"] == "application/fits"
    assert served[0]["content_length"] == present.stat().st_size
    download = client.get(str(served[0]["access_url"]))
    assert download.status_code == 200
    assert download.content == present.read_bytes()
    missing = [r for r in rows if r["error_message"] is not None]
    assert len(missing) == len(frames) - 1
    assert all(str(r["error_message"]).startswith("NotFoundFault: ") for r in missing)
    response = client.get("/tap/datalink/frame", params={"ID": str(missing[0]["ID"])})
    assert response.status_code == 404


def test_a_frame_path_never_leaves_the_data_root(
    served_files: tuple[TestClient, Path], obscore_archive: ObsCoreArchive
) -> None:
    client, present = served_files
    engine = create_engine(obscore_archive.url)
    with engine.begin() as conn:
        frame_id = conn.execute(
            sa.text("SELECT id FROM lcdb.fits_frame ORDER BY file_path DESC LIMIT 1")
        ).scalar_one()
        original = conn.execute(
            sa.text("SELECT file_path FROM lcdb.fits_frame WHERE id = :id"), {"id": frame_id}
        ).scalar_one()
        root: Path = client.app.state.service.settings.data_root  # type: ignore[attr-defined]
        outside = root.parent / "secret.fits"  # a real file, next to the data root
        outside.write_bytes(present.read_bytes())
        escape = "ffi/../../" + outside.name
        conn.execute(
            sa.text("UPDATE lcdb.fits_frame SET file_path = :p WHERE id = :id"),
            {"p": escape, "id": frame_id},
        )
    try:
        (did,) = dids(obscore_archive, f"lcdb_table = 'fits_frame' AND lcdb_id = {frame_id}")
        (row,) = link_rows(client, did)
        assert "outside the data root" in str(row["error_message"])
        assert client.get("/tap/datalink/frame", params={"ID": did}).status_code == 404
    finally:
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE lcdb.fits_frame SET file_path = :p WHERE id = :id"),
                {"p": original, "id": frame_id},
            )
        engine.dispose()


def test_the_preview_is_a_png_drawn_once(
    served_files: tuple[TestClient, Path], obscore_archive: ObsCoreArchive
) -> None:
    client, _ = served_files
    (pdc,) = dids(obscore_archive, "lcdb_table = 'dataset' AND calib_level = 3")
    first = client.get("/tap/datalink/preview", params={"ID": pdc})
    assert first.status_code == 200
    assert first.headers["content-type"] == "image/png"
    assert first.content.startswith(b"\x89PNG\r\n\x1a\n")
    cached = list(client.app.state.service.settings.previews_directory.rglob("*.png"))  # type: ignore[attr-defined]
    assert len(cached) == 1
    before = cached[0].stat().st_mtime_ns
    second = client.get("/tap/datalink/preview", params={"ID": pdc})
    assert second.content == first.content
    assert cached[0].stat().st_mtime_ns == before  # served from the cache, not drawn again


def test_obscore_results_carry_a_datalink_descriptor_pyvo_follows(
    obscore_live_url: str, obscore_archive: ObsCoreArchive, http_session: requests.Session
) -> None:
    service = pyvo.dal.TAPService(obscore_live_url, session=http_session)
    result = service.search(
        "SELECT obs_publisher_did, access_url, access_format, calib_level FROM ivoa.obscore "
        "WHERE dataproduct_type = 'timeseries' ORDER BY calib_level"
    )
    descriptors = [r for r in result.votable.resources if r.type == "meta"]
    assert [p.value for p in descriptors[0].params if p.name == "standardID"] == [
        "ivo://ivoa.net/std/DataLink#links-1.1"
    ]
    with fits.open(obscore_archive.lightcurve) as hdus:
        expected = [np.asarray(hdus[1].data[c], dtype=float) for c in ("SAP_FLUX", "PDCSAP_FLUX")]
    seen = 0
    for links, flux in zip(result.iter_datalinks(), expected, strict=True):
        (this,) = [
            r
            for r in links.bysemantics("#this", include_narrower=False)
            if r.content_type == "application/x-votable+xml"
        ]
        table = (
            votable_parse(io.BytesIO(this.getdataset().read()))
            .get_first_table()
            .to_table(use_names_over_ids=True)
        )
        assert np.allclose(np.asarray(table["flux"], dtype=float), flux, equal_nan=True)
        seen += 1
    assert seen == 2


def test_votlint_accepts_the_links_and_lightcurve_documents(
    stilts: str, obscore_client: TestClient, obscore_archive: ObsCoreArchive, tmp_path: Path
) -> None:
    (pdc,) = dids(obscore_archive, "lcdb_table = 'dataset' AND calib_level = 3")
    documents = {
        "links.xml": obscore_client.get("/tap/datalink", params={"ID": pdc}).content,
        "errors.xml": obscore_client.get("/tap/datalink", params={"ID": "nope"}).content,
        "lightcurve.xml": obscore_client.get(
            "/tap/datalink/lightcurve", params={"ID": pdc}
        ).content,
    }
    for name, content in documents.items():
        path = tmp_path / name
        path.write_bytes(content)
        result = subprocess.run(
            [stilts, "votlint", f"votable={path}"], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, (name, result.stdout, result.stderr)
        assert "ERROR" not in result.stdout, (name, result.stdout)


def test_capabilities_list_the_datalink_endpoint(obscore_client: TestClient) -> None:
    text = obscore_client.get("/tap/capabilities").text
    assert 'standardID="ivo://ivoa.net/std/DataLink#links-1.1"' in text
    assert "http://testserver/tap/datalink</accessURL>" in text


def test_dataset_table_results_carry_a_descriptor_by_dataset_id(
    obscore_live_url: str, obscore_archive: ObsCoreArchive, http_session: requests.Session
) -> None:
    service = pyvo.dal.TAPService(obscore_live_url, session=http_session)
    result = service.search("SELECT id, processing_method_id FROM lcdb.dataset ORDER BY id")
    (descriptor,) = [r for r in result.votable.resources if r.type == "meta"]
    access = [p.value for p in descriptor.params if p.name == "accessURL"]
    assert access == [obscore_live_url + "/datalink/dataset"]
    semantics = []
    for row, links in zip(result, result.iter_datalinks(), strict=True):
        assert {int(r["ID"]) for r in links} == {int(row["id"])}  # the id asked for
        semantics.append({r.semantics for r in links})
    assert len(semantics) == 2
    assert all({"#this", "#preview", "#cutout"} <= s for s in semantics)
    assert "#derivation" in semantics[0] and "#progenitor" in semantics[1]


def test_dataset_links_report_unknown_ids(obscore_client: TestClient) -> None:
    response = obscore_client.get("/tap/datalink/dataset", params=[("ID", "999999")])
    table = votable_parse(io.BytesIO(response.content)).get_first_table()
    rows = table.to_table(use_names_over_ids=True)
    assert list(rows["ID"]) == [999999]
    assert str(rows["error_message"][0]).startswith("NotFoundFault: ")
    response = obscore_client.get("/tap/datalink/dataset", params=[("ID", "x")])
    assert response.status_code == 400
    assert "takes lcdb.dataset ids" in response.text


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("application/fits", "application/fits"),
        ("text/csv, */*;q=0.1", "text/csv"),
        ("text/html, application/x-votable+xml;q=0.9", "application/x-votable+xml"),
        (None, "application/x-votable+xml"),
    ],
)
def test_the_lightcurve_format_follows_the_accept_header(
    obscore_client: TestClient,
    obscore_archive: ObsCoreArchive,
    accept: str | None,
    content_type: str,
) -> None:
    (pdc,) = dids(obscore_archive, "lcdb_table = 'dataset' AND calib_level = 3")
    headers = {} if accept is None else {"Accept": accept}
    response = obscore_client.get("/tap/datalink/lightcurve", params={"ID": pdc}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == content_type
