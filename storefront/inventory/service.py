"""Inventory persistence: locations, and stock kept as a ledger of movements with a cached level.

Every write runs in one transaction and bumps the brand's ``catalog_version``: product pages
show stock by location, so a cached product read must not outlive a change to either.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.functions import Sum
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from storefront.catalog import Variant
from storefront.errors import (
    Conflict,
    DuplicateHandle,
    FieldError,
    InsufficientStock,
    NotFound,
    raise_field_errors,
)
from storefront.ids import slugify
from storefront.inventory import ledger, rules
from storefront.inventory.models import Location, StockLevel, StockMovement
from storefront.inventory.rules import LocationKind
from storefront.inventory.schemas import LocationIn, LocationOut, LocationPatch, MovementIn, MovementOut, StockLevelOut
from storefront.pagination import Page, page_of, page_query
from storefront.tenancy import bump_catalog_version

# --- locations --------------------------------------------------------------------------------


def _check_location(
    timezone: str | None,
    hours: rules.WeekHours | None,
    latitude: int | None,
    longitude: int | None,
    errors: list[FieldError],
) -> None:
    if timezone is not None and not rules.known_timezone(timezone):
        errors.append(FieldError("body.timezone", f"unknown IANA timezone {timezone!r}"))
    if hours is not None:
        errors.extend(
            FieldError(f"body.opening_hours.{path}", message) for path, message in rules.opening_hours_problems(hours)
        )
    if (latitude is None) != (longitude is None):
        field = "body.longitude_e6" if longitude is None else "body.latitude_e6"
        errors.append(FieldError(field, "latitude_e6 and longitude_e6 are given together or not at all"))


def location_out(location: Location) -> LocationOut:
    return LocationOut(
        id=location.id,
        handle=location.handle,
        name=location.name,
        kind=cast("LocationKind", location.kind),
        address=location.address,
        city=location.city,
        postcode=location.postcode,
        country=location.country,
        timezone=location.timezone,
        latitude_e6=location.latitude_e6,
        longitude_e6=location.longitude_e6,
        opening_hours={day: [(pair[0], pair[1]) for pair in pairs] for day, pairs in location.opening_hours.items()},
        created_at=location.created_at,
    )


async def _location(brand_id: uuid.UUID, handle: str, field: str = "path.handle") -> Location:
    location = await Location.get_or_none(brand_id=brand_id, handle=handle)
    if location is None:
        raise NotFound(f"no location with handle {handle!r}", errors=[FieldError(field, "no such location")])
    return location


async def create_location(brand_id: uuid.UUID, data: LocationIn) -> LocationOut:
    errors: list[FieldError] = []
    _check_location(data.timezone, dict(data.opening_hours), data.latitude_e6, data.longitude_e6, errors)
    raise_field_errors(errors)
    handle = data.handle or slugify(data.name)
    try:
        async with in_transaction():
            location = await Location.create(
                brand_id=brand_id,
                handle=handle,
                name=data.name,
                kind=data.kind,
                address=data.address,
                city=data.city,
                postcode=data.postcode,
                country=data.country,
                timezone=data.timezone,
                latitude_e6=data.latitude_e6,
                longitude_e6=data.longitude_e6,
                opening_hours=_hours_json(data.opening_hours),
            )
            await bump_catalog_version(brand_id)
    except IntegrityError:
        raise DuplicateHandle(f"a location with handle {handle!r} already exists") from None
    return location_out(location)


def _hours_json(hours: dict[Any, list[tuple[str, str]]]) -> dict[str, list[list[str]]]:
    """Days in week order, so the stored week reads like the shop door."""
    return {day: [list(pair) for pair in hours[day]] for day in rules.WEEKDAYS if day in hours}


def _patched(given: int | None, current: int | None, *, clear: bool) -> int | None:
    """A coordinate after a patch: ``null`` in JSON means "unchanged", so clearing needs its own flag."""
    if clear:
        return None
    return current if given is None else given


async def update_location(brand_id: uuid.UUID, handle: str, patch: LocationPatch) -> LocationOut:
    async with in_transaction():
        location = await _location(brand_id, handle)
        latitude = _patched(patch.latitude_e6, location.latitude_e6, clear=patch.clear_coordinates)
        longitude = _patched(patch.longitude_e6, location.longitude_e6, clear=patch.clear_coordinates)
        errors: list[FieldError] = []
        if patch.clear_coordinates and (patch.latitude_e6 is not None or patch.longitude_e6 is not None):
            errors.append(FieldError("body.clear_coordinates", "cannot clear coordinates while setting them"))
        hours = dict(patch.opening_hours) if patch.opening_hours is not None else None
        _check_location(patch.timezone, hours, latitude, longitude, errors)
        raise_field_errors(errors)
        changes: dict[str, Any] = {"latitude_e6": latitude, "longitude_e6": longitude}
        for name in ("name", "kind", "address", "city", "postcode", "country", "timezone"):
            value = getattr(patch, name)
            if value is not None:
                changes[name] = value
        if patch.opening_hours is not None:
            changes["opening_hours"] = _hours_json(patch.opening_hours)
        await Location.filter(id=location.id).update(**changes)
        await bump_catalog_version(brand_id)
        await location.refresh_from_db()
    return location_out(location)


async def delete_location(brand_id: uuid.UUID, handle: str) -> None:
    """Delete a location that holds no stock; refuse with :class:`Conflict` (409) while it does.

    Conflict rather than InvalidInput: the request is well formed and becomes acceptable once
    the units are moved or adjusted out, so it clashes with current state, not with the rules.
    Refusing also keeps a location's ledger from vanishing (by cascade) while it explains stock.
    """
    try:
        async with in_transaction():
            location = await _location(brand_id, handle)
            held = Q(on_hand__gt=0) | Q(reserved__gt=0) | Q(quarantined__gt=0)
            if await StockLevel.filter(held, location_id=location.id).exists():
                raise Conflict(
                    f"location {handle!r} still holds stock; adjust it to zero first",
                    errors=[FieldError("path.handle", "location holds stock")],
                )
            await location.delete()
            await bump_catalog_version(brand_id)
    except IntegrityError:  # something restricts it (an event's stall explains that event's stock)
        raise Conflict(
            f"location {handle!r} is in use (an event's stall) and cannot be deleted",
            errors=[FieldError("path.handle", "location in use")],
        ) from None


async def get_location(brand_id: uuid.UUID, handle: str) -> LocationOut:
    return location_out(await _location(brand_id, handle))


async def list_locations(
    brand_id: uuid.UUID, *, kind: LocationKind | None, cursor: str | None, limit: int
) -> Page[LocationOut]:
    """A page of locations in creation order, optionally of one kind."""
    query = Location.filter(brand_id=brand_id)
    if kind:
        query = query.filter(kind=kind)
    locations = await page_query(query, cursor, limit)
    return page_of([location_out(loc) for loc in locations], [loc.id for loc in locations], limit)


# --- stock ------------------------------------------------------------------------------------


async def _variant_ref(brand_id: uuid.UUID, sku: str, field: str) -> tuple[uuid.UUID, str]:
    """The variant's id and its product's handle; a SKU of another brand is as unknown as a typo."""
    rows = await Variant.filter(brand_id=brand_id, sku=sku).values_list("id", "product__handle")
    if not rows:
        raise NotFound(f"no variant with SKU {sku!r}", errors=[FieldError(field, "no such SKU")])
    variant_id, product_handle = rows[0]
    return variant_id, product_handle


async def record_movement(brand_id: uuid.UUID, data: MovementIn) -> StockLevelOut:
    """Append a hand-recorded movement and move the level with it, atomically; return the new level.

    The level row is locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite serialises
    writers anyway) so concurrent movements add up instead of overwriting each other.
    """
    problem = rules.quantity_problem(data.kind, data.quantity)
    if problem:
        raise_field_errors([FieldError("body.quantity", problem)])
    try:
        return await _record_movement_once(brand_id, data)
    except IntegrityError:
        # The first movement of a (variant, location) creates its level, and two racing first
        # movements collide on its unique key; the loser's retry finds the row and locks it.
        return await _record_movement_once(brand_id, data)


async def _record_movement_once(brand_id: uuid.UUID, data: MovementIn) -> StockLevelOut:
    async with in_transaction():
        variant_id, product_handle = await _variant_ref(brand_id, data.sku, "body.sku")
        location = await _location(brand_id, data.location, "body.location")
        try:
            level, after = await ledger.record(brand_id, variant_id, location.id, data.kind, data.quantity, data.reason)
        except rules.StockShortfall as exc:
            raise InsufficientStock(
                f"{data.sku} at {data.location}: {exc}", errors=[FieldError("body.quantity", str(exc))]
            ) from None
        await bump_catalog_version(brand_id)
    return StockLevelOut(
        sku=data.sku,
        product=product_handle,
        location=location.handle,
        location_kind=cast("LocationKind", location.kind),
        on_hand=after.on_hand,
        reserved=after.reserved,
        available=after.available,
        quarantined=level.quarantined,
        updated_at=level.updated_at,
    )


async def _stock_filters(brand_id: uuid.UUID, sku: str | None, location: str | None) -> dict[str, Any]:
    """Query filters for the ledger and levels; a filter naming nothing of the brand's is a 404."""
    filters: dict[str, Any] = {"brand_id": brand_id}
    if sku is not None:
        variant_id, _ = await _variant_ref(brand_id, sku, "query.sku")
        filters["variant_id"] = variant_id
    if location is not None:
        filters["location_id"] = (await _location(brand_id, location, "query.location")).id
    return filters


