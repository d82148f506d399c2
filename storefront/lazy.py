"""Public names of a package, imported when first used rather than when the package is.

A domain's ``__init__`` names its public surface (``__all__``), and importing everything it names
would load the ORM, the web framework and Stripe for anyone who wants one pure module of it. The
stall till does: it shares ``storefront.events.journal`` and ``pack`` and the credits' valuation and
codes, and must start in under two seconds on a small laptop. So those packages list where each
public name lives and let Python's module ``__getattr__`` (PEP 562) import it on first use; the
type checker still sees ordinary imports (under ``TYPE_CHECKING``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def exports(package: str, names: Mapping[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` for ``package``: ``names`` maps a public name to the module defining it.

    A name mapped to its own submodule (``"ledger": "storefront.credits.ledger"``) is that module.
    """

    def attribute(name: str) -> object:
        try:
            where = names[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        module = importlib.import_module(where)
        return module if where == f"{package}.{name}" else getattr(module, name)

    return attribute
