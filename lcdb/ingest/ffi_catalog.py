"""FFI catalogues: one row per SPOC FFI file, read into aligned numpy arrays without the files.

A catalogue is a table with the columns ``path`` (the file's archive path or name), ``camera``,
``ccd``, ``start`` and ``stop`` (UTC, ISO 8601) and ``quality`` (DQUALITY); ``sector`` is
optional (the file name has it; if present it must agree). That is the layout of the per-sector
catalogues the ``tess-cloud`` package ships (Parquet, read with pyarrow); the same table as
CSV, ECSV, VOTable or FITS is read with astropy. Other columns (``barycorr``, ``data_offset``)
are ignored. A bad row fails the whole catalogue, with its row number.

Times: tess-cloud's ``start``/``stop`` are the FFI headers' DATE-OBS/DATE-END cut to whole
seconds, and SPOC writes DATE-OBS as "TSTART as UTC calendar date": the barycentric BTJD start
rendered in UTC. Converting UTC -> TDB therefore gives TSTART back, and BARYCORR must *not* be
added again (checked on S1 camera 4 CCD 2: TDB(start) - 2457000 = 1325.3138331 against the
header's TSTART 1325.3138446, the 0.993 s the catalogue cut off; adding BARYCORR would be 65 s
off). UTC -> TT is exact (astropy, leap seconds included); TDB - TT (at most 1.7 ms, periodic over
a year) is taken from astropy at daily knots and interpolated, which costs under a microsecond
and keeps a million rows under a second (astropy's per-row TDB series takes 16 s). So stored
times are within 1 s (the cut fraction, always early) of the header's TSTART/TSTOP.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from lcdb.ingest.errors import BadCatalog
from lcdb.ingest.ffi_name import (
    NAME_LENGTH,
    FFINames,
    NotAnFFIName,
    cadence_numbers,
    parse_codes,
    parse_names,
)

if TYPE_CHECKING:
    import pyarrow as pa  # imported where Parquet is read: no import cost for the others

BTJD_EPOCH = 2457000.0
UNIX_EPOCH_JD = 2440587.5
REQUIRED = ("path", "camera", "ccd", "start", "stop", "quality")
ASTROPY_FORMATS = {
    ".csv": "ascii.csv",
    ".ecsv": "ascii.ecsv",
    ".xml": "votable",
    ".vot": "votable",
    ".votable": "votable",
    ".fits": "fits",
    ".fit": "fits",
}


@dataclass(frozen=True, slots=True)
class FrameCatalog:
    """The rows of one catalogue file, checked; arrays aligned by row."""

    path: Path
    names: FFINames
    cadence: np.ndarray  # int64 (see lcdb.ingest.ffi_name)
    start_time: np.ndarray  # float64 BTJD
    stop_time: np.ndarray
    quality: np.ndarray  # int32 DQUALITY

    @property
    def size(self) -> int:
        return len(self.cadence)

    @property
    def sectors(self) -> list[int]:
        return sorted(int(sector) for sector in np.unique(self.names.sector))


def read_catalog(path: Path | str) -> FrameCatalog:
    """Read and check one catalogue file; raises `BadCatalog` naming the problem."""
    path = Path(path)
    if not path.is_file():
        raise BadCatalog(path, "no such file")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        columns = _parquet_columns(path)
    elif suffix in ASTROPY_FORMATS:
        columns = _astropy_columns(path, ASTROPY_FORMATS[suffix])
    else:
        known = ", ".join([".parquet", *ASTROPY_FORMATS])
        raise BadCatalog(path, f"unknown catalogue format {suffix!r} (known: {known})")
    return _check(path, columns)


def _parquet_columns(path: Path) -> dict[str, np.ndarray]:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(path).names
        _require(path, names)
        wanted = [*REQUIRED, *(["sector"] if "sector" in names else [])]
        table = pq.read_table(path, columns=wanted)
        if any(table[name].null_count for name in wanted):
            raise BadCatalog(path, "a column has empty (null) values")
        file_names = pc.replace_substring_regex(table["path"], r"^.*/", "").combine_chunks()
        columns = {
            "name": _name_codes(file_names),
            "start": pc.cast(table["start"], pa.timestamp("us")).to_numpy(zero_copy_only=False),
            "stop": pc.cast(table["stop"], pa.timestamp("us")).to_numpy(zero_copy_only=False),
        }
        for name in ("camera", "ccd", "quality", "sector"):
            if name in wanted:
                columns[name] = table[name].to_numpy(zero_copy_only=False)
    except BadCatalog:
        raise
    except Exception as exc:  # pyarrow.ArrowInvalid and friends
        raise BadCatalog(path, f"not a readable catalogue ({_first_line(exc)})") from exc
    return columns


def _astropy_columns(path: Path, format_: str) -> dict[str, np.ndarray]:
    from astropy.table import Table

    try:
        table = Table.read(path, format=format_)
        _require(path, table.colnames)
        columns: dict[str, np.ndarray] = {}
        for name in [*REQUIRED, "sector"]:
            if name not in table.colnames:
                continue
            column = table[name]
            if getattr(column, "mask", None) is not None and np.any(column.mask):
                raise BadCatalog(path, f"column {name} has empty (masked) values")
            columns[name] = np.asarray(column)
        paths = np.asarray(columns.pop("path"), dtype=str)  # FITS tables give bytes
        columns["name"] = np.array([path.rpartition("/")[2] for path in paths.tolist()])
        for name in ("start", "stop"):
            columns[name] = np.asarray(columns[name], dtype=str).astype("datetime64[us]")
    except BadCatalog:
        raise
    except Exception as exc:  # astropy's readers raise many kinds
        raise BadCatalog(path, f"not a readable catalogue ({_first_line(exc)})") from exc
    return columns


def _name_codes(names: pa.Array[Any]) -> np.ndarray:
    """(n, NAME_LENGTH) uint8 codes straight from an Arrow string array when every name has
    the template's length (the usual case: no per-row Python objects); else a str array."""
    import pyarrow as pa

    if names.type != pa.string() or names.null_count or not len(names):
        return np.asarray(names.to_numpy(zero_copy_only=False), dtype=str)
    _, offsets_buffer, data_buffer = names.buffers()  # validity, offsets, UTF-8 bytes
    if offsets_buffer is not None and data_buffer is not None:
        offsets = np.frombuffer(memoryview(offsets_buffer), dtype=np.int32)
        offsets = offsets[names.offset : names.offset + len(names) + 1]
        if np.all(np.diff(offsets) == NAME_LENGTH):
            data = np.frombuffer(memoryview(data_buffer), dtype=np.uint8)
            start, stop = int(offsets[0]), int(offsets[-1])
            return data[start:stop].reshape(len(names), NAME_LENGTH)
    return np.asarray(names.to_numpy(zero_copy_only=False), dtype=str)


