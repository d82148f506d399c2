"""The components' form actions: add to cart, then check out and pay. Form posts in, HTML fragments out.

The cart and checkout API (``/v1/carts...``) answers JSON for API clients; a form in an
embedded fragment (htmx or plain) needs HTML back. These handlers parse the form, call the
same services, and answer with the fragment of the component the form belongs to:

- ``POST /v1/components/add-to-cart`` (form-encoded): ``cart`` (optional: a cart is started when
  it is empty, unknown or already checked out), ``variant`` (the SKU), ``product``,
  ``quantity``, ``method``, ``location``, ``postcode``, ``personalisation.<option>=value`` and
  ``source`` (the component posting: ``add-to-cart``, ``product-page`` or ``personalise``).
  Answers that component's fragment with the ``mini-cart`` under its button, and the header
  ``HX-Trigger-After-Swap: sk-cart`` so a mini-cart elsewhere on the page fetches itself again.
- ``POST /v1/components/checkout``: ``cart``, ``email``, ``name``: places the order and starts
  its payment; answers the checkout's ``pay`` step.
- ``POST /v1/components/checkout/confirm``: ``cart`` (and ``payment_method`` with a local test
  Stripe only): answers the ``done`` step once paid, else ``pay`` with what went wrong.

How a form error swaps, decided once (htmx 2 swaps no 4xx by default): an action answers
**200 with its component re-rendered**, each error next to its field (``aria-invalid``,
``aria-describedby``) and the shopper's input kept. Every form targets its whole component
(``hx-target="closest .sk-add-to-cart"``, ``hx-select`` the same class, ``outerHTML``), and
success and failure are both that component, so no ``HX-Retarget`` or ``HX-Reswap`` is needed
and a plain form post (no script) shows the very same page. The cart service's 422 fields
(``body.quantity``, ``body.fulfilment.postcode``, ``body.personalisation[0].value``...) are
mapped back to the form's field names. What no form field can fix (an unknown product, a
request that did not come from our form) is answered with an error fragment and its 4xx.

Analytics: these handlers record ``add_to_cart`` (tagged with ``source``), ``checkout_start``
(when an order is placed) and ``purchase`` (when its payment is seen to succeed), one event per
cart line with its product, variant and fulfilment method, through the analytics service. The
server knows these moments for certain, and the embed loader stays small; a lost or blocked
beacon cannot drop a sale from the funnel, and a repeated submit is not counted twice.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.datastructures import FormMultiDict
from markupsafe import escape

from components import add_to_cart, checkout, mini_cart, personalise, stock
from components.add_to_cart import SOURCES, AddToCartForm
from components.context import Links, LoadContext
from components.registry import all_components
from components.rendering import render_html
from storefront.analytics import service as analytics
from storefront.analytics.schemas import MAX_BATCH, EventBatch, EventIn
from storefront.api.auth import principal_from
from storefront.api.deps import ReadCaches
from storefront.api.problems import problem_for
from storefront.cart import service as carts
from storefront.cart.schemas import CartIn, CartOut, LineIn
from storefront.catalog.schemas import ProductOut, VariantOut
from storefront.checkout import service as checkouts
from storefront.checkout.schemas import CheckoutIn, CheckoutOut, ConfirmIn
from storefront.clock import utcnow
from storefront.decoding import split_location
from storefront.errors import FieldError, InvalidInput, NotFound, PaymentsUnavailable, StallkitError
from storefront.orders.states import AFTER_PAYMENT
from storefront.tenancy import service as tenancy

log = logging.getLogger("stallkit.components")

HTML = "text/html"
NO_STORE = "no-store"
CART_CHANGED = "sk-cart"  # the event a live mini-cart listens for
PERSONALISATION = "personalisation."
MAX_FIELD = 200  # longer than any field of ours: cut, and let validation say what is wrong
UNREACHABLE = "We couldn't reach the payment provider, so nothing was charged. Please try again in a moment."
_PERSONALISATION_FIELD = re.compile(r"^body\.personalisation\[(\d+)\]")

ACTIONS_DESCRIPTION = (
    "Form-encoded posts from the components' own forms (publishable key as `?key=pk_...`): `add-to-cart` "
    "(fields `cart`, `variant`, `product`, `quantity`, `method`, `location`, `postcode`, "
    "`personalisation.<option>`, `source`) and `checkout` (`cart`, `email`, `name`). They answer the "
    "component's HTML fragment, 200 also when the form has errors (shown next to the fields)."
)

# Friendlier words for what msgspec says about a field the browser should have caught.
_FIELD_HELP: dict[str, str] = {
    "quantity": "Choose a quantity from 1 to 99.",
    "method": "Choose how you'd like it.",
    "location": "Choose a shop.",
    "postcode": "Enter a postcode: 2 to 10 letters and numbers.",
    "email": "Enter an email address, like ada@example.com.",
    "name": "Keep the name under 200 characters.",
}


class ActionFailed(StallkitError):
    """Nothing on the form can fix this: answered as an error fragment with the error's status."""


