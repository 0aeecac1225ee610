"""The import graph of `kmodel` and `invariants` has no cycle, imports inside functions counted (grimp, which
import-linter builds on, reads every import statement). `.ci/run` checks the layers themselves with
`lint-imports` (pyproject's `[tool.importlinter]`); this test keeps modules that share a layer from importing
each other in a circle, which the layers contract allows."""

from __future__ import annotations

import grimp


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle_in_kmodel_or_invariants():
    # Imports under `if TYPE_CHECKING:` (annotations only, never executed) are left out, as in the layers contract.
    g = grimp.build_graph("kmodel", "invariants", exclude_type_checking_imports=True)
    graph = {m: {i for i in g.find_modules_directly_imported_by(m) if i != m} for m in g.modules}
    # a package's `__init__` importing its own submodules is not a cycle of the design
    graph = {m: {i for i in deps if not m.startswith(i + ".") and not i.startswith(m + ".")}
             for m, deps in graph.items()}
    assert strongly_connected(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
