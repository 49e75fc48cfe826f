"""pyvo's asynchronous API against the live service: what scripts with big queries do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import pyvo
import requests

QUERY = "SELECT TOP 5 table_name, schema_name FROM TAP_SCHEMA.tables ORDER BY table_name"


@pytest.fixture(scope="module")
def service(live_url: str) -> Iterator[pyvo.dal.TAPService]:
    with requests.Session() as session:
        yield pyvo.dal.TAPService(live_url, session=session)


def test_run_async_gives_the_sync_result(service: pyvo.dal.TAPService) -> None:
    asynchronous = service.run_async(QUERY).to_table()
    synchronous = service.run_sync(QUERY).to_table()
    assert len(asynchronous) == 5
    assert list(asynchronous["table_name"]) == list(synchronous["table_name"])
    assert asynchronous.colnames == synchronous.colnames


def test_submit_wait_fetch_delete(service: pyvo.dal.TAPService) -> None:
    job = service.submit_job(QUERY, maxrec=2, runid="pyvo-test")
    assert job.phase == "PENDING"
    job.execution_duration = 30
    assert job.execution_duration.to_value("s") == 30
    destruction = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    job.destruction = destruction
    assert abs((job.destruction.datetime.replace(tzinfo=dt.UTC) - destruction).total_seconds()) < 1
    job.run()
    job.wait(phases=["COMPLETED", "ERROR", "ABORTED"], timeout=60)
    job.raise_if_error()
    assert job.phase == "COMPLETED"
    result = job.fetch_result()
    assert len(result) == 2 and result.query_status == "OVERFLOW"
    listed = service.get_job_list(phases=["COMPLETED"], last=50)
    assert job.job_id in {summary.jobid for summary in listed}
    job.delete()
    with pytest.raises(pyvo.dal.DALServiceError):
        job.phase  # noqa: B018  (the property fetches the job: gone)


def test_failed_job_raises_the_message(service: pyvo.dal.TAPService) -> None:
    with pytest.raises(pyvo.dal.DALQueryError, match="did you mean 'name'"):
        service.run_async("SELECT nmae FROM lcdb.target")


def test_abort_through_pyvo(service: pyvo.dal.TAPService) -> None:
    job = service.submit_job(QUERY)
    job.abort()
    assert job.phase == "ABORTED"
    job.delete()
