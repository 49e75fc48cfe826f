"""CSV (RFC 4180, header line) and TSV (IANA text/tab-separated-values) result writers.

Same streaming contract as the VOTable writers: one chunk of text per batch. Cells use
`texts.cell_texts` (arrays space-separated in one cell, NaN / +Inf / -Inf). NULL is an empty
cell, indistinguishable from an empty string, as in every CSV dialect.

TSV has no escape mechanism and forbids TAB inside values, so TAB, CR and LF in strings are
written as one space each (a documented loss); CSV quotes instead and loses nothing.
Neither format can carry an overflow or error status: overflow is not reported, and an
error while reading rows is re-raised so the HTTP layer aborts the response (a truncated
chunked transfer), which a client notices, instead of ending it like a complete file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence

from adql import OutputColumn
from tap_service.votable.document import CooSys, Descriptor, InfoLike, TimeSys
from tap_service.votable.shapes import Shape, shape_of
from tap_service.votable.source import RowSource
from tap_service.votable.texts import cell_texts

_TSV_CLEAN = str.maketrans({"\t": " ", "\r": " ", "\n": " "})


def write_csv(
    columns: Sequence[OutputColumn],
    source: RowSource,
    *,
    infos: Iterable[InfoLike] = (),
    systems: Iterable[CooSys | TimeSys] = (),
    descriptor: Descriptor | None = None,
) -> Iterator[bytes]:
    """RFC 4180 CSV with a header line of column names (`text/csv;header=present`)."""
    return _rows(columns, source, csv_lines)


def write_tsv(
    columns: Sequence[OutputColumn],
    source: RowSource,
    *,
    infos: Iterable[InfoLike] = (),
    systems: Iterable[CooSys | TimeSys] = (),
    descriptor: Descriptor | None = None,
) -> Iterator[bytes]:
    """Tab-separated values with a header line; no TAB or newline inside any value."""
    return _rows(columns, source, tsv_lines)


Lines = Callable[[Iterable[Sequence[str | None]]], str]


def _rows(columns: Sequence[OutputColumn], source: RowSource, lines: Lines) -> Iterator[bytes]:
    shapes = tuple(shape_of(c) for c in columns)  # fail before the response starts
    header = [[c.name for c in columns]]
    return _chunks(shapes, source, lines, header)


def _chunks(
    shapes: Sequence[Shape], source: RowSource, lines: Lines, header: list[list[str]]
) -> Iterator[bytes]:
    yield lines(header).encode("utf-8")
    batches = source.batches()
    try:
        for batch in batches:
            if batch:
                values = zip(*batch, strict=True)
                cells = [cell_texts(s, v) for s, v in zip(shapes, values, strict=True)]
                yield lines(zip(*cells, strict=True)).encode("utf-8")
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()


def csv_lines(rows: Iterable[Sequence[str | None]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)  # None is written as empty
    return out.getvalue()


def tsv_lines(rows: Iterable[Sequence[str | None]]) -> str:
    return "".join(
        "\t".join("" if t is None else t.translate(_TSV_CLEAN) for t in row) + "\n" for row in rows
    )
