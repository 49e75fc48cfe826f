"""Binds every name in a parsed query and checks it, producing a :class:`Resolution`.

The tree stays immutable: results live in side tables keyed by ``id(node)`` (bindings of
tables and columns, generated SQL aliases, inferred types, expanded select lists). With a
catalog, every table, column and function is checked and unknown names get "did you mean"
suggestions; without one (``schema=None``) names pass through as written and only the
checks that need no catalog (functions, arity, literal arguments) are made.
Generated aliases (``t0``, ``t1``, ``w0``) are numbered in source order so output is stable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from adql import ast
from adql.catalog import Catalog
from adql.complexity import MAX_COLUMNS
from adql.errors import ADQLSemanticError, ADQLTooComplex
from adql.metadata import unindexed
from adql.resolution import ColumnBinding, OutputItem, Resolution, TableBinding
from adql.resolution import norm as _norm
from adql.scope import CteDef, Scope, Side, SourceColumn, ident_matches
from adql.tables import FromResolver

__all__ = ["ColumnBinding", "OutputItem", "Resolution", "Resolver", "TableBinding", "resolve"]

if TYPE_CHECKING:
    from adql.grouping import Grouping


def resolve(query: ast.Query, catalog: Catalog | None) -> Resolution:
    return Resolver(catalog).query(query)


_CONSTANTS = (
    ast.NumericLiteral,
    ast.HexLiteral,
    ast.StringLiteral,
    ast.BooleanLiteral,
    ast.NullLiteral,
)


def _no_constant(expr: ast.Expression, clause: str) -> None:
    """A constant sort or grouping key means nothing (and PostgreSQL reads integers there as
    select-list positions), so it is refused rather than passed on."""
    node = expr.operand if isinstance(expr, ast.UnaryOp) else expr
    if isinstance(node, _CONSTANTS):
        raise ADQLSemanticError(f"{clause} a constant is not allowed", expr.line, expr.col)


def _check_width(columns: int, extra: list[ast.Expression], clause: str) -> None:
    """PostgreSQL counts GROUP BY and ORDER BY expressions in its target list too (as
    hidden columns, unless it finds them in the select list: counted here regardless)."""
    if columns + len(extra) > MAX_COLUMNS:
        where = extra[max(0, MAX_COLUMNS - columns)]
        raise ADQLTooComplex(
            f"Too many columns: the select list and the {clause} expressions have more than "
            f"{MAX_COLUMNS} (PostgreSQL's limit counts them together)",
            where.line,
            where.col,
        )


class Resolver(FromResolver):
    def __init__(self, catalog: Catalog | None) -> None:
        super().__init__(catalog is None)
        self.catalog = catalog
        self.r = Resolution()
        self.n_tables = 0
        self.n_ctes = 0
        self.groupings: dict[int, Grouping] = {}

    def query(self, query: ast.Query) -> Resolution:
        ctes: dict[str, CteDef] = {}
        for cte in query.with_:
            key = cte.name.name.lower()
            if key in ctes:
                raise ADQLSemanticError(
                    f"Duplicate common table name '{cte.name.name}'", cte.line, cte.col
                )
            outputs = self.select_expression(cte.query, None, dict(ctes))
            sql = _norm(cte.name) if self.schemaless else f"w{self.n_ctes}"
            self.n_ctes += 1
            self.r.ctes[id(cte)] = sql
            ctes[key] = CteDef(
                cte.name, sql, [SourceColumn(o.name, o.name, unindexed(o.info)) for o in outputs]
            )
        self.r.result = self.select_expression(query.body, None, ctes)
        return self.r

    def select_expression(
        self, expr: ast.SelectExpression, parent: Scope | None, ctes: dict[str, CteDef]
    ) -> list[OutputItem]:
        outputs, scope = self.query_term(expr.body, parent, ctes)
        for item in expr.order_by:
            self.order_item(item, outputs, scope)
        body = expr.body
        if isinstance(body, ast.Select):
            grouped = [e for e in body.group_by if id(e) not in self.r.group_aliases]
            sorted_ = [o.expr for o in expr.order_by if id(o) not in self.r.order]
            _check_width(len(outputs) + len(grouped), sorted_, "ORDER BY")
        sorted_by = tuple(o.expr for o in expr.order_by if id(o) not in self.r.order)
        if (
            isinstance(body, ast.Select)
            and scope is not None
            and id(body) not in self.groupings
            and not self.schemaless
        ):
            # a set function in ORDER BY alone makes the query an aggregate one
            self.check_grouping(body, outputs, scope, sorted_by)
        for item in expr.order_by:
            if id(item) in self.r.order or self.schemaless:
                continue
            grouping = self.groupings.get(id(expr.body))
            if grouping is not None:
                grouping.check(item.expr)
            if isinstance(body, ast.Select) and body.quantifier is ast.SetQuantifier.DISTINCT:
                self.check_distinct_order(item, outputs)
        return outputs

    def check_distinct_order(self, item: ast.OrderItem, outputs: list[OutputItem]) -> None:
        """SQL: with DISTINCT, rows can only be sorted by what they contain."""
        from adql.grouping import Grouping

        selected = Grouping(self.r.columns, set())
        for out in outputs:
            if out.expr is not None:
                selected.add(out.expr)
            elif out.column is not None:
                selected.add_binding(out.column)
        expr = item.expr
        binding = self.r.columns.get(id(expr)) if isinstance(expr, ast.ColumnRef) else None
        if selected.shape(expr) not in selected.shapes and binding not in selected.bindings:
            raise ADQLSemanticError(
                "With SELECT DISTINCT, ORDER BY must use selected columns", expr.line, expr.col
            )

    def query_term(
        self, term: ast.QueryTerm, parent: Scope | None, ctes: dict[str, CteDef]
    ) -> tuple[list[OutputItem], Scope | None]:
        if isinstance(term, ast.Select):
            return self.select(term, parent, ctes)
        if isinstance(term, ast.SelectExpression):
            return self.select_expression(term, parent, ctes), None
        left, _ = self.query_term(term.left, parent, ctes)
        right, _ = self.query_term(term.right, parent, ctes)
        if not self.schemaless and len(left) != len(right):
            raise ADQLSemanticError(
                f"Both sides of {term.op.value} must have the same number of columns "
                f"({len(left)} and {len(right)})",
                term.line,
                term.col,
            )
        for n, (a, b) in enumerate(zip(left, right, strict=False), start=1):
            kinds = {a.info.kind, b.info.kind} - {"unknown", "null"}
            if len(kinds) > 1:
                raise ADQLSemanticError(
                    f"Column {n} of {term.op.value} combines {a.info.kind} and "
                    f"{b.info.kind} values",
                    term.line,
                    term.col,
                )
        return left, None

    def select(
        self, select: ast.Select, parent: Scope | None, ctes: dict[str, CteDef]
    ) -> tuple[list[OutputItem], Scope]:
        side = Side()
        scope = Scope(side, parent, ctes)
        for item in select.from_:
            self.from_item(item, side, scope)
        if select.where is not None:
            self.condition(select.where, scope)
        scope.aggregates_allowed = True
        outputs = self.select_items(select, scope)
        for expr in select.group_by:
            alias = self.output_alias(expr, outputs, scope)
            if alias is not None:
                self.r.group_aliases[id(expr)] = alias
            else:
                _no_constant(expr, "GROUP BY")
                scope.aggregates_allowed = False
                self.expression(expr, scope)
                scope.aggregates_allowed = True
        if select.having is not None:
            self.condition(select.having, scope)
        grouped = [e for e in select.group_by if id(e) not in self.r.group_aliases]
        _check_width(len(outputs), grouped, "GROUP BY")
        self.r.outputs[id(select)] = outputs
        if not self.schemaless:
            self.check_grouping(select, outputs, scope)
        return outputs, scope

    def check_grouping(
        self,
        select: ast.Select,
        outputs: list[OutputItem],
        scope: Scope,
        order_by: tuple[ast.Expression, ...] = (),
    ) -> None:
        from adql.grouping import Grouping

        items = [o.expr for o in outputs if o.expr is not None]
        if select.having is not None:
            items.append(select.having)
        items.extend(order_by)
        if not select.group_by and select.having is None and not scope.has_aggregates:
            return
        grouping = Grouping(self.r.columns, {s.sql_alias for s in scope.side.sources})
        for expr in select.group_by:
            alias = self.r.group_aliases.get(id(expr))
            if alias is None:
                grouping.add(expr)
                continue
            out = next(o for o in outputs if o.name == alias)
            if out.expr is not None:
                grouping.add(out.expr)
            elif out.column is not None:
                grouping.add_binding(out.column)
        for out in outputs:
            if out.column is not None:
                grouping.check_binding(out.column, out.node or select, out.name)
        for expr in items:
            grouping.check(expr)
        self.groupings[id(select)] = grouping

    def order_item(
        self, item: ast.OrderItem, outputs: list[OutputItem], scope: Scope | None
    ) -> None:
        expr = item.expr
        if isinstance(expr, ast.NumericLiteral) and expr.is_integer:
            position = int(expr.text)
            if not self.schemaless and not 1 <= position <= len(outputs):
                raise ADQLSemanticError(
                    f"ORDER BY position {position} is not in the select list (1 to {len(outputs)})",
                    expr.line,
                    expr.col,
                )
            self.r.order[id(item)] = position
            return
        alias = self.output_alias(expr, outputs, scope)
        if alias is not None:
            self.r.order[id(item)] = alias
            return
        _no_constant(expr, "ORDER BY")
        if scope is None:
            if isinstance(expr, ast.ColumnRef) and len(expr.parts) == 1 and self.schemaless:
                self.r.order[id(item)] = _norm(expr.parts[0])
                return
            if isinstance(expr, ast.ColumnRef) and not self.schemaless:
                raise self.unknown_column(expr, [o.name for o in outputs])
            raise ADQLSemanticError(
                "ORDER BY of a set operation must name an output column or position",
                expr.line,
                expr.col,
            )
        self.expression(expr, scope)

    def output_alias(
        self, expr: ast.Expression, outputs: list[OutputItem], scope: Scope | None
    ) -> str | None:
        """The output column a bare name refers to (explicit aliases win over columns)."""
        if not isinstance(expr, ast.ColumnRef) or len(expr.parts) != 1:
            return None
        ident = expr.parts[0]
        explicit = [o for o in outputs if o.explicit and ident_matches(ident, o.name)]
        if len(explicit) > 1:
            raise ADQLSemanticError(f"Ambiguous column '{ident.name}'", expr.line, expr.col)
        if explicit:
            return explicit[0].name
        if scope is not None and (self.schemaless or self.lookup(ident, scope)):
            return None
        named = [o for o in outputs if ident_matches(ident, o.name)]
        return named[0].name if len(named) == 1 else None

    def select_items(self, select: ast.Select, scope: Scope) -> list[OutputItem]:
        outputs: list[OutputItem] = []
        for item in select.items:
            if isinstance(item, ast.AllColumns):
                outputs.extend(self.expand_star(item, scope))
            else:
                info = self.expression(item.expr, scope)
                if item.alias is not None:
                    outputs.append(OutputItem(item.alias.name, info, item.expr, explicit=True))
                else:
                    outputs.append(OutputItem(self.default_name(item.expr), info, item.expr))
            if len(outputs) > MAX_COLUMNS:  # checked as it grows: naming below is quadratic
                raise ADQLTooComplex(
                    f"Too many columns: the select list has more than {MAX_COLUMNS} "
                    f"(PostgreSQL's limit){' with this * expanded' if outputs[-1].node else ''}",
                    item.line,
                    item.col,
                )
        taken = {o.name.lower() for o in outputs if o.explicit}
        seen: set[str] = set()
        tried: dict[str, int] = {}  # the last suffix tried per name: linear, not quadratic
        for out in outputs:
            if out.star is not None:
                continue
            base = out.name
            name = base
            n = tried.get(base.lower(), 1)
            while name.lower() in seen or (not out.explicit and name.lower() in taken):
                n += 1
                name = f"{base}_{n}"
            tried[base.lower()] = n
            seen.add(name.lower())
            out.name = name
        return outputs

    def default_name(self, expr: ast.Expression) -> str:
        if isinstance(expr, ast.ColumnRef):
            return self.column_names.get(id(expr), expr.parts[-1].name)
        if isinstance(expr, ast.FunctionCall | ast.GeometryFunction | ast.SetFunction):
            return expr.name.lower()
        if isinstance(expr, ast.Cast):
            return "cast"
        return "expr"

    def subquery(self, query: ast.SelectExpression, scope: Scope) -> list[OutputItem]:
        return self.select_expression(query, scope, scope.ctes)
