"""The inventory API: what comes in (``*In``/``*Patch``, strict) and what goes out (``*Out``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from storefront.catalog import Country, Name, Text
from storefront.ids import Handle, Line, Sku
from storefront.inventory.rules import MAX_QUANTITY, LocationKind, ManualMovementKind, Weekday

Timezone = Annotated[Line, msgspec.Meta(min_length=1, max_length=64, description="IANA zone, e.g. Europe/London")]
Latitude = Annotated[int, msgspec.Meta(ge=-90_000_000, le=90_000_000, description="micro-degrees (degrees x 10^6)")]
Longitude = Annotated[int, msgspec.Meta(ge=-180_000_000, le=180_000_000, description="micro-degrees (degrees x 10^6)")]
Address = Annotated[Line, msgspec.Meta(max_length=300)]
City = Annotated[Line, msgspec.Meta(max_length=100)]
Postcode = Annotated[Line, msgspec.Meta(max_length=20)]
# The HH:MM shape is checked by rules.opening_hours_problems, which names the day and pair at fault.
Clock = Annotated[Line, msgspec.Meta(max_length=5, description="24-hour HH:MM")]
OpeningHours = Annotated[
    dict[Weekday, Annotated[list[tuple[Clock, Clock]], msgspec.Meta(max_length=6)]],
    msgspec.Meta(description="weekday -> [open, close] pairs; a day left out is closed"),
]
Quantity = Annotated[int, msgspec.Meta(ge=-MAX_QUANTITY, le=MAX_QUANTITY)]


class LocationIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    handle: Handle | None = None
    name: Name
    kind: LocationKind
    address: Address = ""
    city: City = ""
    postcode: Postcode = ""
    country: Country = ""
    timezone: Timezone
    latitude_e6: Latitude | None = None
    longitude_e6: Longitude | None = None
    opening_hours: OpeningHours = {}


class LocationPatch(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Fields present are changed; ``opening_hours`` given replaces the whole week."""

    name: Name | None = None
    kind: LocationKind | None = None
    address: Address | None = None
    city: City | None = None
    postcode: Postcode | None = None
    country: Country | None = None
    timezone: Timezone | None = None
    latitude_e6: Latitude | None = None
    longitude_e6: Longitude | None = None
    clear_coordinates: bool = False
    opening_hours: OpeningHours | None = None


class LocationOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    handle: str
    name: str
    kind: LocationKind
    address: str
    city: str
    postcode: str
    country: str
    timezone: str
    latitude_e6: int | None
    longitude_e6: int | None
    opening_hours: dict[str, list[tuple[str, str]]]
    created_at: datetime


class MovementIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A hand-recorded movement; ``quantity`` is signed only for adjustments."""

    sku: Sku
    location: Handle
    kind: ManualMovementKind
    quantity: Quantity
    reason: Text = ""


class StockLevelOut(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    product: Annotated[str, msgspec.Meta(description="the product's handle")]
    location: Annotated[str, msgspec.Meta(description="the location's handle")]
    location_kind: LocationKind
    on_hand: int
    reserved: int
    available: int
    quarantined: Annotated[int, msgspec.Meta(description="returned units kept apart, never on sale")] = 0
    updated_at: datetime


class MovementOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    sku: str
    product: str
    location: str
    kind: str
    on_hand_delta: int
    reserved_delta: int
    quarantined_delta: int = 0
    reason: str
    created_at: datetime
