"""Benchmark: a lightcurve's DataLink documents built straight from the database.

Not a test: run ``python bench/lightcurve_fetch.py [--repeat N]``. It starts a throw-away
embedded PostgreSQL at the latest schema and ingests, with the real ingest code, one synthetic
SPOC 2-minute lightcurve of sector 1 (`lcdb.demo`: 20,076 cadences, raw and PDC datasets,
times and quality flags; 160 kB per array, so every array is read from TOAST). Then, in the
same run, medians over N rounds (astropy's writers: over fewer) of:

* the reference: ``load_lightcurve``'s SQL statement alone (one row, arrays as bytes, no
  decoding), the database's floor for any document;
* the same statement with psycopg's own float8[] / int8[] loaders (Python lists turned into
  numpy arrays), which ``load_lightcurve``'s ``array_send`` + numpy decoding replaces;
* ``load_lightcurve`` (the statement and the decoding into a `Lightcurve`);
* load + VOTable, load + FITS, load + CSV, load + PNG: a document as the HTTP handler will
  build it, without HTTP;
* astropy writing the same table: ``astropy.io.votable`` (BINARY2, with the TIMESYS) and
  ``astropy.io.fits`` (a BinTableHDU with the same columns and a handful of keywords),
  document only.

It prints each median in ms and its ratio to the SQL reference (and, for astropy, ours over
astropy's). Target (issue #13): under 30 ms per VOTable or FITS document; HTTP comes on top.

Measured 2026-12-03 on the shared 2-core machine (load average ~1.5), 50 rounds, medians in
ms (two runs): the SQL statement 4.1; with psycopg's array loaders 6.8-7.0 (x1.7);
load_lightcurve 4.3 (x1.05); load + VOTable 6.7-7.0 (x1.7, 1.01 MB), load + FITS 6.2-6.4
(x1.5, 0.65 MB), load + CSV 11.7-12.0 (x2.9, 1.18 MB), load + PNG 76-84 (x19, 0.10 MB). The
documents alone: VOTable 2.4-2.5 (astropy 500-540, x200), FITS 1.9-2.6 (astropy 4.9-5.6 with
a bare header, x2-2.6), CSV 6.3, PNG 68-77 (matplotlib's drawing and PNG compression; the
caller caches previews). So a VOTable or FITS document costs well under the 30 ms target,
two thirds of it the database's.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import psycopg
from psycopg.rows import tuple_row

from lcdb import migrate
from lcdb.db import normalise_url
from lcdb.demo.fits_writer import Writer
from lcdb.demo.sectors import SECTOR_SPECS, build_sector
from lcdb.demo.signals import star_model
from lcdb.demo.sky import Placement, Star
from lcdb.demo.synthetic import simulate_spoc
from lcdb.embedded import temporary_server
from lcdb.ingest.run import ingest_lightcurves
from tap_service.datalink import lightcurve as lightcurve_module
from tap_service.datalink.documents import TIMESYS_ID, to_csv, to_fits, to_votable
from tap_service.datalink.lightcurve import Lightcurve, load_lightcurve
from tap_service.datalink.preview import render_png

STAR = Star(358108510, 51.2, -77.3, 11.0, 3500.0, 4.9, None, 0.4)
SEED = 7
ASTROPY_ROUNDS = 5


def write_lightcurve(directory: Path) -> Path:
    sector = build_sector(SECTOR_SPECS[1], SEED)
    model = star_model(STAR, SEED, transit_fraction=1.0)
    series = simulate_spoc(STAR, model, Placement(1, 3, 3, 1000.0, 1000.0), sector, SEED)
    return Writer({1: sector}, datetime.date(2026, 1, 1)).write_spoc(series, directory)


def median_ms(work: Callable[[], object], rounds: int) -> float:
    work()  # warm: caches, imports, the first matplotlib font lookup
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000.0


def statement_only(conn: psycopg.Connection[Any], dataset_id: int) -> object:
    with conn.cursor(binary=True, row_factory=tuple_row) as cursor:
        return cursor.execute(lightcurve_module._QUERY, (dataset_id,)).fetchone()


PSYCOPG_ARRAYS = lightcurve_module._QUERY.replace(
    "array_send(o.cadence_reference)", "o.cadence_reference"
)
for _column in ("tst.barycentric_julian_dates", "d.values", "d.errors", "q.quality_flags"):
    PSYCOPG_ARRAYS = PSYCOPG_ARRAYS.replace(f"array_send({_column})", _column)


def psycopg_arrays(conn: psycopg.Connection[Any], dataset_id: int) -> object:
    """The statement with psycopg's array loaders: lists of Python numbers, then numpy."""
    with conn.cursor(binary=True, row_factory=tuple_row) as cursor:
        row = cursor.execute(PSYCOPG_ARRAYS, (dataset_id,)).fetchone()
    assert row is not None
    return [np.asarray(value) for value in row[-5:]]


