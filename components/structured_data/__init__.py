"""schema.org structured data for the product page: the graph (:mod:`.graph`) and its terms (:mod:`.terms`).

``product_group`` is imported on first use rather than here: the graph reads the product page's
types, the product page imports the shared loaders, and the loaders build this package's terms.
Importing the graph eagerly would make that a circle at import time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from components.structured_data.graph import product_group as product_group


def __getattr__(name: str) -> Any:
    if name == "product_group":
        from components.structured_data.graph import product_group  # lazily: see the module docstring

        return product_group
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
