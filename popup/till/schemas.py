"""The till's JSON shapes (DESIGN 9.2): what scanners, scripts and tests send, and what they get back.

Inputs are strict (unknown fields, wrong types and control characters refused before a handler
runs, by the storefront's strict-body hook); their limits are the journal's, so anything accepted
here fits the entry the server will decode. Amounts are integer minor units of the brand's
currency, as everywhere in Stallkit.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from storefront.events.journal import Quantity, Sale, TenderKind
from storefront.ids import Email, Line, Sku
from storefront.money import MinorUnits

Amount = Annotated[int, msgspec.Meta(ge=1, le=10**12)]
Reference = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f-\x9f]+$(?!\n)")]
CodeTyped = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f-\x9f]+$(?!\n)")]
Reason = Annotated[Line, msgspec.Meta(min_length=1, max_length=200)]
StaffName = Annotated[Line, msgspec.Meta(min_length=1, max_length=100)]
Pin = Annotated[str, msgspec.Meta(min_length=4, max_length=12, pattern=r"^[0-9]+$(?!\n)")]


class LineIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    sku: Sku
    quantity: Quantity = 1


class TenderIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``cash``: ``amount`` is what the shopper handed over; ``card_terminal`` needs ``reference``;
    ``credit`` needs ``code`` (as typed: dashes, spaces and lower case are fine)."""

    kind: TenderKind
    amount: Amount
    reference: Reference | None = None
    code: CodeTyped | None = None


class DiscountIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    amount: Amount
    reason: Reason


class SaleIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    lines: Annotated[list[LineIn], msgspec.Meta(min_length=1, max_length=200)]
    tenders: Annotated[list[TenderIn], msgspec.Meta(min_length=1, max_length=10)]
    discount: DiscountIn | None = None
    email: Email | None = None


class StockWarning(msgspec.Struct, frozen=True, kw_only=True):
    """A SKU this sale took below zero at the stall: recorded, and reported as a conflict at sync."""

    sku: str
    level: int


class SaleOut(msgspec.Struct, frozen=True, kw_only=True):
    """``POST /sales`` answers this once the sale is on disk: only then is it paid."""

    id: uuid.UUID
    seq: int
    number: str
    currency: str
    total: MinorUnits
    change: MinorUnits
    warnings: list[StockWarning] = []


class SaleView(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /sales/{id}``: the sale as journalled, and whether (by which entry) it was voided."""

    id: uuid.UUID
    seq: int
    occurred_at: datetime
    voided_by: uuid.UUID | None
    sale: Sale


class VoidIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: Reason


class VoidOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    seq: int
    sale: uuid.UUID
    number: str


class UnlockIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    pin: Pin
    staff: StaffName


class UnlockOut(msgspec.Struct, frozen=True, kw_only=True):
    """The session is in the cookie; ``csrf_token`` goes in ``X-CSRF-Token`` on every later write."""

    staff: str
    csrf_token: str


class ProductOut(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    title: str
    price: MinorUnits
    currency: str
    stock: int  # for sale: on the shelf less units kept for reservations; may be negative (sold past the allocation)
    image: str | None  # the till's own URL of a cached image, or None (show the title)
    reserved: int = 0  # on the shelf, kept for online orders to collect here
