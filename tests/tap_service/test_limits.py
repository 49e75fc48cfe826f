"""Each limit on what a request may hold is a 400 DALI error naming it, sync and async alike.

Deep nesting and long chains (adql.complexity), the select-list width, the query's length
(LCDB_QUERY_LIMIT), form fields and file parts (tap_service.forms); and inputs just inside
them still work: a 10,000-term OR, uploads beyond Starlette's 1 MB part size, a pasted
trailing semicolon.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
from astropy.io.votable import from_table, writeto
from astropy.table import Table
from lxml import etree
from starlette.testclient import TestClient

from tap_service.app import create_app
from tap_service.forms import FIELD_LIMIT, FIELDS_FACTOR, MAX_FIELDS
from tests.lcdb.support import Graph
from tests.service_fixtures import SERVICE_SETTINGS
from tests.tap_service.uws.support import valid, wait_for

#: Small enough to test cheaply, above Starlette's 1 MiB part size (which must not apply).
UPLOAD_LIMIT = 3 * 1024 * 1024
QUERY_LIMIT = 20_000


@pytest.fixture(scope="module")
def limited(archive: tuple[str, Graph]) -> Iterator[TestClient]:
    settings = replace(SERVICE_SETTINGS, upload_limit=UPLOAD_LIMIT, query_limit=QUERY_LIMIT)
    with TestClient(create_app(settings, archive[0]), base_url="http://testserver") as client:
        yield client


def dali_error(response: httpx.Response, *phrases: str, status: int = 400) -> str:
    """The message of a DALI error document (HTTP 400), which must contain every phrase."""
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/x-votable+xml")
    root = etree.fromstring(response.content)
    (info,) = [i for i in root.iter("{*}INFO") if i.get("name") == "QUERY_STATUS"]
    assert info.get("value") == "ERROR"
    message = (info.text or "").strip()
    for phrase in phrases:
        assert phrase in message, message
    return message


def sync(client: TestClient, query: str, post: bool = True) -> httpx.Response:
    params = {"LANG": "ADQL", "QUERY": query}
    if post:
        return client.post("/tap/sync", data=params)
    return client.get("/tap/sync", params=params)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT TOP 1 name FROM lcdb.target WHERE " + "(" * 5000 + "ra > 0" + ")" * 5000,
        "SELECT TOP 1 name FROM lcdb.target WHERE " + "NOT " * 5000 + "ra > 0",
        "SELECT TOP 1 " + " + ".join(["ra"] * 5000) + " FROM lcdb.target",
        " UNION ".join(["SELECT name FROM lcdb.target"] * 2000),
        "SELECT TOP 1 " + "ABS(" * 3000 + "ra" + ")" * 3000 + " FROM lcdb.target",
        "SELECT TOP 1 name FROM lcdb.target WHERE name IN ("
        + "SELECT name FROM lcdb.target WHERE name IN (" * 1000
        + "1"
        + ")" * 1001,
    ],
    ids=["parentheses", "nots", "plus_chain", "unions", "functions", "subqueries"],
)
def test_nesting_bombs_are_400_query_too_complex(client: TestClient, query: str) -> None:
    dali_error(sync(client, query), "Query too complex: ", "line 1, column ")


def test_a_six_thousand_term_or_runs(client: TestClient) -> None:
    """(as many as fit in the default query length; adql's tests take 10,000)"""
    names = " OR ".join(f"name={i}" for i in range(6_000))
    response = client.post(
        "/tap/sync",
        data={"LANG": "ADQL", "QUERY": f"SELECT name FROM lcdb.target WHERE {names}"},
    )
    assert response.status_code == 200, response.text[:300]


def test_select_list_wider_than_postgresql_takes_is_refused(client: TestClient) -> None:
    dali_error(
        sync(client, "SELECT " + ", ".join(["ra"] * 1665) + " FROM lcdb.target"),
        "Too many columns: the select list has more than 1664",
    )
    star = "SELECT * FROM " + ", ".join(f"TAP_SCHEMA.columns AS c{i}" for i in range(200))
    dali_error(sync(client, star), "with this * expanded")
    fits = sync(client, "SELECT TOP 1 " + ", ".join(["ra"] * 1664) + " FROM lcdb.target")
    assert fits.status_code == 200, fits.text[:300]


@pytest.mark.parametrize("post", [True, False])
def test_a_query_over_the_length_limit_is_refused(limited: TestClient, post: bool) -> None:
    padding = " " * QUERY_LIMIT
    dali_error(
        sync(limited, "SELECT TOP 1 name FROM lcdb.target" + padding, post=post),
        f"at most {QUERY_LIMIT:,} characters (LCDB_QUERY_LIMIT)",
    )
    within = "SELECT TOP 1 name FROM lcdb.target" + " " * (QUERY_LIMIT - 100)
    assert sync(limited, within, post=post).status_code == 200


def test_trailing_semicolon_is_accepted(client: TestClient) -> None:
    response = sync(client, "SELECT TOP 1 name FROM lcdb.target;\n-- from a SQL tool\n")
    assert response.status_code == 200, response.text[:300]
    dali_error(sync(client, "SELECT TOP 1 name FROM lcdb.target;;"), "exactly one query")


def test_oversized_form_fields_name_the_field_and_the_limit(client: TestClient) -> None:
    big = "x" * (FIELD_LIMIT + 1)
    multipart = client.post(
        "/tap/sync",
        data={"LANG": "ADQL", "RUNID": big},
        files={"t": ("t.xml", b"<VOTABLE/>", "application/x-votable+xml")},
    )
    dali_error(multipart, "'RUNID'", f"{FIELD_LIMIT:,} bytes per parameter")
    urlencoded = client.post("/tap/sync", data={"LANG": "ADQL", "JUNK": big})
    dali_error(urlencoded, "'JUNK'", f"{FIELD_LIMIT:,} bytes per parameter")
    many = {f"F{i}": "y" * (FIELD_LIMIT - 10) for i in range(FIELDS_FACTOR + 1)}
    dali_error(client.post("/tap/sync", data=many), "bytes in all")
    fields = "&".join(f"f{i}=1" for i in range(MAX_FIELDS + 1))
    headers = {"content-type": "application/x-www-form-urlencoded"}
    dali_error(client.post("/tap/sync", content=fields, headers=headers), "Too many fields", "1000")


def test_malformed_multipart_bodies_are_400(client: TestClient) -> None:
    for content_type, body in (
        ("multipart/form-data", b"--x\r\n"),
        ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data\r\n\r\n1"),
        ("multipart/form-data; boundary=x", b"garbage\xff\xfe"),
    ):
        response = client.post("/tap/sync", content=body, headers={"content-type": content_type})
        dali_error(response)


def _upload(size: int) -> bytes:
    """A VOTable of about `size` bytes (one text column)."""
    rows = max(1, size // 60)
    buffer = io.BytesIO()
    writeto(from_table(Table({"s": ["z" * 40] * rows})), buffer)
    return buffer.getvalue()


def test_uploads_up_to_the_upload_limit_work_beyond_it_are_refused(limited: TestClient) -> None:
    table = _upload(2 * 1024 * 1024)  # more than Starlette's default part size of 1 MiB
    assert 1024 * 1024 < len(table) < UPLOAD_LIMIT
    query = {
        "LANG": "ADQL",
        "QUERY": "SELECT COUNT(*) AS n FROM TAP_UPLOAD.t",
        "UPLOAD": "t,param:t",
    }
    files = {"t": ("t.xml", table, "application/x-votable+xml")}
    ok = limited.post("/tap/sync", data={**query, "RESPONSEFORMAT": "csv"}, files=files)
    assert ok.status_code == 200, ok.text[:300]
    big = {"t": ("t.xml", b" " * (UPLOAD_LIMIT + 1), "application/x-votable+xml")}
    dali_error(limited.post("/tap/sync", data=query, files=big), "'t'", "LCDB_UPLOAD_LIMIT")
    halves = {
        "a": ("a.xml", b" " * (UPLOAD_LIMIT // 2 + 1), "text/xml"),
        "b": ("b.xml", b" " * (UPLOAD_LIMIT // 2 + 1), "text/xml"),
    }
    dali_error(limited.post("/tap/sync", data=query, files=halves), "'b'", "in all")
    created = limited.post("/tap/async", data=query, files=big, follow_redirects=False)
    dali_error(created, "'t'", "LCDB_UPLOAD_LIMIT")


def test_async_jobs_apply_the_same_limits(limited: TestClient) -> None:
    deep = "SELECT TOP 1 name FROM lcdb.target WHERE " + "(" * 500 + "ra > 0" + ")" * 500
    created = limited.post(
        "/tap/async",
        data={"LANG": "ADQL", "QUERY": deep, "PHASE": "RUN"},
        follow_redirects=False,
    )
    assert created.status_code == 303
    url = created.headers["location"]
    wait_for(limited, url, {"ERROR"})
    root = valid(limited.get(url).content)
    summary = "".join(root.itertext())
    assert "Query too complex" in summary
    dali_error(limited.get(f"{url}/error"), "Query too complex", status=200)
    big = limited.post(
        f"{url}/parameters", data={"RUNID": "x" * (FIELD_LIMIT + 1)}, follow_redirects=False
    )
    dali_error(big, "'RUNID'")


def test_huge_part_headers_are_bounded(client: TestClient) -> None:
    """(python-multipart >= 0.0.18 refuses long header lines itself; forms.py counts them
    against the fields' total for older ones)"""
    header = b"X-Junk: " + b"h" * (FIELDS_FACTOR * FIELD_LIMIT + 1) + b"\r\n"
    body = (
        b"--x\r\nContent-Disposition: form-data; name=LANG\r\n" + header + b"\r\nADQL\r\n--x--\r\n"
    )
    response = client.post(
        "/tap/sync", content=body, headers={"content-type": "multipart/form-data; boundary=x"}
    )
    message = dali_error(response)
    assert "(part headers)" in message or "Invalid multipart data" in message