async def list_levels(
    brand_id: uuid.UUID, *, sku: str | None, location: str | None, cursor: str | None, limit: int
) -> Page[StockLevelOut]:
    """A page of stock levels in creation order, optionally for one SKU and/or one location."""
    query = StockLevel.filter(**await _stock_filters(brand_id, sku, location))
    rows = await page_query(query, cursor, limit).values_list(
        "id",
        "variant__sku",
        "variant__product__handle",
        "location__handle",
        "location__kind",
        "on_hand",
        "reserved",
        "quarantined",
        "updated_at",
    )
    levels = [
        StockLevelOut(
            sku=sku_,
            product=product,
            location=loc,
            location_kind=kind,
            on_hand=on_hand,
            reserved=reserved,
            available=rules.Level(on_hand=on_hand, reserved=reserved).available,
            quarantined=quarantined,
            updated_at=updated_at,
        )
        for _, sku_, product, loc, kind, on_hand, reserved, quarantined, updated_at in rows
    ]
    return page_of(levels, [row[0] for row in rows], limit)


async def list_movements(
    brand_id: uuid.UUID, *, sku: str | None, location: str | None, cursor: str | None, limit: int
) -> Page[MovementOut]:
    """A page of the ledger, oldest first, so reading on from a cursor replays history in order."""
    query = StockMovement.filter(**await _stock_filters(brand_id, sku, location))
    movements = await _movements(page_query(query, cursor, limit))
    return page_of(movements, [m.id for m in movements], limit)


