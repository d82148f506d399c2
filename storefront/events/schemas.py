"""The events API: what comes in (``*In``, strict) and what goes out (``*Out``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from storefront.catalog import Name
from storefront.ids import Handle, Line, Sku
from storefront.inventory import MAX_QUANTITY

EventStatus = Literal["open", "closed"]
Instant = Annotated[datetime, msgspec.Meta(tz=True, description="ISO 8601 with a UTC offset")]
Timezone = Annotated[Line, msgspec.Meta(min_length=1, max_length=64, description="IANA zone, e.g. Europe/London")]
Venue = Annotated[Line, msgspec.Meta(min_length=1, max_length=200, description="where the stall stands")]
DeviceName = Annotated[Line, msgspec.Meta(min_length=1, max_length=100, description="e.g. till 1")]
MAX_LINES = 200


class EventIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    handle: Handle
    name: Name
    venue: Venue
    timezone: Timezone
    starts_at: Instant
    ends_at: Instant


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
    created_at: datetime
    revoked_at: datetime | None


class NewDevice(msgspec.Struct, frozen=True, kw_only=True):
    """A registered device. ``token`` is shown here and never again (only its SHA-256 is kept)."""

    id: uuid.UUID
    name: str
    token: Annotated[
        str | None, msgspec.Meta(description="null when this answers a retry of a registration already answered")
    ]
    pack_key: Annotated[str, msgspec.Meta(description="hex; the key the device's packs are signed with")]


class DeviceCaller(msgspec.Struct, frozen=True, kw_only=True):
    """Who calls with a device token: one device of one event of one brand."""

    brand_id: uuid.UUID
    event_id: uuid.UUID
    device_id: uuid.UUID
