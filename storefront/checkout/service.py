"""Checkout: place the order (holding stock and capacity), then start its payment; and confirm it.

Placing is one database transaction: lock the cart, re-quote every line at this instant, hold
each line's units at a location (or book its production days), write the order. A cart checks
out once: asking again returns the same order, so a retried request never holds twice.

The PaymentIntent is created *after* that transaction commits, with an idempotency key made
from the order id, so a retry (or a crash between the two) reuses the same intent instead of
charging twice. If Stripe cannot be reached the order waits with its holds; checking out
again retries, and the reconciliation job cancels it when the hold expires.
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from storefront.cart import pricing
from storefront.cart.models import Cart, CartLine
from storefront.cart.pricing import deposit_split
from storefront.cart.service import CartClosed
from storefront.cart.view import (
    choice_of,
    find_cart,
    group_key,
    line_quote,
    options_by_handle,
    price_inputs,
    quote_problem,
)
from storefront.checkout import holds
from storefront.checkout.schemas import CheckoutIn, CheckoutOut, ConfirmIn, PaymentOut
from storefront.clock import utcnow
from storefront.errors import Conflict, FieldError, InvalidInput, NotFound, PaymentsUnavailable, StallkitError
from storefront.fulfilment.models import Microfactory
from storefront.fulfilment.promise import Quote
from storefront.money import Money
from storefront.orders.models import CapacityHold, Fulfilment, Order, OrderLine, StockHold
from storefront.orders.payment import apply_intent, apply_signal
from storefront.orders.service import due_at_checkout, new_fulfilment, order_number, order_out, record_event
from storefront.settings import Settings
from storefront.tenancy.service import bump_catalog_version

if TYPE_CHECKING:
    from storefront.payments.stripe_gateway import PaymentIntentView, StripeGateway


class EmptyCart(InvalidInput):
    code = "cart_empty"
    title = "The cart is empty"


class HoldExpired(Conflict):
    code = "reservation_expired"
    title = "The reservation has expired"


class NotCheckedOut(Conflict):
    code = "not_checked_out"
    title = "The cart has not been checked out"


async def place_order(
    brand_id: uuid.UUID, cart_id: uuid.UUID, data: CheckoutIn, *, hold: timedelta, now: datetime
) -> Order:
    async with in_transaction():
        cart = await Cart.filter(id=cart_id, brand_id=brand_id).select_for_update().first()
        if cart is None:
            raise NotFound("no such cart", errors=[FieldError("path.cart_id", "no such cart")])
        existing = await Order.filter(cart_id=cart.id).first()
        if existing is not None:
            return existing
        lines = await CartLine.filter(cart_id=cart.id).order_by("created_at", "id").prefetch_related("variant__product")
        if not lines:
            raise EmptyCart("add something to the cart first", errors=[FieldError("path.cart_id", "cart is empty")])
        quotes: dict[uuid.UUID, Quote] = {}
        for i, line in enumerate(lines):
            try:
                quotes[line.id] = await line_quote(brand_id, line.variant.sku, choice_of(line), now)
            except StallkitError as exc:
                raise quote_problem(exc, f"cart.lines[{i}]") from None
        options = await options_by_handle(brand_id)
        inputs, fees = price_inputs(lines, dict(quotes), options)
        priced = pricing.price_cart(inputs, fees, cart.currency)
        order = await Order.create(
            brand_id=brand_id,
            cart_id=cart.id,
            number=order_number(),
            status="pending_payment",
            email=data.email,
            name=data.name,
            currency=cart.currency,
            subtotal_minor=priced.subtotal,
            fulfilment_minor=priced.fulfilment,
            discount_minor=priced.discount,
            total_minor=priced.total,
            hold_expires_at=now + hold,
            placed_at=now,
        )
        groups: dict[Hashable, Fulfilment] = {}
        totals_by_group: dict[Hashable, int] = {}
        for i, line in enumerate(lines):
            quote = quotes[line.id]
            key = group_key(line, quote)
            price = priced.lines[line.id]
            order_line_fulfilment = groups.get(key)
            if order_line_fulfilment is None:
                order_line_fulfilment = groups[key] = await new_fulfilment(
                    order.id, quote, status="pending_payment", postcode=line.postcode, fee_minor=priced.fees.get(key, 0)
                )
            order_line = await OrderLine.create(
                order_id=order.id,
                fulfilment_id=order_line_fulfilment.id,
                variant_id=line.variant.id,
                sku=line.variant.sku,
                title=f"{line.variant.product.title} — {line.variant.title}",
                quantity=line.quantity,
                unit_price_minor=price.subtotal // line.quantity,
                discount_minor=price.discount,
                total_minor=price.total,
                personalisation=line.personalisation,
            )
            await _hold(brand_id, order, order_line, order_line_fulfilment, quote, i, now)
            totals_by_group[key] = totals_by_group.get(key, 0) + price.total
        await _split_deposits(brand_id, order, groups, totals_by_group)
        cart.status = "checked_out"
        await cart.save(update_fields=["status", "updated_at"])
        await record_event(order.id, "", "pending_payment", "checkout")
        await bump_catalog_version(brand_id)
    return order


async def _split_deposits(
    brand_id: uuid.UUID, order: Order, groups: dict[Hashable, Fulfilment], totals: dict[Hashable, int]
) -> None:
    """Made-to-order pieces from a microfactory that takes deposits: the balance waits for dispatch."""
    balance = 0
    for key, fulfilment in groups.items():
        if fulfilment.method != "made_to_order":
            continue
        deposit_bp = (
            await Microfactory.filter(brand_id=brand_id, location__handle=fulfilment.location)
            .first()
            .values_list("deposit_bp", flat=True)
        )
        _, later = deposit_split(totals[key], int(deposit_bp or 0))  # type: ignore[call-overload]
        if later:
            fulfilment.balance_minor = later
            await fulfilment.save(update_fields=["balance_minor", "updated_at"])
            balance += later
    if balance:
        order.balance_minor = balance
        await order.save(update_fields=["balance_minor", "updated_at"])


async def _hold(
    brand_id: uuid.UUID, order: Order, line: OrderLine, fulfilment: Fulfilment, quote: Quote, index: int, now: datetime
) -> None:
    """Hold the line's units (stock at a place, or production days at the microfactory)."""
    reason = f"order {order.number}"
    if quote.method == "made_to_order":
        factory_id, days, last = await holds.book_capacity(brand_id, quote.location, line.quantity, now, order.currency)
        for day in sorted(set(days)):
            await CapacityHold.create(
                order_id=order.id, line_id=line.id, microfactory_id=factory_id, day=day, units=days.count(day)
            )
        if last.latest > fulfilment.promised_latest:  # capacity went to earlier orders: promise what we can keep
            fulfilment.promised_earliest, fulfilment.promised_latest = last.earliest, last.latest
            await fulfilment.save(update_fields=["promised_earliest", "promised_latest", "updated_at"])
        return
    candidates = await holds.stock_candidates(brand_id, quote.method, quote.location)
    held = await holds.hold_stock(
        line.variant_id,  # type: ignore[attr-defined]
        line.quantity,
        candidates,
        sku=line.sku,
        field=f"cart.lines[{index}].quantity",
        reason=reason,
    )
    for location_id, units in held:
        await StockHold.create(
            order_id=order.id,
            line_id=line.id,
            variant_id=line.variant_id,
            location_id=location_id,
            quantity=units,  # type: ignore[attr-defined]
        )


