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

Without script (no ``HX-Request``), a post that names the brand's page it came from is
answered with 303 back to that page once it went through, and with the form again, errors
beside its fields, when it did not (:mod:`components.actions.plain`).

Analytics: these handlers record ``add_to_cart`` (tagged with ``source``), ``checkout_start``
(when an order is placed) and ``purchase`` (when its payment is seen to succeed), one event per
cart line with its product, variant and fulfilment method, through the analytics service. The
server knows these moments for certain, and the embed loader stays small; a lost or blocked
beacon cannot drop a sale from the funnel, and a repeated submit is not counted twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from litestar import Request, Response

from components.actions.answers import ActionFailed, error_answer
from components.actions.balance import check_balance
from components.actions.cart import add_line, ask_back_in_stock
from components.actions.checkout import apply_credit, confirm_payment, place_order
from components.actions.forms import field_errors, form_field, validation_errors
from components.actions.plain import THEN, back_to, correction_page, is_htmx, redirect
from components.actions.trade_ins import estimate_trade_in
from storefront.errors import NotFound, StallkitError
from storefront.payments import PaymentGateway

__all__ = [
    "ACTIONS_DESCRIPTION",
    "ActionFailed",
    "add_line",
    "confirm_payment",
    "dispatch",
    "field_errors",
    "form_field",
    "place_order",
    "validation_errors",
]

ACTIONS_DESCRIPTION = (
    "Form-encoded posts from the components' own forms (publishable key as `?key=pk_...`): `add-to-cart` "
    "(fields `cart`, `variant`, `product`, `quantity`, `method`, `location`, `postcode`, "
    "`personalisation.<option>`, `source`, `intent=update` to refresh the buy box without adding; from the "
    "bag, `source=mini-cart` with `line`, `quantity`, `remove`, `live`) and `checkout` (`cart`, `email`, `name`, "
    "`collector`, `phone`, `address_name`, `address_line1`, `address_line2`, `address_city`, `address_postcode`, "
    "`address_country`), `checkout/credit` (`cart`, `credit_code` to apply a store credit, or `remove` "
    "with the id the cart lists it under), and `back-in-stock` (`product`, `variant`, `email`, `source`) on a "
    "sold-out buy box. They "
    "answer the component's HTML fragment, 200 also when the form has errors (shown next to the fields). "
    "A bag line's form in the checkout adds `answer=checkout` and is answered by the checkout. "
    "Posted without `HX-Request` and with "
    "`?return_to=` (a page on one of the brand's allowed origins, put there by fragments rendered with it), an "
    "action that went through answers 303 to that page with `cart`, `variant`, `method`, `location`, `postcode` "
    "or `view=checkout` in its query; one with errors answers the form as a page with a link back."
)


async def dispatch(request: Request[Any, Any, Any], name: str, *, gateway: PaymentGateway) -> Response[bytes]:
    """The action ``name`` answers; what no form field can fix becomes the component's error fragment."""
    handlers: dict[str, Callable[[Request[Any, Any, Any]], Awaitable[Response[bytes]]]] = {
        "add-to-cart": add_line,
        "checkout": partial(place_order, gateway=gateway),
        "checkout/confirm": partial(confirm_payment, gateway=gateway),
        "checkout/credit": apply_credit,
        "back-in-stock": ask_back_in_stock,
        "trade-in-estimator": estimate_trade_in,
        "credit-balance": check_balance,
    }
    handler = handlers.get(name)
    component = name.split("/")[0]
    try:
        page = None if is_htmx(request) else back_to(request)
    except ActionFailed as exc:  # a page that is not the brand's: refused, never followed
        return error_answer(component, exc)
    try:
        if handler is None:
            raise NotFound(f"no form action named {name!r}")
        response = await handler(request)
    except StallkitError as exc:
        response = error_answer(component, exc)
    else:
        then = request.state.get(THEN)
        if page is not None and then is not None:
            return redirect(page, then)
    return correction_page(request, response, page) if page is not None else response
