"""/tap/sync over HTTP: results in every format, overflow, and a DALI error for every mistake."""

from __future__ import annotations

import csv
import io

import pytest
from astropy.io.votable import parse_single_table
from lxml import etree
from starlette.testclient import TestClient

from tap_service.examples import EXAMPLES
from tests.lcdb.support import Graph

VOTABLE_NS = {"v": "http://www.ivoa.net/xml/VOTable/v1.3"}


def query(client: TestClient, adql: str, method: str = "GET", **params: str) -> object:
    data = {"LANG": "ADQL", "QUERY": adql, **params}
    if method == "GET":
        return client.get("/tap/sync", params=data)
    return client.post("/tap/sync", data=data)


def statuses(body: bytes) -> list[str]:
    """Every QUERY_STATUS INFO value in document order (pyvo reads the last, taplint the first)."""
    root = etree.fromstring(body)
    return [
        info.get("value") for info in root.iter("{*}INFO") if info.get("name") == "QUERY_STATUS"
    ]


def fields(body: bytes) -> dict[str, dict[str, str]]:
    """FIELD attributes by field name, read from the raw XML."""
    root = etree.fromstring(body)
    return {field.get("name"): dict(field.attrib) for field in root.iter("{*}FIELD")}


def assert_dali_error(response: object, status: int, contains: str) -> None:
    assert response.status_code == status, response.text
    assert "xml" in response.headers["content-type"]
    root = etree.fromstring(response.content)
    assert root.tag == "{http://www.ivoa.net/xml/VOTable/v1.3}VOTABLE"
    infos = [i for i in root.iter("{*}INFO") if i.get("name") == "QUERY_STATUS"]
    assert [i.get("value") for i in infos] == ["ERROR"]
    assert contains in (infos[0].text or ""), infos[0].text
    assert not list(root.iter("{*}TABLE"))


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_query_returns_a_votable_with_metadata(
    client: TestClient, archive: tuple[str, Graph], method: str
) -> None:
    response = query(
        client,
        'SELECT t.name, t.ra, d."values" FROM lcdb.target AS t JOIN lcdb.dataset AS d ON d.target_id = t.id ORDER BY d.id',
        method,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-votable+xml")
    table = parse_single_table(io.BytesIO(response.content))
    assert [f.name for f in table.fields] == ["name", "ra", "values"]
    declared = fields(response.content)
    assert {k: declared["values"].get(k) for k in ("datatype", "arraysize", "unit", "ucd")} == {
        "datatype": "double",
        "arraysize": "*",
        "unit": None,  # SPOC and QLP fluxes differ: the unit is a dataset's values_unit
        "ucd": "phot.flux",
    }
    assert {k: declared["ra"].get(k) for k in ("datatype", "unit", "ucd")} == {
        "datatype": "double",
        "unit": "deg",
        "ucd": "pos.eq.ra;meta.main",
    }
    assert list(table.array["name"]) == [358108509, 358108509]
    assert len(table.array["values"][0]) == 10
    assert statuses(response.content)[0] == "OK"
    assert "OVERFLOW" not in statuses(response.content)


def test_multipart_post_is_accepted(client: TestClient) -> None:
    response = client.post(
        "/tap/sync",
        files={"LANG": (None, "ADQL"), "QUERY": (None, "SELECT TOP 1 name FROM lcdb.target")},
    )
    assert response.status_code == 200, response.text
    assert len(parse_single_table(io.BytesIO(response.content)).array) == 1


def test_overflow_is_signalled_after_the_table(client: TestClient) -> None:
    response = query(client, "SELECT table_name FROM TAP_SCHEMA.tables", MAXREC="3")
    assert response.status_code == 200
    assert statuses(response.content) == ["OK", "OVERFLOW"]
    assert len(parse_single_table(io.BytesIO(response.content)).array) == 3


def test_maxrec_equal_to_the_row_count_is_not_overflow(client: TestClient) -> None:
    total = len(
        parse_single_table(
            io.BytesIO(query(client, "SELECT table_name FROM TAP_SCHEMA.tables").content)
        ).array
    )
    response = query(client, "SELECT table_name FROM TAP_SCHEMA.tables", MAXREC=str(total))
    assert statuses(response.content) == ["OK"]


def test_maxrec_zero_returns_the_header_only(client: TestClient) -> None:
    response = query(client, "SELECT * FROM lcdb.dataset", MAXREC="0")
    assert response.status_code == 200
    table = parse_single_table(io.BytesIO(response.content))
    assert len(table.array) == 0
    assert [f.name for f in table.fields][:2] == ["id", "target_id"]
    assert "OVERFLOW" in statuses(response.content)


@pytest.mark.parametrize("fmt", ["csv", "text/csv"])
def test_csv(client: TestClient, fmt: str) -> None:
    response = query(client, "SELECT name FROM lcdb.target", RESPONSEFORMAT=fmt)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(response.text))) == [["name"], ["358108509"]]


def test_tsv(client: TestClient) -> None:
    response = query(client, "SELECT name, id FROM lcdb.target", RESPONSEFORMAT="tsv")
    assert response.status_code == 200
    assert response.text.splitlines()[0] == "name\tid"


