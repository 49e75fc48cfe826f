"""Demo stars placed on the real CCD footprints of TESS sectors, with TIC-like properties.

The geometry is tess-point's (PyPI `tess-point`, module `tess_stars2px`): per-sector
spacecraft pointings and the measured focal-plane model, all offline. Stars are drawn uniformly
on the sky around each camera's boresight and kept when tess-point puts them on the science
area of a CCD, so their density is that of the sky, not of the pixel grid. A star is then
located in every demo sector, which makes stars near the ecliptic pole multi-sector targets as
real ones are.

`tess_stars2px_function_entry` (the public call) converts every star to ecliptic coordinates
with a SkyCoord of its own (about 2.5 ms a star); placing thousands of stars instead calls the
same focal-plane object it uses (`Levine_FPG.radec2pix`, ~0.1 ms) with the same bounds. The
tests check the result against the public call.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

# Science area of a CCD in SPOC FFI pixels (1-based; 44 collateral columns come first), with
# tess-point's own bounds: a star is on silicon when 44 < column < 2093 and 0 < row < 2049.
COLUMN_BOUNDS = (44.0, 2093.0)
ROW_BOUNDS = (0.0, 2049.0)
CAMERA_RADIUS_DEG = 17.5  # a camera's 24x24 degree field fits in this cap around its centre

TIC_RANGE = (10_000_000, 2_200_000_000)  # a few ids beyond 2**31 exercise 64-bit handling
QLP_MAGNITUDES = (7.0, 13.5)  # QLP publishes stars down to Tmag 13.5
TWO_MINUTE_MAGNITUDES = (6.0, 16.0)  # 2-min targets (CTL and GI): bright to faint M dwarfs
MAGNITUDE_SLOPE = 0.3  # dN/dm ~ 10**(0.3 m): many more faint stars than bright ones


@dataclass(frozen=True, slots=True)
class Star:
    """Catalogue properties as the TIC gives them (and as lightcurve headers repeat them)."""

    tic_id: int
    ra: float  # deg, ICRS
    dec: float
    tmag: float
    teff: float  # K
    logg: float  # log10(cm s-2)
    mh: float | None  # [M/H], often absent in the TIC
    radius: float  # solar radii


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a star falls in one sector (SPOC FFI pixel coordinates)."""

    sector: int
    camera: int
    ccd: int
    column: float
    row: float


@dataclass(frozen=True, slots=True)
class Target:
    star: Star
    placements: tuple[Placement, ...]  # one per demo sector with the star on silicon

    def placement(self, sector: int) -> Placement | None:
        return next((p for p in self.placements if p.sector == sector), None)


class Footprints:
    """tess-point's pointing and focal-plane model for a few sectors, built once."""

    def __init__(self, sectors: Sequence[int]) -> None:
        import tess_stars2px  # imports astropy and scipy: only when a demo is built

        self.sectors = tuple(sectors)
        self._pointing = {
            sector: tess_stars2px.TESS_Spacecraft_Pointing_Data(trySector=sector)
            for sector in self.sectors
        }

    def midtime_jd(self, sector: int) -> float:
        """tess-point's mid-sector time (JD, UTC) of the planned pointing."""
        return float(self._pointing[sector].midtimes[0])

    def camera_centre(self, sector: int, camera: int) -> tuple[float, float]:
        pointing = self._pointing[sector]
        return float(pointing.camRa[camera - 1, 0]), float(pointing.camDec[camera - 1, 0])

    def locate(self, ra: float, dec: float, sector: int) -> Placement | None:
        """The CCD and pixel of a sky position in `sector`, or None when it misses silicon."""
        fpg = self._pointing[sector].fpgObjs[0]
        cameras, ccds, _, _, xs, ys = fpg.radec2pix(np.array([ra]), np.array([dec]))
        for camera, ccd, x, y in zip(cameras, ccds, xs, ys, strict=True):
            column, row = float(x) + 45.0, float(y) + 1.0  # tess-point's SPOC convention
            if COLUMN_BOUNDS[0] < column < COLUMN_BOUNDS[1] and ROW_BOUNDS[0] < row < ROW_BOUNDS[1]:
                return Placement(sector, int(camera), int(ccd), column, row)
        return None

    def placements(self, ra: float, dec: float) -> tuple[Placement, ...]:
        found = (self.locate(ra, dec, sector) for sector in self.sectors)
        return tuple(p for p in found if p is not None)


