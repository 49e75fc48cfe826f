"""What resolution produces: bindings and types in side tables keyed by node identity.

The tree is immutable, so the resolver records its findings here (``id(node)`` keys are
stable while the tree is alive) and the generator reads them; nothing is written back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from adql import ast
from adql.metadata import ExprInfo


@dataclass(frozen=True, slots=True)
class ColumnBinding:
    """A column in SQL: ``qualifier.column``, or, for the column a FULL JOIN ... USING
    merges, the COALESCE of the joined columns (``coalesce`` non-empty)."""

    qualifier: tuple[str, ...]  # SQL qualifier (unquoted parts); () means unqualified
    column: str
    coalesce: tuple[ColumnBinding, ...] = ()


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
    node: ast.AllColumns | None = None  # the ``*`` it was expanded from


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


def norm(ident: ast.Identifier) -> str:
    """The SQL name for an identifier written by the user (PostgreSQL folds to lower)."""
    return ident.name if ident.delimited else ident.name.lower()
