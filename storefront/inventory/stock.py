"""Reading stock for product pages and listings: inventory's side of the catalogue's ``StockReader`` port.

Available units are on hand less reserved (held by checkouts), never below zero; stall stock
counts for nothing online, since it has gone to an event.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

import msgspec
from tortoise.expressions import Subquery

from storefront.catalog import LocationStock, Variant, VariantStock
from storefront.inventory.models import Location, StockLevel
from storefront.inventory.rules import COURIER_KINDS, PICKUP_KINDS


class InventoryStock:
    """Implements :class:`storefront.catalog.stock.StockReader` over the stock levels (the ledger's cache)."""

    async def has_microfactory(self, brand_id: uuid.UUID) -> bool:
        return await Location.filter(brand_id=brand_id, kind="microfactory").exists()

    async def by_variant(
        self, variant_ids: list[uuid.UUID], made_to_order: dict[uuid.UUID, bool]
    ) -> dict[uuid.UUID, VariantStock]:
        rows = await StockLevel.filter(variant_id__in=variant_ids).values_list(
            "variant_id", "location__handle", "location__kind", "on_hand", "reserved"
        )
        by_variant: dict[uuid.UUID, list[LocationStock]] = defaultdict(list)
        for variant_id, location, kind, on_hand, reserved in sorted(rows, key=lambda r: (str(r[0]), r[1])):
            by_variant[variant_id].append(
                LocationStock(location=location, kind=kind, available=max(on_hand - reserved, 0))
            )
        out: dict[uuid.UUID, VariantStock] = {}
        for variant_id in variant_ids:
            locations = by_variant.get(variant_id, [])
            out[variant_id] = VariantStock(
                available=sum(s.available for s in locations if s.kind != "stall"),
                pickup=sum(s.available for s in locations if s.kind in PICKUP_KINDS),
                courier=sum(s.available for s in locations if s.kind in COURIER_KINDS),
                made_to_order=made_to_order[variant_id],
                by_location=locations,
            )
        return out

    async def products_with_units(self, brand_id: uuid.UUID, product_ids: list[uuid.UUID] | None) -> set[uuid.UUID]:
        kinds = sorted(COURIER_KINDS)
        if product_ids is None:  # the whole catalogue: the brand's levels, through (brand_id, id)
            rows = await StockLevel.filter(brand_id=brand_id, location__kind__in=kinds).values_list(
                "variant__product_id", "on_hand", "reserved"
            )
            return {pid for pid, on_hand, reserved in rows if on_hand - reserved > 0}
        if not product_ids:
            return set()
        # These products' levels only: their variants (variant_product_id), then each variant's levels
        # (the unique (variant_id, location_id) index). The brand is checked on the rows, not in SQL:
        # SQLite keeps no statistics, and given `brand_id = ?` it walks the brand's whole index instead.
        variants = Subquery(Variant.filter(product_id__in=product_ids).values("id"))
        found = await StockLevel.filter(variant_id__in=variants, location__kind__in=kinds).values_list(
            "variant__product_id", "brand_id", "on_hand", "reserved"
        )
        return {pid for pid, brand, on_hand, reserved in found if brand == brand_id and on_hand - reserved > 0}


READER = InventoryStock()


class LowStock(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    location: str
    available: int


async def low_stock(brand_id: uuid.UUID, *, at_most: int = 2, limit: int = 10) -> list[LowStock]:
    """Variants nearly gone at a shop or warehouse (stalls sell what they were sent), fewest first."""
    rows = await StockLevel.filter(
        brand_id=brand_id, location__kind__in=sorted(COURIER_KINDS | PICKUP_KINDS)
    ).values_list("variant__sku", "location__handle", "on_hand", "reserved")
    low = [LowStock(sku=sku, location=place, available=max(on - held, 0)) for sku, place, on, held in rows]
    return sorted((s for s in low if s.available <= at_most), key=lambda s: (s.available, s.sku, s.location))[:limit]
