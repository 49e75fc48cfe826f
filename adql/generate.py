"""Resolved tree -> PostgreSQL text: the only place SQL is written.

Nothing the user typed is pasted: identifiers are emitted only after resolution and always
double-quoted (embedded quotes doubled), string literals are re-escaped by doubling quotes
(``standard_conforming_strings`` is on in every supported PostgreSQL, so backslashes are
plain characters), numbers are re-emitted from validated tokens, and functions come from
the whitelist in :mod:`adql.functions`. One method per node type, looked up in a table;
a node without a method is an internal error, never silently dropped. Output is one line
with fixed spacing so golden tests compare exactly.

PostgreSQL semantics that differ from ADQL's are fixed here: ``/`` between integers
truncates in PostgreSQL but ADQL's arithmetic is on real numbers (all its math functions
take and return doubles), so integer division is done in double precision; LIKE gets
``ESCAPE ''`` because ADQL, like SQL, has no default escape character while PostgreSQL
uses backslash; ``flag = 1`` on a BOOLEAN becomes ``flag = TRUE`` (ADQL 2.1 §3.1).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adql import ast
from adql.functions import FUNCTIONS
from adql.geometry import SWAPPED, GeometryTranslator
from adql.metadata import ExprInfo
from adql.resolution import ColumnBinding, OutputItem, Resolution, norm

_JOIN_KEYWORDS = {
    ast.JoinType.INNER: "JOIN",
    ast.JoinType.LEFT: "LEFT OUTER JOIN",
    ast.JoinType.RIGHT: "RIGHT OUTER JOIN",
    ast.JoinType.FULL: "FULL OUTER JOIN",
    ast.JoinType.CROSS: "CROSS JOIN",
}
_PG_TYPES = {
    "SMALLINT": "SMALLINT",
    "INTEGER": "INTEGER",
    "BIGINT": "BIGINT",
    "REAL": "REAL",
    "DOUBLE PRECISION": "DOUBLE PRECISION",
    "TIMESTAMP": "TIMESTAMP",
    "CHAR": "CHAR",
    "VARCHAR": "VARCHAR",
}
_OP_GROUP = {"||": 0, "+": 1, "-": 1, "*": 2, "/": 2}
_FLOATS = frozenset(("float", "double"))
#: PostgreSQL has no min/max of booleans; with FALSE < TRUE they are bool_and/bool_or.
_BOOLEAN_AGGREGATES = {"min": "bool_and", "max": "bool_or"}
_UNKNOWN = ExprInfo(None)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class _Render:
    """The :class:`adql.geometry.Render` a geometry translator is given: SQL and info of
    any sub-expression."""

    __slots__ = ("info", "render")

    def __init__(
        self, render: Callable[[ast.Expression], str], info: Callable[[ast.Expression], ExprInfo]
    ) -> None:
        self.render = render
        self.info = info

    def __call__(self, expr: ast.Expression, /) -> str:
        return self.render(expr)

    def sibling(self, expr: ast.Expression, column: str, /) -> str:
        """The SQL of database column `column` of the table that the column reference `expr`
        reads (its :attr:`ExprInfo.shape`, say)."""
        sql = self.render(expr)
        qualifier, dot, _ = sql.rpartition(".")
        if not isinstance(expr, ast.ColumnRef) or not dot:
            raise ValueError(f"{sql} is not a column of a table")
        return f"{qualifier}.{quote_ident(column)}"


class Generator:
    def __init__(self, resolution: Resolution, geometry: GeometryTranslator) -> None:
        self.r = resolution
        self.geometry = geometry
        self._render = _Render(self.expr, self.info)
        self._dispatch: dict[type, Callable[[Any], str]] = {
            ast.ColumnRef: self.column_ref,
            ast.NumericLiteral: self.numeric_literal,
            ast.HexLiteral: self.hex_literal,
            ast.StringLiteral: self.string_literal,
            ast.BooleanLiteral: self.boolean_literal,
            ast.NullLiteral: self.null_literal,
            ast.UnaryOp: self.unary_op,
            ast.BinaryOp: self.binary_op,
            ast.FunctionCall: self.function_call,
            ast.GeometryFunction: self.geometry_function,
            ast.SetFunction: self.set_function,
            ast.Cast: self.cast,
            ast.ScalarSubquery: self.scalar_subquery,
            ast.Comparison: self.comparison,
            ast.Between: self.between,
            ast.Like: self.like,
            ast.IsNull: self.is_null,
            ast.InList: self.in_list,
            ast.InSubquery: self.in_subquery,
            ast.Exists: self.exists,
            ast.And: self.and_,
            ast.Or: self.or_,
            ast.Not: self.not_,
        }

    # ------------------------------------------------------------------------ queries

    def query(self, query: ast.Query, limit: int | None) -> str:
        prefix = ""
        if query.with_:
            ctes = ", ".join(
                f"{quote_ident(self.r.ctes[id(c)])} AS ({self.select_expression(c.query)})"
                for c in query.with_
            )
            prefix = f"WITH {ctes} "
        return prefix + self.select_expression(query.body, limit, outermost=True)

    def select_expression(
        self, expr: ast.SelectExpression, limit: int | None = None, outermost: bool = False
    ) -> str:
        body = expr.body
        if isinstance(body, ast.Select):
            sql = self.select(body)
            if not outermost:
                limit = body.top
        else:
            sql = self.term(body)
        if expr.order_by:
            select = body if isinstance(body, ast.Select) else None
            sql += " ORDER BY " + ", ".join(self.order_item(o, select) for o in expr.order_by)
        if limit is not None:
            sql += f" LIMIT {limit}"
        if expr.offset is not None:
            sql += f" OFFSET {expr.offset}"
        return sql

    def term(self, term: ast.QueryTerm, parenthesize: bool = False) -> str:
        if isinstance(term, ast.Select):
            if term.top is not None:
                return f"({self.select(term)} LIMIT {term.top})"
            return self.select(term)
        if isinstance(term, ast.SelectExpression):
            return f"({self.select_expression(term)})"
        # UNION and EXCEPT associate to the left; INTERSECT binds tighter than both.
        intersect = term.op is ast.SetOperator.INTERSECT
        left = term.left
        left_parens = (
            isinstance(left, ast.SetOperation)
            and intersect
            and left.op is not ast.SetOperator.INTERSECT
        )
        sql = (
            f"{self.term(left, left_parens)} {term.op.value}{' ALL' if term.all else ''} "
            f"{self.term(term.right, True)}"
        )
        return f"({sql})" if parenthesize else sql

    def select(self, select: ast.Select) -> str:
        parts = ["SELECT"]
        if select.quantifier is ast.SetQuantifier.DISTINCT:
            parts.append("DISTINCT")
        parts.append(", ".join(self.output(o) for o in self.r.outputs[id(select)]))
        parts.append("FROM " + ", ".join(self.from_item(f) for f in select.from_))
        if select.where is not None:
            parts.append("WHERE " + self.expr(select.where))
        if select.group_by:
            outputs = self.r.outputs[id(select)]
            parts.append(
                "GROUP BY " + ", ".join(self.group_item(g, outputs) for g in select.group_by)
            )
        if select.having is not None:
            parts.append("HAVING " + self.expr(select.having))
        return " ".join(parts)

    def output(self, out: OutputItem) -> str:
        if out.star is not None:
            return "".join(quote_ident(p) + "." for p in out.star) + "*"
        return f"{self.output_value(out)} AS {quote_ident(out.name)}"

    def output_value(self, out: OutputItem) -> str:
        if out.column is not None:
            return self.binding(out.column)
        assert out.expr is not None
        return self.expr(out.expr)

    def group_item(self, expr: ast.Expression, outputs: list[OutputItem]) -> str:
        alias = self.r.group_aliases.get(id(expr))
        if alias is None:
            return self.expr(expr)
        # Group by the output's position: in PostgreSQL a bare name in GROUP BY prefers an
        # input column, which would not be what the ADQL alias means.
        return str(next(n for n, o in enumerate(outputs, start=1) if o.name == alias))

    def order_item(self, item: ast.OrderItem, select: ast.Select | None = None) -> str:
        if not item.descending and (nearest := self.nearest_first(item, select)) is not None:
            return nearest
        target = self.r.order.get(id(item))
        if isinstance(target, int):
            sql = str(target)
        elif isinstance(target, str):
            sql = quote_ident(target)
        else:
            sql = self.expr(item.expr)
        return sql + " DESC" if item.descending else sql

    def nearest_first(self, item: ast.OrderItem, select: ast.Select | None) -> str | None:
        """What the geometry translator orders by for an ascending DISTANCE (named, by
        position or by alias): a form a nearest-neighbour index scan serves, or None."""
        target = self.r.order.get(id(item))
        expr: ast.Expression | None = item.expr
        if select is not None and target is not None:
            expr = None
            for position, output in enumerate(select.items, start=1):
                if isinstance(output, ast.SelectItem) and (
                    target == position
                    or (output.alias is not None and target == norm(output.alias))
                ):
                    expr = output.expr
        if isinstance(expr, ast.GeometryFunction) and expr.name == "DISTANCE":
            return self.geometry.ordering(expr, self._render)
        return None

    # --------------------------------------------------------------------------- FROM

    def from_item(self, item: ast.FromItem) -> str:
        if isinstance(item, ast.TableRef):
            binding = self.r.tables[id(item)]
            sql = ".".join(quote_ident(p) for p in binding.sql_parts)
            if binding.sql_alias:
                sql += f" AS {quote_ident(binding.sql_alias)}"
            return sql
        if isinstance(item, ast.DerivedTable):
            alias = quote_ident(self.r.derived[id(item)])
            return f"({self.select_expression(item.query)}) AS {alias}"
        return self.join(item)

    def join(self, join: ast.Join) -> str:
        left = self.from_item(join.left)
        right = self.from_item(join.right)
        if isinstance(join.right, ast.Join):
            right = f"({right})"
        keyword = _JOIN_KEYWORDS[join.kind]
        using = self.r.using.get(id(join))
        if using is not None:
            spec = " USING (" + ", ".join(quote_ident(u) for u in using) + ")"
        elif join.on is not None:
            spec = " ON " + self.expr(join.on)
        elif join.natural:
            keyword, spec = "NATURAL " + keyword, ""
        elif join.kind is ast.JoinType.INNER:
            keyword, spec = "CROSS JOIN", ""
        elif join.kind is ast.JoinType.CROSS:
            spec = ""
        else:
            spec = " ON TRUE"
        return f"{left} {keyword} {right}{spec}"

    # -------------------------------------------------------------------- expressions

    def expr(self, node: ast.Expression) -> str:
        method = self._dispatch.get(type(node))
        if method is None:
            raise TypeError(f"no SQL generation for {type(node).__name__}")
        return method(node)

    def info(self, node: ast.Expression) -> ExprInfo:
        return self.r.infos.get(id(node), _UNKNOWN)

    def binding(self, binding: ColumnBinding) -> str:
        if binding.coalesce:
            return "COALESCE(" + ", ".join(self.binding(b) for b in binding.coalesce) + ")"
        return "".join(quote_ident(p) + "." for p in binding.qualifier) + quote_ident(
            binding.column
        )

    def column_ref(self, node: ast.ColumnRef) -> str:
        return self.binding(self.r.columns[id(node)])

    def numeric_literal(self, node: ast.NumericLiteral) -> str:
        return node.text

    def hex_literal(self, node: ast.HexLiteral) -> str:
        return str(node.value)

    def string_literal(self, node: ast.StringLiteral) -> str:
        return quote_string(node.value)

    def boolean_literal(self, node: ast.BooleanLiteral) -> str:
        return "TRUE" if node.value else "FALSE"

    def null_literal(self, node: ast.NullLiteral) -> str:
        return "NULL"

    def unary_op(self, node: ast.UnaryOp) -> str:
        operand = self.number(node.operand)
        if isinstance(node.operand, ast.BinaryOp | ast.UnaryOp):
            operand = f"({operand})"
        return node.op + operand

    def binary_op(self, node: ast.BinaryOp) -> str:
        group = _OP_GROUP[node.op]
        left = self.operand(node.left, group, True)
        right = self.operand(node.right, group, False)
        if node.op == "||":
            # ADQL concatenates strings; a number is converted rather than handed to
            # PostgreSQL, which has no || for two numbers.
            if self.info(node.left).kind == "numeric":
                left = f"CAST({left} AS VARCHAR)"
            if self.info(node.right).kind == "numeric":
                right = f"CAST({right} AS VARCHAR)"
        if node.op == "/" and not (
            self.info(node.left).datatype in _FLOATS
            or self.info(node.right).datatype in _FLOATS
            or isinstance(node.left, ast.NullLiteral)
        ):
            left = f"CAST({left} AS DOUBLE PRECISION)"
        return f"{left} {node.op} {right}"

    def number(self, node: ast.Expression) -> str:
        """A numeric operand; a bare NULL gets a type, as PostgreSQL cannot pick an
        operator for an untyped NULL (``-NULL``, ``NULL * NULL``, ``avg(NULL)``)."""
        if isinstance(node, ast.NullLiteral):
            return "CAST(NULL AS DOUBLE PRECISION)"
        return self.expr(node)

    def operand(self, node: ast.Expression, group: int, is_left: bool) -> str:
        sql = self.number(node) if group else self.expr(node)
        if isinstance(node, ast.BinaryOp) and not (is_left and _OP_GROUP[node.op] == group):
            return f"({sql})"
        return sql

    def function_call(self, node: ast.FunctionCall) -> str:
        args = [self.expr(a) for a in node.args]
        if node.name == "IN_UNIT":
            return f"({args[0]} * {self.r.units[id(node)]!r})"
        types = [self.info(a).datatype for a in node.args]
        return FUNCTIONS[node.name].render(args, types)

    def geometry_function(self, node: ast.GeometryFunction) -> str:
        return self.geometry.function(node, self._render, [self.info(a) for a in node.args])

    def set_function(self, node: ast.SetFunction) -> str:
        if node.arg is None:
            return "count(*)"
        distinct = "DISTINCT " if node.quantifier is ast.SetQuantifier.DISTINCT else ""
        name = node.name.lower()
        if self.info(node.arg).kind == "boolean" and name in _BOOLEAN_AGGREGATES:
            name = _BOOLEAN_AGGREGATES[name]  # ADQL 2.1 §3.1: TRUE > FALSE
        return f"{name}({distinct}{self.number(node.arg)})"

    def cast(self, node: ast.Cast) -> str:
        target = node.target
        pg_type = _PG_TYPES.get(target.name)
        if pg_type is None:
            return self.geometry.cast(node, self._render, self.info(node.operand))
        operand = self.expr(node.operand)
        if target.length is not None:
            pg_type += f"({target.length})"
        return f"CAST({operand} AS {pg_type})"

    def scalar_subquery(self, node: ast.ScalarSubquery) -> str:
        return f"({self.select_expression(node.query)})"

    def comparison(self, node: ast.Comparison) -> str:
        condition = self.geometry_predicate(node)
        if condition is not None:
            return condition
        op = "<>" if node.op == "!=" else node.op
        left, right = node.left, node.right
        return f"{self.boolean_aware(left, right)} {op} {self.boolean_aware(right, left)}"

    def geometry_predicate(self, node: ast.Comparison) -> str | None:
        """What the geometry translator makes of a comparison with a geometry function."""
        if isinstance(node.left, ast.GeometryFunction):
            function, op, other = node.left, node.op, node.right
        elif isinstance(node.right, ast.GeometryFunction):
            function, op, other = node.right, SWAPPED[node.op], node.left
        else:
            return None
        return self.geometry.predicate(function, op, other, self._render)

    def boolean_aware(self, node: ast.Expression, other: ast.Expression) -> str:
        if (
            isinstance(node, ast.NumericLiteral)
            and node.text in ("0", "1")
            and self.info(other).kind == "boolean"
        ):
            return "TRUE" if node.text == "1" else "FALSE"
        return self.expr(node)

    def between(self, node: ast.Between) -> str:
        neg = "NOT " if node.negated else ""
        return (
            f"{self.expr(node.operand)} {neg}BETWEEN {self.expr(node.low)} "
            f"AND {self.expr(node.high)}"
        )

    def like(self, node: ast.Like) -> str:
        neg = "NOT " if node.negated else ""
        op = "ILIKE" if node.case_insensitive else "LIKE"
        return f"{self.expr(node.operand)} {neg}{op} {self.expr(node.pattern)} ESCAPE ''"

    def is_null(self, node: ast.IsNull) -> str:
        return f"{self.expr(node.operand)} IS {'NOT ' if node.negated else ''}NULL"

    def in_list(self, node: ast.InList) -> str:
        neg = "NOT " if node.negated else ""
        values = ", ".join(self.expr(v) for v in node.values)
        return f"{self.expr(node.operand)} {neg}IN ({values})"

    def in_subquery(self, node: ast.InSubquery) -> str:
        neg = "NOT " if node.negated else ""
        return f"{self.expr(node.operand)} {neg}IN ({self.select_expression(node.query)})"

    def exists(self, node: ast.Exists) -> str:
        return f"EXISTS ({self.select_expression(node.query)})"

    def and_(self, node: ast.And) -> str:
        left, right = self.expr(node.left), self.expr(node.right)
        if isinstance(node.left, ast.Or):
            left = f"({left})"
        if isinstance(node.right, ast.Or | ast.And):
            right = f"({right})"
        return f"{left} AND {right}"

    def or_(self, node: ast.Or) -> str:
        right = self.expr(node.right)
        if isinstance(node.right, ast.Or):
            right = f"({right})"
        return f"{self.expr(node.left)} OR {right}"

    def not_(self, node: ast.Not) -> str:
        return f"NOT ({self.expr(node.operand)})"


__all__ = ["Generator", "quote_ident", "quote_string"]
