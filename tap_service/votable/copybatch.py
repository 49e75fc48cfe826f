"""A batch of COPY messages in one buffer: the messages end to end, and their lengths.

Why one buffer and not a list of `bytes`: every COPY message is one row, and a Python object
per row was most of what reading a large COPY cost. The reader (`copyout.CopyOut.batches`)
appends each message to a `bytearray` and its length to an `array`, which costs less than
making a `bytes` per message (1M rows x 4 columns: 0.21 s of CPU against 0.24 s), and the
writers then get the buffer the numpy transcoders need without joining messages (another
0.02 s) or measuring them (`map(len, ...)`: 0.025 s), and the CSV writers the bytes they
send. It is still a `Sequence` of messages, for the few writers that want them one by one.

The buffer ends in `PAD` zero bytes after the last message, so that fixed-size reads of a
short last cell (a NULL, an empty array) stay inside it.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

import numpy as np

#: Zero bytes after the messages in every batch's buffer.
PAD = 16
_ZEROS = bytes(PAD)


class CopyBatch(Sequence[bytes]):
    """Consecutive COPY messages: `data` (with `PAD` zero bytes after them) and `sizes`."""

    __slots__ = ("data", "sizes")

    def __init__(self, data: bytes | bytearray, sizes: np.ndarray) -> None:
        self.data = data
        self.sizes = sizes

    @classmethod
    def of_buffer(cls, data: bytearray, sizes: array[int]) -> CopyBatch:
        """From what the reader collected (`data` gets the padding appended in place)."""
        data += _ZEROS
        return cls(data, np.frombuffer(sizes, dtype=np.int64) if len(sizes) else _NONE)

    @classmethod
    def of_messages(cls, messages: Iterable[bytes | bytearray | memoryview]) -> CopyBatch:
        parts = list(messages)
        sizes = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
        return cls(b"".join((*parts, _ZEROS)), sizes)

    @property
    def payload(self) -> memoryview:
        """The messages' bytes, end to end, without the padding."""
        return memoryview(self.data)[: len(self.data) - PAD]

    @property
    def nbytes(self) -> int:
        return len(self.data) - PAD

    def buffer(self) -> np.ndarray:
        """`data` as a uint8 array (padding included), without a copy."""
        return np.frombuffer(self.data, dtype=np.uint8)

    def starts(self) -> np.ndarray:
        """Where each message starts in `data`."""
        starts = np.zeros(len(self.sizes), dtype=np.int64)
        np.cumsum(self.sizes[:-1], out=starts[1:])
        return starts

    def head(self, count: int) -> CopyBatch:
        """The first `count` messages."""
        if count >= len(self.sizes):
            return self
        end = int(self.sizes[:count].sum())
        return CopyBatch(bytes(self.payload[:end]) + _ZEROS, self.sizes[:count].copy())

    def without_prefix(self, skip: int) -> CopyBatch:
        """The batch with the first `skip` bytes of its first message cut (a COPY header);
        a first message left empty is dropped."""
        sizes = self.sizes.copy()
        sizes[0] -= skip
        data = bytes(self.payload[skip:]) + _ZEROS
        return CopyBatch(data, sizes[1:] if sizes[0] == 0 else sizes)

    def without_last(self) -> CopyBatch:
        """All but the last message (a COPY trailer)."""
        if len(self.sizes) <= 1:
            return CopyBatch(_ZEROS, _NONE)
        end = self.nbytes - int(self.sizes[-1])
        return CopyBatch(bytes(self.payload[:end]) + _ZEROS, self.sizes[:-1])

    def __len__(self) -> int:
        return len(self.sizes)

    @overload
    def __getitem__(self, index: int) -> bytes: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[bytes]: ...

    def __getitem__(self, index: int | slice) -> bytes | Sequence[bytes]:
        if isinstance(index, slice):
            return list(self)[index]
        count = len(self.sizes)
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError("message index out of range")
        start = int(self.sizes[:index].sum())
        return bytes(self.payload[start : start + int(self.sizes[index])])

    def __iter__(self) -> Iterator[bytes]:
        payload = self.payload
        ends = np.cumsum(self.sizes).tolist()
        return (bytes(payload[b:e]) for b, e in zip([0, *ends[:-1]], ends, strict=True))


_NONE = np.zeros(0, dtype=np.int64)
