"""Where a line's stock units may come from, by fulfilment method.

Pickup takes units from the shop the shopper collects at; a courier run starts at its hub and,
when the hub has too few, takes the rest from the brand's other stock rooms, in the same order
the promise engine counted them. The stock ledger then holds them at those places.
"""

from __future__ import annotations

import uuid
from typing import cast

from storefront.fulfilment import rules as fulfilment_rules
from storefront.inventory import Location


async def stock_candidates(brand_id: uuid.UUID, method: str, location: str) -> list[uuid.UUID]:
    """Where a line's units may come from: the pickup shop; for a courier, the hub, then other stock rooms."""
    place = await Location.get(brand_id=brand_id, handle=location)
    if method == "pickup":
        return [place.id]
    others = cast(
        "list[uuid.UUID]",
        await Location.filter(brand_id=brand_id, kind__in=sorted(fulfilment_rules.COURIER_KINDS))
        .exclude(id=place.id)
        .order_by("id")
        .values_list("id", flat=True),
    )
    return [place.id, *others]
