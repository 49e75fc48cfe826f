"""Request parameters -> typed values. Every parameter check of the service lives here.

The TAP query parameters (sync, and an async job's when it runs) become a `TapRequest`; the
UWS job-control parameters (PHASE, EXECUTIONDURATION, DESTRUCTION, WAIT, AFTER, LAST) are
checked by the functions below it. Parameter names are case-insensitive, values are not (DALI
1.1 §3.1); unknown parameters are ignored (TAP 1.1 §2.7); single-valued parameters given twice
with different values are an error (DALI §3.2). Each error names the parameter and the
offending value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import adql
from tap_service import formats
from tap_service.errors import BadParameter, MissingQuery, UnsupportedFormat, UnsupportedLang
from tap_service.settings import Settings
from tap_service.uploads.spec import UploadSpec, parse_uploads
from tap_service.uws.model import Action, Phase

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
    #: The tables the query uploads (UPLOAD), in order.
    uploads: tuple[UploadSpec, ...] = ()


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
    lang = single(params, "LANG")
    if lang is None or not lang.strip():
        raise BadParameter("LANG is required: use LANG=ADQL")
    if adql.version_for_lang(lang) is None:
        raise UnsupportedLang(
            f"unsupported query language LANG={lang!r}; "
            f"this service accepts {', '.join(adql.LANG_VALUES)}"
        )
    query = single(params, "QUERY")
    if query is None or not query.strip():
        raise MissingQuery("QUERY is required: the ADQL query to run")
    if len(query) > settings.query_limit:
        raise BadParameter(
            f"QUERY is {len(query):,} characters long; this service accepts queries of at "
            f"most {settings.query_limit:,} characters (LCDB_QUERY_LIMIT)"
        )
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
    uploads = parse_uploads(params.get("UPLOAD", []))
    return TapRequest(
        uploads=uploads,
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


# -- UWS job control (UWS 1.1 §2.2) -----------------------------------------------------------


def refuse_nul(params: dict[str, list[str]]) -> None:
    """Job parameters are stored in the database, whose text cannot hold NUL characters."""
    for name, values in params.items():
        if "\x00" in name or any("\x00" in value for value in values):
            shown = name.replace("\x00", "\\0")
            raise BadParameter(f"{shown} contains a NUL character (0x00), which no value may hold")


def action(value: str) -> Action:
    """PHASE as a client POSTs it: RUN or ABORT."""
    try:
        return Action(value.strip().upper())
    except ValueError:
        raise BadParameter(
            f"PHASE={value!r} is not an action: POST PHASE=RUN to start the job "
            "or PHASE=ABORT to stop it"
        ) from None


def phase(name: str, value: str) -> Phase:
    """A phase a client names (the job list's PHASE filter, WAIT's PHASE)."""
    try:
        return Phase(value.strip().upper())
    except ValueError:
        raise BadParameter(
            f"{name}={value!r} is not a UWS phase; use one of {', '.join(Phase)}"
        ) from None


def iso_time(name: str, value: str) -> dt.datetime:
    """An ISO 8601 time a client sent; no zone means UTC. `BadParameter` names `name`."""
    text = value.strip()
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise BadParameter(
            f"{name}={value!r} is not an ISO 8601 time; use e.g. 2030-01-31T12:00:00Z"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    try:
        return parsed.astimezone(dt.UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+05:00 is before year 1 in UTC
        raise BadParameter(f"{name}={value!r} is out of the range of times") from None


def seconds(name: str, value: str) -> int:
    """A non-negative whole number of seconds (EXECUTIONDURATION); 400 naming `name` if not."""
    text = value.strip()
    if not (text.isascii() and text.isdigit()):
        raise BadParameter(f"{name} must be a whole number of seconds, got {value!r}")
    return int(text)


def positive(name: str, value: str) -> int:
    """A positive whole number (the job list's LAST)."""
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or int(text) == 0:
        raise BadParameter(f"{name} must be a positive whole number, got {value!r}")
    return min(int(text), 2**31 - 1)  # more than any list holds


def wait_seconds(value: str, limit: float) -> float:
    """WAIT: how long to block, capped at `limit` (-1: as long as allowed)."""
    text = value.strip()
    try:
        number = int(text)
    except ValueError:
        raise BadParameter(
            f"WAIT must be a whole number of seconds (-1: as long as allowed), got {value!r}"
        ) from None
    return limit if number < 0 else min(float(number), limit)


def execution_duration(settings: Settings, value: str | None) -> int:
    """Requested seconds, within the service's maximum (0, "unlimited", gets the maximum)."""
    limit = int(settings.async_timeout)
    if value is None:
        return limit
    requested = seconds("EXECUTIONDURATION", value)
    return limit if requested == 0 else min(requested, limit)


def destruction(settings: Settings, created: dt.datetime, value: str | None) -> dt.datetime:
    """Requested destruction time, no later than the job's lifetime allows."""
    latest = created + dt.timedelta(seconds=settings.job_lifetime)
    if value is None:
        return latest
    return min(iso_time("DESTRUCTION", value), latest)
