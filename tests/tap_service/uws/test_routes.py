"""/tap/async over HTTP: the UWS 1.1 resources, their documents, and an answer for every mistake."""

from __future__ import annotations

import datetime as dt
import io
import threading
import time

import pytest
from astropy.io.votable import parse_single_table
from lxml import etree
from starlette.testclient import TestClient

from tests.tap_service.test_sync import assert_dali_error
from tests.tap_service.uws.support import (
    LONG_QUERY,
    UWS_NS,
    create,
    job,
    phase,
    post,
    text,
    valid,
    wait_for,
)

QUERY = "SELECT TOP 3 table_name FROM TAP_SCHEMA.tables ORDER BY table_name"
FINISHED = {"COMPLETED", "ERROR", "ABORTED"}


def test_create_gives_a_pending_job_with_every_element(client: TestClient) -> None:
    url = create(client, QUERY=QUERY, RUNID="mine", REQUEST="doQuery")
    root = job(client, url)
    assert root.get("version") == "1.1"
    assert text(root, "uws:jobId") == url.rsplit("/", 1)[1]
    assert text(root, "uws:runId") == "mine"
    assert text(root, "uws:phase") == "PENDING"
    owner = root.find("uws:ownerId", UWS_NS)
    assert (
        owner is not None and owner.get("{http://www.w3.org/2001/XMLSchema-instance}nil") == "true"
    )
    created = text(root, "uws:creationTime")
    assert created and created.endswith("Z")
    parameters = {
        p.get("id"): p.text for p in root.iterfind("uws:parameters/uws:parameter", UWS_NS)
    }
    assert parameters == {"LANG": "ADQL", "QUERY": QUERY, "RUNID": "mine", "REQUEST": "doQuery"}
    assert root.find("uws:results", UWS_NS) is not None
    # each child resource agrees with the document (taplint E_JDPH, E_JDED, E_JDDE)
    for child, element in (
        ("phase", "uws:phase"),
        ("executionduration", "uws:executionDuration"),
        ("destruction", "uws:destruction"),
    ):
        response = client.get(f"{url}/{child}")
        assert response.headers["content-type"].startswith("text/plain")
        assert response.text == text(root, element)
    assert client.get(f"{url}/quote").text == ""
    assert client.get(f"{url}/owner").text == ""
    assert client.delete(url, follow_redirects=False).status_code == 303


def test_run_completes_and_serves_the_result(client: TestClient) -> None:
    url = create(client, QUERY=QUERY, RESPONSEFORMAT="votable/td")
    assert post(client, f"{url}/phase", PHASE="RUN").headers["location"] == url
    assert wait_for(client, url, FINISHED) == "COMPLETED"
    root = job(client, url)
    assert text(root, "uws:startTime") and text(root, "uws:endTime")
    result = root.find("uws:results/uws:result", UWS_NS)
    assert result is not None and result.get("id") == "result"
    href = result.get("{http://www.w3.org/1999/xlink}href")
    assert href == f"{url}/results/result"
    response = client.get(href)
    assert response.status_code == 200
    assert response.headers["content-type"] == result.get("mime-type")
    assert int(result.get("size")) == len(response.content)
    table = parse_single_table(io.BytesIO(response.content))
    expected = client.get(
        "/tap/sync", params={"LANG": "ADQL", "QUERY": QUERY, "RESPONSEFORMAT": "csv"}
    ).text.split()[1:]
    assert [str(v) for v in table.array["table_name"]] == expected
    listed = valid(client.get(f"{url}/results").content)
    assert listed.find("uws:result", UWS_NS).get("{http://www.w3.org/1999/xlink}href") == href
    client.delete(url)


def test_phase_run_on_creation_queues_at_once(client: TestClient) -> None:
    url = create(client, QUERY=QUERY, PHASE="RUN")
    assert phase(client, url) in {"QUEUED", "EXECUTING", "COMPLETED"}
    assert wait_for(client, url, FINISHED) == "COMPLETED"
    client.delete(url)


