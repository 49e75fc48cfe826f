"""Write TESS FFI frame records set-based: binary COPY into a staging table, then SQL.

Both sources -- FFI headers (`lcdb.ingest.ffi`) and FFI catalogues
(`lcdb.ingest.ffi_catalog`) -- stage the same columns: the parts of the file name, the cadence
number, times and quality, and (headers only) the image keywords and the WCS footprint. One
transaction then

1. creates the missing TESSObservations, one per (CCD, sector) at the sector's FFI cadence
   (`ffi_cadence_seconds`), the observations FFI-based lightcurves (QLP, TESS-SPOC) use too;
2. locks those observations (in id order, so concurrent loaders queue instead of racing);
3. inserts the frames with ``ON CONFLICT (type, file_path) DO NOTHING`` -- the archive path,
   built here from the name parts, is the natural key, so loading a file again (either way)
   changes nothing -- or, with ``replace``, ``DO UPDATE``; frames of an observation that has
   none yet skip the conflict check;
4. brings each touched observation's ``cadence_reference`` up to date.

``cadence_reference`` of an FFI observation: the sorted, distinct cadence numbers
(`lcdb.ingest.ffi_name`, SPOC's FFIINDEX) of every frame of that CCD and sector loaded so far,
merged with any numbers already there. It only grows as frames arrive. A lightcurve made from
the FFIs agrees with its observation when its CADENCENO values are FFIINDEX numbers and all of
them are in ``cadence_reference`` (``cadence_reference @> cadences``); a loader that creates the
observation first stores its own cadences, and frames loaded later are merged in.

Catalogue rows carry neither the image keywords nor a WCS: they get the layout every SPOC
calibrated FFI has (image HDU: BITPIX -32, NAXIS 2, 2136 x 2078, no scaling) and the footprint
of their (sector, camera, CCD) from `lcdb.ingest.footprint.ccd_footprints`; EXPOSURE stays
NULL (a later header load with ``--replace`` fills it in).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import psycopg

from lcdb.ingest import copycolumns, pgcopy
from lcdb.ingest.ffi import FFIFrame
from lcdb.ingest.ffi_catalog import FrameCatalog
from lcdb.ingest.footprint import ccd_footprints
from lcdb.ingest.load import Dimensions, FileStamp, as_int, log_files
from lcdb.ingest.product import first_orbit
from lcdb.missions.tess import TESS_FFI, TESS_OBSERVATION, ffi_cadence_seconds

Connection = psycopg.Connection[tuple[object, ...]]

STAGE = (
    ("stamp", "int8"),
    ("sector", "int2"),
    ("camera", "int2"),
    ("ccd", "int2"),
    ("scconfig", "int2"),
    ("raw", "int2"),
    ("cadence", "int8"),
    ("start_time", "float8"),
    ("stop_time", "float8"),
    ("quality", "int4"),
    ("exposure_time", "float8"),
    ("simple", "int2"),
    ("extended", "int2"),
    ("bitpix", "int2"),
    ("naxis", "int2"),
    ("bscale", "float8"),
    ("bzero", "float8"),
    ("naxis_values", "int4[]"),
    ("footprint", "float8[]"),
)
STAGE_TYPES = tuple(kind for _, kind in STAGE)
CATALOG_BATCH = 200_000  # rows per COPY message: bounded memory, few round trips
# What every SPOC calibrated FFI's image extension says (TESS SDPDD; tess.md section 2.3).
CALIBRATED_IMAGE: Mapping[str, object] = MappingProxyType(
    {
        "simple": True,
        "extended": True,
        "bitpix": -32,
        "naxis": 2,
        "naxis_values": [2136, 2078],
        "bscale": 1.0,
        "bzero": 0.0,
    }
)

_PARAMS: Mapping[str, object] = MappingProxyType(
    {"type": TESS_FFI, "observation": TESS_OBSERVATION, **CALIBRATED_IMAGE}
)
_COPY = f"COPY ffi_stage ({', '.join(name for name, _ in STAGE)}) FROM STDIN (FORMAT binary)"
_PATH = (
    # %% is psycopg's escape for a literal % (the statement has bound parameters)
    "format('ffi/s%%1$s/%%2$s/%%3$s/%%4$s-%%5$s/"
    "tess%%6$s-s%%1$s-%%4$s-%%5$s-%%7$s-s_ff%%8$s.fits', "
    "lpad(s.sector::text, 4, '0'), s.stamp / 1000000000, "
    "lpad(mod(s.stamp / 1000000, 1000)::text, 3, '0'), s.camera, s.ccd, s.stamp, "
    "lpad(s.scconfig::text, 4, '0'), CASE WHEN s.raw = 1 THEN 'ir' ELSE 'ic' END)"
)
_RETURNING = "RETURNING f.file_path, (f.xmax = 0) AS fresh"
_INSERT = f"""
INSERT INTO lcdb.fits_frame AS f (type, cadence, observation_id, simple, bitpix, naxis,
    naxis_values, extended, bscale, bzero, file_path, start_time, stop_time, exposure_time,
    quality, footprint)
