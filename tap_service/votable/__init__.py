"""Result writers: VOTable (BINARY2, TABLEDATA), CSV and TSV, streamed a batch at a time.

Every writer has the same call: ``writer(columns, source, *, infos=(), systems=())`` returning
an iterator of ``bytes`` chunks; `tap_service.formats` maps RESPONSEFORMAT values to them.
"""

from __future__ import annotations

from tap_service.votable.delimited import write_csv, write_tsv
from tap_service.votable.document import (
    CooSys,
    Descriptor,
    Serialization,
    TimeSys,
    error_document,
)
from tap_service.votable.fields import Info
from tap_service.votable.pgcopy import CopyRows, CopySource, describe_types, transcodable
from tap_service.votable.shapes import UnsupportedColumn
from tap_service.votable.source import BatchSource, Row, RowSource
from tap_service.votable.writer import (
    error_message,
    transcode_binary2,
    write_binary2,
    write_tabledata,
    write_votable,
)

__all__ = [
    "BatchSource",
    "CooSys",
    "CopyRows",
    "CopySource",
    "Descriptor",
    "Info",
    "Row",
    "RowSource",
    "Serialization",
    "TimeSys",
    "UnsupportedColumn",
    "describe_types",
    "error_document",
    "error_message",
    "transcodable",
    "transcode_binary2",
    "write_binary2",
    "write_csv",
    "write_tabledata",
    "write_tsv",
    "write_votable",
]
