"""The component registry: every component, its props type and how to load them.

A component is a pure view over props: ``props = await load(ctx)``, ``html = render(props)``.
The list is explicit (no discovery magic): a newcomer sees every component here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
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


@cache
def all_components() -> dict[str, Component]:
    from components import (
        add_to_cart,
        checkout,
        fulfilment_options,
        fulfilment_promise,
        gallery,
        lookbook,
        materials,
        mini_cart,
        pairs_well_with,
        personalise,
        price,
        product_page,
        provenance,
        repairability,
        size_guide,
        stock,
        variant_picker,
    )

    modules = [
        product_page,
        gallery,
        price,
        variant_picker,
        stock,
        materials,
        provenance,
        repairability,
        size_guide,
        lookbook,
        pairs_well_with,
        fulfilment_options,
        fulfilment_promise,
        personalise,
        add_to_cart,
        mini_cart,
        checkout,
    ]
    return {m.COMPONENT.name: m.COMPONENT for m in modules}
