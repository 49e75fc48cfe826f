"""Helpers for the UWS tests: create jobs, wait for phases, validate documents against UWS.xsd."""

from __future__ import annotations

import time
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree
from starlette.testclient import TestClient

UWS_NS = {"uws": "http://www.ivoa.net/xml/UWS/v1.0", "xlink": "http://www.w3.org/1999/xlink"}
SCHEMA = Path(__file__).parent / "schema" / "UWS-v1.1.xsd"
#: A query that runs for minutes (a 5-way cross join of TAP_SCHEMA.columns, ~2.6e10 rows)
#: unless it is cancelled; `marker` names its result column so pg_stat_activity shows it.
LONG_QUERY = (
    "SELECT COUNT(*) AS {marker} FROM TAP_SCHEMA.columns AS a, TAP_SCHEMA.columns AS b, "
    "TAP_SCHEMA.columns AS c, TAP_SCHEMA.columns AS d, TAP_SCHEMA.columns AS e"
)


@cache
def uws_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def valid(body: bytes) -> etree._Element:
    """The parsed document; fails the test with the schema's complaint if it is not valid."""
    root = etree.fromstring(body)
    schema = uws_schema()
    assert schema.validate(root), schema.error_log
    return root


def create(client: TestClient, **params: str) -> str:
    """POST /async; returns the job URL from the 303 (which must be absolute)."""
    data = {"LANG": "ADQL", **params}
    response = client.post("/tap/async", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith("http://testserver/tap/async/"), location
    return location


def job(client: TestClient, url: str, **params: str) -> etree._Element:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    return valid(response.content)


def text(root: etree._Element, path: str) -> str | None:
    return root.findtext(path, namespaces=UWS_NS)


def phase(client: TestClient, url: str) -> str:
    response = client.get(f"{url}/phase")
    assert response.status_code == 200, response.text
    return response.text


def wait_for(client: TestClient, url: str, phases: set[str], timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while True:
        current = phase(client, url)
        if current in phases or time.monotonic() > deadline:
            return current
        time.sleep(0.05)


def post(client: TestClient, url: str, **data: Any) -> Any:
    return client.post(url, data=data, follow_redirects=False)
