"""Fulfilment persistence and the quote: load the configuration as rules, ask the pure engine.

Every write runs in one transaction and bumps the brand's ``catalog_version`` (product pages
may show how a piece can be had). A quote is never cached: it depends on the instant asked.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import cast

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from storefront.catalog import PriceIn
from storefront.clock import utcnow
from storefront.errors import DuplicateHandle, FieldError, InvalidInput, NotFound, raise_field_errors
from storefront.fulfilment import rules
from storefront.fulfilment.models import (
    CourierRate,
    CourierZone,
    Microfactory,
    PersonalisationOption,
    PickupPoint,
)
from storefront.fulfilment.schemas import (
    CourierZoneIn,
    CourierZoneOut,
    MicrofactoryIn,
    MicrofactoryOut,
    PersonalisationOptionIn,
    PersonalisationOptionOut,
    PickupPointIn,
    PickupPointOut,
    RateIn,
    RateOut,
)
from storefront.ids import slugify
from storefront.inventory import WEEKDAYS, Location
from storefront.money import Money
from storefront.pagination import Page, page_of, page_query
from storefront.tenancy import brand_currency, bump_catalog_version

# A rate may start a little in the past (the client's clock, the request's time in flight), but
# not earlier: what was charged before now is history, and history is not rewritten.
RATE_BACKDATE_TOLERANCE = timedelta(minutes=5)


def _check_price(price: PriceIn, currency: str, field: str, errors: list[FieldError]) -> None:
    if price.currency != currency:
        errors.append(FieldError(field, f"currency must be the brand's currency {currency}"))


async def _location(brand_id: uuid.UUID, handle: str, field: str, kinds: frozenset[str]) -> Location:
    location = await Location.get_or_none(brand_id=brand_id, handle=handle)
    if location is None:
        raise NotFound(f"no location with handle {handle!r}", errors=[FieldError(field, "no such location")])
    if location.kind not in kinds:
        wanted = " or ".join(sorted(kinds))
        raise InvalidInput(
            f"location {handle!r} is a {location.kind}; this needs a {wanted}",
            errors=[FieldError(field, f"must be a {wanted}")],
        )
    return location


def _week_order(days: list[str]) -> list[str]:
    return [d for d in WEEKDAYS if d in days]


# --- pickup points ----------------------------------------------------------------------------


def _pickup_out(point: PickupPoint, location: Location) -> PickupPointOut:
    return PickupPointOut(
        id=point.id,
        location=location.handle,
        name=location.name,
        timezone=location.timezone,
        prep_minutes=point.prep_minutes,
        enabled=point.enabled,
        opens_at=point.opens_at,
        closes_at=point.closes_at,
        created_at=point.created_at,
    )


async def create_pickup_point(brand_id: uuid.UUID, data: PickupPointIn) -> PickupPointOut:
    location = await _location(brand_id, data.location, "body.location", rules.PICKUP_KINDS)
    try:
        async with in_transaction():
            point = await PickupPoint.create(
                brand_id=brand_id, location_id=location.id, prep_minutes=data.prep_minutes, enabled=data.enabled
            )
            await bump_catalog_version(brand_id)
    except IntegrityError:
        raise DuplicateHandle(f"{data.location!r} is already a pickup point") from None
    return _pickup_out(point, location)


async def open_dated_pickup(
    brand_id: uuid.UUID, location_id: uuid.UUID, *, prep_minutes: int, opens_at: datetime, closes_at: datetime
) -> None:
    """Make a pop-up stall a pickup point between ``opens_at`` and ``closes_at``, in the caller's transaction.

    The stall is not a shop (:data:`rules.PICKUP_KINDS`), so the public route cannot make it one:
    only its event can, for the event's own dates.
    """
    await PickupPoint.create(
        brand_id=brand_id, location_id=location_id, prep_minutes=prep_minutes, opens_at=opens_at, closes_at=closes_at
    )
    await bump_catalog_version(brand_id)


async def close_dated_pickup(brand_id: uuid.UUID, location_id: uuid.UUID) -> None:
    """No more orders to collect at this stall (its event closed early or on time), in the caller's transaction."""
    if await PickupPoint.filter(brand_id=brand_id, location_id=location_id, enabled=True).update(enabled=False):
        await bump_catalog_version(brand_id)


async def list_pickup_points(brand_id: uuid.UUID, *, cursor: str | None, limit: int) -> Page[PickupPointOut]:
    query = PickupPoint.filter(brand_id=brand_id)
    points = await page_query(query, cursor, limit).prefetch_related("location")
    return page_of([_pickup_out(p, p.location) for p in points], [p.id for p in points], limit)


# --- courier zones ----------------------------------------------------------------------------


