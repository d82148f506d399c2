"""Which products to suggest beside one: a bounded read, whatever the size of the catalogue.

"Pairs well with" prefers another size class, then what can be had now, then the nearest "from"
price. Its pool is, per size class and side of the product's price, the :data:`PER_SIDE`
products priced nearest, which the pure rule then ranks.

The size class is a product column and the price a variant column, so no index orders a class
by price. Walking the ``variant (brand_id, currency, price_minor)`` index and keeping one class
reads every variant between the price and that class's sixth product: the whole catalogue for a
class the brand does not make (on SQLite, at 10,000 products, those two walks read all 20,000
variants, about 78 of the 86 ms a product page took after a write), and on PostgreSQL, whose
statistics skip a missing class, still every variant of the classes priced in between. So:

1. one walk per side reads at most :data:`WINDOW` variants, every class at once, and keeps the
   first ``PER_SIDE`` products of each class (:func:`nearest_per_class`);
2. a class that walk leaves short, where the window did not reach the end of the side, is
   looked up through the ``product (brand_id, size_class)`` index, at most :data:`RARE` + 1
   rows: a class that small (a few pouches beside many bags, or one the brand does not make) is
   read whole and its nearest products picked here, so a pouch is still suggested beside a tote
   however far apart their prices;
3. a larger class keeps what the window found of it: the rest is plentiful but far from this
   price, not in the same budget.

At most seven statements (two walks, one look-up per short class, one read of the rare ones),
and rows read bounded by ``2 * WINDOW + 4 * (RARE + 1)`` plus the variants of the rare classes,
whatever the catalogue's size. A brand with fewer than ``WINDOW`` variants on each side is
walked to its ends: its pool is exactly the nearest products of each class, in two statements.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import cast

from storefront.catalog.models import Product, Variant
from storefront.catalog.rules import SIZE_CLASSES

PER_SIDE = 6
# Variants read on each side of the price, each with its product's look-up. On the 10,000-product
# scale brand, 128 picked the same suggestions as the exact per-class walks on 100 of 100 sampled
# pages (64 on 11); 256 read twice the rows for nothing more.
WINDOW = 128
RARE = 8 * PER_SIDE  # a class with at most this many products is read whole when the window misses it

# (product id, size class) of variants in walking order: nearest price first.
Walk = list[tuple[uuid.UUID, str]]


def nearest_per_class(walk: Iterable[tuple[uuid.UUID, str]], per_side: int = PER_SIDE) -> dict[str, list[uuid.UUID]]:
    """The first ``per_side`` distinct products of each size class met on a walk (a product may hold several prices)."""
    found: dict[str, list[uuid.UUID]] = {}
    for product_id, size_class in walk:
        products = found.setdefault(size_class, [])
        if len(products) < per_side and product_id not in products:
            products.append(product_id)
    return found


def rare_walks(
    variants: Iterable[tuple[uuid.UUID, uuid.UUID, int]], size_class: dict[uuid.UUID, str], price_minor: int
) -> tuple[Walk, Walk]:
    """The walks above and below ``price_minor`` over (variant id, product id, price) rows, as the index walks them.

    Above: price then id ascending, from ``price_minor`` included; below: both descending. Ids
    compare as their text, as SQLite stores them and as PostgreSQL orders UUIDs.
    """
    rows = sorted(variants, key=lambda r: (r[2], str(r[0])))
    above = [(pid, size_class[pid]) for _, pid, price in rows if price >= price_minor]
    below = [(pid, size_class[pid]) for _, pid, price in reversed(rows) if price < price_minor]
    return above, below


async def candidate_ids(
    brand_id: uuid.UUID, *, product_id: uuid.UUID, price_minor: int, currency: str
) -> list[uuid.UUID]:
    """Up to ``PER_SIDE`` products per size class priced at or above ``price_minor``, and as many below."""
    base = Variant.filter(brand_id=brand_id, currency=currency).exclude(product_id=product_id)
    walks: list[Walk] = []
    for query in (
        base.filter(price_minor__gte=price_minor).order_by("price_minor", "id"),
        base.filter(price_minor__lt=price_minor).order_by("-price_minor", "-id"),
    ):
        rows = await query.limit(WINDOW).values_list("product_id", "product__size_class")
        walks.append(cast("Walk", rows))
    sides = [nearest_per_class(walk) for walk in walks]
    short = {
        size_class
        for walk, side in zip(walks, sides, strict=True)
        if len(walk) == WINDOW  # else the window reached the end of this side: nothing further to find
        for size_class in SIZE_CLASSES
        if len(side.get(size_class, ())) < PER_SIDE
    }
    rare: dict[uuid.UUID, str] = {}
    for size_class in sorted(short):
        members = (
            await Product.filter(brand_id=brand_id, size_class=size_class)
            .exclude(id=product_id)
            .limit(RARE + 1)
            .values_list("id", flat=True)
        )
        if len(members) <= RARE:
            rare.update((cast(uuid.UUID, pid), size_class) for pid in members)
    if rare:
        rows = await Variant.filter(product_id__in=list(rare), currency=currency).values_list(
            "id", "product_id", "price_minor"
        )
        # Read whole, these classes' walks are exact on both sides: they replace what the window saw.
        exact = rare_walks(cast("list[tuple[uuid.UUID, uuid.UUID, int]]", rows), rare, price_minor)
        for side, walk in zip(sides, exact, strict=True):
            side.update(nearest_per_class(walk))
    found: dict[uuid.UUID, None] = {}
    for size_class in SIZE_CLASSES:
        for side in sides:
            found.update(dict.fromkeys(side.get(size_class, ())))
    return list(found)
