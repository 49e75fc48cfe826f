"""Name scopes for resolution: which tables and columns a name can mean at a given point.

A :class:`Scope` holds the FROM items of one SELECT (with the columns merged by USING or
NATURAL joins) and links to the enclosing query's scope, so correlated subqueries resolve
outward exactly as SQL does. Matching follows ADQL: regular identifiers case-insensitively,
delimited identifiers exactly.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

from adql import ast
from adql.catalog import Table
from adql.metadata import ExprInfo
from adql.resolution import ColumnBinding


@dataclass(slots=True)
class SourceColumn:
    name: str  # ADQL-visible name
    sql_name: str  # column name in the generated SQL
    info: ExprInfo
    binding: ColumnBinding | None = None  # how to refer to it, for USING-merged columns


@dataclass(slots=True)
class Source:
    """One table-like FROM item: a catalog table, a CTE or a derived table."""

    label: str  # how messages name it
    alias: ast.Identifier | None
    table: Table | None  # the catalog table, when it is one
    cte_name: str | None  # the CTE's ADQL name, when it is one
    sql_alias: str
    columns: list[SourceColumn]
    index: dict[str, list[SourceColumn]] = field(default_factory=dict)  # lower name -> cols

    def __post_init__(self) -> None:
        if not self.index:
            self.index = index_columns(self.columns)

    def matches(self, qualifier: tuple[ast.Identifier, ...]) -> bool:
        if self.alias is not None:
            return len(qualifier) == 1 and ident_matches(qualifier[0], self.alias.name)
        if self.table is not None:
            if len(qualifier) == 1:
                return ident_matches(qualifier[0], self.table.name)
            return (
                len(qualifier) == 2
                and ident_matches(qualifier[0], self.table.schema)
                and ident_matches(qualifier[1], self.table.name)
            )
        return (
            len(qualifier) == 1
            and self.cte_name is not None
            and ident_matches(qualifier[0], self.cte_name)
        )

    def find(self, ident: ast.Identifier) -> list[SourceColumn]:
        found = self.index.get(ident.name.lower(), [])
        if ident.delimited:
            return [c for c in found if c.name == ident.name]
        return found


@dataclass(slots=True)
class Merged:
    """A column produced by USING/NATURAL: one name standing for columns of several sources."""

    column: SourceColumn
    covered: frozenset[int]  # id() of the sources whose same-named column it replaces


@dataclass(slots=True)
class Side:
    """The sources and merged columns of a FROM item (a table or a join tree)."""

    sources: list[Source] = field(default_factory=list)
    merged: dict[str, Merged] = field(default_factory=dict)  # lower-case name -> Merged

    def visible(self, ident: ast.Identifier) -> list[tuple[Source | None, SourceColumn]]:
        merged = self.merged.get(ident.name.lower())
        found: list[tuple[Source | None, SourceColumn]] = []
        if merged is not None and ident_matches(ident, merged.column.name):
            found.append((None, merged.column))
        for src in self.sources:
            if merged is not None and id(src) in merged.covered:
                continue
            found.extend((src, c) for c in src.find(ident))
        return found

    def column_names(self) -> list[str]:
        names = [m.column.name for m in self.merged.values()]
        for src in self.sources:
            names.extend(c.name for c in src.columns)
        return names


@dataclass(slots=True)
class Scope:
    side: Side
    parent: Scope | None
    ctes: dict[str, CteDef]
    aggregates_allowed: bool = False
    has_aggregates: bool = False  # a set function of this query was seen
    exposed: set[str] = field(default_factory=set)  # names the FROM items go by, lower case


@dataclass(slots=True)
class CteDef:
    name: ast.Identifier
    sql_name: str
    columns: list[SourceColumn]


def index_columns(columns: list[SourceColumn]) -> dict[str, list[SourceColumn]]:
    index: dict[str, list[SourceColumn]] = {}
    for col in columns:
        index.setdefault(col.name.lower(), []).append(col)
    return index


def ident_matches(ident: ast.Identifier, name: str) -> bool:
    if ident.delimited:
        return ident.name == name
    return ident.name.lower() == name.lower()


def display(parts: Iterable[ast.Identifier]) -> str:
    return ".".join(p.name for p in parts)


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to ``name`` ("did you mean"), if any is close enough."""
    by_lower: dict[str, str] = {}
    for c in candidates:
        by_lower.setdefault(c.lower(), c)
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[close[0]] if close else None
