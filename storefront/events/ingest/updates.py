"""What a till online during the event learns at sync: stall prices, offline credit caps, reservations.

Kept small: every stall price the event sets now (the till replaces what its pack said; a
cleared price answers the variant's online price again), every offline credit cap, and every
online order waiting to be collected at the stall (reserved since the pack was cut, or not).
"""

from __future__ import annotations

import uuid

from storefront.events.journal import PriceUpdate, SyncUpdates
from storefront.events.models import Event, EventPrice
from storefront.events.offline_credits import credit_updates
from storefront.events.packs import stall_reservations


async def since_pack(brand_id: uuid.UUID, event: Event) -> SyncUpdates:
    """Every stall price and every offline cap of the event as they stand (values: hearing one twice is harmless).

    The request does not say when the device's pack was cut, so the answer covers the whole event
    rather than risk missing a change; both lists are a stall's handful.
    """
    credits = await credit_updates(brand_id, event.id, event.created_at)
    rows = await EventPrice.filter(event_id=event.id).values_list("variant__sku", "price_minor", "variant__price_minor")
    prices = [
        PriceUpdate(sku=str(sku), price=int(price if price is not None else online))
        for sku, price, online in sorted(rows, key=lambda r: str(r[0]))
    ]
    return SyncUpdates(prices=prices, credits=credits, reservations=await stall_reservations(brand_id, event))
