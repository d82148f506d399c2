"""Production capacity at a microfactory: booking and freeing the days that made-to-order pieces start.

A booking is made inside the caller's transaction (checkout's) with the microfactory row
locked first, so concurrent checkouts book one after another and a day never takes more than
its capacity. The day each unit starts comes from the same pure promise engine that quoted it.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, datetime
from typing import cast
from zoneinfo import ZoneInfo

import msgspec

from storefront.errors import Conflict, FieldError
from storefront.fulfilment import promise
from storefront.fulfilment.models import CapacityBooking, Microfactory
from storefront.fulfilment.quoting import microfactory_rules


class NoCapacity(Conflict):
    code = "no_capacity"
    title = "No production capacity left"


async def book(
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


async def unbook(microfactory_id: uuid.UUID, day: date, units: int) -> None:
    """Free a cancelled order's units on ``day`` (never below zero: a booking may have been edited by hand)."""
    booking = await CapacityBooking.filter(microfactory_id=microfactory_id, day=day).select_for_update().first()
    if booking is not None:
        booking.units = max(booking.units - units, 0)
        await booking.save(update_fields=["units"])


async def deposit_bp(brand_id: uuid.UUID, location: str) -> int:
    """The share (basis points) a microfactory takes up front; the balance is charged when the piece ships."""
    share = cast(
        "int | None",
        await Microfactory.filter(brand_id=brand_id, location__handle=location)
        .first()
        .values_list("deposit_bp", flat=True),
    )
    return int(share or 0)


class DayLoad(msgspec.Struct, frozen=True, kw_only=True):
    """One day at a brand's microfactories: pieces booked to start, of how many they can start."""

    booked: int
    capacity: int


async def day_load(brand_id: uuid.UUID, day: date) -> DayLoad:
    """What the brand's workrooms start on ``day`` against their daily capacity (closed days not counted out)."""
    capacities = await Microfactory.filter(brand_id=brand_id).values_list("daily_capacity", flat=True)
    booked = await CapacityBooking.filter(microfactory__brand_id=brand_id, day=day).values_list("units", flat=True)
    return DayLoad(
        booked=sum(int(cast("int", b)) for b in booked), capacity=sum(int(cast("int", c)) for c in capacities)
    )
