"""Write lightcurves into LightcurveDB: one transaction per file, natural-key upserts.

The arrays of a file go to the server in binary COPY rows of two temporary staging tables (the
per-cadence columns once, each flux series as a row); set-based ``INSERT ... SELECT``
statements then place them, so nothing is adapted element by element. Every insert names the
unique constraint it relies on (migrations 0004, 0005) and does nothing on conflict, which makes
loading the same file twice a no-op; ``replace`` turns those into updates that keep the rows'
ids. The ingest log row of a file (`lcdb_internal.ingested_file`) commits with its data, which is
what lets an interrupted run resume.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psycopg

from lcdb.ingest import pgcopy
from lcdb.ingest.errors import InvalidValue
from lcdb.ingest.product import APERTURES, PROCESSING, Lightcurve
from lcdb.missions.tess import TESS_OBSERVATION

MISSION = "TESS"
CATALOG = "TIC"
CAMERAS = range(1, 5)
CCDS = range(1, 5)

STAGE_TYPES = ("int8[]", "float8[]", "int4[]")
FLUX_TYPES = ("int4", "int4", "float8[]", "float8[]", "float8", "float8", "float8")
TARGET_PROPERTIES = (
    "ra",
    "dec",
    "pmra",
    "pmdec",
    "magnitude",
    "teff",
    "logg",
    "metallicity",
    "radius",
)
DATASET_METADATA = (
    "values_unit",
    "product_path",
    "pipeline_version",
    "data_release",
    "crowding",
    "flux_fraction",
)
Connection = psycopg.Connection[tuple[object, ...]]


def as_int(value: object) -> int:
    """A value of an integer column (psycopg returns smallint, integer and bigint as int)."""
    if not isinstance(value, int):
        raise TypeError(f"expected an integer from the database, got {value!r}")
    return value


class Outcome(enum.StrEnum):
    LOADED = "loaded"
    UNCHANGED = "unchanged"
    REPLACED = "replaced"


@dataclass(frozen=True, slots=True)
class Dimensions:
    """Ids of the rows every TESS file refers to, created once per run."""

    catalog_id: int
    ccd_ids: Mapping[tuple[int, int], object]  # (camera, ccd) -> instrument uuid
    aperture_ids: Mapping[str, int] = field(default_factory=dict)
    processing_ids: Mapping[str, int] = field(default_factory=dict)


def ensure_dimensions(conn: Connection) -> Dimensions:
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
        apertures = {
            name: as_int(_named(conn, "photometric_source", name, text))
            for name, text in APERTURES.items()
        }
        methods = {
            name: as_int(_named(conn, "processing_method", name, text))
            for name, text in PROCESSING.items()
        }
        spacecraft = _instrument(conn, None, "TESS", {})
        ccd_ids: dict[tuple[int, int], object] = {}
        for camera in CAMERAS:
            camera_id = _instrument(conn, spacecraft, f"Camera {camera}", {"camera": camera})
            for ccd in CCDS:
                ccd_ids[camera, ccd] = _instrument(
                    conn, camera_id, f"CCD {ccd}", {"camera": camera, "ccd": ccd}
                )
    return Dimensions(as_int(catalog_id), ccd_ids, apertures, methods)


def prepare_session(conn: Connection) -> None:
    """The connection's private staging tables (not WAL-logged, emptied at every commit)."""
    with conn.transaction():
        conn.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS ingest_stage (cadences int8[], "
            "time float8[], quality int4[]) ON COMMIT DELETE ROWS"
        )
        conn.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS ingest_flux (photometric_method_id int4, "
            "processing_method_id int4, values float8[], errors float8[], cdpp_0_5 float8, "
            "cdpp_1_0 float8, cdpp_2_0 float8) ON COMMIT DELETE ROWS"
        )
        # uncompressed, as the archive's arrays (migration 0004)
        for table, column in (
            ("ingest_stage", "cadences"),
            ("ingest_stage", "time"),
            ("ingest_stage", "quality"),
            ("ingest_flux", "values"),
            ("ingest_flux", "errors"),
        ):
            conn.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STORAGE EXTERNAL")