@pytest.mark.parametrize(
    "fmt",
    [
        "votable",
        "application/x-votable+xml",
        "text/xml",
        "votable/td",
        "application/x-votable+xml;serialization=TABLEDATA",
    ],
)
def test_votable_aliases(client: TestClient, fmt: str) -> None:
    response = query(client, "SELECT TOP 1 name FROM lcdb.target", RESPONSEFORMAT=fmt)
    assert response.status_code == 200, response.text
    assert isinstance(parse_single_table(io.BytesIO(response.content)).array["name"][0], object)
    if fmt.startswith(("application/", "text/")):
        assert response.headers["content-type"].split(";")[0] == fmt.split(";")[0]


def test_the_query_is_echoed(client: TestClient) -> None:
    adql = "SELECT TOP 1 name FROM lcdb.target"
    response = query(client, adql)
    root = etree.fromstring(response.content)
    echoed = [i for i in root.iter("{*}INFO") if i.get("name") == "QUERY"]
    assert echoed and (echoed[0].get("value") == adql or echoed[0].text == adql)


@pytest.mark.parametrize(
    ("params", "status", "contains"),
    [
        ({"LANG": "ADQL", "QUERY": "SELECT nmae FROM lcdb.target"}, 400, "did you mean 'name'"),
        ({"LANG": "ADQL", "QUERY": "SELEKT 1"}, 400, "line 1, column 1"),
        ({"LANG": "ADQL", "QUERY": "SELECT * FROM lcdb.nosuch"}, 400, "nosuch"),
        (
            {"LANG": "ADQL", "QUERY": "SELECT * FROM lcdb_internal.alembic_version"},
            400,
            "alembic_version",
        ),
        ({"LANG": "ADQL"}, 400, "QUERY is required"),
        ({"QUERY": "SELECT 1"}, 400, "LANG is required"),
        ({"LANG": "OOBLECK", "QUERY": "SELECT 1"}, 400, "OOBLECK"),
        (
            {"LANG": "ADQL", "QUERY": "SELECT TOP 1 name FROM lcdb.target", "MAXREC": "-5"},
            400,
            "MAXREC",
        ),
        (
            {
                "LANG": "ADQL",
                "QUERY": "SELECT TOP 1 name FROM lcdb.target",
                "RESPONSEFORMAT": "pdf",
            },
            400,
            "pdf",
        ),
        (
            {"LANG": "ADQL", "QUERY": "SELECT 1 / (name - name) FROM lcdb.target"},
            400,
            "division by zero",
        ),
    ],
)
def test_mistakes_get_a_dali_error_with_a_4xx(
    client: TestClient, params: dict[str, str], status: int, contains: str
) -> None:
    assert_dali_error(client.get("/tap/sync", params=params), status, contains)
    assert_dali_error(client.post("/tap/sync", data=params), status, contains)


def test_spurious_parameters_change_nothing(client: TestClient) -> None:
    plain = query(client, "SELECT name FROM lcdb.target")
    spurious = query(client, "SELECT name FROM lcdb.target", DUMMY="ignore-me", REQUEST="doQuery")
    assert (
        parse_single_table(io.BytesIO(plain.content)).array.tolist()
        == parse_single_table(io.BytesIO(spurious.content)).array.tolist()
    )


#: Examples that need positions and footprints, which this archive lacks; they return rows on
#: the sky archive of tests/tap_service/test_geometry.py.
SKY_EXAMPLES = {"cone-search", "close-pairs", "frames-covering-a-position"}
#: Examples on ivoa.obscore, whose rows tests/obscore checks on an archive with ObsCore data.
OBSCORE_EXAMPLES = {"data-at-a-position"}


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_every_published_example_runs(client: TestClient, example: object) -> None:
    response = query(client, example.query)
    assert response.status_code == 200, response.text
    assert statuses(response.content)[0] == "OK"
    if example.id not in SKY_EXAMPLES | OBSCORE_EXAMPLES:
        assert len(parse_single_table(io.BytesIO(response.content)).array) > 0


def test_server_header_names_the_software(client: TestClient) -> None:
    assert client.get("/tap/availability").headers["server"].startswith("lcdb-tap/")


def test_a_lost_database_gives_503_and_unavailable(
    pg_server: object, migrated_template: str
) -> None:
    """Faults of the service keep the DALI document shape, with a 5xx status."""
    from tap_service.app import create_app
    from tests.service_fixtures import SERVICE_SETTINGS

    url = pg_server.create_database(template=migrated_template)
    with TestClient(create_app(SERVICE_SETTINGS, url)) as service:
        assert query(service, "SELECT TOP 1 name FROM lcdb.target").status_code == 200
        pg_server.drop_database(url)
        response = query(service, "SELECT TOP 1 name FROM lcdb.target")
        assert_dali_error(response, 503, "database")
        availability = service.get("/tap/availability")
        assert availability.status_code == 200
        assert b"<vosi:available>false</vosi:available>" in availability.content


@pytest.mark.parametrize("fmt", ["votable", "votable/td", "csv"])
def test_numeric_results_are_written_as_declared(client: TestClient, fmt: str) -> None:
    """AVG of integers and decimal literals come back from PostgreSQL as numeric."""
    response = query(
        client,
        "SELECT AVG(name) AS mean, 1.5 AS x, COUNT(*) AS n FROM lcdb.target",
        RESPONSEFORMAT=fmt,
    )
    assert response.status_code == 200, response.text
    if fmt == "csv":
        assert list(csv.reader(io.StringIO(response.text)))[1] == ["358108509.0", "1.5", "1"]
        return
    table = parse_single_table(io.BytesIO(response.content))
    row = table.array[0]
    assert (float(row["mean"]), float(row["x"]), int(row["n"])) == (358108509.0, 1.5, 1)
    assert statuses(response.content) == ["OK"]
