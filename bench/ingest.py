"""Benchmark: `lcdb-tap ingest lightcurves` against a plain binary COPY of the same arrays.

Not a test: run ``python bench/ingest.py [--files N] [--cadences C]``. It writes N synthetic
SPOC-format lightcurves (C cadences each, default 20,000; the real S1 file's layout: PRIMARY
with TICID/SECTOR/CAMERA/CCD, a LIGHTCURVE table with TIME, CADENCENO, SAP/PDCSAP fluxes and
errors, QUALITY and the centroid columns, an APERTURE image) into a temporary directory,
starts a throw-away embedded PostgreSQL, and in the same run measures:

* ingest with 1 and with 2 jobs, each into a freshly migrated database (files read from disk
  with astropy, checked, staged with COPY and upserted: the whole command's work);
* ``COPY ... FROM STDIN (FORMAT binary)`` of the same seven arrays per file, already in
  memory, into a bare table with the archive's column storage: once through psycopg's
  ``set_types``/``write_row`` and once as a pre-encoded stream; the faster is the baseline;
* bytes on disk of the lcdb tables (``pg_total_relation_size``) per byte of the arrays as
  numpy holds them after reading.

Targets (issue #5): ingest at least half the baseline rate; at most 1.3 database bytes per
raw array byte.

``--ffi-frames`` runs the FFI part instead: ``lcdb-tap ingest ffi-catalog`` of real tess-cloud
catalogues (sectors 56-61, 1,036,460 SPOC FFI files; fetched from PyPI and cached like the test
data) into a freshly migrated database, against a plain binary COPY of the very rows it stored
(exported with ``COPY (SELECT ...) TO STDOUT (FORMAT binary)``) into a bare table without keys
or indexes, and into a table with fits_frame's indexes and foreign key (what the schema costs).
Target: well under a minute for a million records. Measured 2026-11-23 on the shared 2-core
machine: with load average ~4, 1 job 71 s, 2 jobs 44 s (23,600 records/s), plain COPY 2.9 s
(ratio 0.07), indexed COPY 26 s (ratio 0.60); quieter, 1 job 37 s, 2 jobs 29.6 s (35,000
records/s), indexed COPY 24.6 s (ratio 0.83). A second run skips the catalogues through the
ingest log (0.1 s); ``resume=False`` re-reads them and finds every row by its natural key.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import psycopg
from astropy.io import fits

from lcdb import migrate
from lcdb.db import normalise_url
from lcdb.embedded import EmbeddedPostgres, temporary_server
from lcdb.ingest import pgcopy
from lcdb.ingest.product import Lightcurve
from lcdb.ingest.run import ingest_lightcurves
from lcdb.ingest.spoc import read_spoc_lightcurve

BARE = (
    "CREATE TABLE bare (cadences int8[], time float8[], sap float8[], sap_err float8[], "
    "pdc float8[], pdc_err float8[], quality int4[])"
)
BARE_COLUMNS = ("cadences", "time", "sap", "sap_err", "pdc", "pdc_err", "quality")


def write_lightcurve(path: Path, tic: int, cadences: int, rng: np.random.Generator) -> None:
    """A SPOC-format 2-min lightcurve of sector 1, camera 3, CCD 3 with realistic gaps."""
    n = cadences
    cadence_numbers = np.arange(70444, 70444 + n, dtype=np.int32)
    time_ = 1325.2934 + (cadence_numbers - 70444) * (120.0 / 86400.0)
    gap = slice(n // 2, n // 2 + n // 25)  # the mid-sector downlink: no times, no fluxes
    time_[gap] = np.nan
    flux = (1000.0 + rng.normal(0.0, 5.0, n)).astype(np.float32)
    flux[gap] = np.nan
    error = np.full(n, 5.0, dtype=np.float32)
    quality = np.zeros(n, dtype=np.int32)
    quality[rng.integers(0, n, n // 50)] = 128
    columns = [
        fits.Column("TIME", "D", "BJD - 2457000, days", array=time_),
        fits.Column("TIMECORR", "E", "d", array=np.zeros(n, np.float32)),
        fits.Column("CADENCENO", "J", array=cadence_numbers),
        fits.Column("SAP_FLUX", "E", "e-/s", array=flux),
        fits.Column("SAP_FLUX_ERR", "E", "e-/s", array=error),
        fits.Column("SAP_BKG", "E", "e-/s", array=np.zeros(n, np.float32)),
        fits.Column("SAP_BKG_ERR", "E", "e-/s", array=np.zeros(n, np.float32)),
        fits.Column("PDCSAP_FLUX", "E", "e-/s", array=flux * np.float32(1.01)),
        fits.Column("PDCSAP_FLUX_ERR", "E", "e-/s", array=error),
        fits.Column("QUALITY", "J", array=quality),
    ]
    columns += [
        fits.Column(name, "D", "pixel", array=np.zeros(n))
        for name in ("PSF_CENTR1", "PSF_CENTR2", "MOM_CENTR1", "MOM_CENTR2")
    ]
    primary = fits.PrimaryHDU()
    for key, value in {
        "ORIGIN": "NASA/Ames",
        "TELESCOP": "TESS",
        "INSTRUME": "TESS Photometer",
        "OBJECT": f"TIC {tic}",
        "TICID": tic,
        "SECTOR": 1,
        "CAMERA": 3,
        "CCD": 3,
        "PROCVER": "spoc-3.3.36-20180925",
        "DATA_REL": 1,
        "TESSMAG": 10.0,
    }.items():
        primary.header[key] = value
    table = fits.BinTableHDU.from_columns(columns, name="LIGHTCURVE")
    for key, value in {
        "TIMEREF": "SOLARSYSTEM",
        "TIMESYS": "TDB",
        "BJDREFI": 2457000,
        "BJDREFF": 0.0,
        "TIMEUNIT": "d",
        "TIMEDEL": 120.0 / 86400.0,
        "CDPP1_0": 300.0,
        "PDCMETHD": "msMAP",
    }.items():
        table.header[key] = value
    aperture = fits.ImageHDU(np.full((11, 11), 129, dtype=np.int32), name="APERTURE")
    fits.HDUList([primary, table, aperture]).writeto(path)


def new_database(server: EmbeddedPostgres, name: str) -> str:
    with psycopg.connect(server.libpq_url(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = server.url(name)
    migrate.upgrade(url)
    return url


def libpq(url: str) -> str:
    return normalise_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def timed_ingest(url: str, directory: Path, jobs: int, *, resume: bool = True) -> float:
    start = time.perf_counter()
    results = list(ingest_lightcurves(url, [directory], jobs=jobs, resume=resume))
    elapsed = time.perf_counter() - start
    failed = [r for r in results if r.failed]
    if failed:
        raise SystemExit(f"ingest failed: {failed[0].path}: {failed[0].reason}")
    return elapsed


STAGE_TYPES = ("int8[]", "float8[]", "float8[]", "float8[]", "float8[]", "float8[]", "int4[]")


def arrays(lc: Lightcurve) -> tuple[np.ndarray | None, ...]:
    sap, pdc = lc.fluxes
    return (lc.cadences, lc.time, sap.values, sap.errors, pdc.values, pdc.errors, lc.quality)


def timed_plain_copy(url: str, products: list[Lightcurve], *, encoded: bool) -> float:
    """COPY the arrays into a bare table with the archive's storage; one commit per file."""
    types = [kind.replace("[]", "") + "[]" for kind in STAGE_TYPES]
    with psycopg.connect(libpq(url)) as conn:
        conn.execute("DROP TABLE IF EXISTS bare")
        conn.execute(BARE)
        for column in BARE_COLUMNS:
            conn.execute(f"ALTER TABLE bare ALTER COLUMN {column} SET STORAGE EXTERNAL")
        conn.commit()
        start = time.perf_counter()
        for lc in products:
            with conn.cursor().copy("COPY bare FROM STDIN (FORMAT binary)") as copy:
                if encoded:
                    copy.write(pgcopy.encode_stream([arrays(lc)], STAGE_TYPES))
                else:
                    copy.set_types(types)
                    copy.write_row([array.tolist() for array in arrays(lc)])
            conn.commit()
        return time.perf_counter() - start