# --- the request ---------------------------------------------------------------------------------


def _api_base(request: Request[Any, Any, Any]) -> str:
    host = request.headers.get("host") or "{}:{}".format(*(request.scope.get("server") or ("127.0.0.1", 80)))
    return f"{request.scope.get('scheme', 'http')}://{host}"


async def _context(
    request: Request[Any, Any, Any], product: str | None = None, variant: str | None = None
) -> LoadContext:
    principal = principal_from(request.scope)
    caches: ReadCaches = request.app.state.read_caches
    brand = await tenancy.read_brand(principal.brand_id, version=principal.catalog_version, cache=caches.misc)
    return LoadContext(
        principal=principal,
        brand=brand,
        caches=caches,
        links=Links(api_base=_api_base(request), key=request.query_params.get("key") or ""),
        product_handle=product or None,
        variant_sku=variant or None,
        settings=request.app.state.settings,
    )


def _value(form: FormMultiDict, name: str) -> str:
    """The field's last value (a later field wins, as in the cart API), trimmed; "" when absent."""
    values = form.getall(name) if name in form else []
    value = values[-1] if values else ""
    return value.strip()[:MAX_FIELD] if isinstance(value, str) else ""


def _cart_id(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _sentence(message: str) -> str:
    message = message.strip()
    if not message:
        return message
    message = message[0].upper() + message[1:]
    return message if message.endswith((".", "!", "?")) else message + "."


def _fragment(request: Request[Any, Any, Any], ctx: LoadContext, name: str, props: msgspec.Struct) -> str:
    return render_html(request.app.state.renderer, all_components()[name], props, ctx.brand)


def _answer(html: str, *, status: int = 200, headers: dict[str, str] | None = None) -> Response[bytes]:
    return Response(
        content=html.encode(),
        status_code=status,
        media_type=HTML,
        headers={"Cache-Control": NO_STORE, **(headers or {})},
    )


def _error(name: str, exc: StallkitError) -> Response[bytes]:
    status = problem_for(exc).status
    html = (
        f'<div class="sk-root" data-sk-component="{escape(name)}">'
        f'<p class="sk-embed-error" role="alert">{escape(_sentence(exc.detail))}</p></div>'
    )
    return _answer(html, status=status)


async def _record(ctx: LoadContext, events: Iterable[EventIn]) -> None:
    """Best effort: the shopper's cart or order is what matters, never the count."""
    batch = list(events)
    if not batch:
        return
    try:
        for start in range(0, len(batch), MAX_BATCH):
            await analytics.record_events(ctx.principal.brand_id, EventBatch(events=batch[start : start + MAX_BATCH]))
    except Exception:  # analytics must never fail a sale
        log.warning("could not record %d analytics events", len(batch), exc_info=True)


def _line_events(kind: str, component: str, cart: CartOut) -> list[EventIn]:
    now = utcnow()
    return [
        EventIn(
            type=kind,  # type: ignore[arg-type]
            component=component,
            product=line.product,
            variant=line.sku,
            method=line.fulfilment.method,
            occurred_at=now,
        )
        for line in cart.lines
    ]


async def dispatch(request: Request[Any, Any, Any], name: str) -> Response[bytes]:
    handlers = {"add-to-cart": add_line, "checkout": place_order, "checkout/confirm": confirm_payment}
    handler = handlers.get(name)
    try:
        if handler is None:
            raise NotFound(f"no form action named {name!r}")
        return await handler(request)
    except StallkitError as exc:
        return _error(name.split("/")[0], exc)


# --- field errors --------------------------------------------------------------------------------


def form_field(field: str, options: list[str]) -> str:
    """Where a cart error's ``field`` sits on the form; "" is the form as a whole.

    ``body.personalisation[1].value`` is ``personalisation.<handle>`` of the second option sent:
    ``options`` are the personalisation handles in the order they were sent.
    """
    if field == "body.quantity":
        return "quantity"
    if field.startswith("body.fulfilment"):
        tail = field.removeprefix("body.fulfilment").lstrip(".")
        return tail if tail in ("postcode", "location") else "method"
    match = _PERSONALISATION_FIELD.match(field)
    if match:
        index = int(match.group(1))
        return PERSONALISATION + options[index] if index < len(options) else "personalisation"
    if field.startswith("body.personalisation"):
        return "personalisation"
    return ""


def field_errors(
    errors: Iterable[FieldError], options: list[str], *, friendly: bool
) -> tuple[dict[str, str], str | None]:
    """Errors by form field, and the message for those no field explains."""
    by_field: dict[str, str] = {}
    general: list[str] = []
    for error in errors:
        where = form_field(error.field, options)
        text = _FIELD_HELP.get(where, "") if friendly else ""
        text = text or _sentence(error.message)
        if where:
            by_field.setdefault(where, text)
        else:
            general.append(text)
    return by_field, " ".join(general) or None


def validation_errors(exc: msgspec.ValidationError) -> list[FieldError]:
    message, path = split_location(str(exc))
    return [FieldError("body" + path, message)]


# --- add to cart ---------------------------------------------------------------------------------


async def add_line(request: Request[Any, Any, Any]) -> Response[bytes]:
    form = await request.form()
    source = _value(form, "source")
    source = source if source in SOURCES else "add-to-cart"
    ctx = await _context(request, _value(form, "product"), _value(form, "variant"))
    product, variant = await ctx.product_and_variant()
    values = {
        name: _value(form, name)
        for name in dict.fromkeys(form.keys())
        if name.startswith(PERSONALISATION) and len(name) <= 120
    }
    chosen = {k: v for k, v in values.items() if v}
    handles = [name.removeprefix(PERSONALISATION) for name in chosen]
    state = AddToCartForm(
        cart=_value(form, "cart"),
        method=_value(form, "method") or None,
        location=_value(form, "location") or None,
        postcode=_value(form, "postcode") or None,
        values=values,
    )
    raw_quantity = _value(form, "quantity") or "1"
    body: dict[str, Any] = {
        "sku": variant.sku,
        "quantity": int(raw_quantity) if raw_quantity.isdigit() else raw_quantity,
        "fulfilment": {"method": state.method, "location": state.location, "postcode": state.postcode},
        "personalisation": [{"option": h, "value": v} for h, v in zip(handles, chosen.values(), strict=True)],
    }
    if isinstance(body["quantity"], int):
        state = msgspec.structs.replace(state, quantity=max(1, min(body["quantity"], add_to_cart.MAX_QUANTITY)))
    try:
        line = msgspec.convert(body, LineIn)
    except msgspec.ValidationError as exc:
        errors, message = field_errors(validation_errors(exc), handles, friendly=True)
        return await _add_answer(request, ctx, source, product, variant, state, errors, message)

    brand_id = ctx.principal.brand_id
    cart_id = _cart_id(state.cart)
    cart: CartOut | None = None
    try:
        for _ in range(2):  # a second time only with a fresh cart
            if cart_id is None:
                cart_id = (await carts.create_cart(brand_id, CartIn())).id
            try:
                cart = await carts.add_line(brand_id, cart_id, line)
                break
            except carts.CartClosed:  # checked out already: this browser starts its next cart
                cart_id = None
            except NotFound as exc:
                if not any(e.field == "path.cart_id" for e in exc.errors):
                    raise
                cart_id = None  # a cart of another brand, or one that is gone
    except InvalidInput as exc:
        state = msgspec.structs.replace(state, cart=str(cart_id) if cart_id else "")
        errors, message = field_errors(exc.errors, handles, friendly=False)
        if not exc.errors:
            message = _sentence(exc.detail)
        return await _add_answer(request, ctx, source, product, variant, state, errors, message)
    if cart is None:
        raise ActionFailed("the cart could not be started; please try again")

    await _record(
        ctx,
        [
            EventIn(
                type="add_to_cart",
                component=source,
                product=product.handle,
                variant=variant.sku,
                method=line.fulfilment.method,
                occurred_at=utcnow(),
            )
        ],
    )
    names = await stock.location_names(ctx)
    result = mini_cart.build(
        cart, ctx.links, ctx.brand, utcnow(), product=product.handle, location_names=names, live=False
    )
    fresh = AddToCartForm(cart=str(cart.id), method=state.method, location=state.location, postcode=state.postcode)
    return await _add_answer(
        request,
        ctx,
        source,
        product,
        variant,
        fresh,
        {},
        None,
        result=result,
        headers={"HX-Trigger-After-Swap": CART_CHANGED},
    )


async def _add_answer(
    request: Request[Any, Any, Any],
    ctx: LoadContext,
    source: str,
    product: ProductOut,
    variant: VariantOut,
    state: AddToCartForm,
    errors: dict[str, str],
    message: str | None,
    *,
    result: mini_cart.MiniCartProps | None = None,
    headers: dict[str, str] | None = None,
) -> Response[bytes]:
    """The posting component again: personalise standalone, else add-to-cart (also inside the product page)."""
    if source == "personalise":
        options = await personalise.options(ctx) if product.made_to_order else []
        props: msgspec.Struct = personalise.build(
            product,
            variant,
            ctx.links,
            ctx.brand,
            options,
            values=state.values,
            errors=errors,
            error=errors.get("personalisation"),
            message=message or _first(errors, ("quantity", "method", "location", "postcode")),
            cart=state.cart,
            result=result,
        )
        return _answer(_fragment(request, ctx, "personalise", props), headers=headers)
    state = msgspec.structs.replace(state, errors=errors, message=message)
    props = await add_to_cart.load_for(ctx, product, variant, source=source, form=state, result=result)
    return _answer(_fragment(request, ctx, "add-to-cart", props), headers=headers)


def _first(errors: dict[str, str], names: Iterable[str]) -> str | None:
    return next((errors[n] for n in names if n in errors), None)


# --- checkout ------------------------------------------------------------------------------------


def _payments(request: Request[Any, Any, Any]) -> Any:
    return request.app.state.get("payments")


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
) -> Response[bytes]:
    names = await stock.location_names(ctx) if cart is not None and cart.lines else {}
    props = checkout.build(
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
    )
    return _answer(_fragment(request, ctx, "checkout", props))


