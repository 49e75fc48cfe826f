"""The #preview plot: a PNG of the expected size for SPOC and QLP lightcurves, for an empty
cutout, and for a lightcurve without flags."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib import image

from tap_service.datalink.documents import cut
from tap_service.datalink.lightcurve import load_lightcurve
from tap_service.datalink.preview import HEIGHT, WIDTH, render_png
from tests.tap_service.datalink.lightcurve_archive import (
    QLP,
    QLP_TIC,
    SPOC,
    SPOC_TIC,
    Archive,
    load,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def pixels(png: bytes) -> np.ndarray:
    assert png.startswith(PNG_SIGNATURE)
    return np.asarray(image.imread(io.BytesIO(png), format="png"))


@pytest.mark.parametrize(
    "key",
    [(SPOC_TIC, SPOC, "PDC"), (SPOC_TIC, SPOC, None), (QLP_TIC, QLP, "KSPSAP")],
    ids=["spoc-pdc", "spoc-raw", "qlp-kspsap"],
)
def test_the_preview_is_a_png_of_the_expected_size(
    archive: Archive, key: tuple[int, str, str | None]
) -> None:
    lc = load(archive, *key)
    picture = pixels(render_png(lc))
    assert picture.shape[:2] == (HEIGHT, WIDTH)
    # something was drawn in the plot's colours: the unflagged points and the flagged crosses
    rgb = (picture[..., :3] * 255).round().astype(int)
    assert (np.abs(rgb - [0x1F, 0x4E, 0x9C]).sum(axis=-1) < 60).sum() > 500
    assert (np.abs(rgb - [0x9A, 0x9A, 0x9A]).sum(axis=-1) < 30).sum() > 50


def test_an_empty_cutout_and_a_lightcurve_without_flags_still_plot(archive: Archive) -> None:
    lc = load(archive, SPOC_TIC, SPOC, "PDC")
    assert pixels(render_png(cut(lc, 60000.0, 60001.0))).shape[:2] == (HEIGHT, WIDTH)
    with archive.connection() as conn:
        conn.execute("DELETE FROM lcdb.quality_flag_array")
        bare = load_lightcurve(conn, lc.dataset_id)
    assert bare is not None and bare.quality is None
    assert pixels(render_png(bare)).shape[:2] == (HEIGHT, WIDTH)


def test_previews_are_the_same_bytes_each_time(archive: Archive) -> None:
    """No global state: two renders of one lightcurve (with another in between) are equal."""
    spoc = load(archive, SPOC_TIC, SPOC, "PDC")
    qlp = load(archive, QLP_TIC, QLP, "KSPSAP")
    first = render_png(spoc)
    render_png(qlp)
    assert render_png(spoc) == first
