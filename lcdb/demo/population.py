"""Which synthetic stars the demo has, and which lightcurves each gets.

Two draws, each from its own generator so that a larger `--size` keeps every star of a
smaller one: 2-minute targets (bright to faint, SPOC lightcurves in every demo sector they
fall in, and QLP ones too when QLP would measure them, Tmag <= 13.5), then QLP-only stars
until the QLP count is reached. Counts are lightcurves, not stars: a star near the ecliptic
pole falls in both sectors and gets one lightcurve per sector.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass

import numpy as np

from lcdb.demo.sky import (
    QLP_MAGNITUDES,
    TWO_MINUTE_MAGNITUDES,
    Footprints,
    Target,
    draw_targets,
)

BASE_QLP = 3000  # QLP lightcurves at --size 1
BASE_SPOC = 300  # SPOC 2-min lightcurves at --size 1
TRANSITS_TWO_MINUTE = 0.10  # 2-min target lists favour planet hosts (TOIs, GI programmes)
TRANSITS_QLP = 0.03


@dataclass(frozen=True, slots=True)
class Member:
    """A star of the demo and the products it gets."""

    target: Target
    two_minute: bool
    qlp: bool

    @property
    def transit_fraction(self) -> float:
        return TRANSITS_TWO_MINUTE if self.two_minute else TRANSITS_QLP


@dataclass(frozen=True, slots=True)
class Counts:
    qlp: int
    spoc: int

    @classmethod
    def for_size(cls, size: float) -> Counts:
        return cls(qlp=max(1, round(BASE_QLP * size)), spoc=max(1, round(BASE_SPOC * size)))


def draw_population(
    footprints: Footprints, counts: Counts, seed: int, reserved: Collection[int]
) -> list[Member]:
    """The demo's stars, deterministic in `seed`; TIC ids in `reserved` are never used."""
    taken = set(reserved)
    members: list[Member] = []
    spoc = qlp = 0
    two_minute = _stream(footprints, seed, 1, TWO_MINUTE_MAGNITUDES, taken)
    while spoc < counts.spoc:
        target = next(two_minute)
        measured = target.star.tmag <= QLP_MAGNITUDES[1]
        members.append(Member(target, two_minute=True, qlp=measured))
        spoc += len(target.placements)
        qlp += len(target.placements) if measured else 0
    qlp_only = _stream(footprints, seed, 2, QLP_MAGNITUDES, taken)
    while qlp < counts.qlp:
        target = next(qlp_only)
        members.append(Member(target, two_minute=False, qlp=True))
        qlp += len(target.placements)
    return members


def _stream(
    footprints: Footprints,
    seed: int,
    stream: int,
    magnitudes: tuple[float, float],
    taken: set[int],
) -> Iterator[Target]:
    return draw_targets(footprints, np.random.default_rng([seed, stream]), magnitudes, taken)
