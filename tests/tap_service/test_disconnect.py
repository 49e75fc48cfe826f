"""A client that goes away mid-stream stops its query in the database, at once.

Otherwise an abandoned extraction keeps a connection, a transaction and a query slot until
its generator is collected (or its query's time limit), and a few impatient clients take the
service down. Checked where it matters: in PostgreSQL's pg_stat_activity.
"""

from __future__ import annotations

import dataclasses
import socket
import time
import urllib.parse

import psycopg
from sqlalchemy.engine import make_url

from tests.lcdb.support import Graph
from tests.service_fixtures import SERVICE_SETTINGS, served

ROWS = 2_000_000
LARGE = (
    f"SELECT TOP {ROWS} a.column_name, a.description, b.description AS other "
    "FROM TAP_SCHEMA.columns AS a, TAP_SCHEMA.columns AS b, TAP_SCHEMA.columns AS c"
)


def busy_backends(admin: psycopg.Connection[tuple[object, ...]], database: str) -> int:
    row = admin.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND state <> 'idle' "
        "AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
        (database,),
    ).fetchone()
    return int(row[0]) if row else 0  # type: ignore[call-overload]


def test_a_client_leaving_mid_stream_stops_its_query(archive: tuple[str, Graph]) -> None:
    url = make_url(archive[0])
    database = url.database
    assert database is not None
    libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
    settings = dataclasses.replace(SERVICE_SETTINGS, maxrec_limit=ROWS, sync_timeout=120)
    with served(archive[0], settings) as base, psycopg.connect(libpq, autocommit=True) as admin:
        parsed = urllib.parse.urlsplit(base)
        body = urllib.parse.urlencode(
            {"LANG": "ADQL", "QUERY": LARGE, "MAXREC": ROWS, "RESPONSEFORMAT": "csv"}
        )
        client = socket.create_connection((parsed.hostname, parsed.port))
        client.sendall(
            f"POST {parsed.path}/sync HTTP/1.1\r\nHost: {parsed.netloc}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n{body}".encode()
        )
        assert client.recv(65536).startswith(b"HTTP/1.1 200")
        assert busy_backends(admin, database) == 1  # the extraction, mid-stream
        client.close()
        left = time.monotonic()
        while busy_backends(admin, database) and time.monotonic() - left < 10:
            time.sleep(0.02)
        stopped = time.monotonic() - left
        assert busy_backends(admin, database) == 0
        assert stopped < 3, f"the query ran on for {stopped:.2f} s"
