"""TABLEDATA rows (VOTable 1.4 §5.3): `<TR><TD>…</TD></TR>`, a batch at a time.

NULL is an empty `<TD/>`; strings are XML-escaped (and characters XML cannot carry at all
become `?`); numbers and arrays use `texts.cell_texts`. TABLEDATA is the readable and
slowest serialisation: it exists for clients and people that want text.
"""

from __future__ import annotations

from collections.abc import Sequence

from adql import OutputColumn
from tap_service.votable.fields import xml_text
from tap_service.votable.shapes import shape_of
from tap_service.votable.texts import cell_texts


class TabledataEncoder:
    """Turns batches of row tuples into `<TR>` elements."""

    def __init__(self, columns: Sequence[OutputColumn]) -> None:
        self.shapes = tuple(shape_of(c) for c in columns)

    def encode(self, rows: Sequence[Sequence[object]]) -> str:
        if not rows:
            return ""
        columns = list(zip(*rows, strict=True))
        if len(columns) != len(self.shapes):
            raise ValueError(
                f"rows have {len(columns)} cells, the table {len(self.shapes)} columns"
            )
        cells = []
        for shape, values in zip(self.shapes, columns, strict=True):
            texts = cell_texts(shape, values, fill_fixed=True)
            if shape.is_string:
                cells.append(["<TD/>" if t is None else f"<TD>{xml_text(t)}</TD>" for t in texts])
            else:
                cells.append(["<TD/>" if t is None else f"<TD>{t}</TD>" for t in texts])
        return "".join(f"<TR>{''.join(row)}</TR>\n" for row in zip(*cells, strict=True))
