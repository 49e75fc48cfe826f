"""pyvo (and astropy under it) against the live service: what astronomers' scripts do."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import pyvo
import requests

from tests.lcdb.support import Graph


@pytest.fixture(scope="module")
def service(live_url: str) -> Iterator[pyvo.dal.TAPService]:
    with requests.Session() as session:
        yield pyvo.dal.TAPService(live_url, session=session)


def test_search_returns_rows_with_metadata(
    service: pyvo.dal.TAPService, archive: tuple[str, Graph]
) -> None:
    results = service.search(
        'SELECT t.name, t.ra, d."values" FROM lcdb.dataset AS d JOIN lcdb.target AS t ON t.id = d.target_id'
    )
    assert len(results) == 2
    table = results.to_table()
    assert list(table["name"]) == [358108509, 358108509]
    assert str(table["ra"].unit) == "deg"
    assert table["values"].unit is None  # per dataset: values_unit
    assert len(table["values"][0]) == 10


def test_overflow_is_seen_by_pyvo(service: pyvo.dal.TAPService) -> None:
    # pyvo reads the last QUERY_STATUS; a truncation the user asked for (maxrec) is no surprise,
    # so it does not warn, but the status says OVERFLOW.
    results = service.search("SELECT table_name FROM TAP_SCHEMA.tables", maxrec=2)
    assert len(results) == 2
    assert results.query_status == "OVERFLOW"
    complete = service.search("SELECT table_name FROM TAP_SCHEMA.tables")
    assert complete.query_status == "OK" and len(complete) > 2


def test_errors_raise_dal_query_error_with_the_message(service: pyvo.dal.TAPService) -> None:
    with pytest.raises(pyvo.dal.DALQueryError, match="did you mean 'name'"):
        service.search("SELECT nmae FROM lcdb.target")


def test_capabilities_and_limits(service: pyvo.dal.TAPService) -> None:
    assert service.maxrec == 1000
    assert service.hardlimit == 100_000
    assert any(c.standardid == "ivo://ivoa.net/std/TAP" for c in service.capabilities)


def test_tables(service: pyvo.dal.TAPService) -> None:
    tables = service.tables
    assert "lcdb.dataset" in list(tables.keys())
    columns = {c.name for c in tables["lcdb.dataset"].columns}
    assert {"id", "target_id", '"values"'} <= columns


def test_examples(service: pyvo.dal.TAPService) -> None:
    examples = service.examples
    assert len(examples) >= 5
    result = examples[0].execute()
    assert len(result) > 0


@pytest.mark.parametrize(
    ("fmt", "mime"), [("votable", "application/x-votable+xml"), ("csv", "text/csv")]
)
def test_formats_through_pyvo(service: pyvo.dal.TAPService, fmt: str, mime: str) -> None:
    job = service.create_query("SELECT TOP 1 name FROM lcdb.target", responseformat=fmt)
    with job.submit() as response:  # a streamed requests response: close it
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(mime)
