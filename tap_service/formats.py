"""The output formats of the service, as data: one registry for RESPONSEFORMAT and /capabilities.

Each `OutputFormat` carries what /capabilities writes (`mime`, `aliases`, `tapregext_id`,
TAPRegExt §2.3, CAP-7) and what queries need (`writer`, `copy_writer` with its `copy_plan`,
`content_type`). VOParquet (`parquet`, `application/vnd.apache.parquet`) is declared like the
others, without a TAPRegExt id (TAPRegExt defines ids for VOTable serialisations only).
`lookup` accepts what DALI 1.1 §3.4.3 and TAP 1.1 §2.7.3 allow as RESPONSEFORMAT / FORMAT
(TAP-6): a short name (case-insensitive: `votable`, `votable/b2`, `csv`...) or a MIME type,
whose type and parameter names are case-insensitive (RFC 2045) and whose parameters are
understood (`;serialization=TABLEDATA` picks the serialisation, `;header=present` is what we
write, `charset` is ignored: everything is UTF-8). A MIME type the client sent is echoed as the
response Content-Type (DALI: "the service must use that MIME type").

Plain `votable` / `application/x-votable+xml` / `text/xml` give BINARY2, the compact,
streamable serialisation every current client reads. It is listed without a TAPRegExt id
because the id names a serialisation and that entry's is a service choice; the explicit
`votable/b2` and `votable/td` entries carry `#output-votable-binary2` / `#output-votable-td`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from adql import OutputColumn
from tap_service.votable import (
    BINARY_COPY,
    CooSys,
    CopyPlan,
    CopySource,
    DelimitedCopy,
    Descriptor,
    Info,
    RowSource,
    TabledataCopy,
    TimeSys,
    copy_csv,
    copy_parquet,
    copy_tabledata,
    copy_tsv,
    transcode_binary2,
    write_binary2,
    write_csv,
    write_parquet,
    write_tabledata,
    write_tsv,
)

VOTABLE_MIME = "application/x-votable+xml"
TAPREGEXT = "ivo://ivoa.net/std/TAPRegExt"
#: VOParquet (IVOA Note "Parquet in the VO" 1.0): Parquet with the VOTable metadata inside.
PARQUET_MIME = "application/vnd.apache.parquet"


#: What a writer reads: rows (`RowSource`) or COPY BINARY tuples (`CopySource`).
Source = TypeVar("Source", contravariant=True)


class Writer(Protocol[Source]):
    """A result writer: the document as `bytes` chunks, streamed from `source`."""

    def __call__(
        self,
        columns: Sequence[OutputColumn],
        source: Source,
        *,
        infos: Iterable[Info | tuple[str, str, str | None]] = (),
        systems: Iterable[CooSys | TimeSys] = (),
        descriptor: Descriptor | None = None,
    ) -> Iterator[bytes]: ...


class UnknownFormat(ValueError):
    """RESPONSEFORMAT names no format this service writes; `value` is what was asked for."""

    def __init__(self, value: str) -> None:
        super().__init__(f"unknown output format {value!r}")
        self.value = value


@dataclass(frozen=True, slots=True)
class OutputFormat:
    """One output format: /capabilities `<outputFormat>` fields plus the writer."""

    #: The canonical MIME type (with parameters), in /capabilities and as default Content-Type.
    mime: str
    #: Short names, in /capabilities `<alias>`; matched case-insensitively.
    aliases: tuple[str, ...]
    #: TAPRegExt key (`ivo://ivoa.net/std/TAPRegExt#output-...`), only for VOTable variants.
    tapregext_id: str | None
    writer: Writer[RowSource]
    #: Writes the same document from the rows of a COPY (`copy_plan` says which COPY); the
    #: executor reads the rows through COPY (several times faster) whenever a format has one
    #: and the plan accepts the result's column types.
    copy_writer: Writer[CopySource] | None = None
    copy_plan: CopyPlan | None = None
    #: Further MIME types (without parameters) that select this format, e.g. `text/xml`.
    also_accepts: tuple[str, ...] = ()

    @property
    def is_votable(self) -> bool:
        return self.mime.startswith(VOTABLE_MIME)

    def content_type(self, requested: str | None) -> str:
        """The response Content-Type: the client's MIME type if it sent one (TAP-6), else ours."""
        if requested is None or _is_alias(requested):
            return self.mime
        return requested.strip()


