"""One lightcurve with everything its documents need, read in one SQL statement.

A DataLink document (VOTable, FITS, CSV, plot) of a dataset needs more than the dataset row: the
target (TIC number, position, magnitude), the observation (sector, cadence, cadence numbers),
the CCD and camera, the methods, the target's barycentric times and quality flags for that
observation, and the mission's time definition. They are gathered here by one statement on the
dataset's primary key, so a document costs one round trip whatever its format.

Arrays travel as ``array_send()`` bytes (PostgreSQL's binary array format) and become numpy
arrays with one `numpy.frombuffer` each. psycopg's own array loaders build a Python number per
element: for a 20,000-cadence lightcurve they add ~3 ms to the ~4 ms statement, this decoding
~0.2 ms (bench/lightcurve_fetch.py).
"""

from __future__ import annotations

import dataclasses
import struct
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath
from typing import Any

import numpy as np
import psycopg
import sqlalchemy as sa
from psycopg.rows import tuple_row

from lcdb.ingest.product import Pipeline
from lcdb.missions.tess import QLP_QUALITY_FLAGS, TESS_QUALITY_FLAGS

#: PhotometricSource names of QLP start with this; their flags are QLP's (bit 4096 differs).
QLP_SOURCE_PREFIX = "qlp-"
SPOC_SOURCE_PREFIX = "spoc-"
SHORTEST_FFI_CADENCE = 200.0  # s: SPOC's own cadences are shorter (lcdb.ingest.spoc)
MJD_ZERO_JD = Decimal("2400000.5")

#: Quality flags are chosen by the pipeline: QLP's and SPOC's (TESS-SPOC's) arrays for the same
#: target and FFI observation are both stored, and their bits differ.
_QUALITY_TYPE = (
    f"CASE WHEN s.name LIKE '{QLP_SOURCE_PREFIX}%%' THEN '{QLP_QUALITY_FLAGS}' "
    f"ELSE '{TESS_QUALITY_FLAGS}' END"
)
_QUERY = f"""
SELECT d.id, t.name, c.name, t.ra, t.dec, t.pmra, t.pmdec, t.magnitude, t.teff, t.logg,
       t.metallicity, t.radius,
       m.name, m.time_epoch, m.time_epoch_format, m.time_epoch_scale, m.time_unit,
       m.time_format_name,
       o.type, o.sector, o.orbit_number, o.cadence_seconds,
       i.name, i.properties, parent.properties,
       s.name, p.name,
       d.values_unit, d.product_path, d.pipeline_version, d.data_release,
       d.cdpp_0_5, d.cdpp_1_0, d.cdpp_2_0, d.crowding, d.flux_fraction,
       q.type,
       array_send(o.cadence_reference), array_send(tst.barycentric_julian_dates),
       array_send(d.values), array_send(d.errors), array_send(q.quality_flags)
FROM lcdb.dataset d
JOIN lcdb.target t ON t.id = d.target_id
JOIN lcdb.mission_catalog c ON c.id = t.catalog_id
JOIN lcdb.mission m ON m.id = c.host_mission_id
JOIN lcdb.observation o ON o.id = d.observation_id
JOIN lcdb.instrument i ON i.id = o.instrument_id
LEFT JOIN lcdb.instrument parent ON parent.id = i.parent_id
LEFT JOIN lcdb.photometric_source s ON s.id = d.photometric_method_id
LEFT JOIN lcdb.processing_method p ON p.id = d.processing_method_id
LEFT JOIN lcdb.target_specific_time tst
       ON tst.target_id = d.target_id AND tst.observation_id = d.observation_id
LEFT JOIN LATERAL (
    SELECT f.type, f.quality_flags FROM lcdb.quality_flag_array f
    WHERE f.observation_id = d.observation_id AND f.type = {_QUALITY_TYPE}
      AND (f.target_id = d.target_id OR f.target_id IS NULL)
    ORDER BY f.target_id NULLS LAST  -- the target's own flags before observation-wide ones
    LIMIT 1
) q ON true
WHERE d.id = %s
"""


class InconsistentLightcurve(ValueError):
    """The stored arrays of one lightcurve do not line up (a bug in whatever wrote them)."""


