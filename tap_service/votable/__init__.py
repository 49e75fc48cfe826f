"""Result writers: VOTable (BINARY2, TABLEDATA), CSV, TSV and VOParquet, streamed a batch at a
time, from rows (a `RowSource`) or from the rows of a COPY (a `CopySource`, see `CopyPlan`).

Every writer has the same call: ``writer(columns, source, *, infos=(), systems=())`` returning
an iterator of ``bytes`` chunks; `tap_service.formats` maps RESPONSEFORMAT values to them.
"""

from __future__ import annotations

from tap_service.votable.copycasts import BINARY_COPY
from tap_service.votable.copyplan import BinaryCopy, CopyPlan, CopyStatement
from tap_service.votable.copytabledata import TabledataCopy, copy_tabledata
from tap_service.votable.copytext import DelimitedCopy, copy_csv, copy_tsv
from tap_service.votable.delimited import write_csv, write_tsv
from tap_service.votable.document import (
    CooSys,
    Descriptor,
    Serialization,
    TimeSys,
    error_document,
)
from tap_service.votable.fields import Info
from tap_service.votable.pgcopy import (
    CopyRows,
    CopySource,
    describe_types,
    transcodable,
)
from tap_service.votable.shapes import UnsupportedColumn
from tap_service.votable.source import BatchSource, Row, RowSource
from tap_service.votable.voparquet import copy_parquet, write_parquet
from tap_service.votable.writer import (
    error_message,
    transcode_binary2,
    write_binary2,
    write_tabledata,
    write_votable,
)

__all__ = [
    "BINARY_COPY",
    "BatchSource",
    "BinaryCopy",
    "CooSys",
    "CopyPlan",
    "CopyRows",
    "CopySource",
    "CopyStatement",
    "DelimitedCopy",
    "Descriptor",
    "Info",
    "Row",
    "RowSource",
    "Serialization",
    "TabledataCopy",
    "TimeSys",
    "UnsupportedColumn",
    "copy_csv",
    "copy_parquet",
    "copy_tabledata",
    "copy_tsv",
    "describe_types",
    "error_document",
    "error_message",
    "transcodable",
    "transcode_binary2",
    "write_binary2",
    "write_csv",
    "write_parquet",
    "write_tabledata",
    "write_tsv",
    "write_votable",
]
