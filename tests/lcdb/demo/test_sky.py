"""Demo stars sit where tess-point says they do, with TIC-like properties."""

from __future__ import annotations

import numpy as np
import pytest
import tess_stars2px

from lcdb.demo.sectors import DAY, SECTOR_SPECS, TWO_MINUTES
from lcdb.demo.sky import (
    QLP_MAGNITUDES,
    TIC_RANGE,
    Footprints,
    Target,
    draw_magnitude,
    draw_targets,
)


def test_each_placement_is_the_ccd_and_pixel_of_the_public_tess_point_call(
    targets: list[Target],
) -> None:
    for target in targets:
        star = target.star
        public = {}
        for number in SECTOR_SPECS:
            out = tess_stars2px.tess_stars2px_function_entry(
                star.tic_id, star.ra, star.dec, trySector=number
            )
            _, _, _, sectors, cameras, ccds, columns, rows, _ = out
            for s, cam, ccd, col, row in zip(sectors, cameras, ccds, columns, rows, strict=True):
                if int(s) == number:
                    public[number] = (int(cam), int(ccd), float(col), float(row))
        ours = {p.sector: (p.camera, p.ccd, p.column, p.row) for p in target.placements}
        assert ours.keys() == public.keys(), star
        for sector, (camera, ccd, column, row) in ours.items():
            assert (camera, ccd) == public[sector][:2]
            assert column == pytest.approx(public[sector][2], abs=1e-6)
            assert row == pytest.approx(public[sector][3], abs=1e-6)
            assert 44 < column < 2093 and 0 < row < 2049


def test_stars_near_the_pole_fall_in_both_sectors(targets: list[Target]) -> None:
    assert len(targets[0].placements) == 2
    assert {p.sector for p in targets[0].placements} == {1, 2}


def test_a_position_off_silicon_has_no_placement(footprints: Footprints) -> None:
    assert footprints.locate(10.0, 10.0, 1) is None  # tess.md: not on silicon in sector 1
    placement = footprints.locate(73.980231, -63.260063, 1)  # TOI-216, camera 4 CCD 1
    assert placement is not None
    assert (placement.camera, placement.ccd) == (4, 1)
    assert placement.column == pytest.approx(1003.41, abs=0.01)


def test_draws_are_deterministic_per_seed(footprints: Footprints) -> None:
    def draw(seed: int) -> list[Target]:
        stream = draw_targets(footprints, np.random.default_rng(seed), QLP_MAGNITUDES, set())
        return [next(stream) for _ in range(5)]

    assert draw(1) == draw(1)
    assert [t.star.tic_id for t in draw(1)] != [t.star.tic_id for t in draw(2)]


def test_tic_ids_are_unique_in_range_and_avoid_reserved_ones(footprints: Footprints) -> None:
    taken = {123456789}
    stream = draw_targets(footprints, np.random.default_rng(3), QLP_MAGNITUDES, taken)
    ids = [next(stream).star.tic_id for _ in range(300)]
    assert len(set(ids)) == len(ids)
    assert 123456789 not in ids
    assert all(TIC_RANGE[0] <= i < TIC_RANGE[1] for i in ids)
    assert set(ids) <= taken  # the stream records what it used


def test_magnitudes_stay_in_range_with_more_faint_stars_than_bright() -> None:
    rng = np.random.default_rng(5)
    mags = np.array([draw_magnitude(rng, 7.0, 13.5) for _ in range(2000)])
    assert mags.min() >= 7.0 and mags.max() <= 13.5
    assert (mags > 10.25).sum() > 3 * (mags <= 10.25).sum()


def test_tess_point_mid_sector_times_agree_with_the_real_files_downlink_gaps(
    footprints: Footprints,
) -> None:
    for number, spec in SECTOR_SPECS.items():
        gap_end = spec.tstart + (spec.gap_rows[1] + 1) * TWO_MINUTES / DAY
        assert footprints.midtime_jd(number) - 2457000 == pytest.approx(gap_end, abs=0.01)