def _require(path: Path, present: list[str]) -> None:
    missing = [name for name in REQUIRED if name not in present]
    if missing:
        raise BadCatalog(path, f"no column {', '.join(missing)} (need {', '.join(REQUIRED)})")


def _check(path: Path, columns: dict[str, np.ndarray]) -> FrameCatalog:
    if len(columns["name"]) == 0:
        raise BadCatalog(path, "the catalogue has no rows")
    raw = columns["name"]
    try:
        if raw.dtype == np.uint8:
            names = parse_codes(raw, np.zeros(len(raw), dtype=bool), lambda row: _text(raw[row]))
        else:
            names = parse_names(raw)
    except NotAnFFIName as exc:
        raise BadCatalog(path, f"row {exc.index + 1}: {exc.name!r} is {exc.reason}") from exc
    _refuse_raw_and_repeats(path, names)
    for column, parsed in (("camera", names.camera), ("ccd", names.ccd), ("sector", names.sector)):
        if column in columns:
            _agree(path, column, _integers(path, column, columns[column]), parsed, raw)
    start, stop = (_btjd(path, name, columns[name]) for name in ("start", "stop"))
    late = start > stop
    if late.any():
        row = int(np.argmax(late))
        raise BadCatalog(path, f"row {row + 1}: start is after stop")
    quality = _integers(path, "quality", columns["quality"])
    if quality.min() < 0 or quality.max() > np.iinfo(np.int32).max:
        row = int(np.argmax((quality < 0) | (quality > np.iinfo(np.int32).max)))
        raise BadCatalog(path, f"row {row + 1}: quality {quality[row]} is not a DQUALITY word")
    return FrameCatalog(
        path=path,
        names=names,
        cadence=cadence_numbers(names.stamp, names.sector),
        start_time=start,
        stop_time=stop,
        quality=quality.astype(np.int32),
    )


