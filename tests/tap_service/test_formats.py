"""The output-format registry: RESPONSEFORMAT lookup, Content-Type echo, /capabilities data."""

from __future__ import annotations

import io
import re

import pyarrow.parquet as pq
import pytest

from adql import OutputColumn
from tap_service import formats
from tap_service.votable import BatchSource, write_binary2, write_csv, write_tabledata, write_tsv

VOTABLE = "application/x-votable+xml"


@pytest.mark.parametrize(
    ("requested", "writer"),
    [
        (None, write_binary2),
        ("", write_binary2),
        ("votable", write_binary2),
        ("VOTable", write_binary2),
        ("votable/b2", write_binary2),
        ("VOTABLE/TD", write_tabledata),
        (VOTABLE, write_binary2),
        ("text/xml", write_binary2),
        ("Text/XML", write_binary2),
        (f"{VOTABLE};serialization=BINARY2", write_binary2),
        (f"{VOTABLE}; serialization=TABLEDATA", write_tabledata),
        (f"{VOTABLE};serialization=tabledata", write_tabledata),
        (f'{VOTABLE};serialization="BINARY2"', write_binary2),
        ("csv", write_csv),
        ("CSV", write_csv),
        ("text/csv", write_csv),
        ("text/csv;header=present", write_csv),
        ("text/csv; charset=UTF-8", write_csv),
        ("tsv", write_tsv),
        ("text/tab-separated-values", write_tsv),
    ],
)
def test_lookup_accepts_short_names_and_mime_types(requested: str | None, writer: object) -> None:
    assert formats.lookup(requested).writer is writer


@pytest.mark.parametrize(
    "requested",
    [
        "fits",
        "application/fits",
        "text/html",
        f"{VOTABLE};serialization=BINARY",  # BINARY (not BINARY2) is not written
        f"{VOTABLE};serialization=FITS",
        "text/csv;header=absent",  # we always write the header line
        "votable/b",
        "application/json",
    ],
)
def test_unknown_formats_raise_with_the_value(requested: str) -> None:
    with pytest.raises(formats.UnknownFormat) as raised:
        formats.lookup(requested)
    assert raised.value.value == requested
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize(
    ("requested", "content_type"),
    [
        (None, VOTABLE),
        ("votable", VOTABLE),
        ("votable/td", f"{VOTABLE};serialization=TABLEDATA"),
        ("csv", "text/csv;header=present"),
        ("tsv", "text/tab-separated-values"),
        ("text/xml", "text/xml"),  # a MIME type the client sent is echoed (TAP-6)
        ("text/csv", "text/csv"),
        (f"{VOTABLE}; serialization=TABLEDATA", f"{VOTABLE}; serialization=TABLEDATA"),
    ],
)
def test_content_type_echoes_a_requested_mime_type(
    requested: str | None, content_type: str
) -> None:
    assert formats.lookup(requested).content_type(requested) == content_type


def test_every_declared_mime_and_alias_is_accepted() -> None:
    """CAP-7: what /capabilities lists must work as RESPONSEFORMAT, and pick that entry."""
    for output in formats.FORMATS:
        assert formats.lookup(output.mime) is output
        for alias in output.aliases:
            assert formats.lookup(alias) is output
            assert formats.lookup(alias.upper()) is output


def test_capabilities_data_follows_tapregext() -> None:
    mime = re.compile(r"^[\w.+-]+/[\w.+-]+(;[\w.+-]+=[\w.+-]+)*$")  # taplint E_BMIM
    allowed = {
        "ivo://ivoa.net/std/TAPRegExt#output-votable-td",
        "ivo://ivoa.net/std/TAPRegExt#output-votable-binary",
        "ivo://ivoa.net/std/TAPRegExt#output-votable-binary2",
    }  # taplint E_XOFK
    ids = [f.tapregext_id for f in formats.FORMATS if f.tapregext_id is not None]
    assert set(ids) <= allowed and len(ids) == len(set(ids))
    assert all(mime.match(f.mime) for f in formats.FORMATS)
    aliases = formats.short_names()
    assert len(aliases) == len({a.lower() for a in aliases})
    assert {"votable", "csv", "tsv"} <= set(aliases)
    assert formats.FORMATS[0].is_votable and formats.lookup(None) is formats.FORMATS[0]
    assert [f.is_votable for f in formats.FORMATS] == [True, True, True, False, False, False]


@pytest.mark.parametrize("output", formats.FORMATS, ids=lambda f: f.aliases[0])
def test_every_writer_streams_a_result(output: formats.OutputFormat) -> None:
    columns = [OutputColumn("a", "int"), OutputColumn("b", "char", "*")]
    chunks = output.writer(
        columns, BatchSource([[(1, "x")], [(2, "y")]]), infos=[("QUERY", "", "q")]
    )
    body = b"".join(chunks)
    if output.mime == formats.PARQUET_MIME:
        table = pq.read_table(io.BytesIO(body))
        assert table.to_pylist() == [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]
        return
    assert (b"<VOTABLE" in body) is output.is_votable
    assert (b"QUERY_STATUS" in body) is output.is_votable
    if not output.is_votable:
        assert body.splitlines()[1:] == [b"1,x", b"2,y"] or body.splitlines()[1:] == [
            b"1\tx",
            b"2\ty",
        ]
