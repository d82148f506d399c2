"""A cart as its shopper sees it: every line priced and promised as of the request.

Nothing here writes. Checkout reuses these rules (the line's quote, its fulfilment group, the
price inputs) so that what the shopper saw is what the order is made of.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime
from typing import Any, cast

import msgspec

from storefront.cache import VersionedCache
from storefront.cart import credits, pricing
from storefront.cart.models import Cart, CartLine
from storefront.cart.schemas import (
    CartLineOut,
    CartOut,
    CartStatus,
    CartTotals,
    FulfilmentChoice,
    Method,
    OrderRef,
    PersonalisationOut,
)
from storefront.catalog import Variant
from storefront.errors import (
    FieldError,
    InsufficientStock,
    InvalidInput,
    NotFound,
    StallkitError,
)
from storefront.fulfilment import PersonalisationOption, Quote, QuoteInputs, quoting
from storefront.money import Money


async def find_cart(brand_id: uuid.UUID, cart_id: uuid.UUID) -> Cart:
    cart = await Cart.get_or_none(id=cart_id, brand_id=brand_id)
    if cart is None:
        raise NotFound("no such cart", errors=[FieldError("path.cart_id", "no such cart")])
    return cart


def group_key(line: CartLine | Any, quote: Quote | None) -> Hashable:
    """Lines that travel together: same method and place (and, for couriers, the same address)."""
    if quote is None:
        return ("unpriced", line.id)
    if quote.method == "courier":
        return ("courier", quote.zone, line.postcode)
    return (quote.method, quote.location)


class QuoteCache(msgspec.Struct, frozen=True):
    """The brand's catalogue version and the app's quote cache: reads may reuse quote inputs."""

    version: int
    cache: VersionedCache[QuoteInputs]


async def line_quote(
    brand_id: uuid.UUID, sku: str, choice: FulfilmentChoice, now: datetime, quotes: QuoteCache | None = None
) -> Quote:
    """The promise for one unit of ``sku`` as ``choice`` says; :class:`QuoteUnavailable` if none.

    Checkout passes no ``quotes``: what it holds is decided on fresh rows.
    """
    return await quoting.quote(
        brand_id,
        sku,
        choice.method,
        postcode=choice.postcode,
        location=choice.location if choice.method == "pickup" else None,
        now=now,
        version=quotes.version if quotes else None,
        cache=quotes.cache if quotes else None,
    )


def choice_of(line: CartLine) -> FulfilmentChoice:
    return FulfilmentChoice(method=cast("Method", line.method), location=line.location, postcode=line.postcode)


OrderRefs = Callable[[uuid.UUID, uuid.UUID], Awaitable[OrderRef | None]]
"""How a cart finds the order it became: ``orders`` provides it (carts come before orders, so never import them)."""


async def cart_out(
    cart: Cart,
    *,
    now: datetime,
    quotes: QuoteCache | None = None,
    orders: OrderRefs | None = None,
    new: bool = False,
    lines: list[CartLine] | None = None,
) -> CartOut:
    """The cart priced and promised as of ``now``; a checked-out cart names its order when ``orders`` is given.

    ``new``: the cart was created just now, so it has no lines or credits to read. ``lines``: the
    cart's lines, each with its variant and product, when the caller has them all (it just wrote them).
    """
    if lines is None:
        lines = [] if new else await lines_of(cart.id)
    options = await options_for(cart.brand_id, lines)
    line_quotes: dict[uuid.UUID, Quote | None] = {}
    problems: dict[uuid.UUID, str] = {}
    for line in lines:
        try:
            line_quotes[line.id] = await line_quote(cart.brand_id, line.variant.sku, choice_of(line), now, quotes)
        except StallkitError as exc:
            line_quotes[line.id], problems[line.id] = None, exc.detail
    inputs, fees = price_inputs(lines, line_quotes, options)
    priced = pricing.price_cart(inputs, fees, cart.currency)
    order = await orders(cart.id, cart.brand_id) if orders is not None and cart.status != "open" else None
    out_lines = [line_out(line, priced, line_quotes[line.id], problems.get(line.id), options) for line in lines]
    applied = await credits.credits_out(cart, priced.total, now) if cart.status == "open" and not new else []
    paid_by_credit = sum(c.applies.amount for c in applied)
    return CartOut(
        id=cart.id,
        status=cast("CartStatus", cart.status),
        currency=cart.currency,
        lines=out_lines,
        totals=CartTotals(
            subtotal=priced.money(priced.subtotal),
            fulfilment=priced.money(priced.fulfilment),
            discount=priced.money(priced.discount),
            total=priced.money(priced.total),
            units=sum(line.quantity for line in lines),
            credit=priced.money(paid_by_credit),
            due=priced.money(priced.total - paid_by_credit),
        ),
        credits=applied,
        order=order,
        created_at=cart.created_at,
        updated_at=cart.updated_at,
    )


def personalisation_price(line: CartLine, options: dict[str, PersonalisationOption]) -> int:
    return sum(options[p["option"]].price_minor for p in line.personalisation if p["option"] in options)


def price_inputs(
    lines: list[CartLine], quotes: dict[uuid.UUID, Quote | None], options: dict[str, PersonalisationOption]
) -> tuple[list[pricing.LineInput], dict[Hashable, Money]]:
    """What :func:`pricing.price_cart` needs: per-line prices and each fulfilment group's fee."""
    inputs = []
    fees: dict[Hashable, Money] = {}
    for line in lines:
        quote = quotes.get(line.id)
        group = group_key(line, quote)
        if quote is not None:
            fees[group] = quote.price
        inputs.append(
            pricing.LineInput(
                key=line.id,
                unit_price=line.variant.price_minor + personalisation_price(line, options),
                quantity=line.quantity,
                group=group,
                bundle=line.bundle,
                bundle_size=line.bundle_size,
                bundle_discount_bp=line.bundle_discount_bp,
            )
        )
    return inputs, fees


