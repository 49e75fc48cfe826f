"""Star signals: transit shape and depth, flare shape, exposure smearing, per-star determinism."""

from __future__ import annotations

import numpy as np
import pytest

from lcdb.demo.signals import Flare, StarModel, Transit, star_model
from lcdb.demo.sky import Star

STAR = Star(12345678, 80.0, -70.0, 10.0, 5700.0, 4.4, 0.0, 1.0)


def test_transit_is_a_trapezoid_of_the_given_depth_and_duration() -> None:
    transit = Transit(period=3.0, epoch=1330.0, depth=0.01, duration=0.1, ingress=0.02)
    times = np.array([1330.0, 1333.0, 1330.04, 1330.05, 1330.06, 1331.5])
    flux = transit.flux(times)
    assert flux[0] == pytest.approx(-0.01) and flux[1] == pytest.approx(-0.01)  # a period later
    assert flux[2] == pytest.approx(-0.005)  # half way through egress
    assert flux[3] == pytest.approx(0.0, abs=1e-12) and flux[4] == 0.0 and flux[5] == 0.0


def test_flare_rises_linearly_and_decays_exponentially() -> None:
    flare = Flare(peak=1330.0, amplitude=0.2, rise=0.004, decay=0.01)
    flux = flare.flux(np.array([1329.99, 1329.998, 1330.0, 1330.01, 1330.02]))
    assert flux[0] == 0.0
    assert flux[1] == pytest.approx(0.1)
    assert flux[2] == pytest.approx(0.2)
    assert flux[3] == pytest.approx(0.2 / np.e)
    assert flux[4] == pytest.approx(0.2 / np.e**2)


def test_long_exposures_smear_a_flare_but_keep_its_energy() -> None:
    model = StarModel(None, (), 0.0, (0.0, 0.0), seed=1, tic_id=1)
    flare = Flare(peak=1330.0, amplitude=0.2, rise=0.002, decay=0.005)
    grid = 1329.9 + np.arange(20) * 1800.0 / 86400.0
    smeared = model.exposed_flux(grid, 1800.0 / 86400.0, (flare,))
    fine = np.arange(1329.5, 1330.5, 1e-5)
    assert smeared.max() < 0.1
    energy = np.sum(smeared) * 1800.0 / 86400.0
    assert energy == pytest.approx(np.sum(flare.flux(fine)) * 1e-5, rel=0.05)


def test_a_star_behaves_the_same_in_every_lightcurve_and_differs_per_seed() -> None:
    first = star_model(STAR, 3, transit_fraction=1.0)
    assert first == star_model(STAR, 3, transit_fraction=1.0)
    assert first.transit is not None
    assert first.transit != star_model(STAR, 4, transit_fraction=1.0).transit
    assert star_model(STAR, 3, transit_fraction=0.0).transit is None


def test_flares_are_drawn_per_sector_and_repeat() -> None:
    m_dwarf = Star(5, 80.0, -70.0, 12.0, 3200.0, 4.9, None, 0.3)
    flaring = next(
        model
        for seed in range(100)
        if (model := star_model(m_dwarf, seed, transit_fraction=0.0)).flare_rate > 0
    )
    one = flaring.flares(1, 1325.0, 1353.0)
    assert one == flaring.flares(1, 1325.0, 1353.0)
    assert one != flaring.flares(2, 1325.0, 1353.0)
    assert all(1325.0 <= flare.peak <= 1353.0 for flare in one)


def test_detrended_flux_drops_slow_variability_and_keeps_transits() -> None:
    model = star_model(STAR, 0, transit_fraction=1.0)
    assert model.transit is not None
    times = np.linspace(1325.0, 1353.0, 5000)
    detrended = model.flux(times, (), detrended=True)
    assert np.allclose(
        detrended,
        model.transit.flux(times)
        + sum((w.flux(times) for w in model.variability if w.period < 1.0), np.zeros_like(times)),
    )
