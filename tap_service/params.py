"""TAP/DALI request parameters -> a typed `TapRequest`. Every parameter check lives here.

Parameter names are case-insensitive, values are not (DALI 1.1 §3.1); unknown parameters are
ignored (TAP 1.1 §2.7); single-valued parameters given twice with different values are an
error (DALI §3.2). Each error names the parameter and the offending value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tap_service import formats
from tap_service.errors import BadParameter, MissingQuery, UnsupportedFormat, UnsupportedLang
from tap_service.settings import Settings

LANGUAGES = ("ADQL", "ADQL-2.0", "ADQL-2.1")
SINGLE_VALUED = (
    "LANG",
    "QUERY",
    "MAXREC",
    "RESPONSEFORMAT",
    "FORMAT",
    "RUNID",
    "REQUEST",
    "VERSION",
)


@dataclass(frozen=True)
class TapRequest:
    lang: str
    query: str
    maxrec: int
    #: MAXREC as the client gave it (None when absent): a query may then use its default.
    maxrec_given: int | None
    output: formats.OutputFormat
    #: The format exactly as requested (a MIME type is echoed in Content-Type, DALI §3.4.3).
    requested_format: str | None
    runid: str | None


def collect(items: Iterable[tuple[str, object]]) -> dict[str, list[str]]:
    """Upper-cased parameter name -> its text values, in order; file parts are kept apart."""
    params: dict[str, list[str]] = {}
    for name, value in items:
        if isinstance(value, str):
            params.setdefault(name.upper(), []).append(value)
    return params


def single(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(set(values)) > 1:
        shown = ", ".join(repr(v) for v in values)
        raise BadParameter(f"{name} may be given only once, got {len(values)} values: {shown}")
    return values[0]


def parse_tap_request(params: dict[str, list[str]], settings: Settings) -> TapRequest:
    for name in SINGLE_VALUED:
        single(params, name)
    request = single(params, "REQUEST")
    if request is not None and request.lower() != "doquery":
        raise BadParameter(
            f"REQUEST={request!r} is not supported; TAP 1.1 queries need no REQUEST (or doQuery)"
        )
    if "UPLOAD" in params:
        raise BadParameter("UPLOAD is not supported by this service yet")
    lang = single(params, "LANG")
    if lang is None or not lang.strip():
        raise BadParameter("LANG is required: use LANG=ADQL")
    if lang.strip().upper() not in LANGUAGES:
        raise UnsupportedLang(
            f"unsupported query language LANG={lang!r}; this service accepts {', '.join(LANGUAGES)}"
        )
    query = single(params, "QUERY")
    if query is None or not query.strip():
        raise MissingQuery("QUERY is required: the ADQL query to run")
    maxrec_given = _maxrec(single(params, "MAXREC"))
    maxrec = (
        settings.maxrec_default
        if maxrec_given is None
        else min(maxrec_given, settings.maxrec_limit)
    )
    requested = single(params, "RESPONSEFORMAT") or single(params, "FORMAT")
    try:
        output = formats.lookup(requested)
    except formats.UnknownFormat as exc:
        raise UnsupportedFormat(
            f"unsupported RESPONSEFORMAT {requested!r}; "
            f"supported: {', '.join(formats.short_names())}"
        ) from exc
    runid = single(params, "RUNID")
    if runid is not None and len(runid) > 64:
        raise BadParameter("RUNID may be at most 64 characters long")
    return TapRequest(
        lang=lang.strip().upper(),
        query=query,
        maxrec=maxrec,
        maxrec_given=maxrec_given,
        output=output,
        requested_format=requested,
        runid=runid,
    )


def _maxrec(value: str | None) -> int | None:
    if value is None:
        return None
    text = value.strip()
    if not text.isdigit():
        raise BadParameter(f"MAXREC must be a non-negative integer, got {value!r}")
    return int(text)
