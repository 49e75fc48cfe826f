"""ADQL 2.1 -> PostgreSQL: parse, check against a catalog, translate.

A pure library: no database access and nothing imported from the service, so it can be
tested and benchmarked on its own. The service calls :func:`compile`; :func:`translate`
and :func:`parse` serve tools and tests::

    catalog = adql.Catalog([adql.Table("lcdb", "target", (adql.Column("id", "long"),))])
    compiled = adql.compile("SELECT TOP 5 id FROM lcdb.target", catalog, maxrec=1000)
    compiled.sql, compiled.columns, compiled.row_limit

The UDFs (``ivo_*``, seeded ``RAND``) call SQL functions in schema ``adql_udf``, defined
idempotently in ``adql/pg_functions.sql`` for the service's migrations to install.
Geometry is type-checked but translated only through an :class:`GeometryTranslator`
(``geometry=``); the default refuses it. :func:`language_features` lists the TAPRegExt
features, all derived from the one function table in :mod:`adql.functions`;
:data:`VERSIONS` the ADQL versions it accepts, for the service's LANG check
(:data:`LANG_VALUES`, :func:`version_for_lang`) and the versions /capabilities lists.
"""

from __future__ import annotations

from dataclasses import dataclass

from adql import ast
from adql.catalog import Catalog, Column, Table
from adql.errors import ADQLError, ADQLSemanticError, ADQLSyntaxError, ADQLTooComplex
from adql.functions import FUNCTIONS, language_features
from adql.generate import Generator
from adql.geometry import GeometryTranslator, UnsupportedGeometry
from adql.limits import for_query
from adql.metadata import OutputColumn, output_column
from adql.parser import parse
from adql.resolve import resolve
from adql.versions import LANG_VALUES, VERSIONS, Version, version_for_lang

__all__ = [
    "FUNCTIONS",
    "LANG_VALUES",
    "VERSIONS",
    "ADQLError",
    "ADQLSemanticError",
    "ADQLSyntaxError",
    "ADQLTooComplex",
    "Catalog",
    "Column",
    "Compiled",
    "GeometryTranslator",
    "OutputColumn",
    "Table",
    "Version",
    "ast",
    "compile",
    "language_features",
    "parse",
    "translate",
    "version_for_lang",
]


@dataclass(frozen=True, slots=True)
class Compiled:
    """A checked query: the SQL to run, the result's columns, and the overflow limit.

    ``row_limit`` is the MAXREC the executor compares the row count with (the SQL asks for
    one row more); None when MAXREC cannot truncate the result.
    """

    sql: str
    columns: tuple[OutputColumn, ...]
    row_limit: int | None


def compile(
    query: str,
    schema: Catalog,
    *,
    maxrec: int | None = None,
    geometry: GeometryTranslator | None = None,
) -> Compiled:
    """Parse, resolve against ``schema`` and translate ``query``."""
    tree = parse(query)
    try:
        resolution = resolve(tree, schema)
        limit = for_query(tree, maxrec)
        sql = Generator(resolution, geometry or UnsupportedGeometry()).query(tree, limit.limit)
    except ADQLError as exc:
        raise exc.with_source(query) from None
    columns = tuple(output_column(o.name, o.info) for o in resolution.result)
    return Compiled(sql, columns, limit.row_limit)


def translate(
    query: str,
    schema: Catalog | None = None,
    *,
    maxrec: int | None = None,
    geometry: GeometryTranslator | None = None,
) -> str:
    """PostgreSQL for ``query``; without a schema names are translated as written."""
    tree = parse(query)
    try:
        resolution = resolve(tree, schema)
        limit = for_query(tree, maxrec)
        return Generator(resolution, geometry or UnsupportedGeometry()).query(tree, limit.limit)
    except ADQLError as exc:
        raise exc.with_source(query) from None
