"""Reading back what ingest wrote, with plain SQL (never through the loader's own code)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import psycopg

from lcdb.db import normalise_url

TABLES = (
    "mission",
    "mission_catalog",
    "target",
    "instrument",
    "observation",
    "photometric_source",
    "processing_method",
    "dataset",
    "datasethierarchy",
    "target_specific_time",
    "quality_flag_array",
)


@contextmanager
def connect(url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    libpq = normalise_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq) as conn:
        yield conn


def snapshot(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every lcdb table (arrays as text), to compare before and after."""
    with connect(url) as conn:
        return {
            table: conn.execute(f"SELECT t::text FROM lcdb.{table} t ORDER BY t::text").fetchall()
            for table in TABLES
        }


def counts(url: str) -> dict[str, int]:
    with connect(url) as conn:
        return {
            table: int(conn.execute(f"SELECT count(*) FROM lcdb.{table}").fetchone()[0])  # type: ignore[index]
            for table in TABLES
        }


def targets(url: str) -> set[int]:
    with connect(url) as conn:
        return {int(row[0]) for row in conn.execute("SELECT name FROM lcdb.target")}  # type: ignore[call-overload]


def stored_lightcurve(url: str, tic: int) -> dict[str, object]:
    """Arrays and ids of one target's lightcurve, as the database holds them."""
    with connect(url) as conn:
        row = conn.execute(
            """
            SELECT o.cadence_reference, tst.barycentric_julian_dates,
                   sap.values, sap.errors, pdc.values, pdc.errors, q.quality_flags,
                   pg_typeof(o.cadence_reference)::text, pg_typeof(sap.values)::text,
                   pg_typeof(tst.barycentric_julian_dates)::text, pg_typeof(q.quality_flags)::text,
                   sap.id, pdc.id, o.id, t.id, o.sector, o.orbit_number, o.cadence_seconds,
                   ccd.name, cam.name, top.name, top.parent_id IS NULL, q.type, o.type,
                   ps.name, pm.name, sap.processing_method_id IS NULL,
                   m.name, m.time_unit, m.time_epoch::float8, m.time_epoch_scale,
                   m.time_epoch_format, m.time_format_name, c.name
            FROM lcdb.target t
            JOIN lcdb.mission_catalog c ON c.id = t.catalog_id
            JOIN lcdb.mission m ON m.id = c.host_mission_id
            JOIN lcdb.dataset sap ON sap.target_id = t.id AND sap.processing_method_id IS NULL
            JOIN lcdb.dataset pdc ON pdc.target_id = t.id AND pdc.observation_id = sap.observation_id
                                  AND pdc.processing_method_id IS NOT NULL
            JOIN lcdb.processing_method pm ON pm.id = pdc.processing_method_id
            JOIN lcdb.photometric_source ps ON ps.id = sap.photometric_method_id
            JOIN lcdb.observation o ON o.id = sap.observation_id
            JOIN lcdb.instrument ccd ON ccd.id = o.instrument_id
            JOIN lcdb.instrument cam ON cam.id = ccd.parent_id
            JOIN lcdb.instrument top ON top.id = cam.parent_id
            JOIN lcdb.target_specific_time tst ON tst.target_id = t.id AND tst.observation_id = o.id
            JOIN lcdb.quality_flag_array q ON q.target_id = t.id AND q.observation_id = o.id
            WHERE t.name = %s
            """,
            (tic,),
        ).fetchone()
        assert row is not None, f"TIC {tic} has no complete lightcurve in the database"
        lineage = conn.execute(
            "SELECT source_dataset_id, child_dataset_id FROM lcdb.datasethierarchy "
            "WHERE child_dataset_id = %s",
            (row[12],),
        ).fetchall()
    names = [
        "cadences",
        "time",
        "sap",
        "sap_err",
        "pdc",
        "pdc_err",
        "quality",
        "cadence_type",
        "flux_type",
        "time_type",
        "quality_type",
        "sap_id",
        "pdc_id",
        "observation_id",
        "target_id",
        "sector",
        "orbit",
        "cadence_seconds",
        "ccd",
        "camera",
        "spacecraft",
        "spacecraft_is_top",
        "flags_type",
        "observation_type",
        "aperture",
        "processing",
        "sap_is_raw",
        "mission",
        "time_unit",
        "time_epoch",
        "time_scale",
        "time_format",
        "time_format_name",
        "catalog",
    ]
    stored: dict[str, object] = dict(zip(names, row, strict=True))
    for name, dtype in (
        ("cadences", np.int64),
        ("time", np.float64),
        ("sap", np.float64),
        ("sap_err", np.float64),
        ("pdc", np.float64),
        ("pdc_err", np.float64),
        ("quality", np.int32),
    ):
        stored[name] = np.asarray(stored[name], dtype=dtype)
    stored["lineage"] = lineage
    return stored
