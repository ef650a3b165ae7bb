"""The package layout holds: no import cycle between our modules, and labs stays the lower layer.

The imports are read from the source with ast, every one of them, including those inside
functions (an import moved into a function still ties the two modules together).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("accounts", "config", "dashboard", "labs", "protocols")
# labs is entered, validated and stored before anything plans or presents it.
LOWER_LAYER = {"labs": ("protocols", "dashboard")}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_modules() -> dict[str, Path]:
    """Every module of our packages (migrations aside: generated, and never imported by us)."""
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    }


def _absolute(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imported_modules(source: str, importer: str, is_package: bool, known: Iterable[str]) -> set:
    """The modules of `known` that this source imports (a `from a import b` of a submodule b
    counts as importing a.b)."""
    known = set(known)
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(node, importer, is_package)
            found.add(target)
            found |= {f"{target}.{alias.name}" for alias in node.names}
    return {name for name in found if name in known and name != importer}


def import_graph() -> dict[str, set[str]]:
    modules = source_modules()
    return {
        name: imported_modules(
            path.read_text(encoding="utf-8"), name, path.name == "__init__.py", modules
        )
        for name, path in modules.items()
    }


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def upward_imports(graph: Mapping[str, set[str]]) -> list[tuple[str, str]]:
    """(importer, imported) pairs where a lower-layer package imports a higher one."""
    return sorted(
        (importer, imported)
        for importer, targets in graph.items()
        for lower, higher in LOWER_LAYER.items()
        if importer.split(".")[0] == lower
        for imported in targets
        if imported.split(".")[0] in higher
    )


def test_the_walk_sees_our_imports():
    graph = import_graph()
    assert "labs.units" in graph["labs.display"]
    assert "protocols.rules.seed" in graph["protocols.rules"]


def test_the_walk_reads_every_form_of_import():
    known = {"pkg", "pkg.a", "pkg.b", "pkg.sub", "pkg.sub.c", "other"}
    source = (
        "import other\n"
        "from .. import a\n"  # a module of the parent package
        "from . import c\n"  # a module of this package
        "def later():\n    from pkg.b import name\n"
    )
    found = imported_modules(source, "pkg.sub.mod", False, known)
    assert found == {"other", "pkg", "pkg.a", "pkg.sub", "pkg.sub.c", "pkg.b"}
    assert imported_modules("from . import a\n", "pkg", True, known) == {"pkg.a"}


def test_the_cycle_finder_finds_a_cycle_hidden_in_a_function():
    sources = {
        "a": "import b\n",
        "b": "def f():\n    from c import g\n",
        "c": "from a import x\n",
        "d": "import a\n",
    }
    graph = {name: imported_modules(text, name, False, sources) for name, text in sources.items()}
    assert cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycle_between_our_modules():
    assert cycles(import_graph()) == []


def test_labs_imports_nothing_from_protocols_or_dashboard():
    assert upward_imports(import_graph()) == []


def test_the_upward_check_catches_labs_importing_a_plan():
    graph = {"labs.views": {"protocols.models"}, "protocols.models": {"labs.models"}}
    assert upward_imports(graph) == [("labs.views", "protocols.models")]
