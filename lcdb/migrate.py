"""Schema migrations (Alembic), callable from code: the only way the schema changes."""

from __future__ import annotations

import io
from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from lcdb.db import create_engine
from lcdb.errors import MigrationError

VERSION_TABLE_SCHEMA = "lcdb_internal"
#: The schemas the migrations own (ivoa: ObsCore, created by the obscore revision).
MANAGED_SCHEMAS = frozenset({"lcdb", "ivoa", VERSION_TABLE_SCHEMA})


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Autogenerate compares only our schemas, never an operator's other tables."""
    if type_ == "schema":
        return name in MANAGED_SCHEMAS
    return True


def alembic_config(url: str, *, output: io.StringIO | None = None) -> Config:
    config = Config(stdout=output) if output is not None else Config()
    config.set_main_option("script_location", str(resources.files("migrations")))
    # ConfigParser interpolation: a password containing % must be escaped.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    create_engine(url).dispose()  # fail early with a clear message if unreachable or too old
    try:
        command.upgrade(alembic_config(url), revision)
    except CommandError as exc:
        raise MigrationError(f"cannot upgrade to {revision!r}: {exc}") from exc


def downgrade(url: str, revision: str) -> None:
    create_engine(url).dispose()
    try:
        command.downgrade(alembic_config(url), revision)
    except CommandError as exc:
        raise MigrationError(f"cannot downgrade to {revision!r}: {exc}") from exc


def current(url: str) -> str | None:
    """The revision the database is at, or None for an empty database."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"version_table_schema": VERSION_TABLE_SCHEMA}
            )
            return context.get_current_revision()
    finally:
        engine.dispose()


def head() -> str:
    script = ScriptDirectory.from_config(alembic_config("postgresql://unused"))
    revision = script.get_current_head()
    assert revision is not None, "the migrations directory has no head revision"
    return revision


def prepare(url: str, *, embedded: bool, needed_by: str) -> None:
    """Migrate an embedded server to the head; refuse an external database that is not there
    (an operator's schema changes only when the operator says so). `needed_by` names who
    needs it, for the message."""
    if embedded:
        upgrade(url)
        return
    at = current(url)
    if at != head():
        raise MigrationError(
            f"the database is at schema revision {at or 'none'}, {needed_by} needs {head()}: "
            "run `lcdb-tap db upgrade` first"
        )
