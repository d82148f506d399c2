"""An event's stall prices: replaced as a whole list, read back, and read as changes since an instant.

``PUT`` gives the event's whole price list, so a retry or a replay leaves the same list: a SKU
left out goes back to its online price. Its row stays, cleared (``price_minor`` NULL), with a new
``updated_at``, so a device that took a pack before the change learns of it from
:func:`changes_since` like any other change. Every change of one event is stamped under a lock on
the event's row, strictly after the one before (:func:`.rules.stamp`), so stamps never go back
even when the clock does. A stamp is taken before its transaction commits, so a reader of changes
"since T" should ask from a little before T (the length of a transaction) and take a change again
when it has it already: applying a price twice changes nothing.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import cast

import msgspec
from tortoise.transactions import in_transaction

from storefront.catalog import Variant
from storefront.errors import Conflict, FieldError, raise_field_errors
from storefront.events.models import Event, EventPrice
from storefront.events.offer import rules
from storefront.events.schemas import EventPriceOut, EventPricesOut, PricesIn
from storefront.events.service import event_of
from storefront.money import Money
from storefront.tenancy import brand_currency


class PriceChange(msgspec.Struct, frozen=True, kw_only=True):
    """One change of an event's price list: ``price`` None when the SKU went back to its online price."""

    sku: str
    price: int | None
    currency: str
    updated_at: datetime


def open_event(event: Event, what: str) -> None:
    if event.status != "open":
        raise Conflict(f"this event is closed: its {what} can no longer change")


async def variants_by_sku(brand_id: uuid.UUID, skus: list[str]) -> dict[str, tuple[uuid.UUID, int]]:
    """The brand's variants among ``skus``: SKU to (variant id, online price in minor units)."""
    rows = await Variant.filter(brand_id=brand_id, sku__in=sorted(set(skus))).values_list("sku", "id", "price_minor")
    return {sku: (variant_id, price) for sku, variant_id, price in cast("list[tuple[str, uuid.UUID, int]]", rows)}


def unknown_or_twice(skus: list[str], known: dict[str, tuple[uuid.UUID, int]], field: str) -> list[FieldError]:
    """A 422 line for each SKU the brand does not have, or that comes a second time, named in its message."""
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, sku in enumerate(skus):
        if sku not in known:
            errors.append(FieldError(field.format(i=i), f"no variant with SKU {sku!r}"))
        elif sku in seen:
            errors.append(FieldError(field.format(i=i), f"SKU {sku!r} is given twice"))
        seen.add(sku)
    return errors


async def put_prices(brand_id: uuid.UUID, event_id: uuid.UUID, data: PricesIn, now: datetime) -> EventPricesOut:
    """Make ``data`` the event's price list; only the SKUs whose price changed get a new ``updated_at``."""
    event = await event_of(brand_id, event_id)
    open_event(event, "prices")
    currency = await brand_currency(brand_id)
    known = await variants_by_sku(brand_id, [line.sku for line in data.lines])
    errors = unknown_or_twice([line.sku for line in data.lines], known, "body.lines[{i}].sku")
    errors += [
        FieldError(f"body.lines[{i}].price.currency", f"currency must be the brand's currency {currency}")
        for i, line in enumerate(data.lines)
        if line.price.currency != currency
    ]
    raise_field_errors(errors)
    wanted = {known[line.sku][0]: line.price.amount for line in data.lines}
    async with in_transaction():
        await Event.filter(id=event.id).select_for_update().first()  # one writer of this event's prices at a time
        rows = await EventPrice.filter(event_id=event.id)  # read after the lock, in a statement of its own
        at = rules.stamp(now, max((row.updated_at for row in rows), default=None))
        held = {row.variant_id: row for row in rows}
        for variant_id, amount in wanted.items():
            row = held.get(variant_id)
            if row is None:
                await EventPrice.create(
                    event_id=event.id, variant_id=variant_id, price_minor=amount, currency=currency, updated_at=at
                )
            elif row.price_minor != amount:
                await EventPrice.filter(id=row.id).update(price_minor=amount, updated_at=at)
        cleared = [row.id for row in rows if row.variant_id not in wanted and row.price_minor is not None]
        if cleared:
            await EventPrice.filter(id__in=cleared).update(price_minor=None, updated_at=at)
    return await list_prices(brand_id, event.id)


async def list_prices(brand_id: uuid.UUID, event_id: uuid.UUID) -> EventPricesOut:
    event = await event_of(brand_id, event_id)
    rows = await EventPrice.filter(event_id=event.id, price_minor__isnull=False).values_list(
        "variant__sku", "price_minor", "currency", "variant__price_minor", "updated_at"
    )
    lines = [
        EventPriceOut(
            sku=sku,
            price=Money(amount=price, currency=currency),
            list_price=Money(amount=online, currency=currency),
            updated_at=updated_at,
        )
        for sku, price, currency, online, updated_at in sorted(rows)
    ]
    return EventPricesOut(event_id=event.id, lines=lines)


async def stall_prices(event_ids: list[uuid.UUID]) -> dict[tuple[uuid.UUID, uuid.UUID], int]:
    """The prices set for these events, by (event, variant)."""
    rows = await EventPrice.filter(event_id__in=event_ids, price_minor__isnull=False).values_list(
        "event_id", "variant_id", "price_minor"
    )
    return {(uuid.UUID(str(event)), uuid.UUID(str(variant))): int(price) for event, variant, price in rows}


async def changes_since(event_id: uuid.UUID, since: datetime) -> list[PriceChange]:
    """Every change of the event's prices stamped after ``since``, oldest first (a cleared price included)."""
    rows = (
        await EventPrice.filter(event_id=event_id, updated_at__gt=since)
        .order_by("updated_at", "id")
        .values_list("variant__sku", "price_minor", "currency", "updated_at")
    )
    return [
        PriceChange(sku=sku, price=price, currency=currency, updated_at=updated_at)
        for sku, price, currency, updated_at in rows
    ]
