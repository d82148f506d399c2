"""``mini-cart``: the shopper's cart at a glance: how many pieces, each line, the totals, the way to checkout.

Needs ``?cart=<id>``; without one (or for a cart of another brand, or one gone) it is an
empty bag, not an error: a page embeds the mini-cart before the shopper has added anything.
The embed loader passes the cart id it remembers for the brand's key. Each line says how it
comes (collected, by courier, made to order) and its promise as of now, so this component
depends on the instant and on the shopper: never cached (``cacheable=False``).

A mini-cart placed on the host page listens for ``sk-cart`` (sent with ``HX-Trigger-After-Swap``
by the add-to-cart action) and fetches itself again; the copy the action returns under the
add-to-cart button does not, or it would fetch what it already shows. ``data-sk-cart`` tells
the embed loader which cart this browser is using; an empty one, once the cart's order is paid
(or cancelled), tells it to start afresh next time. A cart checked out but not yet paid (the
shopper went to their bank, say) is kept, and links to its checkout to finish paying.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Literal

import msgspec

from components import loaders
from components.component import Component
from components.context import Links, LoadContext
from components.fulfilment_promise import promise_text
from storefront.cart.schemas import CartLineOut, CartOut
from storefront.clock import utcnow
from storefront.money import Money
from storefront.tenancy.schemas import BrandOut

CartState = Literal["empty", "open", "checked_out"]


class MiniCartLine(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    product: str
    sku: str
    title: str
    variant_title: str
    quantity: int
    method: str
    fulfilment: str  # "Collect at Market Street", "Courier to E2 7RG", "Made to order"
    promise: str | None  # as of this read
    problem: str | None  # why no promise can be made now
    personalisation: list[str]  # "Monogram: ABC"
    total: Money


class MiniCartProps(msgspec.Struct, frozen=True, kw_only=True):
    product: str | None  # the product of the page it sits on, if any: analytics tags it
    cart: str | None
    state: CartState
    lines: list[MiniCartLine]
    units: int
    subtotal: Money | None
    fulfilment: Money | None
    discount: Money | None
    total: Money | None
    order_number: str | None
    order_status: str | None
    checkout_url: str | None  # the checkout component for this cart (its payment step, or the order)
    refresh_url: str  # this component; the embed loader adds the cart it remembers
    live: bool  # fetch itself again when a line is added elsewhere on the page
    locale: str


def fulfilment_label(line: CartLineOut, location_names: Mapping[str, str]) -> str:
    choice = line.fulfilment
    if choice.method == "pickup":
        handle = choice.location or (line.promise.location if line.promise else None)
        if handle is None:
            return "Collect from a shop"
        return f"Collect at {location_names.get(handle) or handle.replace('-', ' ').title()}"
    if choice.method == "courier":
        return f"Courier to {choice.postcode}" if choice.postcode else "Courier"
    return "Made to order"


def build(
    cart: CartOut | None,
    links: Links,
    brand: BrandOut,
    now: datetime,
    *,
    product: str | None = None,
    location_names: Mapping[str, str] | None = None,
    live: bool = True,
) -> MiniCartProps:
    names = location_names or {}
    refresh = links.component("mini-cart", product=product)
    if cart is None:
        return MiniCartProps(
            product=product,
            cart=None,
            state="empty",
            lines=[],
            units=0,
            subtotal=None,
            fulfilment=None,
            discount=None,
            total=None,
            order_number=None,
            order_status=None,
            checkout_url=None,
            refresh_url=refresh,
            live=live,
            locale=brand.locale,
        )
    lines = [
        MiniCartLine(
            id=str(line.id),
            product=line.product,
            sku=line.sku,
            title=line.title,
            variant_title=line.variant_title,
            quantity=line.quantity,
            method=line.fulfilment.method,
            fulfilment=fulfilment_label(line, names),
            promise=promise_text(line.promise, now, brand.locale, names.get(line.promise.location))
            if line.promise
            else None,
            problem=line.problem,
            personalisation=[f"{p.label}: {p.value}" for p in line.personalisation],
            total=line.total,
        )
        for line in cart.lines
    ]
    state: CartState = "checked_out" if cart.status == "checked_out" else ("open" if lines else "empty")
    totals = cart.totals
    return MiniCartProps(
        product=product,
        cart=str(cart.id),
        state=state,
        lines=lines,
        units=totals.units,
        subtotal=totals.subtotal,
        fulfilment=totals.fulfilment,
        discount=totals.discount,
        total=totals.total,
        order_number=cart.order.number if cart.order else None,
        order_status=cart.order.status if cart.order else None,
        checkout_url=links.component("checkout", product=product, cart=str(cart.id)) if state != "empty" else None,
        refresh_url=refresh,
        live=live,
        locale=brand.locale,
    )


async def load(ctx: LoadContext) -> MiniCartProps:
    cart = await loaders.read_cart(ctx, ctx.param("cart"))
    names = await loaders.location_names(ctx) if cart is not None and cart.lines else {}
    return build(cart, ctx.links, ctx.brand, utcnow(), product=ctx.product_handle, location_names=names)


COMPONENT = Component(
    name="mini-cart",
    title="Mini cart",
    props_type=MiniCartProps,
    load=load,
    needs_product=False,
    interactive=True,
    cacheable=False,
)
