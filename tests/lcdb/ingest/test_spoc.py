"""Reading SPOC lightcurve files: the real values, and a specific error for each broken file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from lcdb.ingest.errors import IngestError, MissingColumn, NotALightcurve, UnreadableFile
from lcdb.ingest.spoc import SPOC_OPTIMAL_APERTURE, read_spoc_lightcurve
from tests.lcdb.ingest.variants import truncated, variant


def test_reads_the_real_file_as_astropy_does(spoc_lc_file: Path) -> None:
    lc = read_spoc_lightcurve(spoc_lc_file)
    assert (lc.tic_id, lc.sector, lc.camera, lc.ccd) == (358108509, 1, 3, 3)
    assert lc.cadence_seconds == 120.0
    assert lc.orbit_number == 9
    assert [(f.aperture, f.processing, f.derived_from) for f in lc.fluxes] == [
        (SPOC_OPTIMAL_APERTURE, None, None),
        (SPOC_OPTIMAL_APERTURE, "PDC", 0),
    ]
    sap, pdc = lc.fluxes
    assert lc.size == 20076
    with fits.open(spoc_lc_file) as hdus:
        data = hdus[1].data
        expected = {
            "cadences": (data["CADENCENO"], np.int64),
            "time": (data["TIME"], np.float64),
            "sap.values": (data["SAP_FLUX"], np.float64),
            "sap.errors": (data["SAP_FLUX_ERR"], np.float64),
            "pdc.values": (data["PDCSAP_FLUX"], np.float64),
            "pdc.errors": (data["PDCSAP_FLUX_ERR"], np.float64),
            "quality": (data["QUALITY"], np.int32),
        }
        for field, (column, dtype) in expected.items():
            owner, _, name = field.rpartition(".")
            values = getattr({"": lc, "sap": sap, "pdc": pdc}[owner], name)
            assert values.dtype == dtype, field
            assert not values.flags.writeable, field
            np.testing.assert_array_equal(values, np.asarray(column, dtype=dtype), err_msg=field)
    assert int(np.isfinite(lc.time).sum()) == 19261  # NaN times are kept where there is no data
    with fits.open(spoc_lc_file) as hdus:
        primary, header = hdus[0].header, hdus[1].header
    assert lc.info.pipeline == "spoc"
    assert lc.info.values_unit == "electron/s"
    assert lc.info.pipeline_version == primary["PROCVER"] == "spoc-3.3.36-20180925"
    assert lc.info.data_release == primary["DATA_REL"] == 1
    assert lc.info.pdc_method == header["PDCMETHD"] == "MAP"
    assert (lc.info.crowding, lc.info.flux_fraction) == (header["CROWDSAP"], header["FLFRCSAP"])
    assert lc.target.magnitude == pytest.approx(14.331, abs=1e-3)
    assert (lc.target.ra, lc.target.dec) == (primary["RA_OBJ"], primary["DEC_OBJ"])
    assert (lc.target.pmra, lc.target.pmdec) == (primary["PMRA"], primary["PMDEC"])
    assert (lc.target.teff, lc.target.logg, lc.target.radius) == (
        primary["TEFF"],
        primary["LOGG"],
        primary["RADIUS"],
    )
    assert pdc.cdpp == (header["CDPP0_5"], header["CDPP1_0"], header["CDPP2_0"])
    assert pdc.cdpp[1] == pytest.approx(4944.408, abs=1e-3)
    assert sap.cdpp == (None, None, None)


def test_truncated_file_is_unreadable(spoc_lc_file: Path, tmp_path: Path) -> None:
    broken = truncated(spoc_lc_file, tmp_path / "cut_lc.fits")
    with pytest.raises(UnreadableFile) as caught:
        read_spoc_lightcurve(broken)
    assert caught.value.path == broken
    assert caught.value.reason == (
        "truncated FITS file: the LIGHTCURVE table needs 2007600 bytes from offset 20160, "
        "the file has 979840"
    )
    assert str(broken) in str(caught.value)


def test_header_only_fragment_is_unreadable(spoc_lc_file: Path, tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile):
        read_spoc_lightcurve(truncated(spoc_lc_file, tmp_path / "tiny_lc.fits", keep=2000))


def test_text_file_is_unreadable(tmp_path: Path) -> None:
    text = tmp_path / "notes_lc.fits"
    text.write_text("not FITS at all\n")
    with pytest.raises(UnreadableFile, match="not a readable FITS file"):
        read_spoc_lightcurve(text)


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="no such file"):
        read_spoc_lightcurve(tmp_path / "absent_lc.fits")


def test_image_fits_is_not_a_spoc_lightcurve(tmp_path: Path) -> None:
    image = tmp_path / "image_lc.fits"
    fits.PrimaryHDU(np.zeros((4, 4), dtype=np.float32)).writeto(image)
    with pytest.raises(NotALightcurve, match="TELESCOP"):
        read_spoc_lightcurve(image)


def test_other_telescope_is_not_a_spoc_lightcurve(spoc_lc_file: Path, tmp_path: Path) -> None:
    kepler = variant(spoc_lc_file, tmp_path / "kepler_lc.fits", telescope="Kepler")
    with pytest.raises(NotALightcurve, match="'Kepler'"):
        read_spoc_lightcurve(kepler)


def test_missing_pdcsap_flux_names_the_column(spoc_lc_file: Path, tmp_path: Path) -> None:
    no_pdc = variant(spoc_lc_file, tmp_path / "nopdc_lc.fits", drop="PDCSAP_FLUX")
    with pytest.raises(MissingColumn) as caught:
        read_spoc_lightcurve(no_pdc)
    assert caught.value.reason == "LIGHTCURVE has no column PDCSAP_FLUX"
    assert isinstance(caught.value, IngestError)
    assert caught.value.path == no_pdc


def test_scaled_columns_are_decoded_by_astropy(spoc_lc_file: Path, tmp_path: Path) -> None:
    scaled = variant(spoc_lc_file, tmp_path / "u16_lc.fits", unsigned_quality=True)
    with fits.open(scaled) as hdus:
        assert hdus[1].header["TZERO10"] == 32768  # the direct reader leaves this to astropy
        expected = np.asarray(hdus[1].data["QUALITY"], dtype=np.int32)
    lc = read_spoc_lightcurve(scaled)
    assert lc.quality.dtype == np.int32
    np.testing.assert_array_equal(lc.quality, expected)
    np.testing.assert_array_equal(lc.quality, read_spoc_lightcurve(spoc_lc_file).quality)
