"""``COPY (query) TO STDOUT`` read straight from libpq, at the rate PostgreSQL sends it.

Why not psycopg's ``cursor.copy()``: iterating it costs a generator round trip per message
(one message is one row), and that alone held the service to a third of what the database
delivers. Measured on this machine kind (1M rows x 4 columns, FORMAT binary / csv, 46 / 30
MB, psycopg 3.3 with its C implementation `psycopg-binary`, the package's dependency):
``for block in copy``: 0.51 s / 0.50 s; ``copy.read()``: 0.55 s / 0.54 s; psycopg2's
``copy_expert``: 0.17 s / 0.29 s; this loop over ``PGconn.get_copy_data`` (non-blocking, a
``select`` only when libpq's buffer is empty): 0.17 s / 0.27 s, i.e. psycopg2's figure, so
no second driver is needed (psycopg 3's C pq wrapper is not the slow part, its generators
are). Each message is copied out of libpq's buffer at once, into its batch's buffer
(`CopyBatch`): a batch of the service's size holding thousands of libpq buffers alive cost
2.8 s of CPU per 1M rows against 0.38 s with the copies (a 1M-row CSV COPY, 4 columns,
batches of 4,096 and 10,000 messages; handed on one at a time the buffers cost 0.6 s), so
the copy is the fast way.

The psycopg `Connection` stays the owner of the session: this only drives its `pgconn`
between a query and the next, and leaves it idle (or in the failed transaction) as
``cursor.copy()`` would. Errors are psycopg's own exception classes (`error_from_result`),
so `execute.translated_errors` maps them as for any other query.
"""

from __future__ import annotations

import select
from array import array
from collections.abc import Iterator
from itertools import repeat
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg import pq

from tap_service.votable.copybatch import CopyBatch

#: COPY bytes past which the next batch has fewer rows: a batch of 10,000 wide rows (3.5 MB
#: for 10 columns with two 10-element arrays) and its encodings in flight at each stage held
#: the server 105 MB above its idle memory; 1 MB batches held it 17 MB above, and the same
#: 1M rows streamed faster too (2.1-2.3 s instead of 2.5-2.8 s, bench/stream_http.py).
BATCH_BYTES = 1 << 20
COPY_OUT = pq.ExecStatus.COPY_OUT
COMMAND_OK = pq.ExecStatus.COMMAND_OK


class CopyOut:
    """One running ``COPY ... TO STDOUT``: its messages, then its end (or its cancel)."""

    def __init__(self, connection: psycopg.Connection[Any], statement: bytes) -> None:
        """Send `statement` and wait until the server starts the COPY (or fails to)."""
        self._connection = connection
        self._pgconn = connection.pgconn
        self._encoding = connection.info.encoding
        self.finished = False
        pgconn = self._pgconn
        pgconn.send_query(statement)
        while pgconn.flush():
            self._wait(write=True)
        while True:
            pgconn.consume_input()
            if not pgconn.is_busy():
                break
            self._wait()
        result = pgconn.get_result()
        if result is None or result.status != COPY_OUT:
            self._drain_results()
            self.finished = True
            if result is None:
                raise psycopg.OperationalError("the server sent no result for COPY")
            raise pg_errors.error_from_result(result, encoding=self._encoding)

    def batches(self, size: int, *, uniform: int | None = None) -> Iterator[CopyBatch]:
        """The messages (binary: one tuple each, the header on the first; text and csv: one
        line each) in batches of `size` (the last one shorter); raises the server's error if
        the COPY fails midway.

        The first batch is what has arrived once the first message has: the response can
        start (and a failing query fail) without waiting for `size` rows. Batches of wide
        rows are cut to about `BATCH_BYTES`.

        Each message is appended to the batch's buffer as it comes (`CopyBatch`), which
        copies it out of libpq's buffer at once (see the module's doc), in a plain loop: a
        generator resumed per message cost about a third more CPU per row. With `uniform`
        (the length most messages have: tuples of fixed-width columns without NULL), the
        lengths are noted only from the first message of another length on; until then
        they are implied, which takes a tenth off the CPU of reading narrow rows.
        """
        pgconn = self._pgconn
        get = pgconn.get_copy_data
        nbytes = 1
        first = True
        rows = size
        while nbytes >= 0:
            data = bytearray()
            sizes = array("q")
            note = sizes.append
            implied = 0  # messages of `uniform` bytes so far, not noted in `sizes`
            while implied + len(sizes) < rows:
                if uniform is not None and not sizes:
                    for _ in repeat(None, rows - implied):
                        nbytes, message = get(1)
                        if nbytes != uniform:
                            break
                        data += message
                    implied = len(data) // uniform
                    if nbytes > 0 and nbytes != uniform:  # NULLs, or the header: note all
                        sizes = array("q", [uniform]) * implied
                        note = sizes.append
                        implied = 0
                        data += message
                        note(nbytes)
                        continue
                else:
                    for _ in repeat(None, rows - len(sizes)):
                        nbytes, message = get(1)
                        if nbytes <= 0:
                            break
                        data += message
                        note(nbytes)
                if nbytes < 0 or (first and (sizes or implied)):
                    break
                if nbytes == 0:  # libpq's buffer is empty: wait for the socket
                    self._wait()
                    pgconn.consume_input()
            first = False
            if implied and uniform is not None:
                sizes = array("q", [uniform]) * implied
            if sizes:
                # rows for about BATCH_BYTES next time (at most the `size` asked for)
                rows = max(1, min(size, BATCH_BYTES * len(sizes) // len(data)))
                yield CopyBatch.of_buffer(data, sizes)
        self._end()

    def close(self) -> None:
        """Stop a COPY that was not read to its end: cancel it on the server, drain the rest."""
        if self.finished:
            return
        self.finished = True
        self._connection.cancel_safe(timeout=10)
        pgconn = self._pgconn
        while True:
            nbytes, _ = pgconn.get_copy_data(1)
            if nbytes < 0:
                break
            if nbytes == 0:
                self._wait()
                pgconn.consume_input()
        self._drain_results()

    def _end(self) -> None:
        self.finished = True
        result = self._pgconn.get_result()
        self._drain_results()
        if result is not None and result.status != COMMAND_OK:
            raise pg_errors.error_from_result(result, encoding=self._encoding)

    def _drain_results(self) -> None:
        pgconn = self._pgconn
        while True:
            while pgconn.is_busy():
                self._wait()
                pgconn.consume_input()
            if pgconn.get_result() is None:
                return

    def _wait(self, *, write: bool = False) -> None:
        fd = self._pgconn.socket
        if write:
            select.select([fd], [fd], [])
        else:
            select.select([fd], [], [])
