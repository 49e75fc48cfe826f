"""The public API: compile() metadata and limits, errors, the tree, the catalog, the seams."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pytest

import adql
from adql import ast
from adql.functions import FUNCTIONS, Feature, language_features
from adql.geometry import Render
from adql.limits import combine
from adql.metadata import ExprInfo, OutputColumn
from tests.adql.adql_testcatalog import CATALOG


def columns(query: str) -> dict[str, OutputColumn]:
    return {c.name: c for c in adql.compile(query, CATALOG).columns}


def test_plain_columns_keep_catalog_metadata() -> None:
    cols = columns('SELECT ra, label, d."values" FROM lcdb.target, lcdb.dataset AS d')
    assert cols["ra"] == OutputColumn("ra", "double", None, "deg", "pos.eq.ra;meta.main")
    assert (cols["label"].datatype, cols["label"].arraysize) == ("char", "*")
    assert cols["label"].description == "Free-text label"
    assert (cols["values"].datatype, cols["values"].arraysize, cols["values"].unit) == (
        "double",
        "*",
        "electron/s",
    )


def test_expression_metadata_is_inferred() -> None:
    cols = columns(
        "SELECT COUNT(*), AVG(ra), MAX(tmag), SUM(catalog_id), ra + 1 AS shifted, "
        "ROUND(ra, 1) AS r, ra * dec AS product, IN_UNIT(ra, 'arcmin') AS am, "
        "LOWER(label) AS low, 1 / 2 AS half, DEGREES(1) AS deg "
        "FROM lcdb.target GROUP BY ra, dec, label"
    )
    assert (cols["count"].datatype, cols["count"].ucd) == ("long", "meta.number")
    assert (cols["avg"].datatype, cols["avg"].unit, cols["avg"].ucd) == (
        "double",
        "deg",
        "stat.mean;pos.eq.ra;meta.main",
    )
    assert (cols["max"].datatype, cols["max"].unit, cols["max"].ucd) == (
        "float",
        "mag",
        "stat.max;phot.mag",
    )
    assert cols["sum"].datatype == "long"
    assert (cols["shifted"].unit, cols["shifted"].ucd) == ("deg", "pos.eq.ra;meta.main")
    assert (cols["r"].datatype, cols["r"].unit, cols["r"].ucd) == ("double", "deg", None)
    assert (cols["product"].unit, cols["product"].ucd) == (None, None)
    assert cols["am"].unit == "arcmin"
    assert (cols["low"].datatype, cols["low"].arraysize) == ("char", "*")
    assert cols["half"].datatype == "double"
    assert cols["deg"].unit == "deg"


def test_metadata_flows_through_derived_tables_and_ctes() -> None:
    cols = columns(
        "WITH c AS (SELECT ra AS x FROM lcdb.target) "
        "SELECT s.x, c.x AS y FROM (SELECT x FROM c) AS s, c"
    )
    assert cols["x"].unit == cols["y"].unit == "deg"


def test_udf_and_cast_metadata() -> None:
    cols = columns(
        "SELECT ivo_healpix_center(3, 7) AS c, ivo_healpix_index(3, ra, dec) AS i, "
        "CAST(ra AS INTEGER) AS n, CAST(name AS VARCHAR(20)) AS s "
        "FROM lcdb.target"
    )
    assert (cols["c"].datatype, cols["c"].arraysize, cols["c"].xtype) == ("double", "2", "point")
    assert cols["i"].datatype == "long"
    assert (cols["n"].datatype, cols["n"].unit) == ("int", "deg")  # still degrees
    assert (cols["s"].datatype, cols["s"].arraysize) == ("char", "20*")


def test_output_names_are_unique_valid_identifiers() -> None:
    compiled = adql.compile(
        "SELECT t.id, d.id, COUNT(*) AS n FROM lcdb.target AS t "
        "JOIN lcdb.dataset AS d ON d.target_id = t.id GROUP BY t.id, d.id",
        CATALOG,
    )
    assert [c.name for c in compiled.columns] == ["id", "id_2", "n"]


@pytest.mark.parametrize(
    ("top", "maxrec", "limit", "row_limit"),
    [
        (None, None, None, None),
        (5, None, 5, None),
        (None, 10, 11, 10),
        (5, 10, 5, None),
        (10, 10, 10, None),
        (20, 10, 11, 10),
        (None, 0, 1, 0),
        (0, 10, 0, None),
    ],
)
def test_top_and_maxrec_combine(
    top: int | None, maxrec: int | None, limit: int | None, row_limit: int | None
) -> None:
    result = combine(top, maxrec)
    assert (result.limit, result.row_limit) == (limit, row_limit)
    query = f"SELECT {f'TOP {top} ' if top is not None else ''}id FROM lcdb.target"
    compiled = adql.compile(query, CATALOG, maxrec=maxrec)
    assert compiled.row_limit == row_limit
    assert compiled.sql.endswith(f" LIMIT {limit}") == (limit is not None)


def test_negative_maxrec_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="maxrec"):
        adql.compile("SELECT id FROM lcdb.target", CATALOG, maxrec=-1)


def test_error_str_shows_the_line_and_a_caret() -> None:
    with pytest.raises(adql.ADQLSemanticError) as info:
        adql.translate("SELECT id\nFROM lcdb.target\nWHERE nmae > 1", CATALOG)
    err = info.value
    assert (err.line, err.column, err.suggestion) == (3, 7, "name")
    assert str(err).splitlines()[-2:] == ["WHERE nmae > 1", "      ^"]
    assert "did you mean 'name'?" in str(err)


def test_error_classes() -> None:
    assert issubclass(adql.ADQLSyntaxError, adql.ADQLError)
    assert issubclass(adql.ADQLSemanticError, adql.ADQLError)
    with pytest.raises(adql.ADQLSyntaxError):
        adql.parse("SELECT")
    with pytest.raises(adql.ADQLSemanticError) as info:
        adql.translate("SELECT zzz FROM lcdb.target", CATALOG)
    assert info.value.suggestion is None


def test_tree_is_immutable_and_positioned() -> None:
    tree = adql.parse("SELECT a\n  FROM t")
    select = tree.body.body
    assert isinstance(select, ast.Select)
    assert (select.from_[0].line, select.from_[0].col) == (2, 8)
    with pytest.raises(dataclasses.FrozenInstanceError):
        select.top = 3  # type: ignore[misc]


def test_translation_is_deterministic() -> None:
    query = (
        "SELECT t.name, COUNT(*) FROM lcdb.target AS t JOIN lcdb.dataset AS d "
        "ON d.target_id = t.id GROUP BY t.name"
    )
    assert len({adql.translate(query, CATALOG) for _ in range(5)}) == 1


def test_catalog_lookup_follows_identifier_rules() -> None:
    assert CATALOG.find_tables("TARGET", False, "LCDB", False)
    assert not CATALOG.find_tables("TARGET", True)
    assert CATALOG.find_tables("tables", True, "TAP_SCHEMA", True)
    target = CATALOG.find_tables("target", False)[0]
    assert [c.name for c in target.find_columns("mixed", False)] == ["Mixed"]
    assert target.find_columns("mixed", True) == ()
    with pytest.raises(ValueError, match="datatype"):
        adql.Column("x", "text")


def test_nothing_outside_the_catalog_can_be_named() -> None:
    for query in (
        "SELECT relname FROM pg_catalog.pg_class",
        "SELECT usename FROM pg_user",
        "SELECT * FROM information_schema.tables",
        "SELECT current_setting('x') FROM lcdb.target",
        'SELECT "t0"."id" FROM lcdb.target',
    ):
        with pytest.raises(adql.ADQLSemanticError):
            adql.translate(query, CATALOG)


def test_identifiers_and_strings_cannot_break_out_of_quotes() -> None:
    sql = adql.translate(
        "SELECT a AS \"x\"\" FROM pg_user --\" FROM t WHERE b = ''' OR 1=1 --'", None
    )
    assert sql == ('SELECT "a" AS "x"" FROM pg_user --" FROM "t" WHERE "b" = \'\'\' OR 1=1 --\'')


def test_function_table_feeds_taprexext_features() -> None:
    features = language_features()
    forms = {f.form for f in features if f.type is Feature.UDF}
    assert "ivo_hasword(haystack TEXT, needle TEXT) -> INTEGER" in forms
    assert "ivo_healpix_index(hpxorder INTEGER, ra DOUBLE, dec DOUBLE) -> BIGINT" in forms
    names = {(f.type, f.form) for f in features}
    for pair in [
        (Feature.STRING, "ILIKE"),
        (Feature.STRING, "LOWER"),
        (Feature.SETS, "UNION"),
        (Feature.COMMON_TABLE, "WITH"),
        (Feature.TYPE, "CAST"),
        (Feature.UNIT, "IN_UNIT"),
        (Feature.OFFSET, "OFFSET"),
        (Feature.CONDITIONAL, "COALESCE"),
    ]:
        assert pair in names
    assert all(f.type == f.type.lower() for f in features)
    assert not any(f.type is Feature.GEOMETRY for f in features)
    assert any(f.type is Feature.GEOMETRY for f in language_features(include_geometry=True))
    assert all(fdef.doc for fdef in FUNCTIONS.values())


class FakeGeometry:
    """A stand-in geometry implementation: proves the seam receives every construct."""

    def function(
        self, node: ast.GeometryFunction, render: Render, infos: Sequence[ExprInfo]
    ) -> str:
        return f"g_{node.name.lower()}({', '.join(render(a) for a in node.args)})"

    def cast(self, node: ast.Cast, render: Render, info: ExprInfo) -> str:
        return f"g_cast({render(node.operand)})"

    def predicate(self, node: Any, op: str, other: Any, render: Any) -> str | None:
        return None  # comparisons are compared as values here

    def ordering(self, node: Any, render: Any) -> str | None:
        return None  # distances sort by their value here


def test_geometry_plugs_in_through_one_seam() -> None:
    sql = adql.translate(
        "SELECT DISTANCE(POINT(ra, dec), POINT(1, 2)), CAST(ra AS POINT) "
        "FROM lcdb.target WHERE 1 = CONTAINS(POINT('', ra, dec), "
        "CIRCLE(1, 2, 3))",
        CATALOG,
        geometry=FakeGeometry(),
    )
    assert sql == (
        'SELECT g_distance(g_point("t0"."ra", "t0"."dec"), g_point(1, 2)) AS '
        '"distance", g_cast("t0"."ra") AS "cast" FROM "lcdb"."target" AS "t0" '
        'WHERE 1 = g_contains(g_point(\'\', "t0"."ra", "t0"."dec"), '
        "g_circle(1, 2, 3))"
    )


def test_default_geometry_refuses_at_the_construct() -> None:
    with pytest.raises(adql.ADQLSemanticError, match="not supported by this service yet") as e:
        adql.compile(
            "SELECT name FROM lcdb.target\nWHERE 1 = INTERSECTS(BOX(1, 2, 3, 4), CIRCLE(1, 2, 3))",
            CATALOG,
        )
    assert (e.value.line, e.value.column) == (2, 11)
