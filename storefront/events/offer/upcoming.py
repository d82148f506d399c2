"""What a brand's site shows of its coming events: the open ones not yet over, and what each stall brings.

Read with the publishable key (the brand's own site calls it), so it says nothing the catalogue
does not already say: no quantities allocated, no devices, no stall location. A product is shown
at its stall price, with the online price beside it when that differs, and with the drop it is in.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime

from storefront.catalog import Variant
from storefront.events.models import Event, EventAllocation
from storefront.events.offer.drops import event_drops
from storefront.events.offer.prices import stall_prices
from storefront.events.schemas import StallProductOut, UpcomingEventOut
from storefront.money import Money

MAX_UPCOMING = 20  # a site lists the next few; a brand with more shows the soonest


def _product(variant: Variant, price: int | None, drop: str | None) -> StallProductOut:
    images = variant.images or variant.product.images
    image = images[0] if images else None
    at_stall = variant.price_minor if price is None else price
    return StallProductOut(
        product=variant.product.handle,
        sku=variant.sku,
        title=variant.product.title,
        variant_title=variant.title,
        price=Money(amount=at_stall, currency=variant.currency),
        list_price=Money(amount=variant.price_minor, currency=variant.currency)
        if at_stall != variant.price_minor
        else None,
        image=image.get("url") if image else None,
        image_alt=image.get("alt", "") if image else "",
        drop=drop,
    )


async def upcoming_events(brand_id: uuid.UUID, now: datetime) -> list[UpcomingEventOut]:
    """The brand's open events whose end is after ``now``, soonest first, each with its products and drops."""
    events = (
        await Event.filter(brand_id=brand_id, status="open", ends_at__gt=now)
        .order_by("starts_at", "id")
        .limit(MAX_UPCOMING)
    )
    if not events:
        return []
    ids = [event.id for event in events]
    allocated: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for event_id, variant_id in await EventAllocation.filter(event_id__in=ids).values_list("event_id", "variant_id"):
        allocated[uuid.UUID(str(event_id))].add(uuid.UUID(str(variant_id)))
    wanted = set().union(*allocated.values())
    variants = {
        v.id: v for v in await Variant.filter(brand_id=brand_id, id__in=list(wanted)).prefetch_related("product")
    }
    prices = await stall_prices(ids)
    drops = await event_drops(events, now)
    out = []
    for event in events:
        in_drop = {sku: drop.handle for drop in drops.get(event.id, []) for sku in drop.skus}
        products = sorted(
            (
                _product(variants[v], prices.get((event.id, v)), in_drop.get(variants[v].sku))
                for v in allocated[event.id]
                if v in variants
            ),
            key=lambda p: (p.title, p.variant_title, p.sku),
        )
        out.append(
            UpcomingEventOut(
                id=event.id,
                handle=event.handle,
                name=event.name,
                venue=event.venue,
                timezone=event.timezone,
                starts_at=event.starts_at,
                ends_at=event.ends_at,
                products=products,
                drops=drops.get(event.id, []),
            )
        )
    return out
