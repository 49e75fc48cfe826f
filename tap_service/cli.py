"""The `lcdb-tap` command: one entry point for every sub-command of every package."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from lcdb import cli as db_cli
from lcdb import migrate
from lcdb.db import database_url
from lcdb.errors import LcdbError, MigrationError
from lcdb.ingest.cli import add_ingest_commands
from lcdb.settings import ENV_DATABASE_URL, ENV_HOME, DatabaseSettings
from tap_service.settings import (
    ENV_ASYNC_DIR,
    ENV_ASYNC_TIMEOUT,
    ENV_ASYNC_WORKERS,
    ENV_BASE_URL,
    ENV_JOB_LIFETIME,
    ENV_MAXREC_DEFAULT,
    ENV_MAXREC_LIMIT,
    ENV_SYNC_TIMEOUT,
    Settings,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lcdb-tap",
        description="A Virtual Observatory TAP service for lightcurve archives (LightcurveDB).",
        epilog=f"Environment: {ENV_DATABASE_URL} selects a PostgreSQL >= 15 server "
        f"(default: an embedded server); {ENV_HOME} is where the embedded server keeps its data.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help=f"PostgreSQL URL, e.g. postgresql://user@host/db (overrides {ENV_DATABASE_URL})",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    db_cli.add_db_commands(commands)
    add_ingest_commands(commands)
    add_serve_command(commands)
    return parser


def add_serve_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the TAP service",
        description="Serve TAP on http://HOST:PORT/tap. Without a database URL the embedded "
        "PostgreSQL is started (and its schema upgraded) for as long as the service runs.",
    )
    serve.add_argument(
        "--database-url",
        metavar="URL",
        default=argparse.SUPPRESS,  # keep a URL given before the command
        help=f"PostgreSQL URL (overrides {ENV_DATABASE_URL}; default: the embedded server)",
    )
    add_serving_options(serve)
    serve.set_defaults(handler=run_serve)


def add_serving_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument(
        "--base-url", help=f"public URL of the service, e.g. https://x.org/tap ({ENV_BASE_URL})"
    )
    parser.add_argument(
        "--maxrec-default", type=int, help=f"rows when MAXREC is absent ({ENV_MAXREC_DEFAULT})"
    )
    parser.add_argument(
        "--maxrec-limit", type=int, help=f"the most rows a query may return ({ENV_MAXREC_LIMIT})"
    )
    parser.add_argument(
        "--sync-timeout", type=float, help=f"seconds a sync query may run ({ENV_SYNC_TIMEOUT})"
    )
    parser.add_argument(
        "--async-workers", type=int, help=f"async jobs run at once ({ENV_ASYNC_WORKERS})"
    )
    parser.add_argument(
        "--async-dir", type=Path, help=f"directory of async job results ({ENV_ASYNC_DIR})"
    )
    parser.add_argument(
        "--async-timeout", type=float, help=f"seconds an async job may run ({ENV_ASYNC_TIMEOUT})"
    )
    parser.add_argument(
        "--job-lifetime", type=float, help=f"seconds until a job is destroyed ({ENV_JOB_LIFETIME})"
    )


def service_settings(args: argparse.Namespace, database: DatabaseSettings) -> Settings:
    settings = Settings.from_env(
        base_url=args.base_url,
        maxrec_default=args.maxrec_default,
        maxrec_limit=args.maxrec_limit,
        sync_timeout=args.sync_timeout,
        async_workers=args.async_workers,
        async_dir=args.async_dir,
        async_timeout=args.async_timeout,
        job_lifetime=args.job_lifetime,
    )
    return dataclasses.replace(settings, database=database)


def run_serve(args: argparse.Namespace, database: DatabaseSettings) -> int:
    import uvicorn

    from tap_service.app import create_app

    settings = service_settings(args, database)
    with database_url(database) as url:
        if database.embedded:
            migrate.upgrade(url)
        elif migrate.current(url) != migrate.head():
            raise MigrationError(
                f"the database is at schema revision {migrate.current(url) or 'none'}, "
                f"the service needs {migrate.head()}: run `lcdb-tap db upgrade` first"
            )
        shown = settings.base_url or f"http://{args.host}:{args.port}/tap"
        print(f"lcdb-tap: serving TAP on {shown}", flush=True)
        uvicorn.run(
            create_app(settings, url),
            host=args.host,
            port=args.port,
            server_header=False,
            proxy_headers=True,
            log_level="info",
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = DatabaseSettings.from_env(url=args.database_url)
    try:
        return int(args.handler(args, settings))
    except LcdbError as exc:
        print(f"lcdb-tap: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _version() -> str:
    try:
        return version("lcdb-tap")
    except PackageNotFoundError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
