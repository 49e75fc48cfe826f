"""Synthetic lightcurves: a star's signal seen through a sector's cadences, noise and events.

Two products, as their pipelines make them: SPOC 2-minute target lightcurves (SAP and PDCSAP
fluxes in e-/s, the gap's rows kept with NaN times, PDCSAP NaN where QUALITY says) and QLP
30-minute FFI lightcurves (normalised raw and KSP-detrended fluxes in three apertures, no rows
in the gap). Noise follows the star's magnitude: photon noise from a zero point of
15,000 e-/s at Tmag 10, sky and read noise over an aperture that grows for bright stars, and
a 30 ppm-per-hour systematic floor; scattered light raises the sky. Everything is
deterministic in (seed, TIC id, sector), and arrays carry the dtypes the files store.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lcdb.demo.sectors import (
    DAY,
    FFI_CADENCE,
    IMPULSIVE_OUTLIER,
    PDC_GAPPED,
    TWO_MINUTES,
    Sector,
    qlp_quality,
    scattered_light,
    spoc_quality,
)
from lcdb.demo.signals import StarModel
from lcdb.demo.sky import Placement, Star

ZERO_POINT = 15_000.0  # e-/s of a Tmag 10 star
SKY_PER_PIXEL = 100.0  # e-/s, zodiacal light and unresolved stars
READ_NOISE = 10.0  # e- per 2-s frame
FRAME = 2.0  # s
DEADC = 0.792  # live fraction of a cadence
FLOOR_PPM_HOUR = 30.0


@dataclass(frozen=True, slots=True)
class SpocSeries:
    """One SPOC 2-min lightcurve: what `fits_writer.write_spoc` puts in the file."""

    star: Star
    placement: Placement
    sector: Sector
    cadenceno: np.ndarray  # int32
    time: np.ndarray  # float64 BTJD, NaN in the downlink gap
    timecorr: np.ndarray  # float32 d
    sap_flux: np.ndarray  # float32 e-/s, and so on
    sap_flux_err: np.ndarray
    sap_bkg: np.ndarray
    sap_bkg_err: np.ndarray
    pdcsap_flux: np.ndarray
    pdcsap_flux_err: np.ndarray
    quality: np.ndarray  # int32
    mom_centr1: np.ndarray  # float64 pixel
    mom_centr1_err: np.ndarray  # float32
    mom_centr2: np.ndarray
    mom_centr2_err: np.ndarray
    pos_corr1: np.ndarray  # float32 pixel
    pos_corr2: np.ndarray
    aperture_pixels: int
    crowdsap: float
    flfrcsap: float
    cdpp: tuple[float, float, float]  # ppm on 0.5, 1 and 2 h
    pdcvar: float


@dataclass(frozen=True, slots=True)
class QlpSeries:
    """One QLP 30-min FFI lightcurve: what `fits_writer.write_qlp` puts in the file."""

    star: Star
    placement: Placement
    sector: Sector
    time: np.ndarray  # float64 BTJD
    cadenceno: np.ndarray  # int32
    sap_flux: np.ndarray  # float32, normalised
    kspsap_flux: np.ndarray
    kspsap_flux_err: np.ndarray
    quality: np.ndarray  # int32
    orbitid: np.ndarray  # int32
    sap_x: np.ndarray  # float32 pixel
    sap_y: np.ndarray
    sap_bkg: np.ndarray  # float32, in units of the star's flux
    sap_bkg_err: np.ndarray
    kspsap_flux_sml: np.ndarray
    kspsap_flux_lag: np.ndarray


def star_rate(tmag: float) -> float:
    """Electrons per second the star puts on the detector."""
    return float(ZERO_POINT * 10.0 ** (-0.4 * (tmag - 10.0)))


def aperture_pixels(tmag: float) -> int:
    return int(np.clip(round(40.0 - 2.5 * tmag), 4, 60))


def relative_noise(tmag: float, cadence: float, extra_sky: np.ndarray) -> np.ndarray:
    """1-sigma scatter of one cadence, as a fraction of the star's flux."""
    rate, exposure, pixels = star_rate(tmag), cadence * DEADC, aperture_pixels(tmag)
    variance = (
        rate * exposure
        + pixels * SKY_PER_PIXEL * (1.0 + extra_sky) * exposure
        + pixels * READ_NOISE**2 * (cadence / FRAME)
    )
    floor = FLOOR_PPM_HOUR * 1e-6 * np.sqrt(3600.0 / cadence)
    return np.asarray(np.sqrt(variance / (rate * exposure) ** 2 + floor**2))


