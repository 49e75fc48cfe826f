"""What each expression is: datatype, arraysize, unit, UCD, xtype.

The resolver computes an :class:`ExprInfo` for every expression bottom-up with these rules,
and ``compile()`` turns the select list's infos into VOTable FIELD descriptions. Plain
column references keep everything from the catalog; expressions keep unit and UCD only
where the quantity is unchanged (ABS, MIN, +/- of like units, ...), after DaCHS's practice
of deriving ``stat.mean;...`` style UCDs for aggregates.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from adql.catalog import Column

NUMERIC_RANK = {"unsignedByte": 0, "short": 1, "int": 2, "long": 3, "float": 4, "double": 5}
INTEGER_TYPES = frozenset(("unsignedByte", "short", "int", "long"))
STRING_TYPES = frozenset(("char", "unicodeChar"))
GEOMETRY_XTYPES = frozenset(
    (
        "point",
        "circle",
        "polygon",
        "region",
        "adql:region",
        "moc",
        "adql:point",
        "adql:circle",
        "adql:polygon",
    )
)


@dataclass(frozen=True, slots=True)
class ExprInfo:
    """Type and metadata of an expression; ``datatype`` None means unknown (no catalog).

    ``indexed`` is True only for a direct reference to a catalog column declared
    :attr:`adql.Column.indexed`: what a geometry translator needs to pick an SQL form the
    index serves, e.g. for ``POINT(ra, dec)``. It is deliberately not carried through
    anything else. Every rule below builds a new ExprInfo, so ``ra + 0``, ``CAST(ra AS
    REAL)`` or ``ABS(ra)`` are not indexed (an index on ``ra`` does not serve them); and
    where a query's output becomes a new table -- a derived table, a CTE, a scalar
    subquery, the COALESCE that a FULL JOIN ... USING column stands for -- the resolver
    clears it with :func:`unindexed`, since only the catalog's own table has the index.
    """

    datatype: str | None
    arraysize: str | None = None
    unit: str | None = None
    ucd: str | None = None
    xtype: str | None = None
    utype: str | None = None
    description: str | None = None
    is_null: bool = False
    indexed: bool = False
    #: :attr:`adql.Column.shape` of a direct reference to such a column (like ``indexed``,
    #: carried through nothing else): the database column with the value as a DALI shape.
    shape: str | None = None

    @property
    def kind(self) -> str:
        """One of numeric, string, boolean, geometry, array, null, unknown."""
        if self.is_null:
            return "null"
        dt = self.datatype
        if dt is None:
            return "unknown"
        if self.xtype is not None and self.xtype.lower() in GEOMETRY_XTYPES:
            return "geometry"
        if dt in STRING_TYPES:
            return "string"
        if dt == "boolean":
            return "boolean"
        if self.arraysize is not None and self.arraysize != "1":
            return "array"
        if dt in NUMERIC_RANK:
            return "numeric"
        return "unknown"


UNKNOWN = ExprInfo(None)
NULL = ExprInfo(None, is_null=True)
DOUBLE = ExprInfo("double")
INT = ExprInfo("int")
LONG = ExprInfo("long")
BOOLEAN = ExprInfo("boolean")
STRING = ExprInfo("char", "*")


@dataclass(frozen=True, slots=True)
class OutputColumn:
    """One column of a query result, as a TAP service describes it in a VOTable FIELD."""

    name: str
    datatype: str
    arraysize: str | None = None
    unit: str | None = None
    ucd: str | None = None
    utype: str | None = None
    xtype: str | None = None
    description: str | None = None


def column_info(col: Column) -> ExprInfo:
    return ExprInfo(
        col.datatype,
        col.arraysize,
        col.unit,
        col.ucd,
        col.xtype,
        col.utype,
        col.description,
        indexed=col.indexed,
        shape=col.shape,
    )


def unindexed(info: ExprInfo) -> ExprInfo:
    """``info`` for the same values seen through a new table (derived table, CTE, scalar
    subquery, merged join column): no longer the catalog column, so no longer indexed."""
    return replace(info, indexed=False, shape=None) if info.indexed or info.shape else info


def integer_literal(value: int) -> ExprInfo:
    if -(2**31) <= value < 2**31:
        return INT
    return LONG


def wider_numeric(left: ExprInfo, right: ExprInfo) -> str | None:
    if left.datatype in NUMERIC_RANK and right.datatype in NUMERIC_RANK:
        a, b = left.datatype, right.datatype
        return a if NUMERIC_RANK[a] >= NUMERIC_RANK[b] else b
    return None


def arithmetic(op: str, left: ExprInfo, right: ExprInfo) -> ExprInfo:
    """``+ - * /`` (division is always floating point, see ``generate``)."""
    if op == "/":
        return ExprInfo("double" if left.datatype or right.datatype else None)
    datatype = wider_numeric(left, right)
    unit = ucd = None
    if op in ("+", "-") and left.unit == right.unit:
        unit = left.unit
        ucd = left.ucd if left.ucd == right.ucd else None
    elif op in ("+", "-") and right.unit is None and right.ucd is None:
        unit, ucd = left.unit, left.ucd  # e.g. mag + 0.1
    if datatype is None and (left.datatype is None or right.datatype is None):
        return ExprInfo(None, unit=unit, ucd=ucd)
    return ExprInfo(datatype or "double", unit=unit, ucd=ucd)


def negate(info: ExprInfo) -> ExprInfo:
    return ExprInfo(info.datatype, None, info.unit, info.ucd)


def concatenation() -> ExprInfo:
    return STRING


_SET_FUNCTION_UCD = {"AVG": "stat.mean", "MIN": "stat.min", "MAX": "stat.max"}


def set_function(name: str, arg: ExprInfo | None) -> ExprInfo:
    if name == "COUNT":
        return ExprInfo("long", ucd="meta.number")
    assert arg is not None
    if arg.is_null:
        arg = DOUBLE  # the generator types a bare NULL argument as DOUBLE PRECISION
    if name == "AVG":
        datatype: str | None = "double"
    elif name == "SUM" and arg.datatype in INTEGER_TYPES:
        datatype = "long"
    elif name == "SUM":
        datatype = "double" if arg.datatype else None
    else:
        datatype = arg.datatype
    prefix = _SET_FUNCTION_UCD.get(name)
    ucd = None
    if prefix:
        ucd = f"{prefix};{arg.ucd}" if arg.ucd else prefix
    arraysize = arg.arraysize if name in ("MIN", "MAX") else None
    return ExprInfo(datatype, arraysize, arg.unit, ucd, arg.xtype if arraysize else None)


_CAST_TYPES = {
    "SMALLINT": ("short", None, None),
    "INTEGER": ("int", None, None),
    "BIGINT": ("long", None, None),
    "REAL": ("float", None, None),
    "DOUBLE PRECISION": ("double", None, None),
    "TIMESTAMP": ("char", "*", "timestamp"),
    "POINT": ("double", "2", "point"),
    "CIRCLE": ("double", "3", "circle"),
    "POLYGON": ("double", "*", "polygon"),
}


def cast(type_name: str, length: int | None, operand: ExprInfo) -> ExprInfo:
    if type_name in ("CHAR", "VARCHAR"):
        size = str(length if length is not None else 1)
        return ExprInfo(
            "char", size if type_name == "CHAR" else f"{size}*" if length is not None else "*"
        )
    datatype, arraysize, xtype = _CAST_TYPES[type_name]
    keep = operand.kind == "numeric" and datatype in NUMERIC_RANK
    return ExprInfo(
        datatype, arraysize, operand.unit if keep else None, operand.ucd if keep else None, xtype
    )


def output_column(name: str, info: ExprInfo) -> OutputColumn:
    datatype = info.datatype
    if datatype is None:
        datatype = "char" if info.is_null else "double"
    arraysize = info.arraysize
    if datatype in STRING_TYPES and arraysize is None:
        arraysize = "*"
    return OutputColumn(
        name, datatype, arraysize, info.unit, info.ucd, info.utype, info.xtype, info.description
    )
