"""Binds every name in a parsed query and checks it, producing a :class:`Resolution`.

The tree stays immutable: results live in side tables keyed by ``id(node)`` (bindings of
tables and columns, generated SQL aliases, inferred types, expanded select lists). With a
catalog, every table, column and function is checked and unknown names get "did you mean"
suggestions; without one (``schema=None``) names pass through as written and only the
checks that need no catalog (functions, arity, literal arguments) are made.
Generated aliases (``t0``, ``t1``, ``w0``) are numbered in source order so output is stable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from adql import ast
from adql.catalog import Catalog, Table
from adql.errors import ADQLSemanticError
from adql.expressions import ExpressionChecker
from adql.metadata import ExprInfo, column_info
from adql.scope import (
    CteDef,
    Merged,
    Scope,
    Side,
    Source,
    SourceColumn,
    display,
    ident_matches,
    index_columns,
    suggest,
)

if TYPE_CHECKING:
    from adql.grouping import Grouping


@dataclass(frozen=True, slots=True)
class ColumnBinding:
    qualifier: tuple[str, ...]  # SQL qualifier (unquoted parts); () means unqualified
    column: str


@dataclass(frozen=True, slots=True)
class TableBinding:
    sql_parts: tuple[str, ...]  # e.g. ("lcdb", "target") or ("w0",)
    sql_alias: str | None


@dataclass(slots=True)
class OutputItem:
    """One result column of a SELECT: an expression, an expanded ``*`` column, or a raw
    ``*`` (only without a catalog)."""

    name: str
    info: ExprInfo
    expr: ast.Expression | None = None
    column: ColumnBinding | None = None
    star: tuple[str, ...] | None = None
    explicit: bool = False


@dataclass(slots=True)
class Resolution:
    columns: dict[int, ColumnBinding] = field(default_factory=dict)
    tables: dict[int, TableBinding] = field(default_factory=dict)
    derived: dict[int, str] = field(default_factory=dict)
    ctes: dict[int, str] = field(default_factory=dict)
    infos: dict[int, ExprInfo] = field(default_factory=dict)
    outputs: dict[int, list[OutputItem]] = field(default_factory=dict)
    order: dict[int, str | int] = field(default_factory=dict)
    group_aliases: dict[int, str] = field(default_factory=dict)
    using: dict[int, tuple[str, ...]] = field(default_factory=dict)
    units: dict[int, float] = field(default_factory=dict)
    result: list[OutputItem] = field(default_factory=list)


def resolve(query: ast.Query, catalog: Catalog | None) -> Resolution:
    return Resolver(catalog).query(query)


_CONSTANTS = (ast.NumericLiteral, ast.HexLiteral, ast.StringLiteral, ast.BooleanLiteral,
              ast.NullLiteral)


def _no_constant(expr: ast.Expression, clause: str) -> None:
    """A constant sort or grouping key means nothing (and PostgreSQL reads integers there as
    select-list positions), so it is refused rather than passed on."""
    node = expr.operand if isinstance(expr, ast.UnaryOp) else expr
    if isinstance(node, _CONSTANTS):
        raise ADQLSemanticError(f"{clause} a constant is not allowed", expr.line, expr.col)


def _norm(ident: ast.Identifier) -> str:
    """The SQL name for an identifier written by the user (PostgreSQL folds to lower)."""
    return ident.name if ident.delimited else ident.name.lower()


class Resolver(ExpressionChecker):
    def __init__(self, catalog: Catalog | None) -> None:
        super().__init__(catalog is None)
        self.catalog = catalog
        self.r = Resolution()
        self.n_tables = 0
        self.n_ctes = 0
        self.groupings: dict[int, Grouping] = {}

    # ---------------------------------------------------------------------- queries

    def query(self, query: ast.Query) -> Resolution:
        ctes: dict[str, CteDef] = {}
        for cte in query.with_:
            key = cte.name.name.lower()
            if key in ctes:
                raise ADQLSemanticError(f"Duplicate common table name '{cte.name.name}'",
                                        cte.line, cte.col)
            outputs = self.select_expression(cte.query, None, dict(ctes))
            sql = _norm(cte.name) if self.schemaless else f"w{self.n_ctes}"
            self.n_ctes += 1
            self.r.ctes[id(cte)] = sql
            ctes[key] = CteDef(cte.name, sql, [SourceColumn(o.name, o.name, o.info)
                                               for o in outputs])
        self.r.result = self.select_expression(query.body, None, ctes)
        return self.r

    def select_expression(self, expr: ast.SelectExpression, parent: Scope | None,
                          ctes: dict[str, CteDef]) -> list[OutputItem]:
        outputs, scope = self.query_term(expr.body, parent, ctes)
        for item in expr.order_by:
            self.order_item(item, outputs, scope)
            grouping = self.groupings.get(id(expr.body))
            if grouping is not None and id(item) not in self.r.order:
                grouping.check(item.expr)
        return outputs

    def query_term(self, term: ast.QueryTerm, parent: Scope | None,
                   ctes: dict[str, CteDef]) -> tuple[list[OutputItem], Scope | None]:
        if isinstance(term, ast.Select):
            return self.select(term, parent, ctes)
        if isinstance(term, ast.SelectExpression):
            return self.select_expression(term, parent, ctes), None
        left, _ = self.query_term(term.left, parent, ctes)
        right, _ = self.query_term(term.right, parent, ctes)
        if not self.schemaless and len(left) != len(right):
            raise ADQLSemanticError(
                f"Both sides of {term.op.value} must have the same number of columns "
                f"({len(left)} and {len(right)})", term.line, term.col)
        for n, (a, b) in enumerate(zip(left, right, strict=False), start=1):
            kinds = {a.info.kind, b.info.kind} - {"unknown", "null"}
            if len(kinds) > 1:
                raise ADQLSemanticError(
                    f"Column {n} of {term.op.value} combines {a.info.kind} and "
                    f"{b.info.kind} values", term.line, term.col)
        return left, None

    def select(self, select: ast.Select, parent: Scope | None,
               ctes: dict[str, CteDef]) -> tuple[list[OutputItem], Scope]:
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
        self.r.outputs[id(select)] = outputs
        if not self.schemaless:
            self.check_grouping(select, outputs, scope)
        return outputs, scope

    def check_grouping(self, select: ast.Select, outputs: list[OutputItem],
                       scope: Scope) -> None:
        from adql.grouping import Grouping, contains_set_function

        items = [o.expr for o in outputs if o.expr is not None]
        if select.having is not None:
            items.append(select.having)
        if (not select.group_by and select.having is None
                and not any(contains_set_function(e) for e in items)):
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
                grouping.check_binding(out.column, select, out.name)
        for expr in items:
            grouping.check(expr)
        self.groupings[id(select)] = grouping

    def order_item(self, item: ast.OrderItem, outputs: list[OutputItem],
                   scope: Scope | None) -> None:
        expr = item.expr
        if isinstance(expr, ast.NumericLiteral) and expr.is_integer:
            position = int(expr.text)
            if not self.schemaless and not 1 <= position <= len(outputs):
                raise ADQLSemanticError(
                    f"ORDER BY position {position} is not in the select list "
                    f"(1 to {len(outputs)})", expr.line, expr.col)
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
            raise ADQLSemanticError("ORDER BY of a set operation must name an output "
                                    "column or position", expr.line, expr.col)
        self.expression(expr, scope)

    def output_alias(self, expr: ast.Expression, outputs: list[OutputItem],
                     scope: Scope | None) -> str | None:
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

    # --------------------------------------------------------------------- select list

    def select_items(self, select: ast.Select, scope: Scope) -> list[OutputItem]:
        outputs: list[OutputItem] = []
        for item in select.items:
            if isinstance(item, ast.AllColumns):
                outputs.extend(self.expand_star(item, scope))
                continue
            info = self.expression(item.expr, scope)
            if item.alias is not None:
                outputs.append(OutputItem(item.alias.name, info, item.expr, explicit=True))
            else:
                outputs.append(OutputItem(self.default_name(item.expr), info, item.expr))
        taken = {o.name.lower() for o in outputs if o.explicit}
        seen: set[str] = set()
        for out in outputs:
            if out.star is not None:
                continue
            base = out.name
            name = base
            n = 1
            while name.lower() in seen or (not out.explicit and name.lower() in taken):
                n += 1
                name = f"{base}_{n}"
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

    def expand_star(self, item: ast.AllColumns, scope: Scope) -> list[OutputItem]:
        if self.schemaless:
            parts = () if item.qualifier is None else tuple(
                _norm(p) for p in item.qualifier.parts)
            return [OutputItem("*", ExprInfo(None), star=parts)]
        side = scope.side
        if item.qualifier is None:
            out = [OutputItem(m.column.name, m.column.info,
                              column=ColumnBinding((), m.column.sql_name))
                   for m in side.merged.values()]
            for src in side.sources:
                for col in src.columns:
                    merged = side.merged.get(col.name.lower())
                    if merged is not None and id(src) in merged.covered:
                        continue
                    out.append(OutputItem(col.name, col.info,
                                          column=ColumnBinding((src.sql_alias,), col.sql_name)))
            return out
        qualifier = item.qualifier.parts
        matches = [s for s in side.sources if s.matches(qualifier)]
        if not matches:
            raise self.unknown_table(item.qualifier, [s.label for s in side.sources])
        if len(matches) > 1:
            raise ADQLSemanticError(f"Ambiguous table '{display(qualifier)}'",
                                    item.line, item.col)
        src = matches[0]
        return [OutputItem(c.name, c.info, column=ColumnBinding((src.sql_alias,), c.sql_name))
                for c in src.columns]

    # ---------------------------------------------------------------------------- FROM

    def from_item(self, item: ast.FromItem, side: Side, scope: Scope) -> None:
        if isinstance(item, ast.TableRef):
            side.sources.append(self.table_ref(item, scope))
        elif isinstance(item, ast.DerivedTable):
            outputs = self.select_expression(item.query, scope.parent, scope.ctes)
            alias = self.new_alias(item.alias)
            self.r.derived[id(item)] = alias
            side.sources.append(Source(item.alias.name, item.alias, None, None, alias,
                                       [SourceColumn(o.name, o.name, o.info) for o in outputs]))
        else:
            self.join(item, side, scope)

    def new_alias(self, alias: ast.Identifier | None) -> str:
        if self.schemaless:
            return _norm(alias) if alias is not None else ""
        name = f"t{self.n_tables}"
        self.n_tables += 1
        return name

    def table_ref(self, ref: ast.TableRef, scope: Scope) -> Source:
        parts = ref.name.parts
        if len(parts) == 1:
            cte = self.find_cte(parts[0], scope)
            if cte is not None:
                alias = self.new_alias(ref.alias)
                self.r.tables[id(ref)] = TableBinding((cte.sql_name,), alias or None)
                return Source(parts[0].name, ref.alias, None, cte.name.name, alias,
                              list(cte.columns))
        if self.catalog is None:
            alias = self.new_alias(ref.alias)
            self.r.tables[id(ref)] = TableBinding(tuple(_norm(p) for p in parts), alias or None)
            return Source(display(parts), ref.alias, None, None, alias, [])
        if len(parts) == 3:
            raise ADQLSemanticError(f"Unknown catalog '{parts[0].name}'",
                                    parts[0].line, parts[0].col)
        schema = parts[0] if len(parts) == 2 else None
        found = self.catalog.find_tables(
            parts[-1].name, parts[-1].delimited,
            schema.name if schema else None, schema.delimited if schema else False)
        if not found:
            raise self.unknown_table(ref.name, self.catalog.table_names())
        if len(found) > 1:
            raise ADQLSemanticError(
                f"Ambiguous table '{display(parts)}': qualify it with its schema "
                f"({', '.join(t.qualified_name for t in found)})", ref.line, ref.col)
        table = found[0]
        alias = self.new_alias(ref.alias)
        self.r.tables[id(ref)] = TableBinding((table.sql_schema, table.sql_name), alias)
        columns, index = self.table_columns(table)
        return Source(table.qualified_name, ref.alias, table, None, alias, columns, index)

    def table_columns(self, table: Table) -> tuple[list[SourceColumn],
                                                   dict[str, list[SourceColumn]]]:
        """A table's columns for scopes, built once per catalog (they are never mutated)."""
        assert self.catalog is not None
        cached = self.catalog.memo.get(id(table))
        if cached is None:
            columns = [SourceColumn(c.name, c.sql_name, column_info(c)) for c in table.columns]
            cached = self.catalog.memo[id(table)] = (columns, index_columns(columns))
        return cached  # type: ignore[return-value]

    def find_cte(self, ident: ast.Identifier, scope: Scope) -> CteDef | None:
        cte = scope.ctes.get(ident.name.lower())
        if cte is not None and ident_matches(ident, cte.name.name):
            return cte
        return None

    def join(self, join: ast.Join, side: Side, scope: Scope) -> None:
        left, right = Side(), Side()
        self.from_item(join.left, left, scope)
        self.from_item(join.right, right, scope)
        combined = Side(left.sources + right.sources, {**left.merged, **right.merged})
        if join.on is not None:
            self.condition(join.on, Scope(combined, scope.parent, scope.ctes))
        names: list[ast.Identifier] = list(join.using or ())
        if join.natural and not self.schemaless:
            right_names = {n.lower() for n in right.column_names()}
            seen: set[str] = set()
            for name in left.column_names():
                if name.lower() in right_names and name.lower() not in seen:
                    seen.add(name.lower())
                    names.append(ast.Identifier(name, True, join.line, join.col))
        if names and not self.schemaless:
            sql_names = []
            for ident in names:
                lcol = self.join_column(ident, left, join)
                rcol = self.join_column(ident, right, join)
                if lcol[1].sql_name != rcol[1].sql_name:
                    raise ADQLSemanticError(
                        f"Cannot join on '{ident.name}': the columns differ in the database",
                        ident.line, ident.col)
                covered = {id(s) for s in combined.sources
                           if any(ident_matches(ident, c.name) for c in s.columns)}
                combined.merged[ident.name.lower()] = Merged(lcol[1], frozenset(covered))
                sql_names.append(lcol[1].sql_name)
            self.r.using[id(join)] = tuple(sql_names)
        elif join.using is not None:
            self.r.using[id(join)] = tuple(_norm(n) for n in join.using)
        side.sources.extend(combined.sources)
        side.merged.update(combined.merged)

    def join_column(self, ident: ast.Identifier, side: Side,
                    join: ast.Join) -> tuple[Source | None, SourceColumn]:
        found = side.visible(ident)
        if len(found) != 1:
            what = "ambiguous" if found else "not found"
            raise ADQLSemanticError(
                f"Join column '{ident.name}' {what} on one side of the join",
                ident.line, ident.col)
        return found[0]

    # ------------------------------------------------------------------- column names

    def lookup(self, ident: ast.Identifier, scope: Scope) -> list[tuple[Source | None,
                                                                        SourceColumn]]:
        return scope.side.visible(ident)

    def column_ref(self, ref: ast.ColumnRef, scope: Scope) -> ExprInfo:
        parts = ref.parts
        if self.schemaless:
            self.r.columns[id(ref)] = ColumnBinding(tuple(_norm(p) for p in parts[:-1]),
                                                    _norm(parts[-1]))
            return ExprInfo(None)
        ident = parts[-1]
        current: Scope | None = scope
        if len(parts) == 1:
            while current is not None:
                found = current.side.visible(ident)
                if len(found) > 1:
                    labels = sorted({s.label if s else "USING" for s, _ in found})
                    raise ADQLSemanticError(
                        f"Ambiguous column '{ident.name}': it is in {' and '.join(labels)}",
                        ref.line, ref.col)
                if found:
                    src, col = found[0]
                    qualifier = (src.sql_alias,) if src is not None else ()
                    return self.bind(ref, ColumnBinding(qualifier, col.sql_name), col)
                current = current.parent
            raise self.unknown_column(ref, self.scope_columns(scope))
        qualifier = parts[:-1]
        while current is not None:
            sources = [s for s in current.side.sources if s.matches(qualifier)]
            if len(sources) > 1:
                raise ADQLSemanticError(f"Ambiguous table '{display(qualifier)}'",
                                        ref.line, ref.col)
            if sources:
                src = sources[0]
                cols = src.find(ident)
                if not cols:
                    raise self.unknown_column(ref, [c.name for c in src.columns])
                return self.bind(ref, ColumnBinding((src.sql_alias,), cols[0].sql_name),
                                 cols[0])
            current = current.parent
        labels: list[str] = []
        s: Scope | None = scope
        while s is not None:
            for src in s.side.sources:
                labels.append(src.alias.name if src.alias else src.label)
            s = s.parent
        raise self.unknown_table(ast.TableName(qualifier, ref.line, ref.col), labels)

    def bind(self, ref: ast.ColumnRef, binding: ColumnBinding, col: SourceColumn) -> ExprInfo:
        self.r.columns[id(ref)] = binding
        self.column_names[id(ref)] = col.name
        return col.info

    def scope_columns(self, scope: Scope) -> list[str]:
        names: list[str] = []
        s: Scope | None = scope
        while s is not None:
            names.extend(s.side.column_names())
            s = s.parent
        return names

    def unknown_column(self, ref: ast.ColumnRef, candidates: list[str]) -> ADQLSemanticError:
        name = ref.parts[-1].name
        hint = suggest(name, candidates)
        msg = f"Unknown column '{display(ref.parts)}'"
        if hint:
            msg += f"; did you mean '{hint}'?"
        return ADQLSemanticError(msg, ref.parts[-1].line, ref.parts[-1].col, suggestion=hint)

    def unknown_table(self, name: ast.TableName, candidates: list[str]) -> ADQLSemanticError:
        written = display(name.parts)
        hint = suggest(written, candidates)
        if hint is None and len(name.parts) == 1:
            hint = suggest(written, [c.rsplit(".", 1)[-1] for c in candidates])
        msg = f"Unknown table '{written}'"
        if hint:
            msg += f"; did you mean '{hint}'?"
        return ADQLSemanticError(msg, name.line, name.col, suggestion=hint)

    # ------------------------------------------------------------------- subqueries

    def subquery(self, query: ast.SelectExpression, scope: Scope) -> list[OutputItem]:
        return self.select_expression(query, scope, scope.ctes)
