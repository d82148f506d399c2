"""Closing an event: unsold stock goes back where it came from, held credit goes back to its codes.

Units still at the stall return to the locations they were allocated from, each source taking
back at most what it sent (the latest allocation lines first, so a top-up from the shop goes back
to the shop), through the stock ledger's transfer, so the ledger explains the round trip. Units
held for reservations stay (they belong to their orders), and a stall that sold past its
allocation has nothing to give back: its negative level stays, with its flags, for the merchant.

The stall stops being a pickup point. The offline caps held for the event go back to their
credits' balances once no till can spend them, when the event's packs expire (at the close if they
already have, else by housekeeping: :func:`release_spent_holds`). Closing twice changes nothing.
The event's devices may still sync: what arrives after the close lands in the late bucket (a
completed stall sale is never refused).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from tortoise.transactions import in_transaction

from storefront.clock import utcnow
from storefront.credits import event_holds
from storefront.events import pack
from storefront.events.models import Event, EventAllocation
from storefront.events.schemas import EventOut
from storefront.events.service import event_of, event_out
from storefront.fulfilment import service as fulfilment
from storefront.inventory import StockLevel, ledger
from storefront.tenancy import bump_catalog_version

Source = tuple[uuid.UUID, int]  # (location id, units allocated from it)


def give_back(available: int, sources: Sequence[Source]) -> list[Source]:
    """How many of ``available`` units each source takes back: latest allocation first, each at most what it sent.

    Units beyond everything allocated (nothing should be: a stall gets stock only by allocation)
    go to the first source, so none are stranded at a closed stall.
    """
    left = max(available, 0)
    back: dict[uuid.UUID, int] = defaultdict(int)
    for location_id, quantity in reversed(sources):
        take = min(left, quantity)
        if take > 0:
            back[location_id] += take
            left -= take
    if left > 0 and sources:
        back[sources[0][0]] += left
    return [(location_id, units) for location_id, units in back.items() if units > 0]


async def close_event(brand_id: uuid.UUID, event_id: uuid.UUID, *, now: datetime | None = None) -> EventOut:
    at = now or utcnow()
    async with in_transaction():
        event = await event_of(brand_id, event_id)
        locked = await Event.select_for_update().get(id=event.id)
        if locked.status != "closed":
            await _return_stock(brand_id, event)
            await fulfilment.close_dated_pickup(brand_id, event.location_id)
            locked.status = "closed"
            await locked.save(update_fields=["status"])
            await bump_catalog_version(brand_id)
        event.status = locked.status
    if at >= pack.expiry(event.ends_at):
        await event_holds.release_event_holds(brand_id, event.id, now=at)
    return event_out(event, event.location.handle)


async def release_spent_holds(now: datetime | None = None) -> int:
    """Release the credit every event holds whose packs have expired (housekeeping); how many events freed.

    Until then a till may still sync a sale that spent it (a pack is good for two days after its
    event ends), so the hold stays even past the close: online spending must not take it first.
    """
    at = now or utcnow()
    freed = 0
    for brand_id, event_id in await event_holds.holding_events():
        event = await Event.get_or_none(brand_id=brand_id, id=event_id).only("id", "ends_at")
        if event is None or at >= pack.expiry(event.ends_at):  # an event deleted holds nothing for anyone
            await event_holds.release_event_holds(brand_id, event_id, now=at)
            freed += 1
    return freed


async def _return_stock(brand_id: uuid.UUID, event: Event) -> None:
    lines = await EventAllocation.filter(event_id=event.id).order_by("created_at", "id").prefetch_related("variant")
    by_variant: dict[uuid.UUID, list[Source]] = defaultdict(list)
    skus: dict[uuid.UUID, str] = {}
    for line in lines:
        by_variant[line.variant_id].append((line.from_location_id, line.quantity))
        skus[line.variant_id] = line.variant.sku
    levels = await StockLevel.filter(location_id=event.location_id, variant_id__in=list(by_variant))
    for level in sorted(levels, key=lambda lv: skus[lv.variant_id]):
        available = level.on_hand - level.reserved
        for location_id, units in give_back(available, by_variant[level.variant_id]):
            await ledger.transfer(
                brand_id,
                level.variant_id,
                event.location_id,
                location_id,
                units,
                sku=skus[level.variant_id],
                field="path.event_id",
                reason=f"event {event.handle} closed: unsold stock returned",
            )
