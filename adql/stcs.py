"""STC-S region strings, as ADQL's (deprecated) REGION('...') takes them: parsed here, once.

ADQL 2.0 §2.4.13 lets REGION take an STC-S string; ADQL 2.1 deprecates REGION but services
keep accepting it. This parser reads the subset that makes sense for positions on the
celestial sphere: the shapes ``Position``, ``Circle``, ``Box`` and ``Polygon`` and the
combinations ``Union``, ``Intersection`` and ``Not`` (STC-S 1.33 §6), each with an optional
frame, reference position and flavor, ``fillfactor`` and ``unit``. The frame must be ICRS (or
omitted, or ``UNKNOWNFrame``): the archive's positions are ICRS, and a region in another
frame would silently select the wrong sky. Coordinates in arcmin, arcsec or radians are
converted to degrees. Errors say what and where (an offset into the string), and the
translator turns them into ADQL errors at the REGION literal.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

ShapeKind = Literal["point", "circle", "box", "polygon"]
Operator = Literal["union", "intersection", "not"]

_SHAPES: dict[str, ShapeKind] = {
    "position": "point",
    "circle": "circle",
    "box": "box",
    "polygon": "polygon",
}
_OPERATORS: dict[str, Operator] = {"union": "union", "intersection": "intersection", "not": "not"}
#: Frames accepted as ICRS; every other STC frame is refused.
_ICRS = frozenset(("icrs", "unknownframe"))
_OTHER_FRAMES = frozenset(
    (
        "fk4",
        "fk5",
        "j2000",
        "b1950",
        "ecliptic",
        "galactic",
        "galactic_ii",
        "supergalactic",
        "geo_c",
        "geo_d",
        "mag",
        "gse",
        "gsm",
        "sm",
        "hgc",
        "hgs",
        "heeq",
        "hre",
        "hpc",
        "hpr",
        "mercury_c",
        "venus_c",
        "luna_c",
        "mars_c",
        "jupiter_c_iii",
        "saturn_c_iii",
        "uranus_c_iii",
        "neptune_c_iii",
        "pluto_c",
    )
)
_REFPOS = frozenset(
    (
        "geocenter",
        "barycenter",
        "heliocenter",
        "topocenter",
        "lsr",
        "lsrk",
        "lsrd",
        "galactic_center",
        "local_group_center",
        "moon",
        "embarycenter",
        "mercury",
        "venus",
        "mars",
        "jupiter",
        "saturn",
        "uranus",
        "neptune",
        "pluto",
        "relocatable",
        "unknownrefpos",
    )
)
_FLAVORS = frozenset(("spherical2", "unitsphere", "cartesian1", "cartesian2", "cartesian3"))
_TO_DEGREES = {"deg": 1.0, "arcmin": 1 / 60, "arcsec": 1 / 3600, "rad": 180 / math.pi}
_TOKEN = re.compile(r"\s*(?:([()])|([^\s()]+))")
#: How many numbers each shape takes (polygons: pairs, at least three).
_ARITY = {"point": 2, "circle": 3, "box": 4}


class STCSError(ValueError):
    """An STC-S string this service cannot read; `offset` is where, from 0."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


@dataclass(frozen=True, slots=True)
class Shape:
    """One shape, in degrees: point (lon, lat), circle (lon, lat, radius), box (lon, lat,
    width, height), polygon (lon1, lat1, ..., lonN, latN)."""

    kind: ShapeKind
    values: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Compound:
    """Union or intersection of two or more regions, or the complement (not) of one."""

    operator: Operator
    parts: tuple[Region, ...]


Region = Shape | Compound


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    offset: int


def parse(text: str) -> Region:
    """The region `text` describes; `STCSError` saying what is wrong and where if not."""
    tokens = _tokens(text)
    parser = _Parser(tokens, len(text))
    region = parser.region()
    if parser.peek() is not None:
        token = parser.peek()
        assert token is not None
        raise STCSError(f"unexpected {token.text!r} after the region", token.offset)
    return region


