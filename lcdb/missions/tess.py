"""TESS: the worked example of extending LightcurveDB for a mission.

Everything TESS-specific lives here as subclasses of the base models (single-table
inheritance), so adding a mission never edits the base classes: the subclass's columns are
added to the base table by a migration and rows are told apart by their ``type``.
"""

from __future__ import annotations

import enum

import numpy as np
import sqlalchemy as sa
from sqlalchemy import orm

from lcdb.models.base import described
from lcdb.models.frame import FITSFrame
from lcdb.models.observation import Observation
from lcdb.models.quality import QualityFlagArray

TESS_OBSERVATION = "tess_observation"
TESS_QUALITY_FLAGS = "tess_quality_flags"
TESS_FFI = "tess_ffi"


class TESSObservation(Observation):
    """One TESS sector seen by one instrument at one cadence (about 27.4 days, two orbits)."""

    __mapper_args__ = {"polymorphic_identity": TESS_OBSERVATION, "polymorphic_load": "inline"}

    sector: orm.Mapped[int | None] = orm.mapped_column(
        sa.SmallInteger, index=True, **described("TESS sector number", ucd="obs.sequence")
    )
    orbit_number: orm.Mapped[int | None] = orm.mapped_column(
        sa.SmallInteger, **described("First spacecraft orbit of the sector", ucd="obs.sequence")
    )
    cadence_seconds: orm.Mapped[float | None] = orm.mapped_column(
        sa.Float(precision=53),
        **described(
            "Time between cadences (20, 120, 200, 600 or 1800)", unit="s", ucd="time.interval"
        ),
    )


# Declarative types __table__ as any FromClause; a model with a __tablename__ is mapped to a Table.
_observation_table = Observation.__table__
assert isinstance(_observation_table, sa.Table)
_observation_table.append_constraint(
    sa.CheckConstraint(
        f"type <> '{TESS_OBSERVATION}' OR (sector IS NOT NULL AND sector > 0)",
        name="tess_has_sector",
    )
)
# One TESS observation per sector, instrument (CCD) and cadence: the key ingest upserts on.
# Rows of other missions have a NULL sector and so never collide.
_observation_table.append_constraint(
    sa.UniqueConstraint(
        "instrument_id", "sector", "cadence_seconds", name="uq_observation_tess_key"
    )
)


def ffi_cadence_seconds(sector: int) -> float:
    """Seconds between full-frame images in a sector: 1800 (S1-26), 600 (S27-55), 200 (S56+).

    Source: TESS mission extensions (HEASARC); the tess-cloud catalogue of every SPOC FFI
    confirms the spacing of the file names for S1-S68.
    """
    if sector <= 26:
        return 1800.0
    if sector <= 55:
        return 600.0
    return 200.0


class TESSFFIFrame(FITSFrame):
    """One SPOC full-frame image file (one CCD at one FFI cadence), ``*_ffic.fits``/``*_ffir.fits``.

    Its observation is the TESSObservation of the CCD, the sector and the FFI cadence
    (`ffi_cadence_seconds`), the one FFI-based lightcurves (QLP, TESS-SPOC) share. The keyword
    columns describe the image extension (HDU 1), since the primary HDU of an FFI holds no data;
    SIMPLE and EXTEND come from the primary header. `lcdb.ingest.ffi_name` defines the cadence
    number and the archive path.
    """

    __mapper_args__ = {"polymorphic_identity": TESS_FFI, "polymorphic_load": "inline"}


class TESSQualityBit(enum.IntFlag):
    """SPOC quality bits (TESS Science Data Products Description Document, table of QUALITY).

    The names follow lightkurve's `TessQualityFlags`, which users already know.
    """

    AttitudeTweak = 1
    SafeMode = 2
    CoarsePoint = 4
    EarthPoint = 8
    Argabrightening = 16
    Desat = 32  # reaction-wheel desaturation (momentum dump)
    ApertureCosmic = 64  # cosmic ray in the optimal aperture
    ManualExclude = 128
    Discontinuity = 256  # discontinuity corrected
    ImpulsiveOutlier = 512
    CollateralCosmic = 1024  # cosmic ray in collateral data
    Straylight = 2048  # Earth or Moon stray light (set by MIT)
    Straylight2 = 4096  # scattered-light exclude (set by SPOC)
    PlanetSearchExclude = 8192
    BadCalibrationExclude = 16384
    InsufficientTargets = 32768  # insufficient targets for error correction


class TESSQualityMask(enum.IntFlag):
    """Named combinations of bits for filtering, as lightkurve defines them."""

    NONE = 0
    DEFAULT = (
        TESSQualityBit.AttitudeTweak
        | TESSQualityBit.SafeMode
        | TESSQualityBit.CoarsePoint
        | TESSQualityBit.EarthPoint
        | TESSQualityBit.Argabrightening
        | TESSQualityBit.Desat
        | TESSQualityBit.ManualExclude
        | TESSQualityBit.ImpulsiveOutlier
        | TESSQualityBit.BadCalibrationExclude
    )
    HARD = (
        DEFAULT
        | TESSQualityBit.ApertureCosmic
        | TESSQualityBit.CollateralCosmic
        | TESSQualityBit.Straylight
    )
    HARDEST = (1 << 16) - 1


class TESSQualityFlags(QualityFlagArray):
    """SPOC QUALITY words for a target (or a whole observation) with named bit tests."""

    __mapper_args__ = {"polymorphic_identity": TESS_QUALITY_FLAGS, "polymorphic_load": "inline"}

    def mask(self, bits: int = TESSQualityMask.DEFAULT) -> np.ndarray:
        """True where any of `bits` is set: the cadences a user normally drops."""
        # astype(bool) is `!= 0`, typed: numpy's stubs give comparisons and ufuncs as Any
        return (np.asarray(self.quality_flags, dtype=np.int32) & np.int32(int(bits))).astype(bool)

    def good(self, bits: int = TESSQualityMask.DEFAULT) -> np.ndarray:
        """True where none of `bits` is set."""
        return ~self.mask(bits)

    @staticmethod
    def decode(word: int) -> list[str]:
        """Names of the bits set in one flag word, lowest bit first."""
        return [bit.name or str(int(bit)) for bit in TESSQualityBit if int(word) & bit]


QLP_QUALITY_FLAGS = "qlp_quality_flags"
QLP_LOW_PRECISION = (4096, 1 << 30)  # sectors 1-55, 56 and later (lightkurve io/qlp, tess.md)


class QLPQualityFlags(TESSQualityFlags):
    """QLP QUALITY words: SPOC's bit meanings, except QLP's own "low precision" flag.

    A separate identity keeps QLP's flags apart from SPOC's for the same target and FFI
    observation (one QualityFlagArray per type, observation and target).
    """

    __mapper_args__ = {"polymorphic_identity": QLP_QUALITY_FLAGS, "polymorphic_load": "inline"}

    @staticmethod
    def decode(word: int) -> list[str]:
        names = []
        for bit in TESSQualityBit:
            if int(word) & bit:
                names.append("LowPrecision" if int(bit) == 4096 else bit.name or str(int(bit)))
        if int(word) & QLP_LOW_PRECISION[1]:
            names.append("LowPrecision")
        return names
