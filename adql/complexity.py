"""Bounds on how deeply a query may nest, so that no input exhausts Python's stack.

The parser, the resolver and the generator are recursive: each level of a query's nesting
costs them a few Python frames, and CPython stops at 1,000 frames (``RecursionError``).
Rather than raising that limit (process-wide state), a query that nests too deeply is
refused with :class:`~adql.errors.ADQLTooComplex`, a 400 for the service, at the spot
where it passes the limit. Two checks, both iterative:

``check_parentheses`` (tokens, before parsing)
    Every recursion of the parser passes through a ``(`` (grouping, function calls, CAST,
    IN lists, subqueries, nested joins), so parenthesis depth bounds the parser's stack:
    at most 14 frames a level (a scalar subquery), measured on CPython 3.11.
``check_depth`` (the tree, after parsing)
    Later passes recurse once per tree level, at most 4.5 frames a level (an IN subquery;
    4 for a chain of operators). A chain ``a + b + c`` is a tree as deep as it is long, as
    are chains of UNION and JOIN, so each of their operators counts as a level. Chains of
    AND and OR are built balanced by the parser (they are associative), so a
    10,000-term ``a = 1 OR a = 2 OR ...`` nests only 14 levels deep and is accepted.

With the limits below a query at the limits needs under 600 frames in any stage
(tests/adql/test_complexity.py checks that with a lowered recursion limit), leaving the
caller (a worker thread, a notebook, a test runner) the rest. They are generous for
queries people write: SQL Server allows 32 levels of nested subqueries.

The resolver also refuses a select list wider than PostgreSQL takes (:data:`MAX_COLUMNS`),
counting the columns ``*`` expands to and, as PostgreSQL does, the GROUP BY and ORDER BY
expressions (which it adds to its target list unless they are in the select list).
"""

from __future__ import annotations

import dataclasses

from adql import ast
from adql.errors import ADQLTooComplex
from adql.lexer import OP, Token

#: The deepest parentheses may nest (of expressions, function calls and subqueries).
MAX_PARENTHESES = 40
#: The deepest the syntax tree may be (each operator of a chain is a level).
MAX_DEPTH = 100
#: The most columns a select list may have, ``*`` expanded: PostgreSQL's target-list limit
#: (MaxTupleAttributeNumber), checked by the resolver so the database never sees more.
MAX_COLUMNS = 1664


def check_parentheses(tokens: list[Token]) -> None:
    """Refuse parentheses nested deeper than :data:`MAX_PARENTHESES`, at the first too deep."""
    depth = 0
    for tok in tokens:
        if tok.kind != OP:
            continue
        if tok.value == "(":
            depth += 1
            if depth > MAX_PARENTHESES:
                raise ADQLTooComplex(
                    f"Query too complex: parentheses (of expressions, function calls and "
                    f"subqueries) nested deeper than {MAX_PARENTHESES}",
                    tok.line,
                    tok.col,
                )
        elif tok.value == ")":
            depth -= 1


def check_depth(tree: ast.Query) -> None:
    """Refuse a tree deeper than :data:`MAX_DEPTH`, pointing at the first node too deep."""
    fields_of = _CHILD_FIELDS.get
    stack: list[tuple[object, int]] = [(tree, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        node, depth = pop()
        if depth > MAX_DEPTH:
            raise ADQLTooComplex(
                f"Query too complex: nested deeper than {MAX_DEPTH} levels (each operator "
                "of a chain such as a + b + c, each UNION and each JOIN is a level)",
                getattr(node, "line", 1),
                getattr(node, "col", 1),
            )
        children: list[object] = []
        for name in fields_of(type(node), ()):
            value = getattr(node, name)
            if type(value) is tuple:
                children.extend(v for v in value if fields_of(type(v)))
            elif fields_of(type(value)):
                children.append(value)
        # the first child last, so it is visited first: a too deep chain (left-deep) is
        # reported where it starts
        depth += 1
        for child in reversed(children):
            push((child, depth))


def _node_types() -> tuple[type, ...]:
    return tuple(
        t
        for t in vars(ast).values()
        if isinstance(t, type) and dataclasses.is_dataclass(t) and t.__module__ == ast.__name__
    )


#: Per node type, the fields that may hold nodes (positions and names are left out); leaves
#: (literals, identifiers) have none and are not visited.
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {
    t: tuple(
        f.name
        for f in dataclasses.fields(t)
        if f.name not in ("line", "col") and f.type not in ("str", "bool", "int", "int | None")
    )
    for t in _node_types()
}
