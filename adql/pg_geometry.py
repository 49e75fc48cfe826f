"""ADQL geometry as PostgreSQL, on the functions of ``adql/pg_geometry.sql`` alone.

No pgSphere, no q3c: shapes are ``double precision[]`` in degrees, as DALI serialises them
(point ``{lon, lat}``, circle ``{lon, lat, radius}``, polygon ``{lon1, lat1, ...}``), and
every predicate is an exact test in schema ``adql_udf`` (see that file for the geometry).
What this module decides is the *form* of the SQL:

* constructors are kept apart, not packed into arrays, when a predicate can use their parts:
  ``CONTAINS(POINT(ra, dec), CIRCLE(10, 20, 1)) = 1`` becomes
  ``geo_point_in_circle(ra, dec, 10, 20, 1)``, which PostgreSQL inlines, rather than
  ``geo_contains(ARRAY[ra, dec], ARRAY[10, 20, 1]) = 1``;
* a comparison of CONTAINS or INTERSECTS with 0 or 1 (either way round), and of DISTANCE
  with a bound (``<``, ``<=``, either way round), becomes a boolean condition: the exact
  test, preceded by the condition a spatial index serves (`SpatialIndex`) when a side is a
  position whose columns are indexed. The index's condition may only ever let more rows
  through; the exact test decides.
* INTERSECTS with a POINT is CONTAINS with the point first (ADQL 2.1 §4.2.9 asks services
  to keep doing this); REGION's STC-S is parsed here (`adql.stcs`), and its Union,
  Intersection and Not become AND/OR/NOT of the predicates wherever that is exact;
* the deprecated coordinate-system argument must name ICRS (or be empty): positions here
  are ICRS, and a query in another frame would select the wrong sky.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from adql import ast, stcs
from adql.errors import ADQLSemanticError
from adql.geometry import Render
from adql.metadata import STRING_TYPES, ExprInfo

UDF = '"adql_udf"'
FLOAT8 = "DOUBLE PRECISION"
ShapeKind = Literal["point", "circle", "polygon", "unknown"]
_ICRS_WORDS = frozenset(("icrs", "geocenter", "barycenter", "topocenter", "unknownrefpos"))


def call(name: str, *args: str) -> str:
    return f'{UDF}."{name}"({", ".join(args)})'


def _float8(sql: str) -> str:
    return f"CAST({sql} AS {FLOAT8})"


def _array(values: Sequence[str]) -> str:
    return f"CAST(ARRAY[{', '.join(values)}] AS {FLOAT8}[])"


# -- shapes as the translator sees them ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Point:
    lon: str
    lat: str
    #: Both coordinates are indexed catalogue columns (the cue for an index condition).
    indexed: bool = False
    #: (lon, lat) when both are numbers written in the query (the same for every row).
    values: tuple[float, float] | None = None

    @property
    def constant(self) -> bool:
        return self.values is not None

    @property
    def sql(self) -> str:
        return _array((self.lon, self.lat))


@dataclass(frozen=True, slots=True)
class Circle:
    center: Point
    radius: str
    #: The radius when it is a number written in the query.
    radius_value: float | None = None

    @property
    def sql(self) -> str:
        return _array((self.center.lon, self.center.lat, self.radius))


@dataclass(frozen=True, slots=True)
class Polygon:
    """A polygon's float8[] SQL, as built by POLYGON(...) or BOX(...)."""

    sql: str
    #: A cap (lon, lat, radius) holding the polygon, when its vertices are numbers in the query
    #: and fit in a hemisphere: what an index condition can search instead of the polygon.
    bound: tuple[float, float, float] | None = None
    #: Its vertices are numbers written in the query (the same polygon for every row).
    constant: bool = False


