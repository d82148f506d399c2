"""``mini-cart``: the shopper's cart at a glance: how many pieces, each line, the totals, the way to checkout.

Needs ``?cart=<id>``; without one (or for a cart of another brand, or one gone) it is an
empty bag, not an error: a page embeds the mini-cart before the shopper has added anything.
The embed loader passes the cart id it remembers for the brand's key. Each line says how it
comes (collected, by courier, made to order) and its promise as of now, so this component
depends on the instant and on the shopper: never cached (``cacheable=False``).

Every bag on the page listens for ``sk-cart`` (sent with ``HX-Trigger-After-Swap`` by the cart
actions) and fetches itself again, the copy the add-to-cart action returns under its button
included: a change made in one bag must show in all of them. The bag that acted fetches what it
already shows, one small read, which is the price of never showing a stale bag. ``data-sk-cart`` tells
the embed loader which cart this browser is using; an empty one, once the cart's order is paid
(or cancelled), tells it to start afresh next time. A cart checked out but not yet paid (the
shopper went to their bank, say) is kept, and links to its checkout to finish paying.

Without script its links lead to the brand's page (``checkout_page_url``) when it was
rendered into one, never to a bare fragment on this API's origin.

An open bag can be edited where it is shown: each line has a stepper (one fewer, one more) and a
remove button, small forms posting to the add-to-cart action with ``source=mini-cart`` (with
htmx, or as plain posts without a script; the checkout shows the same forms,
``_bag.html.jinja``). The buttons carry the quantity the line should have, not a step, so a
repeated post (a double click, a retried request) lands where the shopper meant; removing a line
already gone shows the bag as it is. A change answers this fragment with ``HX-Trigger-After-
Swap: sk-cart``, so every other bag on the page fetches itself again; a change refused (more
than can be had) answers it with the reason beside the line.

The bag suggests one add-on (:func:`pick_add_on`): the first product that pairs well with its
first line's (the ``pairs-well-with`` rule), smaller than it and micro or mini in size, that can
be had the way that line comes, with one button adding it the same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Literal

import msgspec

from components import loaders, pairs_well_with
from components.component import Component
from components.context import Links, LoadContext
from components.fulfilment_promise import promise_text
from components.size_guide import SIZE_CLASS_RULES
from storefront.cart.schemas import CartLineOut, CartOut, FulfilmentChoice
from storefront.catalog.rules import SIZE_CLASSES
from storefront.catalog.schemas import ProductOut, ProductSummary, VariantOut
from storefront.clock import utcnow
from storefront.errors import StallkitError
from storefront.fulfilment.rules import display_postcode
from storefront.money import Money
from storefront.tenancy.schemas import BrandOut

CartState = Literal["empty", "open", "checked_out"]
MAX_QUANTITY = 99  # the cart API's own limit for one line
ADD_ON_SIZES = frozenset({"micro", "mini"})  # small enough to ride along with a larger bag
ADD_ON_LOOKS = 6  # candidates read in full at most, whatever the catalogue's size


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
    max_quantity: int = MAX_QUANTITY
    error: str | None = None  # why the last change to this line was refused


class AddOn(msgspec.Struct, frozen=True, kw_only=True):
    """The one small piece the bag suggests, and the way its first line comes (the add-on goes the same way)."""

    product: str
    sku: str
    title: str
    variant_title: str
    size_class_label: str
    price: Money
    method: str
    location: str
    postcode: str


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
    action_url: str = ""  # where the line controls and the add-on post (the add-to-cart action)
    add_on: AddOn | None = None
    message: str | None = None  # a change no line explains (the bag was checked out meanwhile)
    checkout_page_url: str | None = None  # the brand's page showing the checkout, on a page rendered without script


def fulfilment_label(line: CartLineOut, location_names: Mapping[str, str]) -> str:
    choice = line.fulfilment
    if choice.method == "pickup":
        handle = choice.location or (line.promise.location if line.promise else None)
        if handle is None:
            return "Collect from a shop"
        return f"Collect at {location_names.get(handle) or handle.replace('-', ' ').title()}"
    if choice.method == "courier":
        return f"Courier to {display_postcode(choice.postcode)}" if choice.postcode else "Courier"
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
    errors: Mapping[str, str] | None = None,
    add_on: AddOn | None = None,
    message: str | None = None,
) -> MiniCartProps:
    """``errors`` are by line id: a change refused, shown beside its line."""
    names, errors = location_names or {}, errors or {}
    refresh = links.component("mini-cart", product=product)
    action = links.action("add-to-cart")
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
            action_url=action,
            message=message,
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
            error=errors.get(str(line.id)),
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
        action_url=action,
        add_on=add_on if state == "open" else None,
        message=message,
        checkout_page_url=links.page_link(cart=str(cart.id), view="checkout") if state != "empty" else None,
    )


def smaller(candidate: str, than: str) -> bool:
    """An add-on size: micro or mini, and below the bag it rides with."""
    return candidate in ADD_ON_SIZES and SIZE_CLASSES.index(candidate) < SIZE_CLASSES.index(than)


def had_that_way(product: ProductOut, variant: VariantOut, choice: FulfilmentChoice) -> bool:
    """Whether ``variant`` can come the way ``choice`` says, by the stock figures the product page shows."""
    stock = variant.stock
    if choice.method == "pickup":
        if choice.location is None:
            return stock.pickup > 0
        return any(s.location == choice.location and s.available > 0 for s in stock.by_location)
    if choice.method == "courier":
        return stock.courier > 0
    return product.made_to_order


def pick_add_on(
    first: ProductOut, choice: FulfilmentChoice, ranked: Sequence[ProductSummary], products: Mapping[str, ProductOut]
) -> AddOn | None:
    """The first of ``ranked`` (the pairs-well-with order) that is smaller and can be had by ``choice``.

    ``products`` holds the candidates read in full; one missing is passed over.
    """
    for summary in ranked:
        product = products.get(summary.handle)
        if product is None or not smaller(summary.size_class, first.size_class):
            continue
        variant = next((v for v in product.variants if had_that_way(product, v, choice)), None)
        if variant is None or variant.price.currency != first.price_from.currency:
            continue
        return AddOn(
            product=product.handle,
            sku=variant.sku,
            title=product.title,
            variant_title=variant.title,
            size_class_label=SIZE_CLASS_RULES[product.size_class][0],
            price=variant.price,
            method=choice.method,
            location=choice.location or "",
            postcode=choice.postcode or "",
        )
    return None


async def add_on_for(ctx: LoadContext, cart: CartOut | None) -> AddOn | None:
    """Reads for :func:`pick_add_on`, all through the catalogue's cached reads; bounded by :data:`ADD_ON_LOOKS`."""
    if cart is None or cart.status != "open" or not cart.lines:
        return None
    line = cart.lines[0]
    in_bag = {other.product for other in cart.lines}
    try:
        first = await dataclasses.replace(ctx, product_handle=line.product).product()
        if not any(smaller(size, first.size_class) for size in ADD_ON_SIZES):
            return None  # nothing is smaller than a micro bag: no need to read the pool
        pool = await loaders.pair_candidates(ctx, first)
        ranked = [
            c
            for c in pairs_well_with.rank(first, pool, limit=len(pool))
            if c.handle not in in_bag and c.in_stock and smaller(c.size_class, first.size_class)
        ][:ADD_ON_LOOKS]
        products = {c.handle: await dataclasses.replace(ctx, product_handle=c.handle).product() for c in ranked}
    except StallkitError:  # a product gone since it was added: no suggestion rather than no bag
        return None
    return pick_add_on(first, line.fulfilment, ranked, products)


async def load_for(
    ctx: LoadContext,
    cart: CartOut | None,
    *,
    product: str | None = None,
    live: bool = True,
    errors: Mapping[str, str] | None = None,
    message: str | None = None,
) -> MiniCartProps:
    """:func:`build` for ``ctx`` as of now, with the cart's shop names and add-on; the bag's form answers with it."""
    names = await loaders.location_names(ctx) if cart is not None and cart.lines else {}
    return build(
        cart,
        ctx.links,
        ctx.brand,
        utcnow(),
        product=product or ctx.product_handle,
        location_names=names,
        live=live,
        errors=errors,
        add_on=await add_on_for(ctx, cart),
        message=message,
    )


async def load(ctx: LoadContext) -> MiniCartProps:
    return await load_for(ctx, await loaders.read_cart(ctx, ctx.param("cart")))


COMPONENT = Component(
    name="mini-cart",
    title="Mini cart",
    props_type=MiniCartProps,
    load=load,
    needs_product=False,
    interactive=True,
    cacheable=False,
)
