"""TAP_SCHEMA: its own tables, its rows, and the ADQL catalogue, all from one `Publication`.

The service answers metadata questions three ways: TAP_SCHEMA (queried in ADQL), VOSI /tables,
and the column metadata of every result (via the ADQL catalogue). All three come from the
`Publication` the service assembles from its publishers' schemas (`tap_service.publishers`:
lcdb's tables and TAP_SCHEMA's own, described here as TAP 1.1 §4 requires), so they cannot
disagree (taplint's TMC/MDQ stages).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from adql import Catalog, Column, Table
from adql.lexer import RESERVED
from lcdb.published import PublishedColumn, PublishedKey, PublishedSchema, PublishedTable

TAP_SCHEMA = "TAP_SCHEMA"  # as ADQL and TAP clients write it
TAP_SCHEMA_DB = "tap_schema"  # as PostgreSQL stores it


def _c(
    name: str,
    datatype: str,
    description: str,
    arraysize: str | None = None,
    *,
    principal: bool = True,
    indexed: bool = False,
    required: bool = False,
) -> PublishedColumn:
    """A TAP_SCHEMA column: `indexed` leads its table's key, `required` is NOT NULL."""
    return PublishedColumn(
        name=name,
        datatype=datatype,
        arraysize=arraysize,
        xtype=None,
        description=description,
        unit=None,
        ucd=None,
        utype=None,
        indexed=indexed,
        principal=principal,
        nullable=not (indexed or required),
    )


def _key(key_id: str, source: str, target: str, pairs: tuple[tuple[str, str], ...]) -> PublishedKey:
    return PublishedKey(
        key_id=key_id,
        from_table=f"{TAP_SCHEMA}.{source}",
        target_table=f"{TAP_SCHEMA}.{target}",
        columns=pairs,
        description=f"{source} refers to {target}",
    )


def _table(
    name: str,
    description: str,
    columns: tuple[PublishedColumn, ...],
    keys: tuple[PublishedKey, ...],
) -> PublishedTable:
    return PublishedTable(
        TAP_SCHEMA, name, description, columns, keys, db_schema=TAP_SCHEMA_DB, standard=True
    )


#: TAP_SCHEMA's own tables, with the column descriptions of TAP 1.1 §4. (The DDL is
#: migration 0002; tests/tap_service/test_tap_schema.py checks the two agree.)
SELF_DESCRIPTION = (
    _table(
        "schemas",
        "Schemas published by this service",
        (
            _c("schema_name", "char", "Schema name, as used in queries", "64*", indexed=True),
            _c("utype", "char", "Data model type of the schema", "512*", principal=False),
            _c("description", "char", "Description of the schema", "*"),
            _c("schema_index", "int", "Recommended display order", principal=False),
        ),
        (),
    ),
    _table(
        "tables",
        "Tables published by this service",
        (
            _c("schema_name", "char", "Schema the table belongs to", "64*", required=True),
            _c(
                "table_name",
                "char",
                "Table name, as used in queries (schema-qualified)",
                "128*",
                indexed=True,
            ),
            _c("table_type", "char", "table or view", "8*", required=True),
            _c("utype", "char", "Data model type of the table", "512*", principal=False),
            _c("description", "char", "Description of the table", "*"),
            _c("table_index", "int", "Recommended display order", principal=False),
        ),
        (_key("tables_schema", "tables", "schemas", (("schema_name", "schema_name"),)),),
    ),
    _table(
        "columns",
        "Columns of the published tables",
        (
            _c("table_name", "char", "Table the column belongs to", "128*", indexed=True),
            _c("column_name", "char", "Column name, as used in queries", "64*", required=True),
            _c("datatype", "char", "VOTable datatype of the column", "64*", required=True),
            _c("arraysize", "char", "VOTable arraysize of the column", "16*"),
            _c("xtype", "char", "VOTable xtype of the column", "64*"),
            _c(
                "size",
                "int",
                "Length of a fixed-length or bounded array or string (deprecated)",
                principal=False,
            ),
            _c("description", "char", "Description of the column", "*"),
            _c("utype", "char", "Data model type of the column", "512*", principal=False),
            _c("unit", "char", "Unit of the column (VOUnit)", "64*"),
            _c("ucd", "char", "Unified Content Descriptor of the column", "64*"),
            _c("indexed", "int", "1 if the column is indexed, else 0", required=True),
            _c("principal", "int", "1 if the column is of primary interest, else 0", required=True),
            _c("std", "int", "1 if the column is defined by a standard, else 0", required=True),
            _c("column_index", "int", "Recommended display order", principal=False),
        ),
        (_key("columns_table", "columns", "tables", (("table_name", "table_name"),)),),
    ),
    _table(
        "keys",
        "Foreign keys between published tables",
        (
            _c("key_id", "char", "Key identifier", "128*", indexed=True),
            _c("from_table", "char", "Table holding the foreign key", "128*", required=True),
            _c("target_table", "char", "Table the key refers to", "128*", required=True),
            _c("description", "char", "Description of the key", "*"),
            _c("utype", "char", "Data model type of the key", "512*", principal=False),
        ),
        (
            _key("keys_from_table", "keys", "tables", (("from_table", "table_name"),)),
            _key("keys_target_table", "keys", "tables", (("target_table", "table_name"),)),
        ),
    ),
    _table(
        "key_columns",
        "Columns of the foreign keys",
        (
            _c("key_id", "char", "Key identifier", "128*", indexed=True),
            _c("from_column", "char", "Column of the key in the from_table", "64*", required=True),
            _c(
                "target_column",
                "char",
                "Column of the key in the target_table",
                "64*",
                required=True,
            ),
        ),
        (_key("key_columns_key", "key_columns", "keys", (("key_id", "key_id"),)),),
    ),
)

