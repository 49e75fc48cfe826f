"""Type checks for expressions and conditions, and the types they produce.

Split from ``resolve`` (which owns scopes and names): this half walks expressions, asks the
resolver to bind column references and subqueries, checks operand and argument kinds
against :mod:`adql.functions`, and records an :class:`ExprInfo` for every node so the
generator can pick the right PostgreSQL rendering (e.g. floating-point division).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from adql import ast, functions, geometry, metadata
from adql.errors import ADQLSemanticError
from adql.metadata import ExprInfo
from adql.signatures import ArgKind, FunctionDef, UnitRule

if TYPE_CHECKING:
    from adql.resolution import OutputItem, Resolution
    from adql.scope import Scope

_NUMERIC_OK = frozenset(("numeric", "unknown", "null"))
_STRING_OK = frozenset(("string", "unknown", "null"))
_SCALAR_OK = frozenset(("numeric", "string", "boolean", "unknown", "null"))


class ExpressionChecker:
    r: Resolution

    def __init__(self, schemaless: bool) -> None:
        self.schemaless = schemaless
        self.column_names: dict[int, str] = {}

    # implemented by the resolver
    def column_ref(self, ref: ast.ColumnRef, scope: Scope) -> ExprInfo:
        raise NotImplementedError

    def subquery(self, query: ast.SelectExpression, scope: Scope) -> list[OutputItem]:
        raise NotImplementedError

    # ----------------------------------------------------------------------------

    def condition(self, expr: ast.Expression, scope: Scope) -> None:
        info = self.expression(expr, scope)
        if not isinstance(expr, ast.CONDITIONS) and info.kind not in ("boolean", "unknown"):
            raise ADQLSemanticError(
                "Expected a condition; compare the value, e.g. '... = 1'", expr.line, expr.col
            )

    def expression(self, expr: ast.Expression, scope: Scope) -> ExprInfo:
        info = self._expression(expr, scope)
        self.r.infos[id(expr)] = info
        return info

    def _expression(self, expr: ast.Expression, scope: Scope) -> ExprInfo:
        if isinstance(expr, ast.ColumnRef):
            return self.column_ref(expr, scope)
        if isinstance(expr, ast.NumericLiteral):
            if expr.is_integer:
                return metadata.integer_literal(int(expr.text))
            return metadata.DOUBLE
        if isinstance(expr, ast.StringLiteral):
            return metadata.STRING
        if isinstance(expr, ast.HexLiteral):
            if expr.value >= 2**63:
                raise ADQLSemanticError(
                    "Hexadecimal literal too large for BIGINT", expr.line, expr.col
                )
            return metadata.integer_literal(expr.value)
        if isinstance(expr, ast.BooleanLiteral):
            return metadata.BOOLEAN
        if isinstance(expr, ast.NullLiteral):
            return metadata.NULL
        if isinstance(expr, ast.BinaryOp):
            return self.binary(expr, scope)
        if isinstance(expr, ast.UnaryOp):
            info = self.expression(expr.operand, scope)
            self.require(info, _NUMERIC_OK, f"operand of unary '{expr.op}'", expr)
            return metadata.negate(info)
        if isinstance(expr, ast.FunctionCall):
            return self.function(expr, scope)
        if isinstance(expr, ast.GeometryFunction):
            infos = [self.expression(a, scope) for a in expr.args]
            return geometry.check_call(expr, infos)
        if isinstance(expr, ast.SetFunction):
            return self.set_function(expr, scope)
        if isinstance(expr, ast.Cast):
            info = self.expression(expr.operand, scope)
            self.check_cast(expr, info)
            return metadata.cast(expr.target.name, expr.target.length, info)
        if isinstance(expr, ast.ScalarSubquery):
            outputs = self.single_column(expr.query, scope, expr)
            return metadata.unindexed(outputs[0].info) if outputs else ExprInfo(None)
        return self.predicate(expr, scope)

    def predicate(self, expr: ast.Expression, scope: Scope) -> ExprInfo:
        if isinstance(expr, ast.And | ast.Or):
            self.condition(expr.left, scope)
            self.condition(expr.right, scope)
        elif isinstance(expr, ast.Not):
            self.condition(expr.operand, scope)
        elif isinstance(expr, ast.Comparison):
            left = self.expression(expr.left, scope)
            right = self.expression(expr.right, scope)
            if not (_bool_literal_pair(left, expr.right) or _bool_literal_pair(right, expr.left)):
                self.comparable(left, right, expr)
        elif isinstance(expr, ast.Between):
            info = self.expression(expr.operand, scope)
            self.comparable(info, self.expression(expr.low, scope), expr)
            self.comparable(info, self.expression(expr.high, scope), expr)
        elif isinstance(expr, ast.Like):
            op = "ILIKE" if expr.case_insensitive else "LIKE"
            self.require(
                self.expression(expr.operand, scope), _STRING_OK, f"left operand of {op}", expr
            )
            self.require(
                self.expression(expr.pattern, scope), _STRING_OK, f"pattern of {op}", expr.pattern
            )
        elif isinstance(expr, ast.IsNull):
            self.expression(expr.operand, scope)
        elif isinstance(expr, ast.InList):
            info = self.expression(expr.operand, scope)
            for value in expr.values:
                self.comparable(info, self.expression(value, scope), value)
        elif isinstance(expr, ast.InSubquery):
            info = self.expression(expr.operand, scope)
            outputs = self.single_column(expr.query, scope, expr)
            if outputs:
                self.comparable(info, outputs[0].info, expr)
        elif isinstance(expr, ast.Exists):
            self.subquery(expr.query, scope)
        else:  # pragma: no cover - the parser produces no other node
            raise TypeError(f"unexpected expression node {type(expr).__name__}")
        return metadata.BOOLEAN

    def check_cast(self, expr: ast.Cast, info: ExprInfo) -> None:
        """ADQL 2.1 §4.7: CAST converts between numeric types; CHAR/VARCHAR accept any
        scalar, TIMESTAMP a string."""
        target = expr.target.name
        if target in ("CHAR", "VARCHAR"):
            allowed = _SCALAR_OK
        elif target == "TIMESTAMP":
            allowed = _STRING_OK
        elif target in ("POINT", "CIRCLE", "POLYGON"):
            return
        else:
            allowed = _NUMERIC_OK
        if info.kind not in allowed:
            raise ADQLSemanticError(f"Cannot CAST {info.kind} to {target}", expr.line, expr.col)

    def single_column(
        self, query: ast.SelectExpression, scope: Scope, node: ast.Expression
    ) -> list[OutputItem]:
        saved = scope.aggregates_allowed
        outputs = self.subquery(query, scope)
        scope.aggregates_allowed = saved
        if not self.schemaless and len(outputs) != 1:
            raise ADQLSemanticError(
                f"Subquery must return exactly one column, not {len(outputs)}", node.line, node.col
            )
        return outputs

    def binary(self, expr: ast.BinaryOp, scope: Scope) -> ExprInfo:
        left = self.expression(expr.left, scope)
        right = self.expression(expr.right, scope)
        if expr.op == "||":
            ok = frozenset(("string", "numeric", "unknown", "null"))
            self.require(left, ok, "operand of '||'", expr.left)
            self.require(right, ok, "operand of '||'", expr.right)
            return metadata.concatenation()
        self.require(left, _NUMERIC_OK, f"operand of '{expr.op}'", expr.left)
        self.require(right, _NUMERIC_OK, f"operand of '{expr.op}'", expr.right)
        return metadata.arithmetic(expr.op, left, right)

    def comparable(self, left: ExprInfo, right: ExprInfo, node: ast.Expression) -> None:
        kinds = {left.kind, right.kind} - {"unknown", "null"}
        if len(kinds) <= 1:
            if kinds & {"geometry", "array"}:
                raise ADQLSemanticError(f"Cannot compare {kinds.pop()} values", node.line, node.col)
            return
        raise ADQLSemanticError(
            f"Cannot compare {left.kind} and {right.kind} values", node.line, node.col
        )

    def require(
        self, info: ExprInfo, allowed: frozenset[str], what: str, node: ast.Expression
    ) -> None:
        if info.kind not in allowed:
            wanted = "numeric" if "numeric" in allowed else "a string"
            raise ADQLSemanticError(
                f"{what[0].upper()}{what[1:]} must be {wanted}, not {info.kind}",
                node.line,
                node.col,
            )

    # --------------------------------------------------------------------- functions

    def function(self, call: ast.FunctionCall, scope: Scope) -> ExprInfo:
        fdef = functions.lookup(call.name)
        if fdef is None:
            from adql.scope import suggest

            hint = suggest(call.name, [f.lower() for f in functions.FUNCTIONS])
            msg = f"Unknown function '{call.name.lower()}'"
            if hint:
                msg += f"; did you mean '{hint}'?"
            raise ADQLSemanticError(msg, call.line, call.col, suggestion=hint)
        n = len(call.args)
        signature = fdef.signature
        if not signature.accepts(n):
            raise ADQLSemanticError(
                f"Function '{call.name}' takes {_arity(fdef)}, got {n}", call.line, call.col
            )
        infos: list[ExprInfo] = []
        for i, arg in enumerate(call.args):
            info = self.expression(arg, scope)
            self.check_argument(fdef, signature.param(i).kind, i, arg, info)
            if signature.more:
                for earlier in infos:  # COALESCE: all arguments must be of one kind
                    self.comparable(earlier, info, arg)
            infos.append(info)
        return self.function_result(fdef, call, infos)

    def check_argument(
        self, fdef: FunctionDef, kind: ArgKind, i: int, arg: ast.Expression, info: ExprInfo
    ) -> None:
        what = f"argument {i + 1} of '{fdef.name}'"
        if kind is ArgKind.NUMERIC:
            self.require(info, _NUMERIC_OK, what, arg)
        elif kind is ArgKind.INTEGER:
            self.require(info, _NUMERIC_OK, what, arg)
            if info.kind == "numeric" and info.datatype not in metadata.INTEGER_TYPES:
                raise ADQLSemanticError(
                    f"{what[0].upper()}{what[1:]} must be an integer, not {info.datatype}",
                    arg.line,
                    arg.col,
                )
        elif kind is ArgKind.STRING:
            self.require(info, _STRING_OK, what, arg)
        elif kind is ArgKind.ANY:
            self.require(info, _SCALAR_OK | {"geometry"}, what, arg)
        elif kind is ArgKind.STRING_LITERAL:
            if not isinstance(arg, ast.StringLiteral):
                raise ADQLSemanticError(
                    f"{what[0].upper()}{what[1:]} must be a string literal", arg.line, arg.col
                )
        else:
            node = arg
            if kind is ArgKind.SIGNED_INT_LITERAL and isinstance(arg, ast.UnaryOp):
                node = arg.operand
            # precisions are PostgreSQL INTEGERs, seeds BIGINTs
            limit = 2**31 if kind is ArgKind.SIGNED_INT_LITERAL else 2**63
            if not (
                isinstance(node, ast.NumericLiteral) and node.is_integer and int(node.text) < limit
            ):
                raise ADQLSemanticError(
                    f"{what[0].upper()}{what[1:]} must be an integer literal below {limit}",
                    arg.line,
                    arg.col,
                )

    def function_result(
        self, fdef: FunctionDef, call: ast.FunctionCall, infos: list[ExprInfo]
    ) -> ExprInfo:
        first = infos[0] if infos else ExprInfo(None)
        datatype = fdef.result
        if datatype is None:
            known = [i for i in infos if i.datatype is not None]
            datatype = known[0].datatype if known else None
            if fdef.name == "MOD" and any(i.datatype not in metadata.INTEGER_TYPES for i in infos):
                datatype = "double" if known else None
        rule = fdef.units
        unit = ucd = None
        if rule is UnitRule.KEEP:
            unit, ucd = first.unit, first.ucd
        elif rule is UnitRule.KEEP_UNIT:
            unit = first.unit
        elif rule.fixed_unit is not None:
            unit = rule.fixed_unit
        elif rule is UnitRule.TARGET:
            target = call.args[1]
            assert isinstance(target, ast.StringLiteral)
            self.r.units[id(call)] = self.unit_factor(first, target, call)
            unit, ucd = target.value, first.ucd
        arraysize = fdef.result_arraysize
        if fdef.name == "COALESCE" and first.arraysize is not None:
            arraysize = first.arraysize
        if fdef.name == "COALESCE" and all(i.is_null for i in infos):
            return metadata.STRING  # PostgreSQL types an all-NULL COALESCE as text
        return ExprInfo(datatype, arraysize, unit, ucd, fdef.result_xtype)

    def unit_factor(
        self, info: ExprInfo, target: ast.StringLiteral, call: ast.FunctionCall
    ) -> float:
        if self.schemaless:
            raise ADQLSemanticError(
                "IN_UNIT needs the table metadata to know the unit of its argument",
                call.line,
                call.col,
            )
        if info.unit is None:
            raise ADQLSemanticError(
                "IN_UNIT: the unit of the first argument is not known", call.line, call.col
            )
        # lazily: a slow import. astropy has no py.typed: "untyped" under a bare
        # `mypy --strict adql`, ignored by the project's [tool.mypy] override.
        from astropy import units as u  # type: ignore[import-untyped, unused-ignore]

        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                dst = u.Unit(target.value, format="vounit")
            except Exception:  # astropy raises ValueError or UnitsWarning for bad units
                raise ADQLSemanticError(
                    f"Invalid unit '{target.value}'", target.line, target.col
                ) from None
            try:
                src = u.Unit(info.unit, format="vounit")
                return float(src.to(dst))
            except Exception:
                raise ADQLSemanticError(
                    f"Cannot convert '{info.unit}' to '{target.value}'", call.line, call.col
                ) from None

    def set_function(self, call: ast.SetFunction, scope: Scope) -> ExprInfo:
        if not scope.aggregates_allowed:
            raise ADQLSemanticError(f"{call.name} is not allowed here", call.line, call.col)
        scope.has_aggregates = True
        if call.arg is None:
            return metadata.set_function("COUNT", None)
        scope.aggregates_allowed = False
        try:
            info = self.expression(call.arg, scope)
        finally:
            scope.aggregates_allowed = True
        if call.name in ("AVG", "SUM"):
            self.require(info, _NUMERIC_OK, f"argument of {call.name}", call.arg)
        elif call.name != "COUNT":
            self.require(info, _SCALAR_OK, f"argument of {call.name}", call.arg)
        return metadata.set_function(call.name, info)


def _bool_literal_pair(info: ExprInfo, other: ast.Expression) -> bool:
    """ADQL 2.1 §3.1: comparing a BOOLEAN with 1 or 0 means TRUE or FALSE."""
    return (
        info.kind == "boolean"
        and isinstance(other, ast.NumericLiteral)
        and (other.text in ("0", "1"))
    )


def _arity(fdef: FunctionDef) -> str:
    lo, hi = fdef.min_args, fdef.max_args
    if hi is None:
        return f"at least {lo} argument{'s' if lo != 1 else ''}"
    if lo == hi:
        return f"{lo} argument{'s' if lo != 1 else ''}"
    return f"{lo} to {hi} arguments"
