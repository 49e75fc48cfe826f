"""Reading back FFI frames and their observations with plain SQL (never the loader's code)."""

from __future__ import annotations

import numpy as np

from tests.lcdb.ingest.support import connect

FRAME_COLUMNS = (
    "type",
    "cadence",
    "simple",
    "bitpix",
    "naxis",
    "naxis_values",
    "extended",
    "bscale",
    "bzero",
    "start_time",
    "stop_time",
    "exposure_time",
    "quality",
    "footprint",
    "sector",
    "cadence_seconds",
    "camera",
    "ccd",
    "observation_type",
    "observation_id",
)


def frames(url: str, path: str | None = None) -> dict[str, dict[str, object]]:
    """Every frame (or the one at `path`) by file_path, with its observation's sector,
    cadence and CCD."""
    with connect(url) as conn:
        rows = conn.execute(
            """
            SELECT f.file_path, f.type, f.cadence, f.simple, f.bitpix, f.naxis, f.naxis_values,
                   f.extended, f.bscale, f.bzero, f.start_time, f.stop_time, f.exposure_time,
                   f.quality, f.footprint, o.sector, o.cadence_seconds,
                   (ccd.properties ->> 'camera')::int, (ccd.properties ->> 'ccd')::int, o.type, o.id
            FROM lcdb.fits_frame f
            JOIN lcdb.observation o ON o.id = f.observation_id
            JOIN lcdb.instrument ccd ON ccd.id = o.instrument_id
            WHERE %(path)s::text IS NULL OR f.file_path = %(path)s
            """,
            {"path": path},
        ).fetchall()
    return {str(row[0]): dict(zip(FRAME_COLUMNS, row[1:], strict=True)) for row in rows}


def frame_count(url: str) -> int:
    with connect(url) as conn:
        return int(conn.execute("SELECT count(*) FROM lcdb.fits_frame").fetchone()[0])  # type: ignore[index]


def observations(url: str) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per observation: its cadence_reference and the sorted distinct cadences of its frames."""
    with connect(url) as conn:
        rows = conn.execute(
            "SELECT o.id, o.cadence_reference, "
            "ARRAY(SELECT DISTINCT cadence FROM lcdb.fits_frame f WHERE f.observation_id = o.id "
            "ORDER BY 1) FROM lcdb.observation o"
        ).fetchall()
    return {
        int(row[0]): (np.asarray(row[1], dtype=np.int64), np.asarray(row[2], dtype=np.int64))  # type: ignore[call-overload]
        for row in rows
    }


def table_text(url: str, table: str) -> list[tuple[object, ...]]:
    """Every row of an lcdb table as text, to compare before and after."""
    with connect(url) as conn:
        return conn.execute(f"SELECT t::text FROM lcdb.{table} t ORDER BY t::text").fetchall()