@dataclass(frozen=True, slots=True)
class Value:
    """Any other geometry-valued expression (a column, CENTROID(...), a CAST), by kind."""

    sql: str
    kind: ShapeKind
    #: A column of region values with an index (the cue for a region index condition).
    indexed: bool = False
    #: For a region column in STC-S text without a shape column (ObsCore's s_region has one):
    #: that text's SQL; `sql` is then its DALI array, adql_udf.geo_region(text).
    text: str | None = None
    #: Its values are DALI shape arrays of any kind, from a region column's shape column.
    any_shape: bool = False

    def point(self) -> Point:
        return Point(f"({self.sql})[1]", f"({self.sql})[2]")

    @property
    def key(self) -> str | None:
        """The SQL of the region's index key (what a GiST on the column is built on): the box of
        a polygon column or of an STC-S column; None for other values."""
        if self.text is not None:
            return call("geo_region_box", self.text)
        if self.any_shape:
            return call("geo_shape_box", self.sql)
        if self.kind == "polygon":
            return call("geo_poly_box", self.sql)
        return None


@dataclass(frozen=True, slots=True)
class Combined:
    """REGION('Union (...)' / 'Intersection (...)' / 'Not (...)'): only inside predicates."""

    operator: stcs.Operator
    parts: tuple[Shape, ...]


Shape = Point | Circle | Polygon | Value | Combined


# -- where spatial indexes plug in -------------------------------------------------------------


class SpatialIndex(Protocol):
    """The conditions a spatial index serves, for the translator to put before exact tests.

    Each returns SQL that is true for at least every row the exact test accepts (it may
    accept more), or None when no index condition applies. `point.indexed` and
    `Value.indexed` say which side has an index.
    """

    def near(
        self, point: Point, center: Point, radius: str, radius_value: float | None
    ) -> str | None:
        """`point` lies within `radius` degrees (SQL; `radius_value` when it is a number in
        the query) of `center`."""
        ...

    def inside_bounded(self, point: Point, bound: tuple[float, float, float]) -> str | None:
        """`point` lies in the cap (lon, lat, radius) that holds a polygon."""
        ...

    def region_meets(self, region: Value, shape: Shape) -> str | None:
        """The region column `region` may intersect (or contain) `shape`."""
        ...

    def nearest(self, point: Point, center: Point) -> str | None:
        """An expression that sorts rows by the distance of `point` from `center` (a KNN
        scan of the index), or None."""
        ...


class NoIndex:
    """No index conditions: exact tests only (correct everywhere, fast nowhere)."""

    def near(
        self, point: Point, center: Point, radius: str, radius_value: float | None
    ) -> str | None:
        return None

    def inside_bounded(self, point: Point, bound: tuple[float, float, float]) -> str | None:
        return None

    def region_meets(self, region: Value, shape: Shape) -> str | None:
        return None

    def nearest(self, point: Point, center: Point) -> str | None:
        return None


# -- the translator ------------------------------------------------------------------------------


