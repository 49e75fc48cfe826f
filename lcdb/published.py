"""What the archive publishes: tables, columns and keys with their VO metadata.

Read from the models' declarations (`described(...)` on each column, the table comments, the
foreign keys), so publishing a column is one edit beside the model. TAP_SCHEMA, VOSI /tables
and the ADQL catalogue are all generated from the `PublishedTable`s returned here; they cannot
disagree. Only tables listed in `PUBLISHED_TABLES` appear: internal tables (job store,
migration bookkeeping) are invisible to users.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from lcdb.models.types import NumpyArray
from lcdb.schema import metadata

SCHEMA_DESCRIPTION = (
    "LightcurveDB: missions, targets, instruments, observations, FITS frames, lightcurve datasets "
    "with their times, quality flags and lineage"
)

#: Publication order, which is also the display order (table_index) in TAP_SCHEMA.
PUBLISHED_TABLES = (
    "mission",
    "mission_catalog",
    "target",
    "instrument",
    "observation",
    "fits_frame",
    "photometric_source",
    "processing_method",
    "dataset",
    "datasethierarchy",
    "target_specific_time",
    "quality_flag_array",
)


@dataclass(frozen=True)
class PublishedColumn:
    name: str  # the database column name; the TAP layer decides how ADQL spells it
    datatype: str  # VOTable datatype
    arraysize: str | None
    xtype: str | None
    description: str | None
    unit: str | None
    ucd: str | None
    utype: str | None
    indexed: bool
    principal: bool
    nullable: bool
    #: Defined by an IVOA standard (TAP_SCHEMA `std`); None: as its table says.
    standard: bool | None = None
    #: A region column in STC-S text: the unpublished column with its values as DALI shape
    #: arrays, which ADQL geometry reads (`adql.Column.shape`).
    shape: str | None = None

    @property
    def size(self) -> int | None:
        """TAP_SCHEMA's (deprecated) `size`: the length of a fixed or bounded arraysize."""
        bound = (self.arraysize or "").rstrip("*")
        return int(bound) if bound.isdigit() else None


@dataclass(frozen=True)
class PublishedKey:
    key_id: str
    from_table: str
    target_table: str
    columns: tuple[tuple[str, str], ...]  # (from_column, target_column)
    description: str


@dataclass(frozen=True)
class PublishedTable:
    schema: str  # as ADQL and TAP_SCHEMA write it
    name: str
    description: str | None
    columns: tuple[PublishedColumn, ...]
    keys: tuple[PublishedKey, ...]
    #: The PostgreSQL schema holding it, when it is spelt otherwise (TAP_SCHEMA: tap_schema).
    db_schema: str | None = None
    #: Data-model type of the table (ObsCore's is ivo://ivoa.net/std/obscore#table-1.1).
    utype: str | None = None
    #: Its columns are defined by an IVOA standard (TAP_SCHEMA, ObsCore): TAP_SCHEMA `std`.
    standard: bool = False
    #: (name, IVOA identifier) of the data model the table implements, which /capabilities
    #: declares (ObsCore: ObsCore-1.1, ivo://ivoa.net/std/ObsCore#core-1.1).
    data_model: tuple[str, str] | None = None

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def sql_schema(self) -> str:
        return self.db_schema if self.db_schema is not None else self.schema


@dataclass(frozen=True)
class PublishedSchema:
    """One schema of published tables, in display order, as TAP_SCHEMA.schemas lists it."""

    name: str
    description: str | None
    tables: tuple[PublishedTable, ...]
    utype: str | None = None


def published_schema() -> PublishedSchema:
    """The LightcurveDB tables, as the service publishes them."""
    tables = tuple(_publish(metadata.tables[f"lcdb.{name}"]) for name in PUBLISHED_TABLES)
    return PublishedSchema("lcdb", SCHEMA_DESCRIPTION, tables)


