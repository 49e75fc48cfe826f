"""Whatever a client sends to /tap/sync, the answer is a result or a 4xx DALI error, never a 500."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from starlette.testclient import TestClient

from tests.tap_service import hostile

QUERIES = [
    "SELECT TOP 3 name FROM lcdb.target",
    'SELECT d.id, d."values" FROM lcdb.dataset AS d WHERE d.id > 0 ORDER BY d.id',
    "SELECT COUNT(*) AS n FROM TAP_SCHEMA.columns GROUP BY table_name",
]
FORMATS = ["votable", "votable/td", "csv", "tsv", "text/xml", "application/x-votable+xml"]
text = st.text(alphabet=string.printable + "éλ€\u0000", max_size=40)


def mutate(query: str, cut: int, insert: str) -> str:
    position = cut % (len(query) + 1)
    return query[:position] + insert + query[position:]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    base=st.sampled_from(QUERIES),
    cut=st.integers(min_value=0, max_value=200),
    insert=text,
    lang=st.sampled_from(["ADQL", "ADQL-2.1", "adql", "SQL", "", "ADQL-9"]),
    maxrec=st.one_of(st.none(), st.integers(min_value=-3, max_value=5).map(str), text),
    fmt=st.one_of(st.none(), st.sampled_from(FORMATS), text),
    post=st.booleans(),
)
def test_no_request_makes_the_service_fail(
    client: TestClient,
    base: str,
    cut: int,
    insert: str,
    lang: str,
    maxrec: str | None,
    fmt: str | None,
    post: bool,
) -> None:
    params = {"LANG": lang, "QUERY": mutate(base, cut, insert)}
    if maxrec is not None:
        params["MAXREC"] = maxrec
    if fmt is not None:
        params["RESPONSEFORMAT"] = fmt
    response = (
        client.post("/tap/sync", data=params) if post else client.get("/tap/sync", params=params)
    )
    assert response.status_code in (200, 400), (response.status_code, params, response.text[:500])
    if response.status_code == 400:
        root = etree.fromstring(response.content)
        status = [i for i in root.iter("{*}INFO") if i.get("name") == "QUERY_STATUS"]
        assert [i.get("value") for i in status] == ["ERROR"]
        assert (status[0].text or "").strip()


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    query=hostile.queries,
    upload=hostile.uploads,
    part=hostile.parts,
    maxrec=st.one_of(st.none(), text),
    how=st.sampled_from(["get", "form", "multipart"]),
)
def test_hostile_queries_uploads_and_bodies_get_dali_errors(
    client: TestClient,
    query: str,
    upload: str | None,
    part: bytes | None,
    maxrec: str | None,
    how: str,
) -> None:
    """Nesting bombs, wide selects, junk UPLOADs and parts: a result or a DALI error."""
    params = {"LANG": "ADQL", "QUERY": query, "RESPONSEFORMAT": "csv"}
    if upload is not None:
        params["UPLOAD"] = upload
    if maxrec is not None:
        params["MAXREC"] = maxrec
    if how == "get" and len(query) < 8000:  # (longer URLs the client refuses to send)
        response = client.get("/tap/sync", params=params)
    elif how == "form" or part is None:
        response = client.post("/tap/sync", data=params)
    else:
        files = {"t": ("t.xml", part, "application/x-votable+xml")}
        response = client.post("/tap/sync", data=params, files=files)
    hostile.assert_conformant(response)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.one_of(st.binary(max_size=300), text.map(str.encode)),
    content_type=st.one_of(
        st.sampled_from(
            [
                "application/x-www-form-urlencoded",
                "application/x-www-form-urlencoded; charset=latin-1",
                "multipart/form-data",
                "multipart/form-data; boundary=x",
                "multipart/form-data; boundary=",
                "multipart/form-data; boundary=x; charset=nonsense",
                "text/plain",
                "application/json",
            ]
        ),
        text,
    ),
    path=st.sampled_from(["/tap/sync", "/tap/async", "/tap/datalink"]),
)
def test_any_body_and_content_type_gets_an_error_document(
    client: TestClient, body: bytes, content_type: str, path: str
) -> None:
    prefix = b"--x\r\nContent-Disposition: form-data; name=LANG\r\n\r\nADQL\r\n--x\r\n"
    if "boundary=x" in content_type and body[:1] != b"-":
        body = prefix + body
    headers = {"content-type": content_type.replace("\n", " ").replace("\r", " ")}
    try:
        response = client.post(path, content=body, headers=headers, follow_redirects=False)
    except UnicodeEncodeError:  # a header the client itself cannot send
        return
    hostile.assert_conformant(response, uws=path == "/tap/async")
    if path == "/tap/async" and response.status_code == 303:
        client.delete(response.headers["location"], follow_redirects=False)