#: TAP_SCHEMA as it publishes itself.
SELF_SCHEMA = PublishedSchema(
    TAP_SCHEMA,
    "Metadata of the tables and columns published by this service (TAP 1.1)",
    SELF_DESCRIPTION,
)


def adql_identifier(name: str) -> str:
    """How a name must be written in ADQL: delimited when it is a reserved word."""
    return f'"{name}"' if name.upper() in RESERVED else name


@dataclass(frozen=True)
class Publication:
    """Everything the service publishes: its schemas and their tables, in display order."""

    schemas: tuple[PublishedSchema, ...]

    @property
    def tables(self) -> tuple[PublishedTable, ...]:
        return tuple(table for schema in self.schemas for table in schema.tables)

    def table(self, qualified_name: str) -> PublishedTable | None:
        """The table named `schema.table` (case-insensitively, as /tables/{name} is asked)."""
        wanted = qualified_name.lower()
        for table in self.tables:
            if table.qualified_name.lower() == wanted:
                return table
        return None

    def catalog(self) -> Catalog:
        return Catalog(_catalog_table(table) for table in self.tables)

    def rows(self) -> dict[str, list[dict[str, object]]]:
        """TAP_SCHEMA content: table name -> rows (column -> value)."""
        result: dict[str, list[dict[str, object]]] = {
            "schemas": [
                {
                    "schema_name": schema.name,
                    "utype": schema.utype,
                    "description": schema.description,
                    "schema_index": i,
                }
                for i, schema in enumerate(self.schemas)
            ],
            "tables": [],
            "columns": [],
            "keys": [],
            "key_columns": [],
        }
        for index, table in enumerate(self.tables):
            result["tables"].append(
                {
                    "schema_name": table.schema,
                    "table_name": table.qualified_name,
                    "table_type": "table",
                    "utype": table.utype,
                    "description": table.description,
                    "table_index": index,
                }
            )
            result["columns"].extend(_column_rows(table))
            for key in table.keys:
                result["keys"].append(
                    {
                        "key_id": key.key_id,
                        "from_table": key.from_table,
                        "target_table": key.target_table,
                        "description": key.description,
                        "utype": None,
                    }
                )
                result["key_columns"].extend(
                    {
                        "key_id": key.key_id,
                        "from_column": adql_identifier(a),
                        "target_column": adql_identifier(b),
                    }
                    for a, b in key.columns
                )
        return result


def sync(connection: sa.Connection, publication: Publication) -> None:
    """Replace the TAP_SCHEMA rows with `publication`'s, inside the caller's transaction."""
    rows = publication.rows()
    metadata = sa.MetaData(schema=TAP_SCHEMA_DB)
    tables = {name: sa.Table(name, metadata, autoload_with=connection) for name in rows}
    for name in ("key_columns", "keys", "columns", "tables", "schemas"):
        connection.execute(tables[name].delete())
    for name in ("schemas", "tables", "columns", "keys", "key_columns"):
        if rows[name]:
            connection.execute(tables[name].insert(), rows[name])


def _column_rows(table: PublishedTable) -> Iterable[dict[str, object]]:
    for index, column in enumerate(table.columns):
        yield {
            "table_name": table.qualified_name,
            "column_name": adql_identifier(column.name),
            "datatype": column.datatype,
            "arraysize": column.arraysize,
            "xtype": column.xtype,
            "size": column.size,
            "description": column.description,
            "utype": column.utype,
            "unit": column.unit,
            "ucd": column.ucd,
            "indexed": int(column.indexed),
            "principal": int(column.principal),
            "std": int(table.standard if column.standard is None else column.standard),
            "column_index": index,
        }


def _catalog_table(table: PublishedTable) -> Table:
    return Table(
        schema=table.schema,
        name=table.name,
        description=table.description,
        db_schema=table.sql_schema,
        columns=tuple(
            Column(
                name=column.name,
                datatype=column.datatype,
                arraysize=column.arraysize,
                unit=column.unit,
                ucd=column.ucd,
                utype=column.utype,
                xtype=column.xtype,
                description=column.description,
                indexed=column.indexed,
                shape=column.shape,
            )
            for column in table.columns
        ),
    )
