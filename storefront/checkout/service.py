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

from storefront.cart import (
    Cart,
    CartClosed,
    CartLine,
    applied_credit_ids,
    choice_of,
    deposit_split,
    find_cart,
    group_key,
    line_quote,
    lines_of,
    mark_checked_out,
    options_for,
    price_inputs,
    pricing,
    quote_problem,
)
from storefront.checkout import contact as contact_rules
from storefront.checkout.limits import ShopperLimit, earliest_release
from storefront.checkout.schemas import CheckoutIn, CheckoutOut, ConfirmIn, PaymentOut
from storefront.clock import utcnow
from storefront.errors import Conflict, FieldError, InvalidInput, NotFound, PaymentsUnavailable, StallkitError
from storefront.fulfilment import CourierZone, Quote, capacity
from storefront.ids import new_id
from storefront.money import Money
from storefront.orders import (
    Order,
    OrderOut,
    apply_intent,
    apply_signal,
    due_at_checkout,
    expire,
    order_out,
    placing,
    status,
)
from storefront.payments import Shipping, ShippingAddress
from storefront.settings import Settings
from storefront.tenancy import bump_catalog_version

if TYPE_CHECKING:
    from storefront.payments import PaymentGateway, PaymentIntentView


class EmptyCart(InvalidInput):
    code = "cart_empty"
    title = "The cart is empty"


class HoldExpired(Conflict):
    code = "reservation_expired"
    title = "The reservation has expired"


class TooManyUnpaidCheckouts(Conflict):
    code = "unpaid_checkouts_limit"
    title = "Too many unpaid checkouts"


class NotCheckedOut(Conflict):
    code = "not_checked_out"
    title = "The cart has not been checked out"


async def place_order(
    brand_id: uuid.UUID,
    cart_id: uuid.UUID,
    data: CheckoutIn,
    *,
    hold: timedelta,
    now: datetime,
    shopper: ShopperLimit | None = None,
    secret: str = "",
) -> Order:
    """Lock the cart, re-quote and price it at ``now``, and have ``orders`` place it with its holds.

    With ``shopper``, a shopper already holding their cap of unpaid orders is refused before
    anything is held (:mod:`.limits`). The shopper's details are checked against what each
    fulfilment needs (:mod:`.contact`) before anything is held too. ``secret`` signs the order
    page's token (none without it).
    """
    order, _ = await _place(brand_id, cart_id, data, hold=hold, now=now, shopper=shopper, secret=secret, pay=False)
    return order


async def _place(
    brand_id: uuid.UUID,
    cart_id: uuid.UUID,
    data: CheckoutIn,
    *,
    hold: timedelta,
    now: datetime,
    shopper: ShopperLimit | None,
    secret: str,
    pay: bool,
) -> tuple[Order, OrderOut | None]:
    """:func:`place_order`; with ``pay``, an order store credit covers wholly is paid in the same transaction.

    Paying it there (``placing.place_held``) writes what paying it afterwards would
    (``apply_signal``: the credit spent, the units sold, the order and its fulfilments paid, its
    figures counted) from the rows in hand, instead of a second transaction that locks and reads
    them all back: a credit checkout was about fifty statements, and the rows every checkout
    locks (the variant's stock, a shared code's credit, the brand's catalogue version and
    counters) are locked once, late, not twice. The order comes back as shown then (None when it
    was not paid here), so the answer needs no re-reading. The brand's catalogue version is
    bumped before its counters move, the order every change to an order's figures takes them in.
    """
    async with in_transaction():
        cart = await Cart.filter(id=cart_id, brand_id=brand_id).select_for_update().first()
        if cart is None:
            raise NotFound("no such cart", errors=[FieldError("path.cart_id", "no such cart")])
        existing = await placing.order_for_cart(brand_id, cart.id)
        if existing is not None:
            return existing, None
        if shopper is not None:
            await _check_unpaid_cap(brand_id, data.email, shopper, now)
        lines = await lines_of(cart.id)
        if not lines:
            raise EmptyCart("add something to the cart first", errors=[FieldError("path.cart_id", "cart is empty")])
        quotes: dict[uuid.UUID, Quote] = {}
        for i, line in enumerate(lines):
            try:
                quotes[line.id] = await line_quote(brand_id, line.variant.sku, choice_of(line), now)
            except StallkitError as exc:
                raise quote_problem(exc, f"cart.lines[{i}]") from None
        options = await options_for(brand_id, lines)
        inputs, fees = price_inputs(lines, dict(quotes), options)
        priced = pricing.price_cart(inputs, fees, cart.currency)
        draft = await _draft(
            brand_id,
            cart,
            data,
            lines,
            quotes,
            priced,
            hold=hold,
            now=now,
            shopper_ref=shopper.ref if shopper else None,
            secret=secret,
            credits=await applied_credit_ids(cart.id),
        )
        await mark_checked_out(cart)  # the cart is this request's alone: before any row others wait for
        placed = await placing.place_held(draft, pay_at=now if pay else None)
        await bump_catalog_version(brand_id)
        out = await placing.count_paid(placed) if placed.paid else None
    return placed.order, out


