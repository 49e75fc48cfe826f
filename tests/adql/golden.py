"""Reading and rewriting the ``golden/*.adqlt`` files: ADQL in, SQL (or an error) out.

Format (one topic per file)::

    -- case: avg_keeps_the_unit
    -- maxrec: 10                          (optional meta lines right after the case line)
    -- column: avg double unit=deg ucd=stat.mean;pos.eq.ra;meta.main
    -- column: n long ucd=meta.number
    -- rows: 1
    -- row: (99.85, 4)
    SELECT AVG(ra), COUNT(*) AS n FROM lcdb.target
    ==>
    SELECT ... exact expected SQL ...

An error expectation is ``==> ADQLSemanticError 1:8`` followed by the message. ``==>``
separates input from expectation so ``;`` or ``--`` inside a query are harmless; a case
without an expectation is a loader error, never a silently passing test.

Meta lines (any other key, or a malformed value, is a loader error):

``maxrec: N``
    translate with MAXREC ``N``.
``schema: none``
    translate without a catalog (names as written).
``column: NAME TYPE[ARRAYSIZE] [unit=U] [ucd=U] [xtype=X]``
    one line per output column, in order: the case checks ``adql.compile().columns``
    (name, datatype, arraysize, unit, UCD and xtype; a key left out means None). A name
    with blanks or quotes is double-quoted, inner quotes doubled, as in ADQL.
``rows: N``
    the SQL runs on PostgreSQL (the test data of ``conftest.SCHEMA_SQL``) and returns
    ``N`` rows;
``row: (value, ...)``
    with ``rows``, one line per expected row as a Python literal tuple (``(1,)`` for one
    column), in order if the query has an outer ORDER BY, else in any order. Leaving
    them out checks only the count (for RAND and the like). ``--update-golden`` never
    writes these: it rewrites the SQL and keeps every meta line as it was.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from adql.catalog import DATATYPES

GOLDEN_DIR = Path(__file__).parent / "golden"
_CASE = re.compile(r"^-- case: *(\S+) *$")
_META = re.compile(r"^-- ([a-z_]+): *(.*?) *$")
_ARROW = re.compile(r"^==>(?: +(\w+) +(\d+):(\d+))? *$")
_COLUMN = re.compile(
    r'^(?:"(?P<quoted>(?:[^"]|"")+)"|(?P<name>[^\s"]+)) +(?P<datatype>\w+)'
    r"(?:\[(?P<arraysize>[0-9]*\*?)\])?(?P<rest>(?: +\S+)*)$"
)
_COLUMN_KEYS = ("unit", "ucd", "xtype")
_SCALAR_KEYS = ("maxrec", "schema", "rows", "geometry")
_REPEATED_KEYS = ("column", "row")


class GoldenFormatError(Exception):
    pass


@dataclass(frozen=True)
class ColumnSpec:
    """One ``-- column:`` line: what ``compile()`` must say about an output column."""

    name: str
    datatype: str
    arraysize: str | None = None
    unit: str | None = None
    ucd: str | None = None
    xtype: str | None = None


@dataclass(frozen=True)
class Case:
    name: str
    path: Path
    meta: dict[str, str]
    query: str
    expected: str
    error: str | None = None  # error class name
    position: tuple[int, int] | None = None
    lineno: int = 0
    extra: list[str] = field(default_factory=list)
    #: The meta lines as written, so rewriting the file keeps them exactly.
    meta_lines: tuple[tuple[str, str], ...] = ()
    columns: tuple[ColumnSpec, ...] | None = None
    rows: int | None = None  # executed on PostgreSQL when set
    row_values: tuple[tuple[object, ...], ...] = ()

    @property
    def id(self) -> str:
        return f"{self.path.stem}:{self.name}"


def load(path: Path) -> list[Case]:
    lines = path.read_text(encoding="utf-8").split("\n")
    cases: list[Case] = []
    starts = [i for i, line in enumerate(lines) if _CASE.match(line)]
    if not starts:
        raise GoldenFormatError(f"{path}: no '-- case:' lines")
    if any(line.strip() for line in lines[: starts[0]]):
        raise GoldenFormatError(f"{path}:1: text before the first case")
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        cases.append(_parse_case(path, lines[start:end], start + 1))
    names = [c.name for c in cases]
    dupes = {x for x in names if names.count(x) > 1}
    if dupes:
        raise GoldenFormatError(f"{path}: duplicate case names {sorted(dupes)}")
    return cases


def _parse_case(path: Path, block: list[str], lineno: int) -> Case:
    match = _CASE.match(block[0])
    assert match is not None
    name = match.group(1)
    meta_lines: list[tuple[str, str]] = []
    i = 1
    while i < len(block) and (m := _META.match(block[i])) and m.group(1) != "case":
        meta_lines.append((m.group(1), m.group(2)))
        i += 1
    arrows = [j for j in range(i, len(block)) if block[j].startswith("==>")]
    if not arrows:
        raise GoldenFormatError(f"{path}:{lineno}: case {name!r} has no '==>' expectation")
    arrow = arrows[0]
    query = "\n".join(block[i:arrow])
    if arrow == i:
        raise GoldenFormatError(f"{path}:{lineno}: case {name!r} has no query")
    head = _ARROW.match(block[arrow])
    if head is None:
        raise GoldenFormatError(f"{path}:{lineno + arrow}: malformed '==>' line")
    body = block[arrow + 1 :]
    while body and not body[-1].strip():
        body.pop()
    expected = "\n".join(body)
    if not expected.strip():
        raise GoldenFormatError(f"{path}:{lineno}: case {name!r} has an empty expectation")
    error = head.group(1)
    position = (int(head.group(2)), int(head.group(3))) if error else None
    case = Case(name, path, {}, query, expected, error, position, lineno)
    try:
        return _with_meta(case, meta_lines)
    except ValueError as exc:
        raise GoldenFormatError(f"{path}:{lineno}: case {name!r}: {exc}") from None


def _with_meta(case: Case, lines: list[tuple[str, str]]) -> Case:
    """``case`` with its meta lines parsed and checked (ValueError says what is wrong)."""
    scalars: dict[str, str] = {}
    columns: list[ColumnSpec] = []
    rows: list[tuple[object, ...]] = []
    for key, value in lines:
        if key in _SCALAR_KEYS:
            if key in scalars:
                raise ValueError(f"'{key}' given twice")
            scalars[key] = value
        elif key == "column":
            columns.append(parse_column(value))
        elif key == "row":
            rows.append(parse_row(value))
        else:
            raise ValueError(f"unknown meta line '{key}' (known: {_SCALAR_KEYS + _REPEATED_KEYS})")
    if "maxrec" in scalars and not scalars["maxrec"].isdigit():
        raise ValueError(f"maxrec must be a number, not {scalars['maxrec']!r}")
    if scalars.get("schema", "none") != "none":
        raise ValueError(f"schema can only be 'none', not {scalars['schema']!r}")
    count = _row_count(scalars.get("rows"), rows, columns)
    if (columns or count is not None) and (case.error or "schema" in scalars):
        raise ValueError("columns and rows need a case that translates against the catalog")
    return replace(
        case,
        meta={k: v for k, v in scalars.items() if k != "rows"},
        meta_lines=tuple(lines),
        columns=tuple(columns) if columns else None,
        rows=count,
        row_values=tuple(rows),
    )


def _row_count(
    text: str | None, rows: list[tuple[object, ...]], columns: list[ColumnSpec]
) -> int | None:
    if text is None:
        if rows:
            raise ValueError("'row' lines need a 'rows: N' line")
        return None
    if not text.isdigit():
        raise ValueError(f"rows must be a number, not {text!r}")
    count = int(text)
    if rows and len(rows) != count:
        raise ValueError(f"'rows: {count}' but {len(rows)} 'row' lines")
    widths = {len(r) for r in rows} | ({len(columns)} if columns and rows else set())
    if len(widths) > 1:
        raise ValueError(f"rows and columns differ in width ({sorted(widths)})")
    return count


def parse_column(text: str) -> ColumnSpec:
    """``NAME TYPE[ARRAYSIZE] key=value ...`` (see the module docstring)."""
    m = _COLUMN.match(text)
    if m is None:
        raise ValueError(f"malformed column {text!r}: expected 'NAME TYPE[SIZE] key=value ...'")
    if m["datatype"] not in DATATYPES:
        raise ValueError(f"column {text!r}: unknown datatype {m['datatype']!r}")
    if m["arraysize"] == "":
        raise ValueError(f"column {text!r}: empty arraysize")
    extra: dict[str, str] = {}
    for item in m["rest"].split():
        key, eq, value = item.partition("=")
        if not eq or not value or key not in _COLUMN_KEYS or key in extra:
            raise ValueError(f"column {text!r}: bad {item!r} (keys: {', '.join(_COLUMN_KEYS)})")
        extra[key] = value
    name = m["name"] or m["quoted"].replace('""', '"')
    return ColumnSpec(name, m["datatype"], m["arraysize"], **extra)


def parse_row(text: str) -> tuple[object, ...]:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise ValueError(f"row {text!r} is not a Python literal") from None
    if not isinstance(value, tuple):
        raise ValueError(f"row {text!r} is not a tuple (one column is written '(x,)')")
    return value


def load_all() -> list[Case]:
    cases: list[Case] = []
    for path in sorted(GOLDEN_DIR.glob("*.adqlt")):
        cases.extend(load(path))
    return cases


def dump(cases: list[Case]) -> str:
    out: list[str] = []
    for case in cases:
        out.append(f"-- case: {case.name}")
        out.extend(f"-- {k}: {v}" for k, v in case.meta_lines)
        out.append(case.query)
        if case.error:
            assert case.position is not None
            out.append(f"==> {case.error} {case.position[0]}:{case.position[1]}")
        else:
            out.append("==>")
        out.append(case.expected)
        out.append("")
    return "\n".join(out)


def updated(case: Case, expected: str, error: str | None, position: tuple[int, int] | None) -> Case:
    """``case`` with a new SQL (or error) expectation; its meta lines, columns and rows
    are kept as written, never regenerated."""
    return replace(case, expected=expected, error=error, position=position)
