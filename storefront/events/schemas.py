"""The events API: what comes in (``*In``, strict) and what goes out (``*Out``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from storefront.catalog import Name, PriceIn
from storefront.ids import Handle, Line, Sku
from storefront.inventory import MAX_QUANTITY
from storefront.money import Money

EventStatus = Literal["open", "closed"]
Instant = Annotated[datetime, msgspec.Meta(tz=True, description="ISO 8601 with a UTC offset")]
Timezone = Annotated[Line, msgspec.Meta(min_length=1, max_length=64, description="IANA zone, e.g. Europe/London")]
Venue = Annotated[Line, msgspec.Meta(min_length=1, max_length=200, description="where the stall stands")]
DeviceName = Annotated[Line, msgspec.Meta(min_length=1, max_length=100, description="e.g. till 1")]
MAX_LINES = 200
MAX_PRICES = 500  # an event's whole price list, replaced at once
DropStatus = Literal["upcoming", "live", "ended"]
Mark = Annotated[str, msgspec.Meta(description="six Crockford base32 symbols: the device's receipt prefix")]


PickupPrep = Annotated[
    int,
    msgspec.Meta(
        ge=0,
        le=24 * 60,
        description=(
            "minutes of opening time before an online reservation can be collected at the stall "
            "(it must reach the till by its pack or a sync); null: no collection at this stall"
        ),
    ),
]
DEFAULT_PICKUP_PREP = 60


class EventIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    handle: Handle
    name: Name
    venue: Venue
    timezone: Timezone
    starts_at: Instant
    ends_at: Instant
    pickup_prep_minutes: PickupPrep | None = DEFAULT_PICKUP_PREP


class EventOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    handle: str
    name: str
    venue: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    status: EventStatus
    location: Annotated[str, msgspec.Meta(description="the handle of the event's stall location")]
    created_at: datetime


class AllocationLineIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    sku: Sku
    from_location: Handle
    quantity: Annotated[int, msgspec.Meta(ge=1, le=MAX_QUANTITY)]


class AllocationIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Lines moved to the stall together: all of them, or (one short of stock) none."""

    lines: Annotated[list[AllocationLineIn], msgspec.Meta(min_length=1, max_length=MAX_LINES)]


class AllocationLineOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    sku: str
    from_location: str
    quantity: int
    reason: str
    created_at: datetime


class AllocatedSku(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    quantity: Annotated[int, msgspec.Meta(description="every unit allocated to the event so far")]


class AllocationOut(msgspec.Struct, frozen=True, kw_only=True):
    event_id: uuid.UUID
    lines: Annotated[list[AllocationLineOut], msgspec.Meta(description="the lines this request moved")]
    allocation: list[AllocatedSku]


class DeviceIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: DeviceName


class DeviceOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    name: str
    mark: Mark | None
    created_at: datetime
    revoked_at: datetime | None


class NewDevice(msgspec.Struct, frozen=True, kw_only=True):
    """A registered device. ``token`` is shown here and never again (only its SHA-256 is kept)."""

    id: uuid.UUID
    name: str
    mark: Mark | None
    token: Annotated[
        str | None, msgspec.Meta(description="null when this answers a retry of a registration already answered")
    ]
    pack_key: Annotated[str, msgspec.Meta(description="hex; the key the device's packs are signed with")]


class DeviceCaller(msgspec.Struct, frozen=True, kw_only=True):
    """Who calls with a device token: one device of one event of one brand."""

    brand_id: uuid.UUID
    event_id: uuid.UUID
    device_id: uuid.UUID


# --- what the event offers: its prices and drops, and what a brand's site shows of it ----------


class PriceLineIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    sku: Sku
    price: PriceIn


class PricesIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The event's whole price list: a SKU left out goes back to its online price (``[]`` clears them all)."""

    lines: Annotated[list[PriceLineIn], msgspec.Meta(max_length=MAX_PRICES)]


class EventPriceOut(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    price: Annotated[Money, msgspec.Meta(description="the stall price")]
    list_price: Annotated[Money, msgspec.Meta(description="the online price")]
    updated_at: Annotated[datetime, msgspec.Meta(description="grows with every change of the event's prices")]


class EventPricesOut(msgspec.Struct, frozen=True, kw_only=True):
    event_id: uuid.UUID
    lines: list[EventPriceOut]


class DropIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A capsule run of ``quantity`` pieces across ``skus``, sold at the event's stall and online."""

    handle: Handle
    name: Name
    quantity: Annotated[int, msgspec.Meta(ge=1, le=MAX_QUANTITY)]
    starts_at: Instant
    ends_at: Instant
    skus: Annotated[list[Sku], msgspec.Meta(min_length=1, max_length=MAX_LINES)]


class DropOut(msgspec.Struct, frozen=True, kw_only=True):
    handle: str
    name: str
    event: Annotated[str, msgspec.Meta(description="the handle of the event whose stall sells it")]
    quantity: int
    left: Annotated[int, msgspec.Meta(description="quantity less the units of its SKUs sold since it started")]
    starts_at: datetime
    ends_at: datetime
    status: DropStatus
    text: Annotated[str, msgspec.Meta(description='in words, e.g. "12 of 50 left"')]
    skus: list[str]


class StallProductOut(msgspec.Struct, frozen=True, kw_only=True):
    """A piece the stall brings: its stall price, and the online one when that differs."""

    product: Annotated[str, msgspec.Meta(description="the product's handle")]
    sku: str
    title: str
    variant_title: str
    price: Money
    list_price: Money | None
    image: str | None
    image_alt: str
    drop: Annotated[str | None, msgspec.Meta(description="the handle of the drop it belongs to")]


class UpcomingEventOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    handle: str
    name: str
    venue: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    products: list[StallProductOut]
    drops: list[DropOut]
