"""Shared fixtures: a real PostgreSQL for the whole run, and databases made from it.

By default the tests start their own embedded PostgreSQL (non-durable, in a temporary
directory) so they never touch the user's data. `LCDB_TEST_DATABASE_URL` points them at
another server instead; that URL's user must be allowed to create databases. If neither works
the run fails: a database test is never skipped.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from lcdb.embedded import temporary_server

ENV_TEST_DATABASE_URL = "LCDB_TEST_DATABASE_URL"

pytest_plugins = ["tests.service_fixtures"]


class PgServer:
    """A PostgreSQL server the tests may create and drop databases on."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url).set(drivername="postgresql+psycopg")
        self._names = itertools.count(1)
        self._created: list[str] = []

    def url(self, database: str) -> str:
        return self.admin_url.set(database=database).render_as_string(hide_password=False)

    def create_database(self, *, template: str | None = None) -> str:
        """A new database (a copy of `template` if given); returns its SQLAlchemy URL."""
        name = f"lcdb_test_{os.getpid()}_{next(self._names)}"
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            statement = sql.SQL("{} TEMPLATE {}").format(statement, sql.Identifier(template))
        with self._connect() as conn:
            conn.execute(statement)
        self._created.append(name)
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = make_url(url).database
        assert name is not None
        with self._connect() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        if name in self._created:
            self._created.remove(name)

    def drop_all(self) -> None:
        for name in list(self._created):
            self.drop_database(self.url(name))

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        libpq = self.admin_url.set(drivername="postgresql").render_as_string(hide_password=False)
        return psycopg.connect(libpq, autocommit=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    external = os.environ.get(ENV_TEST_DATABASE_URL)
    if external:
        server = PgServer(external)
        yield server
        server.drop_all()
        return
    with temporary_server("lcdb-test-") as embedded:
        yield PgServer(embedded.url("postgres"))


@pytest.fixture
def fresh_database_url(pg_server: PgServer) -> Iterator[str]:
    """A new, empty database, dropped after the test."""
    url = pg_server.create_database()
    yield url
    pg_server.drop_database(url)


@pytest.fixture(scope="session")
def migrated_template(pg_server: PgServer) -> str:
    """Name of a database at the latest schema revision, to copy (never to use directly)."""
    from lcdb import migrate

    url = pg_server.create_database()
    migrate.upgrade(url)
    name = make_url(url).database
    assert name is not None
    return name


@pytest.fixture
def migrated_database_url(pg_server: PgServer, migrated_template: str) -> Iterator[str]:
    """A private database at the latest schema revision (a fast copy of the template)."""
    url = pg_server.create_database(template=migrated_template)
    yield url
    pg_server.drop_database(url)


ENV_REQUIRE_STILTS = "LCDB_REQUIRE_STILTS"


@pytest.fixture(scope="session")
def stilts() -> str:
    """Path of the `stilts` command (TOPCAT's library): required in CI, optional elsewhere."""
    path = shutil.which("stilts")
    if path is None:
        message = (
            "STILTS is not installed: these interoperability tests need it "
            "(`apt-get install stilts`, which brings Java)"
        )
        if os.environ.get(ENV_REQUIRE_STILTS):
            pytest.fail(f"{message}; {ENV_REQUIRE_STILTS} is set, so they may not be skipped")
        pytest.skip(message)
    return path


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """pip with no index and nothing to find: what a machine without network sees."""
    empty = tmp_path / "no-wheels"
    empty.mkdir()
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(empty))
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
