"""Sky footprints of TESS CCD images as ICRS polygons (ra, dec pairs, in DALI order).

The footprint is the outline of the 2048 x 2048 science area of a CCD: in the 1-based pixel
coordinates of a SPOC FFI, columns 44.5 .. 2092.5 (the first 44 columns are collateral) and rows
0.5 .. 2048.5, the outer edges of the corner pixels. Vertices are ordered with the inside on the
left of the edges, as DALI's own example orders them and as the archive's SQL functions read a
stored polygon (`adql/pg_geometry.sql`; the choice is argued in the geometry notes): the
inside p of every edge a -> b has (a x b) . p > 0, i.e. counter-clockwise in a plot with RA
increasing to the right, clockwise on the sky as an observer sees it. RA is folded into
[0, 360).

Two sources:

* `wcs_footprint`: an FFI's own WCS (TAN-SIP, SIP distortion included) with astropy.
* `ccd_footprints`: when only a catalogue row is known, the tess-point model of the focal
  plane and the spacecraft pointing of each sector (S1-S134 planned, MIT licence, one file,
  no data download). Against the WCS measured from real FFIs (tesswcs) its corners agree to
  about 30 arcsec in S1-S70 and 90 arcsec in S100 (a pixel is 21 arcsec), well inside what a
  footprint search needs. tesswcs itself was not used: it imports matplotlib and pandas and
  only has measured data up to S108.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from astropy.io import fits  # annotations only; astropy is untyped, so Any to mypy

COLUMNS = (44.5, 2092.5)  # 1-based edges of the science columns 45..2092
ROWS = (0.5, 2048.5)  # 1-based edges of the science rows 1..2048
# corners in pixel order (counter-clockwise in pixel space); orientation is fixed afterwards
CORNERS = np.array(
    [(COLUMNS[0], ROWS[0]), (COLUMNS[1], ROWS[0]), (COLUMNS[1], ROWS[1]), (COLUMNS[0], ROWS[1])]
)

# the cards that define a celestial TAN-SIP WCS (FITS WCS papers I, II; SIP convention)
WCS_KEYWORD = re.compile(
    r"^(WCSAXES|NAXIS\d*|CTYPE\d|CRVAL\d|CRPIX\d|CDELT\d|CUNIT\d|PC\d_\d|CD\d_\d|"
    r"CROTA\d|LONPOLE|LATPOLE|RADESYS|EQUINOX|(A|B|AP|BP)_(ORDER|\d+_\d+))$"
)


class FootprintUnavailable(RuntimeError):
    """The footprint model (the tess-point package, a dependency) cannot be imported."""


def wcs_footprint(header: fits.Header) -> np.ndarray:
    """ra1, dec1, ... ra4, dec4 of the science area under the header's WCS (SIP applied).

    Only the WCS cards are handed to wcslib, unfixed: an FFI header has some 150 cards, and
    serialising them all and running wcsfix took four fifths of reading a file; the corners
    come out identical.
    """
    from astropy.io import fits
    from astropy.wcs import WCS

    cards = [card for card in header.cards if WCS_KEYWORD.match(card.keyword)]
    wcs = WCS(fits.Header(cards), relax=True, fix=False)
    if not wcs.has_celestial or wcs.naxis != 2:
        raise ValueError("the image header has no two-axis celestial WCS")
    world = wcs.all_pix2world(CORNERS, 1)
    return dali_order(world[:, 0], world[:, 1])


def ccd_footprints(keys: Iterable[tuple[int, int, int]]) -> dict[tuple[int, int, int], np.ndarray]:
    """Footprint of each (sector, camera, ccd) from tess-point's pointing and focal-plane model."""
    try:
        import tess_stars2px as model
    except ImportError as exc:
        raise FootprintUnavailable(
            "CCD footprints for catalogue rows need the tess-point package, a dependency of "
            "lcdb-tap that is missing here: pip install 'tess-point>=0.9.5'"
        ) from exc
    footprints: dict[tuple[int, int, int], np.ndarray] = {}
    pointings: dict[int, object] = {}  # tess-point's pointing data
    for sector, camera, ccd in sorted(set(keys)):
        if sector not in pointings:
            pointings[sector] = model.TESS_Spacecraft_Pointing_Data(trySector=sector)
        ra, dec = [], []
        for column, row in CORNERS:
            corner = model.tess_stars2px_reverse_function_entry(
                sector, camera, ccd, column, row, scInfo=pointings[sector]
            )
            ra.append(float(corner[0]))
            dec.append(float(corner[1]))
        footprints[sector, camera, ccd] = dali_order(np.array(ra), np.array(dec))
    return footprints


def dali_order(ra: np.ndarray, dec: np.ndarray) -> np.ndarray:
    """Interleaved (ra, dec) vertices, reversed if needed to have the inside on the left.

    The sum of centre . (a x b) over the edges is positive for a polygon running
    counter-clockwise seen from outside the sphere (a lon-right, lat-up plot), i.e. with its
    centre on the left of the edges: DALI's order. Clockwise seen from outside it is negative,
    and the left of the edges is the rest of the sky.
    """
    ra = np.mod(np.asarray(ra, dtype=np.float64), 360.0)
    dec = np.asarray(dec, dtype=np.float64)
    if not (np.all(np.isfinite(ra)) and np.all(np.isfinite(dec))):
        raise ValueError("the WCS maps a corner of the image to no sky position")
    vectors = _unit(ra, dec)
    centre = vectors.sum(axis=0)
    turning = float(np.sum(np.cross(vectors, np.roll(vectors, -1, axis=0)) @ centre))
    if turning < 0:
        ra, dec = ra[::-1], dec[::-1]
    return np.column_stack([ra, dec]).ravel()


def _unit(ra: np.ndarray, dec: np.ndarray) -> np.ndarray:
    alpha, delta = np.radians(ra), np.radians(dec)
    return np.column_stack(
        [np.cos(delta) * np.cos(alpha), np.cos(delta) * np.sin(alpha), np.sin(delta)]
    )
