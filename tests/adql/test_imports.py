"""The modules of ``adql`` import each other without cycles, counting every import.

Python tolerates many cycles (an import under TYPE_CHECKING, or inside a function, is not
run at import time), so nothing fails when one appears; but a cycle means two modules
cannot be read, tested or changed apart. This test reads the source rather than importing
it, so imports under ``if TYPE_CHECKING:`` and inside functions count as edges too.
"""

from __future__ import annotations

import ast as pyast
from pathlib import Path

import pytest

PACKAGE = "adql"
ROOT = Path(__file__).resolve().parents[2] / PACKAGE


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def imported_modules(name: str, path: Path) -> set[str]:
    """The package's own modules that ``name`` imports, wherever the import statement is."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in pyast.walk(pyast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, pyast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, pyast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                if not is_package:
                    anchor = anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # ``from adql import ast`` imports the module adql.ast; ``from adql import
                # compile`` a name of the package itself
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in MODULES else base)
    return {m for m in found if m in MODULES and m != name}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path ``[a, b, ..., a]``, or None."""
    done: set[str] = set()
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in stack:
            return [*stack[stack.index(node) :], node]
        if node in done:
            return None
        stack.append(node)
        for nxt in sorted(graph[node]):
            cycle = visit(nxt)
            if cycle:
                return cycle
        stack.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start)
        if cycle:
            return cycle
    return None


def test_adql_modules_import_each_other_without_cycles() -> None:
    graph = {name: imported_modules(name, path) for name, path in MODULES.items()}
    assert graph["adql.expressions"], "the import reader found no edges: it is broken"
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
        ({"a": {"b"}, "b": {"b"}}, ["b", "b"]),
    ],
)
def test_cycle_finder(graph: dict[str, set[str]], expected: list[str] | None) -> None:
    assert find_cycle(graph) == expected


def test_type_checking_and_function_level_imports_are_edges(tmp_path: Path) -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "from adql import ast, VERSION_THAT_IS_NOT_A_MODULE\n"
        "if TYPE_CHECKING:\n    from adql.resolve import Resolution\n"
        "def f():\n    from adql.scope import suggest\n    import adql.lexer\n"
    )
    path = tmp_path / "mod.py"
    path.write_text(source, encoding="utf-8")
    assert imported_modules("adql.mod", path) == {
        "adql",
        "adql.ast",
        "adql.resolve",
        "adql.scope",
        "adql.lexer",
    }
