"""Target catalogues: positions and TIC properties for targets, from a table file.

Lightcurve headers quote the TIC values of their own target; a catalogue table sets them for
any number of targets at once (and creates the targets), so positions are known before, or
without, any lightcurve. A catalogue is authoritative: it overwrites what headers filled in.
The whole file is checked first and loaded in one transaction, all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import psycopg

from lcdb.db import normalise_url
from lcdb.ingest import pgcopy
from lcdb.ingest.errors import IngestError, InvalidValue, MissingColumn, UnreadableFile
from lcdb.ingest.load import ensure_dimensions

if TYPE_CHECKING:
    from astropy.table import Column, Table  # annotations only; astropy is untyped

ID_COLUMNS = ("tic_id", "ticid", "id")
#: database column -> accepted column names in the file (case-insensitive), first match wins
OPTIONAL_COLUMNS = {
    "magnitude": ("tmag", "tessmag", "magnitude"),
    "pmra": ("pmra",),
    "pmdec": ("pmdec",),
    "teff": ("teff",),
    "logg": ("logg",),
    "metallicity": ("mh", "metallicity", "feh"),
    "radius": ("radius", "rad"),
}
FORMATS = {
    ".csv": "ascii.csv",
    ".ecsv": "ascii.ecsv",
    ".vot": "votable",
    ".xml": "votable",
    ".fits": "fits",
    ".fit": "fits",
}


@dataclass(frozen=True, slots=True)
class TargetsLoaded:
    created: int
    updated: int


@dataclass(frozen=True, slots=True)
class TargetTable:
    ids: np.ndarray  # int64
    columns: dict[str, np.ndarray]  # database column -> float64 (NaN = unknown)


def read_target_table(path: Path) -> TargetTable:
    """Read and check a catalogue; raises an `IngestError` naming the row and column at fault."""
    table = _read(path)
    by_name = {name.lower(): name for name in table.colnames}
    id_name = next((by_name[n] for n in ID_COLUMNS if n in by_name), None)
    if id_name is None:
        raise MissingColumn(path, f"no id column (one of {', '.join(ID_COLUMNS)})")
    for required in ("ra", "dec"):
        if required not in by_name:
            raise MissingColumn(path, f"no {required} column")
    ids = _integers(path, table[id_name], id_name)
    columns = {
        "ra": _floats(path, table[by_name["ra"]], "ra", required=True),
        "dec": _floats(path, table[by_name["dec"]], "dec", required=True),
    }
    for column, names in OPTIONAL_COLUMNS.items():
        found = next((by_name[n] for n in names if n in by_name), None)
        if found is not None:
            columns[column] = _floats(path, table[found], found, required=False)
    _check_range(path, columns["ra"], "ra", 0.0, 360.0, upper_open=True)
    _check_range(path, columns["dec"], "dec", -90.0, 90.0, upper_open=False)
    unique, counts = np.unique(ids, return_counts=True)
    if bool((counts > 1).any()):
        twice = unique[counts > 1]
        raise InvalidValue(path, f"id {int(twice[0])} appears more than once ({twice.size} ids do)")
    return TargetTable(ids, columns)


def ingest_targets(url: str, path: Path, *, catalog: str = "TIC") -> TargetsLoaded:
    """Create or update the targets of one catalogue file, in one transaction."""
    table = read_target_table(path)
    names = list(table.columns)
    libpq = normalise_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq) as conn:
        ensure_dimensions(conn)
        with conn.transaction():
            row = conn.execute(
                "SELECT id FROM lcdb.mission_catalog WHERE name = %s", (catalog,)
            ).fetchone()
            if row is None:
                raise InvalidValue(path, f"no catalogue named {catalog!r} in the archive")
            conn.execute(
                "CREATE TEMPORARY TABLE target_stage (name int8, "
                + ", ".join(f"{n} float8" for n in names)
                + ") ON COMMIT DROP"
            )
            rows = zip(
                table.ids.tolist(),
                *[[None if x != x else x for x in v.tolist()] for v in table.columns.values()],
                strict=True,
            )
            types = ("int8", *["float8"] * len(names))
            with conn.cursor().copy(
                f"COPY target_stage (name, {', '.join(names)}) FROM STDIN (FORMAT binary)"
            ) as copy:
                copy.write(pgcopy.encode_stream(rows, types))
            inserted = conn.execute(
                f"INSERT INTO lcdb.target (catalog_id, name, {', '.join(names)}) "
                f"SELECT %s, name, {', '.join(names)} FROM target_stage "
                "ON CONFLICT (catalog_id, name) DO UPDATE SET "
                + ", ".join(f"{n} = EXCLUDED.{n}" for n in names)
                + " RETURNING (xmax = 0)",
                (row[0],),
            ).fetchall()
    created = sum(1 for (fresh,) in inserted if fresh)
    return TargetsLoaded(created, len(inserted) - created)


def _read(path: Path) -> Table:
    from astropy.table import Table

    if not path.is_file():
        raise UnreadableFile(path, "no such file")
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UnreadableFile(
            path, f"unknown table format {path.suffix!r} (use {', '.join(sorted(FORMATS))})"
        )
    try:
        return Table.read(path, format=fmt)
    except IngestError:
        raise
    except Exception as exc:  # astropy's readers raise many kinds
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UnreadableFile(path, f"not a readable {fmt} table ({reason})") from exc


def _values(column: Column) -> tuple[np.ndarray, np.ndarray]:
    data = np.ma.getdata(column)
    mask = np.ma.getmaskarray(column)
    return np.asarray(data), np.asarray(mask)


def _integers(path: Path, column: Column, name: str) -> np.ndarray:
    data, mask = _values(column)
    if bool(mask.any()):
        raise InvalidValue(path, f"row {int(np.argmax(mask)) + 1}: {name} is empty")
    if data.dtype.kind not in "iu":
        raise InvalidValue(path, f"column {name} holds {data.dtype} values, not integers")
    ids = data.astype(np.int64)
    bad = ids < 1
    if bool(bad.any()):
        raise InvalidValue(path, f"row {int(np.argmax(bad)) + 1}: {name} = {int(ids[bad][0])}")
    return ids


def _floats(path: Path, column: Column, name: str, *, required: bool) -> np.ndarray:
    data, mask = _values(column)
    if data.dtype.kind not in "iuf":
        raise InvalidValue(path, f"column {name} holds {data.dtype} values, not numbers")
    values = data.astype(np.float64)
    values[mask] = np.nan
    if required and bool(np.isnan(values).any()):
        raise InvalidValue(path, f"row {int(np.argmax(np.isnan(values))) + 1}: {name} is empty")
    return values


def _check_range(
    path: Path, values: np.ndarray, name: str, low: float, high: float, *, upper_open: bool
) -> None:
    above = values >= high if upper_open else values > high
    bad = (values < low) | above
    if bool(bad.any()):
        row = int(np.argmax(bad))
        end = ")" if upper_open else "]"
        raise InvalidValue(
            path, f"row {row + 1}: {name} = {values[row]} is outside [{low:g}, {high:g}{end}"
        )
