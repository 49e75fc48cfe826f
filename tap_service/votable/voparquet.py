"""The VOParquet writers, with `votable.parquet` (and pyarrow) imported by the first call.

See `tap_service.lazy` for why; the writers themselves are `parquet.write_parquet` and
`parquet.copy_parquet`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from adql import OutputColumn
from tap_service.votable.document import CooSys, Descriptor, InfoLike, TimeSys
from tap_service.votable.pgcopy import CopySource
from tap_service.votable.source import RowSource


def write_parquet(
    columns: Sequence[OutputColumn],
    source: RowSource,
    *,
    infos: Iterable[InfoLike] = (),
    systems: Iterable[CooSys | TimeSys] = (),
    descriptor: Descriptor | None = None,
) -> Iterator[bytes]:
    """The VOParquet file of `source`'s rows (`parquet.write_parquet`)."""
    from tap_service.votable import parquet

    return parquet.write_parquet(
        columns, source, infos=infos, systems=systems, descriptor=descriptor
    )


def copy_parquet(
    columns: Sequence[OutputColumn],
    source: CopySource,
    *,
    infos: Iterable[InfoLike] = (),
    systems: Iterable[CooSys | TimeSys] = (),
    descriptor: Descriptor | None = None,
) -> Iterator[bytes]:
    """The VOParquet file of raw COPY BINARY tuples (`parquet.copy_parquet`)."""
    from tap_service.votable import parquet

    return parquet.copy_parquet(
        columns, source, infos=infos, systems=systems, descriptor=descriptor
    )
