"""Hypothesis strategies for what a careless or hostile client sends, and the error checks.

Shared by the sync and async fuzz tests: queries that nest far too deep, chains of thousands
of operators, select lists wider than PostgreSQL takes, junk UPLOAD values and parts, odd
bodies and content types. `assert_conformant` is the contract: a 4xx is an error document
of the right kind (DALI VOTable for 400 and for sync/DataLink; UWS's text/plain 403/404),
never a 5xx.
"""

from __future__ import annotations

import string

import httpx
from hypothesis import strategies as st
from lxml import etree

SEEDS = [
    "SELECT TOP 3 name FROM lcdb.target",
    'SELECT d.id, d."values" FROM lcdb.dataset AS d WHERE d.id > 0 ORDER BY d.id',
    "SELECT COUNT(*) AS n FROM TAP_SCHEMA.columns GROUP BY table_name",
    "SELECT TOP 2 * FROM TAP_UPLOAD.t",
]
text = st.text(alphabet=string.printable + "éλ€\u0000\ud7ff", max_size=40)


@st.composite
def bomb(draw: st.DrawFn) -> str:
    """A query nesting (or chaining) 1 to 3,000 times: within the limits or far beyond."""
    n = draw(st.sampled_from([1, 16, 17, 39, 40, 41, 99, 100, 101, 500, 3000]))
    kind = draw(
        st.sampled_from(
            ["parens", "nots", "plus", "or", "and", "union", "functions", "subqueries", "joins"]
        )
    )
    where = "SELECT TOP 1 name FROM lcdb.target WHERE "
    return {
        "parens": lambda: where + "(" * n + "ra > 0" + ")" * n,
        "nots": lambda: where + "NOT " * n + "ra > 0",
        "plus": lambda: "SELECT TOP 1 " + "+".join(["ra"] * n) + " FROM lcdb.target",
        "or": lambda: where + " OR ".join(f"name={i}" for i in range(n)),
        "and": lambda: where + " AND ".join(f"name<>{i}" for i in range(n)),
        "union": lambda: " UNION ".join(["SELECT name FROM lcdb.target"] * n),
        "functions": lambda: "SELECT TOP 1 " + "ABS(" * n + "ra" + ")" * n + " FROM lcdb.target",
        "subqueries": lambda: (
            where + "name IN (SELECT name FROM lcdb.target WHERE " * n + "ra > 0" + ")" * n
        ),
        "joins": lambda: (
            "SELECT TOP 1 a.name FROM lcdb.target AS a "
            + " ".join(f"JOIN lcdb.target AS b{i} ON b{i}.id = a.id" for i in range(min(n, 120)))
        ),
    }[kind]()


@st.composite
def wide(draw: st.DrawFn) -> str:
    n = draw(st.sampled_from([1663, 1664, 1665, 4000]))
    if draw(st.booleans()):
        return "SELECT TOP 1 " + ", ".join(["ra"] * n) + " FROM lcdb.target"
    tables = n // 20
    return "SELECT TOP 1 * FROM " + ", ".join(f"TAP_SCHEMA.columns AS c{i}" for i in range(tables))


@st.composite
def mutated(draw: st.DrawFn) -> str:
    base = draw(st.sampled_from(SEEDS))
    cut = draw(st.integers(0, len(base)))
    return base[:cut] + draw(text) + base[cut:] + draw(st.sampled_from(["", ";", ";;", "; --x"]))


queries = st.one_of(mutated(), bomb(), wide(), text)
uploads = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "t,param:t",
            "t,param:missing",
            "bad name,param:t",
            "t,http://127.0.0.1:1/x.xml",
            "t,ftp://example.org/x",
            "t",
            ",",
            "t,param:t;u,param:t",
            "1t,param:t",
        ]
    ),
    text,
)
parts = st.one_of(
    st.none(),
    st.sampled_from(
        [
            b"<VOTABLE/>",
            b"not xml \xff\xfe",
            b'<?xml version="1.0"?><VOTABLE version="1.4"><RESOURCE><TABLE><FIELD name="x" '
            b'datatype="int"/><DATA><TABLEDATA><TR><TD>1</TD></TR></TABLEDATA></DATA></TABLE>'
            b"</RESOURCE></VOTABLE>",
            b"\x00" * 100,
        ]
    ),
    st.binary(max_size=200),
)


def assert_conformant(response: httpx.Response, *, uws: bool = False) -> None:
    """No 5xx; a 400 (and any sync/DataLink 4xx) is a DALI error VOTable with a message; a
    UWS 403/404 is text/plain (UWS 1.1 §2.2)."""
    status = response.status_code
    assert status < 500, (status, response.text[:500])
    if status < 400:
        return
    content_type = response.headers.get("content-type", "")
    if uws and status in (403, 404):
        assert content_type.startswith("text/plain"), (status, content_type)
        assert response.text.strip()
        return
    assert content_type.startswith("application/x-votable+xml"), (status, response.text[:300])
    root = etree.fromstring(response.content)
    infos = [i for i in root.iter("{*}INFO") if i.get("name") == "QUERY_STATUS"]
    assert [i.get("value") for i in infos] == ["ERROR"]
    assert (infos[0].text or "").strip()
