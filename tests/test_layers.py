"""The import graph of the product keeps its layers: ingest → graph → search → services → ui.

Read from the source with ``ast`` (every import, also inside functions), so a lazy
import against the layering fails here as surely as a top-level one.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

#: Source folder -> installed package (pyproject.toml's package-dir).
FOLDERS = {"paperkg": "paperkg", "ingest": "paperkg.ingest", "graph": "paperkg.graph", "search": "paperkg.search",
           "ui": "paperkg.ui", "data": "paperkg.data"}
#: Layers, lowest first: a module may import its own layer and the ones below.
LAYERS = ["paperkg.data", "paperkg.base", "paperkg.ingest", "paperkg.graph", "paperkg.search", "paperkg.services",
          "paperkg.ui"]
#: The modules every layer shares: those at the top of the package (errors, disk and memory helpers).
BASE = {f"paperkg.{p.stem}" for p in (ROOT / "paperkg").glob("*.py") if p.stem not in ("__init__", "__main__")}
EMBEDDED = {"paperkg.graph.embedded", "paperkg.graph.library"}
NEO4J = {"paperkg.graph.neo4j_store", "paperkg.graph.neo4j_ingest", "paperkg.graph.neo4j_client", "paperkg.graph.cypher"}


def _modules() -> dict[str, Path]:
    found = {}
    for folder, package in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((package, *parts))] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names if f"{module}.{alias.name}" in MODULES)
    return found


def layer_of(module: str) -> str:
    if module in BASE or module == "paperkg":
        return "paperkg.base"
    if module == "paperkg.__main__":  # ``python -m paperkg``: the CLI's entry
        return "paperkg.ui"
    for layer in sorted(LAYERS, key=len, reverse=True):
        if module == layer or module.startswith(layer + "."):
            return layer
    raise AssertionError(f"{module} belongs to no layer")


def test_every_product_module_is_found():
    assert {"paperkg.graph.base", "paperkg.services.ingesting", "paperkg.ui.cli", "paperkg.search.engine",
            "paperkg.ingest.parser"} <= set(MODULES)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_point_down(name):
    imports = _imports(name, MODULES[name])
    for module in imports:
        top = module.split(".")[0]
        assert top not in ("tests", "bench"), f"{name} imports test or bench code ({module})"
        assert top not in ("graph", "search", "ui", "ingest", "data"), f"{name} imports {module} outside paperkg"
        if top != "paperkg" or module == "paperkg":
            continue
        assert LAYERS.index(layer_of(module)) <= LAYERS.index(layer_of(name)), \
            f"{name} ({layer_of(name)}) imports {module} ({layer_of(module)}), a layer above it"
    if name in EMBEDDED:
        assert not imports & NEO4J, f"the embedded backend imports the Neo4j one: {imports & NEO4J}"
    if name in NEO4J:
        assert not imports & EMBEDDED, f"the Neo4j backend imports the embedded one: {imports & EMBEDDED}"


def test_only_the_library_module_opens_the_library_file():
    for name, path in MODULES.items():
        if name == "paperkg.graph.library":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                      and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                   and id(n) not in docstrings]
        assert not any("library.sqlite" in s for s in strings), f"{name} names library.sqlite"
        if name != "paperkg.search.db":
            connects = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "connect"
                        and isinstance(n.value, ast.Name) and n.value.id == "sqlite3"]
            assert not connects, f"{name} opens SQLite itself"


def test_the_checker_sees_a_violation(tmp_path):
    """The rules above can fail: a module of the graph layer importing search is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from paperkg.search.engine import SearchEngine\n")
    imports = _imports("paperkg.graph.bad", bad)
    assert "paperkg.search.engine" in imports
    assert LAYERS.index(layer_of("paperkg.search.engine")) > LAYERS.index(layer_of("paperkg.graph.bad"))