class PgGeometry:
    """An :class:`adql.geometry.GeometryTranslator` for the ``adql_udf`` geometry functions."""

    def __init__(self, index: SpatialIndex | None = None) -> None:
        self.index: SpatialIndex = NoIndex() if index is None else index

    # values: what a geometry construct is when it is not a condition

    def function(
        self, node: ast.GeometryFunction, render: Render, infos: Sequence[ExprInfo]
    ) -> str:
        name = node.name
        if name in ("POINT", "CIRCLE", "BOX", "POLYGON", "REGION"):
            shape = self.shape(node, render)
            if isinstance(shape, Combined):
                raise ADQLSemanticError(
                    f"REGION with {shape.operator.title()} can only be used inside CONTAINS "
                    "or INTERSECTS, not as a value",
                    node.line,
                    node.col,
                )
            return shape.sql
        if name in ("CONTAINS", "INTERSECTS"):
            return f"CAST({self.condition(node, render)} AS INTEGER)"
        if name == "DISTANCE":
            return self.distance(node, render)
        if name in ("COORD1", "COORD2"):
            point = self.point(node.args[0], render)
            return _float8(point.lon if name == "COORD1" else point.lat)
        if name == "AREA":
            return call("geo_area", self.value(node.args[0], render))
        if name == "CENTROID":
            return call("geo_centroid", self.value(node.args[0], render))
        if name == "COORDSYS":
            value = self.value(node.args[0], render)
            return f"CASE WHEN {value} IS NULL THEN NULL ELSE 'ICRS' END"
        raise ADQLSemanticError(f"Geometry function '{name}' is unknown", node.line, node.col)

    def cast(self, node: ast.Cast, render: Render, info: ExprInfo) -> str:
        """CAST(x AS POINT|CIRCLE|POLYGON) of a DALI string ('10 20') or an array of degrees:
        checked to be that shape (a polygon also normalised, as POLYGON(...) is)."""
        target = node.target.name
        operand = render(node.operand)
        if info.kind == "string":
            value = f"CAST(regexp_split_to_array(btrim({operand}), '\\s+') AS {FLOAT8}[])"
        elif info.kind in ("array", "geometry", "unknown", "null"):
            value = f"CAST({operand} AS {FLOAT8}[])"
        else:
            raise ADQLSemanticError(
                f"Cannot CAST {info.kind} to {target}: give a DALI string "
                "('10 20' for a point) or an array of degrees",
                node.line,
                node.col,
            )
        if target == "POLYGON":
            return call("geo_polygon", value)
        kind, size = ("point", "2") if target == "POINT" else ("circle", "3")
        checked = call("geo_shape_kind", "'CAST'", value)
        fail = call(
            "geo_raise", f"'CAST to {target} needs {size} numbers'", f"CAST(NULL AS {FLOAT8}[])"
        )
        return (
            f"CASE WHEN {value} IS NULL THEN NULL "
            f"WHEN {checked} = '{kind}' THEN {value} ELSE {fail} END"
        )

    # conditions: CONTAINS/INTERSECTS compared with 0 or 1, DISTANCE with a bound

    def predicate(
        self, node: ast.GeometryFunction, op: str, other: ast.Expression, render: Render
    ) -> str | None:
        """The condition `node op other` (geometry on the left), or None to compare values."""
        if node.name in ("CONTAINS", "INTERSECTS"):
            truth = _truth(op, other)
            if truth is None:
                return None
            condition = self.condition(node, render)
            return condition if truth else f"NOT ({condition})"
        if node.name == "DISTANCE" and op in ("<", "<="):
            return self.within(node, op, other, render)
        return None

    def condition(self, node: ast.GeometryFunction, render: Render) -> str:
        """CONTAINS(a, b) or INTERSECTS(a, b) as a boolean (NULL if a shape is NULL)."""
        a = self.shape(node.args[0], render)
        b = self.shape(node.args[1], render)
        if node.name == "INTERSECTS":
            if _is_point(a):
                return self._contains(a, b, node)
            if _is_point(b):
                return self._contains(b, a, node)
            return self._intersects(a, b, node)
        return self._contains(a, b, node)

    def _contains(self, a: Shape, b: Shape, node: ast.GeometryFunction) -> str:
        if isinstance(b, Combined):
            return self._contains_in_combined(a, b, node)
        if isinstance(a, Combined):
            if a.operator == "union":
                return _all(self._contains(part, b, node) for part in a.parts)
            raise ADQLSemanticError(
                f"CONTAINS of a REGION {a.operator.title()} in another shape is not supported",
                node.line,
                node.col,
            )
        if _is_point(a):
            point = a if isinstance(a, Point) else _as_value(a).point()
            return self._point_in(point, b)
        if isinstance(b, Value) and b.indexed and (hint := self.index.region_meets(b, a)):
            return f"{hint} AND {self._exact_contains(a, b)}"
        return self._exact_contains(a, b)

    def _point_in(self, point: Point, shape: Shape) -> str:
        if isinstance(shape, Circle) or (isinstance(shape, Value) and shape.kind == "circle"):
            circle = shape if isinstance(shape, Circle) else _circle_of(shape)
            exact = call(
                "geo_point_in_circle",
                point.lon,
                point.lat,
                circle.center.lon,
                circle.center.lat,
                circle.radius,
            )
            near = self._near(point, circle.center, circle.radius, circle.radius_value)
            return _indexed(exact, near)
        if isinstance(shape, Polygon) or (isinstance(shape, Value) and shape.kind == "polygon"):
            if isinstance(shape, Polygon) and shape.constant:
                # prepared once, at plan time: the per-row test is then a few comparisons
                prepared = call("geo_polygon_prepare", shape.sql, "'geo_point_in_polygon'")
                exact = call("geo_point_in_prepared", point.lon, point.lat, prepared)
            else:
                exact = call("geo_point_in_polygon", point.lon, point.lat, shape.sql)
            hint = None
            if point.indexed and isinstance(shape, Polygon) and shape.bound is not None:
                hint = self.index.inside_bounded(point, shape.bound)
            if hint is None and isinstance(shape, Value) and shape.indexed:
                hint = self.index.region_meets(shape, point)
            return _indexed(exact, hint)
        if isinstance(shape, Value) and shape.text is not None:
            exact = call("geo_point_in_region", point.lon, point.lat, shape.text)
            hint = self.index.region_meets(shape, point) if shape.indexed else None
            return _indexed(exact, hint)
        if isinstance(shape, Value) and shape.indexed:
            hint = self.index.region_meets(shape, point)
            return _indexed(self._exact_contains(point, shape), hint)
        return self._exact_contains(point, shape)

    def _near(
        self, point: Point, center: Point, radius: str, radius_value: float | None
    ) -> str | None:
        if point.indexed:
            return self.index.near(point, center, radius, radius_value)
        if center.indexed:
            return self.index.near(center, point, radius, radius_value)
        return None

    def _exact_contains(self, a: Shape, b: Shape) -> str:
        return f"{call('geo_contains', _sql(a), _sql(b))} = 1"

    def _intersects(self, a: Shape, b: Shape, node: ast.GeometryFunction) -> str:
        if isinstance(a, Combined) or isinstance(b, Combined):
            combined, other = (a, b) if isinstance(a, Combined) else (b, a)
            assert isinstance(combined, Combined)
            return self._intersects_combined(combined, other, node)
        exact = f"{call('geo_intersects', _sql(a), _sql(b))} = 1"
        for region, shape in ((a, b), (b, a)):
            if isinstance(region, Value) and region.indexed:
                hint = self.index.region_meets(region, shape)
                if hint is not None:
                    return f"{hint} AND {exact}"
        return exact

    def _contains_in_combined(self, a: Shape, b: Combined, node: ast.GeometryFunction) -> str:
        parts = b.parts
        if b.operator == "intersection":  # a in every part
            return _all(self._contains(a, part, node) for part in parts)
        if b.operator == "not":  # a in the complement: a meets no point of the part
            if _is_point(a):
                return f"NOT ({self._contains(a, parts[0], node)})"
            return f"NOT ({self._intersects(a, parts[0], node)})"
        if _is_point(a):  # union: a point is in one of the parts
            return _any(self._contains(a, part, node) for part in parts)
        raise ADQLSemanticError(
            "CONTAINS of a shape in a REGION Union is only supported for points",
            node.line,
            node.col,
        )

    def _intersects_combined(
        self, combined: Combined, other: Shape, n: ast.GeometryFunction
    ) -> str:
        parts = combined.parts
        if combined.operator == "union":
            return _any(self.condition_of("INTERSECTS", other, part, n) for part in parts)
        if combined.operator == "not":  # meets the complement unless wholly inside the part
            return f"NOT ({self.condition_of('CONTAINS', other, parts[0], n)})"
        if _is_point(other):
            return _all(self.condition_of("CONTAINS", other, part, n) for part in parts)
        raise ADQLSemanticError(
            "INTERSECTS with a REGION Intersection is only supported for points",
            n.line,
            n.col,
        )

    def condition_of(self, name: str, a: Shape, b: Shape, node: ast.GeometryFunction) -> str:
        """CONTAINS or INTERSECTS of shapes already built (the parts of a REGION)."""
        if name == "CONTAINS" or _is_point(a):
            return self._contains(a, b, node)
        if _is_point(b):
            return self._contains(b, a, node)
        return self._intersects(a, b, node)

    def ordering(self, node: ast.GeometryFunction, render: Render) -> str | None:
        """ORDER BY DISTANCE(...) ascending: nearest first through the index, when one side
        is an indexed position and the other does not depend on the row."""
        first, second = self._distance_points(node, render)
        if first.indexed and second.constant:
            return self.index.nearest(first, second)
        if second.indexed and first.constant:
            return self.index.nearest(second, first)
        return None

    # DISTANCE

    def distance(self, node: ast.GeometryFunction, render: Render) -> str:
        first, second = self._distance_points(node, render)
        return call("geo_distance", first.lon, first.lat, second.lon, second.lat)

    def within(
        self, node: ast.GeometryFunction, op: str, bound: ast.Expression, render: Render
    ) -> str:
        first, second = self._distance_points(node, render)
        limit = render(bound)
        exact = f"{call('geo_distance', first.lon, first.lat, second.lon, second.lat)} {op} {limit}"
        return _indexed(exact, self._near(first, second, limit, _number(bound)))

    def _distance_points(self, node: ast.GeometryFunction, render: Render) -> tuple[Point, Point]:
        args = node.args
        if len(args) == 4:
            first = self._point_of(args[0], args[1], render)
            second = self._point_of(args[2], args[3], render)
            return first, second
        return self.point(args[0], render), self.point(args[1], render)

    # building shapes from ADQL

    def shape(self, expr: ast.Expression, render: Render) -> Shape:
        if isinstance(expr, ast.GeometryFunction):
            args = self._without_coordsys(expr)
            name = expr.name
            if name == "POINT":
                return self._point_of(args[0], args[1], render)
            if name == "CIRCLE":
                center, rest = self._center(args, render)
                radius = rest[0]
                _check_radius(radius)
                return Circle(center, render(radius), _number(radius))
            if name == "BOX":
                center, rest = self._center(args, render)
                width, height = (render(a) for a in rest)
                sizes = (_number(rest[0]), _number(rest[1]))
                bound = None
                if center.values is not None and sizes[0] is not None and sizes[1] is not None:
                    bound = box_cap(*center.values, sizes[0], sizes[1])
                sql = call("geo_box", center.lon, center.lat, width, height)
                return Polygon(sql, bound, constant=bound is not None)
            if name == "POLYGON":
                values = self._vertex_values(args, render)
                return Polygon(
                    call("geo_polygon", self._vertices(args, render)),
                    polygon_cap(values),
                    constant=values is not None,
                )
            if name == "REGION":
                return self._region(expr)
            if name == "CENTROID":
                return Value(self.function(expr, render, ()), "point")
        info = render.info(expr)
        kind = _kind(info)
        if info.kind == "geometry" and info.shape is not None:  # STC-S with its shape array
            shape = render.sibling(expr, info.shape)
            return Value(shape, kind, indexed=info.indexed, any_shape=True)
        if info.kind == "geometry" and info.datatype in STRING_TYPES:  # STC-S text
            text = render(expr)
            return Value(call("geo_region", text), kind, indexed=info.indexed, text=text)
        return Value(render(expr), kind, indexed=info.indexed)

    def value(self, expr: ast.Expression, render: Render) -> str:
        shape = self.shape(expr, render)
        if isinstance(shape, Combined):
            raise ADQLSemanticError(
                f"REGION with {shape.operator.title()} can only be used inside CONTAINS or "
                "INTERSECTS",
                _line(expr),
                _col(expr),
            )
        return shape.sql

    def point(self, expr: ast.Expression, render: Render) -> Point:
        shape = self.shape(expr, render)
        if isinstance(shape, Point):
            return shape
        if isinstance(shape, Value) and shape.kind in ("point", "unknown"):
            return shape.point()
        raise ADQLSemanticError("A POINT is needed here", _line(expr), _col(expr))

    def _point_of(self, lon: ast.Expression, lat: ast.Expression, render: Render) -> Point:
        """A point's coordinates as written: function arguments take any number, which
        PostgreSQL widens to float8 itself, and an index expression over the bare columns
        only matches them uncast."""
        _check_latitude(lat)
        indexed = render.info(lon).indexed and render.info(lat).indexed
        a, b = _number(lon), _number(lat)
        values = (a, b) if a is not None and b is not None else None
        return Point(render(lon), render(lat), indexed, values)

    def _center(
        self, args: tuple[ast.Expression, ...], render: Render
    ) -> tuple[Point, tuple[ast.Expression, ...]]:
        if _is_point_like(args[0], render):
            return self.point(args[0], render), args[1:]
        return self._point_of(args[0], args[1], render), args[2:]

    def _vertices(self, args: tuple[ast.Expression, ...], render: Render) -> str:
        if all(_is_point_like(a, render) for a in args):
            points = [self.point(a, render) for a in args]
            return _array([c for p in points for c in (p.lon, p.lat)])
        for lat in args[1::2]:
            _check_latitude(lat)
        return _array([render(a) for a in args])

    def _vertex_values(
        self, args: tuple[ast.Expression, ...], render: Render
    ) -> list[float] | None:
        """POLYGON's vertices as numbers when they all are written in the query."""
        if all(_is_point_like(a, render) for a in args):
            points = [self.shape(a, render) for a in args]
            if all(isinstance(p, Point) and p.values is not None for p in points):
                return [c for p in points if isinstance(p, Point) and p.values for c in p.values]
            return None
        numbers = [_number(a) for a in args]
        return None if any(n is None for n in numbers) else [n for n in numbers if n is not None]

    def _without_coordsys(self, node: ast.GeometryFunction) -> tuple[ast.Expression, ...]:
        args = node.args
        if node.name in ("POINT", "CIRCLE", "BOX", "POLYGON") and args:
            first = args[0]
            if isinstance(first, ast.StringLiteral) and len(args) > 1:
                _check_coordsys(first)
                return args[1:]
        return args

    def _region(self, node: ast.GeometryFunction) -> Shape:
        literal = node.args[0]
        assert isinstance(literal, ast.StringLiteral)
        try:
            region = stcs.parse(literal.value)
        except stcs.STCSError as exc:
            raise ADQLSemanticError(
                f"REGION: {exc} (at character {exc.offset + 1} of the STC-S string)",
                literal.line,
                literal.col,
            ) from None
        return _from_stcs(region, literal)


