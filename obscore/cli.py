"""`lcdb-tap obscore refresh`: derive ivoa.obscore's rows from the lcdb tables.

Added to the root parser by `tap_service.cli`. Ingest runs an incremental refresh at the end of
every load (`refresh_after_ingest`); this command is for operators: ``--full`` after changing
data in place, or to check that nothing is stale (a full refresh of an unchanged archive writes
nothing).
"""

from __future__ import annotations

import argparse
import os
import re

from lcdb import migrate
from lcdb.db import create_engine, database_url
from lcdb.errors import LcdbError
from lcdb.settings import DatabaseSettings
from obscore.refresh import DEFAULT_AUTHORITY, RefreshReport, refresh

ENV_AUTHORITY = "LCDB_IVO_AUTHORITY"
_AUTHORITY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]{2,}")


class AuthorityError(LcdbError):
    """LCDB_IVO_AUTHORITY is not an IVOA authority identifier."""


def authority() -> str:
    """The authority of obs_publisher_did: LCDB_IVO_AUTHORITY, or a placeholder that says it is
    none (``lcdb-tap.invalid``) until the operator registers one."""
    value = os.environ.get(ENV_AUTHORITY, "").strip() or DEFAULT_AUTHORITY
    if not _AUTHORITY.fullmatch(value):
        raise AuthorityError(
            f"{ENV_AUTHORITY}={value!r} is not an IVOA authority (letters, digits and . _ ~ -, "
            "at least 3 characters, e.g. archive.example.org)"
        )
    return value


def refresh_url(url: str, *, full: bool = False) -> RefreshReport:
    """Refresh ObsCore in the database at `url`, in one transaction."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            return refresh(connection, full=full, authority=authority())
    finally:
        engine.dispose()


def refresh_after_ingest(url: str, changed_in_place: bool) -> None:
    """What `lcdb-tap ingest` runs after loading: incremental unless data changed in place."""
    print(f"lcdb-tap: {refresh_url(url, full=changed_in_place)}", flush=True)


def add_obscore_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    obscore = commands.add_parser(
        "obscore",
        help="the ObsCore table ivoa.obscore",
        description="ivoa.obscore is derived from the lcdb tables; ingest keeps it up to date.",
    )
    actions = obscore.add_subparsers(dest="obscore_command", metavar="ACTION", required=True)
    refresh_command = actions.add_parser(
        "refresh",
        help="derive the ObsCore rows again (queries keep answering meanwhile)",
        description="Add the rows of new datasets and frames and drop those whose source is "
        "gone; with --full derive every row again and write those that changed (after "
        "replacing data in place). Runs in one transaction: queries see the old rows until it "
        f"commits. obs_publisher_did uses the authority in {ENV_AUTHORITY} "
        f"(default {DEFAULT_AUTHORITY}).",
    )
    refresh_command.add_argument(
        "--full", action="store_true", help="derive every row again, not only the new ones"
    )
    refresh_command.set_defaults(handler=run_refresh)


def run_refresh(args: argparse.Namespace, settings: DatabaseSettings) -> int:
    with database_url(settings) as url:
        migrate.prepare(url, embedded=settings.embedded, needed_by="the ObsCore refresh")
        print(f"lcdb-tap: {refresh_url(url, full=args.full)}", flush=True)
    return 0
