"""Write SPOC lightcurves into LightcurveDB: one transaction per file, natural-key upserts.

The arrays of a file go to the server in one binary COPY row of a temporary staging table;
set-based ``INSERT ... SELECT`` statements then place them, so nothing is adapted element by
element. Every insert names the unique constraint it relies on (migration 0004) and does
nothing on conflict, which makes loading the same file twice a no-op; ``replace`` turns those
into updates that keep the rows' ids.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import psycopg

from lcdb.ingest import pgcopy
from lcdb.ingest.errors import InvalidValue
from lcdb.ingest.spoc import SPOC_OPTIMAL_APERTURE, SPOCLightcurve
from lcdb.missions.tess import TESS_OBSERVATION, TESS_QUALITY_FLAGS

MISSION = "TESS"
CATALOG = "TIC"
PDC = "PDC"
CAMERAS = range(1, 5)
CCDS = range(1, 5)

STAGE_COLUMNS = ("cadences", "time", "sap", "sap_err", "pdc", "pdc_err", "quality")
STAGE_TYPES = ("int8[]", "float8[]", "float8[]", "float8[]", "float8[]", "float8[]", "int4[]")


class Outcome(enum.StrEnum):
    LOADED = "loaded"
    UNCHANGED = "unchanged"
    REPLACED = "replaced"


@dataclass(frozen=True, slots=True)
class Dimensions:
    """Ids of the rows every SPOC file refers to, created once per run."""

    catalog_id: int
    aperture_id: int
    pdc_id: int
    ccd_ids: Mapping[tuple[int, int], object]  # (camera, ccd) -> instrument uuid


def ensure_dimensions(conn: psycopg.Connection[tuple[object, ...]]) -> Dimensions:
    """Create (if missing) the TESS mission, TIC, instrument tree and methods; commit."""
    with conn.transaction():
        mission_id = _upsert(
            conn,
            "INSERT INTO lcdb.mission (id, name, description, time_unit, time_epoch, "
            "time_epoch_scale, time_epoch_format, time_format_name) "
            "VALUES (gen_random_uuid(), %s, %s, 'd', 2457000, 'tdb', 'jd', 'btjd') "
            "ON CONFLICT (name) DO NOTHING RETURNING id",
            "SELECT id FROM lcdb.mission WHERE name = %s",
            (MISSION, "Transiting Exoplanet Survey Satellite"),
            (MISSION,),
        )
        catalog_id = _upsert(
            conn,
            "INSERT INTO lcdb.mission_catalog (host_mission_id, name, description) "
            "VALUES (%s, %s, %s) ON CONFLICT (name) DO NOTHING RETURNING id",
            "SELECT id FROM lcdb.mission_catalog WHERE name = %s",
            (mission_id, CATALOG, "TESS Input Catalog"),
            (CATALOG,),
        )
        aperture_id = _named(
            conn, "photometric_source", SPOC_OPTIMAL_APERTURE, "SPOC simple aperture photometry"
        )
        pdc_id = _named(conn, "processing_method", PDC, "SPOC Pre-search Data Conditioning")
        spacecraft = _instrument(conn, None, "TESS", {})
        ccd_ids: dict[tuple[int, int], object] = {}
        for camera in CAMERAS:
            camera_id = _instrument(conn, spacecraft, f"Camera {camera}", {"camera": camera})
            for ccd in CCDS:
                ccd_ids[camera, ccd] = _instrument(
                    conn, camera_id, f"CCD {ccd}", {"camera": camera, "ccd": ccd}
                )
    return Dimensions(int(catalog_id), int(aperture_id), int(pdc_id), ccd_ids)  # type: ignore[call-overload]


def prepare_session(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    """The connection's private staging table (not WAL-logged, emptied at every commit)."""
    with conn.transaction():
        conn.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS ingest_stage (cadences int8[], time float8[], "
            "sap float8[], sap_err float8[], pdc float8[], pdc_err float8[], quality int4[]) "
            "ON COMMIT DELETE ROWS"
        )
        for column in STAGE_COLUMNS:  # uncompressed, as the archive's arrays (migration 0004)
            conn.execute(f"ALTER TABLE ingest_stage ALTER COLUMN {column} SET STORAGE EXTERNAL")


