"""What a stall till writes in its journal and sends at sync: the contract both sides import (pure).

The till (``popup/``) records every action as one journal entry whose ``payload`` is one of the
Structs below, as canonical JSON; the storefront decodes the same Structs when the entry arrives
at ``POST /v1/events/{id}/sync`` (DESIGN section 9). Keeping them in one module means a field
the till writes is a field the server reads, checked by the type checker on both sides.

Every amount is integer minor units of the sale's ``currency`` (the brand's). A payload states
what happened at the stall, prices and totals included, rather than what the server should
compute: a completed sale is never refused or repriced at sync, even when the catalogue moved
on (DESIGN 9.4). Lines name a SKU; the server finds the variant.

Entries reference earlier entries by entry id (a return names the sale's entry id), never by
sequence number or receipt number alone, so an entry imported on another machine still points
at the same sale.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from storefront.credits import valuation
from storefront.events.pack import PackCredit, PackReservation
from storefront.ids import END, MULTILINE_PATTERN
from storefront.money import CurrencyCode, MinorUnits

Quantity = Annotated[int, msgspec.Meta(ge=1, le=10_000)]
Count = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
Sku = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Note = Annotated[str, msgspec.Meta(max_length=500)]
# A receipt or trade-in number: the device's mark, a dash, its running number (``7K3MQ9-00017``).
Number = Annotated[str, msgspec.Meta(pattern=r"^[0-9A-HJKMNP-TV-Z]{6}-[0-9]{5,9}" + END)]
Staff = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Email = Annotated[str, msgspec.Meta(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+" + END)]
# A credit code as the till normalised it (storefront.credits.codes.normalise): no dashes.
CodeText = Annotated[str, msgspec.Meta(min_length=8, max_length=40, pattern=r"^[0-9A-HJKMNP-TV-Z]+" + END)]

TenderKind = Literal["cash", "card_terminal", "credit"]


class Tender(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One way a sale was paid, or a refund given back.

    ``cash``: ``amount`` is what the sale kept; ``tendered`` what was handed over (change is the
    difference). ``card_terminal``: paid on the stall's own card terminal, ``reference`` its
    receipt reference. ``credit``: store credit, ``code`` the code as typed (an online credit,
    checked against the pack's cap, or one this till issued offline).
    """

    kind: TenderKind
    amount: MinorUnits
    tendered: MinorUnits | None = None
    reference: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    code: CodeText | None = None


