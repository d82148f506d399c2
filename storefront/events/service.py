"""Events persistence: creating events with their stall, listing them, and allocating stock to the stall.

Stock moves only through :mod:`storefront.inventory`'s ledger (``ledger.transfer``): an allocation
is two movements per line, out of the source and into the stall, in one transaction with the
allocation lines and the brand's catalogue version, so a line short of stock rolls back all of
them and product pages never show units that went to the stall.
"""

from __future__ import annotations

import uuid
import zoneinfo
from collections import defaultdict
from datetime import datetime
from typing import cast

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from storefront.catalog import Variant
from storefront.errors import Conflict, DuplicateHandle, FieldError, NotFound, raise_field_errors
from storefront.events.models import Event, EventAllocation
from storefront.events.schemas import (
    AllocatedSku,
    AllocationIn,
    AllocationLineOut,
    AllocationOut,
    EventIn,
    EventOut,
    EventStatus,
)
from storefront.fulfilment import service as fulfilment
from storefront.inventory import WEEKDAYS, Location, LocationIn, Weekday, ledger
from storefront.inventory import service as inventory
from storefront.pagination import Page, page_of, page_query
from storefront.tenancy import bump_catalog_version

STALL_PREFIX = "stall-"


def _known_timezone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def event_out(event: Event, location_handle: str) -> EventOut:
    return EventOut(
        id=event.id,
        handle=event.handle,
        name=event.name,
        venue=event.venue,
        timezone=event.timezone,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        status=cast("EventStatus", event.status),
        location=location_handle,
        created_at=event.created_at,
    )


def stall_hours(starts_at: datetime, ends_at: datetime, timezone: str) -> dict[Weekday, list[tuple[str, str]]]:
    """The stall's daily hours as the event's own clock times: Sat 10:00 to Sun 17:00 is 10:00-17:00 each day.

    The pickup point's dated window then keeps only the event's days. An event that ends earlier in
    the day than it starts (overnight, or running round the clock) is open all day. Staff change
    them like any location's hours.
    """
    tz = zoneinfo.ZoneInfo(timezone)
    opens, closes = starts_at.astimezone(tz).strftime("%H:%M"), ends_at.astimezone(tz).strftime("%H:%M")
    hours = (opens, closes) if opens < closes else ("00:00", "23:59")
    return {day: [hours] for day in WEEKDAYS}


def stall_handle(event_handle: str) -> str:
    return (STALL_PREFIX + event_handle)[:80].rstrip("-")


async def event_of(brand_id: uuid.UUID, event_id: uuid.UUID) -> Event:
    """The brand's event; another brand's is as unknown as a made-up id."""
    event = await Event.get_or_none(brand_id=brand_id, id=event_id).prefetch_related("location")
    if event is None:
        raise NotFound("no such event", errors=[FieldError("path.event_id", "no such event")])
    return event


async def create_event(brand_id: uuid.UUID, data: EventIn) -> EventOut:
    """The event and its stall location (kind ``stall``: never a pickup point or courier hub, so off sale online)."""
    errors: list[FieldError] = []
    if not _known_timezone(data.timezone):
        errors.append(FieldError("body.timezone", f"unknown IANA timezone {data.timezone!r}"))
    if data.ends_at <= data.starts_at:
        errors.append(FieldError("body.ends_at", "must be after starts_at"))
    raise_field_errors(errors)
    if await Event.exists(brand_id=brand_id, handle=data.handle):
        raise DuplicateHandle(f"an event with handle {data.handle!r} already exists")
    stall = LocationIn(
        handle=stall_handle(data.handle),
        name=data.name,
        kind="stall",
        address=data.venue,
        timezone=data.timezone,
        opening_hours=stall_hours(data.starts_at, data.ends_at, data.timezone),
    )
    try:
        async with in_transaction():
            location = await inventory.create_location(brand_id, stall)
            if data.pickup_prep_minutes is not None:
                await fulfilment.open_dated_pickup(
                    brand_id,
                    location.id,
                    prep_minutes=data.pickup_prep_minutes,
                    opens_at=data.starts_at,
                    closes_at=data.ends_at,
                )
            event = await Event.create(
                brand_id=brand_id,
                handle=data.handle,
                name=data.name,
                venue=data.venue,
                timezone=data.timezone,
                starts_at=data.starts_at,
                ends_at=data.ends_at,
                location_id=location.id,
            )
    except IntegrityError:
        raise DuplicateHandle(f"an event with handle {data.handle!r} already exists") from None
    return event_out(event, location.handle)