SELECT %(type)s, s.cadence, k.observation_id,
    coalesce(s.simple <> 0, %(simple)s), coalesce(s.bitpix, %(bitpix)s),
    coalesce(s.naxis, %(naxis)s), coalesce(s.naxis_values, %(naxis_values)s::int4[]),
    coalesce(s.extended <> 0, %(extended)s), coalesce(s.bscale, %(bscale)s),
    coalesce(s.bzero, %(bzero)s), {_PATH}, s.start_time, s.stop_time, s.exposure_time,
    s.quality, coalesce(s.footprint, k.footprint)
FROM ffi_stage s
JOIN ffi_key k ON k.sector = s.sector AND k.camera = s.camera AND k.ccd = s.ccd
{{scope}}
{{conflict}}
"""
_REPLACE = (
    "DO UPDATE SET cadence = EXCLUDED.cadence, observation_id = EXCLUDED.observation_id, "
    "simple = EXCLUDED.simple, bitpix = EXCLUDED.bitpix, naxis = EXCLUDED.naxis, "
    "naxis_values = EXCLUDED.naxis_values, extended = EXCLUDED.extended, "
    "bscale = EXCLUDED.bscale, bzero = EXCLUDED.bzero, start_time = EXCLUDED.start_time, "
    "stop_time = EXCLUDED.stop_time, "
    "exposure_time = coalesce(EXCLUDED.exposure_time, f.exposure_time), "
    "quality = EXCLUDED.quality, footprint = EXCLUDED.footprint"
)
# New observations start with no cadences: the _REFERENCE update below fills them in, from
# the frames, in the same transaction (no second pass over the staged rows).
_OBSERVATIONS = """
INSERT INTO lcdb.observation (type, cadence_reference, instrument_id, sector, orbit_number,
    cadence_seconds)
SELECT %(observation)s, '{}', c.instrument_id, s.sector, x.orbit_number, x.cadence_seconds
FROM (SELECT DISTINCT sector, camera, ccd FROM ffi_stage) s
JOIN ffi_ccd c ON c.camera = s.camera AND c.ccd = s.ccd
JOIN ffi_sector x ON x.sector = s.sector
ORDER BY s.sector, s.camera, s.ccd  -- one order for every loader: concurrent ones cannot deadlock
ON CONFLICT ON CONSTRAINT uq_observation_tess_key DO NOTHING
"""
_KEYS = """
INSERT INTO ffi_key (sector, camera, ccd, observation_id, footprint)
SELECT s.sector, s.camera, s.ccd, o.id, fp.footprint
FROM (SELECT DISTINCT sector, camera, ccd FROM ffi_stage) s
JOIN ffi_ccd c ON c.camera = s.camera AND c.ccd = s.ccd
JOIN ffi_sector x ON x.sector = s.sector
JOIN lcdb.observation o ON o.type = %(observation)s AND o.instrument_id = c.instrument_id
    AND o.sector = s.sector AND o.cadence_seconds = x.cadence_seconds
