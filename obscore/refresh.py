"""Deriving the ObsCore rows from the lcdb tables, in place and without blocking readers.

One row per lightcurve (lcdb.dataset: ``timeseries``) and one per FITS frame (``image``), by
the SQL below and the mission's `MissionMapping`. A refresh runs in one transaction and only
inserts, updates and deletes rows, so queries keep answering from their snapshot while it runs
and see the new rows once it commits (no table swap, no exclusive lock). Concurrent refreshes
wait for each other (an advisory lock).

* incremental (the default): rows for the datasets and frames that have none yet, and rows
  whose source is gone are deleted. That is what loading new files needs; it finds new rows by
  an anti-join, so it is right whatever order concurrent loads committed in.
* full: every row is derived again and written only where it changed (``IS DISTINCT FROM``),
  so a full refresh of an unchanged archive writes nothing. Needed after data were replaced in
  place (``ingest --replace``) or target positions changed (``ingest targets``).

The derivation reads no array: lengths and time ranges are the generated summary columns of
lcdb.dataset and lcdb.target_specific_time (migration 0011), computed when the rows were written.

Identifiers are made of natural keys (file names, TIC numbers, sectors, pipeline names), never of
serial ids, so a row keeps its obs_publisher_did across refreshes and reloads.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from obscore.missions import MISSIONS, MissionMapping
from obscore.model import COLUMNS, ROWS_TABLE, SCHEMA, SHAPE_COLUMN

DATALINK_FORMAT = "application/x-votable+xml;content=datalink"
#: Authority of obs_publisher_did when none is configured (LCDB_IVO_AUTHORITY).
DEFAULT_AUTHORITY = "lcdb-tap.invalid"
_LOCK = 4_242_001  # pg_advisory_xact_lock key: one refresh at a time
ROWS = f"{SCHEMA}.{ROWS_TABLE}"
STORED = (*(column.name for column in COLUMNS if not column.generated), SHAPE_COLUMN)
#: The small tables the derivation joins (see `refresh`).
DIMENSIONS = (
    "lcdb.mission",
    "lcdb.mission_catalog",
    "lcdb.instrument",
    "lcdb.observation",
    "lcdb.photometric_source",
    "lcdb.processing_method",
)


@dataclass(frozen=True, slots=True)
class RefreshReport:
    full: bool
    derived: int  # rows derived from the sources this time
    written: int  # rows inserted or changed
    deleted: int
    seconds: float

    def __str__(self) -> str:
        kind = "full" if self.full else "incremental"
        return (
            f"ObsCore {kind} refresh: {self.derived:,} rows derived, {self.written:,} written, "
            f"{self.deleted:,} deleted in {self.seconds:.1f} s"
        )


def refresh(
    connection: sa.Connection,
    *,
    full: bool = False,
    authority: str = DEFAULT_AUTHORITY,
    missions: Sequence[MissionMapping] | None = None,
) -> RefreshReport:
    """Bring ivoa.obscore_rows in line with the lcdb tables, inside the caller's transaction."""
    started = time.monotonic()
    chosen = tuple(MISSIONS.values()) if missions is None else tuple(missions)
    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK})")
    # the small tables the derivation joins: unanalysed (autovacuum skips tables under 50
    # rows), the planner misjudges the joins; a few milliseconds
    for table in DIMENSIONS:
        connection.exec_driver_sql(f"ANALYZE {table}")
    estimate = connection.exec_driver_sql(
        f"SELECT reltuples FROM pg_class WHERE oid = '{ROWS}'::regclass"
    ).scalar_one()
    connection.exec_driver_sql(f"CREATE TEMPORARY TABLE obscore_fresh (LIKE {ROWS}) ON COMMIT DROP")
    if not full:
        _find_new(connection)
    columns = ", ".join(STORED)
    for mapping in chosen:
        for select in (dataset_rows(mapping, full=full), frame_rows(mapping, full=full)):
            connection.execute(
                sa.text(f"INSERT INTO obscore_fresh ({columns}) {select}"),
                {"authority": authority},
            )
    derived = int(connection.exec_driver_sql("SELECT count(*) FROM obscore_fresh").scalar_one())
    gone: str | None
    if full:
        gone = (
            f"DELETE FROM {ROWS} AS r WHERE NOT EXISTS "
            "(SELECT 1 FROM obscore_fresh AS f WHERE f.obs_publisher_did = r.obs_publisher_did)"
        )
    else:
        gone = _gone(connection)
    deleted = connection.exec_driver_sql(gone).rowcount if gone else 0
    updates = ", ".join(f"{name} = excluded.{name}" for name in STORED)
    written = connection.exec_driver_sql(
        f"INSERT INTO {ROWS} AS r ({columns}) SELECT {columns} FROM obscore_fresh "
        f"ON CONFLICT (obs_publisher_did) DO UPDATE SET {updates} "
        f"WHERE ({', '.join(f'r.{n}' for n in STORED)}) IS DISTINCT FROM "
        f"({', '.join(f'excluded.{n}' for n in STORED)})"
    ).rowcount
    # statistics again when the table changed by a tenth or more (or never had any): a load
    # of a few files should not pay 1-2 s of ANALYZE on a million rows; autovacuum follows
    if (written or deleted) and (estimate < 0 or written + deleted >= 0.1 * max(estimate, 1)):
        connection.exec_driver_sql(f"ANALYZE {ROWS}")
    return RefreshReport(full, derived, written, deleted, time.monotonic() - started)


