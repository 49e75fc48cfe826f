"""What queries may name: a plain description of published tables and columns.

Deliberately free of SQLAlchemy and of any database: the TAP service builds a Catalog from
its TAP_SCHEMA metadata, and tests build small ones by hand. ``db_schema``/``db_name``
decouple the ADQL-visible names from database names (e.g. ``TAP_SCHEMA`` lives in
``tap_schema``). Lookups follow ADQL identifier rules: regular identifiers match
case-insensitively, delimited identifiers exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

#: VOTable datatypes a column may declare.
DATATYPES = frozenset(
    (
        "char",
        "unicodeChar",
        "boolean",
        "unsignedByte",
        "short",
        "int",
        "long",
        "float",
        "double",
        "bit",
        "floatComplex",
        "doubleComplex",
    )
)


@dataclass(frozen=True, slots=True)
class Column:
    """A published column: its ADQL name, VOTable type and metadata, and database name.

    ``indexed`` says the database has an index that a condition on this column alone can
    use (TAP_SCHEMA ``columns.indexed``). Translation does not depend on it; it is there
    for choices a query's meaning does not depend on, e.g. a geometry translator writing
    ``CONTAINS(POINT(ra, dec), ...)`` in the form the index on ``ra``/``dec`` serves
    (see :attr:`adql.metadata.ExprInfo.indexed`).
    """

    name: str
    datatype: str
    arraysize: str | None = None
    unit: str | None = None
    ucd: str | None = None
    utype: str | None = None
    xtype: str | None = None
    description: str | None = None
    db_name: str | None = None
    indexed: bool = False
    #: For a region column published as text (STC-S, xtype ``adql:region``): the database
    #: column of the same table that holds each value as a DALI shape array, which geometry
    #: functions read instead of parsing the text (see :attr:`adql.metadata.ExprInfo.shape`).
    shape: str | None = None

    def __post_init__(self) -> None:
        if self.datatype not in DATATYPES:
            raise ValueError(f"column {self.name!r}: unknown VOTable datatype {self.datatype!r}")

    @property
    def sql_name(self) -> str:
        return self.db_name if self.db_name is not None else self.name


@dataclass(frozen=True, slots=True)
class Table:
    schema: str
    name: str
    columns: tuple[Column, ...]
    description: str | None = None
    db_schema: str | None = None
    db_name: str | None = None
    _by_lower: dict[str, tuple[Column, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        index: dict[str, list[Column]] = {}
        for col in self.columns:
            index.setdefault(col.name.lower(), []).append(col)
        self._by_lower.update({k: tuple(v) for k, v in index.items()})

    @property
    def sql_schema(self) -> str:
        return self.db_schema if self.db_schema is not None else self.schema

    @property
    def sql_name(self) -> str:
        return self.db_name if self.db_name is not None else self.name

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"

    def find_columns(self, name: str, delimited: bool) -> tuple[Column, ...]:
        """Columns named ``name`` under ADQL rules (several only if they differ by case)."""
        candidates = self._by_lower.get(name.lower(), ())
        if delimited:
            return tuple(c for c in candidates if c.name == name)
        return candidates


class Catalog:
    """An immutable set of tables, indexed for name lookup."""

    __slots__ = ("_by_name", "memo", "tables")

    def __init__(self, tables: Iterable[Table]) -> None:
        self.tables: tuple[Table, ...] = tuple(tables)
        #: Per-table data the resolver derives once and reuses for every query.
        self.memo: dict[int, object] = {}
        by_name: dict[str, list[Table]] = {}
        for table in self.tables:
            by_name.setdefault(table.name.lower(), []).append(table)
        self._by_name = {k: tuple(v) for k, v in by_name.items()}

    def find_tables(
        self,
        name: str,
        delimited: bool,
        schema: str | None = None,
        schema_delimited: bool = False,
    ) -> tuple[Table, ...]:
        """Tables matching ``[schema.]name`` under ADQL identifier rules."""
        found = self._by_name.get(name.lower(), ())
        if delimited:
            found = tuple(t for t in found if t.name == name)
        if schema is not None:
            if schema_delimited:
                found = tuple(t for t in found if t.schema == schema)
            else:
                low = schema.lower()
                found = tuple(t for t in found if t.schema.lower() == low)
        return found

    def table_names(self) -> list[str]:
        return [t.qualified_name for t in self.tables]
