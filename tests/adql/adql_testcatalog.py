"""The catalog golden and execution tests translate against: lcdb-like tables.

Shaped like what the service will publish (``lcdb.target``, ``lcdb.dataset`` with array
columns and the SQL-reserved name ``values``, ``TAP_SCHEMA`` living in ``tap_schema``), plus
small tables for joins, NULLs and a column whose database name differs from its ADQL name,
and ``lcdb.field`` with an STC-S region column (ObsCore's s_region: char, xtype adql:region).
The primary keys (``id``) and ``lcdb.target``'s ``ra``/``dec`` are declared indexed.
"""

from __future__ import annotations

from adql import Catalog, Column, Table

CATALOG = Catalog(
    [
        Table(
            "lcdb",
            "target",
            (
                Column(
                    "id", "long", ucd="meta.id;meta.main", description="Target id", indexed=True
                ),
                Column("catalog_id", "int", ucd="meta.id"),
                Column("name", "long", ucd="meta.id", description="Catalog number of the target"),
                Column("ra", "double", unit="deg", ucd="pos.eq.ra;meta.main", indexed=True),
                Column("dec", "double", unit="deg", ucd="pos.eq.dec;meta.main", indexed=True),
                Column("tmag", "float", unit="mag", ucd="phot.mag"),
                Column("label", "char", "*", description="Free-text label"),
                Column("Mixed", "int", description="A column whose name has upper case"),
            ),
            description="Observed targets",
        ),
        Table(
            "lcdb",
            "dataset",
            (
                Column("id", "int", ucd="meta.id;meta.main", indexed=True),
                Column("target_id", "long", ucd="meta.id"),
                Column("observation_id", "int", ucd="meta.id"),
                Column("values", "double", "*", unit="electron/s"),
                Column("errors", "double", "*", unit="electron/s"),
                Column("exptime", "double", unit="s", db_name="exposure_time"),
                Column("is_good", "boolean"),
            ),
        ),
        Table(
            "lcdb",
            "observation",
            (
                Column("id", "int", indexed=True),
                Column("target_id", "long"),
                Column("sector", "short"),
                Column("mid_time", "double", unit="d", ucd="time.epoch"),
            ),
        ),
        Table(
            "lcdb",
            "field",
            (
                Column("id", "int", indexed=True),
                Column(
                    "outline",
                    "char",
                    "*",
                    ucd="pos.outline;obs.field",
                    xtype="adql:region",
                    description="Sky region in STC-S, as ObsCore's s_region",
                    indexed=True,
                ),
            ),
        ),
        Table(
            "TAP_SCHEMA",
            "tables",
            (
                Column("schema_name", "char", "*"),
                Column("table_name", "char", "*"),
                Column("table_type", "char", "*"),
                Column("description", "char", "*"),
                Column("size", "long"),
            ),
            db_schema="tap_schema",
        ),
        Table(
            "TAP_SCHEMA",
            "columns",
            (
                Column("table_name", "char", "*"),
                Column("column_name", "char", "*"),
                Column("datatype", "char", "*"),
            ),
            db_schema="tap_schema",
        ),
    ]
)
