"""The geometry seam: where a later geometry implementation plugs in.

Geometry constructs are parsed and type-checked like everything else (``check_call``, against
the signatures the function table declares for each), but
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
from adql.functions import FUNCTIONS
from adql.metadata import ExprInfo
from adql.signatures import ArgKind, Signature


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

    def sibling(self, expr: ast.Expression, column: str, /) -> str:
        """The SQL of database column `column` of the table the column reference `expr`
        reads: how a region column's :attr:`ExprInfo.shape` array is reached."""
        ...


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

    def predicate(
        self, node: ast.GeometryFunction, op: str, other: ast.Expression, render: Render
    ) -> str | None:
        """A comparison ``node op other`` as a condition of its own, or None.

        The generator asks for every comparison with a geometry function on one side
        (turned so that it is on the left: ``1 = CONTAINS(...)`` arrives as
        ``CONTAINS(...) = 1``, ``r > DISTANCE(...)`` as ``DISTANCE(...) < r``), so that
        the predicates can become conditions an index serves. None: the values are
        compared as written.
        """
        ...

    def ordering(self, node: ast.GeometryFunction, render: Render) -> str | None:
        """What to ORDER BY for ``DISTANCE(...)`` ascending, or None to sort by its value.

        A translator whose index can list points nearest first (a KNN scan) returns an
        expression that sorts the rows in the same order as the distance itself.
        """
        ...


#: The comparison operator meaning the same with the operands swapped (``<`` for ``>``).
SWAPPED = {"=": "=", "<>": "<>", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}


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

    def predicate(
        self, node: ast.GeometryFunction, op: str, other: ast.Expression, render: Render
    ) -> str | None:
        return None

    def ordering(self, node: ast.GeometryFunction, render: Render) -> str | None:
        return None


_KINDS_OK = {
    ArgKind.NUMERIC: frozenset(("numeric", "unknown", "null")),
    ArgKind.GEOMETRY: frozenset(("geometry", "unknown", "null")),
}


def check_call(node: ast.GeometryFunction, infos: Sequence[ExprInfo]) -> ExprInfo:
    """Check a geometry construct against the signatures :mod:`adql.functions` declares for
    it; return its result type."""
    fdef = FUNCTIONS[node.name]
    if not any(_fits(sig, node.args, infos) for sig in fdef.signatures):
        raise ADQLSemanticError(f"Wrong arguments for '{node.name}'", node.line, node.col)
    return ExprInfo(
        fdef.result, fdef.result_arraysize, fdef.units.fixed_unit, xtype=fdef.result_xtype
    )


def _fits(sig: Signature, args: Sequence[ast.Expression], infos: Sequence[ExprInfo]) -> bool:
    return sig.accepts(len(args)) and all(
        _fits_param(sig.param(i).kind, arg, info)
        for i, (arg, info) in enumerate(zip(args, infos, strict=True))
    )


def _fits_param(kind: ArgKind, arg: ast.Expression, info: ExprInfo) -> bool:
    if kind is ArgKind.POINT:
        return info.kind in ("unknown", "null") or (
            info.kind == "geometry" and (info.xtype or "").endswith("point")
        )
    if kind is ArgKind.STRING_LITERAL:
        return isinstance(arg, ast.StringLiteral)
    return info.kind in _KINDS_OK[kind]
