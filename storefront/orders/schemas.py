"""The orders API: an order with its fulfilments and promises, payments, returns and KPIs."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from storefront.ids import Sku
from storefront.money import Money
from storefront.orders.states import FulfilmentStep, OrderStatus

ReturnReason = Literal["changed_mind", "wrong_size", "faulty", "damaged_in_transit", "not_as_described", "other"]
Condition = Literal["resaleable", "damaged"]
OrderStatusFilter = OrderStatus | None


class AddressOut(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    line1: str
    line2: str
    city: str
    postcode: str
    country: str


class FulfilmentOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    method: str
    status: str
    location: str
    zone: str | None
    postcode: str | None
    fee: Money
    balance: Money  # a made-to-order deposit's balance, charged when this fulfilment ships
    balance_paid: bool
    promised_earliest: datetime
    promised_latest: datetime
    promise_rule: str
    timezone: str
    fulfilled_at: datetime | None
    address: AddressOut | None = None  # where a courier or a made-to-order piece goes
    phone: str | None = None  # E.164, for the courier
    collector: str | None = None  # who collects a pickup
    pickup_code: str | None = None  # shown at the counter to collect


class OrderLineOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    fulfilment: uuid.UUID
    sku: str
    title: str
    quantity: int
    unit_price: Money
    discount: Money
    total: Money
    personalisation: list[dict[str, str]]
    returned_quantity: int


class OrderKpis(msgspec.Struct, frozen=True, kw_only=True):
    """What the brand's dashboards need per order (minutes are whole minutes)."""

    promised_lead_minutes: int  # placed -> latest promised instant (the slowest fulfilment)
    actual_lead_minutes: int | None  # placed -> last fulfilment done; None until then
    on_time: bool | None  # every fulfilment done by its promise; None until all are done
    fulfilment_cost: Money
    returned_units: int
    damaged_units: int
    return_reasons: dict[str, int]


class OrderOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    number: str
    status: str
    email: str
    name: str
    subtotal: Money
    fulfilment: Money
    discount: Money
    total: Money
    paid: Money  # by card
    credit: Annotated[Money, msgspec.Meta(description="of the total, what store credit pays (held until paid)")]
    refunded: Money
    balance: Money  # of the total, what is charged as made-to-order pieces ship (deposits)
    payment_intent: str | None
    payment_failures: int
    last_payment_error: str
    hold_expires_at: datetime
    placed_at: datetime
    paid_at: datetime | None
    fulfilled_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str
    exchange_of: uuid.UUID | None
    fulfilments: list[FulfilmentOut]
    lines: list[OrderLineOut]
    kpis: OrderKpis


class StepIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Move a fulfilment to its method's next step (pickup: ready_for_pickup, fulfilled; ...)."""

    status: FulfilmentStep


class ReturnLineIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    line: uuid.UUID
    quantity: Annotated[int, msgspec.Meta(ge=1, le=99)]
    reason: ReturnReason
    condition: Annotated[
        Condition | None, msgspec.Meta(description="as inspected on arrival; leave out to request the return first")
    ] = None
    exchange_sku: Annotated[Sku | None, msgspec.Meta(description="swap for this variant of equal price")] = None


class ReturnIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A return: requested (no conditions yet), or received at once when every line's condition is given.

    On receipt resaleable units are restocked and damaged ones quarantined; each is refunded unless exchanged.
    """

    lines: Annotated[list[ReturnLineIn], msgspec.Meta(min_length=1, max_length=50)]
    refund_to: Annotated[
        Literal["original", "store_credit"],
        msgspec.Meta(
            description="original: back to the card and credit that paid, in proportion; store_credit: what the "
            "card paid comes back as a new store credit instead (its code in the answer that issues it)"
        ),
    ] = "original"


class ReceivedLineIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    line: uuid.UUID
    condition: Condition


class ReceiveIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The requested units are in hand: each returned line's condition, as inspected."""

    lines: Annotated[list[ReceivedLineIn], msgspec.Meta(min_length=1, max_length=50)]