FORMATS: tuple[OutputFormat, ...] = (
    OutputFormat(
        VOTABLE_MIME,
        ("votable",),
        None,
        write_binary2,
        copy_writer=transcode_binary2,
        copy_plan=BINARY_COPY,
        also_accepts=("text/xml",),
    ),
    OutputFormat(
        f"{VOTABLE_MIME};serialization=BINARY2",
        ("votable/b2", "votable-binary2"),
        f"{TAPREGEXT}#output-votable-binary2",
        write_binary2,
        copy_writer=transcode_binary2,
        copy_plan=BINARY_COPY,
    ),
    OutputFormat(
        f"{VOTABLE_MIME};serialization=TABLEDATA",
        ("votable/td", "votable-td"),
        f"{TAPREGEXT}#output-votable-td",
        write_tabledata,
        copy_writer=copy_tabledata,
        copy_plan=TabledataCopy(),
    ),
    OutputFormat(
        "text/csv;header=present",
        ("csv",),
        None,
        write_csv,
        copy_writer=copy_csv,
        copy_plan=DelimitedCopy(),
    ),
    OutputFormat(
        "text/tab-separated-values",
        ("tsv",),
        None,
        write_tsv,
        copy_writer=copy_tsv,
        copy_plan=DelimitedCopy(tsv=True),
    ),
    OutputFormat(
        PARQUET_MIME,
        ("parquet", "voparquet"),
        None,
        write_parquet,
        copy_writer=copy_parquet,
        copy_plan=BINARY_COPY,
    ),
)
DEFAULT = FORMATS[0]


def short_names() -> list[str]:
    """Every alias, for error messages ("supported: ...")."""
    return [alias for output in FORMATS for alias in output.aliases]


def lookup(value: str | None) -> OutputFormat:
    """The format for a RESPONSEFORMAT / FORMAT value; absent or empty means VOTable."""
    if value is None or not value.strip():
        return DEFAULT
    text = value.strip()
    for output in FORMATS:
        if text.lower() in (alias.lower() for alias in output.aliases):
            return output
    if "/" not in text:
        raise UnknownFormat(value)
    base, params = _parse_mime(text)
    for output in FORMATS:
        if _mime_matches(output, base, params):
            return output
    raise UnknownFormat(value)


def _is_alias(value: str) -> bool:
    text = value.strip().lower()
    return any(text == alias.lower() for output in FORMATS for alias in output.aliases)


def _parse_mime(text: str) -> tuple[str, dict[str, str]]:
    """`type/subtype` in lower case, and parameters (lower-case names, unquoted values)."""
    base, *rest = text.split(";")
    params: dict[str, str] = {}
    for part in rest:
        name, sep, val = part.partition("=")
        if not sep:
            continue
        params[name.strip().lower()] = val.strip().strip('"')
    return base.strip().lower(), params


def _mime_matches(output: OutputFormat, base: str, params: dict[str, str]) -> bool:
    own_base, own_params = _parse_mime(output.mime)
    if base != own_base and base not in output.also_accepts:
        return False
    wanted = {k: v.lower() for k, v in params.items() if k != "charset"}
    declared = {k: v.lower() for k, v in own_params.items()}
    if base == VOTABLE_MIME or base in output.also_accepts:
        # no serialization parameter -> the plain entry; otherwise the entry that declares it
        return wanted == declared
    return all(declared.get(k) == v for k, v in wanted.items())