async def _check_unpaid_cap(brand_id: uuid.UUID, email: str, shopper: ShopperLimit, now: datetime) -> None:
    holds = await placing.unpaid_holds(brand_id, email=email, shopper_ref=shopper.ref, now=now)
    release = earliest_release(holds, shopper.unpaid_orders)
    if release is not None:
        minutes = max(1, -(-int((release - now).total_seconds()) // 60))
        raise TooManyUnpaidCheckouts(
            f"you already have {len(holds)} unpaid checkouts holding items; pay for one, or try again in "
            f"{minutes} minute{'s' if minutes != 1 else ''}, when the earliest hold ends",
            errors=[FieldError("path.cart_id", "too many unpaid checkouts")],
        )


async def _draft(
    brand_id: uuid.UUID,
    cart: Cart,
    data: CheckoutIn,
    lines: list[CartLine],
    quotes: dict[uuid.UUID, Quote],
    priced: pricing.CartPrice,
    *,
    hold: timedelta,
    now: datetime,
    shopper_ref: str | None,
    secret: str,
    credits: list[uuid.UUID],
) -> placing.OrderDraft:
    """The order as priced: lines that travel together share a fulfilment (one per method and place)."""
    groups: dict[Hashable, int] = {}
    firsts: list[tuple[Hashable, CartLine, Quote]] = []
    group_totals: dict[Hashable, int] = {}
    draft_lines = []
    for i, line in enumerate(lines):
        quote, price = quotes[line.id], priced.lines[line.id]
        key = group_key(line, quote)
        if key not in groups:
            groups[key] = len(firsts)
            firsts.append((key, line, quote))
        group_totals[key] = group_totals.get(key, 0) + price.total
        draft_lines.append(
            placing.DraftLine(
                fulfilment=groups[key],
                quote=quote,
                variant_id=line.variant.id,
                sku=line.variant.sku,
                title=f"{line.variant.product.title} — {line.variant.title}",
                quantity=line.quantity,
                unit_price_minor=price.subtotal // line.quantity,
                discount_minor=price.discount,
                total_minor=price.total,
                personalisation=line.personalisation,
                field=f"cart.lines[{i}].quantity",
            )
        )
    given = contact_rules.contact(data, await _needs(brand_id, firsts, lines, draft_lines))
    fulfilments = []
    for key, line, quote in firsts:
        balance = 0
        if quote.method == "made_to_order":  # a microfactory that takes deposits: the balance waits for dispatch
            _, balance = deposit_split(group_totals[key], await capacity.deposit_bp(brand_id, quote.location))
        shipped = quote.method in contact_rules.SHIPPED
        fulfilments.append(
            placing.DraftFulfilment(
                quote=quote,
                postcode=given.address.postcode if shipped and given.address else line.postcode,
                fee_minor=priced.fees.get(key, 0),
                balance_minor=balance,
                contact=_stored(given, shipped=shipped),
            )
        )
    order_id = new_id()
    return placing.OrderDraft(
        id=order_id,
        status_token_hash=status.new_token_hash(secret, order_id),
        brand_id=brand_id,
        cart_id=cart.id,
        email=data.email,
        name=data.name,
        currency=cart.currency,
        subtotal_minor=priced.subtotal,
        fulfilment_minor=priced.fulfilment,
        discount_minor=priced.discount,
        total_minor=priced.total,
        placed_at=now,
        hold_expires_at=now + hold,
        shopper_ref=shopper_ref,
        fulfilments=fulfilments,
        lines=draft_lines,
        credits=credits,
    )


async def _needs(
    brand_id: uuid.UUID,
    firsts: list[tuple[Hashable, CartLine, Quote]],
    lines: list[CartLine],
    draft_lines: list[placing.DraftLine],
) -> list[contact_rules.Need]:
    """What each fulfilment asks of the shopper: the courier's zone (by name, in words) for a delivery."""
    handles = {quote.zone for _, _, quote in firsts if quote.method == "courier" and quote.zone}
    zones = {z.handle: z for z in await CourierZone.filter(brand_id=brand_id, handle__in=handles)} if handles else {}
    titles: dict[int, list[str]] = {}
    for line, drafted in zip(lines, draft_lines, strict=True):
        titles.setdefault(drafted.fulfilment, []).append(line.variant.product.title)
    needs = []
    for i, (_, line, quote) in enumerate(firsts):
        zone = zones.get(quote.zone or "")
        needs.append(
            contact_rules.Need(
                method=quote.method,
                lines=" and ".join(dict.fromkeys(titles.get(i, []))),
                zone_name=zone.name if zone is not None else "",
                quoted_postcode=line.postcode,
                prefixes=tuple(zone.postcode_prefixes) if zone is not None else (),
            )
        )
    return needs


def _stored(given: contact_rules.Contact, *, shipped: bool) -> placing.Contact:
    """The details one fulfilment keeps: a shipped one its address and phone, a pickup its collector."""
    if not shipped:
        return placing.Contact(collector=given.collector or "")
    a = given.address
    return placing.Contact(
        recipient=a.name if a else "",
        address_line1=a.line1 if a else "",
        address_line2=a.line2 if a else "",
        city=a.city if a else "",
        country=a.country if a else "",
        phone=given.phone or "",
    )


def shipping_of(order: OrderOut) -> Shipping | None:
    """What the payment provider is told about delivery: the first shipped fulfilment's address (one serves all)."""
    for f in order.fulfilments:
        if f.address is not None:
            a = f.address
            return Shipping(
                name=a.name,
                phone=f.phone or "",
                address=ShippingAddress(
                    line1=a.line1, line2=a.line2, city=a.city, postal_code=a.postcode, country=a.country
                ),
            )
    return None


def _answer(order: Order, out: OrderOut, settings: Settings, intent: PaymentIntentView | None) -> CheckoutOut:
    token = status.link_token(_secret(settings), order)
    return CheckoutOut(
        order=out,
        payment=_payment_out(order, settings, intent),
        status_url=f"{settings.public_base_url}{status.status_path(order.id, token)}" if token else None,
        status_token=token,
    )


def _secret(settings: Settings) -> str:
    return settings.secret.reveal() if settings.secret else ""


def _payment_out(order: Order, settings: Settings, intent: PaymentIntentView | None) -> PaymentOut:
    return PaymentOut(
        intent_id=order.payment_intent,
        client_secret=order.client_secret if order.status == "pending_payment" else None,
        publishable_key=settings.stripe_publishable_key,
        status=intent.status if intent is not None else ("not_required" if due_at_checkout(order) == 0 else "pending"),
        amount=Money(amount=due_at_checkout(order), currency=order.currency),
        test_mode=settings.stripe_is_local,
    )


async def checkout(
    brand_id: uuid.UUID,
    cart_id: uuid.UUID,
    data: CheckoutIn,
    *,
    gateway: PaymentGateway,
    settings: Settings,
    shopper: ShopperLimit | None = None,
    now: datetime | None = None,
) -> CheckoutOut:
    """Place the order and start its payment; ``shopper`` (publishable-key checkouts) caps unpaid holds."""
    now = now or utcnow()
    if not settings.payments_enabled:
        raise PaymentsUnavailable("this shop cannot take payments right now")
    hold = timedelta(minutes=settings.checkout_hold_minutes)
    order, paid = await _place(
        brand_id, cart_id, data, hold=hold, now=now, shopper=shopper, secret=_secret(settings), pay=True
    )
    if paid is not None:  # wholly by store credit, as it was placed: the order in hand is the one committed
        return _answer(order, paid, settings, None)
    intent: PaymentIntentView | None = None
    if order.status == "pending_payment" and due_at_checkout(order) == 0:
        await apply_signal(order.id, "succeeded", source="checkout", gateway=None, now=now)
    elif order.status == "pending_payment" and order.payment_intent is None:
        customer = None
        if order.balance_minor:  # keep the card: the balance is charged when the piece ships
            customer = order.stripe_customer or await gateway.create_customer(
                email=order.email, order_id=str(order.id), idempotency_key=f"order-{order.id}-customer"
            )
            await placing.record_customer(order.id, customer)
        intent = await gateway.create_payment_intent(
            amount=Money(amount=due_at_checkout(order), currency=order.currency),
            order_id=str(order.id),
            idempotency_key=f"order-{order.id}-intent",
            metadata={"order_number": order.number},
            customer=customer,
            save_card=customer is not None,
            shipping=shipping_of(await order_out(order)),
        )
        await placing.record_intent(order.id, intent.id, intent.client_secret)
    order = await Order.get(id=order.id)
    return _answer(order, await order_out(order), settings, intent)


async def confirm(
    brand_id: uuid.UUID,
    cart_id: uuid.UUID,
    data: ConfirmIn,
    *,
    gateway: PaymentGateway,
    settings: Settings,
    now: datetime | None = None,
) -> CheckoutOut:
    """The shopper's browser is back from paying: ask Stripe, and let the state machine decide."""
    now = now or utcnow()
    cart = await find_cart(brand_id, cart_id)
    order = await placing.order_for_cart(brand_id, cart.id)
    if order is None:
        raise NotCheckedOut("check the cart out first", errors=[FieldError("path.cart_id", "not checked out")])
    if data.payment_method is not None and not settings.stripe_is_local:
        raise InvalidInput(
            "payment methods are confirmed by Stripe.js in the browser, not sent here",
            errors=[FieldError("body.payment_method", "only accepted with a local Stripe test server")],
        )
    intent: PaymentIntentView | None
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
    return _answer(order, await order_out(order), settings, intent)


__all__ = ["CartClosed", "TooManyUnpaidCheckouts", "checkout", "confirm", "place_order"]