def _refuse_raw_and_repeats(path: Path, names: FFINames) -> None:
    if names.raw.any():
        row = int(np.argmax(names.raw))
        raise BadCatalog(
            path,
            f"row {row + 1}: a raw FFI (_ffir); catalogue loads know the layout of calibrated "
            "FFIs (_ffic) only: load raw FFIs from their headers (lcdb-tap ingest ffi)",
        )
    keys = (names.scconfig, names.ccd, names.camera, names.sector, names.stamp)
    order = np.lexsort(keys)
    same = np.ones(len(order) - 1, dtype=bool)
    for key in keys:
        ordered = key[order]
        same &= ordered[1:] == ordered[:-1]
    if same.any():
        first, second = sorted(int(row) for row in order[int(np.argmax(same)) :][:2])
        raise BadCatalog(path, f"row {second + 1} names the same file as row {first + 1}")


def _agree(
    path: Path, column: str, given: np.ndarray, parsed: np.ndarray, names: np.ndarray
) -> None:
    differ = given != parsed
    if differ.any():
        row = int(np.argmax(differ))
        raise BadCatalog(
            path,
            f"row {row + 1}: {column} is {given[row]}, but the file name {_text(names[row])} says "
            f"{parsed[row]}",
        )


def _integers(path: Path, column: str, values: np.ndarray) -> np.ndarray:
    if not np.issubdtype(values.dtype, np.integer):
        raise BadCatalog(path, f"column {column} holds {values.dtype}, not integers")
    return values.astype(np.int64)


def _btjd(path: Path, column: str, values: np.ndarray) -> np.ndarray:
    """UTC datetime64 values -> BTJD (TDB), vectorised (see the module docstring)."""
    from astropy.time import Time

    instants = np.asarray(values).astype("datetime64[us]")
    if np.isnat(instants).any():
        row = int(np.argmax(np.isnat(instants)))
        raise BadCatalog(path, f"row {row + 1}: {column} is not a date and time")
    micro = instants.astype(np.int64)
    days, rest = np.divmod(micro, 86_400_000_000)
    utc = Time(days + UNIX_EPOCH_JD, rest / 86_400_000_000.0, format="jd", scale="utc")
    tt = utc.tt
    tt_btjd = (tt.jd1 - BTJD_EPOCH) + tt.jd2
    knots = np.arange(np.floor(tt_btjd.min()) - 1.0, np.ceil(tt_btjd.max()) + 2.0)
    at_knots = Time(knots + BTJD_EPOCH, format="jd", scale="tt")
    tdb = at_knots.tdb
    tdb_minus_tt = (tdb.jd1 - at_knots.jd1) + (tdb.jd2 - at_knots.jd2)
    return np.asarray(tt_btjd + np.interp(tt_btjd, knots, tdb_minus_tt), dtype=np.float64)


def _text(name: object) -> str:
    if isinstance(name, np.ndarray):
        return bytes(name.astype(np.uint8)).decode("utf-8", "replace")
    return str(name)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def describe(catalog: FrameCatalog) -> str:
    """'sectors 1, 2: 45,200 frames' for result lines."""
    sectors = ", ".join(str(sector) for sector in catalog.sectors)
    label = "sector" if len(catalog.sectors) == 1 else "sectors"
    return f"{label} {sectors}"
