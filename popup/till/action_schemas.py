"""The JSON shapes of the till's other actions: returns, exchanges, trade-in intake, stock counts, cash-up.

Like the sale's (:mod:`popup.till.schemas`), inputs are strict and their limits are the journal's,
so what is accepted here fits the entry the server will decode. Amounts are integer minor units
of the brand's currency. A credit code issued by an action appears in its answer once, as printed
(``7K3MQ9-XXXX-...``): the till keeps only its offline lookup beside the journal entry.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from popup.till.schemas import LineIn, Reason, Reference, TenderIn
from storefront.credits import valuation
from storefront.events.journal import Count, Number, Quantity, TenderKind
from storefront.ids import Email, Line, Sku
from storefront.money import MinorUnits

Description = Annotated[Line, msgspec.Meta(max_length=500)]
RefundWay = Literal["tenders", "credit"]


class ReturnLineIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    sku: Sku
    quantity: Quantity = 1
    restock: bool = True  # false: set aside (damaged), not back on sale


class ReturnIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Name the sale by ``sale`` (its id) or ``receipt`` (its number); ``refund``: in the sale's own
    tenders, or all of it as a new store credit. ``card_reference``: the terminal's refund reference,
    needed when part goes back to a card."""

    sale: uuid.UUID | None = None
    receipt: Number | None = None
    lines: Annotated[list[ReturnLineIn], msgspec.Meta(min_length=1, max_length=200)]
    refund: RefundWay = "tenders"
    card_reference: Reference | None = None
    reason: Reason


class ExchangeIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A return (``returned``, from ``sale`` or ``receipt``) paying towards a new sale (``lines``).

    ``tenders`` pay whatever the new sale costs beyond the returned value; when the returned value
    is more, the difference goes back as ``refund`` says (as for a return).
    """

    sale: uuid.UUID | None = None
    receipt: Number | None = None
    returned: Annotated[list[ReturnLineIn], msgspec.Meta(min_length=1, max_length=200)]
    lines: Annotated[list[LineIn], msgspec.Meta(min_length=1, max_length=200)]
    tenders: Annotated[list[TenderIn], msgspec.Meta(max_length=9)] = []
    refund: RefundWay = "tenders"
    card_reference: Reference | None = None
    reason: Reason
    email: Email | None = None


class TradeInIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A bag at the counter, in the online trade-in's words. ``quoted``: the amount staff were shown,
    so a confirmation never issues other than what the shopper agreed to."""

    category: valuation.Category
    size_class: valuation.SizeClass
    material: valuation.MaterialKey
    grade: valuation.Grade
    own_brand: bool
    description: Description = ""
    spend_on_new: bool = False
    quoted: MinorUnits | None = None


class CountLineIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    sku: Sku
    counted: Count


class StockCountIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    lines: Annotated[list[CountLineIn], msgspec.Meta(min_length=1, max_length=2000)]
    note: Annotated[Line, msgspec.Meta(max_length=500)] = ""


class CollectIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The pickup code the shopper shows, as typed (case, spaces and dashes do not matter)."""

    code: Annotated[Line, msgspec.Meta(min_length=1, max_length=20)]


class CashUpIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    opening_float: MinorUnits
    counted: MinorUnits
    note: Annotated[Line, msgspec.Meta(max_length=500)] = ""


# --- answers ----------------------------------------------------------------------------------------


class IssuedCreditOut(msgspec.Struct, frozen=True, kw_only=True):
    """A credit code this till issued: shown here once; spendable at this till at once, online after sync."""

    code: str  # as printed: the device mark, then groups of four
    amount: MinorUnits  # what it was issued with, less what its own exchange spent at once
    currency: str
    expires_at: datetime | None


class RefundOut(msgspec.Struct, frozen=True, kw_only=True):
    kind: TenderKind
    amount: MinorUnits
    reference: str | None = None


class ReturnOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    seq: int
    number: str
    sale: uuid.UUID
    sale_number: str
    currency: str
    refunded: MinorUnits
    refund: list[RefundOut]
    credit: IssuedCreditOut | None = None


class ExchangeOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    seq: int
    return_number: str
    sale_number: str
    currency: str
    returned_value: MinorUnits
    total: MinorUnits  # the new sale's
    paid_by_return: MinorUnits
    change: MinorUnits
    refund: list[RefundOut]  # the difference, when the return was worth more
    credit: IssuedCreditOut | None = None


class QuoteLineOut(msgspec.Struct, frozen=True, kw_only=True):
    rule: str
    text: str
    amount: int  # what this step changed: may be negative


class QuoteOut(msgspec.Struct, frozen=True, kw_only=True):
    amount: MinorUnits
    currency: str
    lines: list[QuoteLineOut]


class TradeInOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    seq: int
    number: str
    quote: QuoteOut
    credit: IssuedCreditOut


class CountLineOut(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    expected: int
    counted: int
    difference: int  # counted - expected


class StockCountOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    seq: int
    lines: list[CountLineOut]


class CashFigures(msgspec.Struct, frozen=True, kw_only=True):
    """The drawer since the last cash-up: cash the sales kept, cash handed back."""

    currency: str
    cash_sales: int
    cash_refunded: int
    since: datetime | None  # the last cash-up, or None for the first


class CashUpOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    seq: int
    currency: str
    opening_float: int
    cash_sales: int
    cash_refunded: int
    expected: int
    counted: int
    difference: int  # counted - expected: negative is a shortfall


class StockRow(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    title: str
    expected: int


class ReturnableLine(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    title: str
    sold: int
    returnable: int
    unit_value: int  # what the next unit back refunds


class ReturnableSale(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /returns/sale``: what a sale can still give back, for the return form."""

    id: uuid.UUID
    number: str
    currency: str
    total: int
    refunded: int
    tenders: list[TenderKind]
    lines: list[ReturnableLine]


class ReservationLineOut(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    title: str
    quantity: int


class ReservationOut(msgspec.Struct, frozen=True, kw_only=True):
    """An online order waiting to be collected here (its pickup code is never shown: the shopper has it)."""

    order_id: uuid.UUID
    number: str
    name: str
    lines: list[ReservationLineOut]


class CollectOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    seq: int
    order_id: uuid.UUID
    number: str
    name: str
    lines: list[ReservationLineOut]
