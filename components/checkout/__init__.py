"""``checkout``: the shopper's details, then payment, then the order number.

``?cart=<id>`` (the mini-cart links here with it). Steps, one fragment each, all this template:

1. ``details``: email and name, and only what the bag's ways of getting it need: a delivery
   address and a phone when a line goes by courier or is made to order, the collector's name
   when a line is picked up. Posted to ``POST /v1/components/checkout``, which places the order
   (stock and capacity are held) and starts its payment (:mod:`components.actions`); an address
   the courier's zone does not serve is refused there, in words, beside the postcode.
2. ``pay``: how depends on the app's Stripe settings.
   - ``test`` (``settings.stripe_is_local``: the API base is a test server on this machine, as
     in the demo and the tests): a "Pay with test card" button posting
     ``payment_method=pm_card_visa`` to ``POST /v1/components/checkout/confirm``. No real money
     can move, and the server only honours the field then.
   - ``stripe`` (a publishable key and a real Stripe): a mount point for Stripe's Payment
     Element carrying the publishable key and the intent's client secret as data attributes.
     The embed loader sees ``data-sk-stripe`` and loads ``/static/components/stripe-checkout.js``
     (a few lines, never part of the product page's script), which loads Stripe.js, mounts the
     element, confirms in the browser, then submits the confirm form so our server asks Stripe
     what happened. It cannot run offline, so no test drives it; keep it small.
   - ``off`` (no Stripe secret key): a plain message; no order is placed.
3. ``done``: "Paid — order MH-XXXX" once the server has seen the payment succeed ("Deposit
   paid" while a made-to-order piece's balance is still to be charged), each pickup's
   code with its QR, and a link to the order page (the ``order-status`` component) the shopper
   can come back to. The answer carries an empty ``data-sk-cart`` so the embed loader forgets the
   checked-out cart.

A payment refused by the card issuer comes back to ``pay`` with the reason. Never cached: it
is one shopper's cart (``cacheable=False``).

The summary is the bag's, with the same totals as the mini-cart (subtotal, delivery, any look
discount, total). While the shopper is still on ``details`` each line has the bag's quantity
stepper and remove button (the mini-cart's own forms, ``answer=checkout`` so the checkout
answers), with and without script. A page rendered without script reads the checkout with
``?cart=`` after each step; the order is then read for its status and pickup codes, and the
order page's link comes from ``?order=&token=``, which the payment's redirect carries.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Literal

import msgspec

from components import loaders, mini_cart
from components.component import Component
from components.context import Links, LoadContext
from components.mini_cart import MiniCartLine
from storefront.cart.schemas import CartOut
from storefront.checkout.schemas import CheckoutOut
from storefront.clock import utcnow
from storefront.errors import NotFound
from storefront.money import Money
from storefront.orders import service as orders
from storefront.orders.schemas import OrderOut
from storefront.orders.states import AFTER_PAYMENT
from storefront.qr import qr_svg
from storefront.settings import Settings
from storefront.tenancy.schemas import BrandOut

Step = Literal["empty", "details", "pay", "done", "unavailable"]
PaymentMode = Literal["off", "test", "stripe"]
TEST_CARD = "pm_card_visa"
UNAVAILABLE_TEXT = "This shop can't take payments online yet, so orders can't be placed here. Your bag is kept."

DEPOSIT_PAID = "Deposit paid"  # a made-to-order piece's balance is charged when it ships
STATUS_WORDS: dict[str, str] = {
    "pending_payment": "Awaiting payment",
    "paid": "Paid",
    "in_production": "Paid",
    "ready_for_pickup": "Paid",
    "out_for_delivery": "Paid",
    "fulfilled": "Paid",
    "cancelled": "Cancelled",
}


# The details form's fields beyond email and name: (form name, label, autocomplete, max length).
ADDRESS_FIELDS: tuple[tuple[str, str, str, int], ...] = (
    ("address_name", "Full name", "shipping name", 200),
    ("address_line1", "Address line 1", "shipping address-line1", 200),
    ("address_line2", "Address line 2 (optional)", "shipping address-line2", 200),
    ("address_city", "Town or city", "shipping address-level2", 100),
    ("address_postcode", "Postcode", "shipping postal-code", 10),
    ("address_country", "Country code (e.g. GB)", "shipping country", 2),
)
SHIPPED = frozenset({"courier", "made_to_order"})


class DetailField(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    label: str
    autocomplete: str
    max_length: int
    required: bool
    type: str = "text"


class PickupCode(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    spoken: str  # "2 U E L G E": read one character at a time
    qr_svg: str


class AppliedCredit(msgspec.Struct, frozen=True, kw_only=True):
    id: str  # what the remove button posts: the cart never keeps the code itself
    label: str  # "Store credit ending 7Q2K"
    applies: Money


class CheckoutProps(msgspec.Struct, frozen=True, kw_only=True):
    product: str | None  # the page's product, if any
    cart: str | None
    step: Step
    payments: PaymentMode
    lines: list[MiniCartLine]
    units: int
    total: Money | None
    subtotal: Money | None
    fulfilment: Money | None  # the delivery fee: one per courier zone, "Free" when nothing is due
    discount: Money | None
    editable: bool  # the lines can still be changed (before the order is placed)
    line_action_url: str  # where a line's stepper and remove post (the bag's action)
    shop_url: str | None  # the brand's page with no cart: a new bag, once this one is paid
    email: str
    name: str
    errors: dict[str, str]  # email, name, address_*, phone, collector
    message: str | None  # what went wrong, in words
    address_fields: list[DetailField]  # empty unless a line ships (courier, made to order)
    contact_fields: list[DetailField]  # phone when a line ships, collector when one is picked up
    values: dict[str, str]  # what the shopper typed, kept on an error
    pickup_codes: list[PickupCode]
    order_page_url: str | None  # the order-status component for this order
    action_url: str  # places the order
    confirm_url: str  # confirms the payment
    order_number: str | None
    order_status: str | None
    status_text: str | None  # "Paid — order MH-XXXX"
    amount: Money | None  # what the card pays
    credits: list[AppliedCredit]  # store credit on the bag, each with what it pays (details step)
    credit_paid: Money | None  # of the order, what store credit pays
    due: Money | None  # what is left to pay once credit is taken off (details step)
    balance_later: Money | None  # a made-to-order balance, charged when the piece ships
    credit_url: str  # applies or removes a credit code
    test_card: str  # the payment method the test button sends
    publishable_key: str | None  # Stripe's, for the Payment Element
    client_secret: str | None
    locale: str


def payment_mode(settings: Settings | None) -> PaymentMode:
    if settings is None or not settings.payments_enabled:
        return "off"
    if settings.stripe_is_local:
        return "test"
    return "stripe" if settings.stripe_publishable_key else "off"


def status_text(number: str, status: str, *, balance_due: bool = False) -> str:
    """``balance_due``: only a deposit is paid so far, so "Paid" would overstate it."""
    words = STATUS_WORDS.get(status, status.replace("_", " ").capitalize())
    if balance_due and status in AFTER_PAYMENT and words == "Paid":
        words = DEPOSIT_PAID
    return f"{words} — order {number}"


def pickup_codes(order: OrderOut | None) -> list[PickupCode]:
    if order is None or order.status == "cancelled":
        return []
    codes = [f.pickup_code for f in order.fulfilments if f.pickup_code]
    return [PickupCode(code=c, spoken=" ".join(c), qr_svg=qr_svg(c, label=f"Pickup code {' '.join(c)}")) for c in codes]


def order_page_url(order_id: str | None, token: str | None, links: Links) -> str | None:
    """The order page: the brand's own (``view=order``) on a page rendered without script, else the fragment."""
    if order_id is None or token is None:
        return None
    return links.page_link(view="order", cart=None, order=order_id, token=token) or links.component(
        "order-status", order=order_id, token=token
    )


