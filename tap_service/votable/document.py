"""The fixed parts of a result document: head (up to the data), tail, and error documents.

Layout (DALI 1.1 §4.4, VOTable.xsd `Resource` order): one `RESOURCE type="results"` whose
first child is `INFO name="QUERY_STATUS" value="OK"`, then the caller's INFOs, then COOSYS /
TIMESYS, then the TABLE. A status known only at the end (OVERFLOW, or ERROR when reading
rows failed midway) goes in a second QUERY_STATUS INFO after `</TABLE>`; clients such as
pyvo take the last QUERY_STATUS of the resource as the status of the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from adql import OutputColumn
from tap_service.votable.fields import Info, field_element, info_element, xml_attr

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
VOTABLE_OPEN = '<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3">\n'
InfoLike = Info | tuple[str, str, str | None]


class Serialization(StrEnum):
    """The DATA encodings this service writes (VOTable §5)."""

    BINARY2 = "BINARY2"
    TABLEDATA = "TABLEDATA"


@dataclass(frozen=True, slots=True)
class CooSys:
    """A COOSYS element (VOTable §3.4); `ID` is what FIELD/PARAM `ref` attributes point at."""

    id: str
    system: str
    epoch: str | None = None
    equinox: str | None = None

    def element(self) -> str:
        return _empty_element(
            "COOSYS", ID=self.id, system=self.system, epoch=self.epoch, equinox=self.equinox
        )


@dataclass(frozen=True, slots=True)
class TimeSys:
    """A TIMESYS element (VOTable 1.4 §3.5), e.g. TESS BTJD: origin 2457000.0, TDB, BARYCENTER."""

    id: str
    timescale: str
    refposition: str
    timeorigin: str | None = None

    def element(self) -> str:
        return _empty_element(
            "TIMESYS",
            ID=self.id,
            timeorigin=self.timeorigin,
            timescale=self.timescale,
            refposition=self.refposition,
        )


@dataclass(frozen=True, slots=True)
class Descriptor:
    """A service descriptor (DataLink §4): a ``RESOURCE type="meta"`` after the results whose
    input PARAM refers (``ref``) to the FIELD of column `column`, which gets ID `field_id`.
    TOPCAT and pyvo use it to find the links of each row from the row's value."""

    column: int
    field_id: str
    resource: str


def _empty_element(tag: str, **attributes: str | None) -> str:
    text = "".join(f" {k}={xml_attr(v)}" for k, v in attributes.items() if v is not None)
    return f"<{tag}{text}/>"


def head(
    columns: Sequence[OutputColumn],
    serialization: Serialization,
    infos: Iterable[InfoLike] = (),
    systems: Iterable[CooSys | TimeSys] = (),
    descriptor: Descriptor | None = None,
) -> str:
    """Everything before the first row, ending inside the DATA element."""
    parts = [
        XML_DECLARATION,
        VOTABLE_OPEN,
        '<RESOURCE type="results">\n',
        info_element(Info("QUERY_STATUS", "OK")),
        "\n",
    ]
    parts += [info_element(info) + "\n" for info in infos]
    parts += [system.element() + "\n" for system in systems]
    parts.append("<TABLE>\n")
    referred = None if descriptor is None else descriptor.column
    parts += [
        field_element(column, descriptor.field_id if i == referred and descriptor else None) + "\n"
        for i, column in enumerate(columns)
    ]
    if serialization is Serialization.BINARY2:
        parts.append('<DATA><BINARY2><STREAM encoding="base64">\n')
    else:
        parts.append("<DATA><TABLEDATA>\n")
    return "".join(parts)


def data_end(serialization: Serialization) -> str:
    if serialization is Serialization.BINARY2:
        return "</STREAM></BINARY2></DATA>\n</TABLE>\n"
    return "</TABLEDATA></DATA>\n</TABLE>\n"


def tail(*, overflow: bool, error: str | None = None, descriptor: Descriptor | None = None) -> str:
    """After `</TABLE>`: the final status if it is not OK, then the closing tags (and the
    service descriptor's RESOURCE, a sibling of the results)."""
    status = ""
    if error is not None:
        status = info_element(Info("QUERY_STATUS", "ERROR", error)) + "\n"
    elif overflow:
        status = info_element(Info("QUERY_STATUS", "OVERFLOW")) + "\n"
    resource = "" if descriptor is None else descriptor.resource
    return status + "</RESOURCE>\n" + resource + "</VOTABLE>\n"


def error_document(message: str, infos: Iterable[InfoLike] = ()) -> bytes:
    """A complete DALI error document (TAP-21): one QUERY_STATUS=ERROR INFO, no TABLE."""
    parts = [
        XML_DECLARATION,
        VOTABLE_OPEN,
        '<RESOURCE type="results">\n',
        info_element(Info("QUERY_STATUS", "ERROR", message)),
        "\n",
        *(info_element(info) + "\n" for info in infos),
        "</RESOURCE>\n</VOTABLE>\n",
    ]
    return "".join(parts).encode("utf-8")
