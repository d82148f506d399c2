"""Returns and exchanges: units come back, are restocked or quarantined, and are refunded or swapped.

The merchant records a return when the units are in hand (so their condition is known).
Resaleable units go back on sale where they were sold from; damaged ones, and personalised
pieces nobody else can use, are quarantined (kept out of stock, counted in the KPIs). A unit
exchanged for another variant of the same price is not refunded: the replacement is sold
from the same place on a new, already-paid order.

Refunds are exact to the minor unit however an order is returned: line ``n`` of ``q`` units
refunds the ``n``-th share of the line's paid total under :func:`storefront.money.allocate`,
so returning every unit, in any number of returns, refunds exactly what was paid for the line.
As everywhere, Stripe is called between transactions, never inside one, with a key made from
the return's id; if Stripe is down the return waits as ``refund_pending`` and reconciliation
retries it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from storefront.cart.schemas import FulfilmentChoice
from storefront.cart.view import line_quote
from storefront.catalog.models import Variant
from storefront.checkout import holds
from storefront.clock import utcnow
from storefront.errors import Conflict, FieldError, NotFound, StallkitError, raise_field_errors
from storefront.inventory.models import Location
from storefront.money import Money, allocate
from storefront.orders.models import Fulfilment, Order, OrderLine, Return, ReturnLine, StockHold
from storefront.orders.schemas import ReturnIn, ReturnLineOut, ReturnOut
from storefront.orders.service import new_fulfilment, order_number, record_event
from storefront.orders.states import AFTER_PAYMENT
from storefront.tenancy.service import bump_catalog_version

if TYPE_CHECKING:
    from storefront.payments.stripe_gateway import StripeGateway


class NotReturnable(Conflict):
    code = "order_not_returnable"
    title = "This order cannot be returned"


def refund_for(line_total: int, quantity: int, already_returned: int, returning: int) -> int:
    """The refund for ``returning`` more units of a line whose ``quantity`` units cost ``line_total``."""
    shares = allocate(line_total, [1] * quantity) if quantity else []
    return sum(shares[already_returned : already_returned + returning])


async def create_return(
    brand_id: uuid.UUID, order_id: uuid.UUID, data: ReturnIn, *, gateway: StripeGateway, now: datetime | None = None
) -> ReturnOut:
    now = now or utcnow()
    ret = await _record_return(brand_id, order_id, data, now)
    if ret.status == "refund_pending":
        await complete_refund(ret, gateway, now)
    return await return_out(await Return.get(id=ret.id))


async def _record_return(brand_id: uuid.UUID, order_id: uuid.UUID, data: ReturnIn, now: datetime) -> Return:
    async with in_transaction():
        order = await Order.filter(id=order_id, brand_id=brand_id).select_for_update().first()
        if order is None:
            raise NotFound("no such order", errors=[FieldError("path.order_id", "no such order")])
        if order.status not in AFTER_PAYMENT:
            raise NotReturnable(f"a {order.status} order has nothing to return")
        lines = {line.id: line for line in await OrderLine.filter(order_id=order.id)}
        errors: list[FieldError] = []
        wanted: dict[uuid.UUID, int] = {}
        for i, item in enumerate(data.lines):
            line = lines.get(item.line)
            if line is None:
                errors.append(FieldError(f"body.lines[{i}].line", "not a line of this order"))
                continue
            wanted[line.id] = wanted.get(line.id, 0) + item.quantity
            left = line.quantity - line.returned_quantity
            if wanted[line.id] > left:
                errors.append(FieldError(f"body.lines[{i}].quantity", f"only {left} of this line can be returned"))
        raise_field_errors(errors)
        ret = await Return.create(order_id=order.id, status="refund_pending", refund_minor=0)
        refund_total = 0
        exchange: list[tuple[OrderLine, Variant, int, uuid.UUID]] = []
        for i, item in enumerate(data.lines):
            line = lines[item.line]
            location_id = await _source_location(line)
            location = await Location.get(id=location_id) if location_id else None
            restock = item.condition == "resaleable" and not line.personalisation and location is not None
            if restock and location is not None:
                await holds.restock(brand_id, line.variant_id, location.id, item.quantity, f"return {ret.id}")  # type: ignore[attr-defined]
            refund = 0
            if item.exchange_sku is not None:
                replacement = await _replacement(brand_id, line, item.exchange_sku, f"body.lines[{i}].exchange_sku")
                if location is None:
                    raise_field_errors(
                        [FieldError(f"body.lines[{i}].exchange_sku", "made-to-order pieces are remade, not exchanged")]
                    )
                exchange.append((line, replacement, item.quantity, location.id))  # type: ignore[union-attr]
            else:
                refund = refund_for(line.total_minor, line.quantity, line.returned_quantity, item.quantity)
            line.returned_quantity += item.quantity
            await line.save(update_fields=["returned_quantity"])
            refund_total += refund
            await ReturnLine.create(
                order_return_id=ret.id,
                line_id=line.id,
                quantity=item.quantity,
                reason=item.reason,
                condition=item.condition,
                disposition="restocked" if restock else "quarantined",
                location=location.handle if restock and location is not None else "",
                refund_minor=refund,
                exchange_sku=item.exchange_sku,
            )
        if exchange:
            ret.exchange_order_id = await _exchange_order(order, exchange, now)
        ret.refund_minor = refund_total
        if refund_total == 0 or not order.payment_intent:
            ret.status, ret.completed_at = "completed", now
        await ret.save()
        await record_event(order.id, order.status, order.status, "return", f"return {ret.id}: refund {refund_total}")
        await bump_catalog_version(brand_id)
    return ret


async def _source_location(line: OrderLine) -> uuid.UUID | None:
    """Where the line's units were sold from (None for a made-to-order piece)."""
    return await StockHold.filter(line_id=line.id).first().values_list("location_id", flat=True)  # type: ignore[return-value]


