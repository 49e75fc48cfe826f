"""CSV and TSV read back with the csv module: header, quoting, arrays, NULLs, no stray TABs."""

from __future__ import annotations

import csv
import io
import math

import pytest

from adql import OutputColumn
from tap_service.votable import BatchSource, write_csv, write_tsv

COLUMNS = [
    OutputColumn("id", "long"),
    OutputColumn("x", "double"),
    OutputColumn("name", "unicodeChar", "*"),
    OutputColumn("flux", "float", "*"),
    OutputColumn("ok", "boolean"),
]
ROWS = [
    (1, 0.1, 'a, "quoted"\nname', [1.5, 2.0], True),
    (2, None, None, None, None),
    (3, math.nan, "tab\there", [], False),
    (4, -math.inf, "日本", [math.inf], True),
]


def test_csv_round_trips_through_the_csv_module() -> None:
    chunks = list(write_csv(COLUMNS, BatchSource.of_rows(ROWS, size=2)))
    assert len(chunks) == 3  # the header, then one chunk per batch
    text = b"".join(chunks).decode("utf-8")
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [
        ["id", "x", "name", "flux", "ok"],
        ["1", "0.1", 'a, "quoted"\nname', "1.5 2.0", "T"],
        ["2", "", "", "", ""],
        ["3", "NaN", "tab\there", "", "F"],
        ["4", "-Inf", "日本", "+Inf", "T"],
    ]
    assert float(rows[1][1]) == 0.1  # round-trip precision


def test_tsv_has_no_tab_or_newline_inside_values() -> None:
    text = b"".join(write_tsv(COLUMNS, BatchSource.of_rows(ROWS, size=3))).decode("utf-8")
    lines = text.split("\n")
    assert lines[-1] == ""
    lines = lines[:-1]
    assert len(lines) == 5
    assert all(line.count("\t") == 4 for line in lines)
    rows = list(csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))
    assert rows[1] == ["1", "0.1", 'a, "quoted" name', "1.5 2.0", "T"]
    assert rows[3] == ["3", "NaN", "tab here", "", "F"]


@pytest.mark.parametrize("writer", [write_csv, write_tsv])
def test_failure_midway_aborts_the_stream(writer) -> None:  # type: ignore[no-untyped-def]
    def batches():  # type: ignore[no-untyped-def]
        yield [(1, 1.0, "a", [], True)]
        raise RuntimeError("connection lost")

    chunks = writer(COLUMNS, BatchSource(batches()))
    with pytest.raises(RuntimeError, match="connection lost"):
        list(chunks)


@pytest.mark.parametrize("writer", [write_csv, write_tsv])
def test_empty_result_is_the_header_only(writer) -> None:  # type: ignore[no-untyped-def]
    text = b"".join(writer(COLUMNS, BatchSource([]))).decode()
    assert text.rstrip("\r\n") == "id,x,name,flux,ok".replace(
        ",", "," if writer is write_csv else "\t"
    )