def test_wait_blocks_until_the_phase_changes(client: TestClient) -> None:
    url = create(client, QUERY=LONG_QUERY.format(marker="wait_probe"), EXECUTIONDURATION="60")
    post(client, f"{url}/phase", PHASE="RUN")
    assert wait_for(client, url, {"EXECUTING"}) == "EXECUTING"
    abort = threading.Timer(0.5, lambda: post(client, f"{url}/phase", PHASE="ABORT"))
    abort.start()
    start = time.monotonic()
    root = job(client, url, WAIT="20")
    waited = time.monotonic() - start
    abort.join()
    assert text(root, "uws:phase") == "ABORTED"
    assert 0.3 < waited < 10
    # not in an active phase, or PHASE= another phase: no blocking at all
    start = time.monotonic()
    assert text(job(client, url, WAIT="20"), "uws:phase") == "ABORTED"
    assert client.get(f"{url}/phase", params={"WAIT": "-1"}).text == "ABORTED"
    assert time.monotonic() - start < 2
    client.delete(url)


def test_wait_on_a_pending_job_times_out_and_honours_phase(client: TestClient) -> None:
    url = create(client, QUERY=QUERY)
    start = time.monotonic()
    assert text(job(client, url, WAIT="1"), "uws:phase") == "PENDING"
    assert 0.9 < time.monotonic() - start < 5
    start = time.monotonic()
    assert text(job(client, url, WAIT="30", PHASE="EXECUTING"), "uws:phase") == "PENDING"
    assert time.monotonic() - start < 1
    client.delete(url)


def test_a_failing_query_ends_in_error_with_both_documents(client: TestClient) -> None:
    url = create(client, QUERY="SELECT nmae FROM lcdb.target", PHASE="RUN")
    assert wait_for(client, url, FINISHED) == "ERROR"
    root = job(client, url)
    summary = root.find("uws:errorSummary", UWS_NS)
    assert summary is not None and summary.get("hasDetail") == "true"
    assert "did you mean 'name'" in text(summary, "uws:message")
    error = client.get(f"{url}/error")
    assert error.status_code == 200  # TAP 1.1 §3.3
    votable = etree.fromstring(error.content)
    info = next(i for i in votable.iter("{*}INFO") if i.get("name") == "QUERY_STATUS")
    assert info.get("value") == "ERROR" and "did you mean 'name'" in info.text
    assert client.get(f"{url}/results/result").status_code == 404
    client.delete(url)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"QUERY": QUERY, "LANG": "OOBLECK"}, "unsupported query language"),
        (
            {"QUERY": QUERY, "LANG": "ADQL", "MAXREC": "lots"},
            "MAXREC must be a non-negative integer",
        ),
        ({"LANG": "ADQL"}, "QUERY is required"),
        ({"QUERY": "SELECT 1/0 AS x FROM TAP_SCHEMA.schemas", "LANG": "ADQL"}, "division by zero"),
    ],
)
def test_parameters_are_checked_as_sync_checks_them(
    client: TestClient, params: dict[str, str], message: str
) -> None:
    response = client.post("/tap/async", data={**params, "PHASE": "RUN"}, follow_redirects=False)
    url = response.headers["location"]
    assert wait_for(client, url, FINISHED) == "ERROR"
    assert message in text(job(client, url), "uws:errorSummary/uws:message")
    client.delete(url)


def test_the_worker_pool_survives_bad_jobs(client: TestClient) -> None:
    bad = [create(client, QUERY="SELECT", PHASE="RUN") for _ in range(3)]
    good = create(client, QUERY=QUERY, PHASE="RUN")
    assert wait_for(client, good, FINISHED) == "COMPLETED"
    for url in [*bad, good]:
        assert wait_for(client, url, FINISHED) in {"ERROR", "COMPLETED"}
        client.delete(url)


def test_parameters_post_is_case_insensitive_and_pending_only(client: TestClient) -> None:
    url = create(client, QUERY="SELECT nonsense", RUNID="TAPLINT-001")
    assert post(client, f"{url}/parameters", runId="TAPLINT-002", query=QUERY).status_code == 303
    root = valid(client.get(f"{url}/parameters").content)
    parameters = {p.get("id"): p.text for p in root.iterfind("uws:parameter", UWS_NS)}
    assert parameters["RUNID"] == "TAPLINT-002" and parameters["QUERY"] == QUERY
    assert text(job(client, url), "uws:runId") == "TAPLINT-002"
    post(client, f"{url}/phase", PHASE="RUN")
    assert wait_for(client, url, FINISHED) == "COMPLETED"
    late = post(client, f"{url}/parameters", QUERY="SELECT 2")
    assert late.status_code == 403 and "only a PENDING job" in late.text
    client.delete(url)


