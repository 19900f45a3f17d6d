"""Layering rules, checked statically with ``ast`` (nothing under test is imported).

    engine   -> may not import hardware, widgets, app, or any Qt binding
    hardware -> may not import widgets, app, or any Qt binding
    widgets  -> may not import app
    app      -> may import anything

``app/cli.py`` and ``app/headless.py`` must also not import Qt at module level, so that
headless runs never load it (imports inside functions are fine).
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("engine", "hardware", "widgets", "app")
QT_MODULES = frozenset({"PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6"})

FORBIDDEN_LAYERS: dict[str, frozenset[str]] = {
    "engine": frozenset({"hardware", "widgets", "app"}),
    "hardware": frozenset({"widgets", "app"}),
    "widgets": frozenset({"app"}),
}
QT_FREE_LAYERS = ("engine", "hardware")
HEADLESS_MODULES = ("app/cli.py", "app/headless.py")


@dataclass(frozen=True)
class Import:
    path: Path  # relative to ROOT
    line: int
    module: str  # fully resolved dotted name as far as known
    text: str  # the statement as written

    @property
    def top(self) -> str:
        return self.module.split(".", 1)[0]

    def __str__(self) -> str:
        return f"{self.path.as_posix()}:{self.line}: {self.text}"


def _resolve_from(rel: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    # relative imports resolve against the file's own package, which is its directory
    # (for ``pkg/__init__.py`` as much as for ``pkg/mod.py``)
    package = list(rel.parent.parts)
    # level 1 = the file's own package, each further dot goes one package up
    base = package[: len(package) - (node.level - 1)] if node.level - 1 <= len(package) else []
    return ".".join([*base, *([node.module] if node.module else [])])


def _iter_nodes(tree: ast.AST, *, module_level_only: bool) -> Iterator[ast.AST]:
    """Walk ``tree``; with ``module_level_only`` skip what does not run at import time
    (function bodies, lambdas, ``if TYPE_CHECKING:`` blocks)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        yield node
        if module_level_only:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                # decorators and defaults do run at import time
                stack.extend(getattr(node, "decorator_list", []))
                stack.extend(ast.iter_child_nodes(node.args))
                continue
            if isinstance(node, ast.If) and _is_type_checking(node.test):
                stack.extend(node.orelse)
                continue
        stack.extend(ast.iter_child_nodes(node))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def collect_imports(
    path: Path, *, module_level_only: bool = False, root: Path = ROOT
) -> list[Import]:
    rel = path.relative_to(root)
    source = path.read_bytes()
    try:
        tree = ast.parse(source, filename=str(rel))
    except SyntaxError as exc:
        pytest.fail(f"{rel.as_posix()}:{exc.lineno}: cannot parse: {exc.msg}")
    lines = source.decode("utf-8", errors="replace").splitlines()

    def text(node: ast.AST) -> str:
        return lines[node.lineno - 1].strip() if 0 < node.lineno <= len(lines) else "?"

    found: list[Import] = []
    for node in _iter_nodes(tree, module_level_only=module_level_only):
        if isinstance(node, ast.Import):
            found += [Import(rel, node.lineno, alias.name, text(node)) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append(Import(rel, node.lineno, _resolve_from(rel, node), text(node)))
        elif isinstance(node, ast.Call) and node.args:
            # importlib.import_module("x") / __import__("x") with a literal name
            func, arg = node.func, node.args[0]
            is_dynamic = (isinstance(func, ast.Name) and func.id == "__import__") or (
                isinstance(func, ast.Attribute) and func.attr == "import_module"
            )
            if is_dynamic and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                if not arg.value.startswith("."):
                    found.append(Import(rel, node.lineno, arg.value, text(node)))
    return sorted(found, key=lambda imp: (imp.path.as_posix(), imp.line))


def python_files(layer: str) -> list[Path]:
    base = ROOT / layer
    return sorted(p for p in base.rglob("*.py") if "__pycache__" not in p.parts)


def _require_layer(layer: str) -> list[Path]:
    if not (ROOT / layer).is_dir():
        pytest.skip(f"{layer}/ does not exist yet")
    return python_files(layer)


def _violations(layer: str, forbidden: frozenset[str]) -> list[str]:
    return [
        str(imp)
        for path in _require_layer(layer)
        for imp in collect_imports(path)
        if imp.top in forbidden
    ]


# ---------------------------------------------------------------------------


def test_engine_package_exists() -> None:
    assert (ROOT / "engine" / "__init__.py").is_file(), "engine/ package is missing"


@pytest.mark.parametrize("layer", sorted(FORBIDDEN_LAYERS))
def test_layer_does_not_import_higher_layers(layer: str) -> None:
    forbidden = FORBIDDEN_LAYERS[layer]
    bad = _violations(layer, forbidden)
    assert not bad, f"{layer}/ must not import {sorted(forbidden)}:\n  " + "\n  ".join(bad)


@pytest.mark.parametrize("layer", QT_FREE_LAYERS)
def test_layer_is_qt_free(layer: str) -> None:
    bad = _violations(layer, QT_MODULES)
    assert not bad, f"{layer}/ must not import Qt bindings:\n  " + "\n  ".join(bad)


@pytest.mark.parametrize("module", HEADLESS_MODULES)
def test_headless_module_has_no_top_level_qt_import(module: str) -> None:
    path = ROOT / module
    if not path.is_file():
        pytest.skip(f"{module} does not exist yet")
    bad = [
        str(imp) for imp in collect_imports(path, module_level_only=True) if imp.top in QT_MODULES
    ]
    assert not bad, (
        f"{module} must import Qt only inside functions (headless runs must not load it):\n  "
        + "\n  ".join(bad)
    )


@pytest.mark.parametrize("module", HEADLESS_MODULES)
def test_importing_headless_module_does_not_load_qt(module: str) -> None:
    """Runtime counterpart of the static check: also catches Qt pulled in transitively."""
    if not (ROOT / module).is_file():
        pytest.skip(f"{module} does not exist yet")
    dotted = module.removesuffix(".py").replace("/", ".")
    code = (
        "import importlib, sys\n"
        f"importlib.import_module({dotted!r})\n"
        f"print(' '.join(sorted(m for m in {sorted(QT_MODULES)!r} if m in sys.modules)))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, f"importing {dotted} failed:\n{proc.stderr}"
    loaded = proc.stdout.strip()
    assert not loaded, f"importing {dotted} loads Qt modules: {loaded}"


# --- self-checks of the import collector ------------------------------------


def test_collector_resolves_relative_and_nested_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "engine" / "sub"
    pkg.mkdir(parents=True)
    (tmp_path / "engine" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("from . import mod\n")
    (pkg / "mod.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "import numpy as np, os.path\n"
        "from .. import core\n"
        "from ..sub.x import y\n"
        "if TYPE_CHECKING:\n"
        "    from PyQt6 import QtCore\n"
        "class K:\n"
        "    import widgets.panel\n"
        "def f():\n"
        "    from app import cli\n"
        "    import importlib\n"
        "    importlib.import_module('PySide6.QtGui')\n"
    )
    everything = collect_imports(pkg / "mod.py", root=tmp_path)
    top_level = collect_imports(pkg / "mod.py", module_level_only=True, root=tmp_path)
    init = collect_imports(pkg / "__init__.py", root=tmp_path)
    assert [i.module for i in everything] == [
        "typing",
        "numpy",
        "os.path",
        "engine",
        "engine.sub.x",
        "PyQt6",
        "widgets.panel",
        "app",
        "importlib",
        "PySide6.QtGui",
    ]
    assert {i.top for i in top_level} == {"typing", "numpy", "os", "engine", "widgets"}
    assert [i.module for i in init] == ["engine.sub"]
    assert str(everything[-1]) == "engine/sub/mod.py:12: importlib.import_module('PySide6.QtGui')"
