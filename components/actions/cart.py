"""``POST /v1/components/add-to-cart``: a line into the shopper's cart, answered by the component that posted it.

The form is turned into the cart API's :class:`~storefront.cart.schemas.LineIn`, so a bad field
is refused by the same validation as an API client's, then mapped back beside its field. The
cart is started here when the form has none, or one that can no longer take lines (checked
out, another brand's, gone): a shopper's stale id must never stop them adding to a bag.

More than can be had its way (the cart service's 409 ``out_of_stock``, naming the piece) is shown
beside the quantity like any other refused field. The form's first submit button is a hidden
"update" (``intent=update``): the browser's implicit submission (Enter in the postcode, or any
other field) re-renders the buy box for what was typed, with its promise, and never adds to the
bag; only the "Add to bag" button adds. Personalisation stays on the form after an add.

The mini-cart's forms post here too, with ``source=mini-cart`` (the action route is shared, and
one cart action keeps one way of reading a cart form): with a ``line``, a quantity to set or a
``remove``; without, the add-on it suggests. Either answers the mini-cart, or the checkout when
the line's form is the checkout's (``answer=checkout``).

A form with no cart field (the buy box on a page rendered without script) adds to the cart in
the action's query (:meth:`components.context.Links.action`). Each action that went through
says what the page shows next (:func:`components.actions.plain.went_through`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.datastructures import FormMultiDict

from components import add_to_cart, checkout, loaders, mini_cart, personalise
from components.actions.answers import ActionFailed, answer, fragment
from components.actions.events import record
from components.actions.forms import (
    PERSONALISATION,
    field_errors,
    form_value,
    parse_cart_id,
    sentence,
    validation_errors,
)
from components.actions.plain import went_through
from components.actions.request import load_context
from components.add_to_cart import SOURCES, AddToCartForm
from components.context import LoadContext
from storefront.analytics.schemas import EventIn
from storefront.cart import service as carts
from storefront.cart.schemas import CartIn, CartOut, LineIn, LinePatch
from storefront.catalog.schemas import ProductOut, VariantOut
from storefront.clock import utcnow
from storefront.errors import InsufficientStock, InvalidInput, NotFound

CART_CHANGED = "sk-cart"  # the event a live mini-cart listens for
BAG = "mini-cart"  # the source of the mini-cart's own forms


async def add_line(request: Request[Any, Any, Any]) -> Response[bytes]:
    form = await request.form()
    source = form_value(form, "source")
    source = source if source in SOURCES else "add-to-cart"
    if source == BAG and form_value(form, "line"):
        return await edit_line(request, form)
    ctx = await load_context(request, form_value(form, "product"), form_value(form, "variant"))
    product, variant = await ctx.product_and_variant()
    values = {
        name: form_value(form, name)
        for name in dict.fromkeys(form.keys())
        if name.startswith(PERSONALISATION) and len(name) <= 120
    }
    chosen = {k: v for k, v in values.items() if v}
    handles = [name.removeprefix(PERSONALISATION) for name in chosen]
    state = AddToCartForm(
        cart=form_value(form, "cart") or (request.query_params.get("cart") or "").strip(),
        method=form_value(form, "method") or None,
        location=form_value(form, "location") or None,
        postcode=form_value(form, "postcode") or None,
        values=values,
    )
    raw_quantity = form_value(form, "quantity") or "1"
    # ASCII digits only: str.isdigit() also says yes to "²" (which int() refuses) and to "٣"
    # (which int() reads as 3); anything else goes on as text for the schema to refuse.
    is_number = raw_quantity.isascii() and raw_quantity.isdigit()
    body: dict[str, Any] = {
        "sku": variant.sku,
        "quantity": int(raw_quantity) if is_number else raw_quantity,
        "fulfilment": {
            "method": state.method,
            "location": state.location,
            "postcode": state.postcode if state.method == "courier" else None,  # only a courier reads it
        },
        "personalisation": [{"option": h, "value": v} for h, v in zip(handles, chosen.values(), strict=True)],
    }
    if isinstance(body["quantity"], int):
        state = msgspec.structs.replace(state, quantity=max(1, min(body["quantity"], add_to_cart.MAX_QUANTITY)))
    if form_value(form, "intent") == "update":  # Enter in a field: show the choice, add nothing
        went_through(
            request, variant=variant.sku, method=state.method, location=state.location, postcode=state.postcode
        )
        return await _add_answer(request, ctx, source, product, variant, state, {}, None, form=form)
    try:
        line = msgspec.convert(body, LineIn)
    except msgspec.ValidationError as exc:
        errors, message = field_errors(validation_errors(exc), handles, friendly=True)
        return await _add_answer(request, ctx, source, product, variant, state, errors, message, form=form)

    brand_id = ctx.principal.brand_id
    cart_id = parse_cart_id(state.cart)
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
    except (InvalidInput, InsufficientStock) as exc:  # the shopper can fix it: a field, or how many
        state = msgspec.structs.replace(state, cart=str(cart_id) if cart_id else "")
        errors, message = field_errors(exc.errors, handles, friendly=False)
        if not exc.errors:
            message = sentence(exc.detail)
        return await _add_answer(request, ctx, source, product, variant, state, errors, message, form=form)
    if cart is None:
        raise ActionFailed("the cart could not be started; please try again")

    await record(
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
    headers = {"HX-Trigger-After-Swap": CART_CHANGED}
    if source == BAG:
        went_through(request, cart=str(cart.id))
        return await _bag_answer(request, ctx, cart, live=form_value(form, "live") == "1", headers=headers)
    went_through(
        request,
        cart=str(cart.id),
        variant=variant.sku,
        method=state.method,
        location=state.location,
        postcode=state.postcode,
    )
    result = await mini_cart.load_for(ctx, cart, product=product.handle)
    fresh = AddToCartForm(
        cart=str(cart.id), method=state.method, location=state.location, postcode=state.postcode, values=state.values
    )
    return await _add_answer(request, ctx, source, product, variant, fresh, {}, None, result=result, headers=headers)


async def edit_line(request: Request[Any, Any, Any], form: FormMultiDict) -> Response[bytes]:
    """A bag line's quantity set, or the line removed; the bag answers, the reason beside a refused line.

    Quantities are what the line should have, so a repeat changes nothing; a line already gone
    (a second "Remove") and a quantity of 0 both leave the line out.
    """
    ctx = await load_context(request, form_value(form, "product"))
    cart_id = parse_cart_id(form_value(form, "cart"))
    try:
        line_id = uuid.UUID(form_value(form, "line"))
    except ValueError:
        line_id = None
    if cart_id is None or line_id is None:
        raise ActionFailed("this change did not come from a bag's form")
    brand_id = ctx.principal.brand_id
    raw = form_value(form, "quantity")
    errors: dict[str, str] = {}
    message: str | None = None
    changed = gone = False
    try:
        if form_value(form, "remove") or raw == "0":
            await carts.remove_line(brand_id, cart_id, line_id)
        else:
            patch = msgspec.convert({"quantity": int(raw) if raw.isascii() and raw.isdigit() else raw}, LinePatch)
            await carts.update_line(brand_id, cart_id, line_id, patch)
        changed = True
    except msgspec.ValidationError:
        errors[str(line_id)] = add_to_cart.QUANTITY_HELP
    except carts.CartClosed:
        message = "This bag has been checked out, so it can no longer be changed."
    except NotFound:
        gone = True  # the line (or the bag) is gone already: show what there is
    except (InsufficientStock, InvalidInput) as exc:
        errors[str(line_id)] = sentence(exc.detail)
    cart = await loaders.read_cart(ctx, str(cart_id))
    headers = {"HX-Trigger-After-Swap": CART_CHANGED} if changed else None
    in_checkout = form_value(form, "answer") == "checkout"
    if changed or gone:
        went_through(request, cart=str(cart_id), view="checkout" if in_checkout else None)
    if in_checkout:
        props = await checkout.load_for(ctx, cart, line_errors=errors, message=message)
        return answer(fragment(request, ctx, "checkout", props), headers=headers)
    live = form_value(form, "live") == "1"
    return await _bag_answer(request, ctx, cart, live=live, errors=errors, message=message, headers=headers)


async def _bag_answer(
    request: Request[Any, Any, Any],
    ctx: LoadContext,
    cart: CartOut | None,
    *,
    live: bool,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response[bytes]:
    """The mini-cart as its own form left it (live or not), read as the component reads it."""
    props = await mini_cart.load_for(ctx, cart, live=live, errors=errors, message=message)
    return answer(fragment(request, ctx, "mini-cart", props), headers=headers)


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
    form: FormMultiDict | None = None,
) -> Response[bytes]:
    """The posting component again: the bag, personalise standalone, else add-to-cart (also inside the product page)."""
    if source == BAG:  # the bag's add-on, refused: the bag, with why
        live = form is not None and form_value(form, "live") == "1"
        text = message or next(iter(errors.values()), None)
        cart = await loaders.read_cart(ctx, state.cart)
        return await _bag_answer(request, ctx, cart, live=live, message=text)
    if source == "personalise":
        options = await loaders.personalisation_options(ctx) if product.made_to_order else []
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
        return answer(fragment(request, ctx, "personalise", props), headers=headers)
    state = msgspec.structs.replace(state, errors=errors, message=message)
    props = await add_to_cart.load_for(ctx, product, variant, source=source, form=state, result=result)
    return answer(fragment(request, ctx, "add-to-cart", props), headers=headers)


def _first(errors: dict[str, str], names: Iterable[str]) -> str | None:
    """The first error among ``names``: a standalone personalise has no other fields to show it by."""
    return next((errors[n] for n in names if n in errors), None)


async def ask_back_in_stock(request: Request[Any, Any, Any]) -> Response[bytes]:
    """``POST /v1/components/back-in-stock``: a sold-out buy box's "email me when it's back", answered by the box."""
    form = await request.form()
    source = form_value(form, "source")
    source = source if source in ("add-to-cart", "product-page") else "add-to-cart"
    ctx = await load_context(request, form_value(form, "product"), form_value(form, "variant"))
    product, variant = await ctx.product_and_variant()
    props = await add_to_cart.ask_back_in_stock(ctx, product, variant, form_value(form, "email"), source=source)
    return answer(fragment(request, ctx, "add-to-cart", props))
