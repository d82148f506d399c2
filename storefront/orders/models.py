"""Orders, their lines and fulfilments, the holds checkout takes, returns, and the status history.

An order is made from one cart at checkout. Its lines are grouped into fulfilments, one per
(method, place): a pickup at one shop, a courier run from one hub, a made-to-order batch at
one microfactory; each fulfilment walks its own method's lifecycle
(:mod:`storefront.orders.states`). Prices, promises and locations are copied onto the order
when it is placed: later catalogue or rate changes never rewrite what the shopper agreed to.
"""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from storefront.cart import Cart
from storefront.catalog import Variant
from storefront.credits import Credit
from storefront.fulfilment import Microfactory
from storefront.ids import new_id
from storefront.inventory import Location
from storefront.tenancy import Brand


class Order(Model):
    id = fields.UUIDField(primary_key=True, default=new_id)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="orders", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    cart: fields.ForeignKeyNullableRelation[Cart] = fields.ForeignKeyField(
        "stallkit.Cart", related_name="orders", on_delete=fields.SET_NULL, null=True
    )
    cart_id: uuid.UUID | None
    exchange_of: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "stallkit.Order", related_name="exchanges", on_delete=fields.SET_NULL, null=True
    )
    exchange_of_id: uuid.UUID | None
    number = fields.CharField(max_length=20, unique=True)
    status = fields.CharField(max_length=20, db_index=True)
    email = fields.CharField(max_length=254, default="")
    name = fields.CharField(max_length=200, default="")
    currency = fields.CharField(max_length=3)
    subtotal_minor: int = fields.BigIntField()
    fulfilment_minor: int = fields.BigIntField()
    discount_minor: int = fields.BigIntField()
    total_minor: int = fields.BigIntField()
    paid_minor: int = fields.BigIntField(default=0)
    refunded_minor: int = fields.BigIntField(default=0)
    balance_minor: int = fields.BigIntField(default=0)  # made-to-order balances, charged as pieces ship
    credit_minor: int = fields.BigIntField(default=0, db_default=0)  # paid by store credit, held at checkout
    payment_intent = fields.CharField(max_length=100, null=True, unique=True)  # the checkout payment
    stripe_customer = fields.CharField(max_length=100, null=True)  # keeps the card when a balance is due
    client_secret = fields.CharField(max_length=200, null=True)
    payment_failures = fields.IntField(default=0)
    last_payment_error = fields.CharField(max_length=300, default="")
    last_failed_charge = fields.CharField(max_length=100, null=True)  # a decline is counted once
    hold_expires_at = fields.DatetimeField()
    # Who checked out, for the cap on unpaid holds per shopper: a keyed hash of the client's
    # address (never the address itself); None when the brand's own server checked out.
    shopper_ref = fields.CharField(max_length=64, null=True)
    # The shopper's order page is a capability URL: its token is stored only as a SHA-256, like
    # the API keys, so a database read does not hand out every shopper's page.
    status_token_hash = fields.CharField(max_length=64, null=True)
    placed_at = fields.DatetimeField()
    paid_at = fields.DatetimeField(null=True)
    fulfilled_at = fields.DatetimeField(null=True)
    cancelled_at = fields.DatetimeField(null=True)
    cancel_reason = fields.CharField(max_length=40, default="")
    updated_at = fields.DatetimeField(auto_now=True)

    lines: fields.ReverseRelation[OrderLine]
    fulfilments: fields.ReverseRelation[Fulfilment]

    class Meta:
        app = "stallkit"
        table = "order"
        unique_together = (("brand", "cart"),)
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (
            Index(fields=("cart_id",), name="order_cart_id"),
            Index(fields=("exchange_of_id",), name="order_exchange_of_id"),
            Index(fields=("brand_id", "id"), name="order_brand_page"),
            Index(fields=("brand_id", "status", "id"), name="order_brand_status_page"),
            Index(fields=("brand_id", "paid_at"), name="order_brand_paid_at"),  # what sold today
        )