# -- helpers --------------------------------------------------------------------------------------


def _truth(op: str, other: ast.Expression) -> bool | None:
    """Whether `f op other` with f in {0, 1} means f = 1 (True) or f = 0 (False)."""
    value = _number(other)
    if value is None:
        return None
    if op == "=":
        return True if value == 1 else False if value == 0 else None
    if op in ("<>", "!="):
        return False if value == 1 else True if value == 0 else None
    if op == ">":
        return True if value == 0 else None
    if op == ">=":
        return True if value == 1 else None
    if op == "<":
        return False if value == 1 else None
    if op == "<=":
        return False if value == 0 else None
    return None


def _number(expr: ast.Expression) -> float | None:
    """The value of a number written in the query, also as arithmetic of numbers
    (``2.0 / 3600``); None for anything else."""
    if isinstance(expr, ast.NumericLiteral):
        return float(expr.text)
    if isinstance(expr, ast.UnaryOp):
        value = _number(expr.operand)
        return None if value is None else -value if expr.op == "-" else value
    if isinstance(expr, ast.BinaryOp) and expr.op in ("+", "-", "*", "/"):
        left, right = _number(expr.left), _number(expr.right)
        if left is None or right is None:
            return None
        if expr.op == "+":
            return left + right
        if expr.op == "-":
            return left - right
        if expr.op == "*":
            return left * right
        return left / right if right != 0 else None
    return None


