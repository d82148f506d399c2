"""Quoting: what a promise reads from the database, cached per catalogue version, and the quote itself.

The promise engine (:mod:`.promise`) is pure; this module gathers its inputs. A quote for the
public endpoint, a component or a cart reads them once per catalogue version (every write they
depend on bumps it: stock, holds, fulfilment configuration, capacity bookings); checkout passes
no cache and decides on fresh rows.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import msgspec

from storefront.cache import VersionedCache, cached
from storefront.catalog import Variant
from storefront.clock import utcnow
from storefront.errors import FieldError, InvalidInput, NotFound
from storefront.fulfilment import messages, promise, rules
from storefront.fulfilment.models import (
    CapacityBooking,
    CourierRate,
    CourierZone,
    Microfactory,
    PickupPoint,
)
from storefront.fulfilment.promise import Point, Quote, Unavailable
from storefront.fulfilment.rules import Method
from storefront.inventory import Location, StockLevel
from storefront.money import Money

BOOKINGS_AHEAD_DAYS = promise.CAPACITY_HORIZON_DAYS + 2


_REASON_FIELD: dict[str, str] = {
    "postcode_required": "query.postcode",
    "postcode_not_served": "query.postcode",
    "no_pickup_stock": "query.variant",
    "no_courier_stock": "query.variant",
    "not_made_to_order": "query.variant",
}


class QuoteUnavailable(InvalidInput):
    """No promise can be made for this variant and method; ``code`` is the engine's reason (422).

    The field error's message is the reason in a shopper's words (:mod:`.messages`), since the
    cart and the buy box show it beside the field as it is; clients branch on ``code``.
    """

    title = "No delivery promise available"

    def __init__(self, result: Unavailable, postcode: str | None = None) -> None:
        field = _REASON_FIELD.get(result.reason, "query.method")
        super().__init__(result.detail, errors=[FieldError(field, messages.reason_text(result.reason, postcode))])
        self.code = result.reason  # type: ignore[misc]  # code is a ClassVar default; an instance carries its reason


def _json(value: Any) -> Any:
    """A JSON column read through a join: Tortoise decodes it on the model, not always in ``values_list``."""
    return json.loads(value) if isinstance(value, str | bytes) else value


# --- the quote --------------------------------------------------------------------------------


class QuoteInputs(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a quote reads from the database, for one SKU and method; cached per catalogue version.

    Every write these depend on bumps the brand's ``catalog_version``: stock movements and holds,
    fulfilment configuration, capacity bookings (checkout). Courier zones keep *all* their rates,
    so the rate in force is chosen at the quote's instant, not at the load's.
    """

    variant: tuple[uuid.UUID, str, bool] | None  # id, currency, made to order
    pickup: list[promise.PickupPointRule] = []
    courier: list[tuple[promise.CourierZoneRule, list[Rate]]] = []
    factories: list[promise.MicrofactoryRule] = []


async def _quote_inputs(brand_id: uuid.UUID, sku: str, method: Method, now: datetime) -> QuoteInputs:
    rows = await Variant.filter(brand_id=brand_id, sku=sku).values_list("id", "currency", "product__made_to_order")
    if not rows:
        return QuoteInputs(variant=None)
    variant_id, currency, made_to_order = rows[0]
    variant = (variant_id, currency, made_to_order)
    if method == "pickup":
        return QuoteInputs(variant=variant, pickup=await pickup_rules(brand_id, variant_id))
    if method == "courier":
        return QuoteInputs(variant=variant, courier=await courier_zones(brand_id, variant_id))
    if not made_to_order:
        return QuoteInputs(variant=variant)
    return QuoteInputs(variant=variant, factories=await microfactory_rules(brand_id, now))


async def quote(
    brand_id: uuid.UUID,
    sku: str,
    method: Method,
    *,
    postcode: str | None = None,
    point: Point | None = None,
    location: str | None = None,
    now: datetime | None = None,
    version: int | None = None,
    cache: VersionedCache[QuoteInputs] | None = None,
) -> Quote:
    """The promise for one unit of ``sku`` by ``method`` if ordered at ``now`` (default: the clock).

    ``location`` limits a pickup to one shop. With a ``cache`` and the brand's catalogue
    ``version`` the database is read once per version (and, for made-to-order, per day); checkout
    passes neither, so what it holds is decided on fresh rows. Raises :class:`NotFound` for a
    SKU the brand doesn't have, :class:`InvalidInput` (422) for a courier postcode that cannot be
    one (:func:`~storefront.fulfilment.rules.postcode_is_whole`), and :class:`QuoteUnavailable`
    (422, coded by reason) when no promise can be made.
    """
    now = now or utcnow()
    day = now.date() if method == "made_to_order" else None  # bookings are read for a window from today
    inputs = await cached(
        cache, ("quote", brand_id, sku, method, day), version, lambda: _quote_inputs(brand_id, sku, method, now)
    )
    if inputs.variant is None:
        raise NotFound(f"no variant with SKU {sku!r}", errors=[FieldError("query.variant", "no such SKU")])
    _, currency, made_to_order = inputs.variant
    result: Quote | Unavailable
    if method == "pickup":
        points = inputs.pickup
        if location is not None:  # the shopper chose the shop (or the stall)
            points = [p for p in points if p.location == location]
        result = promise.quote_pickup(points, now, currency)
        if location is not None and not points:
            detail = f"{location!r} is no pickup point now"
            result = Unavailable(method="pickup", reason="no_pickup_point", detail=detail)
    elif method == "courier":
        if not postcode and point is None:
            result = Unavailable(
                method="courier", reason="postcode_required", detail="a courier quote needs a postcode"
            )
        elif postcode and not rules.postcode_is_whole(postcode):
            raise InvalidInput(
                messages.MALFORMED_POSTCODE, errors=[FieldError("query.postcode", messages.MALFORMED_POSTCODE)]
            )
        else:
            result = promise.quote_courier(courier_rules_at(inputs.courier, now), now, postcode=postcode, point=point)
    elif not made_to_order:
        result = Unavailable(method="made_to_order", reason="not_made_to_order", detail=f"{sku} is not made to order")
    else:
        result = promise.quote_made_to_order(inputs.factories, now, currency)
    if isinstance(result, Unavailable):
        raise QuoteUnavailable(result, postcode)
    return result


