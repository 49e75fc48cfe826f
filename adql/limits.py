"""TOP, OFFSET and the service's MAXREC combined into one LIMIT.

The user gets ``min(TOP, MAXREC)`` rows. When MAXREC could cut the result short, the SQL
asks for MAXREC+1 rows so the executor can *see* the overflow (DALI: report OVERFLOW only
when rows were really dropped) rather than guess it from a full page; ``row_limit`` tells
it the MAXREC to compare against. OFFSET is applied by the database before the limit, as
ADQL 2.1 §4.9 prescribes (OFFSET first, then TOP).
"""

from __future__ import annotations

from dataclasses import dataclass

from adql import ast


@dataclass(frozen=True, slots=True)
class Limit:
    limit: int | None  # the SQL LIMIT of the outermost query
    row_limit: int | None  # MAXREC, when the executor must check for overflow


def combine(top: int | None, maxrec: int | None) -> Limit:
    if maxrec is None:
        return Limit(top, None)
    if maxrec < 0:
        raise ValueError(f"maxrec must be >= 0, not {maxrec}")
    if top is not None and top <= maxrec:
        return Limit(top, None)
    return Limit(maxrec + 1, maxrec)


def for_query(query: ast.Query, maxrec: int | None) -> Limit:
    body = query.body.body
    top = body.top if isinstance(body, ast.Select) else None
    return combine(top, maxrec)