def astropy_votable(lc: Lightcurve) -> bytes:
    from astropy.io.votable.tree import Field, Resource, TableElement, TimeSys, VOTableFile

    votable = VOTableFile(version="1.4")
    resource = Resource()
    votable.resources.append(resource)
    resource.time_systems.append(
        TimeSys(
            ID=TIMESYS_ID,
            timeorigin=2457000.0,
            timescale="TDB",
            refposition="BARYCENTER",
            config={"version_1_4_or_later": True},
        )
    )
    table = TableElement(votable)
    resource.tables.append(table)
    table.fields.extend(
        [
            Field(votable, name="time", datatype="double", unit="d", ref=TIMESYS_ID),
            Field(votable, name="cadenceno", datatype="long"),
            Field(votable, name="flux", datatype="double", unit="electron/s"),
            Field(votable, name="flux_err", datatype="double", unit="electron/s"),
            Field(votable, name="quality", datatype="int"),
        ]
    )
    table.create_arrays(lc.size)
    table.array["time"] = lc.time
    table.array["cadenceno"] = lc.cadences
    table.array["flux"] = lc.values
    table.array["flux_err"] = lc.errors
    table.array["quality"] = lc.quality
    table.format = "binary2"
    out = io.BytesIO()
    votable.to_xml(out)
    return out.getvalue()


def astropy_fits(lc: Lightcurve) -> bytes:
    from astropy.io import fits

    columns = [
        fits.Column("TIME", "D", unit="BJD - 2457000, days", array=lc.time),
        fits.Column("CADENCENO", "J", array=lc.cadences),
        fits.Column("PDCSAP_FLUX", "D", unit="e-/s", array=lc.values),
        fits.Column("PDCSAP_FLUX_ERR", "D", unit="e-/s", array=lc.errors),
        fits.Column("QUALITY", "J", array=lc.quality),
    ]
    primary = fits.PrimaryHDU()
    primary.header.update(
        {"TELESCOP": "TESS", "OBJECT": f"TIC {lc.tic_id}", "TICID": lc.tic_id, "SECTOR": 1}
    )
    table = fits.BinTableHDU.from_columns(columns, name="LIGHTCURVE")
    table.header.update({"TIMESYS": "TDB", "BJDREFI": 2457000, "BJDREFF": 0.0, "EXTVER": 1})
    out = io.BytesIO()
    fits.HDUList([primary, table]).writeto(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    rounds = args.repeat

    with tempfile.TemporaryDirectory() as scratch, temporary_server("bench-lc-") as server:
        url = server.url("postgres")
        migrate.upgrade(url)
        path = write_lightcurve(Path(scratch))
        for result in ingest_lightcurves(url, [path]):
            assert not result.failed, result.reason
        libpq = normalise_url(url).set(drivername="postgresql").render_as_string(False)
        with psycopg.connect(libpq, autocommit=True) as conn:
            (dataset_id,) = conn.execute(
                "SELECT d.id FROM lcdb.dataset d JOIN lcdb.processing_method p "
                "ON p.id = d.processing_method_id WHERE p.name = 'PDC'"
            ).fetchone() or (None,)
            assert isinstance(dataset_id, int)
            lc = load_lightcurve(conn, dataset_id)
            assert lc is not None
            print(f"{lc.describe()}: {lc.size:,} cadences; {rounds} rounds, medians")

            def load() -> Lightcurve:
                found = load_lightcurve(conn, dataset_id)
                assert found is not None
                return found

            def loaded(writer: Callable[[Lightcurve], bytes]) -> bytes:
                return writer(load())

            sql = median_ms(lambda: statement_only(conn, dataset_id), rounds)
            figures = [
                ("SQL statement (reference)", sql),
                (
                    "SQL with psycopg's array loaders",
                    median_ms(lambda: psycopg_arrays(conn, dataset_id), rounds),
                ),
                ("load_lightcurve", median_ms(load, rounds)),
            ]
            ours = {}
            for name, writer in (
                ("VOTable", to_votable),
                ("FITS", to_fits),
                ("CSV", to_csv),
                ("PNG", render_png),
            ):
                size = len(writer(lc))
                figure = median_ms(functools.partial(loaded, writer), rounds)
                ours[name] = median_ms(functools.partial(writer, lc), rounds)
                figures.append((f"load + {name} ({size / 1e6:.2f} MB)", figure))
            astropy = {
                "VOTable": median_ms(lambda: astropy_votable(lc), ASTROPY_ROUNDS),
                "FITS": median_ms(lambda: astropy_fits(lc), ASTROPY_ROUNDS),
            }

    width = max(len(label) for label, _ in figures) + 2
    print(f"{'':<{width}} {'ms':>8}  {'/ SQL':>7}")
    for label, value in figures:
        print(f"{label:<{width}} {value:8.1f}  x{value / sql:6.2f}")
    print()
    print(f"{'document alone':<{width}} {'ours':>8} {'astropy':>9}  astropy / ours")
    for name, value in ours.items():
        other = astropy.get(name)
        tail = f"{other:9.1f}  x{other / value:6.1f}" if other is not None else f"{'':>9}"
        print(f"{name:<{width}} {value:8.1f} {tail}")


if __name__ == "__main__":
    main()