class Loader:
    """Loads lightcurves over one connection; remembers the cadences of stored observations.

    An observation's cadences are shared by every target on its CCD, so they are sent (and
    compared on the server) only when a file creates the observation; otherwise they are
    compared here with the copy fetched once per observation.
    """

    def __init__(self, conn: psycopg.Connection[tuple[object, ...]], dims: Dimensions) -> None:
        self.conn = conn
        self.dims = dims
        self._cadences: dict[object, np.ndarray] = {}
        prepare_session(conn)

    def load(self, lc: SPOCLightcurve, *, replace: bool = False) -> Outcome:
        """Write one lightcurve in one transaction; all of it or (on any error) none of it."""
        conn, dims = self.conn, self.dims
        instrument_id = dims.ccd_ids[lc.camera, lc.ccd]
        with conn.transaction():
            target_id = _upsert(
                conn,
                "INSERT INTO lcdb.target (catalog_id, name) VALUES (%s, %s) "
                "ON CONFLICT (catalog_id, name) DO NOTHING RETURNING id",
                "SELECT id FROM lcdb.target WHERE catalog_id = %s AND name = %s",
                (dims.catalog_id, lc.tic_id),
                (dims.catalog_id, lc.tic_id),
            )
            observation_id = _observation(conn, instrument_id, lc)
            present = observation_id is not None and _scalar(
                conn,
                "SELECT id FROM lcdb.dataset WHERE target_id = %s AND observation_id = %s "
                "AND photometric_method_id = %s AND processing_method_id IS NULL",
                (target_id, observation_id, dims.aperture_id),
            )
            if present and not replace:
                return Outcome.UNCHANGED
            if observation_id is not None:
                self._check_cadences(lc, observation_id)
                _stage(conn, lc, with_cadences=False)
            else:
                _stage(conn, lc, with_cadences=True)
                observation_id = _upsert(
                    conn,
                    "INSERT INTO lcdb.observation (type, cadence_reference, instrument_id, "
                    "sector, orbit_number, cadence_seconds) SELECT %s, cadences, %s, %s, %s, %s "
                    "FROM ingest_stage ON CONFLICT ON CONSTRAINT uq_observation_tess_key "
                    "DO NOTHING RETURNING id",
                    None,
                    (
                        TESS_OBSERVATION,
                        instrument_id,
                        lc.sector,
                        lc.orbit_number,
                        lc.cadence_seconds,
                    ),
                    (),
                )
                if observation_id is None:  # another loader created it meanwhile
                    observation_id = _observation(conn, instrument_id, lc)
                    self._check_cadences(lc, observation_id)
            written = _write_arrays(
                conn,
                dims,
                int(target_id),  # type: ignore[call-overload]
                int(observation_id),  # type: ignore[call-overload]
                replace=replace,
            )
        if not written:  # a concurrent loader wrote the same lightcurve first
            return Outcome.UNCHANGED
        return Outcome.REPLACED if present else Outcome.LOADED

    def _check_cadences(self, lc: SPOCLightcurve, observation_id: object) -> None:
        stored = self._cadences.get(observation_id)
        if stored is None:
            with self.conn.cursor(binary=True) as cursor:
                row = cursor.execute(
                    "SELECT cadence_reference FROM lcdb.observation WHERE id = %s",
                    (observation_id,),
                ).fetchone()
            assert row is not None  # the caller just found it
            stored = np.asarray(row[0], dtype=np.int64)
            self._cadences[observation_id] = stored  # committed already: it was visible
        if not np.array_equal(stored, lc.cadences):
            raise InvalidValue(
                lc.path,
                f"CADENCENO differs from the cadences already stored for sector {lc.sector} "
                f"camera {lc.camera} CCD {lc.ccd} at {lc.cadence_seconds:g} s",
            )


def load_lightcurve(
    conn: psycopg.Connection[tuple[object, ...]],
    dims: Dimensions,
    lc: SPOCLightcurve,
    *,
    replace: bool = False,
) -> Outcome:
    """Load one lightcurve over `conn` (a one-off `Loader`)."""
    return Loader(conn, dims).load(lc, replace=replace)