LEFT JOIN ffi_footprint fp ON fp.sector = s.sector AND fp.camera = s.camera AND fp.ccd = s.ccd
"""
# Locks the touched observations in id order before their cadence_reference is recomputed:
# the UPDATE then runs on a snapshot that includes any concurrent loader's committed frames.
_LOCK = """
SELECT id FROM lcdb.observation WHERE id IN (SELECT observation_id FROM ffi_key)
ORDER BY id FOR NO KEY UPDATE
"""
# An archive path names its sector, camera and CCD, so a frame can only collide with a frame
# of its own observation: the staged rows of an observation without frames (checked under
# the lock above, so no concurrent loader can add some meanwhile) are inserted without the
# ON CONFLICT arbitration, a third of the cost of a first load.
_FRESH = """
UPDATE ffi_key k SET fresh = NOT EXISTS (
    SELECT 1 FROM lcdb.fits_frame f WHERE f.observation_id = k.observation_id
)
"""
_REFERENCE = """
UPDATE lcdb.observation o SET cadence_reference = merged.cadences
FROM (
    SELECT id, ARRAY(
        SELECT cadence FROM unnest(cadence_reference) AS cadence
        UNION SELECT f.cadence FROM lcdb.fits_frame f WHERE f.observation_id = o2.id
        ORDER BY 1
    ) AS cadences
    FROM lcdb.observation o2 WHERE id IN (SELECT observation_id FROM ffi_key)
) merged
WHERE o.id = merged.id AND o.cadence_reference IS DISTINCT FROM merged.cadences
"""


@dataclass(frozen=True, slots=True)
class Written:
    """What one transaction did: rows staged, inserted and (with replace) updated.

    `fresh` and `replaced` name the archive paths when the caller asked for them (header
    loads report per file; a catalogue load only counts).
    """

    staged: int
    inserted: int
    updated: int
    fresh: frozenset[str] = frozenset()
    replaced: frozenset[str] = frozenset()

    @property
    def unchanged(self) -> int:
        return self.staged - self.inserted - self.updated

    @property
    def fresh_names(self) -> frozenset[str]:
        return frozenset(path.rpartition("/")[2] for path in self.fresh)

    @property
    def replaced_names(self) -> frozenset[str]:
        return frozenset(path.rpartition("/")[2] for path in self.replaced)


def prepare_session(conn: Connection, dims: Dimensions) -> None:
    """The connection's staging tables (temporary, emptied at every commit) and CCD ids."""
    columns = ", ".join(f"{name} {kind}" for name, kind in STAGE)
    with conn.transaction():
        conn.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS ffi_stage ({columns}) ON COMMIT DELETE ROWS"
        )
        conn.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS ffi_sector (sector int2 PRIMARY KEY, "
            "orbit_number int2, cadence_seconds float8) ON COMMIT DELETE ROWS"
        )
        conn.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS ffi_footprint (sector int2, camera int2, "
            "ccd int2, footprint float8[], PRIMARY KEY (sector, camera, ccd)) "
            "ON COMMIT DELETE ROWS"
        )
        conn.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS ffi_key (sector int2, camera int2, ccd int2, "
            "observation_id int4, footprint float8[], fresh bool NOT NULL DEFAULT false, "
            "PRIMARY KEY (sector, camera, ccd)) "
            "ON COMMIT DELETE ROWS"
        )
        conn.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS ffi_ccd (camera int2, ccd int2, "
            "instrument_id uuid, PRIMARY KEY (camera, ccd))"
        )
        conn.execute("DELETE FROM ffi_ccd")
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO ffi_ccd VALUES (%s, %s, %s)",
                [(camera, ccd, uuid) for (camera, ccd), uuid in dims.ccd_ids.items()],
            )


