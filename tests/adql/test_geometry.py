"""The geometry seam: which calls it accepts (the declared signatures) and what a
translator is told about the arguments it renders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

import adql
from adql import ast
from adql.functions import FUNCTIONS, Feature, language_features
from adql.geometry import Render
from adql.metadata import ExprInfo
from adql.resolve import resolve
from adql.signatures import ArgKind, FunctionDef, Signature
from tests.adql.adql_testcatalog import CATALOG


class RecordingGeometry:
    """Renders every construct as ``g_<name>(...)`` and records, per construct, whether
    each argument was reported as a direct reference to an indexed column."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[bool]]] = []
        self.nested: list[list[bool]] = []

    def function(
        self, node: ast.GeometryFunction, render: Render, infos: Sequence[ExprInfo]
    ) -> str:
        self.calls.append((node.name, [i.indexed for i in infos]))
        for arg in node.args:  # what render.info says about a nested construct's arguments
            if isinstance(arg, ast.GeometryFunction):
                self.nested.append([render.info(a).indexed for a in arg.args])
        return f"g_{node.name.lower()}({', '.join(render(a) for a in node.args)})"

    def cast(self, node: ast.Cast, render: Render, info: ExprInfo) -> str:
        self.calls.append(("CAST", [info.indexed]))
        return f"g_cast({render(node.operand)})"

    def predicate(self, node: Any, op: str, other: Any, render: Any) -> str | None:
        return None  # comparisons are compared as values here

    def ordering(self, node: Any, render: Any) -> str | None:
        return None  # distances sort by their value here


def told(query: str) -> list[tuple[str, list[bool]]]:
    geometry = RecordingGeometry()
    adql.compile(query, CATALOG, geometry=geometry)
    return geometry.calls


@pytest.mark.parametrize(
    ("select", "indexed"),
    [
        ("POINT(ra, dec) FROM lcdb.target", [True, True]),
        ("POINT(t.ra, lcdb.target.dec) FROM lcdb.target AS t, lcdb.target", [True, True]),
        ("POINT('ICRS', ra, dec) FROM lcdb.target", [False, True, True]),
        ("POINT(tmag, dec) FROM lcdb.target", [False, True]),  # tmag has no index
        ("POINT(ra + 0, -dec) FROM lcdb.target", [False, False]),
        ("POINT(ABS(ra), CAST(dec AS REAL)) FROM lcdb.target", [False, False]),
        ("POINT(ra, 1) FROM lcdb.target", [True, False]),
        ("POINT(s.ra, s.dec) FROM (SELECT ra, dec FROM lcdb.target) AS s", [False, False]),
        ("POINT(c.ra, c.dec) FROM c", [False, False]),
        (
            "POINT((SELECT MAX(ra) FROM lcdb.target), (SELECT dec FROM lcdb.target WHERE id = 1)) "
            "FROM lcdb.observation",
            [False, False],
        ),
        ("POINT(id, 0) FROM lcdb.target JOIN lcdb.observation USING (id)", [True, False]),
        ("POINT(id, 0) FROM lcdb.target RIGHT JOIN lcdb.observation USING (id)", [True, False]),
        ("POINT(id, 0) FROM lcdb.target FULL JOIN lcdb.observation USING (id)", [False, False]),
        ("POINT(id, 0) FROM lcdb.target NATURAL JOIN lcdb.dataset", [True, False]),
    ],
)
def test_translator_is_told_which_arguments_are_indexed_columns(
    select: str, indexed: list[bool]
) -> None:
    query = "WITH c AS (SELECT ra, dec FROM lcdb.target) SELECT " + select
    assert told(query) == [("POINT", indexed)]


def test_nested_constructs_are_seen_through_render_info() -> None:
    geometry = RecordingGeometry()
    adql.compile(
        "SELECT id FROM lcdb.target WHERE 1 = CONTAINS(POINT(ra, dec), CIRCLE(tmag, dec, 1))",
        CATALOG,
        geometry=geometry,
    )
    # CONTAINS is called first; its arguments are constructs, never indexed themselves
    assert geometry.calls[0] == ("CONTAINS", [False, False])
    assert geometry.nested == [[True, True], [False, True, False]]
    assert sorted(geometry.calls[1:]) == [("CIRCLE", [False, True, False]), ("POINT", [True, True])]


def test_cast_is_told_whether_its_operand_is_indexed() -> None:
    assert told("SELECT CAST(ra AS POINT), CAST(tmag AS POINT) FROM lcdb.target") == [
        ("CAST", [True]),
        ("CAST", [False]),
    ]


