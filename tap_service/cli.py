"""The `lcdb-tap` command: one entry point for every sub-command of every package."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from lcdb import cli as db_cli
from lcdb.errors import LcdbError
from lcdb.settings import ENV_DATABASE_URL, ENV_HOME, DatabaseSettings


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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = DatabaseSettings.from_env(url=args.database_url)
    try:
        return db_cli.run(args, settings)
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