def _gone(connection: sa.Connection) -> str | None:
    """The DELETE of rows whose source is gone, or None when counting shows there are none.

    Each row has one source and each source at most one row, and the new sources are those
    without a row, so rows - gone = sources - new: a few counts on the id indexes tell
    whether the scan for gone rows (a second on a million rows) is needed at all.
    """
    tables = ("dataset", "fits_frame")
    needed = False
    for source in tables:
        new = "obscore_new_datasets" if source == "dataset" else "obscore_new_frames"
        counts = connection.exec_driver_sql(
            f"SELECT (SELECT count(*) FROM {ROWS} WHERE lcdb_table = '{source}'), "
            f"(SELECT count(*) FROM {new}), (SELECT count(*) FROM lcdb.{source})"
        ).one()
        rows, fresh, sources = (int(n) for n in counts)
        needed = needed or rows + fresh != sources
    if not needed:
        return None
    connection.exec_driver_sql(
        "CREATE TEMPORARY TABLE obscore_gone ON COMMIT DROP AS "
        f"SELECT r.obs_publisher_did FROM {ROWS} AS r WHERE r.lcdb_table = 'dataset' "
        "AND NOT EXISTS (SELECT 1 FROM lcdb.dataset AS d WHERE d.id = r.lcdb_id) "
        f"UNION ALL SELECT r.obs_publisher_did FROM {ROWS} AS r "
        "WHERE r.lcdb_table = 'fits_frame' "
        "AND NOT EXISTS (SELECT 1 FROM lcdb.fits_frame AS f WHERE f.id = r.lcdb_id)"
    )
    return (
        f"DELETE FROM {ROWS} AS r USING obscore_gone AS g "
        "WHERE r.obs_publisher_did = g.obs_publisher_did"
    )


def _find_new(connection: sa.Connection) -> None:
    """The ids of datasets and frames that have no row yet, found through the id indexes alone
    (the derivation then joins these few instead of anti-joining every source row)."""
    for table, source in (
        ("obscore_new_datasets", "dataset"),
        ("obscore_new_frames", "fits_frame"),
    ):
        connection.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {table} ON COMMIT DROP AS SELECT s.id FROM lcdb.{source} AS s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {ROWS} AS r "
            f"WHERE r.lcdb_id = s.id AND r.lcdb_table = '{source}')"
        )
        connection.exec_driver_sql(f"ANALYZE {table}")


def _epoch_mjd() -> str:
    """The mission's time zero as an MJD, exact (numeric), from its time definition."""
    return (
        "(CASE lower(m.time_epoch_format) WHEN 'jd' THEN m.time_epoch - 2400000.5 "
        "WHEN 'mjd' THEN m.time_epoch END)::double precision"
    )


def _days() -> str:
    """Days per unit of the mission's time values."""
    return "(CASE lower(m.time_unit) WHEN 'd' THEN 1.0 WHEN 's' THEN 1.0 / 86400 END)"


def _constants(mapping: MissionMapping) -> dict[str, str]:
    em_min, em_max = mapping.em_min, mapping.em_max
    return {
        "em_min": repr(em_min),
        "em_max": repr(em_max),
        "em_res_power": repr((em_min + em_max) / 2 / (em_max - em_min)),
        "em_xel": "1",
        "o_ucd": _quote(mapping.o_ucd),
        "pol_states": "NULL",
        "pol_xel": "0",
        "facility_name": _quote(mapping.facility),
        "instrument_name": "concat_ws('/', cam.name, ccd.name)",
        "publisher_id": "'ivo://' || :authority",
        "data_rights": "'public'",
        "s_pixel_scale": repr(mapping.pixel_scale),
        "s_resolution": repr(mapping.resolution),
        "s_calib_status": "'calibrated'",
        "t_calib_status": "'calibrated'",
        "access_format": _quote(DATALINK_FORMAT),
        "sector": mapping.sequence,
    }


