"""The SQL rule for grouped queries: every output is grouped or aggregated.

When a SELECT has GROUP BY or uses a set function, each column of its own FROM clause that
appears in the select list, HAVING or ORDER BY must either be one of the grouping
expressions or sit inside a set function. PostgreSQL would reject such a query at
execution; checking here gives the user a positioned message instead and keeps the
translator from emitting SQL for an invalid query.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Iterable, Iterator

from adql import ast
from adql.errors import ADQLSemanticError
from adql.resolution import ColumnBinding

_SUBQUERIES = (ast.ScalarSubquery, ast.Exists, ast.InSubquery)


class Grouping:
    def __init__(self, columns: dict[int, ColumnBinding], local_aliases: set[str]) -> None:
        self.columns = columns
        self.local = local_aliases
        self.shapes: set[Hashable] = set()
        self.bindings: set[ColumnBinding] = set()

    def add(self, expr: ast.Expression) -> None:
        if isinstance(expr, ast.ColumnRef):
            self.bindings.add(self.columns[id(expr)])
        self.shapes.add(self.shape(expr))

    def add_binding(self, binding: ColumnBinding) -> None:
        self.bindings.add(binding)

    def check_binding(self, binding: ColumnBinding, node: ast.Node, name: str) -> None:
        if self.is_local(binding) and binding not in self.bindings:
            raise ADQLSemanticError(
                f"Column '{name}' must appear in GROUP BY or be used in a set function",
                node.line,
                node.col,
            )

    def check(self, expr: ast.Expression) -> None:
        if isinstance(expr, ast.SetFunction):
            return
        if isinstance(expr, _SUBQUERIES):
            # Generated aliases are unique in the whole query, so a reference inside the
            # subquery bound to one of this query's tables is an outer (correlated) one.
            for ref in column_refs(expr):
                binding = self.columns.get(id(ref))
                if binding is not None and binding.qualifier:
                    self.check_binding(binding, ref, ".".join(p.name for p in ref.parts))
            return
        if self.shape(expr) in self.shapes:
            return
        if isinstance(expr, ast.ColumnRef):
            binding = self.columns.get(id(expr))
            if binding is not None:
                self.check_binding(binding, expr, ".".join(p.name for p in expr.parts))
            return
        for child in children(expr):
            self.check(child)

    def is_local(self, binding: ColumnBinding) -> bool:
        return not binding.qualifier or binding.qualifier[0] in self.local

    def shape(self, node: object) -> Hashable:
        if isinstance(node, ast.ColumnRef):
            return ("column", self.columns.get(id(node)))
        if isinstance(node, tuple):
            return tuple(self.shape(x) for x in node)
        if dataclasses.is_dataclass(node) and not isinstance(node, type):
            return (
                type(node).__name__,
                *(
                    self.shape(getattr(node, f.name))
                    for f in dataclasses.fields(node)
                    if f.name not in ("line", "col")
                ),
            )
        assert isinstance(node, Hashable)
        return node


def children(node: ast.Expression) -> Iterator[ast.Expression]:
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        yield from _expressions(value if isinstance(value, tuple) else (value,))


def _expressions(values: Iterable[object]) -> Iterator[ast.Expression]:
    for value in values:
        if isinstance(value, ast.EXPRESSION_TYPES):
            yield value


def column_refs(node: object) -> Iterator[ast.ColumnRef]:
    """Every column reference below ``node`` (any tree node, queries included)."""
    if isinstance(node, ast.ColumnRef):
        yield node
    elif isinstance(node, tuple):
        for item in node:
            yield from column_refs(item)
    elif dataclasses.is_dataclass(node) and not isinstance(node, type):
        for f in dataclasses.fields(node):
            yield from column_refs(getattr(node, f.name))
