"""The import graph of src/segmentasi: no cycle, and compute never reaches presentation.

Every import counts, at the top of a module, under TYPE_CHECKING or inside a function.
Run as a script to print the graph's edges and what the checks find:
    python tests/test_architecture.py
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "segmentasi"
# Modules that compute a run's numbers, and those that show or write them.
COMPUTE = (
    "features",
    "algorithms",
    "metrics",
    "sweep",
    "profile",
    "recommend",
    "diagnostics",
    "pipeline",
    "engine",
    "decision",
    "rules",
    "segment_rules",
    "sql",
    "campaign",
    "track",
    "period_shift",
)
PRESENTATION = (
    "report",
    "cli",
    "run_folder",
    "job",
    "deliverables",
    "campaign_folder",
    "tracking_folder",
    "synth_dataset",
)
# Arrows allowed to close a cycle, each for a stated reason.
ALLOWED: dict[tuple[str, str], str] = {}  # arrows a cycle may take, with the reason


def modules() -> dict[str, Path]:
    """Every module of the package by its dotted name."""
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> list[tuple[str, str]]:
    """(imported module, how): how is 'top' (run on import), 'typing' (TYPE_CHECKING) or
    'lazy' (inside a function)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[str, str]] = []

    def target(base: str, member: str) -> str:
        return f"{base}.{member}" if f"{base}.{member}" in known else base

    def visit(node: ast.AST, how: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ImportFrom):
                if child.level:
                    parts = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join(parts + ([child.module] if child.module else []))
                else:
                    base = child.module or ""
                if base.split(".")[0] == "segmentasi":
                    found.extend((target(base, alias.name), how) for alias in child.names)
            elif isinstance(child, ast.Import):
                found.extend(
                    (alias.name, how)
                    for alias in child.names
                    if alias.name.split(".")[0] == "segmentasi"
                )
            inner = how
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                inner = "lazy"
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                inner = "typing"
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), "top")
    return found


def graph() -> dict[str, dict[str, str]]:
    """module -> {imported module: how} (the package's own modules only)."""
    known = modules()
    edges: dict[str, dict[str, str]] = {name: {} for name in known}
    for name, path in known.items():
        for imported, how in imports(name, path, set(known)):
            if imported != name and imported in known:
                # imported more than once: 'top' over 'typing' over 'lazy'
                before = edges[name].get(imported, how)
                edges[name][imported] = min(before, how, key=("top", "typing", "lazy").index)
    return edges


def cycles(edges: dict[str, dict[str, str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in edges[node]:
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return found


def without_allowed(edges: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    return {
        name: {other: how for other, how in targets.items() if (name, other) not in ALLOWED}
        for name, targets in edges.items()
    }


def _in(name: str, group: tuple[str, ...]) -> bool:
    return any(name == f"segmentasi.{g}" or name.startswith(f"segmentasi.{g}.") for g in group)


def reached_on_import(edges: dict[str, dict[str, str]], start: str) -> set[str]:
    """The modules importing `start` loads (its 'top' imports, and theirs)."""
    seen, todo = set(), [start]
    while todo:
        for other, how in edges[todo.pop()].items():
            if how == "top" and other not in seen:
                seen.add(other)
                todo.append(other)
    return seen


def compute_to_presentation(edges: dict[str, dict[str, str]]) -> list[str]:
    """Arrows (of any kind) from a compute module to presentation, and presentation modules a
    compute module loads on import through others."""
    found = [
        f"{name} -> {other} ({how})"
        for name, targets in edges.items()
        if _in(name, COMPUTE)
        for other, how in targets.items()
        if _in(other, PRESENTATION)
    ]
    found += [
        f"{name} loads {other} on import"
        for name in edges
        if _in(name, COMPUTE)
        for other in sorted(reached_on_import(edges, name))
        if _in(other, PRESENTATION)
    ]
    return found


def reaches(edges: dict[str, dict[str, str]], start: str, goal: str) -> bool:
    """Whether arrows of any kind lead from start to goal."""
    seen, todo = {start}, [start]
    while todo:
        for other in edges[todo.pop()]:
            if other == goal:
                return True
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return False


def test_the_import_graph_has_no_cycle_but_the_allowed_arrows():
    """Every arrow counts (top, TYPE_CHECKING, inside a function), in every module and
    subpackage (the search package too)."""
    edges = graph()
    assert {"segmentasi.search", "segmentasi.search.verification", "segmentasi.text"} <= set(edges)
    assert cycles(without_allowed(edges)) == []
    for name, other in ALLOWED:
        assert other in edges[name], f"{name} -> {other} is allowed but gone: drop it from ALLOWED"
        assert reaches(without_allowed(edges), other, name), (
            f"{name} -> {other} closes no cycle any more: drop it from ALLOWED"
        )


def test_a_cycle_through_a_typing_or_lazy_arrow_is_found():
    edges = {"a": {"b": "top"}, "b": {"c": "typing"}, "c": {"a": "lazy"}, "d": {"a": "top"}}
    assert cycles(edges) == [["a", "b", "c"]]
    assert reaches(edges, "d", "c") and not reaches(edges, "a", "d")


def test_compute_modules_import_no_presentation():
    edges = graph()
    assert {"segmentasi.pipeline", "segmentasi.sweep", "segmentasi.report.plots"} <= set(edges)
    assert compute_to_presentation(edges) == []


def test_the_graph_sees_function_level_and_type_checking_imports():
    edges = graph()
    assert edges["segmentasi.job"]["segmentasi.run_folder"] == "lazy"
    assert edges["segmentasi.report.build"]["segmentasi.results"] == "typing"
    assert edges["segmentasi.report.build"]["segmentasi.report.plots"] == "top"
    assert edges["segmentasi.cli"]["segmentasi.search"] == "typing"  # also lazy: typing wins


def test_importing_the_package_loads_no_plotting_and_no_report():
    code = (
        "import segmentasi, sys; "
        "loaded = [m for m in sys.modules if m.split('.')[0] == 'matplotlib' "
        "or m.startswith(('segmentasi.report', 'segmentasi.run_folder'))]; "
        "assert not loaded, loaded"
    )
    subprocess.run(
        [sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": str(SRC.parent)}
    )


def test_the_public_names_load_on_first_use():
    """`import segmentasi` loads none of the modules behind its public names (nor pandas);
    each name then resolves, and `track` and `period_shift` stay the functions after their
    modules of the same names are imported."""
    code = (
        "import sys, types, segmentasi; "
        "loaded = [m for m in sys.modules if m.startswith('segmentasi.') or m == 'pandas']; "
        "assert loaded == ['segmentasi.version'], loaded; "
        "import segmentasi.period_shift, segmentasi.track; "
        "names = [n for n in segmentasi.__all__ if n != '__version__']; "
        "assert all(not isinstance(getattr(segmentasi, n), types.ModuleType) for n in names); "
        "assert segmentasi.track.__module__ == 'segmentasi.track'; "
        "assert set(names) <= set(dir(segmentasi))"
    )
    subprocess.run(
        [sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": str(SRC.parent)}
    )


if __name__ == "__main__":
    edges = graph()
    for name, targets in sorted(edges.items()):
        listed = ", ".join(
            f"{other.removeprefix('segmentasi.') or 'segmentasi'}"
            + ("" if how == "top" else f" ({how})")
            for other, how in sorted(targets.items())
        )
        print(f"{name.removeprefix('segmentasi.')}: {listed}")
    print("cycles with every arrow:", cycles(edges) or "none")
    print("cycles without the allowed arrows:", cycles(without_allowed(edges)) or "none")
    print("compute -> presentation:", compute_to_presentation(edges) or "none")