def _did(local: str, mapping: MissionMapping) -> str:
    return f"'ivo://' || :authority || '/{mapping.mission.lower()}?' || {local}"


def _safe(sql: str) -> str:
    """Text made URL-safe for identifiers (the DataLink ID rides in access_url's query)."""
    return f"regexp_replace({sql}, '[^A-Za-z0-9._~:/=-]', '_', 'g')"


def _select(values: dict[str, str]) -> str:
    missing = [name for name in STORED if name not in values]
    if missing:
        raise ValueError(f"no value for ObsCore columns {missing}")
    return ", ".join(f"{values[name]} AS {name}" for name in STORED)


def dataset_rows(mapping: MissionMapping, *, full: bool) -> str:
    """SELECT of the rows of `mapping`'s lightcurves (all, or those with no row yet)."""
    pipelines = ", ".join(
        f"({i}, {_quote(p.source_prefix)}, {_bool(p.from_ffis)}, {_quote(p.collection)}, "
        f"{_quote(p.obs_prefix)}, {_quote(p.creator)}, {_quote(p.label)}, "
        f"{_quote(p.flux_calibration)})"
        for i, p in enumerate(mapping.pipelines)
    )
    obs_id = mapping.lightcurve_obs_id
    local = f"{obs_id} || '/' || {_safe('ps.name')} || coalesce('/' || {_safe('pm.name')}, '')"
    radius = repr(mapping.aperture_radius)
    values = {
        **_constants(mapping),
        "dataproduct_type": "'timeseries'",
        "dataproduct_subtype": "'lightcurve'",
        "calib_level": "CASE WHEN d.processing_method_id IS NULL THEN 2 ELSE 3 END",
        "obs_collection": "pipe.collection",
        "obs_id": obs_id,
        "obs_publisher_did": _did(local, mapping),
        "access_estsize": "(d.value_count::bigint * 32 + 1023) / 1024",
        "target_name": "t.name::text",
        "s_ra": "t.ra",
        "s_dec": "t.dec",
        "s_fov": f"CASE WHEN t.ra IS NOT NULL AND t.dec IS NOT NULL THEN 2 * {radius} END",
        "s_region": (
            "CASE WHEN t.ra IS NOT NULL AND t.dec IS NOT NULL THEN 'CIRCLE ICRS ' || t.ra "
            f"|| ' ' || t.dec || ' ' || {radius} END"
        ),
        SHAPE_COLUMN: (
            "CASE WHEN t.ra IS NOT NULL AND t.dec IS NOT NULL "
            f"THEN ARRAY[t.ra, t.dec, {radius}] END"
        ),
        "s_xel1": "1",
        "s_xel2": "1",
        "t_min": f"tst.time_min * {_days()} + {_epoch_mjd()}",
        "t_max": f"tst.time_max * {_days()} + {_epoch_mjd()}",
        "t_exptime": f"tst.time_count * o.cadence_seconds * {mapping.exposure_fraction!r}",
        "t_resolution": "o.cadence_seconds",
        "t_xel": "d.value_count",
        "obs_creator_name": "pipe.creator",
        "obs_title": mapping.lightcurve_title,
        "o_unit": "nullif(d.values_unit, '')",
        "o_calib_status": (
            "CASE WHEN d.values_unit = '' THEN 'normalized' ELSE pipe.flux_calibration END"
        ),
        "lcdb_table": "'dataset'",
        "lcdb_id": "d.id",
    }
    new_only = "" if full else "AND d.id IN (SELECT id FROM obscore_new_datasets)"
    return f"""
SELECT {_select(values)}
FROM lcdb.dataset AS d
JOIN lcdb.target AS t ON t.id = d.target_id
JOIN lcdb.mission_catalog AS c ON c.id = t.catalog_id
JOIN lcdb.mission AS m ON m.id = c.host_mission_id
JOIN lcdb.observation AS o ON o.id = d.observation_id
JOIN lcdb.instrument AS ccd ON ccd.id = o.instrument_id
LEFT JOIN lcdb.instrument AS cam ON cam.id = ccd.parent_id
LEFT JOIN lcdb.photometric_source AS ps ON ps.id = d.photometric_method_id
LEFT JOIN lcdb.processing_method AS pm ON pm.id = d.processing_method_id
JOIN LATERAL (
    SELECT p.* FROM (VALUES {pipelines})
        AS p(rank, source_prefix, from_ffis, collection, obs_prefix, creator, label,
             flux_calibration)
    WHERE starts_with(coalesce(ps.name, ''), p.source_prefix)
      AND (p.from_ffis IS NULL OR p.from_ffis = (o.cadence_seconds >= {mapping.ffi_cadence!r}))
    ORDER BY p.rank LIMIT 1
) AS pipe ON true
LEFT JOIN lcdb.target_specific_time AS tst
    ON tst.target_id = d.target_id AND tst.observation_id = d.observation_id
WHERE m.name = {_quote(mapping.mission)} {new_only}
"""


