"""Stream a result as a VOTable document: head, rows a batch at a time, tail.

`write_votable` (rows) and `transcode_binary2` (raw COPY BINARY tuples) check the columns (so
an unsupported type fails before a byte is sent) and return a generator of `bytes` chunks, one
per batch, for Starlette's `StreamingResponse`. Only one batch and its encoding are in memory
at a time. If reading the rows fails midway, the data already sent stays valid: the DATA and
TABLE are closed and a trailing `QUERY_STATUS=ERROR` INFO carries the message (DALI 1.1
§4.4.2), because the HTTP status (200) has already gone out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from adql import OutputColumn
from tap_service.votable.base64_lines import Base64Lines
from tap_service.votable.binary2 import Binary2Encoder
from tap_service.votable.document import (
    CooSys,
    Descriptor,
    InfoLike,
    Serialization,
    TimeSys,
    data_end,
    head,
    tail,
)
from tap_service.votable.pgcopy import CopySource, CopyTranscoder
from tap_service.votable.source import RowSource
from tap_service.votable.tabledata import TabledataEncoder

Encoder = Binary2Encoder | CopyTranscoder | TabledataEncoder

log = logging.getLogger(__name__)


def write_votable(
    columns: Sequence[OutputColumn],
    source: RowSource,
    *,
    serialization: Serialization = Serialization.BINARY2,
    infos: Iterable[InfoLike] = (),
    systems: Iterable[CooSys | TimeSys] = (),
    descriptor: Descriptor | None = None,
) -> Iterator[bytes]:
    """The VOTable 1.4 document of `source`'s rows as `bytes` chunks."""
    encoder: Binary2Encoder | TabledataEncoder
    if serialization is Serialization.TABLEDATA:
        encoder = TabledataEncoder(columns)  # raises UnsupportedColumn now, before any byte
    else:
        encoder = Binary2Encoder(columns)
    start = head(columns, serialization, tuple(infos), tuple(systems), descriptor).encode("utf-8")
    return _chunks(start, encoder, source.batches(), source, serialization, descriptor)


def write_binary2(
    columns: Sequence[OutputColumn],
    source: RowSource,
    *,
    infos: Iterable[InfoLike] = (),
    systems: Iterable[CooSys | TimeSys] = (),
    descriptor: Descriptor | None = None,
) -> Iterator[bytes]:
    return write_votable(
        columns,
        source,
        serialization=Serialization.BINARY2,
        infos=infos,
        systems=systems,
        descriptor=descriptor,
    )


def write_tabledata(
    columns: Sequence[OutputColumn],
    source: RowSource,
    *,
    infos: Iterable[InfoLike] = (),
    systems: Iterable[CooSys | TimeSys] = (),
    descriptor: Descriptor | None = None,
) -> Iterator[bytes]:
    return write_votable(
        columns,
        source,
        serialization=Serialization.TABLEDATA,
        infos=infos,
        systems=systems,
        descriptor=descriptor,
    )


def transcode_binary2(
    columns: Sequence[OutputColumn],
    source: CopySource,
    *,
    infos: Iterable[InfoLike] = (),
    systems: Iterable[CooSys | TimeSys] = (),
    descriptor: Descriptor | None = None,
) -> Iterator[bytes]:
    """The BINARY2 document of raw COPY BINARY tuples, whose types the caller checked with
    `pgcopy.transcodable` (the same bytes `write_binary2` writes for the same rows)."""
    encoder = CopyTranscoder(columns, source.pg_types)
    start = head(columns, Serialization.BINARY2, tuple(infos), tuple(systems), descriptor).encode(
        "utf-8"
    )
    return _chunks(start, encoder, source.copy_batches(), source, Serialization.BINARY2, descriptor)


def _chunks(
    start: bytes,
    encoder: Encoder,
    batches: Iterator[Any],  # row batches, or `CopyBatch`es for the transcoder
    source: RowSource | CopySource,
    serialization: Serialization,
    descriptor: Descriptor | None = None,
) -> Iterator[bytes]:
    if isinstance(encoder, TabledataEncoder):
        body = (encoder.encode(batch).encode("utf-8") for batch in batches)
        return framed(start, body, batches, source, serialization, descriptor)
    base64 = Base64Lines()
    body = (base64.feed(encoder.encode(batch)) for batch in batches)
    return framed(start, body, batches, source, serialization, descriptor, base64.finish)


def framed(
    start: bytes,
    body: Iterable[bytes],
    batches: Iterator[object],
    source: RowSource | CopySource,
    serialization: Serialization,
    descriptor: Descriptor | None = None,
    finish: Callable[[], bytes] = bytes,
) -> Iterator[bytes]:
    """`start`, the encoded `body` (made from `batches`, which are closed at the end, also
    when the client went away), then `finish()` and the tail: OVERFLOW if `source` says so,
    or, if reading failed midway, the DATA and TABLE closed and a QUERY_STATUS=ERROR INFO."""
    yield start
    error: str | None = None
    try:
        for chunk in body:
            if chunk:
                yield chunk
    except Exception as exc:  # the status line is sent: report in the document (DALI 4.4.2)
        log.warning("result stream failed after the response started", exc_info=True)
        error = error_message(exc)
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()  # releases the cursor also when the client went away
    end = finish() + data_end(serialization).encode("utf-8")
    overflow = False if error is not None else bool(source.overflow)
    yield end + tail(overflow=overflow, error=error, descriptor=descriptor).encode("utf-8")


def error_message(exc: BaseException) -> str:
    """The text for a QUERY_STATUS=ERROR INFO: a TAPError's message, else the exception text."""
    message = getattr(exc, "message", None)
    if isinstance(message, str) and message:
        return message
    return str(exc).strip() or type(exc).__name__
