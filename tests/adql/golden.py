"""Reading and rewriting the ``golden/*.adqlt`` files: ADQL in, SQL (or an error) out.

Format (one topic per file)::

    -- case: top_with_offset
    -- maxrec: 10            (optional meta lines right after the case line)
    SELECT TOP 2 name FROM lcdb.target ORDER BY name OFFSET 1
    ==>
    SELECT ... exact expected SQL ...

An error expectation is ``==> ADQLSemanticError 1:8`` followed by the message. ``==>``
separates input from expectation so ``;`` or ``--`` inside a query are harmless; a case
without an expectation is a loader error, never a silently passing test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

GOLDEN_DIR = Path(__file__).parent / "golden"
_CASE = re.compile(r"^-- case: *(\S+) *$")
_META = re.compile(r"^-- ([a-z_]+): *(.*?) *$")
_ARROW = re.compile(r"^==>(?: +(\w+) +(\d+):(\d+))? *$")


class GoldenFormatError(Exception):
    pass


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
    meta: dict[str, str] = {}
    i = 1
    while i < len(block) and (m := _META.match(block[i])) and m.group(1) != "case":
        meta[m.group(1)] = m.group(2)
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
    return Case(name, path, meta, query, expected, error, position, lineno)


def load_all() -> list[Case]:
    cases: list[Case] = []
    for path in sorted(GOLDEN_DIR.glob("*.adqlt")):
        cases.extend(load(path))
    return cases


def dump(cases: list[Case]) -> str:
    out: list[str] = []
    for case in cases:
        out.append(f"-- case: {case.name}")
        out.extend(f"-- {k}: {v}" for k, v in case.meta.items())
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
    return replace(case, expected=expected, error=error, position=position)