def _indexed(exact: str, hint: str | None) -> str:
    return exact if hint is None else f"{hint} AND {exact}"


def _all(conditions: Iterable[str]) -> str:
    return " AND ".join(f"({c})" for c in conditions)


def _any(conditions: Iterable[str]) -> str:
    return "(" + " OR ".join(f"({c})" for c in conditions) + ")"


def _is_point(shape: Shape) -> bool:
    return isinstance(shape, Point) or (isinstance(shape, Value) and shape.kind == "point")


def _is_point_like(expr: ast.Expression, render: Render) -> bool:
    if isinstance(expr, ast.GeometryFunction):
        return expr.name in ("POINT", "CENTROID")
    info = render.info(expr)
    return info.kind == "geometry" and (info.xtype or "").endswith("point")


def _as_value(shape: Shape) -> Value:
    assert isinstance(shape, Value)
    return shape


def _circle_of(value: Value) -> Circle:
    return Circle(value.point(), f"({value.sql})[3]")


def _sql(shape: Shape) -> str:
    assert not isinstance(shape, Combined)
    return shape.sql


def _kind(info: ExprInfo) -> ShapeKind:
    xtype = (info.xtype or "").lower().removeprefix("adql:")
    if xtype in ("point", "circle", "polygon"):
        return xtype  # type: ignore[return-value]
    return "unknown"


