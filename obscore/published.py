"""ObsCore as the service publishes it: schema ``ivoa``, table ``ivoa.obscore``.

Built from `obscore.model`'s one declaration, with the standard's utypes and UCDs, so that
TAP_SCHEMA, /tables and the ADQL catalogue describe exactly what the view returns.
"""

from __future__ import annotations

from lcdb.published import PublishedColumn, PublishedSchema, PublishedTable
from obscore.model import (
    COLUMNS,
    DATA_MODEL_ID,
    DATA_MODEL_NAME,
    INDEXED,
    NOT_NULL,
    SCHEMA,
    SHAPE_COLUMN,
    STANDARD,
    TABLE,
    TABLE_UTYPE,
)

SCHEMA_DESCRIPTION = "IVOA standard tables: ObsCore 1.1, for data discovery across the VO"
TABLE_DESCRIPTION = (
    "ObsCore 1.1: one row per lightcurve (timeseries) and per FITS frame (image), derived from "
    "the lcdb tables"
)
#: The principal columns: what a client shows first.
PRINCIPAL = frozenset(
    (
        "dataproduct_type",
        "obs_collection",
        "obs_id",
        "target_name",
        "s_ra",
        "s_dec",
        "t_min",
        "t_max",
        "access_url",
        "access_format",
    )
)


def obscore_table() -> PublishedTable:
    return PublishedTable(
        schema=SCHEMA,
        name=TABLE,
        description=TABLE_DESCRIPTION,
        columns=tuple(
            PublishedColumn(
                name=column.name,
                datatype=column.datatype,
                arraysize=column.arraysize,
                xtype=column.xtype,
                description=column.description,
                unit=column.unit,
                ucd=column.ucd,
                utype=column.utype,
                indexed=column.name in INDEXED,
                principal=column.name in PRINCIPAL,
                nullable=column.name not in NOT_NULL,
                standard=column.name in STANDARD,
                shape=SHAPE_COLUMN if column.name == "s_region" else None,
            )
            for column in COLUMNS
        ),
        keys=(),
        utype=TABLE_UTYPE,
        standard=True,
        data_model=(DATA_MODEL_NAME, DATA_MODEL_ID),
    )


def obscore_schema() -> PublishedSchema:
    return PublishedSchema(SCHEMA, SCHEMA_DESCRIPTION, (obscore_table(),))