class ReturnLineOut(msgspec.Struct, frozen=True, kw_only=True):
    line: uuid.UUID
    sku: str
    quantity: int
    reason: str
    condition: str  # "" until received
    disposition: str  # restocked | quarantined; "" until received
    location: str
    refund: Money
    exchange_sku: str | None


class IssuedStoreCredit(msgspec.Struct, frozen=True, kw_only=True):
    code: str | None  # shown once, in the answer that issued it
    amount: Money


class ReturnOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    order: uuid.UUID
    status: str  # requested | refund_pending | completed
    refund: Money
    refund_to: Literal["original", "store_credit"]
    to_credit: Annotated[Money, msgspec.Meta(description="of the refund, what goes onto store credit")]
    store_credit: Annotated[
        IssuedStoreCredit | None,
        msgspec.Meta(description="the credit a store-credit refund issued; its code only in the answer that issued it"),
    ] = None
    refund_id: str | None
    exchange_order: uuid.UUID | None
    lines: list[ReturnLineOut]
    created_at: datetime
    completed_at: datetime | None


class KpiSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A brand's order figures by fulfilment method; rates in basis points."""

    method: str
    orders: int
    fulfilled: int
    on_time_bp: int | None
    average_promised_lead_minutes: int | None
    average_actual_lead_minutes: int | None
    revenue: Money
    refunded: Money
    fulfilment_fees: Money
    returned_units: int
    damaged_units: int
    return_reasons: dict[str, int]


class ProvenanceStepOut(msgspec.Struct, frozen=True, kw_only=True):
    stage: str  # material, cutting, assembly, finishing, qc, dispatch
    place: str
    country: str
    maker: str
    occurred_on: date | None


class TrackingOut(msgspec.Struct, frozen=True, kw_only=True):
    """One step the fulfilment took after checkout (paid, ready for pickup, out for delivery...)."""

    status: str
    at: datetime


class PieceOut(msgspec.Struct, frozen=True, kw_only=True):
    title: str
    quantity: int
    provenance: list[ProvenanceStepOut]  # how the piece was made, before the order's own steps


class FulfilmentStatusOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    method: str
    status: str
    location: str
    promised_earliest: datetime
    promised_latest: datetime
    timezone: str
    fulfilled_at: datetime | None
    on_time: bool | None  # done by the latest promised instant; None until done
    late: bool  # not done, and the promise has passed
    pickup_code: str | None
    address: AddressOut | None
    collector: str | None
    pieces: list[PieceOut]
    tracking: list[TrackingOut]


class OrderStatusOut(msgspec.Struct, frozen=True, kw_only=True):
    """The shopper's own order page: no payment ids, no other shopper, nothing the brand keeps to itself."""

    id: uuid.UUID
    number: str
    status: str
    placed_at: datetime
    total: Money
    fulfilments: list[FulfilmentStatusOut]


class CreditKpis(msgspec.Struct, frozen=True, kw_only=True):
    """Circularity figures, all time: trade-ins, store credit (``credit_outstanding`` is a liability), resale."""

    trade_ins_received: int
    trade_ins_accepted: int
    accepted_value: Annotated[Money, msgspec.Meta(description="credit issued for accepted trade-ins")]
    credit_issued: Money
    credit_redeemed: Annotated[Money, msgspec.Meta(description="credit spent on paid orders")]
    credit_refunded: Annotated[Money, msgspec.Meta(description="put back onto credit by returns")]
    credit_expired: Money
    credit_outstanding: Annotated[
        Money, msgspec.Meta(description="what shoppers can still spend, plus what checkouts hold: owed in kind")
    ]
    refurbished_units_sold: int
    paid_orders: int
    orders_with_credit: int
    credit_order_share_bp: Annotated[int, msgspec.Meta(description="orders_with_credit / paid_orders, basis points")]