def build(
    cart: CartOut | None,
    links: Links,
    brand: BrandOut,
    settings: Settings | None,
    now: datetime,
    *,
    product: str | None = None,
    placed: CheckoutOut | None = None,
    email: str = "",
    name: str = "",
    errors: Mapping[str, str] | None = None,
    message: str | None = None,
    location_names: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    order: OrderOut | None = None,
    status_token: str | None = None,
    line_errors: Mapping[str, str] | None = None,
) -> CheckoutProps:
    """The step follows from the cart, the order ``placed`` for it (a checkout's answer) and the settings.

    Without ``placed`` (a read of the checkout, not an action's answer), ``order`` is the cart's
    order as read, and ``status_token`` the order link's token the page was given.
    """
    summary = mini_cart.build(
        cart, links, brand, now, product=product, location_names=location_names, live=False, errors=line_errors
    )
    mode = payment_mode(settings)
    order = placed.order if placed is not None else order
    token = placed.status_token if placed is not None else status_token
    payment = placed.payment if placed is not None else None
    number = order.number if order is not None else (cart.order.number if cart and cart.order else None)
    status = order.status if order is not None else (cart.order.status if cart and cart.order else None)
    step: Step
    applied = [
        AppliedCredit(id=str(c.id), label=f"Store credit ending {c.hint}", applies=c.applies)
        for c in (cart.credits if cart is not None else [])
    ]
    if number is not None and status is not None and (status in AFTER_PAYMENT or status == "cancelled"):
        step = "done"
    elif placed is not None or order is not None or (cart is not None and cart.order is not None):
        step = "pay" if mode != "off" else "unavailable"
    elif summary.state != "open":
        step = "empty"
    elif mode == "off":
        step = "unavailable"
    else:
        step = "details"
    if step == "pay" and order is not None and order.last_payment_error and message is None:
        message = f"The payment didn't go through: {order.last_payment_error.rstrip('.')}. Please try again."
    if step == "unavailable" and message is None:
        message = UNAVAILABLE_TEXT
    methods = {line.method for line in summary.lines}
    shipped, pickup = bool(methods & SHIPPED), "pickup" in methods
    kept = dict(values or {})
    if shipped:
        kept.setdefault("address_country", "GB")
    return CheckoutProps(
        address_fields=[
            DetailField(name=n, label=label, autocomplete=auto, max_length=size, required=n != "address_line2")
            for n, label, auto, size in ADDRESS_FIELDS
        ]
        if shipped
        else [],
        contact_fields=(
            [
                DetailField(
                    name="phone",
                    label="Phone, for the courier",
                    autocomplete="tel",
                    max_length=24,
                    required=True,
                    type="tel",
                )
            ]
            if shipped
            else []
        )
        + (
            [
                DetailField(
                    name="collector", label="Who will collect it", autocomplete="name", max_length=200, required=True
                )
            ]
            if pickup
            else []
        ),
        values=kept,
        pickup_codes=pickup_codes(order) if step == "done" else [],
        order_page_url=order_page_url(str(order.id) if order is not None else None, token, links),
        product=product,
        cart=summary.cart,
        step=step,
        payments=mode,
        lines=summary.lines,
        units=summary.units,
        total=order.total if order is not None else summary.total,
        subtotal=order.subtotal if order is not None else summary.subtotal,
        fulfilment=order.fulfilment if order is not None else summary.fulfilment,
        discount=order.discount if order is not None else summary.discount,
        editable=step == "details",  # before the order is placed: the bag is still the shopper's to change
        line_action_url=summary.action_url,
        shop_url=links.page_link(cart=None, view=None, order=None, token=None) if step == "done" else None,
        email=email or (order.email if order is not None else ""),
        name=name,
        errors=dict(errors or {}),
        message=message,
        action_url=links.action("checkout"),
        confirm_url=links.action("checkout/confirm"),
        order_number=number,
        order_status=status,
        status_text=status_text(number, status, balance_due=order is not None and order.balance.amount > 0)
        if number and status
        else None,
        amount=payment.amount if payment is not None else (order.total if order is not None else summary.total),
        credits=applied if step == "details" else [],
        credit_paid=order.credit if order is not None and order.credit.amount else None,
        due=cart.totals.due if cart is not None and applied and step == "details" else None,
        balance_later=order.balance if order is not None and order.balance.amount else None,
        credit_url=links.action("checkout/credit"),
        test_card=TEST_CARD,
        publishable_key=payment.publishable_key if payment is not None and mode == "stripe" else None,
        client_secret=payment.client_secret if payment is not None and mode == "stripe" else None,
        locale=brand.locale,
    )