async def get_event(brand_id: uuid.UUID, event_id: uuid.UUID) -> EventOut:
    event = await event_of(brand_id, event_id)
    return event_out(event, event.location.handle)


async def list_events(brand_id: uuid.UUID, *, cursor: str | None, limit: int) -> Page[EventOut]:
    """A page of the brand's events in creation order."""
    events = await page_query(Event.filter(brand_id=brand_id), cursor, limit).prefetch_related("location")
    return page_of([event_out(e, e.location.handle) for e in events], [e.id for e in events], limit)


# --- allocations ------------------------------------------------------------------------------


async def allocated(event_id: uuid.UUID) -> list[AllocatedSku]:
    """Every unit allocated to the event so far, by SKU (in SKU order, so a pack is stable)."""
    rows = await EventAllocation.filter(event_id=event_id).values_list("variant__sku", "quantity")
    totals: dict[str, int] = defaultdict(int)
    for sku, quantity in rows:
        totals[sku] += quantity
    return [AllocatedSku(sku=sku, quantity=totals[sku]) for sku in sorted(totals)]


async def _resolve_lines(
    brand_id: uuid.UUID, event: Event, data: AllocationIn
) -> list[tuple[int, uuid.UUID, str, Location]]:
    """Each line's variant and source, or one 404/422 naming every line at fault."""
    skus = {line.sku for line in data.lines}
    handles = {line.from_location for line in data.lines}
    variants = dict(
        cast(
            "list[tuple[str, uuid.UUID]]",
            await Variant.filter(brand_id=brand_id, sku__in=sorted(skus)).values_list("sku", "id"),
        )
    )
    places = {loc.handle: loc for loc in await Location.filter(brand_id=brand_id, handle__in=sorted(handles))}
    missing: list[FieldError] = []
    wrong: list[FieldError] = []
    for i, line in enumerate(data.lines):
        if line.sku not in variants:
            missing.append(FieldError(f"body.lines[{i}].sku", f"no variant with SKU {line.sku!r}"))
        place = places.get(line.from_location)
        if place is None:
            missing.append(FieldError(f"body.lines[{i}].from_location", f"no location {line.from_location!r}"))
        elif place.id == event.location_id:
            wrong.append(FieldError(f"body.lines[{i}].from_location", "this is the event's own stall"))
    if missing:
        raise NotFound("; ".join(f"{e.field}: {e.message}" for e in missing), errors=missing)
    raise_field_errors(wrong)
    return [(i, variants[line.sku], line.sku, places[line.from_location]) for i, line in enumerate(data.lines)]


async def allocate(brand_id: uuid.UUID, event_id: uuid.UUID, data: AllocationIn) -> AllocationOut:
    """Move every line's units to the stall, or none of them (409 ``out_of_stock`` naming the SKU short)."""
    try:
        return await _allocate_once(brand_id, event_id, data)
    except IntegrityError:
        # The first units of a SKU at the stall create its level; two racing allocations collide on
        # its unique key and the loser, retried, finds the row and locks it.
        return await _allocate_once(brand_id, event_id, data)


async def _allocate_once(brand_id: uuid.UUID, event_id: uuid.UUID, data: AllocationIn) -> AllocationOut:
    event = await event_of(brand_id, event_id)
    if event.status != "open":
        raise Conflict("this event is closed: nothing more can be allocated to it")
    lines = await _resolve_lines(brand_id, event, data)
    reason = f"allocated to event {event.handle}"
    made: dict[int, EventAllocation] = {}
    async with in_transaction():
        # Locks are taken in one order (variant, source) whatever the request's, so two allocations
        # sharing levels wait for each other instead of deadlocking.
        for i, variant_id, sku, place in sorted(lines, key=lambda line: (str(line[1]), str(line[3].id))):
            quantity = data.lines[i].quantity
            await ledger.transfer(
                brand_id,
                variant_id,
                place.id,
                event.location_id,
                quantity,
                sku=sku,
                field=f"body.lines[{i}].quantity",
                reason=reason,
            )
            made[i] = await EventAllocation.create(
                event_id=event.id, variant_id=variant_id, from_location_id=place.id, quantity=quantity, reason=reason
            )
        await bump_catalog_version(brand_id)
    out = [
        AllocationLineOut(
            id=made[i].id,
            sku=sku,
            from_location=place.handle,
            quantity=made[i].quantity,
            reason=reason,
            created_at=made[i].created_at,
        )
        for i, _, sku, place in lines
    ]
    return AllocationOut(event_id=event.id, lines=out, allocation=await allocated(event.id))