def draw_targets(
    footprints: Footprints,
    rng: np.random.Generator,
    magnitudes: tuple[float, float],
    taken: set[int],
) -> Iterator[Target]:
    """An endless, deterministic stream of targets on the footprints' sectors and cameras.

    Home sector and camera take turns so every CCD of every sector gets stars; `taken` holds
    TIC ids already used (it grows), so ids never repeat.
    """
    turn = 0
    while True:
        sector = footprints.sectors[turn % len(footprints.sectors)]
        camera = 1 + (turn // len(footprints.sectors)) % 4
        turn += 1
        ra, dec = _point_in_cap(rng, *footprints.camera_centre(sector, camera))
        if footprints.locate(ra, dec, sector) is None:
            continue
        star = draw_star(rng, ra, dec, magnitudes, taken)
        yield Target(star, footprints.placements(ra, dec))


def draw_star(
    rng: np.random.Generator,
    ra: float,
    dec: float,
    magnitudes: tuple[float, float],
    taken: set[int],
) -> Star:
    """TIC-like properties: a dwarf, an M dwarf or a giant, with consistent Teff/logg/radius."""
    tic_id = int(rng.integers(*TIC_RANGE))
    while tic_id in taken:
        tic_id = int(rng.integers(*TIC_RANGE))
    taken.add(tic_id)
    kind = rng.random()
    if kind < 0.15:  # M dwarf
        teff = rng.uniform(2900.0, 3900.0)
        radius = 0.12 + (teff - 2900.0) / 1000.0 * 0.5
        logg = rng.uniform(4.7, 5.2)
    elif kind < 0.85:  # FGK dwarf
        teff = rng.uniform(3900.0, 7000.0)
        radius = 0.6 + (teff - 3900.0) / 3100.0 * 1.0 + rng.normal(0.0, 0.1)
        logg = rng.uniform(4.1, 4.6)
    else:  # giant
        teff = rng.uniform(4000.0, 5500.0)
        radius = rng.uniform(4.0, 20.0)
        logg = rng.uniform(2.2, 3.5)
    mh = round(float(rng.normal(0.0, 0.25)), 3) if rng.random() < 0.6 else None
    return Star(
        tic_id=tic_id,
        ra=ra,
        dec=dec,
        tmag=round(draw_magnitude(rng, *magnitudes), 3),
        teff=round(float(teff), 0),
        logg=round(float(logg), 3),
        mh=mh,
        radius=round(max(float(radius), 0.1), 3),
    )


def draw_magnitude(rng: np.random.Generator, low: float, high: float) -> float:
    """A magnitude with density ~ 10**(MAGNITUDE_SLOPE m) on [low, high] (inverse CDF)."""
    a = MAGNITUDE_SLOPE
    lo, hi = 10.0 ** (a * low), 10.0 ** (a * high)
    return float(math.log10(lo + rng.random() * (hi - lo)) / a)


def _point_in_cap(rng: np.random.Generator, ra0: float, dec0: float) -> tuple[float, float]:
    """A point uniform on the sphere within CAMERA_RADIUS_DEG of (ra0, dec0)."""
    cos_max = math.cos(math.radians(CAMERA_RADIUS_DEG))
    cos_t = 1.0 - rng.random() * (1.0 - cos_max)
    sin_t = math.sqrt(1.0 - cos_t * cos_t)
    phi = rng.uniform(0.0, 2.0 * math.pi)
    # The point around the pole (0, 0, 1), then rotated so the pole goes to (ra0, dec0).
    x, y, z = sin_t * math.cos(phi), sin_t * math.sin(phi), cos_t
    a, d = math.radians(ra0), math.radians(dec0)
    # Rotate about y by (90 deg - dec0), then about z by ra0.
    xr = x * math.sin(d) + z * math.cos(d)
    zr = -x * math.cos(d) + z * math.sin(d)
    xf, yf = xr * math.cos(a) - y * math.sin(a), xr * math.sin(a) + y * math.cos(a)
    ra = math.degrees(math.atan2(yf, xf)) % 360.0
    dec = math.degrees(math.asin(max(-1.0, min(1.0, zr))))
    return round(ra, 7), round(dec, 7)  # as catalogues print them; placed after rounding