def test_illegal_phase_changes_are_403_with_the_reason(client: TestClient) -> None:
    url = create(client, QUERY=QUERY, PHASE="RUN")
    assert wait_for(client, url, FINISHED) == "COMPLETED"
    again = post(client, f"{url}/phase", PHASE="RUN")
    assert again.status_code == 403
    assert again.headers["content-type"].startswith("text/plain")
    assert "already finished (COMPLETED)" in again.text
    assert post(client, f"{url}/phase", PHASE="ABORT").status_code == 403
    duration = post(client, f"{url}/executionduration", EXECUTIONDURATION="10")
    assert duration.status_code == 403
    client.delete(url)


def test_abort_a_pending_job(client: TestClient) -> None:
    url = create(client, QUERY=QUERY)
    assert post(client, f"{url}/phase", PHASE="ABORT").status_code == 303
    assert phase(client, url) == "ABORTED"
    assert post(client, f"{url}/phase", PHASE="ABORT").status_code == 303  # idempotent
    assert client.get(f"{url}/results/result").status_code == 404
    client.delete(url)


@pytest.mark.parametrize(
    ("resource", "data", "message"),
    [
        ("phase", {"PHASE": "SUSPEND"}, "PHASE='SUSPEND' is not an action"),
        ("phase", {}, "POST PHASE=RUN"),
        ("executionduration", {"EXECUTIONDURATION": "an hour"}, "EXECUTIONDURATION must be"),
        ("destruction", {"DESTRUCTION": "next week"}, "DESTRUCTION='next week' is not an ISO"),
        ("", {"QUERY": "SELECT 1"}, "a job accepts only ACTION=DELETE"),
    ],
)
def test_malformed_values_are_400_naming_them(
    client: TestClient, resource: str, data: dict[str, str], message: str
) -> None:
    url = create(client, QUERY=QUERY)
    target = f"{url}/{resource}" if resource else url
    assert_dali_error(post(client, target, **data), 400, message)
    assert phase(client, url) == "PENDING"
    client.delete(url)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"WAIT": "soon"}, "WAIT must be a whole number"),
        ({"WAIT": "5", "PHASE": "RUNNING"}, "PHASE='RUNNING' is not a UWS phase"),
    ],
)
def test_malformed_wait_is_400(client: TestClient, params: dict[str, str], message: str) -> None:
    url = create(client, QUERY=QUERY)
    assert_dali_error(client.get(url, params=params), 400, message)
    client.delete(url)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"EXECUTIONDURATION": "-1"}, "EXECUTIONDURATION must be a whole number"),
        ({"DESTRUCTION": "2030-02-30T00:00:00Z"}, "is not an ISO 8601 time"),
        ({"PHASE": "ABORT"}, "cannot create a job"),
    ],
)
def test_malformed_creation_is_400(client: TestClient, data: dict[str, str], message: str) -> None:
    response = client.post("/tap/async", data={"QUERY": QUERY, **data}, follow_redirects=False)
    assert_dali_error(response, 400, message)


def test_execution_duration_and_destruction_are_clamped(client: TestClient) -> None:
    url = create(client, QUERY=QUERY, EXECUTIONDURATION="0")
    limit = int(client.app.state.service.settings.async_timeout)
    assert client.get(f"{url}/executionduration").text == str(limit)  # 0 = unlimited: the max
    assert post(client, f"{url}/executionduration", EXECUTIONDURATION="7").status_code == 303
    assert client.get(f"{url}/executionduration").text == "7"
    post(client, f"{url}/executionduration", EXECUTIONDURATION=str(limit * 10))
    assert client.get(f"{url}/executionduration").text == str(limit)
    root = job(client, url)
    created = dt.datetime.fromisoformat(text(root, "uws:creationTime"))
    soon = (created + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # pyvo's format
    assert post(client, f"{url}/destruction", DESTRUCTION=soon).status_code == 303
    assert client.get(f"{url}/destruction").text == soon[:23] + "Z"
    post(client, f"{url}/destruction", DESTRUCTION="2999-01-01T00:00:00Z")
    latest = created + dt.timedelta(seconds=client.app.state.service.settings.job_lifetime)
    clamped = dt.datetime.fromisoformat(client.get(f"{url}/destruction").text)
    assert abs((clamped - latest).total_seconds()) < 1
    client.delete(url)


def test_jobs_are_destroyed_at_their_destruction_time(client: TestClient) -> None:
    url = create(client, QUERY=QUERY, PHASE="RUN")
    assert wait_for(client, url, FINISHED) == "COMPLETED"
    job_id = url.rsplit("/", 1)[1]
    directory = client.app.state.service.runner.directory / job_id
    assert (directory / "result").is_file()
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=0.5)
    post(client, f"{url}/destruction", DESTRUCTION=soon.isoformat())
    deadline = time.monotonic() + 10  # the sweep runs every second in the tests
    while client.get(url).status_code != 404 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert client.get(url).status_code == 404
    assert not directory.exists()


