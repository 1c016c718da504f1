"""The public surface and the promise that importing the package does nothing."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import headswap_nb


def test_all_is_sorted_and_complete() -> None:
    assert headswap_nb.__all__ == sorted(headswap_nb.__all__)
    for name in headswap_nb.__all__:
        assert getattr(headswap_nb, name) is not None, name


def test_import_starts_nothing_and_reads_no_environment() -> None:
    probe = r"""
import json, os, sys, threading
class Spy(dict):
    reads = []
    def get(self, key, default=None):
        Spy.reads.append(key); return super().get(key, default)
    def __getitem__(self, key):
        Spy.reads.append(key); return super().__getitem__(key)
os.environ = Spy(os.environ)
import headswap_nb
heavy = [m for m in ("starlette", "uvicorn", "ipywidgets", "pandas", "headswap_nb.simulator")
         if m in sys.modules]
print(json.dumps({"threads": threading.active_count(), "heavy": heavy,
                  "akool_reads": [k for k in Spy.reads if "AKOOL" in k or "HEADSWAP" in k]}))
"""
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report == {"threads": 1, "heavy": [], "akool_reads": []}


def _imports(root: Path) -> dict[str, set[str]]:
    """Module name → the package modules it imports anywhere in its body (at the top, in a
    function, under ``TYPE_CHECKING``: each is an arrow a reader must follow)."""
    modules = {
        ".".join(path.relative_to(root.parent).with_suffix("").parts).removesuffix(
            ".__init__"
        ): path
        for path in root.rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
                for alias in node.names:
                    child = f"{base}.{alias.name}"
                    edges.add(child if child in modules else base)
        graph[name] = {e for e in edges if e in modules and e != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_anywhere_in_the_package() -> None:
    """Not at runtime, not inside functions, not under TYPE_CHECKING (design.md §1)."""
    graph = _imports(Path(headswap_nb.__file__).parent)
    assert len(graph) > 50  # the whole package was read
    assert _cycles(graph) == []


def test_the_cycle_check_sees_a_cycle(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("from pkg.sub.a import A\n")
    (package / "sub" / "a.py").write_text("from .b import B\nA = 1\n")
    (package / "sub" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.sub.a import A\n"
    )
    assert _cycles(_imports(package)) == [["pkg.sub.a", "pkg.sub.b"]]
