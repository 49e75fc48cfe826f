"""What publishes tables through the service: one `Publisher` per source of tables.

A publisher names the schemas it publishes (their tables, columns and keys with VO metadata,
declared once beside their models) and prepares the database for them when the service
starts. The service (`tap_service.service`) assembles its `Publication` from its publishers,
and TAP_SCHEMA, VOSI /tables and the ADQL catalogue are all generated from that. A new source
of tables (ObsCore) is a new publisher in the list, not edits across the service.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import sqlalchemy as sa

from lcdb.published import PublishedSchema, published_schema
from obscore.published import obscore_schema
from tap_service.tap_schema import SELF_SCHEMA, Publication, sync


class Publisher(Protocol):
    def schemas(self) -> tuple[PublishedSchema, ...]:
        """The schemas it publishes, in display order."""
        ...

    def prepare(self, connection: sa.Connection, publication: Publication) -> None:
        """Bring the database in line with what it publishes, as the service starts (inside
        one transaction with the other publishers'); `publication` is everything published."""
        ...


class LightcurveTables:
    """The LightcurveDB tables (schema `lcdb`), from the models' declarations."""

    def schemas(self) -> tuple[PublishedSchema, ...]:
        return (published_schema(),)

    def prepare(self, connection: sa.Connection, publication: Publication) -> None:
        """Nothing to do: the tables are the migrations' (`lcdb-tap db upgrade`)."""


class ObsCoreTable:
    """ivoa.obscore (schema `ivoa`): ObsCore 1.1, for data discovery (`obscore`)."""

    def schemas(self) -> tuple[PublishedSchema, ...]:
        return (obscore_schema(),)

    def prepare(self, connection: sa.Connection, publication: Publication) -> None:
        """Nothing to do: the table is the migrations', its rows `lcdb-tap obscore refresh`'s."""


class TapSchema:
    """TAP_SCHEMA: it describes itself, and holds the rows of everything published."""

    def schemas(self) -> tuple[PublishedSchema, ...]:
        return (SELF_SCHEMA,)

    def prepare(self, connection: sa.Connection, publication: Publication) -> None:
        sync(connection, publication)


def default_publishers() -> tuple[Publisher, ...]:
    """What the service publishes unless told otherwise, in TAP_SCHEMA's display order."""
    return (LightcurveTables(), ObsCoreTable(), TapSchema())


def publication(publishers: Sequence[Publisher] | None = None) -> Publication:
    """Everything `publishers` (default: the service's own) publish, in their order."""
    chosen = default_publishers() if publishers is None else publishers
    return Publication(tuple(schema for publisher in chosen for schema in publisher.schemas()))
