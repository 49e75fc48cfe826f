"""The single table of every function a query may call.

One declaration per function gives: what the resolver checks (arity, argument kinds),
what the metadata pass infers (result datatype, how units carry through), how the
generator renders it in PostgreSQL, the doc line, and the TAPRegExt language feature it
belongs to -- so the service's ``languageFeatures`` can be generated from here and can
never disagree with what the translator accepts. Nothing outside this table can be called.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

UDF_SCHEMA = "adql_udf"
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
    TARGET = "target"  # IN_UNIT: unit is the second (literal) argument


#: Renders a call from the already-rendered SQL of its arguments and their datatypes
#: (None when unknown).
Renderer = Callable[[Sequence[str], Sequence["str | None"]], str]

_INTEGER_TYPES = frozenset(("unsignedByte", "short", "int", "long"))


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    kind: ArgKind
    optional: bool = False


@dataclass(frozen=True, slots=True)
class FunctionDef:
    name: str
    params: tuple[Param, ...]
    result: str | None  # VOTable datatype; None = same as the first argument
    render: Renderer
    doc: str
    feature: Feature | None = None
    units: UnitRule = UnitRule.NONE
    variadic: bool = False  # the last parameter repeats (COALESCE)
    result_arraysize: str | None = None
    result_xtype: str | None = None

    @property
    def min_args(self) -> int:
        return sum(1 for p in self.params if not p.optional)

    @property
    def max_args(self) -> int | None:
        return None if self.variadic else len(self.params)

    def form(self) -> str:
        """The TAPRegExt ``<form>``: ``name(arg TYPE, ...) -> TYPE``."""
        args = ", ".join(f"{p.name} {_FORM_TYPES[p.kind]}" for p in self.params)
        return f"{self.name.lower()}({args}) -> {_RESULT_FORMS.get(self.result or '', 'DOUBLE')}"


_FORM_TYPES = {
    ArgKind.NUMERIC: "DOUBLE",
    ArgKind.INTEGER: "INTEGER",
    ArgKind.STRING: "TEXT",
    ArgKind.ANY: "ANY",
    ArgKind.GEOMETRY: "GEOMETRY",
    ArgKind.SIGNED_INT_LITERAL: "INTEGER",
    ArgKind.UNSIGNED_INT_LITERAL: "INTEGER",
    ArgKind.STRING_LITERAL: "TEXT",
}
_RESULT_FORMS = {"int": "INTEGER", "long": "BIGINT", "double": "DOUBLE", "char": "TEXT"}


def _call(sql_name: str) -> Renderer:
    def render(args: Sequence[str], types: Sequence[str | None]) -> str:
        return f"{sql_name}({', '.join(args)})"

    return render


def _udf(name: str) -> Renderer:
    return _call(f'"{UDF_SCHEMA}"."{name}"')


def _mod(args: Sequence[str], types: Sequence[str | None]) -> str:
    # PostgreSQL has mod() for integers and numeric only; ADQL defines it on doubles.
    if all(t in _INTEGER_TYPES for t in types):
        return f"mod({args[0]}, {args[1]})"
    return f"CAST(mod(CAST({args[0]} AS NUMERIC), CAST({args[1]} AS NUMERIC)) AS DOUBLE PRECISION)"


def _via_numeric(sql_name: str) -> Renderer:
    # round(double precision, integer) does not exist in PostgreSQL: go through numeric,
    # which also gives one rounding rule (half away from zero) for every argument type.
    def render(args: Sequence[str], types: Sequence[str | None]) -> str:
        rest = "".join(f", {a}" for a in args[1:])
        return f"CAST({sql_name}(CAST({args[0]} AS NUMERIC){rest}) AS DOUBLE PRECISION)"

    return render


def _truncate(args: Sequence[str], types: Sequence[str | None]) -> str:
    if len(args) == 1:
        return f"trunc(CAST({args[0]} AS DOUBLE PRECISION))"
    return _via_numeric("trunc")(args, types)


def _rand(args: Sequence[str], types: Sequence[str | None]) -> str:
    if not args:
        return "random()"
    return f'"{UDF_SCHEMA}"."rand"({args[0]})'


def _unsupported(args: Sequence[str], types: Sequence[str | None]) -> str:
    raise AssertionError("IN_UNIT is rendered by the generator with its conversion factor")


_X = (Param("x", ArgKind.NUMERIC),)
_XY = (Param("x", ArgKind.NUMERIC), Param("y", ArgKind.NUMERIC))


def _math(
    name: str,
    doc: str,
    units: UnitRule = UnitRule.NONE,
    params: tuple[Param, ...] = _X,
    result: str | None = "double",
    render: Renderer | None = None,
) -> FunctionDef:
    return FunctionDef(name, params, result, render or _call(name.lower()), doc, None, units)


_DEFINITIONS: tuple[FunctionDef, ...] = (
    _math("ABS", "Absolute value of x.", UnitRule.KEEP, result=None),
    _math("CEILING", "Smallest integer not less than x.", UnitRule.KEEP_UNIT),
    _math("DEGREES", "Converts radians to degrees.", UnitRule.TO_DEG),
    _math("EXP", "e raised to the power x."),
    _math("FLOOR", "Largest integer not greater than x.", UnitRule.KEEP_UNIT),
    _math("LOG", "Natural logarithm of x.", render=_call("ln")),
    _math("LOG10", "Base-10 logarithm of x.", render=_call("log")),
    _math("MOD", "Remainder of x/y.", UnitRule.KEEP_UNIT, _XY, None, _mod),
    _math("PI", "The constant pi.", params=()),
    _math("POWER", "x raised to the power y.", params=_XY),
    _math("RADIANS", "Converts degrees to radians.", UnitRule.TO_RAD),
    _math(
        "RAND",
        "Pseudo-random value in [0, 1); a seed makes the sequence repeatable.",
        params=(Param("seed", ArgKind.UNSIGNED_INT_LITERAL, optional=True),),
        render=_rand,
    ),
    _math(
        "ROUND",
        "x rounded to n decimal places (default 0; negative n rounds left of the point).",
        UnitRule.KEEP_UNIT,
        (Param("x", ArgKind.NUMERIC), Param("n", ArgKind.SIGNED_INT_LITERAL, True)),
        render=_via_numeric("round"),
    ),
    _math("SQRT", "Positive square root of x."),
    _math(
        "TRUNCATE",
        "x truncated to n decimal places (default 0).",
        UnitRule.KEEP_UNIT,
        (Param("x", ArgKind.NUMERIC), Param("n", ArgKind.SIGNED_INT_LITERAL, True)),
        render=_truncate,
    ),
    _math("ACOS", "Arc cosine of x, in radians.", UnitRule.TO_RAD),
    _math("ASIN", "Arc sine of x, in radians.", UnitRule.TO_RAD),
    _math("ATAN", "Arc tangent of x, in radians.", UnitRule.TO_RAD),
    _math(
        "ATAN2",
        "Polar angle of (x, y) = arc tangent of y/x, in radians.",
        UnitRule.TO_RAD,
        (Param("y", ArgKind.NUMERIC), Param("x", ArgKind.NUMERIC)),
    ),
    _math("COS", "Cosine of x (radians)."),
    _math("COT", "Cotangent of x (radians)."),
    _math("SIN", "Sine of x (radians)."),
    _math("TAN", "Tangent of x (radians)."),
    FunctionDef(
        "LOWER",
        (Param("s", ArgKind.STRING),),
        "char",
        _call("lower"),
        "Lower-case conversion.",
        Feature.STRING,
        UnitRule.KEEP,
        result_arraysize="*",
    ),
    FunctionDef(
        "UPPER",
        (Param("s", ArgKind.STRING),),
        "char",
        _call("upper"),
        "Upper-case conversion.",
        Feature.STRING,
        UnitRule.KEEP,
        result_arraysize="*",
    ),
    FunctionDef(
        "COALESCE",
        (Param("value", ArgKind.ANY),),
        None,
        _call("coalesce"),
        "The first of its arguments that is not NULL.",
        Feature.CONDITIONAL,
        UnitRule.KEEP,
        variadic=True,
    ),
    FunctionDef(
        "IN_UNIT",
        (Param("x", ArgKind.NUMERIC), Param("unit", ArgKind.STRING_LITERAL)),
        "double",
        _unsupported,
        "x converted to the given VOUnit.",
        Feature.UNIT,
        UnitRule.TARGET,
    ),
    FunctionDef(
        "IVO_HASWORD",
        (Param("haystack", ArgKind.STRING), Param("needle", ArgKind.STRING)),
        "int",
        _udf("ivo_hasword"),
        "1 if needle occurs as a word in haystack (case-"
        "insensitive, word-wise as in RegTAP), 0 otherwise.",
        Feature.UDF,
    ),
    FunctionDef(
        "IVO_NOCASEMATCH",
        (Param("value", ArgKind.STRING), Param("pattern", ArgKind.STRING)),
        "int",
        _udf("ivo_nocasematch"),
        "1 if value matches the LIKE pattern ignoring case, 0 otherwise.",
        Feature.UDF,
    ),
    FunctionDef(
        "IVO_HASHLIST_HAS",
        (Param("hashlist", ArgKind.STRING), Param("item", ArgKind.STRING)),
        "int",
        _udf("ivo_hashlist_has"),
        "1 if item is one of the #-separated values in hashlist (case-insensitive), 0 otherwise.",
        Feature.UDF,
    ),
    FunctionDef(
        "IVO_INTERVAL_OVERLAPS",
        (
            Param("l1", ArgKind.NUMERIC),
            Param("h1", ArgKind.NUMERIC),
            Param("l2", ArgKind.NUMERIC),
            Param("h2", ArgKind.NUMERIC),
        ),
        "int",
        _udf("ivo_interval_overlaps"),
        "1 if the closed intervals [l1, h1] and [l2, h2] overlap, 0 otherwise.",
        Feature.UDF,
    ),
    FunctionDef(
        "IVO_HEALPIX_INDEX",
        (
            Param("hpxorder", ArgKind.INTEGER),
            Param("ra", ArgKind.NUMERIC),
            Param("dec", ArgKind.NUMERIC),
        ),
        "long",
        _udf("ivo_healpix_index"),
        "Nested-scheme HEALPix index of (ra, dec) in degrees at the given order.",
        Feature.UDF,
    ),
    FunctionDef(
        "IVO_HEALPIX_CENTER",
        (Param("hpxorder", ArgKind.INTEGER), Param("hpxindex", ArgKind.INTEGER)),
        "double",
        _udf("ivo_healpix_center"),
        "Centre (ra, dec) in degrees of a nested-scheme HEALPix cell, as a DALI point.",
        Feature.UDF,
        result_arraysize="2",
        result_xtype="point",
    ),
)


def _through_geometry_seam(args: Sequence[str], types: Sequence[str | None]) -> str:
    raise AssertionError("geometry is rendered by an adql.geometry.GeometryTranslator")


def _geometry(name: str, params: str, result: str, doc: str, **kw: str) -> FunctionDef:
    """A geometry construct. Its overloads (e.g. CIRCLE of a POINT or of two coordinates)
    are checked by ``adql.geometry.check_call``; ``params`` documents the main form."""
    kinds = {"n": ArgKind.NUMERIC, "g": ArgKind.GEOMETRY, "s": ArgKind.STRING}
    parsed = tuple(Param(p.split(":")[0], kinds[p.split(":")[1]]) for p in params.split() if params)
    return FunctionDef(
        name,
        parsed,
        result,
        _through_geometry_seam,
        doc,
        Feature.GEOMETRY,
        result_arraysize=kw.get("arraysize"),
        result_xtype=kw.get("xtype"),
    )


_GEOMETRY_DEFINITIONS: tuple[FunctionDef, ...] = (
    _geometry("AREA", "g:g", "double", "Area of a geometry in square degrees."),
    _geometry(
        "BOX",
        "x:n y:n w:n h:n",
        "double",
        "A box (polygon) given centre and size.",
        arraysize="*",
        xtype="polygon",
    ),
    _geometry("CENTROID", "g:g", "double", "Centroid of a geometry.", arraysize="2", xtype="point"),
    _geometry(
        "CIRCLE",
        "x:n y:n r:n",
        "double",
        "A circle given centre and radius.",
        arraysize="3",
        xtype="circle",
    ),
    _geometry("CONTAINS", "a:g b:g", "int", "1 if the first geometry lies in the second."),
    _geometry("COORD1", "p:g", "double", "First coordinate of a point."),
    _geometry("COORD2", "p:g", "double", "Second coordinate of a point."),
    _geometry(
        "COORDSYS", "g:g", "char", "Coordinate system of a geometry (deprecated).", arraysize="*"
    ),
    _geometry("DISTANCE", "p1:g p2:g", "double", "Angular distance between two points."),
    _geometry("INTERSECTS", "a:g b:g", "int", "1 if the two geometries overlap."),
    _geometry("POINT", "x:n y:n", "double", "A point.", arraysize="2", xtype="point"),
    _geometry(
        "POLYGON",
        "x1:n y1:n x2:n y2:n x3:n y3:n",
        "double",
        "A polygon.",
        arraysize="*",
        xtype="polygon",
    ),
    _geometry(
        "REGION",
        "s:s",
        "char",
        "A region from an STC-S string (deprecated).",
        arraysize="*",
        xtype="adql:region",
    ),
)

#: Every function of the language: built-ins, IVOA UDFs and geometry constructs.
FUNCTIONS: dict[str, FunctionDef] = {f.name: f for f in _DEFINITIONS + _GEOMETRY_DEFINITIONS}

#: Non-function optional features this translator implements.
_SYNTAX_FEATURES = (
    (Feature.STRING, "ILIKE", "Case-insensitive LIKE."),
    (Feature.SETS, "UNION", "Union of two query results."),
    (Feature.SETS, "EXCEPT", "Rows of the first result not in the second."),
    (Feature.SETS, "INTERSECT", "Rows common to both results."),
    (Feature.COMMON_TABLE, "WITH", "Named subqueries (common table expressions)."),
    (Feature.TYPE, "CAST", "Conversion between ADQL types."),
    (Feature.OFFSET, "OFFSET", "Skip rows at the start of the result."),
)


@dataclass(frozen=True, slots=True)
class LanguageFeature:
    type: Feature
    form: str
    description: str


def language_features(include_geometry: bool = False) -> tuple[LanguageFeature, ...]:
    """TAPRegExt ``languageFeatures`` entries for everything optional that is supported.

    Geometry is only declared once a real :class:`adql.geometry.GeometryTranslator` is in use.
    """
    out = [LanguageFeature(f, name, doc) for f, name, doc in _SYNTAX_FEATURES]
    for fdef in FUNCTIONS.values():
        if fdef.feature is Feature.UDF:
            out.append(LanguageFeature(Feature.UDF, fdef.form(), fdef.doc))
        elif fdef.feature is Feature.GEOMETRY and not include_geometry:
            continue
        elif fdef.feature is not None:
            out.append(LanguageFeature(fdef.feature, fdef.name, fdef.doc))
    return tuple(out)


def lookup(name: str) -> FunctionDef | None:
    """A function callable by name (geometry constructs are parsed as their own nodes)."""
    fdef = FUNCTIONS.get(name.upper())
    return None if fdef is None or fdef.feature is Feature.GEOMETRY else fdef
