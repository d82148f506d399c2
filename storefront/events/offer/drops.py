"""Limited drops: a capsule run of a few pieces across some SKUs, sold at an event's stall and online.

What is left is counted through the stock ledger, not through orders: every unit that leaves with
a buyer is a ``sell`` movement, online (at payment) and at the stall (when the till's journal is
synced) alike, and a unit back on sale (a restocked return, a stall's void) is a ``return``. So
the count needs no knowledge of how a piece was sold, and agrees with the event's report. Units
held by a checkout not yet paid are not sold. Only movements recorded while the drop runs count:
a stall sale synced after the drop ended is not (it is in the event's report, as a late sale).

The drop's rule (``left``, ``status``, the words) is :mod:`.rules`, pure, with the clock injected.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from storefront.errors import DuplicateHandle, FieldError, NotFound, raise_field_errors
from storefront.events import pack
from storefront.events.models import Event, EventDrop, EventDropSku
from storefront.events.offer import rules
from storefront.events.offer.prices import open_event, unknown_or_twice, variants_by_sku
from storefront.events.schemas import DropIn, DropOut
from storefront.events.service import event_of
from storefront.inventory import service as inventory


async def drop_out(drop: EventDrop, event_handle: str, skus: list[tuple[uuid.UUID, str]], now: datetime) -> DropOut:
    status = rules.status(drop.starts_at, drop.ends_at, now)
    sold = 0
    if status != "upcoming":
        counted = await inventory.units_sold([variant for variant, _ in skus], drop.starts_at, drop.ends_at)
        sold = sum(counted.values())
    left = rules.left(drop.quantity, sold)
    return DropOut(
        handle=drop.handle,
        name=drop.name,
        event=event_handle,
        quantity=drop.quantity,
        left=left,
        starts_at=drop.starts_at,
        ends_at=drop.ends_at,
        status=status,
        text=rules.words(left, drop.quantity),
        skus=sorted(sku for _, sku in skus),
    )


async def _skus_of(drop_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[tuple[uuid.UUID, str]]]:
    rows = await EventDropSku.filter(drop_id__in=drop_ids).values_list("drop_id", "variant_id", "variant__sku")
    skus: dict[uuid.UUID, list[tuple[uuid.UUID, str]]] = defaultdict(list)
    for drop_id, variant_id, sku in rows:
        skus[uuid.UUID(str(drop_id))].append((uuid.UUID(str(variant_id)), sku))
    return skus


async def create_drop(brand_id: uuid.UUID, event_id: uuid.UUID, data: DropIn, now: datetime) -> DropOut:
    """The drop with its SKUs, each the brand's and in no other drop of this event (a 422 naming it if not)."""
    event = await event_of(brand_id, event_id)
    open_event(event, "drops")
    known = await variants_by_sku(brand_id, data.skus)
    errors = unknown_or_twice(data.skus, known, "body.skus[{i}]")
    if data.ends_at <= data.starts_at:
        errors.append(FieldError("body.ends_at", "must be after starts_at"))
    taken = dict(
        await EventDropSku.filter(event_id=event.id, variant_id__in=[v for v, _ in known.values()]).values_list(
            "variant__sku", "drop__handle"
        )
    )
    errors += [
        FieldError(f"body.skus[{i}]", f"SKU {sku!r} is already in this event's drop {taken[sku]!r}")
        for i, sku in enumerate(data.skus)
        if sku in taken
    ]
    raise_field_errors(errors)
    if await EventDrop.exists(brand_id=brand_id, handle=data.handle):
        raise DuplicateHandle(f"a drop with handle {data.handle!r} already exists")
    try:
        async with in_transaction():
            drop = await EventDrop.create(
                brand_id=brand_id,
                event_id=event.id,
                handle=data.handle,
                name=data.name,
                quantity=data.quantity,
                starts_at=data.starts_at,
                ends_at=data.ends_at,
            )
            await EventDropSku.bulk_create(
                [EventDropSku(drop_id=drop.id, event_id=event.id, variant_id=known[sku][0]) for sku in data.skus]
            )
    except IntegrityError:  # a twin request took the handle, or one of the SKUs, first
        raise DuplicateHandle(
            f"a drop with handle {data.handle!r}, or one of these SKUs in a drop of this event, already exists"
        ) from None
    return await drop_out(drop, event.handle, [(known[sku][0], sku) for sku in data.skus], now)


async def get_drop(brand_id: uuid.UUID, handle: str, now: datetime) -> DropOut:
    """The brand's drop by handle, with what is left now; another brand's is as unknown as a made-up one."""
    drop = await EventDrop.get_or_none(brand_id=brand_id, handle=handle).prefetch_related("event")
    if drop is None:
        raise NotFound("no such drop", errors=[FieldError("path.handle", "no such drop")])
    return await drop_out(drop, drop.event.handle, (await _skus_of([drop.id]))[drop.id], now)


async def event_drops(events: list[Event], now: datetime) -> dict[uuid.UUID, list[DropOut]]:
    """Each event's drops, earliest start first, with what each has left now."""
    handles = {event.id: event.handle for event in events}
    drops = await EventDrop.filter(event_id__in=list(handles)).order_by("starts_at", "id")
    skus = await _skus_of([drop.id for drop in drops])
    found: dict[uuid.UUID, list[DropOut]] = defaultdict(list)
    for drop in drops:
        found[drop.event_id].append(await drop_out(drop, handles[drop.event_id], skus[drop.id], now))
    return found


async def list_drops(brand_id: uuid.UUID, event_id: uuid.UUID, now: datetime) -> list[DropOut]:
    event = await event_of(brand_id, event_id)
    return (await event_drops([event], now)).get(event.id, [])


async def pack_drops(event_id: uuid.UUID) -> dict[uuid.UUID, pack.PackDrop]:
    """The drop each of the event's SKUs belongs to, by variant, as the till carries it (no count: it moves)."""
    rows = await EventDropSku.filter(event_id=event_id).prefetch_related("drop")
    return {
        row.variant_id: pack.PackDrop(
            handle=row.drop.handle,
            name=row.drop.name,
            quantity=row.drop.quantity,
            starts_at=row.drop.starts_at,
            ends_at=row.drop.ends_at,
        )
        for row in rows
    }
