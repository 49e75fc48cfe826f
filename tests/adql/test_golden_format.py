"""The golden loader refuses malformed files instead of passing them silently."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.adql import golden


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "t.adqlt"
    path.write_text(text, encoding="utf-8")
    return path


def test_case_without_expectation_fails_the_loader(tmp_path: Path) -> None:
    path = write(tmp_path, "-- case: a\nSELECT a FROM t\n")
    with pytest.raises(golden.GoldenFormatError, match="no '==>' expectation"):
        golden.load(path)


def test_case_with_empty_expectation_fails_the_loader(tmp_path: Path) -> None:
    path = write(tmp_path, "-- case: a\nSELECT a FROM t\n==>\n\n-- case: b\nSELECT 1\n==>\nx\n")
    with pytest.raises(golden.GoldenFormatError, match="empty expectation"):
        golden.load(path)


def test_duplicate_case_names_fail_the_loader(tmp_path: Path) -> None:
    path = write(tmp_path, "-- case: a\nSELECT 1\n==>\nx\n-- case: a\nSELECT 2\n==>\ny\n")
    with pytest.raises(golden.GoldenFormatError, match="duplicate"):
        golden.load(path)


def test_meta_error_and_multiline_query_round_trip(tmp_path: Path) -> None:
    text = "-- case: a\n-- maxrec: 3\nSELECT a\nFROM t -- note\n==> ADQLSyntaxError 2:3\nBoom\n"
    path = write(tmp_path, text)
    (case,) = golden.load(path)
    assert case.meta == {"maxrec": "3"}
    assert case.query == "SELECT a\nFROM t -- note"
    assert (case.error, case.position, case.expected) == ("ADQLSyntaxError", (2, 3), "Boom")
    assert golden.load(write(tmp_path, golden.dump([case]))) == [case]


def test_columns_and_rows_round_trip(tmp_path: Path) -> None:
    text = (
        "-- case: a\n"
        "-- column: ra double unit=deg ucd=pos.eq.ra;meta.main\n"
        '-- column: "a ""b"" c" char[*]\n'
        "-- column: p double[2] xtype=point\n"
        "-- rows: 2\n"
        "-- row: (1.5, 'x', [1.0, 2.0])\n"
        "-- row: (None, 'y', None)\n"
        "SELECT ra, b, p FROM t\n==>\nSQL\n"
    )
    (case,) = golden.load(write(tmp_path, text))
    assert case.columns == (
        golden.ColumnSpec("ra", "double", None, "deg", "pos.eq.ra;meta.main"),
        golden.ColumnSpec('a "b" c', "char", "*"),
        golden.ColumnSpec("p", "double", "2", xtype="point"),
    )
    assert (case.rows, case.row_values) == (2, ((1.5, "x", [1.0, 2.0]), (None, "y", None)))
    assert case.meta == {}
    assert golden.dump([case]) == text
    updated = golden.updated(case, "NEW SQL", None, None)
    assert golden.load(write(tmp_path, golden.dump([updated]))) == [updated]
    assert updated.row_values == case.row_values


def test_rows_alone_check_only_the_count(tmp_path: Path) -> None:
    (case,) = golden.load(write(tmp_path, "-- case: a\n-- rows: 4\nSELECT 1\n==>\nx\n"))
    assert (case.rows, case.row_values, case.columns) == (4, (), None)


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        ("-- colum: a int", "unknown meta line 'colum'"),
        ("-- maxrec: ten", "maxrec must be a number"),
        ("-- maxrec: 1\n-- maxrec: 2", "'maxrec' given twice"),
        ("-- schema: lcdb", "schema can only be 'none'"),
        ("-- column: a", "malformed column"),
        ("-- column: a integer", "unknown datatype 'integer'"),
        ("-- column: a double[]", "empty arraysize"),
        ("-- column: a double[2", "malformed column"),
        ("-- column: a double deg", "bad 'deg'"),
        ("-- column: a double unit=", "bad 'unit='"),
        ("-- column: a double utype=x", "bad 'utype=x'"),
        ("-- column: a double unit=m unit=s", "bad 'unit=s'"),
        ("-- rows: some", "rows must be a number"),
        ("-- row: (1,)", "'row' lines need a 'rows: N' line"),
        ("-- rows: 2\n-- row: (1,)", "'rows: 2' but 1 'row' lines"),
        ("-- rows: 1\n-- row: 1", "not a tuple"),
        ("-- rows: 1\n-- row: (1, x)", "not a Python literal"),
        ("-- rows: 2\n-- row: (1,)\n-- row: (1, 2)", "differ in width"),
        ("-- column: a int\n-- rows: 1\n-- row: (1, 2)", "differ in width"),
        ("-- schema: none\n-- rows: 1", "need a case that translates against the catalog"),
    ],
)
def test_malformed_meta_lines_fail_the_loader(tmp_path: Path, meta: str, message: str) -> None:
    path = write(tmp_path, f"-- case: a\n{meta}\nSELECT a FROM t\n==>\nx\n")
    with pytest.raises(golden.GoldenFormatError, match=re.escape(message)):
        golden.load(path)


def test_error_cases_cannot_declare_columns_or_rows(tmp_path: Path) -> None:
    for meta in ("-- column: a int", "-- rows: 0"):
        path = write(tmp_path, f"-- case: a\n{meta}\nSELECT\n==> ADQLSyntaxError 1:7\nBoom\n")
        with pytest.raises(golden.GoldenFormatError, match="need a case that translates"):
            golden.load(path)
