"""Serves the built page (``static/index.html`` at ``/``, its CSS inline) and its script
(``/static/app.js``).

Only the files of the bundle are served, named exactly; nothing else of the package or the
file system can be reached through these routes. The page is revalidated on every load (a
new install may bring a new bundle); the script's URL carries the bundle's hash, so a browser
may keep it.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from tap_service.endpoints import Resource
from tap_service.errors import NotFound

STATIC = Path(__file__).resolve().parent / "static"
#: The bundle's files (web/build.mjs writes them) and their media types.
ASSETS = {
    "app.js": "text/javascript; charset=utf-8",
}


async def index(request: Request) -> Response:
    return FileResponse(
        STATIC / "index.html",
        media_type="text/html; charset=utf-8",
        headers={"Cache-Control": "no-cache"},
    )


async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    media_type = ASSETS.get(name)
    if media_type is None:
        raise NotFound(f"no file {name!r} in the page's bundle")
    return FileResponse(
        STATIC / name, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"}
    )


RESOURCES = (
    Resource("", index),
    Resource("static/{name}", asset),
)
