"""The ADQL syntax tree: immutable nodes named after ADQL 2.1 productions.

Nodes are frozen slotted dataclasses so passes (resolution, metadata, generation) can share
one tree without defensive copies; passes attach their results in side tables keyed by node
identity instead of mutating it. Every node records the 1-based ``line``/``col`` where it
starts so semantic errors can point at the exact spot.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SetQuantifier(StrEnum):
    ALL = "ALL"
    DISTINCT = "DISTINCT"


class JoinType(StrEnum):
    INNER = "INNER"
    LEFT = "LEFT"
    RIGHT = "RIGHT"
    FULL = "FULL"
    CROSS = "CROSS"


class SetOperator(StrEnum):
    UNION = "UNION"
    EXCEPT = "EXCEPT"
    INTERSECT = "INTERSECT"


@dataclass(frozen=True, slots=True)
class Identifier:
    """``name`` or ``"Name"``; ``delimited`` selects the exact-case matching rule."""

    name: str
    delimited: bool
    line: int
    col: int


# --------------------------------------------------------------------------- expressions


@dataclass(frozen=True, slots=True)
class NumericLiteral:
    text: str
    is_integer: bool
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class HexLiteral:
    value: int
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class StringLiteral:
    value: str
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class BooleanLiteral:
    value: bool
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class NullLiteral:
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class ColumnRef:
    """``[[[catalog.]schema.]table.]column``."""

    parts: tuple[Identifier, ...]
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class UnaryOp:
    op: str  # "-" or "+"
    operand: Expression
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class BinaryOp:
    op: str  # "+", "-", "*", "/", "||"
    left: Expression
    right: Expression
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class FunctionCall:
    """Math, string, conversion, IN_UNIT, COALESCE and user-defined functions."""

    name: str  # upper case
    args: tuple[Expression, ...]
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class GeometryFunction:
    """POINT, CIRCLE, CONTAINS, ...: translated only through ``adql.geometry``."""

    name: str  # upper case
    args: tuple[Expression, ...]
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class SetFunction:
    """AVG/COUNT/MAX/MIN/SUM; ``arg`` is None for ``COUNT(*)``."""

    name: str
    quantifier: SetQuantifier | None
    arg: Expression | None
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class TypeName:
    name: str  # SMALLINT INTEGER BIGINT REAL DOUBLE PRECISION CHAR VARCHAR TIMESTAMP POINT ...
    length: int | None
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class Cast:
    operand: Expression
    target: TypeName
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class ScalarSubquery:
    query: SelectExpression
    line: int
    col: int


# ---------------------------------------------------------------------------- conditions


@dataclass(frozen=True, slots=True)
class Comparison:
    op: str  # = <> != < > <= >=
    left: Expression
    right: Expression
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class Between:
    operand: Expression
    low: Expression
    high: Expression
    negated: bool
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class Like:
    operand: Expression
    pattern: Expression
    negated: bool
    case_insensitive: bool
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class IsNull:
    operand: Expression
    negated: bool
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class InList:
    operand: Expression
    values: tuple[Expression, ...]
    negated: bool
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class InSubquery:
    operand: Expression
    query: SelectExpression
    negated: bool
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class Exists:
    query: SelectExpression
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class And:
    left: Expression
    right: Expression
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class Or:
    left: Expression
    right: Expression
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expression
    line: int
    col: int


Expression = (
    NumericLiteral
    | HexLiteral
    | StringLiteral
    | BooleanLiteral
    | NullLiteral
    | ColumnRef
    | UnaryOp
    | BinaryOp
    | FunctionCall
    | GeometryFunction
    | SetFunction
    | Cast
    | ScalarSubquery
    | Comparison
    | Between
    | Like
    | IsNull
    | InList
    | InSubquery
    | Exists
    | And
    | Or
    | Not
)
CONDITIONS = (Comparison, Between, Like, IsNull, InList, InSubquery, Exists, And, Or, Not)
EXPRESSION_TYPES = (
    NumericLiteral,
    HexLiteral,
    StringLiteral,
    BooleanLiteral,
    NullLiteral,
    ColumnRef,
    UnaryOp,
    BinaryOp,
    FunctionCall,
    GeometryFunction,
    SetFunction,
    Cast,
    ScalarSubquery,
    *CONDITIONS,
)

# --------------------------------------------------------------------------------- FROM


@dataclass(frozen=True, slots=True)
class TableName:
    """``[[catalog.]schema.]table``."""

    parts: tuple[Identifier, ...]
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class TableRef:
    name: TableName
    alias: Identifier | None
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class DerivedTable:
    query: SelectExpression
    alias: Identifier
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class Join:
    kind: JoinType
    natural: bool
    left: FromItem
    right: FromItem
    on: Expression | None
    using: tuple[Identifier, ...] | None
    line: int
    col: int


FromItem = TableRef | DerivedTable | Join

# ------------------------------------------------------------------------------ queries


@dataclass(frozen=True, slots=True)
class SelectItem:
    expr: Expression
    alias: Identifier | None
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class AllColumns:
    """``*`` or ``qualifier.*``."""

    qualifier: TableName | None
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class OrderItem:
    """``expr`` is a NumericLiteral for ``ORDER BY 2``."""

    expr: Expression
    descending: bool
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class Select:
    quantifier: SetQuantifier | None
    top: int | None
    items: tuple[SelectItem | AllColumns, ...]
    from_: tuple[FromItem, ...]
    where: Expression | None
    group_by: tuple[Expression, ...]
    having: Expression | None
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class SetOperation:
    op: SetOperator
    all: bool
    left: QueryTerm
    right: QueryTerm
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class SelectExpression:
    """A query term with its own ORDER BY and OFFSET (``<select_expression>``)."""

    body: QueryTerm
    order_by: tuple[OrderItem, ...]
    offset: int | None
    line: int
    col: int


QueryTerm = Select | SetOperation | SelectExpression


@dataclass(frozen=True, slots=True)
class CommonTable:
    name: Identifier
    query: SelectExpression
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class Query:
    """A whole ADQL statement: ``[WITH ...] <select_expression>``."""

    with_: tuple[CommonTable, ...]
    body: SelectExpression
    line: int
    col: int


#: Anything with a source position.
Node = (
    Expression
    | FromItem
    | SelectItem
    | AllColumns
    | OrderItem
    | Select
    | SetOperation
    | SelectExpression
    | CommonTable
    | Query
    | Identifier
    | TableName
    | TypeName
)
