"""The component registry: every component, its props type and how to load them.

A component is a pure view over props: ``props = await load(ctx)``, ``html = render(props)``.
The list is explicit (no discovery magic): a newcomer sees every component here. Components
import :class:`components.component.Component`, never this module, so these imports make no circle.
"""

from __future__ import annotations

from functools import cache
from types import ModuleType

from components import (
    add_to_cart,
    checkout,
    credit_balance,
    fulfilment_options,
    fulfilment_promise,
    gallery,
    lookbook,
    materials,
    mini_cart,
    order_status,
    pairs_well_with,
    personalise,
    price,
    product_page,
    provenance,
    quick_view,
    repairability,
    size_guide,
    stock,
    trade_in_estimator,
    upcoming_events,
    variant_picker,
)
from components.component import Component

# In the order the component list shows them.
MODULES: tuple[ModuleType, ...] = (
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
    quick_view,
    pairs_well_with,
    fulfilment_options,
    fulfilment_promise,
    personalise,
    add_to_cart,
    mini_cart,
    checkout,
    order_status,
    trade_in_estimator,
    credit_balance,
    upcoming_events,
)


@cache
def all_components() -> dict[str, Component]:
    return {m.COMPONENT.name: m.COMPONENT for m in MODULES}