class Fulfilment(Model):
    """The part of an order going one way: its promise as made at checkout, and its progress."""

    id = fields.UUIDField(primary_key=True, default=new_id)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "stallkit.Order", related_name="fulfilments", on_delete=fields.CASCADE
    )
    order_id: uuid.UUID
    method = fields.CharField(max_length=16)
    status = fields.CharField(max_length=20)
    location = fields.CharField(max_length=80)  # shop, hub or microfactory handle
    zone = fields.CharField(max_length=80, null=True)
    postcode = fields.CharField(max_length=10, null=True)
    # Who receives a shipped part (courier, made-to-order) and where; who collects a pickup. ""
    # where the method needs none (and on orders placed before checkout asked for them).
    recipient = fields.CharField(max_length=200, default="", db_default="")
    address_line1 = fields.CharField(max_length=200, default="", db_default="")
    address_line2 = fields.CharField(max_length=200, default="", db_default="")
    city = fields.CharField(max_length=100, default="", db_default="")
    country = fields.CharField(max_length=2, default="", db_default="")
    phone = fields.CharField(max_length=16, default="", db_default="")  # E.164
    collector = fields.CharField(max_length=200, default="", db_default="")
    pickup_code = fields.CharField(max_length=6, null=True)  # shown at the counter; unique among open pickups
    fee_minor: int = fields.BigIntField(default=0)
    balance_minor: int = fields.BigIntField(default=0)  # due when this (made-to-order) fulfilment ships
    balance_intent = fields.CharField(max_length=100, null=True)  # the payment that charged it
    promised_earliest = fields.DatetimeField()
    promised_latest = fields.DatetimeField()
    promise_rule = fields.CharField(max_length=40)
    timezone = fields.CharField(max_length=64)
    fulfilled_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = "stallkit"
        table = "fulfilment"
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (
            Index(fields=("order_id",), name="fulfilment_order_id"),
            Index(fields=("status", "order_id"), name="fulfilment_status_order"),  # what waits on staff
        )


class OrderLine(Model):
    id = fields.UUIDField(primary_key=True, default=new_id)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "stallkit.Order", related_name="lines", on_delete=fields.CASCADE
    )
    order_id: uuid.UUID
    fulfilment: fields.ForeignKeyRelation[Fulfilment] = fields.ForeignKeyField(
        "stallkit.Fulfilment", related_name="lines", on_delete=fields.CASCADE
    )
    fulfilment_id: uuid.UUID
    variant: fields.ForeignKeyRelation[Variant] = fields.ForeignKeyField(
        "stallkit.Variant", related_name="order_lines", on_delete=fields.RESTRICT
    )
    variant_id: uuid.UUID
    sku = fields.CharField(max_length=64)
    title = fields.CharField(max_length=403)  # "<product title> — <variant title>": 200 + 3 + 200
    quantity = fields.IntField()
    unit_price_minor: int = fields.BigIntField()  # variant price plus personalisation, per unit
    discount_minor: int = fields.BigIntField(default=0)  # for the whole line
    total_minor: int = fields.BigIntField()  # unit price x quantity - discount
    personalisation: list[dict[str, str]] = fields.JSONField(default=list)
    returned_quantity = fields.IntField(default=0)

    class Meta:
        app = "stallkit"
        table = "order_line"
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (
            Index(fields=("order_id",), name="order_line_order_id"),
            Index(fields=("fulfilment_id",), name="order_line_fulfilment_id"),
            Index(fields=("variant_id",), name="order_line_variant_id"),
        )


