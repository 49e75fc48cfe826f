"""Engines for the configured database, checked before use.

Every entry point (CLI, service, tests) gets its engine here, so URL normalisation, the
version check and the error messages are the same everywhere.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError

from lcdb.embedded import EmbeddedPostgres
from lcdb.errors import DatabaseConfigError, DatabaseUnavailable, UnsupportedServer
from lcdb.settings import DatabaseSettings

MINIMUM_SERVER_VERSION = (15, 0)  # UNIQUE NULLS NOT DISTINCT


def normalise_url(url: str) -> URL:
    """Accept the spellings operators use (postgres://, postgresql://) and pin psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseConfigError(
            f"not a database URL: {url!r} (expected postgresql://user@host/dbname)"
        ) from exc
    backend = parsed.get_backend_name()
    if backend not in ("postgresql", "postgres"):
        raise DatabaseConfigError(
            f"only PostgreSQL is supported, got a {backend!r} URL: {parsed.render_as_string()}"
        )
    return parsed.set(drivername="postgresql+psycopg")


def create_engine(url: str, **kwargs: object) -> Engine:
    """An engine for `url` whose server has been reached and found recent enough."""
    engine = sa.create_engine(normalise_url(url), **kwargs)
    check_server(engine)
    return engine


def check_server(engine: Engine, *, minimum: tuple[int, int] = MINIMUM_SERVER_VERSION) -> None:
    where = engine.url.set(drivername="postgresql").render_as_string(hide_password=True)
    try:
        with engine.connect() as conn:
            version = conn.dialect.server_version_info or (0,)
    except sa.exc.OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailable(f"cannot connect to {where}: {reason}") from exc
    if tuple(version[:2]) < minimum:
        shown = ".".join(str(part) for part in version)
        raise UnsupportedServer(
            f"{where} runs PostgreSQL {shown}; lcdb-tap needs PostgreSQL {minimum[0]} or newer"
        )


@contextlib.contextmanager
def database_url(settings: DatabaseSettings, *, supervise: bool = False) -> Iterator[str]:
    """The URL to use while the block runs; the embedded server is started on demand.

    An embedded server started here is stopped again at the end; one that was already running
    (`lcdb-tap db start`) is left running. With `supervise` (long-running commands: `serve`,
    `demo`) the embedded server is started again should it crash during the block, whoever
    started it: the service needs it, and one `db start` left running is meant to run.
    """
    if settings.url is not None:
        yield normalise_url(settings.url).render_as_string(hide_password=False)
        return
    server = EmbeddedPostgres(settings.home)
    with server.running(supervise=supervise):
        yield server.url()