class FrameLoader:
    """Loads FFI frame records over one connection, one transaction per call."""

    def __init__(self, conn: Connection, dims: Dimensions) -> None:
        self.conn = conn
        prepare_session(conn, dims)

    def load_catalog(
        self, catalog: FrameCatalog, *, replace: bool = False, stamp: FileStamp | None = None
    ) -> Written:
        """Every row of one catalogue, all or (on any error) none of them."""
        names = catalog.names
        keys = set(
            zip(names.sector.tolist(), names.camera.tolist(), names.ccd.tolist(), strict=True)
        )
        footprints = ccd_footprints(keys)
        batches = (
            copycolumns.encode_columns(
                [
                    (names.stamp[part], "int8"),
                    (names.sector[part], "int2"),
                    (names.camera[part], "int2"),
                    (names.ccd[part], "int2"),
                    (names.scconfig[part], "int2"),
                    (names.raw[part].astype(np.int16), "int2"),
                    (catalog.cadence[part], "int8"),
                    (catalog.start_time[part], "float8"),
                    (catalog.stop_time[part], "float8"),
                    (catalog.quality[part], "int4"),
                    *[(None, kind) for _, kind in STAGE[10:]],
                ]
            )
            for part in _slices(catalog.size, CATALOG_BATCH)
        )
        logged = ([stamp], "ffi-catalog") if stamp is not None else None
        return self._write(
            batches, catalog.sectors, footprints, replace=replace, paths=False, logged=logged
        )

    def load_frames(
        self,
        frames: Sequence[FFIFrame],
        *,
        replace: bool = False,
        stamps: Sequence[FileStamp] = (),
    ) -> Written:
        """The records of some FFI files read from their headers, in one transaction."""
        rows = [
            pgcopy.encode_row(
                [
                    frame.name.stamp,
                    frame.name.sector,
                    frame.name.camera,
                    frame.name.ccd,
                    frame.name.scconfig,
                    int(frame.name.raw),
                    frame.cadence,
                    frame.start_time,
                    frame.stop_time,
                    frame.quality,
                    frame.exposure_time,
                    int(frame.simple),
                    int(frame.extended),
                    frame.bitpix,
                    frame.naxis,
                    frame.bscale,
                    frame.bzero,
                    frame.naxis_values,
                    frame.footprint,
                ],
                STAGE_TYPES,
            )
            for frame in frames
        ]
        sectors = sorted({frame.name.sector for frame in frames})
        return self._write(
            [b"".join(rows)], sectors, {}, replace=replace, paths=True, logged=(stamps, "ffi")
        )

    def _write(
        self,
        batches: Iterable[bytes],
        sectors: Sequence[int],
        footprints: Mapping[tuple[int, int, int], np.ndarray],
        *,
        replace: bool,
        paths: bool,
        logged: tuple[Sequence[FileStamp], str] | None = None,
    ) -> Written:
        conn = self.conn
        with conn.transaction():
            staged = _stage(conn, batches, sectors, footprints)
            conn.execute(_OBSERVATIONS, _PARAMS)
            conn.execute(_KEYS, _PARAMS)
            conn.execute(_LOCK)
            conn.execute(_FRESH)
            conn.execute("ANALYZE ffi_key")
            written = _insert(conn, staged, replace=replace, paths=paths)
            conn.execute(_REFERENCE)
            if logged is not None and logged[0]:
                log_files(conn, *logged)  # with the data: the checkpoint of a resumed run
        return written


def _stage(
    conn: Connection,
    batches: Iterable[bytes],
    sectors: Sequence[int],
    footprints: Mapping[tuple[int, int, int], np.ndarray],
) -> int:
    """COPY the rows into ffi_stage, with their sectors and footprints; the row count."""
    with conn.cursor().copy(_COPY) as copy:
        copy.write(pgcopy.HEADER)
        for batch in batches:
            copy.write(batch)
        copy.write(pgcopy.TRAILER)
    with conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO ffi_sector VALUES (%s, %s, %s)",
            [(s, first_orbit(s), ffi_cadence_seconds(s)) for s in sectors],
        )
        cursor.executemany(
            "INSERT INTO ffi_footprint VALUES (%s, %s, %s, %s)",
            [(*key, value.tolist()) for key, value in footprints.items()],
        )
    # temporary tables have no statistics until analysed: without them the planner expects
    # one staged row and joins a million rows by nested loops
    conn.execute("ANALYZE ffi_stage")
    return _count(conn, "SELECT count(*) FROM ffi_stage")


def _insert(conn: Connection, staged: int, *, replace: bool, paths: bool) -> Written:
    conflict = "ON CONFLICT (type, file_path) " + (_REPLACE if replace else "DO NOTHING")
    if paths:
        insert = _INSERT.format(scope="", conflict=conflict) + _RETURNING
        rows = conn.execute(insert, _PARAMS).fetchall()
        fresh = frozenset(str(path) for path, new in rows if new)
        replaced = frozenset(str(path) for path, new in rows if not new)
        return Written(staged, len(fresh), len(replaced), fresh, replaced)
    if replace:
        insert = _INSERT.format(scope="", conflict=conflict) + _RETURNING
        row = conn.execute(
            f"WITH written AS ({insert}) SELECT count(*) FILTER (WHERE fresh), "
            "count(*) FILTER (WHERE NOT fresh) FROM written",
            _PARAMS,
        ).fetchone()
        assert row is not None
        return Written(staged, as_int(row[0]), as_int(row[1]))
    # only inserts can happen: the row counts say how many
    first = conn.execute(_INSERT.format(scope="WHERE k.fresh", conflict=""), _PARAMS)
    more = conn.execute(_INSERT.format(scope="WHERE NOT k.fresh", conflict=conflict), _PARAMS)
    return Written(staged, first.rowcount + more.rowcount, 0)


def _slices(size: int, step: int) -> Iterable[slice]:
    return (slice(start, min(start + step, size)) for start in range(0, size, step))


def _count(conn: Connection, statement: str) -> int:
    row = conn.execute(statement).fetchone()
    return 0 if row is None else as_int(row[0])
