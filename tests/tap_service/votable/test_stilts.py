"""STILTS votlint (TOPCAT's validator) accepts what we write, for both serialisations."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import pytest

from adql import OutputColumn
from tap_service.votable import CooSys, Serialization, TimeSys, error_document, write_votable
from tap_service.votable.source import BatchSource

from .test_roundtrip import CASES

pytestmark = pytest.mark.stilts

#: votlint remarks that are expected and harmless, and why:
TOLERATED = (
    # a scalar `char` FIELD: VOTable 1.4 §2.2 says no arraysize means one character
    "No arraysize for character, FIELD implies single character",
    # a NULL scalar `char` in TABLEDATA can only be an empty <TD/>
    "Empty character value is questionable",
    # OutputColumn has no `ref`; the caller's TIMESYS is still written where the XSD wants it
    'TIMESYS element with ID="btjd" never referenced',
)


def votlint(stilts: str, data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "result.vot"
    path.write_bytes(data)
    result = subprocess.run(
        [stilts, "votlint", "validate=true", f"votable={path}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = (result.stdout + result.stderr).splitlines()
    return "\n".join(line for line in lines if not any(ok in line for ok in TOLERATED))


@pytest.mark.parametrize("serialization", list(Serialization), ids=str)
@pytest.mark.parametrize("overflow", [False, True])
def test_votlint_accepts_every_datatype(
    stilts: str, tmp_path: Path, serialization: Serialization, overflow: bool
) -> None:
    names = sorted(CASES)
    columns = [
        OutputColumn(f"c{i}", *CASES[n][:2], unit="d" if i == 0 else None, ucd="meta.id")
        for i, n in enumerate(names)
    ]
    rows = [tuple(CASES[n][2][i % len(CASES[n][2])] for n in names) for i in range(20)]
    rows.append(
        tuple(math.nan if CASES[n][0] == "double" and CASES[n][1] is None else None for n in names)
    )
    data = b"".join(
        write_votable(
            columns,
            BatchSource.of_rows(rows, size=6, overflow=overflow),
            serialization=serialization,
            infos=[("QUERY", "", "SELECT TOP 20 * FROM t WHERE a < 1")],
            systems=[CooSys("icrs", "ICRS"), TimeSys("btjd", "TDB", "BARYCENTER", "2457000.0")],
        )
    )
    assert votlint(stilts, data, tmp_path) == ""


def test_votlint_accepts_the_error_document(stilts: str, tmp_path: Path) -> None:
    assert votlint(stilts, error_document("bad query: <x> & y"), tmp_path) == ""
