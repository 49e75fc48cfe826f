"""A lightcurve product as the loader sees it, whichever pipeline wrote the file.

Readers (`spoc`, `qlp`) check a file completely and return a `Lightcurve`; the loader only
knows fluxes, apertures and processing steps, so a new pipeline is a new reader, not a new
loader. Arrays are read-only and aligned by cadence.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class Pipeline(enum.StrEnum):
    """Who made the product; each kind has its own `lcdb-tap ingest` sub-command."""

    SPOC = "spoc"  # SPOC target-pixel lightcurves, 120 s and 20 s
    TESS_SPOC = "tess-spoc"  # the TESS-SPOC HLSP: SPOC's pipeline run on FFIs
    QLP = "qlp"  # MIT's Quick-Look Pipeline HLSP, from FFIs


#: PhotometricSource and ProcessingMethod rows the readers refer to, with their descriptions.
APERTURES = {
    "spoc-optimal-aperture": "SPOC simple aperture photometry in the optimal aperture",
    "qlp-optimal-aperture": "QLP aperture photometry in the optimal (best) aperture",
    "qlp-small-aperture": "QLP aperture photometry in the small aperture",
    "qlp-large-aperture": "QLP aperture photometry in the large aperture",
}
PROCESSING = {
    "PDC": "SPOC Pre-search Data Conditioning (PDCSAP flux)",
    "KSPSAP": "QLP Kepler-spline detrending of the aperture flux (sectors 1-55)",
    "DET": "QLP detrending of the aperture flux (sectors 56 and later)",
}


@dataclass(frozen=True, slots=True)
class Flux:
    """One flux series: how it was extracted, how processed, and from which flux (lineage)."""

    aperture: str  # a key of APERTURES
    processing: str | None  # a key of PROCESSING; None for raw photometry
    values: np.ndarray  # float64
    errors: np.ndarray | None  # float64, or None where the product gives no errors
    derived_from: int | None = None  # index in Lightcurve.fluxes of the source flux
    cdpp: tuple[float | None, float | None, float | None] = (None, None, None)  # 0.5, 1, 2 h


@dataclass(frozen=True, slots=True)
class TargetProperties:
    """Catalogue values quoted in the product header (None where blank)."""

    ra: float | None = None
    dec: float | None = None
    pmra: float | None = None
    pmdec: float | None = None
    magnitude: float | None = None
    teff: float | None = None
    logg: float | None = None
    metallicity: float | None = None
    radius: float | None = None


@dataclass(frozen=True, slots=True)
class ProductInfo:
    """What the header says about the product itself."""

    pipeline: Pipeline
    values_unit: str  # VOUnit of fluxes; "" for normalised flux
    pipeline_version: str | None = None  # PROCVER
    data_release: int | None = None  # DATA_REL
    crowding: float | None = None  # CROWDSAP
    flux_fraction: float | None = None  # FLFRCSAP
    pdc_method: str | None = None  # PDCMETHD


@dataclass(frozen=True, slots=True)
class Lightcurve:
    """One target in one sector at one cadence."""

    path: Path
    tic_id: int
    sector: int
    camera: int
    ccd: int
    cadence_seconds: float
    orbit_number: int | None
    cadences: np.ndarray  # int64 CADENCENO, strictly increasing
    time: np.ndarray  # float64 BTJD, NaN where there is no data
    quality: np.ndarray  # int32 quality words
    quality_type: str  # QualityFlagArray subclass identity: fixes the bit meanings
    fluxes: tuple[Flux, ...]
    target: TargetProperties
    info: ProductInfo

    @property
    def size(self) -> int:
        return int(self.cadences.size)

    def flux(self, aperture: str, processing: str | None) -> Flux:
        for flux in self.fluxes:
            if (flux.aperture, flux.processing) == (aperture, processing):
                return flux
        raise KeyError((aperture, processing))

    def describe(self) -> str:
        return (
            f"{self.info.pipeline} TIC {self.tic_id} sector {self.sector} camera {self.camera} "
            f"CCD {self.ccd} {self.cadence_seconds:g} s"
        )


def first_orbit(sector: int) -> int | None:
    """The spacecraft orbit a sector starts with, where the POC orbit table fixes it (S1-S29)."""
    return 2 * sector + 7 if 1 <= sector <= 29 else None


def read_only(values: np.ndarray) -> np.ndarray:
    values.flags.writeable = False
    return values