async def place_order(request: Request[Any, Any, Any]) -> Response[bytes]:
    form = await request.form()
    ctx = await _context(request, _value(form, "product"))
    cart = await mini_cart.read_cart(ctx, _value(form, "cart"))
    email, name = _value(form, "email"), _value(form, "name")
    if cart is None or checkout.payment_mode(ctx.settings) == "off" or not cart.lines:
        return await _checkout_answer(request, ctx, cart, email=email, name=name)
    try:
        data = msgspec.convert({"email": email, "name": name}, CheckoutIn)
    except msgspec.ValidationError as exc:
        _, path = split_location(str(exc))
        field = path.lstrip(".") if path.lstrip(".") in ("email", "name") else "email"
        errors = {field: _FIELD_HELP[field]}
        return await _checkout_answer(request, ctx, cart, email=email, name=name, errors=errors)
    try:
        placed = await checkouts.checkout(
            ctx.principal.brand_id, cart.id, data, gateway=_payments(request), settings=ctx.settings
        )
    except StallkitError as exc:  # a line no longer to be had, sold out meanwhile, Stripe unreachable...
        message = UNREACHABLE if isinstance(exc, PaymentsUnavailable) else _sentence(exc.detail)
        after = await mini_cart.read_cart(ctx, str(cart.id))
        return await _checkout_answer(request, ctx, after, email=email, name=name, message=message)
    if cart.order is None:  # placed by this request, not a repeat of an earlier one
        events = _line_events("checkout_start", "checkout", cart)
        if placed.order.status in AFTER_PAYMENT:  # nothing to pay (say, credit covered it)
            events += _line_events("purchase", "checkout", cart)
        await _record(ctx, events)
    after = await mini_cart.read_cart(ctx, str(cart.id))
    return await _checkout_answer(request, ctx, after, placed=placed, email=email, name=name)


