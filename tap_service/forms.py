"""A request's parameters from its URL and its form body, read within limits.

Every resource that takes POSTed parameters (sync queries, UWS jobs, DataLink) reads them
here, so the limits and their messages are the same everywhere. Starlette's own form reader
answers an oversized field with a plain-text framework message that names neither the limit
nor the part, and lets file parts grow without bound on disk. Here:

- a text field may have at most `field_limit` bytes (1 MiB, or four bytes per character of
  the longest query accepted, LCDB_QUERY_LIMIT, if that is more), and all text fields
  (with the parts' headers) together `FIELDS_FACTOR` times that;
- file parts (inline uploads) together at most LCDB_UPLOAD_LIMIT bytes, counted while they
  stream in, so a too large upload is refused before it fills the disk;
- at most `MAX_FIELDS` fields and `MAX_FILES` files;

and any of these, like a malformed body, is a `BadParameter` (a 400 DALI error) naming the
limit and the part. The form is read once per request (kept on ``request.state``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from urllib.parse import unquote_plus

from starlette.datastructures import FormData, Headers
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser
from starlette.requests import Request

from tap_service.errors import BadParameter
from tap_service.settings import Settings

#: The most text fields and file parts one request may have.
MAX_FIELDS = 1000
MAX_FILES = 100
#: Bytes of one text field, at least (Starlette's default).
FIELD_LIMIT = 1024 * 1024
#: All text fields together may have this many times the limit of one.
FIELDS_FACTOR = 4
_STATE = "lcdb_form"


def field_limit(settings: Settings) -> int:
    """The most bytes of one text field: room for the longest query in UTF-8."""
    return max(FIELD_LIMIT, 4 * settings.query_limit)


async def parameters(request: Request, settings: Settings) -> list[tuple[str, str]]:
    """The URL's parameters, then the form's text fields (POST), in order.

    File parts are closed here (their temporary files would otherwise wait for the garbage
    collector): a resource that takes uploads reads them (`read_form`) before this.
    """
    items = list(request.query_params.multi_items())
    if request.method == "POST":
        form = await read_form(request, settings)
        items += [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
        await form.close()
    return items


async def read_form(request: Request, settings: Settings) -> FormData:
    """The request's form (urlencoded or multipart; anything else is empty), within limits."""
    cached = getattr(request.state, _STATE, None)
    if isinstance(cached, FormData):
        return cached
    limits = _Limits(field_limit(settings), settings.upload_limit)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        async with aclosing(request.stream()) as stream:
            if content_type == "multipart/form-data":
                form = await _Multipart(request.headers, stream, limits).parse()
            elif content_type == "application/x-www-form-urlencoded":
                form = await _Urlencoded(request.headers, stream, limits).parse()
            else:
                form = FormData()
    except MultiPartException as exc:
        raise BadParameter(f"the request's form could not be read: {exc.message}") from None
    setattr(request.state, _STATE, form)
    return form


class _Limits:
    """The byte counts of one request's form, against its limits."""

    def __init__(self, field: int, files: int) -> None:
        self.field = field
        self.fields = FIELDS_FACTOR * field
        self.files = files
        self.field_bytes = 0
        self.file_bytes = 0

    def add_field(self, name: str, size: int, field_size: int) -> None:
        self.field_bytes += size
        if field_size > self.field:
            raise BadParameter(
                f"the form field {name!r} is larger than this service takes "
                f"({self.field:,} bytes per parameter)"
            )
        if self.field_bytes > self.fields:
            raise BadParameter(
                f"the form fields are larger than this service takes ({self.fields:,} bytes "
                f"in all, reached in {name!r}); send tables as UPLOAD file parts"
            )

    def add_file(self, name: str, size: int) -> None:
        self.file_bytes += size
        if self.file_bytes > self.files:
            raise BadParameter(
                f"the uploaded part {name!r} makes the uploads larger than this service takes "
                f"({self.files:,} bytes in all, LCDB_UPLOAD_LIMIT)"
            )


class _Multipart(MultiPartParser):
    """Starlette's multipart reader, counting each part's bytes before it is kept.

    The part being read is Starlette's ``_current_part``; should a later Starlette rename
    it, the counting goes on without the part's name.
    """

    def __init__(
        self, headers: Headers, stream: AsyncGenerator[bytes, None], limits: _Limits
    ) -> None:
        super().__init__(
            headers,
            stream,
            max_files=MAX_FILES,
            max_fields=MAX_FIELDS,
            max_part_size=limits.field + 1,  # ours is checked first, with the part's name
        )
        self.limits = limits

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = getattr(self, "_current_part", None)
        name = str(getattr(part, "field_name", "") or "")
        if getattr(part, "file", None) is not None:
            self.limits.add_file(name, end - start)
        else:
            held = len(getattr(part, "data", b""))
            self.limits.add_field(name, end - start, held + end - start)
        super().on_part_data(data, start, end)

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.limits.add_field("(part headers)", end - start, 0)
        super().on_header_field(data, start, end)

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.limits.add_field("(part headers)", end - start, 0)
        super().on_header_value(data, start, end)


class _Urlencoded(FormParser):
    """Starlette's urlencoded reader, counting each field's bytes (name and value)."""

    def __init__(
        self, headers: Headers, stream: AsyncGenerator[bytes, None], limits: _Limits
    ) -> None:
        super().__init__(headers, stream, max_fields=MAX_FIELDS, max_part_size=limits.field + 1)
        self.limits = limits
        self.name = bytearray()
        self.size = 0

    def on_field_start(self) -> None:
        self.name, self.size = bytearray(), 0
        super().on_field_start()

    def on_field_name(self, data: bytes, start: int, end: int) -> None:
        self.name += data[start:end]
        self._count(end - start)
        super().on_field_name(data, start, end)

    def on_field_data(self, data: bytes, start: int, end: int) -> None:
        self._count(end - start)
        super().on_field_data(data, start, end)

    def _count(self, size: int) -> None:
        self.size += size
        name = unquote_plus(bytes(self.name[:100]).decode("latin-1"))
        self.limits.add_field(name, size, self.size)
