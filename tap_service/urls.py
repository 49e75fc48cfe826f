"""The public base URL of the service, for documents and redirects that must be absolute."""

from __future__ import annotations

from starlette.requests import Request

from tap_service.settings import Settings


def base_url(request: Request) -> str:
    """`LCDB_BASE_URL` if set (behind a proxy), else what the request was addressed to."""
    settings: Settings = request.app.state.settings
    if settings.base_url:
        return settings.base_url
    return f"{request.url.scheme}://{request.url.netloc}{request.scope.get('root_path', '')}/tap"