def line_out(
    line: CartLine,
    priced: pricing.CartPrice,
    quote: Quote | None,
    problem: str | None,
    options: dict[str, PersonalisationOption],
) -> CartLineOut:
    variant: Variant = line.variant
    product = variant.product
    price = priced.lines[line.id]
    images = product.images or []
    return CartLineOut(
        id=line.id,
        sku=variant.sku,
        product=product.handle,
        title=product.title,
        variant_title=variant.title,
        image=images[0].get("url") if images else None,
        quantity=line.quantity,
        fulfilment=choice_of(line),
        personalisation=[
            PersonalisationOut(
                option=p["option"],
                label=options[p["option"]].label if p["option"] in options else p["option"],
                value=p["value"],
                price=priced.money(options[p["option"]].price_minor if p["option"] in options else 0),
            )
            for p in line.personalisation
        ],
        unit_price=priced.money(variant.price_minor + personalisation_price(line, options)),
        subtotal=priced.money(price.subtotal),
        discount=priced.money(price.discount),
        total=priced.money(price.total),
        look=line.look,
        promise=quote,
        problem=problem,
    )


async def options_by_handle(brand_id: uuid.UUID) -> dict[str, PersonalisationOption]:
    return {o.handle: o for o in await PersonalisationOption.filter(brand_id=brand_id)}


async def options_for(brand_id: uuid.UUID, lines: list[CartLine]) -> dict[str, PersonalisationOption]:
    """The options ``lines`` are personalised with; none read when no line is (they price and name nothing else)."""
    return await options_by_handle(brand_id) if any(line.personalisation for line in lines) else {}


async def lines_of(cart_id: uuid.UUID) -> list[CartLine]:
    """The cart's lines in the order added, each with its variant and product: one query (a join)."""
    return list(await CartLine.filter(cart_id=cart_id).order_by("created_at", "id").select_related("variant__product"))


_STOCK_REASONS = frozenset({"no_pickup_stock", "no_courier_stock"})


def quote_problem(exc: StallkitError, prefix: str) -> StallkitError:
    """The error for a line that cannot be promised: sold out is a 409 ``out_of_stock``, the rest 422."""
    errors = _quote_errors(exc, prefix)
    if exc.code in _STOCK_REASONS:
        return InsufficientStock(exc.detail, errors=[FieldError(f"{prefix}.quantity", exc.detail)])
    return InvalidInput(exc.detail, errors=errors)


def _quote_errors(exc: StallkitError, prefix: str) -> list[FieldError]:
    """A quote problem's fields, renamed from the quote's query to where they are in the body."""
    renames = {
        "query.postcode": f"{prefix}.fulfilment.postcode",
        "query.variant": f"{prefix}.sku",
        "query.method": f"{prefix}.fulfilment.method",
    }
    return [FieldError(renames.get(e.field, e.field), e.message) for e in exc.errors] or [
        FieldError(f"{prefix}.fulfilment", exc.detail)
    ]
