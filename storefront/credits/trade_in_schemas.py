"""The trade-in API: what comes in (``*In``, strict) and what goes out (``*Out``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from storefront.credits.trade_in_states import Status
from storefront.credits.valuation import Category, Grade, QuoteLine, SizeClass
from storefront.ids import Email, Handle, Line, MultiLine
from storefront.money import Money

Material = Annotated[Line, msgspec.Meta(min_length=1, max_length=80, description="what the bag is made of")]
Note = Annotated[MultiLine, msgspec.Meta(max_length=2000, description="for staff and the shopper to read later")]
Reason = Annotated[Line, msgspec.Meta(min_length=1, max_length=500, description="why, in words the shopper will read")]
Millimetres = Annotated[int, msgspec.Meta(ge=1, le=3000)]


class BagDimensions(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Measured sides; the longest decides the size class, as the catalogue's does."""

    length_mm: Millimetres
    width_mm: Millimetres
    height_mm: Millimetres


class TradeInIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A bag offered for credit: give ``size_class`` or ``dimensions`` (one of them)."""

    category: Category
    size_class: SizeClass | None = None
    dimensions: BagDimensions | None = None
    material: Material
    condition: Annotated[Grade, msgspec.Meta(description="A like new, B light wear, C visible wear, D needs repair")]
    own_brand: bool
    product: Annotated[Handle | None, msgspec.Meta(description="which of our products, when it is one of ours")] = None
    description: Note = ""
    email: Email | None = None
    spend_on_new: Annotated[bool, msgspec.Meta(description="the credit goes on a new piece (a bonus may apply)")] = (
        False
    )


class InspectIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    condition: Grade
    notes: Note = ""


class RejectIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: Reason


class TradeInQuote(msgspec.Struct, frozen=True, kw_only=True):
    """What is offered, until when, and why, line by line (the lines add up to the amount)."""

    amount: Money
    valid_until: datetime
    lines: list[QuoteLine]


class StepOut(msgspec.Struct, frozen=True, kw_only=True):
    from_status: Status | None
    to_status: Status
    condition: Grade
    actor: str
    at: datetime
    note: str
    quote: TradeInQuote | None


class PhotoOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    content_type: str
    bytes: int
    href: Annotated[str, msgspec.Meta(description="where the photo is served, under this API")]
    created_at: datetime


class TradeInCredit(msgspec.Struct, frozen=True, kw_only=True):
    """The credit an accepted trade-in earned (its code is shown once, by the accept answer)."""

    id: uuid.UUID
    amount: Money
    expires_at: datetime | None


class TradeInOut(msgspec.Struct, frozen=True, kw_only=True):
    """A trade-in: ``quote`` is what is offered now, ``first_quote`` what was offered first, and
    ``quote_change`` says in words why they differ (null while they do not)."""

    id: uuid.UUID
    status: Status
    category: str
    size_class: SizeClass
    material: str
    condition: Grade
    quoted_condition: Annotated[Grade, msgspec.Meta(description="the condition the first quote was made for")]
    own_brand: bool
    product: str | None
    description: str
    email: str | None
    spend_on_new: bool
    quote: TradeInQuote
    first_quote: TradeInQuote
    quote_change: str | None
    steps: list[StepOut]
    photos: list[PhotoOut]
    credit: TradeInCredit | None
    listed_sku: str | None
    created_at: datetime
    updated_at: datetime


class TradeInSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A trade-in as the staff queue lists it."""

    id: uuid.UUID
    status: Status
    category: str
    size_class: SizeClass
    material: str
    condition: Grade
    own_brand: bool
    quote: Money
    valid_until: datetime
    created_at: datetime
    updated_at: datetime


class IssuedTradeInCredit(msgspec.Struct, frozen=True, kw_only=True):
    code: Annotated[str | None, msgspec.Meta(description="shown once: null when this answers a replayed accept")]
    balance: Money
    expires_at: datetime | None


class AcceptedTradeIn(msgspec.Struct, frozen=True, kw_only=True):
    trade_in: TradeInOut
    credit: IssuedTradeInCredit
