"""The package layout: no import cycles, modules of one job, Mesa's public API only."""

import ast
import re
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sim", "experiments")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def import_graph() -> nx.DiGraph:
    """Every import between the project's modules, function-level imports included."""
    modules = {_module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                submodules = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules]
                # "from pkg import module" imports the module (and runs pkg/__init__ first, which is not a
                # dependency of the importer's code); "from pkg import name" depends on pkg itself
                targets = submodules if len(submodules) == len(node.names) else [base] + submodules
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name and not name.startswith(target + "."):
                    graph.add_edge(name, target)
    return graph


def test_no_import_cycles():
    cycles = list(nx.simple_cycles(import_graph()))
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(c + [c[0]]) for c in cycles[:5])


def test_the_graph_sees_imports():
    graph = import_graph()
    assert graph.has_edge("sim.campaign.model", "sim.campaign.setup")
    assert graph.has_edge("sim.studies.replicate", "sim.campaign.model")


def test_layers_import_downwards_only():
    order = ["sim.errors", "sim.scenario", "sim.rules", "sim.world", "sim.campaign", "sim.studies", "sim.reports"]

    def layer(module):
        return max((i for i, p in enumerate(order) if module == p or module.startswith(p + ".")), default=None)

    for a, b in import_graph().edges():
        la, lb = layer(a), layer(b)
        if la is not None and lb is not None:
            assert lb <= la, f"{a} (layer {order[la]}) imports {b} (layer {order[lb]})"


def test_mesa_is_used_through_its_public_api_only():
    pattern = re.compile(r"_HardKeyAgentSet|object\.__new__|_agents_by_type|_all_agents|from mesa\.\S+ import _")
    offenders = [f"{p.relative_to(ROOT)}:{k + 1}" for p in (ROOT / "sim").rglob("*.py")
                 for k, line in enumerate(p.read_text().splitlines()) if pattern.search(line)]
    assert offenders == []


def test_no_module_is_too_long():
    long = [(str(p.relative_to(ROOT)), n) for p in (ROOT / "sim").rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 760]
    assert long == []
