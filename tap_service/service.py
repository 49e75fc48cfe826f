"""The composition root: the one object that assembles the service from its settings.

`create_app` builds a `Service` and keeps it on `app.state.service`. It holds what the
service is made of, each in one place, so that a new capability (geometry, ObsCore, DataLink,
uploads) lands as an addition here rather than as edits across the package:

* the publishers (`tap_service.publishers`) and the `Publication` and ADQL catalogue built
  from their schemas: TAP_SCHEMA, /tables and result metadata;
* the ADQL `Dialect`: the geometry translator and the language features it declares, used
  both to compile queries and by /capabilities;
* the endpoint table (`tap_service.endpoints`): routes, capabilities and landing page;
* `query_context`, the per-query context that sync queries and async jobs both run with.

What only exists while the service runs (the engine, the job runner, the WAIT wake-ups) is
created by `start` in the app's lifespan and dropped by `stop`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from adql import Catalog
from adql.pg_geometry import PgGeometry
from adql.pg_sky_index import SkyIndex
from lcdb import migrate
from lcdb.db import create_engine
from obscore.model import SERVICE_URL_SETTING
from tap_service import handlers, memory
from tap_service.admission import Admission, Limits
from tap_service.datalink import routes as datalink
from tap_service.dialect import Dialect
from tap_service.endpoints import TAP, Capability, Endpoint, Resource, one
from tap_service.errors import ServiceUnavailable
from tap_service.execute import Driver, SessionStep
from tap_service.params import TapRequest
from tap_service.publishers import Publisher, default_publishers, publication
from tap_service.query import QueryContext
from tap_service.settings import Settings
from tap_service.uploads.session import gather, load_step
from tap_service.uws import routes as uws
from tap_service.uws.changes import Changes
from tap_service.uws.runner import Runner
from tap_service.web import page as web

T = TypeVar("T")

VOSI = "ivo://ivoa.net/std/VOSI"
#: Connections beyond the admitted queries' and the job workers': job documents, VOSI, the
#: runner's bookkeeping. Each is short; the pool may open `POOL_OVERFLOW` more for bursts.
POOL_SPARE = 4
POOL_OVERFLOW = 10
#: Seconds a request waits for a pooled connection before 503 (the admission bounds the
#: queries, so this only happens when the database itself is slow to accept connections).
POOL_TIMEOUT = 10
DATALINK = "ivo://ivoa.net/std/DataLink#links-1.1"


def tap_endpoints() -> tuple[Endpoint, ...]:
    """The resources of a TAP 1.1 service, in the order /capabilities lists them."""
    return (
        Endpoint("", one(handlers.landing), Capability(TAP, version="1.1", role="std", use="base")),
        Endpoint("/sync", one(handlers.sync_query, ("GET", "POST")), title="synchronous queries"),
        Endpoint("/async", uws.RESOURCES, title="asynchronous queries (UWS 1.1 jobs)"),
        Endpoint(
            "/capabilities",
            one(handlers.capabilities),
            Capability(f"{VOSI}#capabilities"),
            title="what this service implements (VOSI)",
        ),
        Endpoint(
            "/availability",
            one(handlers.availability),
            Capability(f"{VOSI}#availability"),
            title="whether it is up (VOSI)",
        ),
        Endpoint(
            "/tables",
            (Resource("", handlers.tables), Resource("/{name:path}", handlers.table)),
            Capability(f"{VOSI}#tables-1.1", version="1.1"),
            title="the published tables and columns (VOSI)",
        ),
        Endpoint(
            "/datalink",
            datalink.RESOURCES,
            Capability(DATALINK),
            title="the data behind each ObsCore row: lightcurves, frames, previews (DataLink)",
        ),
        Endpoint(
            "/examples",
            one(handlers.examples_page),
            Capability("ivo://ivoa.net/std/DALI#examples", interface="vr:WebBrowser"),
            title="example queries (DALI)",
        ),
        Endpoint(
            "/",
            web.RESOURCES,
            title="the page for people: ADQL editor, tables, results, lightcurves and sky view",
            root="",
        ),
    )


@dataclass(frozen=True)
class Runtime:
    """What exists only while the service runs."""

    engine: Engine
    changes: Changes
    runner: Runner
    admission: Admission
    up_since: dt.datetime


class Service:
    """The service as assembled: what it publishes, how it speaks ADQL, what it serves.

    `publishers`, `dialect` and `endpoints` default to the TAP service's own; passing them
    is how a test or a tool adds a capability without touching the rest.
    """

    def __init__(
        self,
        settings: Settings,
        database_url: str,
        *,
        publishers: Sequence[Publisher] | None = None,
        dialect: Dialect | None = None,
        endpoints: Sequence[Endpoint] | None = None,
    ) -> None:
        self.settings = settings
        self.database_url = database_url
        self.publishers = tuple(default_publishers() if publishers is None else publishers)
        self.publication = publication(self.publishers)
        self.catalog = self.publication.catalog()
        if dialect is None:
            dialect = Dialect(geometry=PgGeometry(index=SkyIndex()))
        self.dialect = dialect
        self.endpoints = tuple(tap_endpoints() if endpoints is None else endpoints)
        self._runtime: Runtime | None = None

    # -- life cycle (the app's lifespan) ---------------------------------------------------------

    async def start(self) -> None:
        """Connect, check the schema, let the publishers prepare, start the job runner."""
        engine = await run_in_threadpool(self._connect)
        changes = Changes()  # on the event loop: WAIT requests wait on it
        runner = Runner(engine, self.settings, self.query_context, changes.threadsafe_fire)
        trimmer = memory.Trimmer()
        admission = Admission(self.limits, on_idle=trimmer.soon, on_busy=trimmer.cancel)
        # Published before the runner starts: its workers take the jobs left QUEUED by the
        # last run at once, and build their contexts with `query_context`, which needs it.
        self._runtime = Runtime(engine, changes, runner, admission, dt.datetime.now(dt.UTC))
        try:
            await run_in_threadpool(runner.start)
        except BaseException:
            self._runtime = None
            runner.stop()
            engine.dispose()
            raise

    async def stop(self) -> None:
        runtime = self._runtime
        if runtime is not None:
            # The runtime is dropped only once the runner has stopped: a job a worker takes
            # meanwhile still gets its context (and ends as `Runner.stop` says).
            await run_in_threadpool(runtime.runner.stop)
            self._runtime = None
            runtime.engine.dispose()

    @property
    def limits(self) -> Limits:
        settings = self.settings
        return Limits(
            queries=settings.max_queries,
            extractions=settings.max_extractions,
            queue=settings.queue_length,
            wait=settings.queue_wait,
        )

    def _connect(self) -> Engine:
        """The engine, its pool sized for the admitted queries, the job workers and spares.

        ``pool_pre_ping`` replaces connections that died with a database restart before a
        request gets one, so the service serves again as soon as the database is back.
        """
        memory.limit_arenas()  # before the pool's and the runner's threads exist
        engine = create_engine(
            self.database_url,
            pool_size=self.limits.connections + self.settings.async_workers + POOL_SPARE,
            max_overflow=POOL_OVERFLOW,
            pool_timeout=POOL_TIMEOUT,
            pool_pre_ping=True,
        )
        current = migrate.current(self.database_url)
        if current != migrate.head():
            engine.dispose()
            raise ServiceUnavailable(
                f"the database schema is at {current or 'nothing'}, not {migrate.head()}: "
                "run `lcdb-tap db upgrade`"
            )
        with engine.begin() as connection:
            for publisher in self.publishers:
                publisher.prepare(connection, self.publication)
        return engine

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            raise ServiceUnavailable("the service is not running (starting or stopping)")
        return self._runtime

    @property
    def engine(self) -> Engine:
        return self.runtime.engine

    @property
    def runner(self) -> Runner:
        return self.runtime.runner

    @property
    def changes(self) -> Changes:
        return self.runtime.changes

    @property
    def admission(self) -> Admission:
        return self.runtime.admission

    @property
    def up_since(self) -> dt.datetime:
        return self.runtime.up_since

    async def in_database(self, work: Callable[[], T]) -> T:
        """Run blocking `work` that queries the database, once admitted (in a worker thread)."""
        async with self.admission.admitted():
            return await run_in_threadpool(work)

    # -- queries -------------------------------------------------------------------------------

    def query_context(
        self,
        request: TapRequest,
        timeout: float,
        service_url: str | None = None,
        parts: Mapping[str, bytes] | None = None,
    ) -> QueryContext:
        """What `request`'s query runs with, whether it is a sync query or an async job.

        `service_url` is the service's base URL as the client reached it: the session gets it
        as ``lcdb.service_url``, from which ivoa.obscore makes each row's access_url. The
        request's uploads (inline ones from `parts`, the request's file parts) are read here
        (blocking: URLs are fetched) and become TAP_UPLOAD tables of this query alone.
        """
        url = service_url or self.settings.base_url
        setup: list[SessionStep] = []
        if url:
            setup.append(_session_setting(SERVICE_URL_SETTING, url))
        catalog = self.catalog
        if request.uploads:
            tables = gather(request.uploads, parts or {}, self.settings)
            catalog = Catalog((*catalog.tables, *(t.catalog_table() for t in tables)))
            setup.append(load_step(tables))
        return QueryContext(
            engine=self.engine,
            catalog=catalog,
            dialect=self.dialect,
            timeout=timeout,
            batch_size=self.settings.batch_size,
            setup=tuple(setup),
            service_url=url,
        )


def _session_setting(name: str, value: str) -> SessionStep:
    """A step that sets `name` for the query's transaction only."""

    def step(driver: Driver) -> None:
        driver.execute("SELECT set_config(%s, %s, true)", (name, value))

    return step
