"""The components package has no import circle, so any component can be imported (and tested) on its own.

The circle this guards against ran through the registry: components imported ``Component`` from
it and it imported every component back. Components now take ``Component`` from
:mod:`components.component` and shared loaders from :mod:`components.loaders`; neither may
import a component, and no component may reach the registry.
"""

from __future__ import annotations

from functools import cache

import grimp
import pytest

from components import registry

COMPONENT_PACKAGES = [m.__name__ for m in registry.MODULES]
SHARED = ("components.component", "components.loaders")  # what components import; they import no component


@cache
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("components", cache_dir=None)  # no cache: it would write into the checkout


@pytest.mark.parametrize("shared", SHARED)
def test_shared_modules_import_no_component(shared: str) -> None:
    back = ["components.registry", *COMPONENT_PACKAGES]
    reached = [m for m in back if graph().chain_exists(importer=shared, imported=m, as_packages=True)]
    assert not reached, f"{shared} is imported by components, so it must not import {reached}: that makes a circle"


@pytest.mark.parametrize("package", COMPONENT_PACKAGES)
def test_no_component_imports_the_registry(package: str) -> None:
    chain = graph().find_shortest_chain(importer=package, imported="components.registry", as_packages=True)
    assert chain is None, (
        f"{' -> '.join(chain or ())}: the registry imports every component, so a component must not import it "
        "(take Component from components.component)"
    )


def test_no_import_cycle() -> None:
    g = graph()
    cycles = [
        " -> ".join((module, *chain))
        for module in sorted(g.modules)
        for imported in sorted(g.find_modules_directly_imported_by(module))
        if (chain := g.find_shortest_chain(importer=imported, imported=module))
    ]
    assert not cycles, "import cycles among the components modules:\n" + "\n".join(cycles)