async def confirm_payment(request: Request[Any, Any, Any]) -> Response[bytes]:
    form = await request.form()
    ctx = await _context(request, _value(form, "product"))
    cart = await mini_cart.read_cart(ctx, _value(form, "cart"))
    if cart is None or cart.order is None or checkout.payment_mode(ctx.settings) == "off":
        return await _checkout_answer(request, ctx, cart)
    settings = ctx.settings
    method = (_value(form, "payment_method") or None) if settings is not None and settings.stripe_is_local else None
    try:
        data = msgspec.convert({"payment_method": method}, ConfirmIn)
    except msgspec.ValidationError:
        return await _checkout_answer(request, ctx, cart, message="That payment method isn't one we can use.")
    try:
        confirmed = await checkouts.confirm(
            ctx.principal.brand_id, cart.id, data, gateway=_payments(request), settings=settings
        )
    except StallkitError as exc:  # the hold ran out, Stripe unreachable...
        message = UNREACHABLE if isinstance(exc, PaymentsUnavailable) else _sentence(exc.detail)
        after = await mini_cart.read_cart(ctx, str(cart.id))
        return await _checkout_answer(request, ctx, after, message=message)
    if cart.order.status == "pending_payment" and confirmed.order.status in AFTER_PAYMENT:
        await _record(ctx, _line_events("purchase", "checkout", cart))
    after = await mini_cart.read_cart(ctx, str(cart.id))
    return await _checkout_answer(request, ctx, after, placed=confirmed)
