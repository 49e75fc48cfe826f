"""DataLink over HTTP: the {links} endpoint and the documents its links lead to.

``/tap/datalink?ID=...`` (GET or POST, several IDs) answers a links document; the links lead
to ``/tap/datalink/lightcurve`` (the lightcurve as VOTable, FITS or CSV, optionally cut in
time: SODA's ``TIME``), ``/tap/datalink/preview`` (a PNG, cached on disk) and
``/tap/datalink/frame`` (a frame's FITS file under the data root). Mistakes in a links request
are reported per ID inside the document (DataLink §3.4); the document endpoints answer DALI
errors with 4xx statuses like the rest of the service.
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from tap_service import forms
from tap_service.datalink import documents, preview
from tap_service.datalink.lightcurve import Lightcurve, load_lightcurve
from tap_service.datalink.links import FITS, LIGHTCURVE_FORMATS, frame_file, links
from tap_service.datalink.links_votable import links_document
from tap_service.datalink.products import Product, Unresolved, resolve, resolve_datasets
from tap_service.endpoints import Resource
from tap_service.errors import BadParameter, NotFound
from tap_service.params import collect, single
from tap_service.urls import base_url, service_of

LINKS_CONTENT_TYPE = "application/x-votable+xml;content=datalink"
#: RESPONSEFORMAT values a links request may give (DataLink §3.1; MIME parameters stripped).
LINKS_FORMATS = frozenset(("votable", "application/x-votable+xml", "text/xml"))
#: The most IDs one links request resolves; the rest are left out, with OVERFLOW.
MAX_IDS = 100
#: RESPONSEFORMAT of a lightcurve: short names and MIME types.
_LIGHTCURVE_TYPES = {name: content_type for name, content_type, _ in LIGHTCURVE_FORMATS}
_BY_MIME = {content_type: name for name, content_type, _ in LIGHTCURVE_FORMATS}
_BY_MIME["application/x-votable+xml;content=timeseries"] = "votable"
#: Bump when previews are drawn differently, so that cached ones are drawn again.
PREVIEW_VERSION = 1


async def _params(request: Request) -> dict[str, list[str]]:
    return collect(await forms.parameters(request, service_of(request).settings))


async def links_endpoint(request: Request) -> Response:
    params = await _params(request)
    _check_links_format(params)
    ids = [value for value in params.get("ID", []) if value.strip()]
    return await _links_response(request, ids, resolve, id_datatype="char")


async def dataset_links_endpoint(request: Request) -> Response:
    """The links of lightcurves named by their lcdb.dataset.id (what the descriptor of a
    dataset-table result sends); the rows keep the ids asked for in their ID column."""
    params = await _params(request)
    _check_links_format(params)
    ids = [value.strip() for value in params.get("ID", []) if value.strip()]
    bad = [value for value in ids if not value.isdigit()]
    if bad:
        raise BadParameter(f"ID={bad[0]!r}: /datalink/dataset takes lcdb.dataset ids (integers)")
    return await _links_response(request, ids, resolve_datasets, id_datatype="long")


def _check_links_format(params: dict[str, list[str]]) -> None:
    requested = single(params, "RESPONSEFORMAT")
    if requested is not None:
        bare = requested.split(";", 1)[0].strip().lower()
        if bare not in LINKS_FORMATS:
            raise BadParameter(
                f"RESPONSEFORMAT={requested!r}: a links document is a VOTable "
                "(RESPONSEFORMAT=votable or application/x-votable+xml)"
            )


Resolver = Callable[[sa.Connection, Sequence[str]], list[Product | Unresolved]]


async def _links_response(
    request: Request, ids: list[str], resolver: Resolver, *, id_datatype: str
) -> Response:
    """The links document of the first MAX_IDS `ids` (OVERFLOW beyond), each row's ID the
    value asked for."""
    overflow = len(ids) > MAX_IDS
    service = service_of(request)
    base = base_url(request)

    def answer() -> bytes:
        with service.engine.connect() as connection:
            products = resolver(connection, ids[:MAX_IDS])
            found = links(connection, base, products, service.settings.data_root)
        asked = {p.did: i for i, p in zip(ids, products, strict=False) if isinstance(p, Product)}
        rows = tuple(replace(row, id=asked.get(row.id, row.id)) for row in found.rows)
        document = replace(found, rows=rows)
        return links_document(document, base, overflow=overflow, id_datatype=id_datatype)

    return Response(await service.in_database(answer), media_type=LINKS_CONTENT_TYPE)


def _one_product(connection: sa.Connection, params: dict[str, list[str]]) -> Product:
    did = single(params, "ID")
    if did is None:
        raise BadParameter("ID is required: a product's obs_publisher_did, from ivoa.obscore")
    (product,) = resolve(connection, [did])
    if isinstance(product, Unresolved):
        if product.fault == "UsageFault":
            raise BadParameter(product.message)
        raise NotFound(product.message)
    return product


def _lightcurve(connection: sa.Connection, params: dict[str, list[str]]) -> Lightcurve:
    product = _one_product(connection, params)
    if product.table != "dataset":
        raise BadParameter(f"{product.did} is a {product.dataproduct_type}, not a lightcurve")
    found = load_lightcurve(connection, product.id)
    if found is None:
        raise NotFound(f"the lightcurve {product.did} is gone (refresh ObsCore)")
    return found


def _format(params: dict[str, list[str]], accept: str | None = None) -> str:
    """RESPONSEFORMAT, else the first type of the Accept header that we write, else VOTable."""
    requested = single(params, "RESPONSEFORMAT")
    if requested is None:
        for offered in (accept or "").split(","):
            bare = offered.split(";", 1)[0].strip().lower()
            if bare in _BY_MIME:
                return _BY_MIME[bare]
        return "votable"
    text = requested.strip().lower().replace(" ", "")
    if text in _LIGHTCURVE_TYPES:
        return text
    if text in _BY_MIME:
        return _BY_MIME[text]
    bare = text.split(";", 1)[0]
    if bare in _BY_MIME:
        return _BY_MIME[bare]
    choices = ", ".join(_LIGHTCURVE_TYPES)
    raise BadParameter(
        f"RESPONSEFORMAT={requested!r} is not one of {choices} (or their MIME types)"
    )


def _time(params: dict[str, list[str]]) -> tuple[float, float] | None:
    """SODA TIME: two MJDs, lower and upper bound; -Inf / +Inf for open ends."""
    text = single(params, "TIME")
    if text is None:
        return None
    parts = text.split()
    try:
        low, high = (float(p) for p in parts)
    except ValueError:
        raise BadParameter(
            f"TIME={text!r}: give two MJDs (TDB) separated by a space, e.g. TIME=58325 58330"
        ) from None
    if math.isnan(low) or math.isnan(high) or low > high:
        raise BadParameter(f"TIME={text!r}: the lower bound must not exceed the upper bound")
    return low, high


async def lightcurve_endpoint(request: Request) -> Response:
    params = await _params(request)
    name = _format(params, request.headers.get("accept"))
    interval = _time(params)
    service = service_of(request)

    def answer() -> bytes:
        with service.engine.connect() as connection:
            lightcurve = _lightcurve(connection, params)
        if interval is not None:
            lightcurve = documents.cut(lightcurve, *interval)
        return documents.write(lightcurve, name)

    body = await service.in_database(answer)
    headers = {}
    if name == "fits":
        headers["Content-Disposition"] = 'attachment; filename="lightcurve.fits"'
    return Response(body, media_type=_LIGHTCURVE_TYPES[name], headers=headers)


async def preview_endpoint(request: Request) -> Response:
    params = await _params(request)
    service = service_of(request)
    directory = service.settings.previews_directory

    def answer() -> Path:
        with service.engine.connect() as connection:
            product = _one_product(connection, params)
            if product.table != "dataset":
                raise BadParameter(f"{product.did} has no preview (it is not a lightcurve)")
            # the row's version: a dataset replaced in place gets a new xmin, so a new file
            version = connection.execute(
                sa.text("SELECT xmin::text FROM lcdb.dataset WHERE id = :id"), {"id": product.id}
            ).scalar_one_or_none()
            key = hashlib.sha256(
                f"{PREVIEW_VERSION}|{product.did}|{product.id}|{version}".encode()
            ).hexdigest()
            cached = directory / key[:2] / f"{key}.png"
            if cached.is_file():
                return cached
            lightcurve = load_lightcurve(connection, product.id)
        if lightcurve is None:
            raise NotFound(f"the lightcurve {product.did} is gone (refresh ObsCore)")
        _write_atomically(cached, preview.render_png(lightcurve))
        return cached

    path = await service.in_database(answer)
    return FileResponse(path, media_type="image/png")


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=path.parent, suffix=".partial")
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
    os.replace(partial, path)


async def frame_endpoint(request: Request) -> Response:
    params = await _params(request)
    service = service_of(request)

    def answer() -> Path:
        with service.engine.connect() as connection:
            product = _one_product(connection, params)
            if product.table != "fits_frame":
                raise BadParameter(f"{product.did} is not a frame")
            found = frame_file(connection, product, service.settings.data_root)
        if isinstance(found, str):
            raise NotFound(found)
        return found

    path = await service.in_database(answer)
    return FileResponse(path, media_type=FITS, filename=path.name)


RESOURCES = (
    Resource("", links_endpoint, ("GET", "POST")),
    Resource("/dataset", dataset_links_endpoint, ("GET", "POST")),
    Resource("/lightcurve", lightcurve_endpoint, ("GET", "POST")),
    Resource("/preview", preview_endpoint),
    Resource("/frame", frame_endpoint),
)