async def _replacement(brand_id: uuid.UUID, line: OrderLine, sku: str, field: str) -> Variant:
    original = await Variant.get(id=line.variant_id)  # type: ignore[attr-defined]
    replacement = await Variant.get_or_none(brand_id=brand_id, sku=sku)
    if replacement is None:
        raise NotFound(f"no variant with SKU {sku!r}", errors=[FieldError(field, "no such SKU")])
    if replacement.product_id != original.product_id:  # type: ignore[attr-defined]
        raise_field_errors([FieldError(field, "an exchange is for another variant of the same product")])
    if (replacement.price_minor, replacement.currency) != (original.price_minor, original.currency):
        raise_field_errors([FieldError(field, "an exchange must be for a variant of the same price")])
    return replacement


async def _exchange_order(
    order: Order, items: list[tuple[OrderLine, Variant, int, uuid.UUID]], now: datetime
) -> uuid.UUID:
    """A paid order for the replacements, sold from where the returned units were, with a fresh promise."""
    exchange = await Order.create(
        brand_id=order.brand_id,  # type: ignore[attr-defined]
        exchange_of_id=order.id,
        number=order_number(),
        status="paid",
        email=order.email,
        name=order.name,
        currency=order.currency,
        subtotal_minor=0,
        fulfilment_minor=0,
        discount_minor=0,
        total_minor=0,
        hold_expires_at=now,
        placed_at=now,
        paid_at=now,
    )
    for line, replacement, quantity, location_id in items:
        original = await Fulfilment.get(id=line.fulfilment_id)  # type: ignore[attr-defined]
        choice = FulfilmentChoice(
            method=original.method,  # type: ignore[arg-type]
            location=original.location if original.method == "pickup" else None,
            postcode=original.postcode,
        )
        try:
            quote = await line_quote(order.brand_id, replacement.sku, choice, now)  # type: ignore[attr-defined]
        except StallkitError as exc:
            raise_field_errors([FieldError("body.lines", f"{replacement.sku} cannot be sent that way: {exc.detail}")])
            raise
        fulfilment = await new_fulfilment(exchange.id, quote, status="paid", postcode=original.postcode, fee_minor=0)
        new_line = await OrderLine.create(
            order_id=exchange.id,
            fulfilment_id=fulfilment.id,
            variant_id=replacement.id,
            sku=replacement.sku,
            title=line.title.split(" — ")[0] + f" — {replacement.title}",
            quantity=quantity,
            unit_price_minor=0,
            total_minor=0,
        )
        await holds.sell_now(
            replacement.id, location_id, quantity, sku=replacement.sku, reason=f"exchange {exchange.number}"
        )
        await StockHold.create(
            order_id=exchange.id,
            line_id=new_line.id,
            variant_id=replacement.id,
            location_id=location_id,
            quantity=quantity,
            status="sold",
        )
    await record_event(exchange.id, "", "paid", "return", f"exchange for order {order.number}")
    return exchange.id


async def complete_refund(ret: Return, gateway: StripeGateway, now: datetime) -> None:
    """Refund a pending return at Stripe (idempotently), then record it. Safe to call again."""
    order = await Order.get(id=ret.order_id)  # type: ignore[attr-defined]
    refund = await gateway.create_refund(
        payment_intent=order.payment_intent or "",
        amount=Money(amount=ret.refund_minor, currency=order.currency),
        idempotency_key=f"return-{ret.id}-refund",
    )
    async with in_transaction():
        locked = await Return.filter(id=ret.id).select_for_update().get()
        if locked.status != "refund_pending":
            return
        locked.status, locked.refund_id, locked.completed_at = "completed", refund.id, now
        await locked.save(update_fields=["status", "refund_id", "completed_at"])
        order = await Order.filter(id=order.id).select_for_update().get()
        order.refunded_minor += locked.refund_minor
        await order.save(update_fields=["refunded_minor", "updated_at"])


async def return_out(ret: Return) -> ReturnOut:
    order = await Order.get(id=ret.order_id)  # type: ignore[attr-defined]
    money = lambda amount: Money(amount=amount, currency=order.currency)  # noqa: E731
    rows = await ReturnLine.filter(order_return_id=ret.id).order_by("id").prefetch_related("line")
    return ReturnOut(
        id=ret.id,
        order=order.id,
        status=ret.status,
        refund=money(ret.refund_minor),
        refund_id=ret.refund_id,
        exchange_order=ret.exchange_order_id,
        lines=[
            ReturnLineOut(
                line=r.line.id,
                sku=r.line.sku,
                quantity=r.quantity,
                reason=r.reason,
                condition=r.condition,
                disposition=r.disposition,
                location=r.location,
                refund=money(r.refund_minor),
                exchange_sku=r.exchange_sku,
            )
            for r in rows
        ],
        created_at=ret.created_at,
        completed_at=ret.completed_at,
    )


async def list_returns(brand_id: uuid.UUID, order_id: uuid.UUID) -> list[ReturnOut]:
    returns = await Return.filter(order_id=order_id, order__brand_id=brand_id).order_by("id")
    return [await return_out(r) for r in returns]