@dataclass(frozen=True, slots=True)
class TimeSystem:
    """The mission's time definition (lcdb.mission): time values are offsets from an epoch.

    TESS: days (``unit``) since JD 2457000 (``epoch`` in ``epoch_format``), TDB (``scale``),
    called BTJD (``format_name``). The times of `lcdb.target_specific_time` are barycentric by
    definition, so the reference position is the barycentre for every mission.
    """

    mission: str
    epoch: Decimal
    epoch_format: str  # astropy Time format of `epoch`: jd, mjd
    scale: str  # astropy scale name: tdb
    unit: str  # astropy unit name: d
    format_name: str  # btjd

    @property
    def epoch_jd(self) -> Decimal:
        """The epoch as a Julian date, exactly (the VOTable TIMESYS timeorigin, FITS BJDREF)."""
        if self.epoch_format == "jd":
            return self.epoch
        if self.epoch_format == "mjd":
            return self.epoch + MJD_ZERO_JD
        from astropy.time import Time  # other formats (e.g. decimalyear): astropy converts

        return Decimal(repr(Time(float(self.epoch), format=self.epoch_format, scale="tdb").jd))

    @property
    def days_per_unit(self) -> float:
        if self.unit == "d":
            return 1.0
        from astropy import units as u

        return float(u.Unit(self.unit).to(u.day))

    def to_mjd(self, values: np.ndarray) -> np.ndarray:
        """Mission times as MJD in the mission's scale (SODA TIME's unit)."""
        offset = float(self.epoch_jd - MJD_ZERO_JD)  # 56999.5 for TESS: exact in float64
        return np.asarray(values, dtype=np.float64) * self.days_per_unit + offset


@dataclass(frozen=True, slots=True)
class Target:
    """The catalogue object (lcdb.target); None where no catalogue or product has said."""

    catalog: str  # TIC
    name: int  # the catalogue number: the TIC id
    ra: float | None
    dec: float | None
    pmra: float | None
    pmdec: float | None
    magnitude: float | None
    teff: float | None
    logg: float | None
    metallicity: float | None
    radius: float | None


@dataclass(frozen=True, slots=True)
class Lightcurve:
    """One dataset with its context; the arrays are read-only and aligned by cadence.

    ``time`` comes from the target's barycentric times in the observation (NaN where unknown,
    all NaN if there are none), ``quality`` from the flags of the dataset's pipeline (None if
    none are stored). `take` and `documents.cut` select cadences.
    """

    dataset_id: int
    target: Target
    time_system: TimeSystem
    observation_type: str
    sector: int | None
    orbit_number: int | None
    cadence_seconds: float | None
    instrument: str  # the CCD's name, e.g. "CCD 3"
    camera: int | None
    ccd: int | None
    photometric_source: str | None
    processing_method: str | None  # None: raw photometry
    values_unit: str | None  # VOUnit; "" for normalised flux
    product_path: str | None
    pipeline_version: str | None
    data_release: int | None
    cdpp: tuple[float | None, float | None, float | None]  # ppm over 0.5, 1 and 2 h
    crowding: float | None
    flux_fraction: float | None
    quality_type: str | None  # QualityFlagArray type of `quality`
    cadences: np.ndarray  # int64 cadence numbers
    time: np.ndarray  # float64, in the mission's time format (BTJD)
    values: np.ndarray  # float64 flux
    errors: np.ndarray | None  # float64
    quality: np.ndarray | None  # int32 flag words

    def __post_init__(self) -> None:
        size = self.values.size
        for name in ("cadences", "time", "errors", "quality"):
            array = getattr(self, name)
            if array is not None and array.size != size:
                raise InconsistentLightcurve(
                    f"dataset {self.dataset_id}: {name} has {array.size} elements for {size} values"
                )

    @property
    def size(self) -> int:
        return int(self.values.size)

    @property
    def tic_id(self) -> int:
        return self.target.name

    @property
    def pipeline(self) -> Pipeline | None:
        """Who made the product, from the photometric source (and, for SPOC, the cadence)."""
        source = self.photometric_source or ""
        if source.startswith(QLP_SOURCE_PREFIX):
            return Pipeline.QLP
        if source.startswith(SPOC_SOURCE_PREFIX):
            ffi = self.cadence_seconds is not None and self.cadence_seconds >= SHORTEST_FFI_CADENCE
            return Pipeline.TESS_SPOC if ffi else Pipeline.SPOC
        return None

    @property
    def product_name(self) -> str | None:
        """The file name of the product the lightcurve was loaded from (not the server path)."""
        return PurePath(self.product_path).name if self.product_path else None

    def describe(self) -> str:
        """A one-line title: "TIC 358108509, sector 1, camera 3 CCD 3, SPOC PDC"."""
        parts = [f"{self.target.catalog} {self.target.name}"]
        if self.sector is not None:
            parts.append(f"sector {self.sector}")
        if self.camera is not None and self.ccd is not None:
            parts.append(f"camera {self.camera} CCD {self.ccd}")
        pipeline = self.pipeline
        made = pipeline.value.upper() if pipeline else (self.photometric_source or "")
        made = f"{made} {self.processing_method or 'raw'}".strip()
        parts.append(made)
        return ", ".join(parts)

    def take(self, keep: np.ndarray) -> Lightcurve:
        """The same lightcurve with only the cadences where `keep` (a boolean mask) is true."""

        def taken(array: np.ndarray) -> np.ndarray:
            return _read_only(array[keep])

        return dataclasses.replace(
            self,
            cadences=taken(self.cadences),
            time=taken(self.time),
            values=taken(self.values),
            errors=None if self.errors is None else taken(self.errors),
            quality=None if self.quality is None else taken(self.quality),
        )


