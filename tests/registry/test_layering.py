"""The registry's layering (issue 8): no two registry modules import each other, directly or
through others (function-level imports count too), and every module stays readable."""
from __future__ import annotations

import ast
from pathlib import Path

REGISTRY = Path(__file__).resolve().parents[2] / "src" / "kzinvest" / "registry"
MAX_LINES = 520


def imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in REGISTRY.glob("*.py"):
        name = path.stem
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module.startswith("kzinvest.registry."):
                    deps.add(node.module.split(".")[2])
                elif node.module == "kzinvest.registry":
                    deps |= {a.name for a in node.names}
            elif isinstance(node, ast.Import):
                deps |= {a.name.split(".")[2] for a in node.names
                         if a.name.startswith("kzinvest.registry.")}
        graph[name] = deps - {name}
    return graph


def test_no_import_cycles_in_the_registry():
    graph = imports()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(m):] + [m]))
            if m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n)


def test_resolution_lives_in_one_place_that_ingest_and_rebuild_call():
    graph = imports()
    assert "resolution" in graph["documents"] or "resolution" in graph["store"]
    assert "resolution" in graph["rebuild"]
    for low in ("store", "ingest", "reextract", "query", "export"):
        assert low not in graph["resolution"]
    assert "store" not in graph["ingest"] and "ingest" not in graph["store"] or \
        "store" not in graph["ingest"]
    assert "export" not in graph["query"] or "query" not in graph["export"]


def test_modules_stay_small():
    big = {p.name: n for p in REGISTRY.glob("*.py")
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not big, big
