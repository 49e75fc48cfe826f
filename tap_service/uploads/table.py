"""An uploaded VOTable: read with astropy, its columns mapped to PostgreSQL and to ADQL.

Every VOTable serialization astropy reads is accepted (TABLEDATA, BINARY, BINARY2, FITS). Each
column keeps its name, unit, UCD, utype, xtype and description, so names resolve as the user
wrote them and result FIELDs carry the uploaded metadata; in the database the columns are
``c1``, ``c2``, ... whatever their names (delimited, reserved, unicode). Numbers map to the
PostgreSQL type of the same width, 1-D numeric arrays to arrays (DALI point, circle and polygon
xtypes keep working as geometry), char and unicodeChar to text; NULLs stay NULL. Types a
column cannot keep faithfully (complex numbers, bit fields, multi-dimensional arrays) are
refused by name rather than approximated.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

import adql
from tap_service.errors import BadParameter

#: VOTable datatype -> (PostgreSQL type, ADQL/VOTable datatype of the stored column)
_TYPES = {
    "boolean": ("boolean", "boolean"),
    "bit": ("boolean", "boolean"),  # a single bit (astropy writes booleans so in BINARY2)
    "unsignedByte": ("smallint", "short"),
    "short": ("smallint", "short"),
    "int": ("integer", "int"),
    "long": ("bigint", "long"),
    "float": ("real", "float"),
    "double": ("double precision", "double"),
    "char": ("text", "char"),
    "unicodeChar": ("text", "unicodeChar"),
}
SCHEMA = "TAP_UPLOAD"


@dataclass(frozen=True, slots=True)
class UploadedColumn:
    column: adql.Column  # as ADQL sees it (db_name c1, c2, ...)
    pg_type: str
    values: list[object]  # one per row, None for NULL


@dataclass(frozen=True, slots=True)
class UploadedTable:
    name: str
    columns: tuple[UploadedColumn, ...]
    rows: int

    @property
    def db_name(self) -> str:
        return f"tap_upload_{self.name.lower()}"

    def catalog_table(self) -> adql.Table:
        """The table as ADQL resolves TAP_UPLOAD.<name> (a temporary table: schema pg_temp)."""
        return adql.Table(
            SCHEMA,
            self.name,
            tuple(c.column for c in self.columns),
            description=f"Table uploaded with this query ({self.rows} rows)",
            db_schema="pg_temp",
            db_name=self.db_name,
        )


def read_upload(name: str, data: bytes, *, max_rows: int) -> UploadedTable:
    """The first table of the VOTable `data`; BadParameter naming the upload if it is not one."""
    if not data.strip():
        raise BadParameter(f"UPLOAD {name}: the uploaded table is empty (no VOTable)")
    head = data.lstrip()[:200].lower()
    if not (head.startswith(b"<?xml") or head.startswith(b"<votable") or b"<votable" in head):
        raise BadParameter(
            f"UPLOAD {name}: not a VOTable (it begins {data.lstrip()[:40]!r}); upload a VOTable "
            "(TABLEDATA, BINARY, BINARY2 or FITS serialization)"
        )
    from astropy.io import votable  # on first use: see `tap_service.lazy`
    from astropy.io.votable.exceptions import VOWarning

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", VOWarning)
            document = votable.parse(io.BytesIO(data), verify="ignore")
            tables = list(document.iter_tables())
    except Exception as exc:  # astropy raises many kinds for broken documents
        raise BadParameter(f"UPLOAD {name}: not a readable VOTable ({_first_line(exc)})") from exc
    if not tables:
        raise BadParameter(f"UPLOAD {name}: the VOTable has no TABLE")
    table = tables[0]
    array = table.array
    rows = len(array)
    if rows > max_rows:
        raise BadParameter(
            f"UPLOAD {name}: {rows:,} rows, more than this service takes ({max_rows:,}, "
            "LCDB_UPLOAD_ROWS)"
        )
    columns = []
    seen: set[str] = set()
    for index, field in enumerate(table.fields, start=1):
        column_name = field.name or field.ID or f"col{index}"
        if column_name in seen:
            raise BadParameter(f"UPLOAD {name}: two columns are named {column_name!r}")
        seen.add(column_name)
        columns.append(_column(name, index, column_name, field, array[field.ID or field.name]))
    return UploadedTable(name, tuple(columns), rows)


def _column(table: str, index: int, name: str, field: object, data: np.ndarray) -> UploadedColumn:
    datatype: str = field.datatype  # type: ignore[attr-defined]
    arraysize: str | None = field.arraysize  # type: ignore[attr-defined]
    where = f"UPLOAD {table}, column {name!r}"
    if datatype not in _TYPES:
        raise BadParameter(f"{where}: datatype {datatype} cannot be stored faithfully here")
    pg_type, adql_type = _TYPES[datatype]
    is_text = datatype in ("char", "unicodeChar")
    array_column = not is_text and arraysize not in (None, "1")
    if datatype == "bit" and array_column:
        raise BadParameter(f"{where}: bit arrays ({arraysize}) cannot be stored faithfully here")
    if arraysize is not None and "x" in arraysize:
        raise BadParameter(f"{where}: multi-dimensional arrays ({arraysize}) are not taken")
    column = adql.Column(
        name=name,
        datatype=adql_type,
        arraysize=("*" if is_text else arraysize) if (is_text or array_column) else None,
        unit=_text(getattr(field, "unit", None)),
        ucd=getattr(field, "ucd", None) or None,
        utype=getattr(field, "utype", None) or None,
        xtype=getattr(field, "xtype", None) or None,
        description=_text(getattr(field, "description", None)),
        db_name=f"c{index}",
    )
    values = _values(where, data, is_text=is_text, array=array_column)
    return UploadedColumn(column, f"{pg_type}[]" if array_column else pg_type, values)


def _values(where: str, data: np.ndarray, *, is_text: bool, array: bool) -> list[object]:
    mask = np.ma.getmaskarray(data) if np.ma.isMaskedArray(data) else None
    out: list[object] = []
    for i, value in enumerate(np.ma.getdata(data)):
        if mask is not None and mask.ndim == 1 and mask[i]:
            out.append(None)
            continue
        if is_text:
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
            if "\x00" in text:
                raise BadParameter(f"{where}: row {i + 1} holds a NUL character")
            out.append(text)
        elif array:
            elements = np.ma.getdata(value)
            element_mask = np.ma.getmaskarray(value) if np.ma.isMaskedArray(value) else None
            items = np.asarray(elements).tolist()
            if element_mask is not None and element_mask.ndim == 1:
                items = [
                    None if m else v for v, m in zip(items, element_mask.tolist(), strict=True)
                ]
            out.append(items)
        else:
            out.append(value.item() if isinstance(value, np.generic) else value)
    return out


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def column_list(table: UploadedTable) -> Sequence[str]:
    """`CREATE TABLE` column definitions of the table's temporary copy."""
    return [f"c{i} {c.pg_type}" for i, c in enumerate(table.columns, start=1)]
