"""The fulfilment API: what comes in (``*In``, strict) and what goes out (``*Out``, and the engine's ``Quote``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec

from storefront.catalog import Name, PriceIn, Text
from storefront.fulfilment.rules import PersonalisationKind, RestockStatus
from storefront.ids import END, Email, Handle, Line, Sku
from storefront.inventory import Weekday
from storefront.money import Money

Clock = Annotated[str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]" + END, description="24-hour HH:MM")]
Window = tuple[Clock, Clock]
PostcodePrefix = Annotated[
    str, msgspec.Meta(pattern=r"^[A-Z0-9]{1,8}" + END, description="upper case, no space: a district (E1) or area (E)")
]
Instant = Annotated[datetime, msgspec.Meta(tz=True, description="ISO 8601 with a UTC offset")]
PrepMinutes = Annotated[int, msgspec.Meta(ge=0, le=7 * 24 * 60)]
RadiusMetres = Annotated[int, msgspec.Meta(ge=1, le=500_000)]
Capacity = Annotated[int, msgspec.Meta(ge=0, le=100_000)]
LeadDays = Annotated[int, msgspec.Meta(ge=0, le=120)]
OptionValue = Annotated[Line, msgspec.Meta(min_length=1, max_length=40)]


# --- pickup points ----------------------------------------------------------------------------


class PickupPointIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    location: Annotated[Handle, msgspec.Meta(description="a shop's handle")]
    prep_minutes: PrepMinutes
    enabled: bool = True


class PickupPointOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    location: str
    name: str
    timezone: str
    prep_minutes: int
    enabled: bool
    opens_at: Annotated[datetime | None, msgspec.Meta(description="a pop-up stall's first instant; null for a shop")]
    closes_at: Annotated[datetime | None, msgspec.Meta(description="a pop-up stall's end; null for a shop")]
    created_at: datetime


# --- courier zones and rates ------------------------------------------------------------------


class RateIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A new price for a zone; it never edits an old one. ``effective_from`` defaults to now."""

    price: PriceIn
    effective_from: Instant | None = None
    effective_to: Instant | None = None


class RateOut(msgspec.Struct, frozen=True, kw_only=True):
    price: Money
    effective_from: datetime
    effective_to: datetime | None
    created_at: datetime


class CourierZoneIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A zone, by postcode prefixes or a radius around its hub (or both), with its first rate (from now)."""

    handle: Handle | None = None
    name: Name
    hub: Annotated[Handle, msgspec.Meta(description="a shop's or warehouse's handle")]
    postcode_prefixes: Annotated[list[PostcodePrefix], msgspec.Meta(max_length=300)] = []
    radius_m: RadiusMetres | None = None
    same_day_cutoff: Annotated[
        Clock | None, msgspec.Meta(description="orders before it, local to the hub, go out today; null: next day only")
    ] = None
    delivery_windows: Annotated[list[Window], msgspec.Meta(min_length=1, max_length=12)]
    delivery_days: Annotated[list[Weekday], msgspec.Meta(min_length=1, max_length=7)]
    rate: PriceIn


class CourierZoneOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    handle: str
    name: str
    hub: str
    timezone: str
    postcode_prefixes: list[str]
    radius_m: int | None
    same_day_cutoff: str | None
    delivery_windows: list[tuple[str, str]]
    delivery_days: list[str]
    rate: Annotated[RateOut | None, msgspec.Meta(description="the rate in force now")]
    rates: Annotated[list[RateOut], msgspec.Meta(description="every rate, oldest first")]
    created_at: datetime


# --- microfactories ---------------------------------------------------------------------------


class MicrofactoryIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    location: Annotated[Handle, msgspec.Meta(description="a microfactory location's handle")]
    daily_capacity: Annotated[Capacity, msgspec.Meta(description="pieces that can start production per day")]
    lead_time_working_days: LeadDays
    closed_weekdays: Annotated[list[Weekday], msgspec.Meta(max_length=7)] = []
    closed_dates: Annotated[list[date], msgspec.Meta(max_length=366)] = []
    deposit_bp: Annotated[
        int, msgspec.Meta(ge=0, le=10_000, description="basis points paid at checkout; the rest when the piece ships")
    ] = 0


class MicrofactoryOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    location: str
    name: str
    timezone: str
    daily_capacity: int
    lead_time_working_days: int
    closed_weekdays: list[str]
    closed_dates: list[date]
    deposit_bp: int
    created_at: datetime


# --- personalisation --------------------------------------------------------------------------


class PersonalisationOptionIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Allowed values (thread colours), or a pattern and length (a monogram)."""

    handle: Handle | None = None
    kind: PersonalisationKind
    label: Text = ""
    allowed_values: Annotated[list[OptionValue], msgspec.Meta(max_length=50)] = []
    pattern: Annotated[Line, msgspec.Meta(max_length=100, description="a regular expression a value must match")] = ""
    max_length: Annotated[int, msgspec.Meta(ge=1, le=40)] | None = None
    price: PriceIn


class PersonalisationOptionOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    handle: str
    kind: PersonalisationKind
    label: str
    allowed_values: list[str]
    pattern: str
    max_length: int | None
    price: Money
    created_at: datetime


# --- back in stock ----------------------------------------------------------------------------


class BackInStockIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    variant: Annotated[Sku, msgspec.Meta(description="the sold-out variant's SKU")]
    email: Email


class BackInStockOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    variant: str  # the SKU
    email: str
    status: RestockStatus  # waiting until the variant can be had again, then due
    created_at: datetime
    due_at: datetime | None
