"""What PostgreSQL's plan for a statement uses: the EXPLAIN-based index tests share this."""

from __future__ import annotations

from typing import Any

import psycopg


def indexes_used(connection: psycopg.Connection[Any], sql: str) -> set[str]:
    """The names of the indexes in the plan of `sql` (EXPLAIN, not run)."""
    (plan,) = connection.execute(f"EXPLAIN (FORMAT JSON) {sql}").fetchone()  # type: ignore[misc]
    found: set[str] = set()

    def walk(node: dict[str, Any]) -> None:
        if "Index Name" in node:
            found.add(node["Index Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return found
