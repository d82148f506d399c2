"""Holding, selling and releasing stock and made-to-order capacity, inside the caller's transaction.

Every change is a stock-ledger movement (``reserve``, ``sell``, ``release``, ``return``) with the
cached level moved in the same transaction, so what checkout, payment and returns did to stock
can always be read back. Level rows are locked (``FOR UPDATE`` on PostgreSQL; SQLite serialises
writers) so a hundred checkouts racing for the last ten units hold exactly ten.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

import msgspec

from storefront.errors import Conflict, FieldError, InsufficientStock
from storefront.fulfilment import promise
from storefront.fulfilment import rules as fulfilment_rules
from storefront.fulfilment.models import CapacityBooking, Microfactory
from storefront.fulfilment.quoting import microfactory_rules
from storefront.inventory.models import Location, StockLevel, StockMovement


class NoCapacity(Conflict):
    code = "no_capacity"
    title = "No production capacity left"


async def _move(level: StockLevel, kind: str, on_hand: int, reserved: int, reason: str) -> None:
    level.on_hand += on_hand
    level.reserved += reserved
    await level.save(update_fields=["on_hand", "reserved", "updated_at"])
    await StockMovement.create(
        brand_id=level.brand_id,  # type: ignore[attr-defined]
        variant_id=level.variant_id,  # type: ignore[attr-defined]
        location_id=level.location_id,  # type: ignore[attr-defined]
        kind=kind,
        on_hand_delta=on_hand,
        reserved_delta=reserved,
        reason=reason,
    )


async def _locked_level(variant_id: uuid.UUID, location_id: uuid.UUID) -> StockLevel | None:
    return await StockLevel.filter(variant_id=variant_id, location_id=location_id).select_for_update().first()


async def _held_level(variant_id: uuid.UUID, location_id: uuid.UUID) -> StockLevel:
    level = await _locked_level(variant_id, location_id)
    if level is None:
        raise RuntimeError("a held unit always has a level row")  # the hold created it
    return level


async def stock_candidates(brand_id: uuid.UUID, method: str, location: str) -> list[uuid.UUID]:
    """Where a line's units may come from: the pickup shop; for a courier, the hub, then other stock rooms."""
    place = await Location.get(brand_id=brand_id, handle=location)
    if method == "pickup":
        return [place.id]
    others = await (
        Location.filter(brand_id=brand_id, kind__in=sorted(fulfilment_rules.COURIER_KINDS))
        .exclude(id=place.id)
        .order_by("id")
        .values_list("id", flat=True)
    )
    return [place.id, *others]  # type: ignore[list-item]


async def hold_stock(
    variant_id: uuid.UUID, quantity: int, candidates: list[uuid.UUID], *, sku: str, field: str, reason: str
) -> list[tuple[uuid.UUID, int]]:
    """Reserve ``quantity`` across the candidate locations, in order; return where and how many.

    One place is preferred (a courier run from the hub); when it has too few, the rest come from
    the next stock rooms, as the promise engine counted them. All or nothing: if the candidates
    hold too few between them, nothing is reserved (the caller's transaction rolls back).
    """
    held: list[tuple[uuid.UUID, int]] = []
    wanted = quantity
    for location_id in candidates:
        level = await _locked_level(variant_id, location_id)
        take = min(wanted, level.on_hand - level.reserved) if level is not None else 0
        if level is not None and take > 0:
            await _move(level, "reserve", 0, take, reason)
            held.append((location_id, take))
            wanted -= take
        if wanted == 0:
            return held
    raise InsufficientStock(
        f"not enough {sku} left for this order", errors=[FieldError(field, f"fewer than {quantity} available")]
    )


async def sell_held(variant_id: uuid.UUID, location_id: uuid.UUID, quantity: int, reason: str) -> None:
    level = await _held_level(variant_id, location_id)
    await _move(level, "sell", -quantity, -quantity, reason)


async def release_held(variant_id: uuid.UUID, location_id: uuid.UUID, quantity: int, reason: str) -> None:
    level = await _held_level(variant_id, location_id)
    await _move(level, "release", 0, -quantity, reason)


async def sell_now(variant_id: uuid.UUID, location_id: uuid.UUID, quantity: int, *, sku: str, reason: str) -> None:
    """Reserve and sell at once (an exchange's replacement is paid for by the returned unit)."""
    await hold_stock(variant_id, quantity, [location_id], sku=sku, field="body.lines", reason=reason)
    await sell_held(variant_id, location_id, quantity, reason)


async def restock(
    brand_id: uuid.UUID, variant_id: uuid.UUID, location_id: uuid.UUID, quantity: int, reason: str
) -> None:
    level = await _locked_level(variant_id, location_id)
    if level is None:
        level = await StockLevel.create(brand_id=brand_id, variant_id=variant_id, location_id=location_id)
    await _move(level, "return", quantity, 0, reason)


async def book_capacity(
    brand_id: uuid.UUID, location: str, units: int, now: datetime, currency: str
) -> tuple[uuid.UUID, list[date], promise.Quote]:
    """Book ``units`` production starts at the microfactory at ``location``, one unit at a time.

    The microfactory row is locked first, so concurrent checkouts book one after another and a
    day never takes more than its capacity. Returns the factory, the day each unit starts, and
    the promise for the last unit (the one the order must keep).
    """
    factory = await Microfactory.filter(brand_id=brand_id, location__handle=location).select_for_update().first()
    rule = next((r for r in await microfactory_rules(brand_id, now) if r.location == location), None)
    if factory is None or rule is None:
        raise NoCapacity(f"no microfactory at {location}")
    # Read the bookings once, under the lock, and count this order's units into a copy as they go.
    booked = dict(rule.booked)
    today = now.astimezone(ZoneInfo(rule.timezone)).date()
    days: list[date] = []
    last: promise.Quote | None = None
    for _ in range(units):
        rule = msgspec.structs.replace(rule, booked=booked)
        result = promise.quote_made_to_order([rule], now, currency)
        start = promise.production_start(rule, today)
        if isinstance(result, promise.Unavailable) or start is None:
            raise NoCapacity(
                "the microfactory has no capacity left within its booking horizon",
                errors=[FieldError("body", "no_capacity")],
            )
        booked[start] = booked.get(start, 0) + 1
        days.append(start)
        last = result
    if last is None:
        raise NoCapacity("nothing to book", errors=[FieldError("body", "no units")])
    for day, count in Counter(days).items():
        booking = await CapacityBooking.filter(microfactory_id=factory.id, day=day).first()
        if booking is None:
            await CapacityBooking.create(microfactory_id=factory.id, day=day, units=count)
        else:
            booking.units += count
            await booking.save(update_fields=["units"])
    return factory.id, days, last


async def unbook_capacity(microfactory_id: uuid.UUID, day: date, units: int) -> None:
    booking = await CapacityBooking.filter(microfactory_id=microfactory_id, day=day).select_for_update().first()
    if booking is not None:
        booking.units = max(booking.units - units, 0)
        await booking.save(update_fields=["units"])
