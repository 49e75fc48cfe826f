"""From a running query to response bytes: the INFOs every result carries, and error documents.

The writers themselves live in `tap_service.votable`; this module only decides what goes
around the rows (the query echoed, the standard, the time of the request) and the response
Content-Type (the MIME type the client asked for, TAP-6).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from starlette.responses import Response

from adql import Compiled
from tap_service import votable
from tap_service.datalink.links_votable import descriptor
from tap_service.errors import ServiceError
from tap_service.execute import CopiedRows, QueryResult
from tap_service.formats import VOTABLE_MIME
from tap_service.params import TapRequest

#: Error documents are VOTables; the charset matters because messages quote user text.
ERROR_CONTENT_TYPE = f"{VOTABLE_MIME}; charset=UTF-8"
#: UWS and VOSI resources answer in plain text where their standards say so.
TEXT = "text/plain; charset=UTF-8"


def write(
    request: TapRequest,
    compiled: Compiled,
    result: QueryResult,
    *,
    service_url: str | None = None,
) -> Iterator[bytes]:
    """The response body; raises (before streaming) if the columns cannot be written.

    A result with a column of ObsCore publisher DIDs gets a DataLink service descriptor (at
    `service_url`), so that TOPCAT and pyvo find the links of every row.
    """
    infos = [
        votable.Info("QUERY", request.query),
        votable.Info("standardID", "ivo://ivoa.net/std/TAP"),
        votable.Info("request_date", dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
    ]
    output, source = request.output, result.source
    descriptor = datalink_descriptor(compiled, service_url)
    try:
        if isinstance(source, CopiedRows):  # only formats with a copy_writer ask for COPY
            assert output.copy_writer is not None
            return output.copy_writer(compiled.columns, source, infos=infos, descriptor=descriptor)
        return output.writer(compiled.columns, source, infos=infos, descriptor=descriptor)
    except votable.UnsupportedColumn as exc:
        result.close()
        raise ServiceError(f"cannot write this result: {exc}") from exc


#: The utype of ObsCore's obs_publisher_did: the IDs DataLink resolves.
PUBLISHER_DID = "obscore:curation.publisherdid"
#: The UCD of lcdb.dataset.id (a lightcurve's own identifier), which /datalink/dataset takes.
DATASET_ID = "meta.id;meta.dataset;meta.main"


def datalink_descriptor(compiled: Compiled, service_url: str | None) -> votable.Descriptor | None:
    """The descriptor for the first column holding publisher DIDs or else lightcurve ids (the
    dataset table's), if there is one."""
    if service_url is None:
        return None
    field_id = "datalink_id"
    columns = compiled.columns
    for index, column in enumerate(columns):
        if (column.utype or "").lower() == PUBLISHER_DID:
            return votable.Descriptor(index, field_id, descriptor(service_url, field_id))
    for index, column in enumerate(columns):
        if column.ucd == DATASET_ID and column.datatype in ("int", "long"):
            resource = descriptor(service_url, field_id, path="/datalink/dataset")
            return votable.Descriptor(index, field_id, resource)
    return None


def content_type(request: TapRequest) -> str:
    return request.output.content_type(request.requested_format)


def error_document(message: str) -> bytes:
    return votable.error_document(message)


def error_response(message: str, status: int) -> Response:
    """A DALI error document (a VOTable with QUERY_STATUS=ERROR) as a response."""
    return Response(error_document(message), status_code=status, media_type=ERROR_CONTENT_TYPE)
