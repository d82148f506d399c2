"""Which products to suggest beside one: a bounded read, whatever the size of the catalogue.

"Pairs well with" prefers another size class, then what can be had now, then the nearest "from"
price. Ranking every product of the brand cost a page-through of the whole catalogue after each
stock movement (507 ms at 10,000 products). Here each size class gives at most
:data:`PER_SIDE` products priced just above and just below the product, read in price order
through the ``variant (brand_id, price_minor)`` index: a pool of at most 8 times ``PER_SIDE``
products that the pure rule then ranks. A candidate further away in price than that pool is
never suggested, which is the rule's intent anyway (the add-on sits in the same budget).
"""

from __future__ import annotations

import uuid
from typing import cast

from storefront.catalog.models import Variant
from storefront.catalog.rules import SIZE_CLASSES

PER_SIDE = 6


async def candidate_ids(
    brand_id: uuid.UUID, *, product_id: uuid.UUID, price_minor: int, currency: str
) -> list[uuid.UUID]:
    """Up to ``PER_SIDE`` products per size class priced at or above ``price_minor``, and as many below."""
    found: dict[uuid.UUID, None] = {}
    for size_class in SIZE_CLASSES:
        base = Variant.filter(brand_id=brand_id, currency=currency, product__size_class=size_class).exclude(
            product_id=product_id
        )
        above = base.filter(price_minor__gte=price_minor).order_by("price_minor", "id")
        below = base.filter(price_minor__lt=price_minor).order_by("-price_minor", "-id")
        for query in (above, below):
            # Over-fetch variants (one product may hold several of the nearest prices), keep PER_SIDE products.
            side: dict[uuid.UUID, None] = {}
            for pid in await query.limit(PER_SIDE * 4).values_list("product_id", flat=True):
                side.setdefault(cast(uuid.UUID, pid))
                if len(side) == PER_SIDE:
                    break
            found.update(side)
    return list(found)
