"""Write demo lightcurves as real-format FITS files: SPOC `*_lc.fits` and QLP HLSP `*_llc.fits`.

SPOC files copy the layout of the real sector 1 product (primary keywords, the 20-column
LIGHTCURVE table with its units and display formats, the time keywords, an APERTURE image with
the pixel bits and both WCSs) so the same readers work on them: astropy's `tess.fits`
TimeSeries reader, lightkurve, and our ingest. QLP files follow the HLSP format as lightkurve
reads it (ORIGIN 'MIT/QLP'). Every file says SIMDATA = T and names lcdb-tap as its CREATOR,
so no synthetic file passes for a mission product.

Speed: astropy's HDU classes cost about 70 ms a file (card verification, column objects;
measured), minutes for a demo archive. So astropy renders each header once per sector and
kind (`HeaderTemplate`); a file replaces only its own cards (rendered by astropy's `Card`)
and numpy lays out the rows. The bytes are plain FITS: 2880-byte blocks of header and data.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy.io import fits

from lcdb.demo import fits_cards as cards
from lcdb.demo.sectors import Sector
from lcdb.demo.synthetic import QlpSeries, SpocSeries

BLOCK = 2880  # FITS record size
CARD = 80


def spoc_name(sector: Sector, tic_id: int) -> str:
    spec = sector.spec
    stamp, config = spec.product_stamp, spec.scconfig
    return f"tess{stamp}-s{spec.sector:04d}-{tic_id:016d}-{config:04d}-s_lc.fits"


def qlp_name(sector: int, tic_id: int) -> str:
    return f"hlsp_qlp_tess_ffi_s{sector:04d}-{tic_id:016d}_tess_v01_llc.fits"


@dataclass(frozen=True, slots=True)
class HeaderTemplate:
    """A header rendered once; each file replaces the cards whose values are its own."""

    text: str  # the rendered header: cards, END, blank padding to a block
    slots: Mapping[str, tuple[int, str]]  # keyword -> (card index, comment)

    @classmethod
    def of(cls, header: fits.Header) -> HeaderTemplate:
        keywords = [card.keyword for card in header.cards]
        if len(set(keywords)) != len(keywords):
            raise ValueError("a template header repeats a keyword")
        slots = {card.keyword: (index, card.comment) for index, card in enumerate(header.cards)}
        return cls(header.tostring(), slots)

    def render(self, values: Mapping[str, object]) -> bytes:
        text = list(self.text[i : i + CARD] for i in range(0, len(self.text), CARD))
        for keyword, value in values.items():
            index, comment = self.slots[keyword]
            image = fits.Card(keyword, value, comment).image
            if len(image) != CARD:
                raise ValueError(f"{keyword} = {value!r} does not fit one card")
            text[index] = image
        return "".join(text).encode("ascii")


@dataclass(frozen=True, slots=True)
class Layout:
    """What every file of one kind and sector shares."""

    primary: HeaderTemplate
    table: HeaderTemplate
    dtype: np.dtype  # one table row, big-endian as FITS stores it
    attributes: tuple[str | None, ...]  # the series attribute behind each column


class Writer:
    """Writes the demo's SPOC and QLP files for a set of sectors."""

    def __init__(self, sectors: Mapping[int, Sector], created: datetime.date) -> None:
        self._spoc = {n: _spoc_layout(sector, created) for n, sector in sectors.items()}
        self._qlp = {n: _qlp_layout(sector, created) for n, sector in sectors.items()}
        image = np.zeros((cards.APERTURE_SIZE, cards.APERTURE_SIZE), dtype=np.int32)
        aperture = fits.ImageHDU(image, name="APERTURE").header
        aperture.extend(cards.aperture_cards(), end=True)
        self._aperture = HeaderTemplate.of(aperture)

    def write_spoc(self, series: SpocSeries, directory: Path) -> Path:
        """Write a SPOC 2-min lightcurve file into `directory`; returns its path."""
        layout = self._spoc[series.sector.number]
        image = cards.aperture_image(series)
        path = directory / spoc_name(series.sector, series.star.tic_id)
        _write(
            path,
            layout.primary.render(cards.star_values(series.star, series.placement)),
            layout.table.render(cards.spoc_table_values(series)),
            _padded(_rows(layout, series).tobytes()),
            self._aperture.render(cards.aperture_values(series)),
            _padded(image.astype(">i4").tobytes()),
        )
        return path

    def write_qlp(self, series: QlpSeries, directory: Path) -> Path:
        """Write a QLP HLSP lightcurve file into `directory`; returns its path."""
        layout = self._qlp[series.sector.number]
        path = directory / qlp_name(series.sector.number, series.star.tic_id)
        _write(
            path,
            layout.primary.render(cards.star_values(series.star, series.placement)),
            layout.table.render(cards.qlp_table_values(series)),
            _padded(_rows(layout, series).tobytes()),
        )
        return path


def _spoc_layout(sector: Sector, created: datetime.date) -> Layout:
    rows = sector.spec.two_minute_rows
    columns = [
        fits.Column(name, form, unit=unit, disp=disp, array=cards.empty_column(rows, form))
        for name, form, unit, disp, _ in cards.SPOC_COLUMNS
    ]
    return _layout(
        columns,
        cards.spoc_primary_cards(sector, created),
        cards.spoc_table_cards(sector),
        tuple(attribute for *_, attribute in cards.SPOC_COLUMNS),
    )


def _qlp_layout(sector: Sector, created: datetime.date) -> Layout:
    rows = sector.ffi_grid()[0].size
    columns = [
        fits.Column(name, form, unit=unit, array=cards.empty_column(rows, form))
        for name, form, unit, _ in cards.QLP_COLUMNS
    ]
    return _layout(
        columns,
        cards.qlp_primary_cards(sector, created),
        cards.qlp_table_cards(sector),
        tuple(attribute for *_, attribute in cards.QLP_COLUMNS),
    )


def _layout(
    columns: list[fits.Column],
    primary_cards: list[cards.Card],
    table_cards: list[cards.Card],
    attributes: tuple[str | None, ...],
) -> Layout:
    table = fits.BinTableHDU.from_columns(columns, name="LIGHTCURVE")
    table.header.extend(table_cards, end=True)
    primary = fits.PrimaryHDU().header  # SIMPLE, BITPIX, NAXIS = 0, EXTEND
    primary.extend(primary_cards, end=True)
    dtype = table.data.dtype.newbyteorder(">")
    return Layout(HeaderTemplate.of(primary), HeaderTemplate.of(table.header), dtype, attributes)


def _rows(layout: Layout, series: SpocSeries | QlpSeries) -> np.ndarray:
    rows = np.empty(series.time.size, dtype=layout.dtype)
    for name, attribute in zip(layout.dtype.names or (), layout.attributes, strict=True):
        rows[name] = np.nan if attribute is None else getattr(series, attribute)
    return rows


def _padded(data: bytes) -> bytes:
    return data + bytes(-len(data) % BLOCK)


def _write(path: Path, *parts: bytes) -> None:
    """The file's blocks in order, under a temporary name until complete."""
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as stream:
        for part in parts:
            stream.write(part)
    partial.replace(path)