def votable_type(column_type: sa.types.TypeEngine[object]) -> tuple[str, str | None, str | None]:
    """(datatype, arraysize, xtype) of a column type, after ADQL 2.1 §3's type mapping."""
    if isinstance(column_type, NumpyArray):
        item = column_type.impl_instance.item_type  # type: ignore[attr-defined]
        datatype, _, _ = votable_type(item)
        return datatype, "*", None
    if isinstance(column_type, postgresql.ARRAY):
        datatype, _, _ = votable_type(column_type.item_type)
        return datatype, "*", None
    if isinstance(column_type, sa.Boolean):
        return "boolean", None, None
    if isinstance(column_type, sa.SmallInteger):
        return "short", None, None
    if isinstance(column_type, sa.BigInteger):
        return "long", None, None
    if isinstance(column_type, sa.Integer):
        return "int", None, None
    if isinstance(column_type, sa.Float):
        return ("float" if (column_type.precision or 53) <= 24 else "double"), None, None
    if isinstance(column_type, sa.Numeric):
        return "double", None, None
    if isinstance(column_type, sa.Uuid):
        return "char", "36", None
    if isinstance(column_type, sa.DateTime):
        return "char", "*", "timestamp"
    if isinstance(column_type, postgresql.JSONB | sa.JSON):
        return "char", "*", None
    if isinstance(column_type, sa.String):
        return "char", (f"{column_type.length}*" if column_type.length else "*"), None
    raise TypeError(f"no VOTable type for {column_type!r}: declare one before publishing it")


def _publish(table: sa.Table) -> PublishedTable:
    indexed = _indexed_columns(table)
    columns = []
    for column in table.columns:
        datatype, arraysize, xtype = votable_type(column.type)
        info = column.info
        columns.append(
            PublishedColumn(
                name=column.name,
                datatype=datatype,
                arraysize=arraysize,
                xtype=_text(info, "xtype") or xtype,
                description=column.comment,
                unit=_text(info, "unit"),
                ucd=_text(info, "ucd"),
                utype=_text(info, "utype"),
                indexed=column.name in indexed,
                principal=bool(info.get("principal")) or column.primary_key,
                nullable=bool(column.nullable),
            )
        )
    keys = tuple(
        _publish_key(table, fk) for fk in sorted(table.foreign_key_constraints, key=_key_name)
    )
    return PublishedTable(
        schema="lcdb",
        name=table.name,
        description=table.comment,
        columns=tuple(columns),
        keys=tuple(key for key in keys if key.target_table.split(".")[1] in PUBLISHED_TABLES),
    )


def _text(info: dict[str, object], key: str) -> str | None:
    """A metadata string `described(...)` put in `column.info`."""
    value = info.get(key)
    if value is not None and not isinstance(value, str):
        raise TypeError(f"column info {key!r} must be a string, got {value!r}")
    return value


def _publish_key(table: sa.Table, fk: sa.ForeignKeyConstraint) -> PublishedKey:
    target = fk.referred_table
    pairs = tuple((element.parent.name, element.column.name) for element in fk.elements)
    return PublishedKey(
        key_id=_key_name(fk),
        from_table=f"lcdb.{table.name}",
        target_table=f"lcdb.{target.name}",
        columns=pairs,
        description=f"{table.name}.{', '.join(p[0] for p in pairs)} refers to {target.name}",
    )


def _key_name(fk: sa.ForeignKeyConstraint) -> str:
    return str(fk.name)


def _indexed_columns(table: sa.Table) -> set[str]:
    """Columns that lead an index or a key, or that the leading expression of an index is
    computed from (the sky indexes: adql_udf.geo_cube(ra, dec)): the ones a query can
    filter on cheaply."""
    leading: set[str] = set()
    for index in table.indexes:
        if not index.expressions:
            continue
        first = index.expressions[0]
        leading |= {
            element.name
            for element in sa.sql.visitors.iterate(first)  # type: ignore[arg-type]
            if isinstance(element, sa.Column) and element.table is table
        }
    for constraint in table.constraints:
        if (
            isinstance(constraint, sa.PrimaryKeyConstraint | sa.UniqueConstraint)
            and constraint.columns
        ):
            leading.add(next(iter(constraint.columns)).name)
    return leading