def simulate_spoc(
    star: Star, model: StarModel, placement: Placement, sector: Sector, seed: int
) -> SpocSeries:
    rng = np.random.default_rng([seed, star.tic_id, sector.number, 2])
    cadenceno, tjd = sector.two_minute_grid()
    timecorr = sector.barycentric_correction(tjd, star.ra, star.dec)
    time = tjd + timecorr
    quality = spoc_quality(sector, placement.camera)
    gap = sector.gap.contains(tjd)
    extra = scattered_light(sector, placement.camera, tjd)
    sigma = relative_noise(star.tmag, TWO_MINUTES, extra)
    noise = rng.standard_normal(tjd.size) * sigma
    outliers = rng.choice(np.flatnonzero(~gap), size=int(rng.integers(0, 4)), replace=False)
    noise[outliers] += rng.choice([-1.0, 1.0], outliers.size) * 12.0 * sigma[outliers]
    quality[outliers] |= IMPULSIVE_OUTLIER
    signal = model.flux(time, model.flares(sector.number, sector.start, sector.stop))
    rate = star_rate(star.tmag)
    flfrcsap, crowdsap = float(rng.uniform(0.6, 0.95)), float(rng.uniform(0.7, 1.0))
    pixels = aperture_pixels(star.tmag)
    systematics = _drift(rng, sector, tjd, 2e-3) + 2e-3 * extra
    in_aperture = rate * flfrcsap
    sap = in_aperture * (1.0 + signal + noise + systematics) + in_aperture * (1.0 / crowdsap - 1.0)
    pdc = rate * (1.0 + signal + noise)
    sky = pixels * SKY_PER_PIXEL * (1.0 + extra)
    sky_err = np.sqrt(sky / (TWO_MINUTES * DEADC)) * np.sqrt(pixels) / 4.0
    sap_bkg = sky + rng.standard_normal(tjd.size) * sky_err
    jitter = 0.01 + 0.02 * extra / 20.0
    centr1 = placement.column + rng.standard_normal(tjd.size) * jitter
    centr2 = placement.row + rng.standard_normal(tjd.size) * jitter
    pos1, pos2 = (_drift(rng, sector, tjd, 0.03) for _ in range(2))
    for column in (time, sap, pdc, sap_bkg, centr1, centr2):
        column[gap] = np.nan
    pdc[(quality & PDC_GAPPED) != 0] = np.nan
    return SpocSeries(
        star=star,
        placement=placement,
        sector=sector,
        cadenceno=cadenceno.astype(np.int32),
        time=time,
        timecorr=timecorr.astype(np.float32),
        sap_flux=sap.astype(np.float32),
        sap_flux_err=_f4(np.where(gap, np.nan, sigma * in_aperture)),
        sap_bkg=sap_bkg.astype(np.float32),
        sap_bkg_err=_f4(np.where(gap, np.nan, sky_err)),
        pdcsap_flux=pdc.astype(np.float32),
        pdcsap_flux_err=_f4(np.where(np.isnan(pdc), np.nan, 1.05 * sigma * rate)),
        quality=quality,
        mom_centr1=centr1,
        mom_centr1_err=_f4(np.where(gap, np.nan, jitter / 2.0)),
        mom_centr2=centr2,
        mom_centr2_err=_f4(np.where(gap, np.nan, jitter / 2.0)),
        pos_corr1=_f4(np.where(gap, np.nan, pos1)),
        pos_corr2=_f4(np.where(gap, np.nan, pos2)),
        aperture_pixels=pixels,
        crowdsap=round(crowdsap, 6),
        flfrcsap=round(flfrcsap, 6),
        cdpp=_cdpp(pdc, TWO_MINUTES),
        pdcvar=round(float(np.nanstd(signal) / max(float(np.nanmedian(sigma)), 1e-9)), 4),
    )


