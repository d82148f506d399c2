"""``POST /v1/components/checkout`` and ``/checkout/confirm``: place the order, then confirm its payment.

Both answer the ``checkout`` component for the cart as it is after the call, read again, since
placing or paying an order changes the cart. A refusal (a line no longer to be had, a hold run
out, Stripe unreachable) is shown in words on the checkout, not answered as an error.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response
from litestar.datastructures import FormMultiDict

from components import checkout, loaders
from components.actions.answers import answer, fragment
from components.actions.cart import CART_CHANGED
from components.actions.events import line_events, record
from components.actions.forms import FIELD_HELP, form_value, sentence
from components.actions.plain import went_through
from components.actions.request import load_context
from components.context import LoadContext
from storefront.api.shoppers import shopper_of
from storefront.cart import credits as cart_credits
from storefront.cart.schemas import CartOut
from storefront.checkout import service as checkouts
from storefront.checkout.schemas import CheckoutIn, CheckoutOut, ConfirmIn
from storefront.clock import utcnow
from storefront.credits import codes
from storefront.decoding import split_location
from storefront.errors import InvalidInput, PaymentsUnavailable, StallkitError
from storefront.orders.states import AFTER_PAYMENT
from storefront.payments import PaymentGateway

UNREACHABLE = "We couldn't reach the payment provider, so nothing was charged. Please try again in a moment."
DETAIL_FIELDS = (*(name for name, *_ in checkout.ADDRESS_FIELDS), "phone", "collector")
# What msgspec says about a field the browser should have caught, in words (the rules' own messages
# already are: see storefront.checkout.contact).
DETAIL_HELP: dict[str, str] = {
    "address_name": "Enter the name of the person receiving it.",
    "address_line1": "Enter the first line of the address.",
    "address_line2": "Keep the second line under 200 characters.",
    "address_city": "Enter the town or city.",
    "address_postcode": "Enter a postcode: 2 to 10 letters and numbers.",
    "address_country": "Enter the two-letter country code, like GB.",
    "phone": "Enter a phone number with its country code, like +44 7700 900123.",
    "collector": "Enter the name of the person collecting it.",
}


def details_body(email: str, name: str, values: dict[str, str]) -> dict[str, object]:
    """The checkout body from the form: an address only if any of its fields was filled."""
    body: dict[str, object] = {"email": email, "name": name}
    if any(values.get(n) for n, *_ in checkout.ADDRESS_FIELDS):
        body["address"] = {n.removeprefix("address_"): values.get(n, "") for n, *_ in checkout.ADDRESS_FIELDS}
    for n in ("phone", "collector"):
        if values.get(n):
            body[n] = values[n]
    return body


def form_name(path: str) -> str:
    """``body.address.postcode`` or ``$.address.postcode`` -> ``address_postcode``: the form field it came from."""
    field = path.removeprefix("body").lstrip("$.").replace(".", "_")
    if field == "address":  # no address at all: said beside its first line
        return "address_line1"
    return field if field in DETAIL_FIELDS or field in ("email", "name") else ""


async def _posted(request: Request[Any, Any, Any]) -> tuple[FormMultiDict, LoadContext, CartOut | None]:
    """The form, its context and its cart (None when the id is missing, another brand's or gone)."""
    form = await request.form()
    ctx = await load_context(request, form_value(form, "product"))
    return form, ctx, await loaders.read_cart(ctx, form_value(form, "cart"))


def _refused(exc: StallkitError) -> str:
    """Why the order or the payment did not go through, in the shopper's words."""
    return UNREACHABLE if isinstance(exc, PaymentsUnavailable) else sentence(exc.detail)


async def _checkout_answer(
    request: Request[Any, Any, Any],
    ctx: LoadContext,
    cart: CartOut | None,
    *,
    placed: CheckoutOut | None = None,
    email: str = "",
    name: str = "",
    errors: dict[str, str] | None = None,
    message: str | None = None,
    values: dict[str, str] | None = None,
) -> Response[bytes]:
    """With an order placed or paid, ``sk-cart`` after the swap: every bag and stock display on the page reads again."""
    props = await checkout.load_for(
        ctx, cart, placed=placed, email=email, name=name, errors=errors, message=message, values=values
    )
    headers = {"HX-Trigger-After-Swap": CART_CHANGED} if placed is not None else None
    return answer(fragment(request, ctx, "checkout", props), headers=headers)


async def place_order(request: Request[Any, Any, Any], *, gateway: PaymentGateway) -> Response[bytes]:
    form, ctx, cart = await _posted(request)
    email, name = form_value(form, "email"), form_value(form, "name")
    values = {n: form_value(form, n) for n in DETAIL_FIELDS}
    # payment_mode(None) is "off" too: the ``is None`` only tells the type checker
    if cart is None or ctx.settings is None or checkout.payment_mode(ctx.settings) == "off" or not cart.lines:
        return await _checkout_answer(request, ctx, cart, email=email, name=name, values=values)
    try:
        data = msgspec.convert(details_body(email, name, values), CheckoutIn)
    except msgspec.ValidationError as exc:
        _, path = split_location(str(exc))
        field = form_name(path) or "email"
        errors = {field: FIELD_HELP.get(field) or DETAIL_HELP[field]}
        return await _checkout_answer(request, ctx, cart, email=email, name=name, errors=errors, values=values)
    try:
        placed = await checkouts.checkout(
            ctx.principal.brand_id,
            cart.id,
            data,
            gateway=gateway,
            settings=ctx.settings,
            shopper=shopper_of(request, ctx.settings),
        )
    except InvalidInput as exc:  # the details do not fit the bag (each beside its field), or a line no longer can
        errors = {f: e.message for e in exc.errors if (f := form_name(e.field)) in DETAIL_FIELDS}
        after = cart if errors else await loaders.read_cart(ctx, str(cart.id))
        message = None if errors else _refused(exc)
        return await _checkout_answer(
            request, ctx, after, email=email, name=name, errors=errors, message=message, values=values
        )
    except StallkitError as exc:  # a line no longer to be had, sold out meanwhile, Stripe unreachable...
        after = await loaders.read_cart(ctx, str(cart.id))
        return await _checkout_answer(request, ctx, after, email=email, name=name, message=_refused(exc), values=values)
    if cart.order is None:  # placed by this request, not a repeat of an earlier one
        events = line_events("checkout_start", "checkout", cart)
        if placed.order.status in AFTER_PAYMENT:  # nothing to pay (say, credit covered it)
            events += line_events("purchase", "checkout", cart)
        await record(ctx, events)
    went_through(request, cart=str(cart.id), view="checkout")
    after = await loaders.read_cart(ctx, str(cart.id))
    return await _checkout_answer(request, ctx, after, placed=placed, email=email, name=name, values=values)


async def confirm_payment(request: Request[Any, Any, Any], *, gateway: PaymentGateway) -> Response[bytes]:
    form, ctx, cart = await _posted(request)
    # payment_mode(None) is "off" too: the ``is None`` only tells the type checker
    if cart is None or cart.order is None or ctx.settings is None or checkout.payment_mode(ctx.settings) == "off":
        return await _checkout_answer(request, ctx, cart)
    settings = ctx.settings
    method = (form_value(form, "payment_method") or None) if settings is not None and settings.stripe_is_local else None
    try:
        data = msgspec.convert({"payment_method": method}, ConfirmIn)
    except msgspec.ValidationError:
        return await _checkout_answer(request, ctx, cart, message="That payment method isn't one we can use.")
    try:
        confirmed = await checkouts.confirm(ctx.principal.brand_id, cart.id, data, gateway=gateway, settings=settings)
    except StallkitError as exc:  # the hold ran out, Stripe unreachable...
        after = await loaders.read_cart(ctx, str(cart.id))
        return await _checkout_answer(request, ctx, after, message=_refused(exc))
    if cart.order.status == "pending_payment" and confirmed.order.status in AFTER_PAYMENT:
        await record(ctx, line_events("purchase", "checkout", cart))
    if confirmed.order.status in AFTER_PAYMENT:  # else the reason, on the form to try again
        went_through(
            request, cart=str(cart.id), view="checkout", order=str(confirmed.order.id), token=confirmed.status_token
        )
    after = await loaders.read_cart(ctx, str(cart.id))
    return await _checkout_answer(request, ctx, after, placed=confirmed)


async def apply_credit(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Apply the posted ``credit_code`` to the bag, or take off the credit ``remove`` names; answer the checkout.

    The details the shopper has typed so far come along (htmx includes the details form) and are
    kept. A code that cannot apply is said beside the field, in words; the code itself is never
    put in a link, and the answer is not cached (the checkout never is).
    """
    form, ctx, cart = await _posted(request)
    email, name = form_value(form, "email"), form_value(form, "name")
    values = {n: form_value(form, n) for n in DETAIL_FIELDS}
    if cart is None or cart.status != "open" or ctx.settings is None:
        return await _checkout_answer(request, ctx, cart, email=email, name=name, values=values)
    key = codes.settings_key(ctx.settings)
    code, remove = form_value(form, "credit_code"), form_value(form, "remove")
    try:
        if remove:
            await cart_credits.remove_code(ctx.principal.brand_id, cart.id, remove, code_key=key)
        elif not code:
            raise InvalidInput("enter the code printed on your credit slip or receipt")
        else:
            await cart_credits.apply_code(ctx.principal.brand_id, cart.id, code, code_key=key, now=utcnow())
    except StallkitError as exc:
        errors = {"credit_code": CODE_WORDS.get(exc.code, sentence(exc.detail))}
        kept = {**values, "credit_code": code}
        return await _checkout_answer(request, ctx, cart, email=email, name=name, errors=errors, values=kept)
    went_through(request, cart=str(cart.id), view="checkout")
    after = await loaders.read_cart(ctx, str(cart.id))
    return await _checkout_answer(request, ctx, after, email=email, name=name, values=values)


# What a refused code means to a shopper (the services' own words name API fields).
CODE_WORDS: dict[str, str] = {
    "not_found": "We don't know this code. Please check it against your credit slip or receipt.",
    "credit_code_invalid": "This code has a typing mistake. Please check it against your credit slip or receipt.",
    "credit_spent": "There's nothing left to spend on this credit.",
    "rate_limited": "Too many codes tried. Please wait a minute and try again.",
}
