"""What a handler reads off its request: the assembled service, and its public base URL."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request

from tap_service.endpoints import ROOT

if TYPE_CHECKING:
    from tap_service.service import Service


def service_of(request: Request) -> Service:
    """The `Service` that `create_app` put on the app's state."""
    service: Service = request.app.state.service
    return service


def base_url(request: Request) -> str:
    """`LCDB_BASE_URL` if set (behind a proxy), else what the request was addressed to."""
    settings = service_of(request).settings
    if settings.base_url:
        return settings.base_url
    return f"{request.url.scheme}://{request.url.netloc}{request.scope.get('root_path', '')}{ROOT}"