def _rate_out(rate: CourierRate) -> RateOut:
    return RateOut(
        price=Money(amount=rate.price_minor, currency=rate.currency),
        effective_from=rate.effective_from,
        effective_to=rate.effective_to,
        created_at=rate.created_at,
    )


def _zone_out(zone: CourierZone, hub: Location, rates: list[CourierRate], now: datetime) -> CourierZoneOut:
    ordered = sorted(rates, key=lambda r: (r.effective_from, r.id))
    current = rules.current_rate_index([(r.effective_from, r.effective_to) for r in ordered], now)
    return CourierZoneOut(
        id=zone.id,
        handle=zone.handle,
        name=zone.name,
        hub=hub.handle,
        timezone=hub.timezone,
        postcode_prefixes=list(zone.postcode_prefixes),
        radius_m=zone.radius_m,
        same_day_cutoff=zone.same_day_cutoff,
        delivery_windows=[(w[0], w[1]) for w in zone.delivery_windows],
        delivery_days=list(zone.delivery_days),
        rate=_rate_out(ordered[current]) if current is not None else None,
        rates=[_rate_out(r) for r in ordered],
        created_at=zone.created_at,
    )


async def create_courier_zone(
    brand_id: uuid.UUID, data: CourierZoneIn, *, now: datetime | None = None
) -> CourierZoneOut:
    now = now or utcnow()
    currency = await brand_currency(brand_id)
    errors: list[FieldError] = [
        FieldError(f"body.delivery_windows{path}", message)
        for path, message in rules.windows_problems(data.delivery_windows)
    ]
    _check_price(data.rate, currency, "body.rate.currency", errors)
    if not data.postcode_prefixes and data.radius_m is None:
        errors.append(FieldError("body.postcode_prefixes", "give postcode prefixes, a radius_m, or both"))
    raise_field_errors(errors)
    hub = await _location(brand_id, data.hub, "body.hub", rules.HUB_KINDS)
    if data.radius_m is not None and (hub.latitude_e6 is None or hub.longitude_e6 is None):
        raise_field_errors([FieldError("body.radius_m", f"the hub {hub.handle!r} has no coordinates to measure from")])
    handle = data.handle or slugify(data.name)
    try:
        async with in_transaction():
            zone = await CourierZone.create(
                brand_id=brand_id,
                hub_id=hub.id,
                handle=handle,
                name=data.name,
                postcode_prefixes=list(dict.fromkeys(data.postcode_prefixes)),
                radius_m=data.radius_m,
                same_day_cutoff=data.same_day_cutoff,
                delivery_windows=[list(w) for w in sorted(data.delivery_windows)],
                delivery_days=_week_order(list(data.delivery_days)),
            )
            rate = await CourierRate.create(
                zone_id=zone.id, price_minor=data.rate.amount, currency=data.rate.currency, effective_from=now
            )
            await bump_catalog_version(brand_id)
    except IntegrityError:
        raise DuplicateHandle(f"a courier zone with handle {handle!r} already exists") from None
    return _zone_out(zone, hub, [rate], now)


async def add_courier_rate(
    brand_id: uuid.UUID, handle: str, data: RateIn, *, now: datetime | None = None
) -> CourierZoneOut:
    """Append a rate; earlier rates stay as they were, so what any past quote charged can be read back."""
    now = now or utcnow()
    currency = await brand_currency(brand_id)
    errors: list[FieldError] = []
    _check_price(data.price, currency, "body.price.currency", errors)
    starts = data.effective_from or now
    if starts < now - RATE_BACKDATE_TOLERANCE:
        errors.append(FieldError("body.effective_from", "may not be in the past: past rates are history"))
    if data.effective_to is not None and data.effective_to <= starts:
        errors.append(FieldError("body.effective_to", "must be after effective_from"))
    raise_field_errors(errors)
    async with in_transaction():
        zone = await CourierZone.get_or_none(brand_id=brand_id, handle=handle).prefetch_related("hub")
        if zone is None:
            raise NotFound(
                f"no courier zone with handle {handle!r}", errors=[FieldError("path.handle", "no such zone")]
            )
        await CourierRate.create(
            zone_id=zone.id,
            price_minor=data.price.amount,
            currency=data.price.currency,
            effective_from=starts,
            effective_to=data.effective_to,
        )
        await bump_catalog_version(brand_id)
    rates = await CourierRate.filter(zone_id=zone.id)
    return _zone_out(zone, zone.hub, rates, now)


async def list_courier_zones(
    brand_id: uuid.UUID, *, cursor: str | None, limit: int, now: datetime | None = None
) -> Page[CourierZoneOut]:
    now = now or utcnow()
    query = CourierZone.filter(brand_id=brand_id)
    zones = await page_query(query, cursor, limit).prefetch_related("hub", "rates")
    return page_of([_zone_out(z, z.hub, list(z.rates), now) for z in zones], [z.id for z in zones], limit)


