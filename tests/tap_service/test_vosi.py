"""VOSI endpoints and the examples page, read with pyvo's own parsers where it has them."""

from __future__ import annotations

import io

import pytest
from lxml import etree
from pyvo.io import vosi as pyvo_vosi
from starlette.testclient import TestClient

import adql
from tap_service.examples import EXAMPLES
from tap_service.publishers import publication

PUBLISHED = publication()


def test_capabilities_declare_tap_with_languages_formats_and_limits(client: TestClient) -> None:
    response = client.get("/tap/capabilities")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    capabilities = pyvo_vosi.parse_capabilities(io.BytesIO(response.content))
    tap = [c for c in capabilities if c.standardid == "ivo://ivoa.net/std/TAP"]
    assert len(tap) == 1
    interface = tap[0].interfaces[0]
    assert interface.accessurls[0].content == "http://testserver/tap"
    assert interface.version == "1.1"
    language = tap[0].languages[0]
    assert language.name == "ADQL"
    assert [v.ivo_id for v in language.versions] == [
        "ivo://ivoa.net/std/ADQL#v2.0",
        "ivo://ivoa.net/std/ADQL#v2.1",
    ]
    declared = {(f.type.lower(), form.form) for f in language.languagefeaturelists for form in f}
    expected = {
        (str(f.type.value).lower(), f.form) for f in adql.language_features(include_geometry=True)
    }
    assert declared == expected
    assert ("ivo://ivoa.net/std/tapregext#features-adql-sets", "UNION") in declared
    assert ("ivo://ivoa.net/std/tapregext#features-adqlgeo", "CONTAINS") in declared
    mimes = {f.mime for f in tap[0].outputformats}
    assert (
        "application/x-votable+xml;serialization=BINARY2" in mimes
        or "application/x-votable+xml" in mimes
    )
    assert tap[0].outputlimit.default.content == 1000
    assert tap[0].outputlimit.hard.content == 100_000
    others = {c.standardid for c in capabilities}
    assert {
        "ivo://ivoa.net/std/VOSI#capabilities",
        "ivo://ivoa.net/std/VOSI#availability",
        "ivo://ivoa.net/std/VOSI#tables-1.1",
        "ivo://ivoa.net/std/DALI#examples",
    } <= others


def test_base_url_setting_is_used_in_documents(archive: tuple[str, object]) -> None:
    import dataclasses

    from tap_service.app import create_app
    from tests.service_fixtures import SERVICE_SETTINGS

    settings = dataclasses.replace(
        SERVICE_SETTINGS, base_url="https://archive.example.org/tess/tap"
    )
    with TestClient(create_app(settings, archive[0])) as proxied:
        body = proxied.get("/tap/capabilities").content
    assert b'<accessURL use="base">https://archive.example.org/tess/tap</accessURL>' in body


def test_availability_reflects_a_database_check(client: TestClient) -> None:
    availability = pyvo_vosi.parse_availability(io.BytesIO(client.get("/tap/availability").content))
    assert availability.available is True


def test_tables_match_tap_schema(client: TestClient) -> None:
    tableset = pyvo_vosi.parse_tables(io.BytesIO(client.get("/tap/tables").content)).tableset
    tables = {t.name: t for schema in tableset.schemas for t in schema.tables}
    assert set(tables) == {t.qualified_name for t in PUBLISHED.tables}
    dataset = tables["lcdb.dataset"]
    by_name = {c.name: c for c in dataset.columns}
    assert by_name['"values"'].datatype.content == "double"
    assert by_name['"values"'].datatype.arraysize == "*"
    assert by_name['"values"'].unit is None  # a dataset's values_unit says
    assert tables["lcdb.target"].columns[3].unit == "deg"
    assert "indexed" in by_name["target_id"].flags
    targets = {k.targettable for k in dataset.foreignkeys}
    assert {"lcdb.target", "lcdb.observation"} <= targets


def test_tables_detail_min_lists_tables_without_columns(client: TestClient) -> None:
    tableset = pyvo_vosi.parse_tables(
        io.BytesIO(client.get("/tap/tables", params={"detail": "min"}).content)
    ).tableset
    tables = [t for schema in tableset.schemas for t in schema.tables]
    assert len(tables) == len(PUBLISHED.tables)
    assert all(not t.columns for t in tables)


def test_single_table_document_and_unknown_table(client: TestClient) -> None:
    response = client.get("/tap/tables/lcdb.target")
    assert response.status_code == 200
    table = (
        pyvo_vosi.parse_tables(io.BytesIO(response.content))
        if b"tableset" in response.content
        else None
    )
    root = etree.fromstring(response.content)
    assert etree.QName(root).localname == "table" and table is None
    assert [c.findtext("name") for c in root.findall("column")][:5] == [
        "id",
        "catalog_id",
        "name",
        "ra",
        "dec",
    ]
    missing = client.get("/tap/tables/lcdb.nosuch")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/plain")
    assert "lcdb.nosuch" in missing.text


def test_examples_page_is_xhtml_with_rdfa_examples(client: TestClient) -> None:
    response = client.get("/tap/examples")
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    queries = [
        e.text
        for e in root.iter("{http://www.w3.org/1999/xhtml}pre")
        if e.get("property") == "query"
    ]
    assert queries == [e.query for e in EXAMPLES]
    assert (
        root.find("{http://www.w3.org/1999/xhtml}body").get("vocab")
        == "http://www.ivoa.net/rdf/examples#"
    )


@pytest.mark.parametrize("path", ["/tap/capabilities", "/tap/availability", "/tap/tables"])
def test_vosi_resources_refuse_writes(client: TestClient, path: str) -> None:
    assert client.post(path).status_code == 405


def test_landing_page_links_the_resources(client: TestClient) -> None:
    response = client.get("/tap")
    assert response.status_code == 200
    assert "http://testserver/tap/capabilities" in response.text