def test_delete_and_action_delete(client: TestClient) -> None:
    for how in ("DELETE", "ACTION"):
        url = create(client, QUERY=QUERY)
        if how == "DELETE":
            response = client.delete(url, follow_redirects=False)
        else:
            response = post(client, url, ACTION="DELETE")
        assert response.status_code == 303
        assert response.headers["location"] == "http://testserver/tap/async"
        assert client.get(url).status_code == 404
        assert client.delete(url, follow_redirects=False).status_code == 404


@pytest.mark.parametrize(
    "child",
    [
        "",
        "/phase",
        "/executionduration",
        "/destruction",
        "/quote",
        "/error",
        "/parameters",
        "/results",
        "/results/result",
        "/owner",
    ],
)
def test_unknown_job_is_404_for_every_resource(client: TestClient, child: str) -> None:
    response = client.get(f"/tap/async/0123456789abcdef{child}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/plain")
    assert "no job '0123456789abcdef'" in response.text


def test_job_list_filters(client: TestClient) -> None:
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    pending = create(client, QUERY=QUERY, RUNID="list-a")
    done = create(client, QUERY=QUERY, PHASE="RUN", RUNID="list-b")
    assert wait_for(client, done, FINISHED) == "COMPLETED"

    def listed(**params: object) -> dict[str, str]:
        response = client.get("/tap/async", params=params)
        assert response.status_code == 200
        root = valid(response.content)
        assert root.get("version") == "1.1"
        return {
            ref.get("{http://www.w3.org/1999/xlink}href"): text(ref, "uws:phase")
            for ref in root.iterfind("uws:jobref", UWS_NS)
        }

    assert listed()[pending] == "PENDING" and listed()[done] == "COMPLETED"
    assert list(listed(LAST=2)) == [done, pending]  # newest first
    assert list(listed(LAST=1)) == [done]
    only_pending = listed(PHASE="PENDING")
    assert pending in only_pending and done not in only_pending
    both = listed(PHASE=["PENDING", "COMPLETED"], AFTER=before.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    assert set(both) == {pending, done}
    assert listed(AFTER="2999-01-01T00:00:00Z") == {}
    for params, message in (
        ({"LAST": "0"}, "LAST must be a positive whole number"),
        ({"AFTER": "yesterday"}, "AFTER='yesterday' is not an ISO 8601 time"),
        ({"PHASE": "DONE"}, "PHASE='DONE' is not a UWS phase"),
    ):
        assert_dali_error(client.get("/tap/async", params=params), 400, message)
    client.delete(pending)
    client.delete(done)


def test_control_characters_in_parameters_do_not_break_documents(client: TestClient) -> None:
    url = create(client, QUERY="SELECT \x01 FROM x")
    root = job(client, url)
    assert "\ufffd" in text(root, "uws:parameters/uws:parameter[@id='QUERY']")
    client.delete(url)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"QUERY": "SELECT \x00 FROM x"}, "QUERY contains a NUL character"),
        ({"QUERY": QUERY, "RUNID": "a\x00b"}, "RUNID contains a NUL character"),
        ({"QUERY": QUERY, "DESTRUCTION": "0001-01-01T00:00:00+05:00"}, "out of the range"),
    ],
)
def test_values_the_database_cannot_hold_are_400(
    client: TestClient, data: dict[str, str], message: str
) -> None:
    response = client.post("/tap/async", data={"LANG": "ADQL", **data}, follow_redirects=False)
    assert_dali_error(response, 400, message)
    if "NUL" in message:  # also when set later
        url = create(client, QUERY=QUERY)
        assert_dali_error(post(client, f"{url}/parameters", **data), 400, message)
        client.delete(url)


def test_capabilities_declare_the_job_execution_duration(client: TestClient) -> None:
    root = etree.fromstring(client.get("/tap/capabilities").content)
    duration = next(root.iter("executionDuration"))
    limit = client.app.state.service.settings.async_timeout
    assert float(duration.findtext("default")) == float(duration.findtext("hard")) == limit
    url = create(client, QUERY=QUERY)
    assert client.get(f"{url}/executionduration").text == f"{limit:g}"
    client.delete(url)
