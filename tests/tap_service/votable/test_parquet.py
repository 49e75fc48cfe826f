"""VOParquet: Parquet that pyarrow, astropy (and STILTS, if it can) read, with VOTable metadata."""

from __future__ import annotations

import io
import math
import subprocess
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from astropy.io.votable import parse_single_table
from astropy.table import Table

from adql import OutputColumn
from tap_service.votable import BatchSource, Descriptor, Info, write_parquet
from tap_service.votable.parquet import CONTENT_KEY, ROW_GROUP, VERSION_KEY

COLUMNS = [
    OutputColumn("id", "long", ucd="meta.id;meta.main", description="row <id> & such"),
    OutputColumn("tic", "int"),
    OutputColumn("sector", "short"),
    OutputColumn("ra", "double", unit="deg", ucd="pos.eq.ra"),
    OutputColumn("mag", "float", unit="mag"),
    OutputColumn("flag", "boolean"),
    OutputColumn("name", "char", "*"),
    OutputColumn("label", "unicodeChar", "*"),
    OutputColumn("flux", "float", "*", unit="electron/s"),
    OutputColumn("pair", "int", "2"),
]


def row(i: int) -> tuple[object, ...]:
    return (
        i,
        None if i % 4 == 0 else 1000 + i,
        i % 70,
        float("nan") if i % 9 == 0 else i * 0.5,
        None if i % 5 == 0 else i / 7,
        None if i % 3 == 0 else i % 2 == 0,
        None if i % 6 == 0 else f'TIC {i}, "quoted"',
        f"Ångström 日本 {i}",
        None if i % 7 == 0 else [i * 0.5, None, float("inf")][: i % 4],
        [i, i + 1, i + 2][: 1 + i % 3],  # short and long arrays: padded / cut to 2
    )


ROWS = [row(i) for i in range(1, 101)]


def parquet(rows: Sequence[tuple[object, ...]], **kwargs: object) -> bytes:
    source = BatchSource.of_rows(rows, size=17, overflow=bool(kwargs.pop("overflow", False)))
    return b"".join(write_parquet(COLUMNS, source, **kwargs))  # type: ignore[arg-type]


def test_rows_read_back_with_pyarrow() -> None:
    table = pq.read_table(io.BytesIO(parquet(ROWS)))
    assert table.column_names == [c.name for c in COLUMNS]
    got = table.to_pylist()
    for want, have in zip(ROWS, got, strict=True):
        assert have["id"] == want[0] and have["tic"] == want[1] and have["sector"] == want[2]
        if want[3] != want[3]:
            assert math.isnan(have["ra"])
        else:
            assert have["ra"] == want[3]
        assert have["mag"] == (None if want[4] is None else pytest.approx(want[4], rel=1e-7))
        assert (
            have["flag"] == want[5] and have["name"] == (want[6] or "") and have["label"] == want[7]
        )
        assert have["flux"] == want[8]
        assert have["pair"] == ([*want[9], 0][:2])  # type: ignore[misc]
    assert str(table.schema.field("mag").type) == "float"
    assert str(table.schema.field("sector").type) == "int16"
    flux = table.schema.field("flux").type
    assert pa.types.is_list(flux) and str(flux.value_type) == "float"


def test_the_votable_metadata_follows_the_voparquet_note() -> None:
    descriptor = Descriptor(0, "datalink_id", '<RESOURCE type="meta"/>\n')
    body = parquet(ROWS, infos=[Info("QUERY", "SELECT 1")], descriptor=descriptor)
    metadata = pq.ParquetFile(io.BytesIO(body)).metadata.metadata
    assert metadata[VERSION_KEY.encode()] == b"1.0"
    document = metadata[CONTENT_KEY.encode()]
    table = parse_single_table(io.BytesIO(document))  # a valid VOTable, strictly parsed
    assert [f.name for f in table.fields] == [c.name for c in COLUMNS]
    assert table.get_field_by_id_or_name("ra").unit == "deg"
    assert table.fields[0].ID == "datalink_id"
    assert table.fields[0].description == "row <id> & such"
    assert b"<DATA" not in document and b'value="OK"' in document
    assert b'<INFO name="QUERY" value="SELECT 1"/>' in document
    assert b'<RESOURCE type="meta"/>' in document