async def latest_movements(
    brand_id: uuid.UUID, *, sku: str | None, location: str | None, limit: int
) -> list[MovementOut]:
    """The ledger's newest movements first, for staff reading what just happened (the API pages oldest first)."""
    query = StockMovement.filter(**await _stock_filters(brand_id, sku, location))
    return await _movements(query.order_by("-id").limit(limit))


async def _movements(query: QuerySet[StockMovement]) -> list[MovementOut]:
    rows = await query.values_list(
        "id", "variant__sku", "variant__product__handle", "location__handle", "kind",
        "on_hand_delta", "reserved_delta", "quarantined_delta", "reason", "created_at",
    )  # fmt: skip
    return [
        MovementOut(
            id=id_,
            sku=sku_,
            product=product,
            location=loc,
            kind=kind,
            on_hand_delta=on_hand_delta,
            reserved_delta=reserved_delta,
            quarantined_delta=quarantined_delta,
            reason=reason,
            created_at=created_at,
        )
        for id_, sku_, product, loc, kind, on_hand_delta, reserved_delta, quarantined_delta, reason, created_at in rows
    ]


async def units_sold(variant_ids: list[uuid.UUID], since: datetime, until: datetime) -> dict[uuid.UUID, int]:
    """Units of each variant that left with a buyer between two instants, as the ledger recorded them.

    Every sale, online (a held unit sold at payment) or at a stall (synced), is a ``sell`` movement
    and every unit back on sale (a restocked return, a stall's void) a ``return``: the net of the
    two, by when the movement was recorded. A variant with none is absent.
    """
    if not variant_ids:
        return {}
    rows = (
        await StockMovement.filter(
            variant_id__in=variant_ids, kind__in=("sell", "return"), created_at__gte=since, created_at__lt=until
        )
        .annotate(delta=Sum("on_hand_delta"))
        .group_by("variant_id")
        .values_list("variant_id", "delta")
    )
    return {uuid.UUID(str(variant_id)): -int(delta or 0) for variant_id, delta in rows}


async def transfer_stock(
    brand_id: uuid.UUID, sku: str, from_location: str, to_location: str, quantity: int, reason: str
) -> None:
    """Move available units between two of the brand's shops and warehouses, with a reason (staff's transfer).

    Two ledger movements in one transaction (``ledger.transfer``); a stall gets stock only by its
    event's allocation, and a transfer to the same place moves nothing, so both are refused.
    """
    errors = [] if reason.strip() else [FieldError("reason", "say why the units move")]
    if not 1 <= quantity <= rules.MAX_QUANTITY:
        errors.append(FieldError("quantity", f"from 1 to {rules.MAX_QUANTITY}"))
    if from_location == to_location:
        errors.append(FieldError("to_location", "a different place than where the units are"))
    raise_field_errors(errors)
    try:
        await _transfer_once(brand_id, sku, from_location, to_location, quantity, reason.strip())
    except IntegrityError:  # the target's first units of the SKU raced another first movement: the retry locks it
        await _transfer_once(brand_id, sku, from_location, to_location, quantity, reason.strip())


async def _transfer_once(
    brand_id: uuid.UUID, sku: str, from_location: str, to_location: str, quantity: int, reason: str
) -> None:
    async with in_transaction():
        variant_id, _ = await _variant_ref(brand_id, sku, "sku")
        source = await _location(brand_id, from_location, "from_location")
        target = await _location(brand_id, to_location, "to_location")
        if "stall" in (source.kind, target.kind):
            raise_field_errors([FieldError("to_location", "stalls get stock through their event's allocation")])
        await ledger.transfer(
            brand_id, variant_id, source.id, target.id, quantity, sku=sku, field="quantity", reason=reason
        )
        await bump_catalog_version(brand_id)
