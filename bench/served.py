"""What the HTTP benchmarks share: a throw-away populated archive served on a loopback port.

A context manager yields the port and the database; the service (uvicorn in a thread) stops
before the embedded database does, and async results go to a temporary directory rather
than the user's LCDB_HOME.
"""

from __future__ import annotations

import dataclasses
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from sqlalchemy import orm

from lcdb import migrate
from lcdb.db import create_engine
from lcdb.embedded import EmbeddedPostgres, temporary_server
from tap_service.app import create_app
from tap_service.settings import Settings


@dataclass(frozen=True)
class Served:
    port: int
    url: str  # the database's SQLAlchemy URL
    database: EmbeddedPostgres


def populate(url: str) -> None:
    """The tests' small complete archive graph (one target, datasets, lineage...)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.lcdb.support import build_graph

    engine = create_engine(url)
    with orm.Session(engine) as session:
        build_graph(session)
    engine.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served_archive(
    settings: Settings | None = None, fill: Callable[[str], None] | None = None
) -> Iterator[Served]:
    """A migrated, populated embedded database and the service on it, for one benchmark;
    `fill` adds the benchmark's own data (given the database URL) before serving."""
    with temporary_server("lcdb-bench-") as server, tempfile.TemporaryDirectory() as jobs:
        url = server.url()
        migrate.upgrade(url)
        populate(url)
        if fill is not None:
            fill(url)
        port = free_port()
        settings = dataclasses.replace(settings or Settings(), async_dir=Path(jobs))
        config = uvicorn.Config(
            create_app(settings, url), host="127.0.0.1", port=port, log_level="warning"
        )
        web = uvicorn.Server(config)
        serving = threading.Thread(target=web.run, daemon=True)
        serving.start()
        while not web.started:
            time.sleep(0.05)
        try:
            yield Served(port, url, server)
        finally:
            web.should_exit = True
            serving.join(timeout=60)  # the service shuts down before its database does