def _check_coordsys(literal: ast.StringLiteral) -> None:
    words = literal.value.lower().split()
    if all(word in _ICRS_WORDS for word in words):
        return
    raise ADQLSemanticError(
        f"Coordinate system {literal.value!r} is not supported: positions here are ICRS; "
        "give ICRS coordinates and '' or 'ICRS' (the argument is deprecated in ADQL 2.1)",
        literal.line,
        literal.col,
    )


def _check_latitude(expr: ast.Expression) -> None:
    value = _number(expr)
    if value is not None and not -90 <= value <= 90:
        raise ADQLSemanticError(
            f"Latitude {value:g} is outside [-90, 90] degrees", _line(expr), _col(expr)
        )


def _check_radius(expr: ast.Expression) -> None:
    value = _number(expr)
    if value is not None and not 0 < value <= 180:
        raise ADQLSemanticError(
            f"Radius {value:g} is outside (0, 180] degrees", _line(expr), _col(expr)
        )


def _line(expr: ast.Expression) -> int:
    return int(getattr(expr, "line", 0))


def _col(expr: ast.Expression) -> int:
    return int(getattr(expr, "col", 0))


def _unit(lon: float, lat: float) -> tuple[float, float, float]:
    a, b = math.radians(lon), math.radians(lat)
    return (math.cos(b) * math.cos(a), math.cos(b) * math.sin(a), math.sin(b))


