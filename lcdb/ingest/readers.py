"""Which reader a lightcurve file needs, decided from its primary header.

The directory walk cannot tell a QLP file from a SPOC one by name alone (both end in
`lc.fits`), so every file is opened once and dispatched on ORIGIN and TELESCOP, the way
lightkurve's `io/detect.py` does.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from lcdb.ingest.errors import NotALightcurve, WrongKind
from lcdb.ingest.fitsfile import read_checked
from lcdb.ingest.product import Lightcurve, Pipeline
from lcdb.ingest.qlp import is_qlp, parse_qlp
from lcdb.ingest.spoc import is_spoc, parse_spoc

if TYPE_CHECKING:
    from astropy.io import fits  # annotations only; astropy is untyped, so Any to mypy

ALL_KINDS = frozenset(Pipeline)


def read_lightcurve(path: Path | str, kinds: Collection[Pipeline] = ALL_KINDS) -> Lightcurve:
    """Read any known lightcurve product; refuse one whose pipeline is not in `kinds`."""

    def parse(path: Path, stream: BinaryIO, hdus: fits.HDUList) -> Lightcurve:
        primary = hdus[0].header
        if is_qlp(primary):
            product = parse_qlp(path, stream, hdus)
        elif is_spoc(primary):
            product = parse_spoc(path, stream, hdus)
        else:
            raise NotALightcurve(
                path,
                f"neither a TESS product (TELESCOP {primary.get('TELESCOP')!r}) "
                f"nor a QLP one (ORIGIN {primary.get('ORIGIN')!r})",
            )
        if product.info.pipeline not in kinds:
            wanted = " or ".join(sorted(str(kind) for kind in kinds))
            raise WrongKind(
                path,
                f"a {product.info.pipeline} lightcurve, not {wanted}: load it with "
                f"`lcdb-tap ingest {product.info.pipeline}` or `lcdb-tap ingest lightcurves`",
            )
        return product

    return read_checked(path, parse)
