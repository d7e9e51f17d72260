"""The engine's house rules (issue 28): no import cycle among ``hotspots`` modules, and few flat modules.

A cycle means no module of it can be read, tested or moved alone, and the order the interpreter
meets them decides which one sees the other half-built. Every import counts, at module level or
inside a function; only imports under ``if TYPE_CHECKING:`` are left out, as they never run
(the same rule as the import-linter contracts in pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

import pytest

grimp = pytest.importorskip("grimp")  # installed with import-linter

ENGINE = Path(__file__).resolve().parents[1] / "hotspots"

#: at most this many modules sit directly in hotspots/ (issue 28): the rest live in the package of the
#: stage they serve, so a reader can tell from the tree where a file belongs
MAX_FLAT = 12


def _cycles(graph) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    modules = sorted(graph.modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for root in modules:
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges.get(child, []))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                part = set()
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    part.add(m)
                    if m == node:
                        break
                if len(part) > 1:
                    found.append(frozenset(part))
    return found


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("hotspots", include_external_packages=False, exclude_type_checking_imports=True)


def test_the_cycle_finder_finds_a_planted_cycle():
    class Planted:
        modules = {"a", "b", "c", "d"}

        @staticmethod
        def find_modules_directly_imported_by(m):
            return {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}[m]

    assert _cycles(Planted()) == [frozenset({"a", "b", "c"})]


def test_function_level_imports_are_in_the_graph(graph):
    # evaluation imports the pipeline only inside functions: a graph without them would miss cycles
    assert "hotspots.pipeline" in graph.find_modules_directly_imported_by("hotspots.evaluation.backtest")


def test_no_import_cycle_among_engine_modules(graph):
    cycles = sorted(sorted(c) for c in _cycles(graph))
    assert not cycles, f"import cycles: {cycles}"


def test_the_ground_imports_nothing_above_it(graph):
    # model and progress sit under every stage (study still asks the stages for their settings
    # rules: the import-linter layers contract lists those imports)
    for ground in ("hotspots.model", "hotspots.progress"):
        up = {m for m in graph.find_modules_directly_imported_by(ground) if m.startswith("hotspots.")}
        assert up <= {"hotspots.data.errors"}, f"{ground} imports {sorted(up)}"


def _flat() -> set[str]:
    return {p.stem for p in ENGINE.glob("*.py")}


def test_at_most_twelve_flat_modules():
    flat = _flat()
    assert len(flat) <= MAX_FLAT, f"{len(flat)} modules directly in hotspots/, at most {MAX_FLAT}: {sorted(flat)}"
