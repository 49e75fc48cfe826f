"""FROM clauses and column names: tables, CTEs, derived tables, joins, lookups.

The half of resolution that knows about scopes (``adql.scope``): it binds each table
reference to a catalog table, a CTE or a derived table under a generated alias, merges
USING/NATURAL join columns, and binds column references -- inner scope first, then the
enclosing queries (correlation) -- with "did you mean" suggestions for unknown names.
"""

from __future__ import annotations

from dataclasses import replace

from adql import ast
from adql.catalog import Catalog, Table
from adql.errors import ADQLSemanticError
from adql.expressions import ExpressionChecker
from adql.metadata import ExprInfo, column_info, unindexed
from adql.resolution import ColumnBinding, OutputItem, TableBinding
from adql.resolution import norm as _norm
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


class FromResolver(ExpressionChecker):
    catalog: Catalog | None
    n_tables: int

    def select_expression(
        self, expr: ast.SelectExpression, parent: Scope | None, ctes: dict[str, CteDef]
    ) -> list[OutputItem]:
        raise NotImplementedError

    def expand_star(self, item: ast.AllColumns, scope: Scope) -> list[OutputItem]:
        if self.schemaless:
            parts = () if item.qualifier is None else tuple(_norm(p) for p in item.qualifier.parts)
            return [OutputItem("*", ExprInfo(None), star=parts, node=item)]
        side = scope.side
        if item.qualifier is None:
            out = [
                OutputItem(
                    m.column.name, m.column.info, column=_binding_of(None, m.column), node=item
                )
                for m in side.merged.values()
            ]
            for src in side.sources:
                for col in src.columns:
                    merged = side.merged.get(col.name.lower())
                    if merged is not None and id(src) in merged.covered:
                        continue
                    out.append(
                        OutputItem(
                            col.name,
                            col.info,
                            column=ColumnBinding((src.sql_alias,), col.sql_name),
                            node=item,
                        )
                    )
            return out
        qualifier = item.qualifier.parts
        matches = [s for s in side.sources if s.matches(qualifier)]
        if not matches:
            raise self.unknown_table(item.qualifier, [s.label for s in side.sources])
        if len(matches) > 1:
            raise ADQLSemanticError(f"Ambiguous table '{display(qualifier)}'", item.line, item.col)
        src = matches[0]
        return [
            OutputItem(
                c.name, c.info, column=ColumnBinding((src.sql_alias,), c.sql_name), node=item
            )
            for c in src.columns
        ]

    def from_item(self, item: ast.FromItem, side: Side, scope: Scope) -> None:
        if isinstance(item, ast.TableRef):
            source = self.table_ref(item, scope)
            if item.alias is not None:
                self.expose(_norm(item.alias), item, scope)
            elif source.table is not None:
                self.expose(source.table.qualified_name.lower(), item, scope)
            else:
                self.expose(".".join(_norm(p) for p in item.name.parts), item, scope)
            side.sources.append(source)
        elif isinstance(item, ast.DerivedTable):
            self.expose(_norm(item.alias), item, scope)
            outputs = self.select_expression(item.query, scope.parent, scope.ctes)
            alias = self.new_alias(item.alias)
            self.r.derived[id(item)] = alias
            side.sources.append(
                Source(
                    item.alias.name,
                    item.alias,
                    None,
                    None,
                    alias,
                    [SourceColumn(o.name, o.name, unindexed(o.info)) for o in outputs],
                )
            )
        else:
            self.join(item, side, scope)

    def expose(self, name: str, item: ast.TableRef | ast.DerivedTable, scope: Scope) -> None:
        """SQL: the tables of one FROM clause must go by distinct names."""
        if name in scope.exposed:
            raise ADQLSemanticError(
                f"Table name '{name}' is used twice in FROM; give one of them an alias",
                item.line,
                item.col,
            )
        scope.exposed.add(name)

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
                return Source(
                    parts[0].name, ref.alias, None, cte.name.name, alias, list(cte.columns)
                )
        if self.catalog is None:
            alias = self.new_alias(ref.alias)
            self.r.tables[id(ref)] = TableBinding(tuple(_norm(p) for p in parts), alias or None)
            return Source(display(parts), ref.alias, None, None, alias, [])
        if len(parts) == 3:
            raise ADQLSemanticError(
                f"Unknown catalog '{parts[0].name}'", parts[0].line, parts[0].col
            )
        schema = parts[0] if len(parts) == 2 else None
        found = self.catalog.find_tables(
            parts[-1].name,
            parts[-1].delimited,
            schema.name if schema else None,
            schema.delimited if schema else False,
        )
        if not found:
            raise self.unknown_table(ref.name, self.catalog.table_names())
        if len(found) > 1:
            raise ADQLSemanticError(
                f"Ambiguous table '{display(parts)}': qualify it with its schema "
                f"({', '.join(t.qualified_name for t in found)})",
                ref.line,
                ref.col,
            )
        table = found[0]
        alias = self.new_alias(ref.alias)
        self.r.tables[id(ref)] = TableBinding((table.sql_schema, table.sql_name), alias)
        columns, index = self.table_columns(table)
        return Source(table.qualified_name, ref.alias, table, None, alias, columns, index)

    def table_columns(
        self, table: Table
    ) -> tuple[list[SourceColumn], dict[str, list[SourceColumn]]]:
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
                        ident.line,
                        ident.col,
                    )
                covered = {
                    id(s)
                    for s in combined.sources
                    if any(ident_matches(ident, c.name) for c in s.columns)
                }
                merged = self.merged_column(join, lcol, rcol)
                combined.merged[ident.name.lower()] = Merged(merged, frozenset(covered))
                sql_names.append(lcol[1].sql_name)
            self.r.using[id(join)] = tuple(sql_names)
        elif join.using is not None:
            self.r.using[id(join)] = tuple(_norm(n) for n in join.using)
        side.sources.extend(combined.sources)
        side.merged.update(combined.merged)

    def merged_column(
        self,
        join: ast.Join,
        left: tuple[Source | None, SourceColumn],
        right: tuple[Source | None, SourceColumn],
    ) -> SourceColumn:
        """What a USING column means: the left one for INNER and LEFT joins (equal, or the
        only one present), the right one for RIGHT joins, either for FULL joins. Spelling
        it out keeps SQL from depending on PostgreSQL's unqualified-name rules. Its
        metadata is the left column's; it is indexed only as the one column it stands for.
        """
        lcol, rcol = left[1], right[1]
        lb, rb = _binding_of(*left), _binding_of(*right)
        if join.kind is ast.JoinType.RIGHT:
            binding, indexed = rb, rcol.info.indexed
        elif join.kind is ast.JoinType.FULL:
            binding, indexed = ColumnBinding((), lb.column, (lb, rb)), False
        else:
            binding, indexed = lb, lcol.info.indexed
        info = replace(lcol.info, indexed=indexed)
        return SourceColumn(lcol.name, lcol.sql_name, info, binding)

    def join_column(
        self, ident: ast.Identifier, side: Side, join: ast.Join
    ) -> tuple[Source | None, SourceColumn]:
        found = side.visible(ident)
        if len(found) != 1:
            what = "ambiguous" if found else "not found"
            raise ADQLSemanticError(
                f"Join column '{ident.name}' {what} on one side of the join", ident.line, ident.col
            )
        return found[0]

    def lookup(
        self, ident: ast.Identifier, scope: Scope
    ) -> list[tuple[Source | None, SourceColumn]]:
        return scope.side.visible(ident)

    def column_ref(self, ref: ast.ColumnRef, scope: Scope) -> ExprInfo:
        parts = ref.parts
        if self.schemaless:
            self.r.columns[id(ref)] = ColumnBinding(
                tuple(_norm(p) for p in parts[:-1]), _norm(parts[-1])
            )
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
                        ref.line,
                        ref.col,
                    )
                if found:
                    src, col = found[0]
                    return self.bind(ref, _binding_of(src, col), col)
                current = current.parent
            raise self.unknown_column(ref, self.scope_columns(scope))
        qualifier = parts[:-1]
        while current is not None:
            sources = [s for s in current.side.sources if s.matches(qualifier)]
            if len(sources) > 1:
                raise ADQLSemanticError(
                    f"Ambiguous table '{display(qualifier)}'", ref.line, ref.col
                )
            if sources:
                src = sources[0]
                cols = src.find(ident)
                if not cols:
                    raise self.unknown_column(ref, [c.name for c in src.columns])
                return self.bind(ref, ColumnBinding((src.sql_alias,), cols[0].sql_name), cols[0])
            current = current.parent
        visible: list[str] = []
        outer: Scope | None = scope
        while outer is not None:
            visible.extend(src.alias.name if src.alias else src.label for src in outer.side.sources)
            outer = outer.parent
        raise self.unknown_table(ast.TableName(qualifier, ref.line, ref.col), visible)

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


def _binding_of(source: Source | None, column: SourceColumn) -> ColumnBinding:
    if column.binding is not None:
        return column.binding
    assert source is not None, "a merged column always has its binding"
    return ColumnBinding((source.sql_alias,), column.sql_name)
