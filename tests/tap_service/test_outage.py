"""The database goes away under a running service, and comes back.

Every request meanwhile gets a 503 DALI error that says so (never a 500), with Retry-After; a
job executing when it went ends in ERROR saying why, recorded once the database is back; and
the service serves sync queries and runs jobs again within seconds, without a restart. The
database is a server of this module's own, so that it can really be stopped and started.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import orm
from starlette.testclient import TestClient

from lcdb import migrate
from lcdb.db import create_engine
from lcdb.embedded import EmbeddedPostgres, temporary_server
from tap_service.app import create_app
from tests.lcdb.support import build_graph
from tests.service_fixtures import SERVICE_SETTINGS
from tests.tap_service.test_sync import assert_dali_error

QUERY = "SELECT TOP 1 name FROM lcdb.target"
#: Runs for many seconds: 4 copies of TAP_SCHEMA.columns joined (hundreds of rows each).
SLOW = (
    "SELECT COUNT(*) AS n FROM TAP_SCHEMA.columns AS a, TAP_SCHEMA.columns AS b, "
    "TAP_SCHEMA.columns AS c, TAP_SCHEMA.columns AS d"
)


@pytest.fixture(scope="module")
def database() -> Iterator[EmbeddedPostgres]:
    with temporary_server("lcdb-outage-") as server:
        migrate.upgrade(server.url())
        engine = create_engine(server.url())
        with orm.Session(engine) as session:
            build_graph(session)
        engine.dispose()
        yield server


@pytest.fixture
def service(database: EmbeddedPostgres, tmp_path: Path) -> Iterator[TestClient]:
    settings = dataclasses.replace(SERVICE_SETTINGS, async_dir=tmp_path / "jobs")
    with TestClient(create_app(settings, database.url())) as client:
        yield client
    database.start()  # a failed test must not leave the next one without its database


def sync(client: TestClient, query: str = QUERY) -> object:
    return client.post("/tap/sync", data={"LANG": "ADQL", "QUERY": query})


def serves_within(client: TestClient, seconds: float) -> float:
    """Seconds until a sync query succeeds again (fails the test after `seconds`)."""
    start = time.monotonic()
    while True:
        response = sync(client)
        if response.status_code == 200:  # type: ignore[attr-defined]
            return time.monotonic() - start
        assert time.monotonic() - start < seconds, response.text  # type: ignore[attr-defined]
        time.sleep(0.1)


def wait_phase(client: TestClient, location: str, phases: set[str], seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while True:
        phase = client.get(f"{location}/phase").text.strip()
        if phase in phases:
            return phase
        assert time.monotonic() < deadline, f"job still {phase}"
        time.sleep(0.1)


def test_every_request_gets_503_while_the_database_is_down(
    service: TestClient, database: EmbeddedPostgres
) -> None:
    created = service.post(
        "/tap/async", data={"LANG": "ADQL", "QUERY": QUERY}, follow_redirects=False
    )
    job = created.headers["location"]
    assert sync(service).status_code == 200  # type: ignore[attr-defined]
    database.stop()
    try:
        for response in (
            sync(service),
            service.post("/tap/async", data={"LANG": "ADQL", "QUERY": QUERY}),
            service.get(job),
            service.get(f"{job}/phase"),
            service.get("/tap/async"),
        ):
            assert_dali_error(response, 503, "database")
            assert int(response.headers["retry-after"]) > 0
        availability = service.get("/tap/availability")
        assert b"<vosi:available>false</vosi:available>" in availability.content
    finally:
        database.start()
    assert serves_within(service, 5) < 5


def test_the_service_serves_and_runs_jobs_again_once_the_database_is_back(
    service: TestClient, database: EmbeddedPostgres
) -> None:
    database.stop()
    database.start()
    serves_within(service, 5)
    created = service.post(
        "/tap/async", data={"LANG": "ADQL", "QUERY": QUERY, "PHASE": "RUN"}, follow_redirects=False
    )
    assert created.status_code == 303
    location = created.headers["location"]
    # the runner took its lock again: its job runs, and is not swept as an orphan
    assert wait_phase(service, location, {"COMPLETED", "ERROR"}, 20) == "COMPLETED"


def test_a_job_executing_when_the_database_restarts_ends_in_error_saying_why(
    service: TestClient, database: EmbeddedPostgres
) -> None:
    created = service.post(
        "/tap/async", data={"LANG": "ADQL", "QUERY": SLOW, "PHASE": "RUN"}, follow_redirects=False
    )
    location = created.headers["location"]
    wait_phase(service, location, {"EXECUTING"}, 20)
    time.sleep(0.5)  # the query is running in the database
    database.stop()
    time.sleep(1.5)  # the worker meets the lost connection while the database is down
    database.start()
    assert wait_phase(service, location, {"ERROR", "COMPLETED"}, 20) == "ERROR"
    message = service.get(f"{location}/error").text
    assert "database" in message and "run it again" in message, message
    assert "internal error" not in message
