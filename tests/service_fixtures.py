"""Service fixtures (a plugin of tests/conftest.py): a populated archive served by the real app,
in-process (TestClient) and over a real socket (uvicorn), for tap_service and interop tests.
"""

from __future__ import annotations

import contextlib
import gc
import shutil
import socket
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import uvicorn
from sqlalchemy import orm
from starlette.testclient import TestClient

from lcdb.db import create_engine
from obscore.cli import refresh_url
from tap_service.app import create_app
from tap_service.settings import Settings
from tests.conftest import PgServer
from tests.lcdb.support import Graph, build_graph

#: Result files of the test services' async jobs (never the user's LCDB_HOME); removed at exit.
JOBS_DIR = Path(tempfile.mkdtemp(prefix="lcdb-test-jobs-"))
SERVICE_SETTINGS = Settings(
    maxrec_default=1000,
    maxrec_limit=100_000,
    sync_timeout=10,
    async_dir=JOBS_DIR,
    async_timeout=120,
    sweep_interval=1.0,
)


@pytest.fixture(scope="session", autouse=True)
def _remove_job_files() -> Iterator[None]:
    yield
    shutil.rmtree(JOBS_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
def archive(pg_server: PgServer, migrated_template: str) -> Iterator[tuple[str, Graph]]:
    """A database at the latest schema holding one small but complete archive graph."""
    url = pg_server.create_database(template=migrated_template)
    engine = create_engine(url)
    with orm.Session(engine) as session:
        graph = build_graph(session)
    engine.dispose()
    refresh_url(url)  # ivoa.obscore gets the graph's lightcurves, as ingest would do
    yield url, graph
    pg_server.drop_database(url)


@pytest.fixture
def http_session() -> Iterator[requests.Session]:
    """A requests session for pyvo (``TAPService(url, session=...)``), closed after the test.

    pyvo POSTs queries with ``stream=True`` (pyvo/dal/tap.py) and does not close the response,
    so its socket can be left to the garbage collector, and the ResourceWarning (an error in
    this suite) would land on whichever later test the collector happens to run in (seen in
    CI: after pyvo's search with uploads). Collected here, after the test, with only that
    warning silenced.
    """
    with requests.Session() as session:
        yield session
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "unclosed <socket", ResourceWarning)
        gc.collect()


@pytest.fixture(scope="session")
def client(archive: tuple[str, Graph]) -> Iterator[TestClient]:
    app = create_app(SERVICE_SETTINGS, archive[0])
    with TestClient(app, base_url="http://testserver") as client:
        yield client


@pytest.fixture(scope="session")
def live_url(archive: tuple[str, Graph]) -> Iterator[str]:
    """Base URL (…/tap) of the app served by uvicorn on a free loopback port."""
    with served(archive[0]) as url:
        yield url


@contextlib.contextmanager
def served(database_url: str, settings: Settings = SERVICE_SETTINGS) -> Iterator[str]:
    """The app over `database_url`, served by uvicorn on a free loopback port: its …/tap URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings, database_url), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/tap"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
