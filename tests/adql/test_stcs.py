"""STC-S regions for REGION('...'): the shapes, combinations, frames and units it reads."""

from __future__ import annotations

import re

import pytest

from adql import stcs
from adql.stcs import Compound, Shape


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Circle ICRS 10 20 0.5", Shape("circle", (10.0, 20.0, 0.5))),
        ("circle 10 20 0.5", Shape("circle", (10.0, 20.0, 0.5))),
        ("Position ICRS GEOCENTER 1.5 -2", Shape("point", (1.5, -2.0))),
        ("Box ICRS BARYCENTER SPHERICAL2 10 20 1 2", Shape("box", (10.0, 20.0, 1.0, 2.0))),
        ("Polygon ICRS 1 2 3 4 5 6", Shape("polygon", (1.0, 2.0, 3.0, 4.0, 5.0, 6.0))),
        (
            "Circle ICRS fillfactor 1.0 10 20 30 unit arcmin",
            Shape("circle", (10 / 60, 20 / 60, 0.5)),
        ),
        ("Circle UNKNOWNFrame 10 20 1", Shape("circle", (10.0, 20.0, 1.0))),
        ("  Circle   ICRS\t10 20 1e-3 ", Shape("circle", (10.0, 20.0, 0.001))),
    ],
)
def test_shapes(text: str, expected: Shape) -> None:
    got = stcs.parse(text)
    assert isinstance(got, Shape) and got.kind == expected.kind
    assert got.values == pytest.approx(expected.values)


def test_combinations_nest() -> None:
    region = stcs.parse(
        "Union ICRS (Circle 1 2 3 Intersection (Polygon 1 2 3 4 5 6 Not (Circle 4 5 1)))"
    )
    assert region == Compound(
        "union",
        (
            Shape("circle", (1.0, 2.0, 3.0)),
            Compound(
                "intersection",
                (
                    Shape("polygon", (1.0, 2.0, 3.0, 4.0, 5.0, 6.0)),
                    Compound("not", (Shape("circle", (4.0, 5.0, 1.0)),)),
                ),
            ),
        ),
    )


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ("Circle GALACTIC 10 20 1", "coordinate system 'GALACTIC' is not supported", 7),
        ("Circle FK5 10 20 1", "coordinate system 'FK5' is not supported", 7),
        ("Circle ICRS CARTESIAN3 1 0 0 1", "flavor 'CARTESIAN3' is not supported", 12),
        ("Circle ICRS 10 20", "Circle needs 3 numbers, got 2", 0),
        ("Polygon ICRS 1 2 3 4", "three or more lon lat pairs, got 4 numbers", 0),
        ("Polygon ICRS 1 2 3 4 5 6 7", "got 7 numbers", 0),
        ("Ellipse ICRS 1 2 3 4 5", "unknown region 'Ellipse'", 0),
        ("Union (Circle 1 2 3)", "Union takes two or more regions", 0),
        ("Not (Circle 1 2 3 Circle 4 5 6)", "Not takes exactly one region", 0),
        ("Union Circle 1 2 3", "needs its regions in parentheses", 6),
        ("Union (Circle 1 2 3 Circle 4 5 6", "the region ends where ')' was expected", 32),
        ("Circle ICRS 1 2 3 unit parsec", "unit 'parsec' is not an angle unit", 23),
        ("Circle ICRS 1 2 3 extra", "unexpected 'extra' after the region", 18),
        ("", "the region ends where a shape", 0),
        ("Circle ICRS 1 2 1e999", "not finite", 0),
    ],
)
def test_errors_say_what_and_where(text: str, message: str, offset: int) -> None:
    with pytest.raises(stcs.STCSError, match=re.escape(message)) as raised:
        stcs.parse(text)
    assert raised.value.offset == offset
