"""The house rules of DESIGN section 2 that import-linter cannot say: no cycles, and public surfaces.

import-linter (``lint-imports``, run by tests/run.sh) enforces the layer order. These tests add
what a newcomer should be able to trust on top: the storefront's domain packages form an
acyclic graph, and one domain uses another only through the names its ``__init__.py`` lists in
``__all__``, so a domain's internals can move without breaking its neighbours.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections import defaultdict
from pathlib import Path

import grimp

STOREFRONT = Path(__file__).resolve().parent.parent / "storefront"
KERNEL = {
    "cache",
    "clock",
    "db",
    "decoding",
    "errors",
    "ids",
    "lazy",
    "money",
    "pagination",
    "params",
    "settings",
    "sql",
}
COMPOSITION_ROOT = {"app", "asgi", "cli"}  # wires everything together: may mount any domain's controllers


# DESIGN section 2's domains, lowest first; those not built yet are simply absent.
DOMAINS = [
    *("tenancy", "catalog", "lookbooks", "analytics", "inventory", "fulfilment", "credits"),
    *("payments", "cart", "orders", "checkout", "events", "backoffice"),
]


def _domains() -> list[str]:
    return [name for name in DOMAINS if (STOREFRONT / name / "__init__.py").exists()]


def _part(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "storefront" and len(parts) > 1 else None


def _package_graph() -> dict[str, set[str]]:
    graph = grimp.build_graph("storefront")
    edges: dict[str, set[str]] = defaultdict(set)
    for module in graph.modules:
        source = _part(module)
        if source is None or source == "migrations":
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            target = _part(imported)
            if target is not None and target != source:
                edges[source].add(target)
    return edges


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle in the graph, as a path that returns to its start, or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_storefront_package_graph_is_acyclic() -> None:
    edges = _package_graph()
    assert edges["checkout"] >= {"cart", "orders", "payments"}, "the graph was not read"
    cycle = _cycle(edges)
    assert cycle is None, "storefront packages import each other in a circle: " + " -> ".join(cycle or [])


def test_the_kernel_imports_no_domain() -> None:
    edges = _package_graph()
    domains = set(_domains())
    for module in KERNEL:
        assert not edges.get(module, set()) & domains, f"storefront.{module} is kernel but imports a domain"


def _cross_domain_imports() -> list[tuple[str, int, str, list[str]]]:
    """(file, line, imported module, names) for every import of another domain's package or module."""
    domains = set(_domains())
    found = []
    for path in sorted(STOREFRONT.rglob("*.py")):
        relative = path.relative_to(STOREFRONT.parent).with_suffix("")
        importer = ".".join(relative.parts).removesuffix(".__init__")
        mine = _part(importer)
        if mine == "migrations":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                target = _part(node.module) if node.module.startswith("storefront.") else None
                if target in domains and target != mine:
                    found.append((str(relative), node.lineno, node.module, [a.name for a in node.names]))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    target = _part(alias.name) if alias.name.startswith("storefront.") else None
                    if target in domains and target != mine:
                        found.append((str(relative), node.lineno, alias.name, []))
    return found


def test_domains_use_each_other_only_through_their_public_names() -> None:
    problems = []
    imports = _cross_domain_imports()
    assert len(imports) > 50, "the imports were not read"
    for where, line, module, names in imports:
        domain = module.split(".")[1]
        public = set(importlib.import_module(f"storefront.{domain}").__all__)
        importer = where.split("/")
        if importer[1].removesuffix(".py") in COMPOSITION_ROOT and module.endswith((".api", "_api")):
            continue  # the composition root mounts each domain's controllers
        if module != f"storefront.{domain}":
            problems.append(f"{where}:{line} imports {module}; import from storefront.{domain} instead")
            continue
        problems.extend(
            f"{where}:{line} uses storefront.{domain}.{name}, which is not in its __all__"
            for name in names
            if name not in public
        )
    assert not problems, "\n".join(problems)


def test_every_domain_names_its_public_surface() -> None:
    for domain in _domains():
        package = importlib.import_module(f"storefront.{domain}")
        assert isinstance(getattr(package, "__all__", None), list), f"storefront.{domain} has no __all__"
        missing = [name for name in package.__all__ if not hasattr(package, name)]
        assert not missing, f"storefront.{domain}.__all__ names what it does not define: {missing}"


# One home per ledger: the only module that may create rows of each ledger table, or write them in bulk.
LEDGER_WRITERS = {
    "StockMovement": "storefront/inventory/ledger.py",
    "StockLevel": "storefront/inventory/ledger.py",
    "CapacityBooking": "storefront/fulfilment/capacity.py",
    "Order": "storefront/orders/placing.py",
    "OrderLine": "storefront/orders/placing.py",
    "OrderEvent": "storefront/orders/placing.py",
    "Fulfilment": "storefront/orders/placing.py",
    "OrderKpiCounter": "storefront/orders/kpi_counters.py",
    "OrderKpiReason": "storefront/orders/kpi_counters.py",
}
# Tables written with raw SQL (upserts that add to counters): no other module writes them in SQL
# (reading them is anyone's; the models and migrations define them).
RAW_SQL_WRITERS = {
    "order_kpi_counter": "storefront/orders/kpi_counters.py",
    "order_kpi_reason": "storefront/orders/kpi_counters.py",
    "analytics_rollup": "storefront/analytics/service.py",
}
_WRITES = {"create", "bulk_create", "get_or_create", "update_or_create"}


def test_each_ledger_table_has_one_writer() -> None:
    writers: dict[str, set[str]] = defaultdict(set)
    for root in (STOREFRONT, STOREFRONT.parent / "components"):
        for path in root.rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr in _WRITES
                    and isinstance(node.value, ast.Name)
                    and node.value.id in LEDGER_WRITERS
                ):
                    writers[node.value.id].add(str(path.relative_to(STOREFRONT.parent)))
    assert writers["StockMovement"], "the scan found no writer at all"
    for table, home in LEDGER_WRITERS.items():
        assert writers[table] <= {home}, f"{table} rows are created outside {home}: {sorted(writers[table] - {home})}"


def test_counter_tables_are_written_in_sql_by_their_writer_alone() -> None:
    for root in (STOREFRONT, STOREFRONT.parent / "components"):
        for path in root.rglob("*.py"):
            if "migrations" in path.parts:
                continue
            source, where = path.read_text(), str(path.relative_to(STOREFRONT.parent))
            for table, home in RAW_SQL_WRITERS.items():
                writes = re.search(rf'\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?{table}"?\b', source, re.IGNORECASE)
                assert writes is None or where == home, f"{where} writes {table}, written only by {home}"
