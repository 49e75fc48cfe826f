"""Every golden case: ADQL in, exact PostgreSQL (or exact error) out, and the output
columns' metadata where a case declares them (rows are checked in ``test_execute``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import adql
from adql.pg_geometry import PgGeometry
from adql.pg_sky_index import SkyIndex
from tests.adql import golden
from tests.adql.adql_testcatalog import CATALOG

SERVICE_GEOMETRY = PgGeometry(index=SkyIndex())

CASES = golden.load_all()
_results: dict[Path, dict[str, golden.Case]] = {}


def translator(case: golden.Case) -> adql.GeometryTranslator | None:
    """`-- geometry: pg` cases translate geometry as the service does; others refuse it."""
    return SERVICE_GEOMETRY if case.meta.get("geometry") == "pg" else None


def run_case(case: golden.Case) -> tuple[str, str | None, tuple[int, int] | None]:
    schema = None if case.meta.get("schema") == "none" else CATALOG
    maxrec = int(case.meta["maxrec"]) if "maxrec" in case.meta else None
    try:
        sql = adql.translate(case.query, schema, maxrec=maxrec, geometry=translator(case))
        return sql, None, None
    except adql.ADQLError as exc:
        return exc.message, type(exc).__name__, (exc.line, exc.column)


@pytest.fixture(scope="module", autouse=True)
def _rewrite_golden(update_golden: bool) -> Iterator[None]:
    yield
    if not update_golden:
        return
    for path, results in _results.items():
        cases = golden.load(path)
        path.write_text(golden.dump([results.get(c.name, c) for c in cases]), encoding="utf-8")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_golden_case(case: golden.Case, update_golden: bool) -> None:
    output, error, position = run_case(case)
    if update_golden:
        _results.setdefault(case.path, {})[case.name] = golden.updated(
            case, output, error, position
        )
        return
    if case.error is None:
        assert error is None, f"unexpected {error} at {position}: {output}"
        assert output == case.expected
    else:
        assert (error, position, output) == (case.error, case.position, case.expected)


WITH_COLUMNS = [c for c in CASES if c.columns is not None]


@pytest.mark.parametrize("case", WITH_COLUMNS, ids=[c.id for c in WITH_COLUMNS])
def test_golden_columns(case: golden.Case) -> None:
    maxrec = int(case.meta["maxrec"]) if "maxrec" in case.meta else None
    compiled = adql.compile(case.query, CATALOG, maxrec=maxrec, geometry=translator(case))
    got = [
        golden.ColumnSpec(c.name, c.datatype, c.arraysize, c.unit, c.ucd, c.xtype)
        for c in compiled.columns
    ]
    assert got == list(case.columns or ())


def test_every_topic_has_a_file() -> None:
    topics = {p.stem for p in golden.GOLDEN_DIR.glob("*.adqlt")}
    assert {
        "select",
        "joins",
        "subqueries",
        "setops",
        "functions",
        "udf",
        "geometry",
        "errors",
        "limits",
    } <= topics
