"""Whatever a client sends to /tap/sync, the answer is a result or a 4xx DALI error, never a 500."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from starlette.testclient import TestClient

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