def simulate_qlp(
    star: Star, model: StarModel, placement: Placement, sector: Sector, seed: int
) -> QlpSeries:
    rng = np.random.default_rng([seed, star.tic_id, sector.number, 3])
    cadenceno, tjd = sector.ffi_grid()
    time = tjd + sector.barycentric_correction(tjd, star.ra, star.dec)
    extra = scattered_light(sector, placement.camera, tjd)
    sigma = relative_noise(star.tmag, FFI_CADENCE, extra)
    flares = model.flares(sector.number, sector.start, sector.stop)
    exposure = FFI_CADENCE / DAY
    raw = model.exposed_flux(time, exposure, flares)
    detrended = model.exposed_flux(time, exposure, flares, detrended=True)
    shared = rng.standard_normal(tjd.size) * sigma
    systematics = _drift(rng, sector, tjd, 3e-3) + 3e-3 * extra
    pixels = aperture_pixels(star.tmag)
    sky = pixels * SKY_PER_PIXEL * (1.0 + extra) / star_rate(star.tmag)
    sky_err = sky / np.sqrt(pixels * SKY_PER_PIXEL * FFI_CADENCE * DEADC)
    jitter = 0.02 + 0.03 * extra / 20.0
    return QlpSeries(
        star=star,
        placement=placement,
        sector=sector,
        time=time,
        cadenceno=cadenceno.astype(np.int32),
        sap_flux=_f4(1.0 + raw + shared + systematics),
        kspsap_flux=_f4(1.0 + detrended + shared),
        kspsap_flux_err=_f4(sigma),
        quality=qlp_quality(sector, placement.camera),
        orbitid=sector.orbit_ids(tjd).astype(np.int32),
        sap_x=_f4(placement.column + rng.standard_normal(tjd.size) * jitter),
        sap_y=_f4(placement.row + rng.standard_normal(tjd.size) * jitter),
        sap_bkg=_f4(sky + rng.standard_normal(tjd.size) * sky_err),
        sap_bkg_err=_f4(sky_err),
        kspsap_flux_sml=_f4(1.0 + detrended + rng.standard_normal(tjd.size) * sigma * 1.25),
        kspsap_flux_lag=_f4(1.0 + detrended + rng.standard_normal(tjd.size) * sigma * 1.15),
    )


def _drift(rng: np.random.Generator, sector: Sector, tjd: np.ndarray, size: float) -> np.ndarray:
    """A slow, smooth wander per orbit (pointing and focus changes)."""
    out = np.zeros(tjd.shape)
    for orbit in sector.orbits:
        inside = orbit.contains(tjd)
        x = (tjd[inside] - orbit.start) / max(orbit.stop - orbit.start, 1e-9) * 2.0 - 1.0
        a, b = rng.normal(0.0, size, 2)
        out[inside] = a * x + b * (x * x - 1.0 / 3.0)
    return out


def _cdpp(flux: np.ndarray, cadence: float) -> tuple[float, float, float]:
    """Rough CDPP (ppm): the point-to-point scatter scaled to 0.5, 1 and 2 hours."""
    finite = flux[np.isfinite(flux)]
    if finite.size < 3:
        return (0.0, 0.0, 0.0)
    relative = finite / np.median(finite)
    scatter = 1.4826 * np.median(np.abs(np.diff(relative))) / np.sqrt(2.0) * 1e6
    half, one, two = (round(float(scatter / np.sqrt(h * 3600.0 / cadence)), 3) for h in (0.5, 1, 2))
    return half, one, two


def _f4(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)