def polygon_cap(values: list[float] | None) -> tuple[float, float, float] | None:
    """A cap (lon, lat, radius) holding the polygon of these vertices, None if they do not
    fit within 89 degrees of their mean direction (the polygon may then be anything)."""
    if values is None or len(values) < 6:
        return None
    vectors = [_unit(values[i], values[i + 1]) for i in range(0, len(values), 2)]
    x, y, z = (sum(v[k] for v in vectors) for k in range(3))
    norm = math.sqrt(x * x + y * y + z * z)
    if norm < 1e-9:
        return None
    centre = (x / norm, y / norm, z / norm)
    radius = max(_angle(centre, v) for v in vectors)
    if radius >= 89:
        return None
    lon = math.degrees(math.atan2(centre[1], centre[0])) % 360
    lat = math.degrees(math.asin(max(-1.0, min(1.0, centre[2]))))
    return lon, lat, radius + 1e-9


def box_cap(lon: float, lat: float, width: float, height: float) -> tuple[float, float, float]:
    """The cap around a BOX: its corners lie at the gnomonic (tan(w/2), tan(h/2)) from the
    centre (ADQL's box has great-circle sides at right angles to the arms of its cross)."""
    half = math.degrees(
        math.atan(math.hypot(math.tan(math.radians(width) / 2), math.tan(math.radians(height) / 2)))
    )
    return lon, lat, min(180.0, half + 1e-9)


def _angle(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    cross = (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])
    dot = a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
    return math.degrees(math.atan2(math.sqrt(sum(c * c for c in cross)), dot))


def _literal(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(value)
    return repr(float(value))


def _from_stcs(region: stcs.Region, at: ast.StringLiteral) -> Shape:
    if isinstance(region, stcs.Compound):
        return Combined(region.operator, tuple(_from_stcs(part, at) for part in region.parts))
    values = [_literal(v) for v in region.values]
    lats = region.values[1::2] if region.kind == "polygon" else region.values[1:2]
    for lat in lats:
        if not -90 <= lat <= 90:
            raise ADQLSemanticError(
                f"REGION: latitude {lat:g} is outside [-90, 90] degrees", at.line, at.col
            )
    point = (region.values[0], region.values[1])
    if region.kind == "point":
        return Point(values[0], values[1], values=point)
    if region.kind == "circle":
        if not 0 < region.values[2] <= 180:
            raise ADQLSemanticError(
                f"REGION: radius {region.values[2]:g} is outside (0, 180] degrees",
                at.line,
                at.col,
            )
        return Circle(Point(values[0], values[1], values=point), values[2], region.values[2])
    if region.kind == "box":
        return Polygon(call("geo_box", *values), box_cap(*region.values), constant=True)
    polygon = call("geo_polygon", _array(values))
    return Polygon(polygon, polygon_cap(list(region.values)), constant=True)