async def _available_by_location(variant_id: uuid.UUID) -> dict[uuid.UUID, tuple[str, int]]:
    """Sellable units of the variant (on hand less reserved) and the location's kind, by location id."""
    rows = await StockLevel.filter(variant_id=variant_id).values_list(
        "location_id", "location__kind", "on_hand", "reserved"
    )
    return {loc: (kind, max(on_hand - reserved, 0)) for loc, kind, on_hand, reserved in rows}


async def pickup_rules(brand_id: uuid.UUID, variant_id: uuid.UUID) -> list[promise.PickupPointRule]:
    stock = await _available_by_location(variant_id)
    rows = (
        await PickupPoint.filter(brand_id=brand_id, enabled=True)
        .order_by("id")
        .values_list(
            "location_id",
            "location__handle",
            "location__timezone",
            "location__opening_hours",
            "prep_minutes",
            "opens_at",
            "closes_at",
        )
    )
    return [
        promise.PickupPointRule(
            location=handle,
            timezone=tz,
            opening_hours=rules.compile_week(_json(hours) or {}),
            prep_minutes=prep,
            available=stock.get(location_id, ("", 0))[1],
            open_from=opens_at,
            open_until=closes_at,
        )
        for location_id, handle, tz, hours, prep, opens_at, closes_at in rows
    ]


Rate = tuple[int, str, datetime, datetime | None]  # amount, currency, effective from, to


def courier_rules_at(
    zones: list[tuple[promise.CourierZoneRule, list[Rate]]], now: datetime
) -> list[promise.CourierZoneRule]:
    out = []
    for zone, rates in zones:
        current = rules.current_rate_index([(r[2], r[3]) for r in rates], now)
        if current is not None:
            out.append(msgspec.structs.replace(zone, rate=Money(amount=rates[current][0], currency=rates[current][1])))
    return out


async def courier_zones(brand_id: uuid.UUID, variant_id: uuid.UUID) -> list[tuple[promise.CourierZoneRule, list[Rate]]]:
    """Each zone as an engine rule (its rate still to be chosen) with every rate it has had or will have."""
    stock = await _available_by_location(variant_id)
    zones = await CourierZone.filter(brand_id=brand_id).order_by("id").prefetch_related("hub")
    if not zones:
        return []
    rate_rows = await CourierRate.filter(zone_id__in=[z.id for z in zones]).values_list(
        "zone_id", "price_minor", "currency", "effective_from", "effective_to"
    )
    rates_by_zone: dict[uuid.UUID, list[Rate]] = defaultdict(list)
    for zone_id, amount, currency, starts, ends in rate_rows:
        rates_by_zone[zone_id].append((amount, currency, starts, ends))
    network = sum(units for kind, units in stock.values() if kind in rules.COURIER_KINDS)
    out = []
    for zone in zones:
        hub: Location = zone.hub
        at_hub = stock.get(hub.id, ("", 0))[1]
        rule = promise.CourierZoneRule(
            zone=zone.handle,
            hub=hub.handle,
            timezone=hub.timezone,
            postcode_prefixes=tuple(zone.postcode_prefixes),
            radius_m=zone.radius_m,
            hub_latitude_e6=hub.latitude_e6,
            hub_longitude_e6=hub.longitude_e6,
            same_day_cutoff=rules.minutes(zone.same_day_cutoff) if zone.same_day_cutoff else None,
            windows=rules.compile_windows(zone.delivery_windows),
            delivery_days=rules.weekday_numbers(zone.delivery_days),
            rate=Money(amount=0, currency="XXX"),  # chosen per quote by courier_rules_at
            hub_available=at_hub,
            network_available=network - at_hub,
        )
        out.append((rule, rates_by_zone.get(zone.id, [])))
    return out


async def microfactory_rules(brand_id: uuid.UUID, now: datetime) -> list[promise.MicrofactoryRule]:
    """The brand's microfactories with their bookings over the engine's capacity horizon."""
    factories = await Microfactory.filter(brand_id=brand_id).order_by("id").prefetch_related("location")
    if not factories:
        return []
    first = now.date() - timedelta(days=1)  # any zone's "today" is within a day of UTC's
    bookings = await CapacityBooking.filter(
        microfactory_id__in=[f.id for f in factories],
        day__gte=first,
        day__lte=first + timedelta(days=BOOKINGS_AHEAD_DAYS),
    ).values_list("microfactory_id", "day", "units")
    booked: dict[uuid.UUID, dict[date, int]] = defaultdict(dict)
    for factory_id, day, units in bookings:
        booked[factory_id][day] = units
    return [
        promise.MicrofactoryRule(
            location=f.location.handle,
            timezone=f.location.timezone,
            opening_hours=rules.compile_week(f.location.opening_hours),
            daily_capacity=f.daily_capacity,
            lead_time_working_days=f.lead_time_working_days,
            closed_weekdays=rules.weekday_numbers(f.closed_weekdays),
            closed_dates=frozenset(date.fromisoformat(d) for d in f.closed_dates),
            booked=booked.get(f.id, {}),
        )
        for f in factories
    ]
