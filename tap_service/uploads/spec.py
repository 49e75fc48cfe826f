"""The UPLOAD parameter (TAP 1.1 §4.1, DALI §3.4.5): which tables a query brings, and from where.

``UPLOAD=name,param:part`` names a part of the multipart request body; ``UPLOAD=name,URL`` an
http(s) URL the service fetches. Several tables come as several UPLOAD values or as one value
with ``;`` between them. A name becomes ``TAP_UPLOAD.name`` in the query, so it must be an ADQL
regular identifier that is not a reserved word, and unique (case-insensitively, as ADQL
compares regular identifiers).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from adql.lexer import RESERVED
from tap_service.errors import BadParameter

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
INLINE = "param:"


@dataclass(frozen=True, slots=True)
class UploadSpec:
    name: str  # as the query writes TAP_UPLOAD.<name>
    source: str  # "param:<part>" or an http(s) URL

    @property
    def part(self) -> str | None:
        """The multipart part that holds the table, for an inline upload."""
        return self.source[len(INLINE) :] if self.source.startswith(INLINE) else None


def parse_uploads(values: Iterable[str]) -> tuple[UploadSpec, ...]:
    specs: list[UploadSpec] = []
    seen: dict[str, str] = {}
    for value in values:
        for item in value.split(";"):
            if not item.strip():
                continue
            name, comma, source = item.strip().partition(",")
            name, source = name.strip(), source.strip()
            if not comma or not name or not source:
                raise BadParameter(
                    f"UPLOAD={item.strip()!r}: give name,param:part (a part of this request) "
                    "or name,URL"
                )
            if not _NAME.fullmatch(name) or name.upper() in RESERVED:
                raise BadParameter(
                    f"UPLOAD name {name!r} cannot be a table name: use letters, digits and _, "
                    "starting with a letter, and no ADQL or SQL reserved word"
                )
            if name.lower() in seen:
                raise BadParameter(
                    f"UPLOAD name {name!r} is given twice (as {seen[name.lower()]!r} before); "
                    "each uploaded table needs its own name"
                )
            seen[name.lower()] = name
            if source.startswith(INLINE):
                if not source[len(INLINE) :]:
                    raise BadParameter(f"UPLOAD {name}: param: needs the name of a request part")
            elif not re.match(r"https?://", source, re.IGNORECASE):
                raise BadParameter(
                    f"UPLOAD {name}: {source!r} is neither param:<part> nor an http(s) URL"
                )
            specs.append(UploadSpec(name, source))
    return tuple(specs)