def _payment_out(order: Order, settings: Settings, intent: PaymentIntentView | None) -> PaymentOut:
    return PaymentOut(
        intent_id=order.payment_intent,
        client_secret=order.client_secret if order.status == "pending_payment" else None,
        publishable_key=settings.stripe_publishable_key,
        status=intent.status if intent is not None else ("not_required" if order.total_minor == 0 else "pending"),
        amount=Money(amount=due_at_checkout(order), currency=order.currency),
        test_mode=settings.stripe_is_local,
    )


async def checkout(
    brand_id: uuid.UUID,
    cart_id: uuid.UUID,
    data: CheckoutIn,
    *,
    gateway: StripeGateway,
    settings: Settings,
    now: datetime | None = None,
) -> CheckoutOut:
    now = now or utcnow()
    if not settings.payments_enabled:
        raise PaymentsUnavailable("this shop cannot take payments right now")
    order = await place_order(brand_id, cart_id, data, hold=timedelta(minutes=settings.checkout_hold_minutes), now=now)
    intent: PaymentIntentView | None = None
    if order.status == "pending_payment" and due_at_checkout(order) == 0:
        await apply_signal(order.id, "succeeded", source="checkout", gateway=None, now=now)
    elif order.status == "pending_payment" and order.payment_intent is None:
        customer = None
        if order.balance_minor:  # keep the card: the balance is charged when the piece ships
            customer = order.stripe_customer or await gateway.create_customer(
                email=order.email, order_id=str(order.id), idempotency_key=f"order-{order.id}-customer"
            )
            await Order.filter(id=order.id, stripe_customer=None).update(stripe_customer=customer)
        intent = await gateway.create_payment_intent(
            amount=Money(amount=due_at_checkout(order), currency=order.currency),
            order_id=str(order.id),
            idempotency_key=f"order-{order.id}-intent",
            metadata={"order_number": order.number},
            customer=customer,
            save_card=customer is not None,
        )
        await Order.filter(id=order.id, payment_intent=None).update(
            payment_intent=intent.id, client_secret=intent.client_secret
        )
    order = await Order.get(id=order.id)
    return CheckoutOut(order=await order_out(order), payment=_payment_out(order, settings, intent))