async def load_for(
    ctx: LoadContext,
    cart: CartOut | None,
    *,
    placed: CheckoutOut | None = None,
    email: str = "",
    name: str = "",
    errors: Mapping[str, str] | None = None,
    message: str | None = None,
    values: Mapping[str, str] | None = None,
    line_errors: Mapping[str, str] | None = None,
) -> CheckoutProps:
    """:func:`build` for ``ctx`` as of now, with the names of the cart's shops; the form actions answer with it.

    Without ``placed``, a cart already checked out has its order read: its status (a deposit
    or the whole), its email and its pickup codes.
    """
    names = await loaders.location_names(ctx) if cart is not None and cart.lines else {}
    order: OrderOut | None = None
    if placed is None and cart is not None and cart.order is not None:
        try:
            order = await orders.get_order(ctx.principal.brand_id, cart.order.id)
        except NotFound:
            order = None
    token = ctx.param("token") if order is not None and ctx.param("order") == str(order.id) else None
    return build(
        cart,
        ctx.links,
        ctx.brand,
        ctx.settings,
        utcnow(),
        product=ctx.product_handle,
        placed=placed,
        email=email,
        name=name,
        errors=errors,
        message=message,
        location_names=names,
        values=values,
        order=order,
        status_token=token,
        line_errors=line_errors,
    )


async def load(ctx: LoadContext) -> CheckoutProps:
    return await load_for(ctx, await loaders.read_cart(ctx, ctx.param("cart")))


COMPONENT = Component(
    name="checkout",
    title="Checkout",
    props_type=CheckoutProps,
    load=load,
    needs_product=False,
    interactive=True,
    cacheable=False,
)