def _tokens(text: str) -> list[_Token]:
    tokens = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            break
        word = match.group(1) or match.group(2)
        if word is not None:
            tokens.append(_Token(word, match.start(1) if match.group(1) else match.start(2)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[_Token], end: int) -> None:
        self._tokens = tokens
        self._index = 0
        self._end = end

    def peek(self) -> _Token | None:
        return self._tokens[self._index] if self._index < len(self._tokens) else None

    def _next(self, wanted: str) -> _Token:
        token = self.peek()
        if token is None:
            raise STCSError(f"the region ends where {wanted} was expected", self._end)
        self._index += 1
        return token

    def region(self) -> Region:
        token = self._next("a shape (Circle, Polygon, Box, Position) or Union/Intersection/Not")
        word = token.text.lower()
        if word in _SHAPES:
            return self._shape(_SHAPES[word], token)
        if word in _OPERATORS:
            return self._compound(_OPERATORS[word], token)
        raise STCSError(
            f"unknown region {token.text!r}: use Circle, Polygon, Box, Position, "
            "Union, Intersection or Not",
            token.offset,
        )

    def _compound(self, operator: Operator, start: _Token) -> Compound:
        self._frame()
        opening = self._next("'('")
        if opening.text != "(":
            raise STCSError(f"{start.text} needs its regions in parentheses", opening.offset)
        parts: list[Region] = []
        while (token := self.peek()) is not None and token.text != ")":
            parts.append(self.region())
        self._next("')'")
        if operator == "not" and len(parts) != 1:
            raise STCSError("Not takes exactly one region", start.offset)
        if operator != "not" and len(parts) < 2:
            raise STCSError(f"{start.text} takes two or more regions", start.offset)
        return Compound(operator, tuple(parts))

    def _shape(self, kind: ShapeKind, start: _Token) -> Shape:
        self._frame()
        numbers: list[float] = []
        while (token := self.peek()) is not None and _is_number(token.text):
            numbers.append(float(token.text))
            self._index += 1
        scale = self._unit()
        if kind == "polygon":
            if len(numbers) < 6 or len(numbers) % 2:
                raise STCSError(
                    f"Polygon needs three or more lon lat pairs, got {len(numbers)} numbers",
                    start.offset,
                )
        elif len(numbers) != _ARITY[kind]:
            raise STCSError(
                f"{start.text} needs {_ARITY[kind]} numbers, got {len(numbers)}", start.offset
            )
        if not all(math.isfinite(n) for n in numbers):
            raise STCSError(f"{start.text} has a number that is not finite", start.offset)
        return Shape(kind, tuple(n * scale for n in numbers))

    def _frame(self) -> None:
        """Skip an ICRS frame, reference position, flavor and fill factor; refuse others."""
        token = self.peek()
        if token is None:
            return
        word = token.text.lower()
        if word in _OTHER_FRAMES:
            raise STCSError(
                f"coordinate system {token.text!r} is not supported: positions here are "
                "ICRS, so give the region in ICRS",
                token.offset,
            )
        if word in _ICRS:
            self._index += 1
            token = self.peek()
        if token is not None and token.text.lower() in _REFPOS:
            self._index += 1
            token = self.peek()
        if token is not None and token.text.lower() in _FLAVORS:
            if token.text.lower() != "spherical2":
                raise STCSError(
                    f"flavor {token.text!r} is not supported: use SPHERICAL2 coordinates "
                    "(longitude and latitude in degrees)",
                    token.offset,
                )
            self._index += 1
            token = self.peek()
        if token is not None and token.text.lower() == "fillfactor":
            self._index += 1
            self._number("a fill factor")

    def _unit(self) -> float:
        token = self.peek()
        if token is None or token.text.lower() != "unit":
            return 1.0
        self._index += 1
        unit = self._next("a unit")
        scale = _TO_DEGREES.get(unit.text.lower())
        if scale is None:
            raise STCSError(
                f"unit {unit.text!r} is not an angle unit: use deg, arcmin, arcsec or rad",
                unit.offset,
            )
        return scale

    def _number(self, wanted: str) -> float:
        token = self._next(wanted)
        if not _is_number(token.text):
            raise STCSError(f"{wanted} must be a number, got {token.text!r}", token.offset)
        return float(token.text)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.lower() not in ("nan", "inf", "+inf", "-inf", "infinity", "-infinity")