def load_lightcurve(
    connection: psycopg.Connection[Any] | sa.Connection, dataset_id: int
) -> Lightcurve | None:
    """The lightcurve of dataset `dataset_id`, or None if there is no such dataset.

    A SQLAlchemy connection is read through its psycopg driver connection, so the arrays come
    in binary either way.
    """
    driver = _driver(connection)
    with driver.cursor(binary=True, row_factory=tuple_row) as cursor:
        row = cursor.execute(_QUERY, (dataset_id,)).fetchone()
    if row is None:
        return None
    return _lightcurve(row)


def _driver(connection: psycopg.Connection[Any] | sa.Connection) -> psycopg.Connection[Any]:
    if isinstance(connection, psycopg.Connection):
        return connection
    driver = connection.connection.driver_connection
    if not isinstance(driver, psycopg.Connection):
        raise TypeError(f"load_lightcurve needs psycopg 3 underneath, not {type(driver)!r}")
    return driver


def _lightcurve(row: tuple[Any, ...]) -> Lightcurve:
    (
        dataset_id,
        tic,
        catalog,
        ra,
        dec,
        pmra,
        pmdec,
        magnitude,
        teff,
        logg,
        metallicity,
        radius,
        mission,
        epoch,
        epoch_format,
        epoch_scale,
        time_unit,
        time_format_name,
        observation_type,
        sector,
        orbit_number,
        cadence_seconds,
        instrument,
        properties,
        parent_properties,
        source,
        processing,
        values_unit,
        product_path,
        pipeline_version,
        data_release,
        cdpp_0_5,
        cdpp_1_0,
        cdpp_2_0,
        crowding,
        flux_fraction,
        quality_type,
        cadences,
        times,
        values,
        errors,
        quality,
    ) = row
    values_array = decode_array(values, np.float64)
    properties = {**(parent_properties or {}), **(properties or {})}
    return Lightcurve(
        dataset_id=dataset_id,
        target=Target(
            catalog, tic, ra, dec, pmra, pmdec, magnitude, teff, logg, metallicity, radius
        ),
        time_system=TimeSystem(
            mission, Decimal(epoch), epoch_format, epoch_scale, time_unit, time_format_name
        ),
        observation_type=observation_type,
        sector=sector,
        orbit_number=orbit_number,
        cadence_seconds=cadence_seconds,
        instrument=instrument,
        camera=_int_or_none(properties.get("camera")),
        ccd=_int_or_none(properties.get("ccd")),
        photometric_source=source,
        processing_method=processing,
        values_unit=values_unit,
        product_path=product_path,
        pipeline_version=pipeline_version,
        data_release=data_release,
        cdpp=(cdpp_0_5, cdpp_1_0, cdpp_2_0),
        crowding=crowding,
        flux_fraction=flux_fraction,
        quality_type=quality_type,
        cadences=decode_array(cadences, np.int64),
        time=(
            _read_only(np.full(values_array.size, np.nan))
            if times is None
            else decode_array(times, np.float64)
        ),
        values=values_array,
        errors=None if errors is None else decode_array(errors, np.float64),
        quality=None if quality is None else decode_array(quality, np.int32),
    )


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


_HEADER = struct.Struct("!iii")
_DIMENSION = struct.Struct("!ii")


def decode_array(data: bytes | bytearray | memoryview, dtype: type[np.generic]) -> np.ndarray:
    """A one-dimensional array from PostgreSQL's binary array format (``array_send``).

    Layout: ndim, has-NULLs flag, element oid, then (length, lower bound) per dimension, then
    per element its byte length (-1 for NULL) and its big-endian bytes. Without NULLs every
    element has the same width, so one structured `frombuffer` reads them all. NULL elements
    (which no loader writes) become NaN in a float array and are refused in an integer one.
    """
    native = np.dtype(dtype)
    ndim, has_nulls, _oid = _HEADER.unpack_from(data, 0)
    if ndim == 0:
        return _read_only(np.empty(0, dtype=native))
    if ndim != 1:
        raise InconsistentLightcurve(f"expected a one-dimensional array, got {ndim} dimensions")
    size, _lower = _DIMENSION.unpack_from(data, _HEADER.size)
    offset = _HEADER.size + _DIMENSION.size
    big = native.newbyteorder(">")
    if not has_nulls:
        items = np.frombuffer(
            data, dtype=[("length", ">i4"), ("value", big)], count=size, offset=offset
        )
        return _read_only(items["value"].astype(native))
    if native.kind != "f":
        raise InconsistentLightcurve("an integer array has NULL elements")
    out = np.full(size, np.nan, dtype=native)
    view = memoryview(data)
    for index in range(size):
        (length,) = struct.unpack_from("!i", view, offset)
        offset += 4
        if length >= 0:
            out[index] = np.frombuffer(view, dtype=big, count=1, offset=offset)[0]
            offset += length
    return _read_only(out)


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array