def database_bytes(url: str) -> int:
    with psycopg.connect(libpq(url)) as conn:
        row = conn.execute(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'lcdb' AND c.relkind = 'r'"
        ).fetchone()
    assert row is not None
    return int(row[0])


FFI_SECTORS = (56, 57, 58, 59, 60, 61)
FRAME_COLUMNS = (
    "type, cadence, observation_id, simple, bitpix, naxis, naxis_values, extended, bscale, "
    "bzero, file_path, start_time, stop_time, exposure_time, quality, footprint"
)
BARE_FRAMES = (
    "CREATE TABLE bare_frames (type varchar(64), cadence int8, observation_id int4, "
    "simple bool, bitpix int2, naxis int2, naxis_values int4[], extended bool, bscale float8, "
    "bzero float8, file_path text, start_time float8, stop_time float8, exposure_time float8, "
    "quality int4, footprint float8[])"
)


def bench_ffi_frames() -> None:
    """Load a million real FFI records from tess-cloud catalogues; compare with plain COPY."""
    from lcdb.demo.real import fetch_all
    from lcdb.ingest.ffi_run import ingest_ffi_catalogs
    from tests.lcdb.ingest.ffi_data import catalog_file
    from tests.real_files import data_directory

    # one download of the tess-cloud wheel for all the sectors' members
    fetched = fetch_all([catalog_file(sector) for sector in FFI_SECTORS], data_directory())
    if fetched.problems:
        raise SystemExit("cannot fetch the FFI catalogues: " + "; ".join(fetched.problems))
    catalogs = list(fetched.paths)
    with temporary_server(prefix="lcdb-bench-ffi-") as server:
        times: dict[int, float] = {}
        for jobs in (1, 2):
            url = new_database(server, f"ffi_{jobs}")
            start = time.perf_counter()
            results = list(ingest_ffi_catalogs(url, catalogs, jobs=jobs))
            times[jobs] = time.perf_counter() - start
            if any(result.failed for result in results):
                raise SystemExit(f"ingest ffi-catalog failed: {results}")
            records = sum(result.points for result in results)
            print(
                f"ingest ffi-catalog, {jobs} job(s): {records:,} records in {times[jobs]:.1f} s, "
                f"{records / times[jobs]:,.0f} records/s",
                flush=True,
            )
        for resume, how in ((True, "skipped by the ingest log"), (False, "natural keys")):
            start = time.perf_counter()
            again = list(ingest_ffi_catalogs(url, catalogs, jobs=2, resume=resume))
            unchanged = sum(1 for r in again if r.outcome == "unchanged")
            print(
                f"re-ingest, 2 jobs, {how}: {time.perf_counter() - start:.1f} s "
                f"({unchanged} of {len(again)} catalogues unchanged)",
                flush=True,
            )
        elapsed = min(times.values())
        with psycopg.connect(libpq(url)) as conn:
            exported = bytearray()
            with conn.cursor().copy(
                f"COPY (SELECT {FRAME_COLUMNS} FROM lcdb.fits_frame) TO STDOUT (FORMAT binary)"
            ) as copy:
                for block in copy:
                    exported += block
            conn.execute(BARE_FRAMES)
            conn.commit()
            start = time.perf_counter()
            with conn.cursor().copy("COPY bare_frames FROM STDIN (FORMAT binary)") as copy:
                copy.write(bytes(exported))
            conn.commit()
            plain = time.perf_counter() - start
            # the same COPY into a table with fits_frame's keys, indexes, checks and foreign
            # key: what the schema itself costs, whatever the loader does
            conn.execute("CREATE TABLE keyed_frames (LIKE lcdb.fits_frame INCLUDING ALL)")
            conn.execute(
                "ALTER TABLE keyed_frames ADD FOREIGN KEY (observation_id) "
                "REFERENCES lcdb.observation (id)"
            )
            conn.commit()
            start = time.perf_counter()
            with conn.cursor().copy(
                f"COPY keyed_frames ({FRAME_COLUMNS}) FROM STDIN (FORMAT binary)"
            ) as copy:
                copy.write(bytes(exported))
            conn.commit()
            keyed = time.perf_counter() - start
        print(
            f"plain COPY of the stored rows into a bare table: {plain:.1f} s, "
            f"{records / plain:,.0f} records/s",
            flush=True,
        )
        print(
            f"plain COPY into a table with fits_frame's indexes and foreign key: {keyed:.1f} s, "
            f"{records / keyed:,.0f} records/s",
            flush=True,
        )
        print(
            f"ratio ingest/plain COPY: {plain / elapsed:.2f} (time {elapsed / plain:.1f}x), "
            f"ingest/indexed COPY: {keyed / elapsed:.2f}; "
            f"target: {records:,} records well under 60 s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100, help="lightcurves (default 100)")
    parser.add_argument("--cadences", type=int, default=20_000, help="points per lightcurve")
    parser.add_argument(
        "--ffi-frames",
        action="store_true",
        help="benchmark FFI frame records from the tess-cloud catalogue instead",
    )
    args = parser.parse_args()
    if args.ffi_frames:
        bench_ffi_frames()
        return
    rng = np.random.default_rng(5)
    with tempfile.TemporaryDirectory(prefix="lcdb-bench-ingest-") as tmp:
        directory = Path(tmp)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for index in range(args.files):
                tic = 100_000_000 + index
                path = directory / f"tess2018206045859-s0001-{tic:016d}-0120-s_lc.fits"
                write_lightcurve(path, tic, args.cadences, rng)
        print(f"wrote {args.files} files in {time.perf_counter() - start:.1f} s", flush=True)
        start = time.perf_counter()
        products = [read_spoc_lightcurve(path) for path in sorted(directory.glob("*lc.fits"))]
        read_seconds = time.perf_counter() - start
        points = sum(lc.size for lc in products)
        raw_bytes = sum(array.nbytes for lc in products for array in arrays(lc))
        print(
            f"{points:,} points, {raw_bytes / 1e6:.1f} MB of arrays; reading alone "
            f"{points / read_seconds:,.0f} points/s",
            flush=True,
        )
        with temporary_server(prefix="lcdb-bench-ingest-") as server:
            rates = {}
            for jobs in (1, 2):
                url = new_database(server, f"ingest_{jobs}")
                rates[jobs] = points / timed_ingest(url, directory, jobs)
                print(f"ingest, {jobs} job(s):  {rates[jobs]:>12,.0f} points/s", flush=True)
            again = points / timed_ingest(url, directory, 2)
            print(f"re-ingest, skipped by the ingest log: {again:>12,.0f} points/s", flush=True)
            again = points / timed_ingest(url, directory, 2, resume=False)
            print(f"re-ingest, files read, natural keys: {again:>12,.0f} points/s", flush=True)
            plain = new_database(server, "plain")
            copy_rates = {
                "write_row": points / timed_plain_copy(plain, products, encoded=False),
                "encoded": points / timed_plain_copy(plain, products, encoded=True),
            }
            for how, rate in copy_rates.items():
                print(f"plain COPY ({how}):   {rate:>12,.0f} points/s", flush=True)
            baseline = max(copy_rates.values())
            best = max(rates.values())
            stored = database_bytes(url)
            print(
                f"ratio ingest/plain COPY: {best / baseline:.2f} (target >= 0.5; "
                f"1 job {rates[1] / baseline:.2f})"
            )
            print(
                f"database bytes per raw array byte: {stored / raw_bytes:.3f} "
                f"({stored / 1e6:.1f} MB for {raw_bytes / 1e6:.1f} MB; target <= 1.3)"
            )


if __name__ == "__main__":
    main()
