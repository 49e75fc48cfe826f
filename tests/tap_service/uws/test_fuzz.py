"""Whatever a client sends to the UWS resources, the answer is never a 500."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

text = st.text(alphabet=string.printable + "éλ€\u0000\ud7ff", max_size=30)
maybe = st.one_of(st.none(), text)
times = st.one_of(
    text, st.sampled_from(["2030-01-01T00:00:00Z", "2030-01-01", "1999-12-31T23:59:59.999+05:00"])
)
numbers = st.one_of(text, st.integers(min_value=-5, max_value=10**12).map(str))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    query=text,
    runid=maybe,
    phase=st.one_of(st.none(), st.sampled_from(["RUN", "run", "ABORT", "HELD"]), text),
    duration=st.one_of(st.none(), numbers),
    destruction=st.one_of(st.none(), times),
    wait=st.one_of(st.none(), numbers),
    last=st.one_of(st.none(), numbers),
    after=st.one_of(st.none(), times),
)
def test_no_request_makes_the_job_service_fail(
    client: TestClient,
    query: str,
    runid: str | None,
    phase: str | None,
    duration: str | None,
    destruction: str | None,
    wait: str | None,
    last: str | None,
    after: str | None,
) -> None:
    params = {"LANG": "ADQL", "QUERY": query}
    for name, value in (
        ("RUNID", runid),
        ("PHASE", phase),
        ("EXECUTIONDURATION", duration),
        ("DESTRUCTION", destruction),
    ):
        if value is not None:
            params[name] = value
    created = client.post("/tap/async", data=params, follow_redirects=False)
    assert created.status_code in (303, 400), (created.status_code, params, created.text)
    listing = {k: v for k, v in (("LAST", last), ("AFTER", after)) if v is not None}
    listed = client.get("/tap/async", params=listing)
    assert listed.status_code in (200, 400), (listed.status_code, listing, listed.text)
    if created.status_code != 303:
        return
    url = created.headers["location"]
    # A destruction time in the past lets the sweep destroy the job at any moment: 404.
    gone = {404} if destruction is not None else set()
    # (PHASE=EXECUTING: a PENDING job is not blocked on, which would take up to 30 s)
    waiting = {"WAIT": wait, "PHASE": "EXECUTING"} if wait is not None else {}
    waited = client.get(url, params=waiting)
    assert waited.status_code in {200, 400} | gone, (waited.status_code, wait, waited.text)
    for resource, name, value in (
        ("parameters", "RUNID", runid or "x"),
        ("executionduration", "EXECUTIONDURATION", duration or "1"),
        ("destruction", "DESTRUCTION", destruction or "2030-01-01T00:00:00Z"),
        ("phase", "PHASE", phase or "ABORT"),
    ):
        response = client.post(f"{url}/{resource}", data={name: value}, follow_redirects=False)
        assert response.status_code in {303, 400, 403} | gone, (resource, value, response.text)
    for child in ("", "/phase", "/parameters", "/results", "/error", "/quote", "/owner"):
        assert client.get(f"{url}{child}").status_code in (200, 404)
    assert client.delete(url, follow_redirects=False).status_code in (303, 404)
