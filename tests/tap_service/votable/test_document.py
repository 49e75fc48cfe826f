"""Document structure: head order, trailing statuses, error documents, the BINARY2 bytes."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator, Sequence

import pytest
from lxml import etree
from pyvo.dal import DALQueryError, DALResults
from pyvo.dal.exceptions import DALOverflowWarning

from adql import OutputColumn
from tap_service.votable import (
    BatchSource,
    CooSys,
    Info,
    Serialization,
    TimeSys,
    UnsupportedColumn,
    error_document,
    write_votable,
)

from .helpers import document, read

NS = "{http://www.ivoa.net/xml/VOTable/v1.3}"
COLUMNS = [OutputColumn("id", "long"), OutputColumn("name", "char", "*")]


class FailingSource:
    """Yields one good batch, then fails the way the database does mid-result."""

    def __init__(self) -> None:
        self.overflow = False
        self.closed = False

    def batches(self) -> Iterator[Sequence[tuple[object, ...]]]:
        try:
            yield [(1, "a"), (2, "b")]
            raise RuntimeError("the database failed to run the query: canceling statement")
        finally:
            self.closed = True


def statuses(data: bytes) -> list[tuple[str, str]]:
    """(value, text) of every QUERY_STATUS INFO of the results resource, in order."""
    root = etree.fromstring(data)
    resource = root.find(f"{NS}RESOURCE[@type='results']")
    assert resource is not None
    return [
        (info.get("value"), info.text or "")
        for info in resource.findall(f"{NS}INFO[@name='QUERY_STATUS']")
    ]


def test_head_order_follows_the_schema_and_dali() -> None:
    data = b"".join(
        write_votable(
            [OutputColumn("t", "double", unit="d", ucd="time.epoch", description="BTJD <time>")],
            BatchSource([]),
            infos=[("QUERY", "", "SELECT a < 1 & b"), Info("standardID", "ivo://ivoa.net/std/TAP")],
            systems=[
                CooSys("icrs", "ICRS", epoch="J2000.0"),
                TimeSys("btjd", "TDB", "BARYCENTER", "2457000.0"),
            ],
        )
    )
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<VOTABLE version="1.4" ')
    root = etree.fromstring(data)
    assert root.tag == f"{NS}VOTABLE" and root.prefix is None
    resource = root[0]
    assert resource.get("type") == "results"
    tags = [
        (child.tag.removeprefix(NS), child.get("name") or child.get("ID")) for child in resource
    ]
    assert tags == [
        ("INFO", "QUERY_STATUS"),
        ("INFO", "QUERY"),
        ("INFO", "standardID"),
        ("COOSYS", "icrs"),
        ("TIMESYS", "btjd"),
        ("TABLE", None),
    ]
    assert resource[1].text == "SELECT a < 1 & b"
    field = resource.find(f"{NS}TABLE/{NS}FIELD")
    assert field is not None
    assert dict(field.attrib) == {
        "name": "t",
        "datatype": "double",
        "unit": "d",
        "ucd": "time.epoch",
    }
    assert field.findtext(f"{NS}DESCRIPTION") == "BTJD <time>"


def test_field_attributes_are_escaped_and_absent_ones_omitted() -> None:
    column = OutputColumn('a"b<c>&', "char", "*", utype="x:y", xtype="timestamp", ucd="")
    data = document([column], [("v",)])
    field = etree.fromstring(data).find(f".//{NS}FIELD")
    assert field is not None
    assert dict(field.attrib) == {
        "name": 'a"b<c>&',
        "datatype": "char",
        "arraysize": "*",
        "utype": "x:y",
        "xtype": "timestamp",
    }


@pytest.mark.parametrize("serialization", list(Serialization), ids=str)
def test_overflow_is_a_trailing_status_pyvo_reads(serialization: Serialization) -> None:
    data = document(COLUMNS, [(1, "a")], serialization, overflow=True)
    assert statuses(data) == [("OK", ""), ("OVERFLOW", "")]
    assert data.index(b'value="OVERFLOW"') > data.index(b"</TABLE>")
    with pytest.warns(DALOverflowWarning):
        results = DALResults(read(data))
    assert len(results) == 1


@pytest.mark.parametrize("serialization", list(Serialization), ids=str)
def test_no_overflow_leaves_status_ok(serialization: Serialization) -> None:
    data = document(COLUMNS, [(1, "a")], serialization)
    assert statuses(data) == [("OK", "")]
    assert len(DALResults(read(data))) == 1


@pytest.mark.parametrize("serialization", list(Serialization), ids=str)
def test_failure_midway_closes_the_table_and_reports_error(serialization: Serialization) -> None:
    source = FailingSource()
    data = b"".join(write_votable(COLUMNS, source, serialization=serialization))
    assert source.closed
    message = "the database failed to run the query: canceling statement"
    assert statuses(data) == [("OK", ""), ("ERROR", message)]
    votable = read(data)
    assert list(votable.get_first_table().array["id"]) == [1, 2]  # rows sent stay readable
    with pytest.raises(DALQueryError, match="canceling statement"):
        DALResults(votable)


def test_closing_the_stream_early_releases_the_source() -> None:
    source = FailingSource()
    chunks = write_votable(COLUMNS, source)
    next(chunks)  # the head
    next(chunks)  # the first batch
    chunks.close()  # the client went away
    assert source.closed


def test_unsupported_column_fails_before_any_byte() -> None:
    with pytest.raises(UnsupportedColumn, match="floatComplex"):
        write_votable([OutputColumn("z", "floatComplex")], BatchSource([]))


def test_error_document_has_one_error_info_and_no_table() -> None:
    data = error_document("column 'x' & <y> not found", [("QUERY", "", "SELECT x")])
    root = etree.fromstring(data)
    assert root.find(f"{NS}RESOURCE/{NS}TABLE") is None
    assert statuses(data) == [("ERROR", "column 'x' & <y> not found")]
    assert root.find(f"{NS}RESOURCE/{NS}INFO[@name='QUERY']") is not None
    with pytest.raises(DALQueryError, match="column 'x' & <y> not found"):
        DALResults(read(data))


def test_binary2_bytes_follow_the_spec_layout() -> None:
    """VOT-7: null flags MSB first, big-endian cells, count-prefixed variable cells."""
    columns = [
        OutputColumn("a", "float", "*"),
        OutputColumn("s", "char", "*"),
        OutputColumn("i", "int"),
        OutputColumn("b", "boolean"),
        OutputColumn("d", "double"),
    ]
    rows = [([1.0, float("nan")], "TIC 1", 5, True, float("nan")), (None, None, None, None, None)]
    data = document(columns, rows)
    stream = re.search(rb'<STREAM encoding="base64">\n(.*)</STREAM>', data, re.S)
    assert stream is not None
    lines = stream.group(1).splitlines()
    assert all(len(line) <= 76 for line in lines)
    raw = base64.b64decode(stream.group(1))
    nan = bytes.fromhex("7ff8000000000000")
    assert raw == (
        bytes.fromhex("00000000023F8000007FC0000000000005")
        + b"TIC 1"
        + bytes.fromhex("00000005")
        + b"T"
        + nan
        + bytes.fromhex("F8000000000000000000000000")
        + b"?"
        + nan
    )


def test_base64_is_streamed_in_whole_lines_across_batches() -> None:
    rows = [(i, "x" * (i % 13)) for i in range(1000)]
    chunks = list(write_votable(COLUMNS, BatchSource.of_rows(rows, size=37)))
    assert len(chunks) > 20  # one chunk per batch, not one document
    body = b"".join(chunks)
    stream = body.split(b'<STREAM encoding="base64">\n')[1].split(b"</STREAM>")[0]
    lines = stream.splitlines()
    assert all(len(line) == 76 for line in lines[:-1]) and 0 < len(lines[-1]) <= 76
    assert list(read(body).get_first_table().array["id"]) == list(range(1000))
