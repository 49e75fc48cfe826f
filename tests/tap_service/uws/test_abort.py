"""ABORT stops the query in PostgreSQL, and the execution duration is enforced there too."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from tests.lcdb.support import Graph
from tests.tap_service.uws.support import LONG_QUERY, create, job, post, text, wait_for


@pytest.fixture
def activity(archive: tuple[str, Graph]) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    url = make_url(archive[0]).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as conn:
        yield conn


def running(conn: psycopg.Connection[tuple[object, ...]], marker: str) -> list[int]:
    """Backends running a statement that mentions `marker` (other than this probe)."""
    rows = conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE %s"
        " AND pid <> pg_backend_pid()",
        (f"%{marker}%",),
    ).fetchall()
    return [int(row[0]) for row in rows]


def until(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_abort_cancels_the_database_query(
    client: TestClient, activity: psycopg.Connection[tuple[object, ...]]
) -> None:
    marker = f"abort_probe_{uuid.uuid4().hex[:8]}"
    url = create(client, QUERY=LONG_QUERY.format(marker=marker), PHASE="RUN")
    assert wait_for(client, url, {"EXECUTING"}) == "EXECUTING"
    assert until(lambda: running(activity, marker), 10), "the job's query never showed up"
    assert post(client, f"{url}/phase", PHASE="ABORT").status_code == 303
    assert until(lambda: not running(activity, marker), 5), "the query still runs after ABORT"
    root = job(client, url)
    assert text(root, "uws:phase") == "ABORTED" and text(root, "uws:endTime")
    assert client.get(f"{url}/results/result").status_code == 404
    job_id = url.rsplit("/", 1)[1]
    assert not (client.app.state.service.runner.directory / job_id).exists()
    client.delete(url)


def test_delete_of_a_running_job_cancels_its_query(
    client: TestClient, activity: psycopg.Connection[tuple[object, ...]]
) -> None:
    marker = f"delete_probe_{uuid.uuid4().hex[:8]}"
    url = create(client, QUERY=LONG_QUERY.format(marker=marker), PHASE="RUN")
    assert until(lambda: running(activity, marker), 10)
    assert client.delete(url, follow_redirects=False).status_code == 303
    assert until(lambda: not running(activity, marker), 5), "the query outlived its job"


def test_execution_duration_is_the_time_limit(
    client: TestClient, activity: psycopg.Connection[tuple[object, ...]]
) -> None:
    marker = f"limit_probe_{uuid.uuid4().hex[:8]}"
    url = create(client, QUERY=LONG_QUERY.format(marker=marker), EXECUTIONDURATION="1", PHASE="RUN")
    assert wait_for(client, url, {"ERROR", "COMPLETED", "ABORTED"}, timeout=20) == "ERROR"
    message = text(job(client, url), "uws:errorSummary/uws:message")
    assert "longer than the job's execution duration (1 s)" in message
    assert not running(activity, marker)
    client.delete(url)