def _write_arrays(
    conn: psycopg.Connection[tuple[object, ...]],
    dims: Dimensions,
    target_id: int,
    observation_id: int,
    *,
    replace: bool,
) -> bool:
    """Datasets, lineage, times and flags from the staged row; False if all were there."""
    on_dataset = (
        "DO UPDATE SET values = EXCLUDED.values, errors = EXCLUDED.errors"
        if replace
        else "DO NOTHING"
    )
    dataset = (
        "INSERT INTO lcdb.dataset (target_id, observation_id, photometric_method_id, "
        "processing_method_id, values, errors) SELECT %s, %s, %s, %s, {values}, {errors} "
        "FROM ingest_stage ON CONFLICT ON CONSTRAINT uq_dataset_natural_key "
        + on_dataset
        + " RETURNING id"
    )
    key = (target_id, observation_id, dims.aperture_id)
    sap_id = _scalar(conn, dataset.format(values="sap", errors="sap_err"), (*key, None))
    if sap_id is None:
        return False
    pdc_id = _scalar(conn, dataset.format(values="pdc", errors="pdc_err"), (*key, dims.pdc_id))
    conn.execute(
        "INSERT INTO lcdb.datasethierarchy (source_dataset_id, child_dataset_id) "
        "VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (sap_id, pdc_id),
    )
    on_times = (
        "DO UPDATE SET barycentric_julian_dates = EXCLUDED.barycentric_julian_dates"
        if replace
        else "DO NOTHING"
    )
    conn.execute(
        "INSERT INTO lcdb.target_specific_time (target_id, observation_id, "
        "barycentric_julian_dates) SELECT %s, %s, time FROM ingest_stage "
        "ON CONFLICT (target_id, observation_id) " + on_times,
        (target_id, observation_id),
    )
    on_flags = "DO UPDATE SET quality_flags = EXCLUDED.quality_flags" if replace else "DO NOTHING"
    conn.execute(
        "INSERT INTO lcdb.quality_flag_array (type, observation_id, target_id, quality_flags) "
        "SELECT %s, %s, %s, quality FROM ingest_stage "
        "ON CONFLICT (type, observation_id, target_id) " + on_flags,
        (TESS_QUALITY_FLAGS, observation_id, target_id),
    )
    return True


def _stage(
    conn: psycopg.Connection[tuple[object, ...]], lc: SPOCLightcurve, *, with_cadences: bool
) -> None:
    row = (
        lc.cadences if with_cadences else None,
        lc.time,
        lc.sap_flux,
        lc.sap_flux_err,
        lc.pdcsap_flux,
        lc.pdcsap_flux_err,
        lc.quality,
    )
    with conn.cursor().copy(
        "COPY ingest_stage (cadences, time, sap, sap_err, pdc, pdc_err, quality) "
        "FROM STDIN (FORMAT binary)"
    ) as copy:
        copy.write(pgcopy.encode_stream([row], STAGE_TYPES))


def _observation(
    conn: psycopg.Connection[tuple[object, ...]], instrument_id: object, lc: SPOCLightcurve
) -> object:
    return _scalar(
        conn,
        "SELECT id FROM lcdb.observation WHERE type = %s AND instrument_id = %s "
        "AND sector = %s AND cadence_seconds = %s",
        (TESS_OBSERVATION, instrument_id, lc.sector, lc.cadence_seconds),
    )


def _named(
    conn: psycopg.Connection[tuple[object, ...]], table: str, name: str, description: str
) -> object:
    # `table` is one of two literals above, never user input.
    return _upsert(
        conn,
        f"INSERT INTO lcdb.{table} (name, description) VALUES (%s, %s) "
        "ON CONFLICT (name) DO NOTHING RETURNING id",
        f"SELECT id FROM lcdb.{table} WHERE name = %s",
        (name, description),
        (name,),
    )


def _instrument(
    conn: psycopg.Connection[tuple[object, ...]],
    parent_id: object,
    name: str,
    properties: dict[str, int],
) -> object:
    return _upsert(
        conn,
        "INSERT INTO lcdb.instrument (id, name, properties, parent_id) "
        "VALUES (gen_random_uuid(), %s, %s, %s) "
        "ON CONFLICT (parent_id, name) DO NOTHING RETURNING id",
        "SELECT id FROM lcdb.instrument WHERE parent_id IS NOT DISTINCT FROM %s AND name = %s",
        (name, psycopg.types.json.Jsonb(properties), parent_id),
        (parent_id, name),
    )


def _upsert(
    conn: psycopg.Connection[tuple[object, ...]],
    insert: str,
    select: str | None,
    insert_params: tuple[object, ...],
    select_params: tuple[object, ...],
) -> object:
    """Id of the inserted row, or of the existing one the insert conflicted with."""
    inserted = _scalar(conn, insert, insert_params)
    if inserted is not None or select is None:
        return inserted
    return _scalar(conn, select, select_params)


def _scalar(
    conn: psycopg.Connection[tuple[object, ...]], statement: str, params: tuple[object, ...]
) -> object:
    row = conn.execute(statement, params).fetchone()
    return None if row is None else row[0]
