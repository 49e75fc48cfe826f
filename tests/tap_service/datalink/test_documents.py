"""The lightcurve documents, read back by the tools people use: STILTS votlint and astropy for
the VOTable, lightkurve and astropy's tess.fits reader for the FITS, a CSV reader for the CSV,
all equal to the database's arrays; the same for cutouts and for a lightcurve that has no
times or flags."""

from __future__ import annotations

import csv
import dataclasses
import io
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.io.votable import parse
from astropy.time import Time, TimeDelta
from astropy.timeseries import TimeSeries
from astropy.units import UnitsWarning

from tap_service.datalink import documents
from tap_service.datalink.documents import (
    COLUMNS,
    FluxColumns,
    cut,
    flux_columns,
    to_csv,
    to_fits,
    to_votable,
)
from tap_service.datalink.lightcurve import Lightcurve, load_lightcurve
from tests.tap_service.datalink.lightcurve_archive import (
    QLP,
    QLP_TIC,
    SPOC,
    SPOC_TIC,
    Archive,
    file_columns,
    lightkurve,
)

SPOC_PDC = (SPOC_TIC, SPOC, "PDC")
SPOC_RAW = (SPOC_TIC, SPOC, None)
QLP_KSPSAP = (QLP_TIC, QLP, "KSPSAP")
QLP_RAW = (QLP_TIC, QLP, None)
QLP_SMALL = (QLP_TIC, "qlp-small-aperture", "KSPSAP")
EVERY = [SPOC_PDC, SPOC_RAW, QLP_KSPSAP, QLP_RAW, QLP_SMALL]
NAMES = ["spoc-pdc", "spoc-raw", "qlp-kspsap", "qlp-raw", "qlp-small"]
#: votlint remarks that are expected and harmless (none so far).
TOLERATED: tuple[str, ...] = ()


@pytest.fixture(scope="module")
def lightcurves(archive: Archive) -> dict[tuple[int, str, str | None], Lightcurve]:
    found = {}
    with archive.connection() as conn:
        for key in EVERY:
            lightcurve = load_lightcurve(conn, archive.dataset(*key))
            assert lightcurve is not None
            found[key] = lightcurve
    return found


@pytest.fixture(scope="module")
def bare(archive: Archive) -> Lightcurve:
    """The SPOC PDC lightcurve as it reads when its times and flags are not stored."""
    with archive.connection() as conn:
        conn.execute("DELETE FROM lcdb.target_specific_time")
        conn.execute("DELETE FROM lcdb.quality_flag_array")
        lightcurve = load_lightcurve(conn, archive.dataset(*SPOC_PDC))
    assert lightcurve is not None and lightcurve.quality is None
    return lightcurve