def test_indexed_does_not_change_translation_or_metadata() -> None:
    unindexed = adql.Catalog(
        adql.Table(
            t.schema,
            t.name,
            tuple(
                adql.Column(
                    c.name,
                    c.datatype,
                    c.arraysize,
                    c.unit,
                    c.ucd,
                    c.utype,
                    c.xtype,
                    c.description,
                    c.db_name,
                )
                for c in t.columns
            ),
            t.description,
            t.db_schema,
            t.db_name,
        )
        for t in CATALOG.tables
    )
    query = "SELECT ra, dec + 1, s.id FROM lcdb.target, (SELECT id FROM lcdb.dataset) AS s"
    assert adql.compile(query, unindexed) == adql.compile(query, CATALOG)


# ----------------------------------------------------------------- declared signatures

#: An argument of each kind, and one of the wrong kind for it.
GOOD = {
    ArgKind.NUMERIC: "ra",
    ArgKind.POINT: "POINT(1, 2)",
    ArgKind.GEOMETRY: "CIRCLE(1, 2, 3)",
    ArgKind.STRING_LITERAL: "'ICRS'",
}
BAD = {
    ArgKind.NUMERIC: "label",
    ArgKind.POINT: "CIRCLE(1, 2, 3)",
    ArgKind.GEOMETRY: "ra",
    ArgKind.STRING_LITERAL: "label",
}
SIGNATURES = [
    (fdef, sig)
    for fdef in FUNCTIONS.values()
    if fdef.feature is Feature.GEOMETRY
    for sig in fdef.signatures
]


def result_of(name: str, args: list[str]) -> ExprInfo:
    query = f"SELECT {name}({', '.join(args)}) FROM lcdb.target"
    return resolve(adql.parse(query), CATALOG).result[0].info


def accepted_calls(sig: Signature) -> list[list[str]]:
    base = [GOOD[p.kind] for p in sig.params]
    if not sig.more:
        return [base]
    return [base, base + [GOOD[p.kind] for p in sig.more] * 2]


@pytest.mark.parametrize(
    ("fdef", "sig"), SIGNATURES, ids=[f"{f.name}:{len(s.params)}" for f, s in SIGNATURES]
)
def test_each_declared_signature_accepts_its_arguments_and_refuses_others(
    fdef: FunctionDef, sig: Signature
) -> None:
    for args in accepted_calls(sig):
        info = result_of(fdef.name, args)
        assert (info.datatype, info.arraysize, info.xtype) == (
            fdef.result,
            fdef.result_arraysize,
            fdef.result_xtype,
        )
        for i in range(len(args)):
            wrong = [*args[:i], BAD[sig.param(i).kind], *args[i + 1 :]]
            with pytest.raises(adql.ADQLSemanticError, match="Wrong arguments"):
                result_of(fdef.name, wrong)
    with pytest.raises(adql.ADQLSemanticError, match="Wrong arguments"):
        result_of(fdef.name, accepted_calls(sig)[0][:-1])


def test_geometry_features_describe_every_signature() -> None:
    described = {f.form: f.description for f in language_features(include_geometry=True)}
    assert described["CIRCLE"] == (
        "A circle given centre and radius. Forms: "
        "CIRCLE(center POINT, radius DOUBLE) -> CIRCLE; "
        "CIRCLE(x DOUBLE, y DOUBLE, radius DOUBLE) -> CIRCLE; "
        "CIRCLE(coordsys TEXT, center POINT, radius DOUBLE) -> CIRCLE (deprecated); "
        "CIRCLE(coordsys TEXT, x DOUBLE, y DOUBLE, radius DOUBLE) -> CIRCLE (deprecated)."
    )
    assert (
        "POLYGON(v1 POINT, v2 POINT, v3 POINT, [v POINT, ...]) -> POLYGON" in (described["POLYGON"])
    )
    for fdef, sig in SIGNATURES:
        assert sig.form(fdef.name, "").split(" -> ")[0] in described[fdef.name]


def test_geometry_results_carry_degrees() -> None:
    assert result_of("DISTANCE", ["1", "2", "3", "4"]).unit == "deg"
    assert result_of("AREA", ["CIRCLE(1, 2, 3)"]).unit == "deg**2"
    assert result_of("POINT", ["1", "2"]) == ExprInfo("double", "2", "deg", xtype="point")
    assert result_of("CONTAINS", ["POINT(1, 2)", "CIRCLE(1, 2, 3)"]) == ExprInfo("int")