# --- microfactories ---------------------------------------------------------------------------


def _factory_out(factory: Microfactory, location: Location) -> MicrofactoryOut:
    return MicrofactoryOut(
        id=factory.id,
        location=location.handle,
        name=location.name,
        timezone=location.timezone,
        daily_capacity=factory.daily_capacity,
        lead_time_working_days=factory.lead_time_working_days,
        closed_weekdays=list(factory.closed_weekdays),
        closed_dates=[date.fromisoformat(d) for d in factory.closed_dates],
        deposit_bp=factory.deposit_bp,
        created_at=factory.created_at,
    )


async def create_microfactory(brand_id: uuid.UUID, data: MicrofactoryIn) -> MicrofactoryOut:
    errors = [
        FieldError(f"body.closed_dates{path}", message)
        for path, message in rules.closed_dates_problems(data.closed_dates)
    ]
    if len(set(data.closed_weekdays)) == len(WEEKDAYS):
        errors.append(FieldError("body.closed_weekdays", "a microfactory closed every day can make nothing"))
    raise_field_errors(errors)
    location = await _location(brand_id, data.location, "body.location", rules.MICROFACTORY_KINDS)
    try:
        async with in_transaction():
            factory = await Microfactory.create(
                brand_id=brand_id,
                location_id=location.id,
                daily_capacity=data.daily_capacity,
                lead_time_working_days=data.lead_time_working_days,
                closed_weekdays=_week_order(list(data.closed_weekdays)),
                closed_dates=[d.isoformat() for d in sorted(data.closed_dates)],
                deposit_bp=data.deposit_bp,
            )
            await bump_catalog_version(brand_id)
    except IntegrityError:
        raise DuplicateHandle(f"{data.location!r} is already a microfactory") from None
    return _factory_out(factory, location)


async def list_microfactories(brand_id: uuid.UUID, *, cursor: str | None, limit: int) -> Page[MicrofactoryOut]:
    query = Microfactory.filter(brand_id=brand_id)
    factories = await page_query(query, cursor, limit).prefetch_related("location")
    return page_of([_factory_out(f, f.location) for f in factories], [f.id for f in factories], limit)


# --- personalisation --------------------------------------------------------------------------


def _option_out(option: PersonalisationOption) -> PersonalisationOptionOut:
    return PersonalisationOptionOut(
        id=option.id,
        handle=option.handle,
        kind=cast("rules.PersonalisationKind", option.kind),
        label=option.label,
        allowed_values=list(option.allowed_values),
        pattern=option.pattern,
        max_length=option.max_length,
        price=Money(amount=option.price_minor, currency=option.currency),
        created_at=option.created_at,
    )


async def create_personalisation_option(brand_id: uuid.UUID, data: PersonalisationOptionIn) -> PersonalisationOptionOut:
    currency = await brand_currency(brand_id)
    errors: list[FieldError] = []
    _check_price(data.price, currency, "body.price.currency", errors)
    if not data.allowed_values and not data.pattern:
        errors.append(FieldError("body.allowed_values", "give allowed values, a pattern, or both"))
    problem = rules.pattern_problem(data.pattern) if data.pattern else None
    if problem:
        errors.append(FieldError("body.pattern", problem))
    else:
        for i, value in enumerate(data.allowed_values):
            bad = rules.personalisation_problem(
                value, allowed_values=(), pattern=data.pattern, max_length=data.max_length
            )
            if bad:
                errors.append(FieldError(f"body.allowed_values[{i}]", bad))
    raise_field_errors(errors)
    handle = data.handle or slugify(data.label or data.kind)
    try:
        async with in_transaction():
            option = await PersonalisationOption.create(
                brand_id=brand_id,
                handle=handle,
                kind=data.kind,
                label=data.label,
                allowed_values=list(dict.fromkeys(data.allowed_values)),
                pattern=data.pattern,
                max_length=data.max_length,
                price_minor=data.price.amount,
                currency=data.price.currency,
            )
            await bump_catalog_version(brand_id)
    except IntegrityError:
        raise DuplicateHandle(f"a personalisation option with handle {handle!r} already exists") from None
    return _option_out(option)


async def list_personalisation_options(
    brand_id: uuid.UUID, *, cursor: str | None, limit: int
) -> Page[PersonalisationOptionOut]:
    query = PersonalisationOption.filter(brand_id=brand_id)
    options = await page_query(query, cursor, limit)
    return page_of([_option_out(o) for o in options], [o.id for o in options], limit)
