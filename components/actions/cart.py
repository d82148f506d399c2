"""``POST /v1/components/add-to-cart``: a line into the shopper's cart, answered by the component that posted it.

The form is turned into the cart API's :class:`~storefront.cart.schemas.LineIn`, so a bad field
is refused by the same validation as an API client's, then mapped back beside its field. The
cart is started here when the form has none, or one that can no longer take lines (checked
out, another brand's, gone): a shopper's stale id must never stop them adding to a bag.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec
from litestar import Request, Response

from components import add_to_cart, loaders, mini_cart, personalise
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
from components.actions.request import load_context
from components.add_to_cart import SOURCES, AddToCartForm
from components.context import LoadContext
from storefront.analytics.schemas import EventIn
from storefront.cart import service as carts
from storefront.cart.schemas import CartIn, CartOut, LineIn
from storefront.catalog.schemas import ProductOut, VariantOut
from storefront.clock import utcnow
from storefront.errors import InvalidInput, NotFound

CART_CHANGED = "sk-cart"  # the event a live mini-cart listens for


async def add_line(request: Request[Any, Any, Any]) -> Response[bytes]:
    form = await request.form()
    source = form_value(form, "source")
    source = source if source in SOURCES else "add-to-cart"
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
        cart=form_value(form, "cart"),
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
    except InvalidInput as exc:
        state = msgspec.structs.replace(state, cart=str(cart_id) if cart_id else "")
        errors, message = field_errors(exc.errors, handles, friendly=False)
        if not exc.errors:
            message = sentence(exc.detail)
        return await _add_answer(request, ctx, source, product, variant, state, errors, message)
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
    names = await loaders.location_names(ctx)
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