class SaleLine(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    sku: Sku
    quantity: Quantity
    unit_price: MinorUnits  # what the stall charged per unit, before the sale's discount
    drop: Annotated[str, msgspec.Meta(max_length=80)] | None = None  # the limited drop's handle, if any


class Discount(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A staff discount on the whole sale: always with a reason and who gave it."""

    amount: MinorUnits
    reason: Reason
    staff: Staff


class Sale(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A completed sale: the till committed it and showed it paid."""

    number: Number
    currency: CurrencyCode
    lines: Annotated[list[SaleLine], msgspec.Meta(min_length=1, max_length=200)]
    discount: Discount | None = None
    subtotal: MinorUnits  # sum of quantity x unit_price
    total: MinorUnits  # subtotal - discount
    tenders: Annotated[list[Tender], msgspec.Meta(min_length=1, max_length=10)]
    change: MinorUnits  # cash handed back
    staff: Staff
    email: Email | None = None  # a receipt to send once synced


class Void(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A sale undone at the till the same day (money handed back in the tenders it was paid with)."""

    sale: uuid.UUID  # the sale's entry id
    reason: Reason
    staff: Staff


class ReturnLine(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    sku: Sku
    quantity: Quantity
    restock: bool = True  # back into the stall's stock, or set aside (damaged)


class Return(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Lines of an earlier sale brought back; ``refund`` says how the money went back."""

    sale: uuid.UUID  # the original sale's entry id (a stall sale, this device's or another's)
    number: Number
    currency: CurrencyCode
    lines: Annotated[list[ReturnLine], msgspec.Meta(min_length=1, max_length=200)]
    refund: Annotated[list[Tender], msgspec.Meta(max_length=10)]  # credit here: a new code issued
    reason: Reason
    staff: Staff


class Exchange(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A return and the sale it paid towards, as one action: both land, or neither."""

    returned: Return
    sale: Sale


class TradeIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A bag taken in at the stall, valued by the pack's rules, paid in a new credit code."""

    number: Number
    currency: CurrencyCode
    category: valuation.Category  # the same words the online trade-in takes
    size_class: valuation.SizeClass
    material: valuation.MaterialKey
    grade: valuation.Grade
    own_brand: bool
    description: Note = ""
    amount: MinorUnits  # the credit issued: the quote's amount
    code: CodeText  # the credit's code, issued offline with this device's mark as its prefix
    staff: Staff


class StockCountLine(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    sku: Sku
    expected: int  # what the till's own stock said
    counted: Count


class StockCount(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    lines: Annotated[list[StockCountLine], msgspec.Meta(min_length=1, max_length=2000)]
    staff: Staff
    note: Note = ""


class CashUp(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """End of day: the cash drawer counted against what the till expects."""

    currency: CurrencyCode
    opening_float: MinorUnits
    expected: MinorUnits  # float + cash kept by sales - cash refunded
    counted: MinorUnits
    staff: Staff
    note: Note = ""


class CollectedLine(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    sku: Sku
    quantity: Quantity


class Collect(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An online reservation collected at the stall with its pickup code.

    ``lines`` are the units handed over, as the pack listed them: already sold online (the order
    took them off the stall's stock when it was paid), they leave the stall's shelf only now, and
    the event report counts them apart from stall sales.
    """

    order_id: uuid.UUID
    order_number: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    staff: Staff
    lines: Annotated[list[CollectedLine], msgspec.Meta(max_length=200)] = []


PAYLOADS: dict[str, type[msgspec.Struct]] = {
    "sale": Sale,
    "void": Void,
    "return": Return,
    "exchange": Exchange,
    "trade_in": TradeIn,
    "stock_count": StockCount,
    "cash_up": CashUp,
    "collect": Collect,
}


def decode_payload(kind: str, payload: str) -> msgspec.Struct:
    """The typed payload of an entry; ``msgspec.ValidationError``/``DecodeError`` if it is not one."""
    try:
        shape = PAYLOADS[kind]
    except KeyError:
        raise msgspec.ValidationError(f"unknown entry kind {kind!r}") from None
    return msgspec.json.decode(payload, type=shape)


# --- the sync exchange (DESIGN 9.3) ---------------------------------------------------------

MAX_BATCH = 200


class SyncEntry(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A journal entry as it travels: ``payload`` is the canonical JSON text the till hashed.

    ``seq`` is stored as a 64-bit integer; ``kind`` is snake_case, as the till checks it; the
    payload's text has no raw control characters (canonical JSON escapes them).
    """

    id: uuid.UUID
    seq: Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)]
    occurred_at: Annotated[datetime, msgspec.Meta(tz=True)]
    kind: Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*" + END)]
    payload: Annotated[str, msgspec.Meta(max_length=1_000_000, pattern=MULTILINE_PATTERN)]
    content_hash: Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}" + END)]


class SyncRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    device_id: uuid.UUID
    entries: Annotated[list[SyncEntry], msgspec.Meta(max_length=MAX_BATCH)]


EntryStatus = Literal["applied", "duplicate", "conflict"]


class EntryResult(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    status: EntryStatus
    detail: str | None = None


class PriceUpdate(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    price: int


class SyncUpdates(msgspec.Struct, frozen=True, kw_only=True):
    """What changed on the storefront since the pack, for a till that is online during the event."""

    prices: list[PriceUpdate] = []
    credits: list[PackCredit] = []  # taken offline now, or a changed cap (0: no longer offline)
    # Every order waiting to be collected at the stall now (the whole list: one cancelled online
    # drops out); None from a server that does not send them, so the till keeps what it has.
    reservations: list[PackReservation] | None = None


class SyncAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """``acked_seq``: every entry of the device up to it is on the server (the till marks them
    synced); ``gaps``: sequence ranges below the highest received that never arrived."""

    acked_seq: int
    results: list[EntryResult]
    gaps: list[tuple[int, int]]
    updates: SyncUpdates