async def confirm(
    brand_id: uuid.UUID,
    cart_id: uuid.UUID,
    data: ConfirmIn,
    *,
    gateway: StripeGateway,
    settings: Settings,
    now: datetime | None = None,
) -> CheckoutOut:
    """The shopper's browser is back from paying: ask Stripe, and let the state machine decide."""
    now = now or utcnow()
    cart = await find_cart(brand_id, cart_id)
    order = await Order.filter(cart_id=cart.id).first()
    if order is None:
        raise NotCheckedOut("check the cart out first", errors=[FieldError("path.cart_id", "not checked out")])
    if data.payment_method is not None and not settings.stripe_is_local:
        raise InvalidInput(
            "payment methods are confirmed by Stripe.js in the browser, not sent here",
            errors=[FieldError("body.payment_method", "only accepted with a local Stripe test server")],
        )
    if order.status == "pending_payment" and order.payment_intent:
        if now >= order.hold_expires_at:
            await expire(order, gateway, now, source="browser")
            raise HoldExpired(
                "the items were held for you until "
                f"{order.hold_expires_at:%H:%M} UTC; the order is cancelled and nothing was charged",
                errors=[FieldError("path.cart_id", "reservation expired")],
            )
        if data.payment_method is not None:
            intent = await gateway.confirm_payment_intent(
                order.payment_intent,
                payment_method=data.payment_method,
                idempotency_key=f"order-{order.id}-confirm-{order.payment_failures}",
            )
        else:
            intent = await gateway.retrieve_payment_intent(order.payment_intent)
        await apply_intent(order.id, intent, source="browser", gateway=gateway, now=now)
    else:
        intent = await gateway.retrieve_payment_intent(order.payment_intent) if order.payment_intent else None
    order = await Order.get(id=order.id)
    return CheckoutOut(order=await order_out(order), payment=_payment_out(order, settings, intent))


async def expire(order: Order, gateway: StripeGateway, now: datetime, *, source: str) -> None:
    """End an unpaid order whose hold ran out: cancel its intent at Stripe first, then apply the outcome.

    Cancelling may reveal that the payment succeeded in the meantime; the state machine then
    pays the order instead (its holds are still in place).
    """
    if order.payment_intent:
        intent = await gateway.cancel_payment_intent(order.payment_intent, idempotency_key=f"order-{order.id}-cancel")
        await apply_intent(order.id, intent, source=source, gateway=gateway, now=now)
    else:
        await apply_signal(order.id, "expired", source=source, gateway=gateway, now=now)


__all__ = ["CartClosed", "checkout", "confirm", "expire", "place_order"]
