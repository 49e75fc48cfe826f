"""load_lightcurve: a dataset with its context, equal to the product it was loaded from; the
pipeline's own quality flags; missing times and flags; time cutouts (SODA TIME, MJD)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from astropy.time import Time

from lcdb.ingest.product import Pipeline
from tap_service.datalink.documents import cut
from tap_service.datalink.lightcurve import (
    Lightcurve,
    TimeSystem,
    decode_array,
    load_lightcurve,
)
from tests.tap_service.datalink.lightcurve_archive import (
    QLP,
    QLP_TIC,
    SPOC,
    SPOC_TIC,
    Archive,
    file_columns,
    load,
)


@pytest.mark.parametrize(
    ("processing", "flux"), [(None, "SAP_FLUX"), ("PDC", "PDCSAP_FLUX")], ids=["raw", "PDC"]
)
def test_a_spoc_lightcurve_holds_the_files_arrays(
    archive: Archive, processing: str | None, flux: str
) -> None:
    lc = load(archive, SPOC_TIC, SPOC, processing)
    columns = file_columns(archive.spoc_file)
    np.testing.assert_array_equal(lc.time, columns["TIME"])  # NaN in the downlink gap
    np.testing.assert_array_equal(lc.cadences, columns["CADENCENO"])
    np.testing.assert_array_equal(lc.values, columns[flux])
    assert lc.errors is not None
    np.testing.assert_array_equal(lc.errors, columns[f"{flux}_ERR"])
    assert lc.quality is not None
    np.testing.assert_array_equal(lc.quality, columns["QUALITY"])
    assert lc.size == 20076 and np.isnan(lc.time).sum() == 815
    assert lc.cadences.dtype == np.int64 and lc.quality.dtype == np.int32
    assert not lc.values.flags.writeable  # the dataclass is frozen, so are its arrays


def test_a_spoc_lightcurve_has_its_context(archive: Archive) -> None:
    lc = load(archive, SPOC_TIC, SPOC, "PDC")
    assert lc.dataset_id == archive.dataset(SPOC_TIC, SPOC, "PDC")
    assert (lc.target.catalog, lc.tic_id) == ("TIC", SPOC_TIC)
    # the header's RA_OBJ, DEC_OBJ, TESSMAG (tests/lcdb/ingest checks the ingest of them)
    assert (lc.target.ra, lc.target.dec, lc.target.magnitude) == (51.1119, -77.4515, 14.33100033)
    assert (lc.sector, lc.camera, lc.ccd, lc.instrument) == (1, 3, 3, "CCD 3")
    assert (lc.cadence_seconds, lc.orbit_number, lc.observation_type) == (
        120.0,
        9,
        "tess_observation",
    )
    assert (lc.photometric_source, lc.processing_method) == (SPOC, "PDC")
    assert lc.pipeline is Pipeline.SPOC
    assert lc.values_unit == "electron/s"
    assert lc.pipeline_version == "spoc-3.3.36-20180925" and lc.data_release == 1
    assert lc.cdpp[0] == pytest.approx(6482.49121094)
    assert lc.crowding == pytest.approx(0.77650917)
    assert lc.quality_type == "tess_quality_flags"
    assert lc.product_name == archive.spoc_file.name
    assert lc.describe() == "TIC 358108509, sector 1, camera 3 CCD 3, SPOC PDC"
    system = lc.time_system
    assert (system.mission, system.epoch, system.epoch_format) == ("TESS", Decimal(2457000), "jd")
    assert (system.scale, system.unit, system.format_name) == ("tdb", "d", "btjd")
    assert system.epoch_jd == Decimal(2457000)


def test_an_unknown_dataset_is_none(archive: Archive) -> None:
    with archive.connection() as conn:
        assert load_lightcurve(conn, 987654321) is None


def test_a_sqlalchemy_connection_reads_the_same(archive: Archive) -> None:
    engine = sa.create_engine(archive.url)
    try:
        with engine.connect() as connection:
            lc = load_lightcurve(connection, archive.dataset(SPOC_TIC, SPOC, "PDC"))
    finally:
        engine.dispose()
    reference = load(archive, SPOC_TIC, SPOC, "PDC")
    assert lc is not None
    np.testing.assert_array_equal(lc.values, reference.values)
    np.testing.assert_array_equal(lc.time, reference.time)


@pytest.mark.parametrize(
    ("source", "processing", "column", "error"),
    [
        (QLP, None, "SAP_FLUX", None),
        (QLP, "KSPSAP", "KSPSAP_FLUX", "KSPSAP_FLUX_ERR"),
        ("qlp-small-aperture", "KSPSAP", "KSPSAP_FLUX_SML", None),
        ("qlp-large-aperture", "KSPSAP", "KSPSAP_FLUX_LAG", None),
    ],
)
def test_a_qlp_lightcurve_holds_the_files_arrays(
    archive: Archive, source: str, processing: str | None, column: str, error: str | None
) -> None:
    lc = load(archive, QLP_TIC, source, processing)
    columns = file_columns(archive.qlp_file)
    np.testing.assert_array_equal(lc.cadences, columns["CADENCENO"])
    np.testing.assert_array_equal(lc.time, columns["TIME"])
    np.testing.assert_array_equal(lc.values, columns[column])
    if error is None:
        assert lc.errors is None  # QLP gives errors for the optimal aperture's detrended flux
    else:
        assert lc.errors is not None
        np.testing.assert_array_equal(lc.errors, columns[error])
    assert lc.quality is not None and lc.quality_type == "qlp_quality_flags"
    np.testing.assert_array_equal(lc.quality, columns["QUALITY"])
    assert lc.pipeline is Pipeline.QLP and lc.values_unit == ""
    assert (lc.sector, lc.camera, lc.ccd, lc.cadence_seconds) == (1, 3, 3, 1800.0)
    assert lc.describe().endswith(f"QLP {processing or 'raw'}")


def test_a_qlp_lightcurve_takes_qlps_flags_not_another_pipelines(archive: Archive) -> None:
    """SPOC's and QLP's flags of one target and FFI observation are both stored (TESS-SPOC
    and QLP); bit 4096 means different things in them."""
    dataset = archive.dataset(QLP_TIC, QLP, "KSPSAP")
    with archive.connection() as conn:
        conn.execute(
            "INSERT INTO lcdb.quality_flag_array (type, observation_id, target_id, "
            "quality_flags) SELECT 'tess_quality_flags', observation_id, target_id, "
            "array_fill(4096, ARRAY[cardinality(quality_flags)]) FROM lcdb.quality_flag_array "
            "WHERE type = 'qlp_quality_flags'"
        )
        lc = load_lightcurve(conn, dataset)
    assert lc is not None and lc.quality is not None
    assert lc.quality_type == "qlp_quality_flags"
    assert not (lc.quality == 4096).all()


def test_observation_wide_flags_serve_when_the_target_has_none(archive: Archive) -> None:
    dataset = archive.dataset(SPOC_TIC, SPOC, "PDC")
    with archive.connection() as conn:
        conn.execute(
            "UPDATE lcdb.quality_flag_array SET target_id = NULL, "
            "quality_flags = array_fill(1, ARRAY[cardinality(quality_flags)]) "
            "WHERE type = 'tess_quality_flags'"
        )
        lc = load_lightcurve(conn, dataset)
    assert lc is not None and lc.quality is not None
    assert (lc.quality == 1).all()


def test_a_lightcurve_without_times_or_flags_has_nan_times_and_no_quality(
    archive: Archive,
) -> None:
    dataset = archive.dataset(SPOC_TIC, SPOC, "PDC")
    with archive.connection() as conn:
        conn.execute("DELETE FROM lcdb.target_specific_time")
        conn.execute("DELETE FROM lcdb.quality_flag_array")
        lc = load_lightcurve(conn, dataset)
    assert lc is not None
    assert lc.time.shape == lc.values.shape and np.isnan(lc.time).all()
    assert lc.quality is None and lc.quality_type is None


def test_binary_arrays_decode_with_nulls_and_empty(archive: Archive) -> None:
    with archive.connection() as conn:
        row = conn.execute(
            "SELECT array_send(ARRAY[1.5, NULL, -2]::float8[]), array_send('{}'::int8[]), "
            "array_send(ARRAY[7, -1]::int4[])",
            binary=True,
        ).fetchone()
    assert row is not None
    floats, empty, ints = row
    np.testing.assert_array_equal(decode_array(floats, np.float64), [1.5, np.nan, -2.0])  # type: ignore[arg-type]
    assert decode_array(empty, np.int64).shape == (0,)  # type: ignore[arg-type]
    np.testing.assert_array_equal(decode_array(ints, np.int32), [7, -1])  # type: ignore[arg-type]


# ---- cutouts --------------------------------------------------------------------------------


def mjd_of(lc: Lightcurve) -> np.ndarray:
    """The cadences' MJD (TDB) as astropy computes it from the mission's definition."""
    finite = np.isfinite(lc.time)
    mjd = np.full(lc.size, np.nan)
    mjd[finite] = Time(2457000.0, lc.time[finite], format="jd", scale="tdb").mjd
    return mjd


def test_a_cutout_keeps_exactly_the_cadences_in_the_interval(archive: Archive) -> None:
    lc = load(archive, SPOC_TIC, SPOC, "PDC")
    mjd = mjd_of(lc)
    low, high = 58330.25, 58340.75  # inside the sector (MJD 58325.3 .. 58353.2), across the gap
    piece = cut(lc, low, high)
    inside = (mjd >= low) & (mjd <= high)
    assert 0 < piece.size == inside.sum() < lc.size
    np.testing.assert_array_equal(piece.cadences, lc.cadences[inside])
    np.testing.assert_array_equal(piece.time, lc.time[inside])
    np.testing.assert_array_equal(piece.values, lc.values[inside])
    assert piece.errors is not None and lc.errors is not None
    np.testing.assert_array_equal(piece.errors, lc.errors[inside])
    assert piece.quality is not None and lc.quality is not None
    np.testing.assert_array_equal(piece.quality, lc.quality[inside])
    assert not np.isnan(piece.time).any()
    assert (piece.dataset_id, piece.target, piece.sector) == (lc.dataset_id, lc.target, 1)


def test_cutout_bounds_are_included_and_may_be_open(archive: Archive) -> None:
    lc = load(archive, SPOC_TIC, SPOC, "PDC")
    finite = np.flatnonzero(np.isfinite(lc.time))
    first, tenth = finite[0], finite[9]
    at = lc.time_system.to_mjd(lc.time)
    assert cut(lc, at[first], at[tenth]).size == 10
    assert cut(lc, at[tenth], at[tenth]).size == 1
    assert cut(lc, -np.inf, np.inf).size == finite.size  # cadences without a time are out
    assert cut(lc, -np.inf, at[tenth]).size == 10
    assert cut(lc, 60000.0, np.inf).size == 0  # after the sector
    with pytest.raises(ValueError, match="empty"):
        cut(lc, 58340.0, 58330.0)
    with pytest.raises(ValueError, match="NaN"):
        cut(lc, np.nan, 58330.0)


def test_the_mjd_of_mission_times_is_astropys(archive: Archive, tmp_path: Path) -> None:
    lc = load(archive, SPOC_TIC, SPOC, "PDC")
    finite = np.isfinite(lc.time)
    ours = lc.time_system.to_mjd(lc.time[finite])
    np.testing.assert_allclose(ours, mjd_of(lc)[finite], rtol=0, atol=1e-9)  # 0.1 ms


def test_a_time_system_with_an_mjd_epoch_converts_exactly() -> None:
    system = TimeSystem("X", Decimal("50000"), "mjd", "tt", "d", "xjd")
    assert system.epoch_jd == Decimal("2450000.5")
    np.testing.assert_array_equal(system.to_mjd(np.array([0.0, 1.5])), [50000.0, 50001.5])
    hours = TimeSystem("Y", Decimal("2457000"), "jd", "tdb", "h", "yjd")
    assert hours.days_per_unit == pytest.approx(1 / 24)
    np.testing.assert_allclose(hours.to_mjd(np.array([24.0])), [56999.5 + 1.0])
