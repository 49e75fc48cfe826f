"""The composition root: routes, capabilities and landing page come from one endpoint table;
the dialect is what both translates and is declared; per-query session steps run first."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest
from lxml import etree
from pyvo.io import vosi as pyvo_vosi
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

import adql
from adql.ast import GeometryFunction
from adql.metadata import ExprInfo
from tap_service.app import create_app
from tap_service.dialect import Dialect
from tap_service.endpoints import Capability, Endpoint, one
from tap_service.execute import Driver
from tap_service.params import TapRequest
from tap_service.query import QueryContext
from tap_service.service import Service, tap_endpoints
from tests.lcdb.support import Graph
from tests.service_fixtures import SERVICE_SETTINGS
from tests.tap_service.uws.support import create, wait_for


def finished_job(client: TestClient, **params: str) -> str:
    """An async job run to completion with `params`; its URL."""
    url = create(client, PHASE="RUN", **params)
    assert wait_for(client, url, {"COMPLETED", "ERROR"}) == "COMPLETED", client.get(url).text
    return url


@pytest.fixture(scope="module")
def served(archive: tuple[str, Graph]) -> Iterator[tuple[TestClient, Service]]:
    """The default service, with its `Service` at hand."""
    service = Service(SERVICE_SETTINGS, archive[0])
    with TestClient(create_app(SERVICE_SETTINGS, archive[0], service=service)) as client:
        yield client, service


def served_paths(client: TestClient) -> set[str]:
    return {route.path for route in client.app.routes if isinstance(route, Route)}  # type: ignore[attr-defined]


def test_every_route_comes_from_the_endpoint_table(served: tuple[TestClient, Service]) -> None:
    client, service = served
    declared = {e.root + e.path + r.path for e in service.endpoints for r in e.resources}
    assert served_paths(client) == declared
    assert {"/tap", "/tap/sync", "/tap/async/{job_id}/phase", "/tap/tables/{name:path}"} <= declared
    assert {"/", "/static/{name}"} <= declared  # the page for people, beside the service


def test_capabilities_declare_exactly_the_endpoints_that_have_one(
    served: tuple[TestClient, Service],
) -> None:
    client, service = served
    capabilities = pyvo_vosi.parse_capabilities(io.BytesIO(client.get("/tap/capabilities").content))
    listed = [(c.standardid, c.interfaces[0].accessurls[0].content) for c in capabilities]
    expected = [
        (e.capability.standard_id, f"http://testserver/tap{e.path}")
        for e in service.endpoints
        if e.capability is not None
    ]
    assert listed == expected


def test_the_landing_page_links_exactly_the_titled_endpoints(
    served: tuple[TestClient, Service],
) -> None:
    client, service = served
    page = etree.fromstring(client.get("/tap").content, etree.HTMLParser())
    links = [a.get("href") for a in page.iter("a")]
    assert links == [e.url("http://testserver/tap") for e in service.endpoints if e.title]
    assert "http://testserver/" in links  # the page for people
    for link in links:  # each resolves (/sync without a query answers with a DALI error)
        assert client.get(link).status_code == (400 if link.endswith("/sync") else 200), link


def test_an_endpoint_added_to_the_table_is_served_declared_and_linked(
    archive: tuple[str, Graph],
) -> None:
    async def hello(request: Request) -> Response:
        return PlainTextResponse("hello")

    extra = Endpoint(
        "/hello", one(hello), Capability("ivo://example.org/std/Hello"), title="a greeting"
    )
    service = Service(SERVICE_SETTINGS, archive[0], endpoints=(*tap_endpoints(), extra))
    with TestClient(create_app(SERVICE_SETTINGS, archive[0], service=service)) as client:
        assert client.get("/tap/hello").text == "hello"
        capabilities = client.get("/tap/capabilities").text
        assert 'standardID="ivo://example.org/std/Hello"' in capabilities
        assert "http://testserver/tap/hello" in client.get("/tap").text


class CoordinatesAsArrays:
    """A geometry translator for this test only: POINT as a float8[2], COORD1/2 its items.

    Enough to show that the service hands its dialect's translator to the compiler of sync
    queries and async jobs alike; real geometry is issue #11's.
    """

    def function(
        self,
        node: GeometryFunction,
        render: Any,
        infos: Sequence[ExprInfo],
    ) -> str:
        args = [render(arg) for arg in node.args]
        if node.name == "POINT":
            return f"ARRAY[{args[0]}, {args[1]}]::float8[]"
        if node.name in ("COORD1", "COORD2"):
            return f"({args[0]})[{node.name[-1]}]"
        raise adql.ADQLSemanticError(f"not in this test: {node.name}", node.line, node.col)

    def cast(self, node: Any, render: Any, info: ExprInfo) -> str:
        raise adql.ADQLSemanticError("no casts in this test", node.line, node.col)

    def predicate(self, node: Any, op: str, other: Any, render: Any) -> str | None:
        return None  # comparisons are compared as values here

    def ordering(self, node: Any, render: Any) -> str | None:
        return None  # distances sort by their value here


GEOMETRY_QUERY = "SELECT COORD2(POINT(t.ra, t.dec)) AS d, t.dec FROM lcdb.target AS t"


def test_the_dialects_translator_is_used_and_declared(archive: tuple[str, Graph]) -> None:
    dialect = Dialect(geometry=CoordinatesAsArrays())
    service = Service(SERVICE_SETTINGS, archive[0], dialect=dialect)
    with TestClient(create_app(SERVICE_SETTINGS, archive[0], service=service)) as client:
        params = {"LANG": "ADQL", "QUERY": GEOMETRY_QUERY, "RESPONSEFORMAT": "csv"}
        lines = client.get("/tap/sync", params=params).text.splitlines()
        assert lines[0] == "d,dec" and len(lines) > 1
        assert all(a == b for a, b in (line.split(",") for line in lines[1:]))
        job = finished_job(client, QUERY=GEOMETRY_QUERY, RESPONSEFORMAT="csv")
        assert client.get(f"{job}/results/result").text.splitlines() == lines
        assert "features-adqlgeo" in client.get("/tap/capabilities").text
    assert not any("adqlgeo" in feature.type for feature in Dialect().features())


class WithScratchTable(Service):
    """A service whose queries may read a table made for them alone (as uploads will be)."""

    def query_context(
        self,
        request: TapRequest,
        timeout: float,
        service_url: str | None = None,
        parts: Mapping[str, bytes] | None = None,
    ) -> QueryContext:
        context = super().query_context(request, timeout, service_url, parts)
        scratch = adql.Table(
            "TAP_UPLOAD",
            "scratch",
            (adql.Column("n", "int"),),
            db_schema="pg_temp",
        )
        return dataclasses.replace(
            context,
            catalog=adql.Catalog((*context.catalog.tables, scratch)),
            setup=(*context.setup, make_scratch),
        )


def make_scratch(connection: Driver) -> None:
    connection.execute(
        "CREATE TEMPORARY TABLE scratch ON COMMIT DROP AS SELECT generate_series(1, 3) AS n"
    )


def test_session_steps_run_before_the_query_turns_read_only_and_leave_nothing(
    archive: tuple[str, Graph],
) -> None:
    service = WithScratchTable(SERVICE_SETTINGS, archive[0])
    query = "SELECT SUM(n) AS total FROM TAP_UPLOAD.scratch"
    with TestClient(create_app(SERVICE_SETTINGS, archive[0], service=service)) as client:
        for _ in range(3):  # the same pooled connections again: the table must be gone
            params = {"LANG": "ADQL", "QUERY": query, "RESPONSEFORMAT": "csv"}
            assert client.get("/tap/sync", params=params).text.splitlines() == ["total", "6"]
        job = finished_job(client, QUERY=query, RESPONSEFORMAT="csv")
        assert client.get(f"{job}/results/result").text.splitlines() == ["total", "6"]
        assert service.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    with service_connection(archive[0]) as connection:
        leftovers = connection.execute("SELECT count(*) FROM pg_class WHERE relname = 'scratch'")
        assert leftovers.fetchone() == (0,)


def service_connection(url: str) -> Any:
    import psycopg
    from sqlalchemy.engine import make_url

    return psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(False))