class StockHold(Model):
    """Units checkout reserved at a location for a line: ``held``, then ``sold`` or ``released``."""

    id = fields.UUIDField(primary_key=True, default=new_id)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "stallkit.Order", related_name="stock_holds", on_delete=fields.CASCADE
    )
    order_id: uuid.UUID
    line: fields.ForeignKeyRelation[OrderLine] = fields.ForeignKeyField(
        "stallkit.OrderLine", related_name="stock_holds", on_delete=fields.CASCADE
    )
    line_id: uuid.UUID
    variant: fields.ForeignKeyRelation[Variant] = fields.ForeignKeyField(
        "stallkit.Variant", related_name="stock_holds", on_delete=fields.RESTRICT
    )
    variant_id: uuid.UUID
    location: fields.ForeignKeyRelation[Location] = fields.ForeignKeyField(
        "stallkit.Location", related_name="stock_holds", on_delete=fields.RESTRICT
    )
    location_id: uuid.UUID
    quantity = fields.IntField()
    status = fields.CharField(max_length=12, default="held")

    class Meta:
        app = "stallkit"
        table = "stock_hold"
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (
            Index(fields=("order_id",), name="stock_hold_order_id"),
            Index(fields=("line_id",), name="stock_hold_line_id"),
            Index(fields=("variant_id",), name="stock_hold_variant_id"),
            Index(fields=("location_id",), name="stock_hold_location_id"),
        )


class CapacityHold(Model):
    """Made-to-order units booked at a microfactory for ``day``, released if the order is cancelled."""

    id = fields.UUIDField(primary_key=True, default=new_id)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "stallkit.Order", related_name="capacity_holds", on_delete=fields.CASCADE
    )
    order_id: uuid.UUID
    line: fields.ForeignKeyRelation[OrderLine] = fields.ForeignKeyField(
        "stallkit.OrderLine", related_name="capacity_holds", on_delete=fields.CASCADE
    )
    line_id: uuid.UUID
    microfactory: fields.ForeignKeyRelation[Microfactory] = fields.ForeignKeyField(
        "stallkit.Microfactory", related_name="capacity_holds", on_delete=fields.RESTRICT
    )
    microfactory_id: uuid.UUID
    day = fields.DateField()
    units = fields.IntField()
    status = fields.CharField(max_length=12, default="held")  # held | released

    class Meta:
        app = "stallkit"
        table = "capacity_hold"
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (
            Index(fields=("order_id",), name="capacity_hold_order_id"),
            Index(fields=("line_id",), name="capacity_hold_line_id"),
            Index(fields=("microfactory_id",), name="capacity_hold_microfactory_id"),
        )


class OrderEvent(Model):
    """Append-only history: every status change, what caused it, and when."""

    id = fields.UUIDField(primary_key=True, default=new_id)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "stallkit.Order", related_name="events", on_delete=fields.CASCADE
    )
    order_id: uuid.UUID
    fulfilment_id = fields.UUIDField(null=True)
    from_status = fields.CharField(max_length=20)
    to_status = fields.CharField(max_length=20)
    source = fields.CharField(max_length=20)  # checkout | webhook | browser | reconcile | merchant | return
    detail = fields.CharField(max_length=300, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "stallkit"
        table = "order_event"
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (Index(fields=("order_id",), name="order_event_order_id"),)


class OrderCredit(Model):
    """A store credit paying part of an order: held at checkout, redeemed when it is paid, released if it is not.

    ``hold_key`` names the hold in the credit ledger, which the redemption or release settles.
    """

    id = fields.UUIDField(primary_key=True, default=new_id)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "stallkit.Order", related_name="credits", on_delete=fields.CASCADE
    )
    order_id: uuid.UUID
    credit: fields.ForeignKeyRelation[Credit] = fields.ForeignKeyField(
        "stallkit.Credit", related_name="orders", on_delete=fields.CASCADE
    )
    credit_id: uuid.UUID
    amount_minor: int = fields.BigIntField()
    status = fields.CharField(max_length=10, default="held")  # held | redeemed | released
    hold_key = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "stallkit"
        table = "order_credit"
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (
            Index(fields=("order_id",), name="order_credit_order_id"),
            Index(fields=("credit_id",), name="order_credit_credit_id"),
        )