def frame_rows(mapping: MissionMapping, *, full: bool) -> str:
    """SELECT of the rows of `mapping`'s FITS frames (all, or those with no row yet)."""
    file_name = "regexp_replace(f.file_path, '^.*/', '')"
    local = f"coalesce({_safe(file_name)}, {mapping.frame_obs_id} || '/' || f.cadence)"
    values = {
        **_constants(mapping),
        "dataproduct_type": "'image'",
        "dataproduct_subtype": "'ffi'",
        "calib_level": "2",
        "obs_collection": _quote(mapping.frame_collection),
        "obs_id": mapping.frame_obs_id,
        "obs_publisher_did": _did(local, mapping),
        "access_estsize": (
            "((SELECT coalesce(exp(sum(ln(greatest(n, 1)))), 0) FROM unnest(f.naxis_values) AS n)"
            " * abs(f.bitpix) / 8 / 1024)::bigint"
        ),
        "target_name": "NULL",
        "s_ra": "shape.centre[1]",
        "s_dec": "shape.centre[2]",
        "s_fov": "2 * shape.bound[3]",
        "s_region": "'POLYGON ICRS ' || array_to_string(shape.region, ' ')",
        SHAPE_COLUMN: "shape.region",
        "s_xel1": "f.naxis_values[1]",
        "s_xel2": "f.naxis_values[2]",
        "t_min": f"f.start_time * {_days()} + {_epoch_mjd()}",
        "t_max": f"f.stop_time * {_days()} + {_epoch_mjd()}",
        "t_exptime": (
            "coalesce(f.exposure_time, "
            f"(f.stop_time - f.start_time) * {_days()} * 86400 * {mapping.exposure_fraction!r})"
        ),
        "t_resolution": f"(f.stop_time - f.start_time) * {_days()} * 86400",
        "t_xel": "1",
        "obs_creator_name": _quote(mapping.frame_creator),
        "obs_title": mapping.frame_title,
        "o_unit": "'electron/s'",
        "o_calib_status": "'relative'",
        "lcdb_table": "'fits_frame'",
        "lcdb_id": "f.id",
    }
    new_only = "" if full else "AND f.id IN (SELECT id FROM obscore_new_frames)"
    # Every frame of a CCD in a sector has the same outline: its region (read as ADQL reads a
    # POLYGON: the smaller side, whichever way the vertices run), centre and bounding circle are
    # computed once per distinct footprint, in a materialised CTE: whatever join the planner
    # picks (on fresh, unanalysed tables a nested loop), they are never computed per row.
    return f"""
WITH shape AS MATERIALIZED (
    SELECT footprint, region, adql_udf.geo_centroid(region) AS centre,
           adql_udf.geo_bounding_circle(region) AS bound
    FROM (SELECT footprint, adql_udf.geo_polygon(footprint) AS region
          FROM (SELECT DISTINCT footprint FROM lcdb.fits_frame
                WHERE footprint IS NOT NULL) AS u
          OFFSET 0) AS r
)
SELECT {_select(values)}
FROM lcdb.fits_frame AS f
JOIN lcdb.observation AS o ON o.id = f.observation_id
JOIN lcdb.instrument AS ccd ON ccd.id = o.instrument_id
LEFT JOIN lcdb.instrument AS cam ON cam.id = ccd.parent_id
JOIN lcdb.mission AS m ON m.name = {_quote(mapping.mission)}
LEFT JOIN shape ON shape.footprint = f.footprint
WHERE f.type = {_quote(mapping.frame_type)}
  AND {_root_is(mapping)} {new_only}
"""


def _root_is(mapping: MissionMapping) -> str:
    """The frame's instrument belongs to the mission's tree (CCD > camera > root)."""
    return (
        "(SELECT root.name FROM lcdb.instrument AS root "
        "WHERE root.id = coalesce((SELECT parent_id FROM lcdb.instrument WHERE id = cam.id), "
        f"cam.id, ccd.id)) = {_quote(mapping.instrument_root)}"
    )


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _bool(value: bool | None) -> str:
    return "NULL::boolean" if value is None else ("true" if value else "false")
