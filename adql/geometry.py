"""The geometry seam: where a later geometry implementation plugs in.

Geometry constructs are parsed and type-checked like everything else (``check_call``), but
the generator never writes geometry SQL itself: for every :class:`ast.GeometryFunction` and
every CAST to a geometry type it asks a :class:`GeometryTranslator`. The default one refuses,
at the construct's position, so a query using geometry fails clearly instead of producing
wrong SQL. A pgSphere/PostGIS implementation only has to implement this Protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from adql import ast
from adql.errors import ADQLSemanticError
from adql.metadata import ExprInfo

POINT = ExprInfo("double", "2", unit="deg", xtype="point")
CIRCLE = ExprInfo("double", "3", unit="deg", xtype="circle")
POLYGON = ExprInfo("double", "*", unit="deg", xtype="polygon")
REGION = ExprInfo("char", "*", xtype="adql:region")


class Render(Protocol):
    """What a translator is handed to get at a construct's sub-expressions.

    ``render(expr)`` is the SQL of any sub-expression (nested geometry comes back through
    the translator); ``render.info(expr)`` is what any sub-expression is, so a translator
    can look inside nested constructs before choosing a form: in ``CONTAINS(POINT(ra,
    dec), CIRCLE(...))``, ``render.info(point.args[0]).indexed`` tells it ``ra`` is an
    indexed column, when CONTAINS itself only sees the POINT's (never indexed) info.
    """

    def __call__(self, expr: ast.Expression, /) -> str: ...

    def info(self, expr: ast.Expression, /) -> ExprInfo: ...


class GeometryTranslator(Protocol):
    """Renders geometry constructs as PostgreSQL.

    It receives the node itself, a ``render`` callback for its arguments (so it decides how
    nested geometry is rendered, e.g. a POINT inside CONTAINS) and the arguments' types.
    ``infos[i].indexed`` says argument ``i`` is a direct reference to an indexed catalog
    column (see :attr:`adql.metadata.ExprInfo.indexed`), e.g. both arguments of
    ``POINT(ra, dec)`` when ``ra`` and ``dec`` are indexed: the cue to write the SQL form
    that index serves. The choice must never change the result, only its speed.
    """

    def function(
        self, node: ast.GeometryFunction, render: Render, infos: Sequence[ExprInfo]
    ) -> str: ...

    def cast(self, node: ast.Cast, render: Render, info: ExprInfo) -> str: ...


class UnsupportedGeometry:
    """The default: every geometry construct is reported as not supported yet."""

    def function(
        self, node: ast.GeometryFunction, render: Render, infos: Sequence[ExprInfo]
    ) -> str:
        raise ADQLSemanticError(
            f"Geometry function '{node.name}' is not supported by this service yet",
            node.line,
            node.col,
        )

    def cast(self, node: ast.Cast, render: Render, info: ExprInfo) -> str:
        raise ADQLSemanticError(
            f"CAST to '{node.target.name}' is not supported by this service yet",
            node.line,
            node.col,
        )


def _kinds_ok(infos: Sequence[ExprInfo], wanted: str) -> bool:
    return all(i.kind in (wanted, "unknown", "null") for i in infos)


def _is_point_like(info: ExprInfo) -> bool:
    return info.kind in ("unknown", "null") or (
        info.kind == "geometry" and (info.xtype or "").endswith("point")
    )


def check_call(node: ast.GeometryFunction, infos: Sequence[ExprInfo]) -> ExprInfo:
    """Check argument count and kinds of a geometry construct; return its result type."""
    name, n = node.name, len(infos)
    args = list(infos)
    if name in ("POINT", "CIRCLE", "BOX", "POLYGON") and n and _coordsys_first(node, n):
        args = args[1:]
        n -= 1
    ok = False
    result = ExprInfo("double")
    if name == "POINT":
        ok, result = n == 2 and _kinds_ok(args, "numeric"), POINT
    elif name == "CIRCLE":
        ok = (n == 2 and _is_point_like(args[0]) and _kinds_ok(args[1:], "numeric")) or (
            n == 3 and _kinds_ok(args, "numeric")
        )
        result = CIRCLE
    elif name == "BOX":
        ok = (n == 3 and _is_point_like(args[0]) and _kinds_ok(args[1:], "numeric")) or (
            n == 4 and _kinds_ok(args, "numeric")
        )
        result = POLYGON
    elif name == "POLYGON":
        ok = (n >= 3 and all(_is_point_like(a) for a in args)) or (
            n >= 6 and n % 2 == 0 and _kinds_ok(args, "numeric")
        )
        result = POLYGON
    elif name == "REGION":
        ok = n == 1 and isinstance(node.args[0], ast.StringLiteral)
        result = REGION
    elif name in ("CENTROID", "AREA", "COORDSYS"):
        ok = n == 1 and _kinds_ok(args, "geometry")
        result = {
            "CENTROID": POINT,
            "AREA": ExprInfo("double", unit="deg**2"),
            "COORDSYS": ExprInfo("char", "*"),
        }[name]
    elif name in ("COORD1", "COORD2"):
        ok = n == 1 and _is_point_like(args[0])
        result = ExprInfo("double", unit="deg")
    elif name in ("CONTAINS", "INTERSECTS"):
        ok = n == 2 and _kinds_ok(args, "geometry")
        result = ExprInfo("int")
    elif name == "DISTANCE":
        ok = (n == 2 and all(_is_point_like(a) for a in args)) or (
            n == 4 and _kinds_ok(args, "numeric")
        )
        result = ExprInfo("double", unit="deg")
    if not ok:
        raise ADQLSemanticError(f"Wrong arguments for '{name}'", node.line, node.col)
    return result


def _coordsys_first(node: ast.GeometryFunction, n: int) -> bool:
    # The deprecated coordinate-system argument is a string literal in first position.
    return isinstance(node.args[0], ast.StringLiteral) and n >= 2
