"""The single table of every function a query may call.

One declaration per function (in the types of :mod:`adql.signatures`) gives: what the
resolver checks (its signatures: arity and argument kinds, every overload of a geometry
construct included), what the metadata pass infers (result datatype, how units carry
through), how the generator renders it in PostgreSQL, the doc line, and the TAPRegExt
language feature it belongs to -- so the service's ``languageFeatures`` are generated from
here and can never disagree with what the translator accepts. Nothing outside this table
can be called.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from adql.signatures import (
    ArgKind,
    Feature,
    FunctionDef,
    Param,
    Renderer,
    Signature,
    UnitRule,
)

__all__ = [
    "FUNCTIONS",
    "UDF_SCHEMA",
    "ArgKind",
    "Feature",
    "FunctionDef",
    "LanguageFeature",
    "Param",
    "Signature",
    "UnitRule",
    "language_features",
    "lookup",
]

UDF_SCHEMA = "adql_udf"
_INTEGER_TYPES = frozenset(("unsignedByte", "short", "int", "long"))


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


def _one(*params: Param, more: tuple[Param, ...] = ()) -> tuple[Signature]:
    return (Signature(params, more),)


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
    return FunctionDef(name, _one(*params), result, render or _call(name.lower()), doc, None, units)


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
        _one(Param("s", ArgKind.STRING)),
        "char",
        _call("lower"),
        "Lower-case conversion.",
        Feature.STRING,
        UnitRule.KEEP,
        result_arraysize="*",
    ),
    FunctionDef(
        "UPPER",
        _one(Param("s", ArgKind.STRING)),
        "char",
        _call("upper"),
        "Upper-case conversion.",
        Feature.STRING,
        UnitRule.KEEP,
        result_arraysize="*",
    ),
    FunctionDef(
        "COALESCE",
        _one(Param("value", ArgKind.ANY), more=(Param("value", ArgKind.ANY),)),
        None,
        _call("coalesce"),
        "The first of its arguments that is not NULL.",
        Feature.CONDITIONAL,
        UnitRule.KEEP,
    ),
    FunctionDef(
        "IN_UNIT",
        _one(Param("x", ArgKind.NUMERIC), Param("unit", ArgKind.STRING_LITERAL)),
        "double",
        _unsupported,
        "x converted to the given VOUnit.",
        Feature.UNIT,
        UnitRule.TARGET,
    ),
    FunctionDef(
        "IVO_HASWORD",
        _one(Param("haystack", ArgKind.STRING), Param("needle", ArgKind.STRING)),
        "int",
        _udf("ivo_hasword"),
        "1 if needle occurs as a word in haystack (case-"
        "insensitive, word-wise as in RegTAP), 0 otherwise.",
        Feature.UDF,
    ),
    FunctionDef(
        "IVO_NOCASEMATCH",
        _one(Param("value", ArgKind.STRING), Param("pattern", ArgKind.STRING)),
        "int",
        _udf("ivo_nocasematch"),
        "1 if value matches the LIKE pattern ignoring case, 0 otherwise.",
        Feature.UDF,
    ),
    FunctionDef(
        "IVO_HASHLIST_HAS",
        _one(Param("hashlist", ArgKind.STRING), Param("item", ArgKind.STRING)),
        "int",
        _udf("ivo_hashlist_has"),
        "1 if item is one of the #-separated values in hashlist (case-insensitive), 0 otherwise.",
        Feature.UDF,
    ),
    FunctionDef(
        "IVO_INTERVAL_OVERLAPS",
        _one(
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
        _one(
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
        _one(Param("hpxorder", ArgKind.INTEGER), Param("hpxindex", ArgKind.INTEGER)),
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


_GEOMETRY_KINDS = {
    "n": ArgKind.NUMERIC,
    "p": ArgKind.POINT,
    "g": ArgKind.GEOMETRY,
    "s": ArgKind.STRING_LITERAL,
}
_COORDSYS = Param("coordsys", ArgKind.STRING_LITERAL)


def _signature(spec: str) -> Signature:
    """``"x:n y:n [x:n y:n]..."``: ``name:kind`` parameters (kinds in ``_GEOMETRY_KINDS``),
    then a bracketed group that may repeat."""

    def params(words: str) -> tuple[Param, ...]:
        return tuple(Param(n, _GEOMETRY_KINDS[k]) for n, k in (w.split(":") for w in words.split()))

    fixed, _, group = spec.partition("[")
    return Signature(params(fixed), params(group.removesuffix("]...")))


def _geometry(
    name: str,
    forms: tuple[str, ...],
    result: str,
    doc: str,
    units: UnitRule = UnitRule.NONE,
    *,
    arraysize: str | None = None,
    xtype: str | None = None,
    coordsys: bool = False,
) -> FunctionDef:
    """A geometry construct with one signature per form. ``coordsys`` adds the ADQL 2.0
    forms, deprecated in 2.1, that begin with a coordinate-system string literal."""
    signatures = tuple(_signature(f) for f in forms)
    if coordsys:
        signatures += tuple(Signature((_COORDSYS, *s.params), s.more, True) for s in signatures)
    return FunctionDef(
        name,
        signatures,
        result,
        _through_geometry_seam,
        doc,
        Feature.GEOMETRY,
        units,
        result_arraysize=arraysize,
        result_xtype=xtype,
    )


_DEG = UnitRule.TO_DEG
_GEOMETRY_DEFINITIONS: tuple[FunctionDef, ...] = (
    _geometry(
        "AREA", ("g:g",), "double", "Area of a geometry in square degrees.", UnitRule.TO_SQUARE_DEG
    ),
    _geometry(
        "BOX",
        ("center:p width:n height:n", "x:n y:n width:n height:n"),
        "double",
        "A box (polygon) given centre and size.",
        _DEG,
        arraysize="*",
        xtype="polygon",
        coordsys=True,
    ),
    _geometry(
        "CENTROID",
        ("g:g",),
        "double",
        "Centroid of a geometry.",
        _DEG,
        arraysize="2",
        xtype="point",
    ),
    _geometry(
        "CIRCLE",
        ("center:p radius:n", "x:n y:n radius:n"),
        "double",
        "A circle given centre and radius.",
        _DEG,
        arraysize="3",
        xtype="circle",
        coordsys=True,
    ),
    _geometry("CONTAINS", ("a:g b:g",), "int", "1 if the first geometry lies in the second."),
    _geometry("COORD1", ("p:p",), "double", "First coordinate of a point.", _DEG),
    _geometry("COORD2", ("p:p",), "double", "Second coordinate of a point.", _DEG),
    _geometry(
        "COORDSYS", ("g:g",), "char", "Coordinate system of a geometry (deprecated).", arraysize="*"
    ),
    _geometry(
        "DISTANCE",
        ("p1:p p2:p", "x1:n y1:n x2:n y2:n"),
        "double",
        "Angular distance between two points.",
        _DEG,
    ),
    _geometry("INTERSECTS", ("a:g b:g",), "int", "1 if the two geometries overlap."),
    _geometry(
        "POINT",
        ("x:n y:n",),
        "double",
        "A point.",
        _DEG,
        arraysize="2",
        xtype="point",
        coordsys=True,
    ),
    _geometry(
        "POLYGON",
        ("v1:p v2:p v3:p [v:p]...", "x1:n y1:n x2:n y2:n x3:n y3:n [x:n y:n]..."),
        "double",
        "A polygon given its vertices.",
        _DEG,
        arraysize="*",
        xtype="polygon",
        coordsys=True,
    ),
    _geometry(
        "REGION",
        ("stcs:s",),
        "char",
        "A region from an STC-S string literal (deprecated).",
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
        elif fdef.feature is Feature.GEOMETRY:
            if include_geometry:
                out.append(LanguageFeature(Feature.GEOMETRY, fdef.name, fdef.description()))
        elif fdef.feature is not None:
            out.append(LanguageFeature(fdef.feature, fdef.name, fdef.doc))
    return tuple(out)


def lookup(name: str) -> FunctionDef | None:
    """A function callable by name (geometry constructs are parsed as their own nodes)."""
    fdef = FUNCTIONS.get(name.upper())
    return None if fdef is None or fdef.feature is Feature.GEOMETRY else fdef
