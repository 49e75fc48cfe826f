"""Sector timelines: cadence grids, the gap, and quality bits with their SPOC meanings."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.coordinates import EarthLocation, SkyCoord
from astropy.time import Time

from lcdb.demo.sectors import (
    DESAT,
    EARTH_POINT,
    FFI_CADENCE,
    MANUAL_EXCLUDE,
    SECTOR_SPECS,
    TWO_MINUTES,
    Sector,
    build_sector,
    qlp_quality,
    spoc_quality,
)

SPOC_BITS = 1 | 2 | 4 | 8 | 16 | 32 | 64 | 128 | 256 | 512 | 1024 | 2048 | 4096 | 8192 | 16384


def test_two_minute_grid_matches_the_real_sector_layout(sectors: dict[int, Sector]) -> None:
    for number, sector in sectors.items():
        spec = SECTOR_SPECS[number]
        cadences, times = sector.two_minute_grid()
        assert cadences.size == spec.two_minute_rows
        assert cadences[0] == spec.first_cadence
        assert np.all(np.diff(cadences) == 1)
        assert np.allclose(np.diff(times) * 86400.0, TWO_MINUTES)
        assert times[0] == pytest.approx(spec.tstart + TWO_MINUTES / 2 / 86400.0)
        in_gap = np.flatnonzero(sector.gap.contains(times))
        assert (in_gap[0], in_gap[-1]) == spec.gap_rows
        assert in_gap.size == spec.gap_rows[1] - spec.gap_rows[0] + 1


def test_ffi_grid_has_half_hour_cadences_and_nothing_in_the_gap(
    sectors: dict[int, Sector],
) -> None:
    one, two = sectors[1], sectors[2]
    cadences, times = one.ffi_grid()
    assert times.size == 1282  # sector 1 had 1,282 FFIs per CCD (test_frames: the very ones)
    assert not one.gap.contains(times).any()
    assert not two.gap.contains(two.ffi_grid()[1]).any()
    steps = np.diff(times) * 86400.0
    assert np.allclose(steps[steps < 2 * FFI_CADENCE], FFI_CADENCE)
    assert cadences[0] == 4697  # SPOC's FFIINDEX of the first sector 1 FFI
    assert two.ffi_grid()[0][0] > cadences[-1]  # FFI numbers grow across sectors
    assert set(one.orbit_ids(times)) == {9, 10}  # POC orbits of sector 1


def test_spoc_quality_flags_the_gap_dumps_and_only_known_bits(sectors: dict[int, Sector]) -> None:
    sector = sectors[1]
    _, times = sector.two_minute_grid()
    quality = spoc_quality(sector, 3)
    gap = sector.gap.contains(times)
    assert np.all(quality[gap] & (EARTH_POINT | MANUAL_EXCLUDE) == EARTH_POINT | MANUAL_EXCLUDE)
    assert not np.any(quality[~gap] & EARTH_POINT)
    assert quality.dtype == np.int32 and not np.any(quality & ~SPOC_BITS)
    dumps = np.flatnonzero(quality & DESAT)
    starts = times[dumps[np.r_[True, np.diff(dumps) > 1]]]
    assert len(starts) == len(sector.dumps) == 12  # every 2.5 d, as in the real file
    assert np.all(quality[dumps] & MANUAL_EXCLUDE)
    assert 0.005 < np.mean(quality[~gap] == 0) < 1.0
    # Camera 1 looks closest to the Earth: more scattered light than camera 4.
    assert np.sum(spoc_quality(sector, 1) & 2048) > np.sum(spoc_quality(sector, 4) & 2048)


def test_qlp_quality_uses_the_ffi_grid_and_qlp_bits(sectors: dict[int, Sector]) -> None:
    sector = sectors[2]
    quality = qlp_quality(sector, 2)
    assert quality.size == sector.ffi_grid()[1].size
    assert not np.any(quality & ~(16 | 32 | 128 | 2048 | 4096))
    times = sector.ffi_grid()[1]
    flagged = times[(quality & DESAT) != 0]
    nearest = np.min(np.abs(flagged[:, None] - np.array(sector.dumps)[None, :]), axis=1)
    assert np.all(nearest * 86400.0 <= FFI_CADENCE / 2 + 1e-3)  # each flag is a dump exposure
    half = FFI_CADENCE / 86400.0 / 2
    exposed = [dump for dump in sector.dumps if np.any(np.abs(times - dump) <= half)]
    assert flagged.size == len(exposed)  # every dump during an FFI exposure is flagged
    # the dumps that open the two orbits come just before their first FFIs (as in the real
    # sector 2 timeline), any other one during an exposure
    assert len(exposed) >= len(sector.dumps) - 2


def test_timelines_are_deterministic_in_the_seed() -> None:
    first, again, other = (build_sector(SECTOR_SPECS[1], seed) for seed in (1, 1, 2))
    assert np.array_equal(spoc_quality(first, 2), spoc_quality(again, 2))
    assert not np.array_equal(spoc_quality(first, 2), spoc_quality(other, 2))


def test_barycentric_correction_agrees_with_astropy(sectors: dict[int, Sector]) -> None:
    sector = sectors[1]
    _, times = sector.two_minute_grid()
    sample = times[::2000]
    ra, dec = 51.1119, -77.4515
    ours = sector.barycentric_correction(sample, ra, dec)
    when = Time(sample + 2457000.0, format="jd", scale="tdb")
    theirs = when.light_travel_time(
        SkyCoord(ra, dec, unit="deg"), "barycentric", location=EarthLocation(0, 0, 0)
    )
    assert np.allclose(ours, theirs.to_value("d"), atol=2e-5)  # under 2 s; TESS is not Earth
    assert np.all(np.abs(ours) < 0.0058)
