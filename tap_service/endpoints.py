"""The service's resources as one table: routes, /capabilities and the landing page from it.

Each `Endpoint` says where a resource is (below the service root, `/tap`), which handlers
serve it and its sub-resources, how /capabilities declares it (a VOSI `capability`) and how
the landing page links it. `Service` holds the table; `tap_service.app` turns it into
Starlette routes, `tap_service.vosi.capabilities` into capability elements and
`tap_service.handlers.landing` into links, so a resource is added in one place and cannot
be served without being declared, or declared without being served.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

#: The service root: every endpoint's path is below it.
ROOT = "/tap"
TAP = "ivo://ivoa.net/std/TAP"

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Capability:
    """A VOSI capability: the standard a resource implements and its interface."""

    standard_id: str
    #: xsi:type of the interface: a parameterised HTTP interface or a page for browsers.
    interface: str = "vs:ParamHTTP"
    #: The interface's `version` attribute (the standard's version it follows), if any.
    version: str | None = None
    #: `std` marks the standard interface of the capability (TAP's own).
    role: str | None = None
    #: `full`: the access URL is the resource; `base`: the standard's resources lie below it.
    use: str = "full"


@dataclass(frozen=True, slots=True)
class Resource:
    """One route of an endpoint: a path below the endpoint's, its handler and methods."""

    path: str
    handler: Handler
    methods: tuple[str, ...] = ("GET",)


@dataclass(frozen=True, slots=True)
class Endpoint:
    #: Below `root`: "" is the root itself, "/sync", "/tables"...
    path: str
    resources: tuple[Resource, ...]
    capability: Capability | None = None
    #: What the landing page says of it (None: not linked there).
    title: str | None = None
    #: The service root, or "" for a resource of the site beside it (the page for people at /).
    root: str = ROOT

    def routes(self) -> list[Route]:
        return [
            Route(self.root + self.path + r.path, r.handler, methods=list(r.methods))
            for r in self.resources
        ]

    def url(self, base: str) -> str:
        """Its public URL, given the service's (`base`, …/tap): beside it when not below it."""
        if self.root == ROOT:
            return base + self.path
        site = base[: -len(ROOT)] if base.endswith(ROOT) else base.rsplit("/", 1)[0]
        return site + self.root + self.path


def one(handler: Handler, methods: tuple[str, ...] = ("GET",)) -> tuple[Resource]:
    """The resources of an endpoint that has nothing below it."""
    return (Resource("", handler, methods),)


def routes(endpoints: Iterable[Endpoint]) -> list[Route]:
    return [route for endpoint in endpoints for route in endpoint.routes()]
