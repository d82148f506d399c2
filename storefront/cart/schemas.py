"""The cart API: lines with a fulfilment choice and personalisation, totals in minor units.

A cart holds no stock and books no capacity: checkout does, under locks. What a cart shows
(prices, promises) is computed when it is read, so it is never staler than the request.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from storefront.fulfilment import Quote
from storefront.ids import Handle, Line, Sku
from storefront.money import CurrencyCode, Money

Method = Literal["pickup", "courier", "made_to_order"]
CartStatus = Literal["open", "checked_out"]
Quantity = Annotated[int, msgspec.Meta(ge=1, le=99, description="units of the variant, 1 to 99")]
Postcode = Annotated[Line, msgspec.Meta(min_length=2, max_length=10, description="a UK-style postcode; spaces ignored")]
OptionValue = Annotated[Line, msgspec.Meta(min_length=1, max_length=40)]


class PersonalisationIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    option: Annotated[Handle, msgspec.Meta(description="a personalisation option's handle, e.g. monogram")]
    value: OptionValue


class FulfilmentChoice(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How a line reaches the shopper: ``location`` picks the pickup shop, ``postcode`` is where a courier goes."""

    method: Method
    location: Handle | None = None
    postcode: Postcode | None = None


class CartIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    currency: Annotated[CurrencyCode | None, msgspec.Meta(description="defaults to the brand's; must match it")] = None


class LineIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    sku: Sku
    quantity: Quantity = 1
    fulfilment: FulfilmentChoice
    personalisation: Annotated[list[PersonalisationIn], msgspec.Meta(max_length=5)] = []


class LinePatch(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    quantity: Quantity


class LookToCartIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Every item of a lookbook's look in one step, all by one fulfilment choice."""

    lookbook: Handle
    look: uuid.UUID
    fulfilment: FulfilmentChoice


class PersonalisationOut(msgspec.Struct, frozen=True, kw_only=True):
    option: str
    label: str
    value: str
    price: Money  # per unit


class CartLineOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    sku: str
    product: str  # handle
    title: str  # product title
    variant_title: str
    image: str | None
    quantity: int
    fulfilment: FulfilmentChoice
    personalisation: list[PersonalisationOut]
    unit_price: Money  # the variant's price plus personalisation, per unit
    subtotal: Money  # unit_price x quantity
    discount: Money  # this line's share of its look's bundle discount
    total: Money
    look: str | None  # "lookbook-handle/look-id" when added as part of a look
    promise: Quote | None  # as of this read; None with ``problem`` when none can be made now
    problem: str | None = None


class CreditCodeIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: Annotated[Line, msgspec.Meta(min_length=1, max_length=64, description="a store credit code, as printed")]


class AppliedCreditOut(msgspec.Struct, frozen=True, kw_only=True):
    """A credit applied to the cart: what it pays now (up to what is due) and what it has left to spend.

    ``id`` removes it again (``DELETE /v1/carts/{id}/credits/{credit id or code}``) without the code,
    which the cart never keeps; ``hint`` is the code's last four symbols, to tell codes apart.
    """

    id: uuid.UUID
    hint: str
    applies: Money
    balance: Money
    expires_at: datetime | None


class CartTotals(msgspec.Struct, frozen=True, kw_only=True):
    subtotal: Money
    fulfilment: Money  # one fee per courier zone; pickup and made-to-order are free
    discount: Money
    total: Money
    units: int
    credit: Annotated[Money, msgspec.Meta(description="what applied store credit pays, credit first")]
    due: Annotated[Money, msgspec.Meta(description="what remains to pay by card: total less credit")]


class OrderRef(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    number: str
    status: str


class CartOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    status: CartStatus
    currency: str
    lines: list[CartLineOut]
    totals: CartTotals
    credits: list[AppliedCreditOut]
    order: OrderRef | None
    created_at: datetime
    updated_at: datetime
