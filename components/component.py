"""What a component is: a name, a props type and how to load them.

Kept apart from :mod:`components.registry` so a component module can describe itself without
importing the list of every component (which imports it back): this module imports no component.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from components.context import LoadContext


@dataclass(frozen=True)
class Component:
    name: str
    title: str
    props_type: type[msgspec.Struct]
    load: Callable[[LoadContext], Awaitable[Any]]
    needs_product: bool = True
    interactive: bool = False
    # False for what depends on the instant or the shopper (a promise's countdown, a cart): rendered
    # for every request and marked ``private, no-cache``, never kept per catalogue version.
    cacheable: bool = True

    @property
    def template(self) -> str:
        return f"{self.name.replace('-', '_')}/{self.name}.html.jinja"

    def props_schema(self) -> dict[str, Any]:
        return msgspec.json.schema(self.props_type)
