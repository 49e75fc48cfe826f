"""`lcdb-tap db ...`: migrations and the embedded server, from the command line.

The root parser lives in `tap_service.cli` (the top of the dependency graph); this module only
adds the `db` commands so that `lcdb` stays usable without the HTTP service.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from lcdb import migrate
from lcdb.db import create_engine, database_url, normalise_url
from lcdb.embedded import EmbeddedPostgres
from lcdb.errors import DatabaseConfigError
from lcdb.settings import ENV_DATABASE_URL, DatabaseSettings

Handler = Callable[[argparse.Namespace, DatabaseSettings], int]


def add_db_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = subparsers.add_parser(
        "db",
        help="database schema and the embedded PostgreSQL",
        description="Manage the database: schema migrations, and the embedded server used when "
        f"{ENV_DATABASE_URL} is not set.",
    )
    commands = db.add_subparsers(dest="db_command", metavar="COMMAND", required=True)

    upgrade = commands.add_parser("upgrade", help="migrate the schema up (default: to the latest)")
    upgrade.add_argument(
        "revision", nargs="?", default="head", help="target revision (default: head)"
    )
    upgrade.set_defaults(handler=_upgrade)

    downgrade = commands.add_parser("downgrade", help="migrate the schema down")
    downgrade.add_argument(
        "revision", help="target revision: a revision id, -1 for one step, or base"
    )
    downgrade.set_defaults(handler=_downgrade)

    commands.add_parser("current", help="show the schema revision").set_defaults(handler=_current)
    commands.add_parser(
        "start", help="start the embedded server and leave it running"
    ).set_defaults(handler=_start)
    commands.add_parser("stop", help="stop the embedded server").set_defaults(handler=_stop)
    commands.add_parser("status", help="is the database up? (exit 0 if so, 3 if not)").set_defaults(
        handler=_status
    )
    commands.add_parser(
        "url", help="print the database URL (for psql and other clients)"
    ).set_defaults(handler=_url)


def _upgrade(args: argparse.Namespace, settings: DatabaseSettings) -> int:
    with database_url(settings) as url:
        migrate.upgrade(url, args.revision)
        _say(f"database schema at revision {migrate.current(url)} (latest: {migrate.head()})")
    return 0


def _downgrade(args: argparse.Namespace, settings: DatabaseSettings) -> int:
    with database_url(settings) as url:
        migrate.downgrade(url, args.revision)
        _say(f"database schema at revision {migrate.current(url) or 'base (empty)'}")
    return 0


def _current(args: argparse.Namespace, settings: DatabaseSettings) -> int:
    with database_url(settings) as url:
        revision = migrate.current(url)
    latest = migrate.head()
    if revision is None:
        _say(f"no schema yet (run `lcdb-tap db upgrade`; latest revision is {latest})")
    else:
        _say(f"{revision} ({'latest' if revision == latest else f'latest is {latest}'})")
    return 0


def _start(args: argparse.Namespace, settings: DatabaseSettings) -> int:
    server = _embedded(settings, "start")
    started = server.start()
    state = server.status()
    _say(
        f"embedded PostgreSQL {'started' if started else 'already running'} (pid {state.pid}); "
        f"data in {server.pgdata}\nconnect with: psql '{server.libpq_url()}'"
    )
    return 0


def _stop(args: argparse.Namespace, settings: DatabaseSettings) -> int:
    server = _embedded(settings, "stop")
    _say("embedded PostgreSQL stopped" if server.stop() else "embedded PostgreSQL was not running")
    return 0


def _status(args: argparse.Namespace, settings: DatabaseSettings) -> int:
    if settings.url is not None:
        engine = create_engine(settings.url)  # raises DatabaseUnavailable with the reason
        with engine.connect() as conn:
            version = conn.exec_driver_sql("SHOW server_version").scalar()
        engine.dispose()
        _say(f"reachable: {_shown(settings.url)} (PostgreSQL {version})")
        return 0
    server = EmbeddedPostgres(settings.home)
    state = server.status()
    if state.running:
        _say(f"embedded PostgreSQL running (pid {state.pid}); data in {server.pgdata}")
        return 0
    what = "stopped" if state.initialised else "not created yet"
    if state.crashed:
        what = "crashed (its postmaster is gone; a start recovers the data)"
    _say(
        f"embedded PostgreSQL {what}; data directory {server.pgdata} (start it: lcdb-tap db start)"
    )
    return 3


def _url(args: argparse.Namespace, settings: DatabaseSettings) -> int:
    if settings.url is not None:
        _say(_shown(settings.url))
        return 0
    server = EmbeddedPostgres(settings.home)
    if not server.status().running:
        print(
            "lcdb-tap: note: the embedded server is not running (lcdb-tap db start)",
            file=sys.stderr,
        )
    _say(server.libpq_url())
    return 0


def _embedded(settings: DatabaseSettings, verb: str) -> EmbeddedPostgres:
    if settings.url is not None:
        raise DatabaseConfigError(
            f"`db {verb}` manages the embedded server, but {ENV_DATABASE_URL} (or --database-url) "
            f"points at {_shown(settings.url)}; unset it to use the embedded server"
        )
    return EmbeddedPostgres(settings.home)


def _shown(url: str) -> str:
    return normalise_url(url).set(drivername="postgresql").render_as_string(hide_password=True)


def _say(message: str) -> None:
    print(message, flush=True)
