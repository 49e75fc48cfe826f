"""The golden loader refuses malformed files instead of passing them silently."""

from __future__ import annotations

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