def test_astropy_reads_the_values() -> None:
    # astropy 8's Parquet reader keeps no NULLs: integers with NULLs come back as floats with
    # NaN (and a NULL string would be the text "None": NULL strings are written as "", which
    # is how astropy shows a NULL `char` cell of a VOTable).
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # string widths come from the table::len:: keys
        table = Table.read(io.BytesIO(parquet(ROWS)), format="parquet")
    assert len(table) == len(ROWS)
    assert list(table["id"]) == list(range(1, 101))
    assert table["tic"][0] == 1001 and np.isnan(table["tic"][3])
    assert table["name"][1] == 'TIC 2, "quoted"' and table["name"][5] == ""
    assert table["label"][0] == "Ångström 日本 1"
    assert np.isinf(table["flux"][2][2]) and list(table["pair"][2]) == [3, 0]


def test_astropy_applies_the_votable_metadata() -> None:
    # `parquet.votable` stacks the DATA-less VOTable's empty table onto the Parquet data,
    # which astropy 8 can do only where both have the same dtype: not for `char *` (object in
    # the VOTable, fixed-width str from Parquet) nor for booleans with NULLs; so numbers here.
    numeric = [c for c in COLUMNS if c.name in ("id", "ra", "mag", "flux")]
    rows = [(r[0], r[3], r[4], r[8]) for r in ROWS]
    source = BatchSource.of_rows(rows, size=17)
    body = b"".join(write_parquet(numeric, source))
    table = Table.read(io.BytesIO(body), format="parquet.votable")
    assert len(table) == len(ROWS) and table.colnames == ["id", "ra", "mag", "flux"]
    assert str(table["ra"].unit) == "deg" and str(table["flux"].unit) == "electron / s"
    assert table["id"].meta.get("ucd") == "meta.id;meta.main"
    assert table["id"].description == "row <id> & such"
    assert list(table["id"]) == list(range(1, 101))


def test_overflow_and_a_failure_midway_go_in_the_metadata() -> None:
    def content(body: bytes) -> bytes:
        return pq.ParquetFile(io.BytesIO(body)).metadata.metadata[CONTENT_KEY.encode()]

    assert b'name="QUERY_STATUS" value="OVERFLOW"' in content(parquet(ROWS, overflow=True))
    assert b'value="OVERFLOW"' not in content(parquet(ROWS))

    def failing() -> Iterator[list[tuple[object, ...]]]:
        yield ROWS[:10]
        raise RuntimeError("the database went away")

    body = b"".join(write_parquet(COLUMNS, BatchSource(failing())))
    assert b'value="ERROR">the database went away</INFO>' in content(body)
    assert pq.read_table(io.BytesIO(body)).num_rows == 10  # what was sent stays readable


def test_rows_stream_in_row_groups_and_the_file_starts_first() -> None:
    consumed: list[int] = []
    starts = range(0, 3 * ROW_GROUP + 1, 10_000)

    def batches() -> Iterator[list[tuple[object, ...]]]:
        for start in starts:
            consumed.append(start)
            yield [
                (i, 0, 0, 0.0, 0.0, True, "x", "y", [], [0, 0])
                for i in range(start, start + 10_000)
            ]

    chunks = write_parquet(COLUMNS, BatchSource(batches()))
    first = next(chunks)
    assert first == b"PAR1" and not consumed  # sent before the first row is read
    rest = []
    for chunk in chunks:
        rest.append(chunk)
        if len(rest) == 1:  # the first row group leaves once it is full, not at the end
            assert len(consumed) < len(starts)
    assert len(rest) == 3 and all(rest)  # a chunk per full row group; the last with the footer
    metadata = pq.ParquetFile(io.BytesIO(first + b"".join(rest))).metadata
    assert metadata.num_row_groups == 3 and metadata.num_rows == 10_000 * len(starts)


def test_stilts_reads_it(stilts: str, tmp_path: Path) -> None:
    path = tmp_path / "result.parquet"
    path.write_bytes(parquet(ROWS))
    result = subprocess.run(
        [stilts, "tpipe", f"in={path}", "ifmt=parquet", "ofmt=csv"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if "No table handler available for parquet" in result.stderr:
        pytest.skip(
            "this STILTS has no parquet input handler (the Debian package ships without "
            "starjava's parquet module and its Hadoop libraries)"
        )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split(",")[:3] == ["id", "tic", "sector"] and len(lines) == 101