def votlint(stilts: str, data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "lightcurve.vot"
    path.write_bytes(data)
    result = subprocess.run(
        [stilts, "votlint", "validate=true", f"votable={path}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = (result.stdout + result.stderr).splitlines()
    return "\n".join(line for line in lines if not any(ok in line for ok in TOLERATED))


def equal(actual: np.ndarray, expected: np.ndarray | None) -> None:
    if expected is None:
        assert np.isnan(np.asarray(actual, dtype=np.float64)).all()
        return
    np.testing.assert_array_equal(np.asarray(actual), expected)


def filled(column: np.ndarray) -> np.ndarray:
    """A masked VOTable column with NaN (floats) where masked."""
    if np.ma.isMaskedArray(column) and column.dtype.kind == "f":
        return np.ma.filled(column, np.nan)
    return np.asarray(column)


# ---- VOTable --------------------------------------------------------------------------------


@pytest.mark.stilts
@pytest.mark.parametrize("key", EVERY, ids=NAMES)
def test_votlint_accepts_the_votable(
    stilts: str,
    tmp_path: Path,
    lightcurves: dict[tuple[int, str, str | None], Lightcurve],
    key: tuple[int, str, str | None],
) -> None:
    assert votlint(stilts, to_votable(lightcurves[key]), tmp_path) == ""


@pytest.mark.stilts
def test_votlint_accepts_an_empty_cutout_and_a_lightcurve_without_flags(
    stilts: str,
    tmp_path: Path,
    lightcurves: dict[tuple[int, str, str | None], Lightcurve],
    bare: Lightcurve,
) -> None:
    empty = cut(lightcurves[SPOC_PDC], 60000.0, 60001.0)
    assert empty.size == 0
    assert votlint(stilts, to_votable(empty), tmp_path) == ""
    assert votlint(stilts, to_votable(bare), tmp_path) == ""


@pytest.mark.parametrize("key", EVERY, ids=NAMES)
def test_astropy_reads_the_votables_values_back(
    lightcurves: dict[tuple[int, str, str | None], Lightcurve], key: tuple[int, str, str | None]
) -> None:
    lc = lightcurves[key]
    table = parse(io.BytesIO(to_votable(lc))).get_first_table()
    data = table.array
    assert list(data.dtype.names) == list(COLUMNS)
    assert len(data) == lc.size
    equal(filled(data["time"]), lc.time)
    equal(data["cadenceno"], lc.cadences)
    equal(filled(data["flux"]), lc.values)
    equal(filled(data["flux_err"]), lc.errors)
    equal(data["quality"], lc.quality)
    assert not np.ma.getmaskarray(data["quality"]).any()
    units = {field.name: field.unit for field in table.fields}
    flux_unit = "electron / s" if lc.values_unit else None
    assert (str(units["time"]), units["flux"] and str(units["flux"])) == ("d", flux_unit)
    params = {param.name: param.value for param in table.params}
    assert params["tic_id"] == lc.tic_id and params["dataset_id"] == lc.dataset_id
    assert (params["sector"], params["camera"], params["ccd"]) == (1, 3, 3)
    assert params["cadence"] == lc.cadence_seconds
    assert (params["ra"], params["dec"]) == (lc.target.ra, lc.target.dec)
    assert params["tess_mag"] == lc.target.magnitude
    assert params["photometric_source"] == lc.photometric_source
    assert params["processing_method"] == (lc.processing_method or "")


def test_the_votables_times_refer_to_the_missions_time_system(
    lightcurves: dict[tuple[int, str, str | None], Lightcurve],
) -> None:
    lc = lightcurves[SPOC_PDC]
    votable = parse(io.BytesIO(to_votable(lc)))
    table = votable.get_first_table()
    field = table.get_field_by_id_or_name("time")
    system = votable.get_timesys_by_id(field.ref)
    assert (system.timeorigin, system.timescale, system.refposition) == (
        2457000.0,
        "TDB",
        "BARYCENTER",
    )
    assert field.ucd == "time.epoch" and str(field.unit) == "d"
    # the absolute times, as a client builds them from TIMESYS, are the mission's
    finite = np.isfinite(lc.time)
    origin = Time(system.timeorigin, format="jd", scale=system.timescale.lower())
    times = origin + TimeDelta(filled(table.array["time"])[finite], format="jd")
    expected = Time(2457000.0, lc.time[finite], format="jd", scale="tdb")  # exact: two parts
    assert np.abs((times - expected).to_value("s")).max() < 1e-6


def test_a_votable_without_flags_has_null_quality(bare: Lightcurve) -> None:
    data = parse(io.BytesIO(to_votable(bare))).get_first_table().array
    assert np.ma.getmaskarray(data["quality"]).all()
    assert np.isnan(filled(data["time"])).all()
    equal(filled(data["flux"]), bare.values)


# ---- FITS -----------------------------------------------------------------------------------


def write_fits(lc: Lightcurve, tmp_path: Path) -> Path:
    path = tmp_path / "lightcurve.fits"
    path.write_bytes(to_fits(lc))
    with fits.open(path) as hdus:
        hdus.verify("exception")
    return path


def read_tess_fits(path: Path) -> TimeSeries:
    with warnings.catch_warnings():
        # as with SPOC's own files: the TIME unit 'BJD - 2457000, days' and e-/s are not FITS
        # units, and the reader drops (and warns about) rows without a time
        warnings.simplefilter("ignore", UnitsWarning)
        warnings.filterwarnings("ignore", "Ignoring [0-9]+ rows with NaN times", UserWarning)
        return TimeSeries.read(path, format="tess.fits")


def test_the_fits_file_has_the_spoc_layout(
    tmp_path: Path, lightcurves: dict[tuple[int, str, str | None], Lightcurve]
) -> None:
    lc = lightcurves[SPOC_PDC]
    with fits.open(write_fits(lc, tmp_path)) as hdus:
        assert [hdu.name for hdu in hdus] == ["PRIMARY", "LIGHTCURVE"]
        primary, table = hdus[0].header, hdus["LIGHTCURVE"]
        assert primary["TELESCOP"] == "TESS" and primary["OBJECT"] == f"TIC {SPOC_TIC}"
        assert "lightcurve" in primary["CREATOR"].lower()  # lightkurve's test
        assert primary["ORIGIN"] == "lcdb-tap (data: NASA/Ames)"
        assert (primary["TICID"], primary["SECTOR"], primary["CAMERA"], primary["CCD"]) == (
            SPOC_TIC,
            1,
            3,
            3,
        )
        assert (primary["RA_OBJ"], primary["DEC_OBJ"]) == (lc.target.ra, lc.target.dec)
        assert primary["TESSMAG"] == lc.target.magnitude
        header = table.header
        assert header["FRAMETIM"] == 2.0  # TESS's 2-s frames, 60 to a 2-minute cadence
        assert (header["TIMESYS"], header["TIMEREF"], header["TIMEUNIT"]) == (
            "TDB",
            "SOLARSYSTEM",
            "d",
        )
        assert (header["BJDREFI"], header["BJDREFF"]) == (2457000, 0.0)
        assert (header["NUM_FRM"], header["TIMEDEL"] * 86400) == (60, pytest.approx(120.0))
        assert header["CDPP0_5"] == pytest.approx(lc.cdpp[0])
        assert table.columns.names == [
            "TIME",
            "CADENCENO",
            "PDCSAP_FLUX",
            "PDCSAP_FLUX_ERR",
            "QUALITY",
        ]
        assert table.columns["TIME"].unit == "BJD - 2457000, days"
        assert table.columns["PDCSAP_FLUX"].unit == "e-/s"  # as SPOC spells it
        equal(table.data["TIME"], lc.time)
        equal(table.data["CADENCENO"], lc.cadences)
        equal(table.data["PDCSAP_FLUX"], lc.values)
        equal(table.data["PDCSAP_FLUX_ERR"], lc.errors)
        equal(table.data["QUALITY"], lc.quality)


@pytest.mark.parametrize(
    ("key", "column"), [(SPOC_PDC, "PDCSAP_FLUX"), (SPOC_RAW, "SAP_FLUX")], ids=["PDC", "raw"]
)
def test_lightkurve_reads_the_spoc_fits_flux_as_the_files(
    tmp_path: Path,
    archive: Archive,
    lightcurves: dict[tuple[int, str, str | None], Lightcurve],
    key: tuple[int, str, str | None],
    column: str,
) -> None:
    lk = lightkurve()
    read = lk.read(str(write_fits(lightcurves[key], tmp_path)))
    original = file_columns(archive.spoc_file)
    # lightkurve drops cadences without a time, then those its default quality mask flags
    finite = np.isfinite(original["TIME"])
    mask = np.asarray(read.meta["QUALITY_MASK"])
    assert type(read).__name__ == "TessLightCurve" and read.meta["AUTHOR"] == "SPOC"
    assert (read.meta["TICID"], read.meta["SECTOR"]) == (SPOC_TIC, 1)
    np.testing.assert_array_equal(read.time.value, original["TIME"][finite][mask])
    assert read.time.format == "btjd" and read.time.scale == "tdb"
    np.testing.assert_array_equal(read.flux.value, original[column][finite][mask])
    np.testing.assert_array_equal(read.flux_err.value, original[f"{column}_ERR"][finite][mask])
    assert str(read.flux.unit) == "electron / s"
    np.testing.assert_array_equal(read.cadenceno.value, original["CADENCENO"][finite][mask])


@pytest.mark.parametrize("key", EVERY, ids=NAMES)
def test_astropys_tess_reader_reads_the_fits(
    tmp_path: Path,
    lightcurves: dict[tuple[int, str, str | None], Lightcurve],
    key: tuple[int, str, str | None],
) -> None:
    lc = lightcurves[key]
    series = read_tess_fits(write_fits(lc, tmp_path))
    finite = np.isfinite(lc.time)
    assert len(series) == finite.sum()
    np.testing.assert_allclose(series.time.tdb.jd - 2457000.0, lc.time[finite], rtol=0, atol=1e-9)
    name = flux_columns(lc).flux.lower()
    equal(np.asarray(series[name].value), lc.values[finite])
    equal(np.asarray(series["cadenceno"]), lc.cadences[finite])
    assert lc.quality is not None
    equal(np.asarray(series["quality"]), lc.quality[finite])
    assert series.meta["TICID"] == lc.tic_id


@pytest.mark.parametrize(
    ("key", "column", "error"),
    [
        (QLP_KSPSAP, "KSPSAP_FLUX", "KSPSAP_FLUX_ERR"),
        (QLP_RAW, "SAP_FLUX", None),
        (QLP_SMALL, "KSPSAP_FLUX_SML", None),
    ],
    ids=["kspsap", "raw", "small"],
)
def test_lightkurve_reads_a_qlp_fits_as_qlps_with_our_flux(
    tmp_path: Path,
    archive: Archive,
    lightcurves: dict[tuple[int, str, str | None], Lightcurve],
    key: tuple[int, str, str | None],
    column: str,
    error: str | None,
) -> None:
    lc = lightcurves[key]
    path = write_fits(lc, tmp_path)
    with fits.open(path) as hdus:
        assert "MIT/QLP" in hdus[0].header["ORIGIN"]
        assert column in hdus["LIGHTCURVE"].columns.names
    read = lightkurve().read(str(path))
    original = file_columns(archive.qlp_file)
    mask = np.asarray(read.meta["QUALITY_MASK"])
    assert read.meta["AUTHOR"] == "QLP" and read.meta["TICID"] == QLP_TIC
    np.testing.assert_array_equal(read.time.value, original["TIME"][mask])
    np.testing.assert_array_equal(read.flux.value, original[column][mask])
    if error is None:  # QLP gives no errors for this flux: NaN, not another flux's errors
        assert np.isnan(read.flux_err.value).all()
    else:
        np.testing.assert_array_equal(read.flux_err.value, original[error][mask])


def test_a_fits_file_without_flags_or_times_has_no_quality_column(
    tmp_path: Path, bare: Lightcurve
) -> None:
    with fits.open(write_fits(bare, tmp_path)) as hdus:
        table = hdus["LIGHTCURVE"]
        assert "QUALITY" not in table.columns.names
        assert table.header["TSTART"] is None  # no time at all: the value is blank
        equal(table.data["PDCSAP_FLUX"], bare.values)


def test_an_empty_cutout_is_a_valid_fits_file(
    tmp_path: Path, lightcurves: dict[tuple[int, str, str | None], Lightcurve]
) -> None:
    empty = cut(lightcurves[SPOC_PDC], 60000.0, 60001.0)
    with fits.open(write_fits(empty, tmp_path)) as hdus:
        assert hdus["LIGHTCURVE"].header["NAXIS2"] == 0


# ---- CSV and cutouts ------------------------------------------------------------------------


def read_csv(data: bytes) -> tuple[list[str], dict[str, np.ndarray]]:
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    rows = list(csv.reader(io.StringIO(data.decode("ascii"), newline="")))
    header, body = rows[0], rows[1:]
    columns = {
        name: np.array([float(row[i]) if row[i] else np.nan for row in body])
        for i, name in enumerate(header)
    }
    return header, columns


@pytest.mark.parametrize("key", EVERY, ids=NAMES)
def test_the_csv_reads_back_to_the_same_values(
    lightcurves: dict[tuple[int, str, str | None], Lightcurve], key: tuple[int, str, str | None]
) -> None:
    lc = lightcurves[key]
    header, columns = read_csv(to_csv(lc))
    assert header == list(COLUMNS)
    equal(columns["time"], lc.time)
    equal(columns["cadenceno"], lc.cadences.astype(np.float64))
    equal(columns["flux"], lc.values)
    equal(columns["flux_err"], lc.errors)
    assert lc.quality is not None
    equal(columns["quality"], lc.quality.astype(np.float64))


def test_a_csv_without_flags_has_empty_quality_cells(bare: Lightcurve) -> None:
    _, columns = read_csv(to_csv(bare))
    assert np.isnan(columns["quality"]).all() and np.isnan(columns["time"]).all()
    equal(columns["flux"], bare.values)


def test_the_documents_of_a_cutout_hold_only_its_cadences(
    tmp_path: Path, lightcurves: dict[tuple[int, str, str | None], Lightcurve]
) -> None:
    lc = lightcurves[SPOC_PDC]
    piece = cut(lc, 58330.25, 58331.25)  # one day: 720 two-minute cadences
    assert piece.size == 720
    data = parse(io.BytesIO(to_votable(piece))).get_first_table().array
    equal(data["cadenceno"], piece.cadences)
    _, columns = read_csv(to_csv(piece))
    equal(columns["time"], piece.time)
    series = read_tess_fits(write_fits(piece, tmp_path))
    mjd = series.time.tdb.mjd
    assert mjd.min() >= 58330.25 and mjd.max() <= 58331.25
    assert len(series) == 720
    header, columns = read_csv(to_csv(cut(lc, 60000.0, 60001.0)))
    assert header == list(COLUMNS) and columns["time"].size == 0


def test_write_names_the_formats(
    lightcurves: dict[tuple[int, str, str | None], Lightcurve],
) -> None:
    lc = lightcurves[QLP_KSPSAP]
    assert documents.write(lc, "votable") == to_votable(lc)
    assert documents.write(lc, "fits") == to_fits(lc)
    assert documents.write(lc, "csv") == to_csv(lc)
    with pytest.raises(ValueError, match="votable, fits, csv"):
        documents.write(lc, "parquet")


@pytest.mark.parametrize(
    ("source", "processing", "sector", "expected"),
    [
        (SPOC, "PDC", 1, FluxColumns("PDCSAP_FLUX", "PDCSAP_FLUX_ERR", False, None)),
        (SPOC, None, 1, FluxColumns("SAP_FLUX", "SAP_FLUX_ERR", True, None)),
        (QLP, None, 1, FluxColumns("SAP_FLUX", "SAP_FLUX_ERR", False, "KSPSAP_FLUX_ERR")),
        (QLP, "KSPSAP", 1, FluxColumns("KSPSAP_FLUX", "KSPSAP_FLUX_ERR", True, None)),
        (QLP, "DET", 60, FluxColumns("DET_FLUX", "DET_FLUX_ERR", True, None)),
        (
            "qlp-large-aperture",
            "DET",
            60,
            FluxColumns("DET_FLUX_LAG", "DET_FLUX_LAG_ERR", True, "DET_FLUX_ERR"),
        ),
        (QLP, "SOMETHING", 1, FluxColumns("FLUX", "FLUX_ERR", False, "KSPSAP_FLUX_ERR")),
        ("eleanor-psf", None, 1, FluxColumns("FLUX", "FLUX_ERR", False, None)),
    ],
)
def test_flux_columns_are_named_as_the_pipeline_names_them(
    lightcurves: dict[tuple[int, str, str | None], Lightcurve],
    source: str,
    processing: str | None,
    sector: int,
    expected: FluxColumns,
) -> None:
    lc = dataclasses.replace(
        lightcurves[SPOC_PDC],
        photometric_source=source,
        processing_method=processing,
        sector=sector,
    )
    assert flux_columns(lc) == expected
    with fits.open(io.BytesIO(to_fits(lc))) as hdus:
        columns = hdus["LIGHTCURVE"].columns.names
    assert len(columns) == len(set(columns))  # no column twice
    assert expected.flux in columns and (not expected.alias or "FLUX" in columns)
