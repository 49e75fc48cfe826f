"""The vocabulary the function table is written in: what a function declaration says.

:mod:`adql.functions` declares every callable function with these types; the resolver
checks calls against their :class:`Signature` s, the metadata pass applies their
:class:`UnitRule`, and the TAPRegExt features are written from their forms and
:class:`Feature`. Kept apart from the table so each stays one readable job.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

FEATURE_PREFIX = "ivo://ivoa.net/std/tapregext#"


class Feature(StrEnum):
    """TAPRegExt language feature types (lower-case, as ADQL 2.1 §4.1 requires)."""

    GEOMETRY = FEATURE_PREFIX + "features-adqlgeo"
    STRING = FEATURE_PREFIX + "features-adql-string"
    SETS = FEATURE_PREFIX + "features-adql-sets"
    COMMON_TABLE = FEATURE_PREFIX + "features-adql-common-table"
    TYPE = FEATURE_PREFIX + "features-adql-type"
    UNIT = FEATURE_PREFIX + "features-adql-unit"
    OFFSET = FEATURE_PREFIX + "features-adql-offset"
    CONDITIONAL = FEATURE_PREFIX + "features-adql-conditional"
    UDF = FEATURE_PREFIX + "features-udf"


class ArgKind(StrEnum):
    NUMERIC = "numeric"
    INTEGER = "integer"  # an integer-typed value (SMALLINT, INTEGER, BIGINT)
    STRING = "string"
    ANY = "any"
    GEOMETRY = "geometry"
    POINT = "point"  # a point-valued geometry (POINT, CENTROID, a point column)
    SIGNED_INT_LITERAL = "signed integer literal"
    UNSIGNED_INT_LITERAL = "unsigned integer literal"
    STRING_LITERAL = "string literal"


class UnitRule(StrEnum):
    """How the first argument's unit/UCD carries to the result (see ``metadata``)."""

    NONE = "none"  # dimensionless or unknown: drop unit and UCD
    KEEP = "keep"  # same quantity: keep unit and UCD
    KEEP_UNIT = "keep-unit"  # same unit, different quantity: keep unit only
    TO_DEG = "deg"
    TO_RAD = "rad"
    TO_SQUARE_DEG = "deg**2"
    TARGET = "target"  # IN_UNIT: unit is the second (literal) argument

    @property
    def fixed_unit(self) -> str | None:
        """The result's unit when the rule sets one whatever the argument (TO_*)."""
        return self.value if self.name.startswith("TO_") else None


#: Renders a call from the already-rendered SQL of its arguments and their datatypes
#: (None when unknown).
Renderer = Callable[[Sequence[str], Sequence["str | None"]], str]


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    kind: ArgKind
    optional: bool = False


@dataclass(frozen=True, slots=True)
class Signature:
    """One way of calling a function: ``params`` in order (trailing ones may be optional),
    then the group ``more`` any number of times (COALESCE's values, POLYGON's vertices).
    ``deprecated`` marks a form ADQL keeps only for old queries."""

    params: tuple[Param, ...]
    more: tuple[Param, ...] = ()
    deprecated: bool = False

    def __post_init__(self) -> None:
        flags = [p.optional for p in self.params]
        if flags != sorted(flags) or (self.more and any(flags)):
            raise ValueError("optional parameters must be last, and not before a repeated group")

    @property
    def min_args(self) -> int:
        return sum(1 for p in self.params if not p.optional)

    @property
    def max_args(self) -> int | None:
        return None if self.more else len(self.params)

    def accepts(self, n: int) -> bool:
        """Whether a call with ``n`` arguments can be of this form."""
        if not self.more:
            return self.min_args <= n <= len(self.params)
        return n >= len(self.params) and (n - len(self.params)) % len(self.more) == 0

    def param(self, i: int) -> Param:
        """The parameter that argument ``i`` (0-based) of an accepted call stands for."""
        k = len(self.params)
        return self.params[i] if i < k else self.more[(i - k) % len(self.more)]

    def form(self, name: str, result: str) -> str:
        """``name(arg TYPE, ...) -> result``, as TAPRegExt writes forms."""
        args = [f"{p.name} {_FORM_TYPES[p.kind]}" for p in self.params]
        if self.more:
            group = ", ".join(f"{p.name} {_FORM_TYPES[p.kind]}" for p in self.more)
            args.append(f"[{group}, ...]")
        return f"{name}({', '.join(args)}) -> {result}"


@dataclass(frozen=True, slots=True)
class FunctionDef:
    """A function: its signatures, result (datatype, arraysize, xtype and ``units`` rule),
    PostgreSQL rendering, doc line and TAPRegExt feature. Only geometry constructs have
    several signatures (overloads, checked by ``adql.geometry.check_call``); the resolver
    checks the others argument by argument against their one :attr:`signature`."""

    name: str
    signatures: tuple[Signature, ...]
    result: str | None  # VOTable datatype; None = same as the first argument
    render: Renderer
    doc: str
    feature: Feature | None = None
    units: UnitRule = UnitRule.NONE
    result_arraysize: str | None = None
    result_xtype: str | None = None

    @property
    def signature(self) -> Signature:
        """The signature of a function that has only one."""
        if len(self.signatures) != 1:
            raise ValueError(f"{self.name} has {len(self.signatures)} signatures")
        return self.signatures[0]

    @property
    def min_args(self) -> int:
        return min(s.min_args for s in self.signatures)

    @property
    def max_args(self) -> int | None:
        highest = [s.max_args for s in self.signatures]
        return None if None in highest else max(n for n in highest if n is not None)

    def form(self) -> str:
        """The TAPRegExt ``<form>`` of a UDF: ``name(arg TYPE, ...) -> TYPE``."""
        return self.signature.form(
            self.name.lower(), _RESULT_FORMS.get(self.result or "", "DOUBLE")
        )

    def description(self) -> str:
        """The doc line followed by every signature (how TAPRegExt describes geometry,
        whose ``<form>`` is the bare name)."""
        result = (self.result_xtype or "").split(":")[-1].upper()
        result = result or _RESULT_FORMS.get(self.result or "", "DOUBLE")
        forms = [
            s.form(self.name, result) + (" (deprecated)" if s.deprecated else "")
            for s in self.signatures
        ]
        return f"{self.doc} Forms: {'; '.join(forms)}."


_FORM_TYPES = {
    ArgKind.NUMERIC: "DOUBLE",
    ArgKind.INTEGER: "INTEGER",
    ArgKind.STRING: "TEXT",
    ArgKind.ANY: "ANY",
    ArgKind.GEOMETRY: "GEOMETRY",
    ArgKind.POINT: "POINT",
    ArgKind.SIGNED_INT_LITERAL: "INTEGER",
    ArgKind.UNSIGNED_INT_LITERAL: "INTEGER",
    ArgKind.STRING_LITERAL: "TEXT",
}
_RESULT_FORMS = {"int": "INTEGER", "long": "BIGINT", "double": "DOUBLE", "char": "TEXT"}
