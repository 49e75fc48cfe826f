"""The ObsCore 1.1 table: its columns with their standard metadata, declared once.

The standard's metadata (datatype, unit, UCD, utype, description of all 60 columns) is read
from ``obscore-1.1.tsv``, a copy of ObsCore 1.1 Appendix C with the errata applied; this module
only says which columns the archive publishes (every mandatory one, the optional ones its data
can fill) and adds its own few. From that one declaration come the database table (the
migrations create it; tests compare the two), the view users query, TAP_SCHEMA, /tables and
the ADQL catalogue (`obscore.published`).

Rows live in ``ivoa.obscore_rows``; users query the view ``ivoa.obscore``, which adds
``access_url``: the DataLink URL of each row, made at output time from the URL the service is
reached at (``lcdb.service_url``, set for every query by the service), so that the table stays
right whatever host or port the service is reached at (ObsCore allows access_url to be
generated, §4.7).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

SCHEMA = "ivoa"
TABLE = "obscore"  # the view users query
ROWS_TABLE = "obscore_rows"  # where the rows are
#: The data-model declaration of /capabilities (TAPRegExt) and the table's utype.
DATA_MODEL_ID = "ivo://ivoa.net/std/ObsCore#core-1.1"
DATA_MODEL_NAME = "ObsCore-1.1"
TABLE_UTYPE = "ivo://ivoa.net/std/obscore#table-1.1"
#: The session setting the view reads access_url's base from (the service's public URL).
SERVICE_URL_SETTING = "lcdb.service_url"
DATALINK_PATH = "/datalink"


@dataclass(frozen=True, slots=True)
class ObsCoreColumn:
    name: str
    datatype: str  # VOTable
    arraysize: str | None
    xtype: str | None
    unit: str | None
    ucd: str | None
    utype: str | None
    description: str
    mandatory: bool
    #: Made by the view at output time rather than stored (access_url).
    generated: bool = False


def _standard() -> dict[str, ObsCoreColumn]:
    text = resources.files("obscore").joinpath("obscore-1.1.tsv").read_text(encoding="utf-8")
    columns = {}
    for row in csv.DictReader(text.splitlines(), delimiter="\t"):
        columns[row["name"]] = ObsCoreColumn(
            name=row["name"],
            datatype=row["datatype"],
            arraysize=row["arraysize"] or None,
            xtype=row["xtype"] or None,
            unit=row["unit"] or None,
            ucd=row["ucd"] or None,
            utype=row["utype"] or None,
            description=row["description"],
            mandatory=row["mandatory"] == "yes",
        )
    return columns


STANDARD = _standard()

#: Optional standard columns this archive fills (ObsCore 1.1 Appendix C order is kept).
OPTIONAL = (
    "dataproduct_subtype",
    "obs_creator_name",
    "obs_title",
    "publisher_id",
    "data_rights",
    "s_pixel_scale",
    "s_calib_status",
    "t_calib_status",
    "o_unit",
    "o_calib_status",
)

#: What differs from the standard's wording, and why.
DESCRIPTIONS = {
    "t_min": "Start time (MJD in TDB: the mission's barycentric times converted exactly, "
    "for TESS BTJD + 56999.5)",
    "t_max": "Stop time (MJD in TDB: the mission's barycentric times converted exactly, "
    "for TESS BTJD + 56999.5)",
    "s_region": "Sky footprint in STC-S: a frame's WCS outline (POLYGON), or for a lightcurve "
    "a circle of the extraction aperture's typical radius around the target (CIRCLE)",
    "target_name": "Name of the observed target: the TIC number, as MAST writes it",
    "access_url": "DataLink document of the product (its data, frames, lineage, previews)",
}

#: The archive's own columns, after the standard ones.
CUSTOM = (
    ObsCoreColumn(
        "sector",
        "short",
        None,
        None,
        None,
        "obs.sequence",
        None,
        "TESS sector (or the mission's observing sequence number)",
        False,
    ),
    ObsCoreColumn(
        "lcdb_table",
        "char",
        "*",
        None,
        None,
        "meta.code",
        None,
        "The lcdb table the row was derived from: dataset (lightcurves) or fits_frame",
        False,
    ),
    ObsCoreColumn(
        "lcdb_id",
        "long",
        None,
        None,
        None,
        "meta.id;meta.dataset",
        None,
        "The id of the row in lcdb_table it was derived from (lcdb.dataset.id, ...)",
        False,
    ),
)


def _published() -> tuple[ObsCoreColumn, ...]:
    chosen = [c for c in STANDARD.values() if c.mandatory or c.name in OPTIONAL]
    columns = []
    for column in chosen:
        description = DESCRIPTIONS.get(column.name, column.description)
        columns.append(
            ObsCoreColumn(
                column.name,
                column.datatype,
                column.arraysize,
                column.xtype,
                column.unit,
                column.ucd,
                column.utype,
                description,
                column.mandatory,
                generated=column.name == "access_url",
            )
        )
    return (*columns, *CUSTOM)


COLUMNS = _published()
#: Stored beside the published columns and selected by the view, but not published: what
#: ADQL's geometry functions read for s_region (`adql.Column.shape`), the region as a DALI
#: shape array (a circle {lon, lat, r} or a polygon in DALI order), so that no query parses the
#: STC-S text.
SHAPE_COLUMN = "s_region_shape"
#: Never NULL (ObsCore §3.3 and taplint E_HNUL), and the archive's bookkeeping.
NOT_NULL = frozenset(
    ("calib_level", "obs_collection", "obs_id", "obs_publisher_did", "lcdb_table", "lcdb_id")
)
#: Columns with an index (TAP_SCHEMA `indexed`): what people filter ObsCore by.
INDEXED = frozenset(
    (
        "obs_publisher_did",
        "dataproduct_type",
        "obs_collection",
        "obs_id",
        "target_name",
        "s_ra",
        "s_dec",
        "s_region",
        "t_min",
        "t_max",
        "lcdb_id",
    )
)


def _sql_type(column: ObsCoreColumn) -> sa.types.TypeEngine[Any]:
    if column.xtype == "timestamp":
        return sa.DateTime(timezone=True)
    types: dict[str, sa.types.TypeEngine[Any]] = {
        "char": sa.Text(),
        "short": sa.SmallInteger(),
        "int": sa.Integer(),
        "long": sa.BigInteger(),
        "double": sa.Float(precision=53),
    }
    return types[column.datatype]


metadata = sa.MetaData(schema=SCHEMA)

rows = sa.Table(
    ROWS_TABLE,
    metadata,
    *(
        sa.Column(
            column.name,
            _sql_type(column),
            nullable=column.name not in NOT_NULL,
            primary_key=column.name == "obs_publisher_did",
            comment=column.description,
        )
        for column in COLUMNS
        if not column.generated
    ),
    sa.Column(
        SHAPE_COLUMN,
        postgresql.ARRAY(sa.Float(precision=53)),
        comment="s_region as a DALI shape array (what ADQL geometry functions read)",
    ),
    sa.UniqueConstraint("lcdb_id", "lcdb_table", name="uq_obscore_rows_source"),
    sa.CheckConstraint("calib_level BETWEEN 0 AND 4", name="calib_level_range"),
    comment="ObsCore rows derived from the lcdb tables (lcdb-tap obscore refresh); query the "
    "view ivoa.obscore",
)
sa.Index("ix_obscore_rows_dataproduct_type", rows.c.dataproduct_type)
sa.Index("ix_obscore_rows_obs_collection", rows.c.obs_collection)
sa.Index("ix_obscore_rows_obs_id", rows.c.obs_id)
sa.Index("ix_obscore_rows_target_name", rows.c.target_name)
sa.Index("ix_obscore_rows_t_min", rows.c.t_min)
sa.Index("ix_obscore_rows_t_max", rows.c.t_max)
sa.Index("ix_obscore_rows_s_ra", rows.c.s_ra)
sa.Index(
    "ix_obscore_rows_position",
    sa.func.adql_udf.geo_zone(rows.c.s_dec),
    rows.c.s_ra,
)
sa.Index(
    "ix_obscore_rows_region",
    sa.func.adql_udf.geo_shape_box(rows.c.s_region_shape),
    postgresql_using="gist",
)


def view_sql() -> str:
    """The view ``ivoa.obscore``: the published columns in their order, access_url made from
    the service's URL and the row's identifier (identifiers are made of characters a URL's
    query may hold as they are: `obscore.mapping`)."""
    selected = []
    for column in COLUMNS:
        if column.generated:
            selected.append(
                f"current_setting('{SERVICE_URL_SETTING}', true) || '{DATALINK_PATH}?ID=' "
                f"|| obs_publisher_did AS {column.name}"
            )
        else:
            selected.append(column.name)
    selected.append(SHAPE_COLUMN)
    return (
        f"CREATE OR REPLACE VIEW {SCHEMA}.{TABLE} AS SELECT "
        + ", ".join(selected)
        + f" FROM {SCHEMA}.{ROWS_TABLE}"
    )