class Return(Model):
    """A return (and optionally an exchange) of some of an order's units: requested, then received and refunded."""

    id = fields.UUIDField(primary_key=True, default=new_id)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "stallkit.Order", related_name="returns", on_delete=fields.CASCADE
    )
    order_id: uuid.UUID
    status = fields.CharField(max_length=20)  # requested | refund_pending | completed
    refund_minor: int = fields.BigIntField()
    refund_offset: int = fields.BigIntField(default=0)  # refunds of the order's earlier returns: where this one starts
    refund_id = fields.CharField(max_length=100, null=True)
    # "store_credit": the shopper chose store credit for what the card paid (a new credit, ``credit_id``).
    refund_to = fields.CharField(max_length=12, default="original", db_default="original")
    credit_minor: int = fields.BigIntField(default=0, db_default=0)  # of the refund: back onto store credit
    credit_id = fields.UUIDField(null=True)  # the credit a store-credit refund issued
    exchange_order_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    completed_at = fields.DatetimeField(null=True)

    lines: fields.ReverseRelation[ReturnLine]

    class Meta:
        app = "stallkit"
        table = "order_return"
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (Index(fields=("order_id",), name="order_return_order_id"),)


class ReturnLine(Model):
    id = fields.UUIDField(primary_key=True, default=new_id)
    order_return: fields.ForeignKeyRelation[Return] = fields.ForeignKeyField(
        "stallkit.Return", related_name="lines", on_delete=fields.CASCADE
    )
    order_return_id: uuid.UUID
    line: fields.ForeignKeyRelation[OrderLine] = fields.ForeignKeyField(
        "stallkit.OrderLine", related_name="return_lines", on_delete=fields.CASCADE
    )
    line_id: uuid.UUID
    quantity = fields.IntField()
    reason = fields.CharField(max_length=24)
    condition = fields.CharField(max_length=12, default="")  # resaleable | damaged; "" until received
    disposition = fields.CharField(max_length=12, default="")  # restocked | quarantined; "" until received
    first_unit = fields.IntField(default=0)  # how many of the line were returned before: fixes its refund share
    location = fields.CharField(max_length=80, default="")  # where restocked units went
    refund_minor: int = fields.BigIntField(default=0)
    exchange_sku = fields.CharField(max_length=64, null=True)

    class Meta:
        app = "stallkit"
        table = "return_line"
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (
            Index(fields=("order_return_id",), name="return_line_order_return_id"),
            Index(fields=("line_id",), name="return_line_line_id"),
        )


class OrderKpiCounter(Model):
    """A brand's running KPI sums for one fulfilment method: what ``GET /v1/orders/kpis`` reads.

    Written only by :mod:`storefront.orders.kpi_counters`, in the transaction of each change to
    an order, by the difference of that order's contribution (``storefront.orders.kpis``); so
    reading a brand's KPIs is a few rows whatever its number of orders. The sums are signed
    integers (lead minutes may be negative for a promise before the order) and exact.
    """

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="kpi_counters", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    method = fields.CharField(max_length=16)
    orders: int = fields.BigIntField(default=0)
    fulfilled: int = fields.BigIntField(default=0)
    on_time: int = fields.BigIntField(default=0)
    promised_minutes: int = fields.BigIntField(default=0)
    actual_minutes: int = fields.BigIntField(default=0)
    revenue: int = fields.BigIntField(default=0)  # minor units of the brand's currency
    refunded: int = fields.BigIntField(default=0)
    fees: int = fields.BigIntField(default=0)
    returned_units: int = fields.BigIntField(default=0)
    damaged_units: int = fields.BigIntField(default=0)

    class Meta:
        app = "stallkit"
        table = "order_kpi_counter"
        unique_together = (("brand", "method"),)


class OrderKpiReason(Model):
    """Returned units by reason under one method: the return-reason part of the running KPIs."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="kpi_reasons", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    method = fields.CharField(max_length=16)
    reason = fields.CharField(max_length=24)
    units: int = fields.BigIntField(default=0)

    class Meta:
        app = "stallkit"
        table = "order_kpi_reason"
        unique_together = (("brand", "method", "reason"),)
