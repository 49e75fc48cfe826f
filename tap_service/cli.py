"""The `lcdb-tap` command: one entry point for every sub-command of every package."""

from __future__ import annotations

import argparse
import dataclasses
import signal
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from lcdb import cli as db_cli
from lcdb import migrate
from lcdb.db import database_url
from lcdb.demo.population import BASE_QLP, BASE_SPOC
from lcdb.errors import LcdbError
from lcdb.ingest.cli import DEFAULT_JOBS, add_ingest_commands
from lcdb.settings import ENV_DATABASE_URL, ENV_HOME, DatabaseSettings
from lcdb.shutdown import Terminated, terminating_unwinds
from obscore.cli import add_obscore_commands, refresh_after_ingest
from tap_service.endpoints import ROOT
from tap_service.settings import OPTIONS, Settings


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
    add_ingest_commands(commands, after=refresh_after_ingest)
    add_obscore_commands(commands)
    add_serve_command(commands)
    add_demo_command(commands)
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
    serve.set_defaults(handler=run_serve, serves=True)


def add_serving_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    for setting in OPTIONS:
        parser.add_argument(
            setting.flag,
            type=setting.parse,
            help=f"{setting.help} ({setting.env}"
            + ("" if setting.shown_default is None else f"; default {setting.shown_default}")
            + ")",
        )


def service_settings(args: argparse.Namespace, database: DatabaseSettings) -> Settings:
    """The environment's settings, overridden by the flags given."""
    flags = {setting.name: getattr(args, setting.name) for setting in OPTIONS}
    return dataclasses.replace(Settings.from_env(**flags), database=database)


def run_serve(args: argparse.Namespace, database: DatabaseSettings) -> int:
    settings = service_settings(args, database)  # a bad setting fails before the database starts
    with database_url(database, supervise=True) as url:
        prepare_schema(url, database)
        serve(args, settings, url)
    return 0


def prepare_schema(url: str, database: DatabaseSettings) -> None:
    """Migrate the embedded server; refuse an external database that is not at the head."""
    migrate.prepare(url, embedded=database.embedded, needed_by="the service")


#: Seconds requests still in flight get to finish once SIGTERM or Ctrl-C arrives; then they are
#: cancelled and the app shuts down (the job runner marks running jobs ERROR). Bounded so
#: that the whole stop fits in what supervisors allow before SIGKILL (Docker: 10 s).
SHUTDOWN_GRACE = 5


def serve(args: argparse.Namespace, settings: Settings, url: str) -> None:
    """Serve TAP until SIGTERM or Ctrl-C, after uvicorn's graceful shutdown.

    uvicorn handles both signals while it serves, then raises them again: SIGINT then ends
    in uvicorn (which returns), SIGTERM as `Terminated` (`lcdb.shutdown`).
    """
    import uvicorn

    from tap_service.app import create_app

    tap = shown_url(args, settings)
    print(
        f"lcdb-tap: serving TAP on {tap} and a page for people on {tap.removesuffix(ROOT)}/",
        flush=True,
    )
    uvicorn.run(
        create_app(settings, url),
        host=args.host,
        port=args.port,
        server_header=False,
        proxy_headers=True,
        log_level="info",
        timeout_graceful_shutdown=SHUTDOWN_GRACE,
    )


def shown_url(args: argparse.Namespace, settings: Settings) -> str:
    return settings.base_url or f"http://{args.host}:{args.port}/tap"


def add_demo_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser(
        "demo",
        help="build and load a demo TESS archive, then serve it",
        description="Serve a demo archive on http://HOST:PORT/tap: real TESS SPOC lightcurves "
        "(fetched once from PyPI packages that ship them) and a synthetic population of QLP "
        "and SPOC 2-min lightcurves on the real footprints of sectors 1 and 2. The first start "
        f"builds the files under ${ENV_HOME}/demo/files and loads them into an embedded "
        f"PostgreSQL of the demo's own (${ENV_HOME}/demo), apart from any other archive; "
        "later starts reuse both. With --database-url (or "
        f"{ENV_DATABASE_URL}) the demo is loaded into that database instead, which must be "
        "at the latest schema revision. Ctrl-C stops the service and the embedded database.",
    )
    demo.add_argument(
        "--database-url",
        metavar="URL",
        default=argparse.SUPPRESS,  # keep a URL given before the command
        help=f"load into and serve this PostgreSQL (overrides {ENV_DATABASE_URL}; "
        "default: the demo's own embedded server)",
    )
    demo.add_argument(
        "--size",
        type=_positive_float,
        default=1.0,
        help="scale of the synthetic part: 1 (default) is about "
        f"{BASE_QLP} QLP and {BASE_SPOC} SPOC 2-min lightcurves; another size rebuilds the "
        f"files and adds them (remove ${ENV_HOME}/demo to start afresh)",
    )
    add_serving_options(demo)
    demo.set_defaults(handler=run_demo, serves=True)


def run_demo(args: argparse.Namespace, database: DatabaseSettings) -> int:
    from lcdb.demo.archive import Request
    from tap_service.demo import demo_database, demo_files, prepare_demo

    target = demo_database(database)
    settings = service_settings(args, target)
    with database_url(target, supervise=True) as url:
        prepare_schema(url, target)
        prepare_demo(url, demo_files(database), Request(size=args.size), _say, jobs=DEFAULT_JOBS)
        for line in demo_usage(shown_url(args, settings)):
            print(line, flush=True)
        serve(args, settings, url)
    return 0


DEMO_QUERY = "SELECT TOP 10 name, ra, dec, magnitude FROM lcdb.target ORDER BY magnitude"
DEMO_COUNT_URL = (
    "/sync?LANG=ADQL&RESPONSEFORMAT=csv&QUERY=SELECT+COUNT(*)+AS+lightcurves+FROM+lcdb.dataset"
)


def demo_usage(tap_url: str) -> list[str]:
    """The four ways in that the demo prints: the page, pyvo, curl, TOPCAT."""
    page = tap_url.removesuffix(ROOT) + "/"
    return [
        f"lcdb-tap demo: the demo archive is served at {tap_url}",
        f"  - in a browser: {page}",
        "  - in Python with pyvo:",
        "        import pyvo",
        f'        tap = pyvo.dal.TAPService("{tap_url}")',
        f'        print(tap.search("{DEMO_QUERY}").to_table())',
        "  - with curl:",
        f"        curl '{tap_url}{DEMO_COUNT_URL}'",
        "  - in TOPCAT: VO > Table Access Protocol (TAP) Query, then enter the TAP URL",
        f"        {tap_url}",
    ]


def _say(message: str) -> None:
    print(f"lcdb-tap demo: {message}", flush=True)


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. SIGTERM and Ctrl-C unwind it (so an embedded server it started is
    stopped); a service (`serve`, `demo`) stopped so ends with status 0 at any stage, since
    being stopped is how a service ends; another command exits 128 + the signal's number."""
    args = build_parser().parse_args(argv)
    settings = DatabaseSettings.from_env(url=args.database_url)
    serves = bool(getattr(args, "serves", False))
    try:
        with terminating_unwinds():
            return int(args.handler(args, settings))
    except LcdbError as exc:
        print(f"lcdb-tap: error: {exc}", file=sys.stderr)
        return 1
    except Terminated as exc:
        print(f"lcdb-tap: {exc}", file=sys.stderr)
        return 0 if serves else 128 + exc.signum
    except KeyboardInterrupt:
        return 0 if serves else 128 + signal.SIGINT


def _version() -> str:
    try:
        return version("lcdb-tap")
    except PackageNotFoundError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
