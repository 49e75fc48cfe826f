"""Whatever a client sends to /tap/async, the answer is a conformant UWS answer or error.

Jobs are created with hostile queries, uploads and parts (form or multipart), driven with
fuzzed phase and parameter posts, and their resources are asked for with bad ids; no answer
is a 5xx, a 400 is a DALI error document, a 403/404 UWS's text/plain. Jobs that run end in
COMPLETED or ERROR, and an ERROR is the user's mistake explained, never an internal error.
"""

from __future__ import annotations

import string
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from tap_service.uws.routes import RESOURCES
from tests.tap_service import hostile
from tests.tap_service.uws.support import valid, wait_for

text = hostile.text
ids = st.one_of(
    text.filter(lambda t: t not in ("", ".", "..")).map(lambda t: quote(t, safe="")),
    st.sampled_from(["0", "-1", "9" * 40, "%00", "%ff%fe", "a" * 500, "..%2F..%2Fetc"]),
)
#: Every resource of a job, as the service routes them, and one it does not have.
children = st.sampled_from(
    [r.path.removeprefix("/{job_id}") for r in RESOURCES if r.path.startswith("/{job_id}")]
    + ["/nonsense"]
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    query=hostile.queries,
    upload=hostile.uploads,
    part=hostile.parts,
    run=st.booleans(),
    extra=st.dictionaries(
        st.one_of(
            st.sampled_from(["MAXREC", "RESPONSEFORMAT", "RUNID", "EXECUTIONDURATION", "JUNK"]),
            text.filter(lambda t: t.strip() and "\x00" not in t),
        ),
        text,
        max_size=2,
    ),
    actions=st.lists(
        st.tuples(
            st.sampled_from(["phase", "parameters", "executionduration", "destruction", ""]),
            st.sampled_from(["PHASE", "RUNID", "EXECUTIONDURATION", "DESTRUCTION", "QUERY"]),
            st.one_of(st.sampled_from(["RUN", "ABORT", "2030-01-01T00:00:00Z", "0"]), text),
        ),
        max_size=3,
    ),
)
def test_jobs_with_hostile_parameters_never_fail_the_service(
    client: TestClient,
    query: str,
    upload: str | None,
    part: bytes | None,
    run: bool,
    extra: dict[str, str],
    actions: list[tuple[str, str, str]],
) -> None:
    params = {"LANG": "ADQL", "QUERY": query, **extra}
    if upload is not None:
        params["UPLOAD"] = upload
    if run:
        params["PHASE"] = "RUN"
    files = {"t": ("t.xml", part, "text/xml")} if part is not None else None
    created = client.post("/tap/async", data=params, files=files, follow_redirects=False)
    hostile.assert_conformant(created, uws=True)
    if created.status_code != 303:
        return
    url = created.headers["location"]
    try:
        for resource, name, value in actions:
            target = f"{url}/{resource}" if resource else url
            answer = client.post(target, data={name: value}, follow_redirects=False)
            hostile.assert_conformant(answer, uws=True)
        current = wait_for(client, url, {"COMPLETED", "ERROR", "PENDING", "ABORTED"}, timeout=20)
        document = client.get(url)
        hostile.assert_conformant(document, uws=True)
        if document.status_code == 200:
            valid(document.content)
        if current == "ERROR":
            error = client.get(f"{url}/error")
            hostile.assert_conformant(error, uws=True)
            assert "this is a bug" not in error.text, error.text[:500]
    finally:
        client.delete(url, follow_redirects=False)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    job_id=ids,
    child=children,
    method=st.sampled_from(["GET", "POST", "DELETE"]),
    data=st.dictionaries(
        st.sampled_from(["PHASE", "WAIT", "ACTION", "RUNID", "DESTRUCTION", "LAST", "AFTER"]),
        text,
        max_size=2,
    ),
)
def test_job_resources_with_bad_ids_and_values_are_uws_errors(
    client: TestClient, job_id: str, child: str, method: str, data: dict[str, str]
) -> None:
    url = f"/tap/async/{job_id}{child}"
    if method == "GET":
        response = client.get(url, params=data)
    elif method == "POST":
        response = client.post(url, data=data, follow_redirects=False)
    else:
        response = client.delete(url, follow_redirects=False)
    assert response.status_code < 500, (url, method, data, response.text[:300])
    if response.status_code >= 400 and response.status_code != 405:
        hostile.assert_conformant(response, uws=True)


def test_the_surface_includes_errors_of_every_kind(client: TestClient) -> None:
    """Guard against a vacuous fuzz: each kind of answer the properties accept occurs."""
    created = client.post(
        "/tap/async",
        data={"LANG": "ADQL", "QUERY": hostile.SEEDS[0], "PHASE": "RUN"},
        follow_redirects=False,
    )
    assert created.status_code == 303
    url = created.headers["location"]
    assert wait_for(client, url, {"COMPLETED"}) == "COMPLETED"
    refused = client.post(f"{url}/phase", data={"PHASE": "RUN"}, follow_redirects=False)
    assert refused.status_code == 403
    hostile.assert_conformant(refused, uws=True)
    bad = client.post(f"{url}/phase", data={"PHASE": "HELD"}, follow_redirects=False)
    assert bad.status_code == 400
    hostile.assert_conformant(bad, uws=True)
    client.delete(url, follow_redirects=False)
    missing = client.get("/tap/async/" + "nojob" + string.digits)
    assert missing.status_code == 404
    hostile.assert_conformant(missing, uws=True)


def test_parameter_names_with_control_characters_keep_the_job_document_valid(
    client: TestClient,
) -> None:
    """Found by bench/fuzz.py: a form field named with a control character made the job
    document (its parameter ids) unwritable, a 500."""
    body = b"LANG=ADQL&QUERY=SELECT+1&J%07UNK%1Bx=1"
    headers = {"content-type": "application/x-www-form-urlencoded"}
    created = client.post("/tap/async", content=body, headers=headers, follow_redirects=False)
    assert created.status_code == 303
    url = created.headers["location"]
    for child in ("", "/parameters"):
        response = client.get(f"{url}{child}")
        assert response.status_code == 200, response.text[:300]
        valid(response.content)
    client.delete(url, follow_redirects=False)