@dataclass(frozen=True, slots=True)
class FileStamp:
    """A file's identity in the ingest log: resolved path, size and modification time."""

    path: str
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> FileStamp:
        stat = path.stat()
        return cls(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


class Loader:
    """Loads lightcurves over one connection; remembers the cadences of stored observations.

    An observation's cadences are shared by every target on its CCD, so they are sent (and
    compared on the server) only when a file creates the observation; otherwise they are
    compared here with the copy fetched once per observation. A product covering only some of
    the observation's cadences is padded to all of them (NaN, quality 0), so every array of an
    observation is indexed alike.
    """

    def __init__(self, conn: Connection, dims: Dimensions) -> None:
        self.conn = conn
        self.dims = dims
        self._cadences: dict[object, np.ndarray] = {}
        prepare_session(conn)

    def load(
        self, lc: Lightcurve, *, replace: bool = False, stamp: FileStamp | None = None
    ) -> Outcome:
        """Write one lightcurve in one transaction; all of it or (on any error) none of it."""
        conn = self.conn
        instrument_id = self.dims.ccd_ids[lc.camera, lc.ccd]
        with conn.transaction():
            target_id = as_int(self._target(lc))
            observation_id = _observation(conn, instrument_id, lc)
            first = lc.fluxes[0]
            present = observation_id is not None and _scalar(
                conn,
                "SELECT id FROM lcdb.dataset WHERE target_id = %s AND observation_id = %s "
                "AND photometric_method_id = %s "
                "AND processing_method_id IS NOT DISTINCT FROM %s",
                (target_id, observation_id, *self._method_ids(first.aperture, first.processing)),
            )
            if present and not replace:
                _log(conn, lc, stamp)
                return Outcome.UNCHANGED
            if observation_id is not None:
                lc = self._aligned(lc, observation_id)
                self._stage(lc, with_cadences=False)
            else:
                self._stage(lc, with_cadences=True)
                observation_id = _scalar(
                    conn,
                    "INSERT INTO lcdb.observation (type, cadence_reference, instrument_id, "
                    "sector, orbit_number, cadence_seconds) SELECT %s, cadences, %s, %s, %s, %s "
                    "FROM ingest_stage ON CONFLICT ON CONSTRAINT uq_observation_tess_key "
                    "DO NOTHING RETURNING id",
                    (
                        TESS_OBSERVATION,
                        instrument_id,
                        lc.sector,
                        lc.orbit_number,
                        lc.cadence_seconds,
                    ),
                )
                if observation_id is None:  # another loader created it meanwhile
                    observation_id = _observation(conn, instrument_id, lc)
                    aligned = self._aligned(lc, observation_id)
                    if aligned is not lc:
                        conn.execute("DELETE FROM ingest_stage")
                        conn.execute("DELETE FROM ingest_flux")
                        lc = aligned
                        self._stage(lc, with_cadences=False)
            written = self._write(lc, target_id, as_int(observation_id), replace=replace)
            _log(conn, lc, stamp)
        if not written:  # a concurrent loader wrote the same lightcurve first
            return Outcome.UNCHANGED
        return Outcome.REPLACED if present else Outcome.LOADED

    def _method_ids(self, aperture: str, processing: str | None) -> tuple[int, int | None]:
        return (
            self.dims.aperture_ids[aperture],
            None if processing is None else self.dims.processing_ids[processing],
        )

    def _target(self, lc: Lightcurve) -> object:
        """The target's id; header values fill catalogue properties still unknown."""
        values = [getattr(lc.target, name) for name in TARGET_PROPERTIES]
        columns = ", ".join(TARGET_PROPERTIES)
        fill = ", ".join(
            f"{n} = COALESCE(lcdb.target.{n}, EXCLUDED.{n})" for n in TARGET_PROPERTIES
        )
        unknown = " OR ".join(
            f"(lcdb.target.{n} IS NULL AND EXCLUDED.{n} IS NOT NULL)" for n in TARGET_PROPERTIES
        )
        placeholders = ", ".join(["%s"] * (2 + len(values)))
        return _upsert(
            self.conn,
            f"INSERT INTO lcdb.target (catalog_id, name, {columns}) VALUES ({placeholders}) "
            f"ON CONFLICT (catalog_id, name) DO UPDATE SET {fill} WHERE {unknown} RETURNING id",
            "SELECT id FROM lcdb.target WHERE catalog_id = %s AND name = %s",
            (self.dims.catalog_id, lc.tic_id, *values),
            (self.dims.catalog_id, lc.tic_id),
        )

    def _aligned(self, lc: Lightcurve, observation_id: object) -> Lightcurve:
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
        if np.array_equal(stored, lc.cadences):
            return lc
        return pad_to(lc, stored)

    def _stage(self, lc: Lightcurve, *, with_cadences: bool) -> None:
        with self.conn.cursor().copy(
            "COPY ingest_stage (cadences, time, quality) FROM STDIN (FORMAT binary)"
        ) as copy:
            copy.write(
                pgcopy.encode_stream(
                    [(lc.cadences if with_cadences else None, lc.time, lc.quality)], STAGE_TYPES
                )
            )
        rows = [
            (
                *self._method_ids(flux.aperture, flux.processing),
                flux.values,
                flux.errors,
                *flux.cdpp,
            )
            for flux in lc.fluxes
        ]
        with self.conn.cursor().copy(
            "COPY ingest_flux (photometric_method_id, processing_method_id, values, errors, "
            "cdpp_0_5, cdpp_1_0, cdpp_2_0) FROM STDIN (FORMAT binary)"
        ) as copy:
            copy.write(pgcopy.encode_stream(rows, FLUX_TYPES))

    def _write(self, lc: Lightcurve, target_id: int, observation_id: int, *, replace: bool) -> bool:
        """Datasets, lineage, times and flags from the staged rows; False if all were there."""
        conn, info = self.conn, lc.info
        updated = ("values", "errors", "cdpp_0_5", "cdpp_1_0", "cdpp_2_0", *DATASET_METADATA)
        on_dataset = (
            "DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in updated)
            if replace
            else "DO NOTHING"
        )
        metadata = (
            info.values_unit,
            str(lc.path.resolve()),
            info.pipeline_version,
            info.data_release,
            info.crowding,
            info.flux_fraction,
        )
        written = conn.execute(
            "INSERT INTO lcdb.dataset (target_id, observation_id, photometric_method_id, "
            "processing_method_id, values, errors, cdpp_0_5, cdpp_1_0, cdpp_2_0, "
            + ", ".join(DATASET_METADATA)
            + ") SELECT %s, %s, photometric_method_id, processing_method_id, values, errors, "
            "cdpp_0_5, cdpp_1_0, cdpp_2_0, %s, %s, %s, %s, %s, %s FROM ingest_flux "
            "ON CONFLICT ON CONSTRAINT uq_dataset_natural_key "
            + on_dataset
            + " RETURNING id, photometric_method_id, processing_method_id",
            (target_id, observation_id, *metadata),
        ).fetchall()
        if not written:
            return False
        ids = {(row[1], row[2]): row[0] for row in written}
        lineage = []
        for flux in lc.fluxes:
            if flux.derived_from is not None:
                source = lc.fluxes[flux.derived_from]
                child_id = ids.get(self._method_ids(flux.aperture, flux.processing))
                source_id = ids.get(self._method_ids(source.aperture, source.processing))
                if child_id is not None and source_id is not None:
                    lineage.append((source_id, child_id))
        if lineage:
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO lcdb.datasethierarchy (source_dataset_id, child_dataset_id) "
                    "VALUES (%s, %s) ON CONFLICT DO NOTHING",
                    lineage,
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
        on_flags = (
            "DO UPDATE SET quality_flags = EXCLUDED.quality_flags" if replace else "DO NOTHING"
        )
        conn.execute(
            "INSERT INTO lcdb.quality_flag_array (type, observation_id, target_id, quality_flags) "
            "SELECT %s, %s, %s, quality FROM ingest_stage "
            "ON CONFLICT (type, observation_id, target_id) " + on_flags,
            (lc.quality_type, observation_id, target_id),
        )
        return True


def pad_to(lc: Lightcurve, cadences: np.ndarray) -> Lightcurve:
    """`lc` spread over the observation's `cadences` (NaN and quality 0 where it has none).

    A product with a cadence the observation lacks cannot be aligned: refused.
    """
    where = np.searchsorted(cadences, lc.cadences)
    inside = where < cadences.size
    if not (bool(inside.all()) and np.array_equal(cadences[where], lc.cadences)):
        extra = lc.cadences[~np.isin(lc.cadences, cadences)]
        raise InvalidValue(
            lc.path,
            f"CADENCENO has {extra.size} cadences (first {int(extra[0])}) that the stored "
            f"observation of sector {lc.sector} camera {lc.camera} CCD {lc.ccd} at "
            f"{lc.cadence_seconds:g} s does not have ({cadences.size} cadences, "
            f"{int(cadences[0])}..{int(cadences[-1])})",
        )

    def spread(values: np.ndarray, fill: float) -> np.ndarray:
        out = np.full(cadences.size, fill, dtype=values.dtype)
        out[where] = values
        out.flags.writeable = False
        return out

    fluxes = tuple(
        dataclasses.replace(
            flux,
            values=spread(flux.values, np.nan),
            errors=None if flux.errors is None else spread(flux.errors, np.nan),
        )
        for flux in lc.fluxes
    )
    return dataclasses.replace(
        lc,
        cadences=cadences,
        time=spread(lc.time, np.nan),
        quality=spread(lc.quality, 0),
        fluxes=fluxes,
    )


def _log(conn: Connection, lc: Lightcurve, stamp: FileStamp | None) -> None:
    if stamp is not None:
        log_files(conn, [stamp], str(lc.info.pipeline))


def log_files(conn: Connection, stamps: Sequence[FileStamp], kind: str) -> None:
    """Record loaded files in the ingest log; call inside the transaction that loaded them."""
    with conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO lcdb_internal.ingested_file (path, kind, size, mtime_ns) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (path) DO UPDATE SET kind = EXCLUDED.kind, "
            "size = EXCLUDED.size, mtime_ns = EXCLUDED.mtime_ns, loaded_at = now()",
            [(stamp.path, kind, stamp.size, stamp.mtime_ns) for stamp in stamps],
        )


def is_logged(done: Mapping[str, tuple[int, int]], stamp: FileStamp) -> bool:
    return done.get(stamp.path) == (stamp.size, stamp.mtime_ns)


def logged(conn: Connection) -> dict[str, tuple[int, int]]:
    """Every logged file: resolved path -> (size, mtime_ns)."""
    rows = conn.execute("SELECT path, size, mtime_ns FROM lcdb_internal.ingested_file")
    return {str(path): (as_int(size), as_int(mtime)) for path, size, mtime in rows}


def _observation(conn: Connection, instrument_id: object, lc: Lightcurve) -> object:
    return _scalar(
        conn,
        "SELECT id FROM lcdb.observation WHERE type = %s AND instrument_id = %s "
        "AND sector = %s AND cadence_seconds = %s",
        (TESS_OBSERVATION, instrument_id, lc.sector, lc.cadence_seconds),
    )


def _named(conn: Connection, table: str, name: str, description: str) -> object:
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
    conn: Connection, parent_id: object, name: str, properties: dict[str, int]
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
    conn: Connection,
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


def _scalar(conn: Connection, statement: str, params: tuple[object, ...]) -> object:
    row = conn.execute(statement, params).fetchone()
    return None if row is None else row[0]
