"""Carts: add, change and remove lines; add a whole look; read a cart priced and promised as of now.

Adding a line checks everything a shopper can get wrong up front (the SKU, the currency, the
fulfilment choice, the personalisation) and asks the promise engine whether the line can be
had that way at all, so a cart never holds a line that checkout would refuse for its shape.
Stock and capacity are *not* held here: checkout takes them, under locks.
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable
from datetime import datetime
from typing import Any

import msgspec
from tortoise.transactions import in_transaction

from storefront.cache import VersionedCache
from storefront.cart import pricing
from storefront.cart.models import Cart, CartLine
from storefront.cart.schemas import (
    CartIn,
    CartLineOut,
    CartOut,
    CartTotals,
    FulfilmentChoice,
    LineIn,
    LinePatch,
    LookToCartIn,
    OrderRef,
    PersonalisationIn,
    PersonalisationOut,
)
from storefront.catalog.models import Variant
from storefront.clock import utcnow
from storefront.errors import (
    Conflict,
    FieldError,
    InsufficientStock,
    InvalidInput,
    NotFound,
    StallkitError,
    raise_field_errors,
)
from storefront.fulfilment import rules as fulfilment_rules
from storefront.fulfilment import service as fulfilment
from storefront.fulfilment.models import PersonalisationOption
from storefront.fulfilment.promise import Quote
from storefront.fulfilment.service import QuoteInputs
from storefront.lookbooks.models import Look, LookItem
from storefront.money import Money
from storefront.tenancy.service import brand_currency

MAX_LINES = 50
MAX_QUANTITY = 99


class CartClosed(Conflict):
    code = "cart_checked_out"
    title = "Cart already checked out"


class CurrencyMismatchError(InvalidInput):
    code = "currency_mismatch"
    title = "Currency does not match"


# --- reading ----------------------------------------------------------------------------------


async def _cart(brand_id: uuid.UUID, cart_id: uuid.UUID) -> Cart:
    cart = await Cart.get_or_none(id=cart_id, brand_id=brand_id)
    if cart is None:
        raise NotFound("no such cart", errors=[FieldError("path.cart_id", "no such cart")])
    return cart


async def _open_cart(brand_id: uuid.UUID, cart_id: uuid.UUID) -> Cart:
    cart = await _cart(brand_id, cart_id)
    if cart.status != "open":
        raise CartClosed("this cart has been checked out; start a new cart", errors=[])
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
    return await fulfilment.quote(
        brand_id,
        sku,
        choice.method,
        postcode=choice.postcode,
        location=choice.location if choice.method == "pickup" else None,
        now=now,
        version=quotes.version if quotes else None,
        cache=quotes.cache if quotes else None,
    )


def _choice(line: CartLine) -> FulfilmentChoice:
    return FulfilmentChoice(method=line.method, location=line.location, postcode=line.postcode)  # type: ignore[arg-type]


async def get_cart(
    brand_id: uuid.UUID, cart_id: uuid.UUID, *, now: datetime | None = None, quotes: QuoteCache | None = None
) -> CartOut:
    return await cart_out(await _cart(brand_id, cart_id), now=now or utcnow(), quotes=quotes)


async def cart_out(cart: Cart, *, now: datetime, quotes: QuoteCache | None = None) -> CartOut:
    lines = await CartLine.filter(cart_id=cart.id).order_by("created_at", "id").prefetch_related("variant__product")
    options = await _options_by_handle(cart.brand_id)  # type: ignore[attr-defined]
    line_quotes: dict[uuid.UUID, Quote | None] = {}
    problems: dict[uuid.UUID, str] = {}
    for line in lines:
        try:
            line_quotes[line.id] = await line_quote(cart.brand_id, line.variant.sku, _choice(line), now, quotes)  # type: ignore[attr-defined]
        except StallkitError as exc:
            line_quotes[line.id], problems[line.id] = None, exc.detail
    inputs, fees = price_inputs(lines, line_quotes, options)
    priced = pricing.price_cart(inputs, fees, cart.currency)
    order = await _order_ref(cart)
    out_lines = [_line_out(line, priced, line_quotes[line.id], problems.get(line.id), options) for line in lines]
    return CartOut(
        id=cart.id,
        status=cart.status,  # type: ignore[arg-type]
        currency=cart.currency,
        lines=out_lines,
        totals=CartTotals(
            subtotal=priced.money(priced.subtotal),
            fulfilment=priced.money(priced.fulfilment),
            discount=priced.money(priced.discount),
            total=priced.money(priced.total),
            units=sum(line.quantity for line in lines),
        ),
        order=order,
        created_at=cart.created_at,
        updated_at=cart.updated_at,
    )


async def _order_ref(cart: Cart) -> OrderRef | None:
    from storefront.orders.models import Order  # orders build on carts, not the other way round

    rows = await Order.filter(cart_id=cart.id).values_list("id", "number", "status")
    return OrderRef(id=rows[0][0], number=rows[0][1], status=rows[0][2]) if rows else None


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


def _line_out(
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
        fulfilment=_choice(line),
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


async def _options_by_handle(brand_id: uuid.UUID) -> dict[str, PersonalisationOption]:
    return {o.handle: o for o in await PersonalisationOption.filter(brand_id=brand_id)}


# --- writing ----------------------------------------------------------------------------------


async def create_cart(brand_id: uuid.UUID, data: CartIn) -> CartOut:
    currency = await brand_currency(brand_id)
    if data.currency is not None and data.currency != currency:
        raise CurrencyMismatchError(
            f"this shop sells in {currency}, not {data.currency}",
            errors=[FieldError("body.currency", f"must be {currency}")],
        )
    cart = await Cart.create(brand_id=brand_id, currency=currency)
    return await cart_out(cart, now=utcnow())


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


async def _checked_line(
    brand_id: uuid.UUID,
    cart: Cart,
    sku: str,
    choice: FulfilmentChoice,
    personalisation: list[PersonalisationIn],
    prefix: str,
    now: datetime,
    quotes: QuoteCache | None = None,
) -> tuple[Variant, FulfilmentChoice, list[dict[str, str]]]:
    """Everything that makes a line acceptable, every problem at once; the variant, normalised choice."""
    variant = await Variant.get_or_none(brand_id=brand_id, sku=sku).prefetch_related("product")
    if variant is None:
        raise NotFound(f"no variant with SKU {sku!r}", errors=[FieldError(f"{prefix}.sku", "no such SKU")])
    if variant.currency != cart.currency:
        raise CurrencyMismatchError(
            f"{sku} is priced in {variant.currency} but the cart is in {cart.currency}",
            errors=[FieldError(f"{prefix}.sku", f"priced in {variant.currency}, cart in {cart.currency}")],
        )
    errors: list[FieldError] = []
    postcode = choice.postcode
    if choice.method == "courier":
        postcode = fulfilment_rules.normalise_postcode(postcode) if postcode else None
        if not postcode:
            errors.append(FieldError(f"{prefix}.fulfilment.postcode", "a courier delivery needs a postcode"))
    elif postcode is not None:
        postcode = None  # only a courier goes to a postcode; ignore it rather than store a misleading one
    location = choice.location if choice.method == "pickup" else None
    if personalisation and choice.method != "made_to_order":
        errors.append(FieldError(f"{prefix}.personalisation", "only made-to-order pieces can be personalised"))
    options = await _options_by_handle(brand_id)
    seen: set[str] = set()
    for i, item in enumerate(personalisation):
        field = f"{prefix}.personalisation[{i}]"
        option = options.get(item.option)
        if option is None:
            errors.append(FieldError(f"{field}.option", f"no personalisation option {item.option!r}"))
            continue
        if item.option in seen:
            errors.append(FieldError(f"{field}.option", "given twice"))
        seen.add(item.option)
        problem = fulfilment_rules.personalisation_problem(
            item.value, allowed_values=option.allowed_values, pattern=option.pattern, max_length=option.max_length
        )
        if problem:
            errors.append(FieldError(f"{field}.value", problem))
    raise_field_errors(errors)
    normalised = FulfilmentChoice(method=choice.method, location=location, postcode=postcode)
    try:
        await line_quote(brand_id, sku, normalised, now, quotes)
    except StallkitError as exc:
        if isinstance(exc, NotFound):
            raise
        raise quote_problem(exc, prefix) from None
    return variant, normalised, [{"option": p.option, "value": p.value} for p in personalisation]


async def add_line(
    brand_id: uuid.UUID,
    cart_id: uuid.UUID,
    data: LineIn,
    *,
    now: datetime | None = None,
    quotes: QuoteCache | None = None,
) -> CartOut:
    """Add ``data`` to the cart; the same SKU, fulfilment and personalisation again adds to that line."""
    now = now or utcnow()
    cart = await _open_cart(brand_id, cart_id)
    variant, choice, personalisation = await _checked_line(
        brand_id, cart, data.sku, data.fulfilment, data.personalisation, "body", now, quotes
    )
    async with in_transaction():
        cart = await Cart.filter(id=cart.id).select_for_update().get()
        if cart.status != "open":
            raise CartClosed("this cart has been checked out; start a new cart")
        same = await CartLine.filter(
            cart_id=cart.id,
            variant_id=variant.id,
            method=choice.method,
            location=choice.location,
            postcode=choice.postcode,
            bundle=None,
        )
        match = next((line for line in same if line.personalisation == personalisation), None)
        if match is not None:
            quantity = match.quantity + data.quantity
            if quantity > MAX_QUANTITY:
                raise_field_errors([FieldError("body.quantity", f"at most {MAX_QUANTITY} of one item per cart")])
            match.quantity = quantity
            await match.save(update_fields=["quantity"])
        else:
            if await CartLine.filter(cart_id=cart.id).count() >= MAX_LINES:
                raise_field_errors([FieldError("body", f"a cart holds at most {MAX_LINES} lines")])
            await CartLine.create(
                cart_id=cart.id,
                variant_id=variant.id,
                quantity=data.quantity,
                method=choice.method,
                location=choice.location,
                postcode=choice.postcode,
                personalisation=personalisation,
            )
        await Cart.filter(id=cart.id).update(updated_at=now)
    return await cart_out(await _cart(brand_id, cart_id), now=now, quotes=quotes)


async def _line(cart: Cart, line_id: uuid.UUID) -> CartLine:
    line = await CartLine.get_or_none(id=line_id, cart_id=cart.id)
    if line is None:
        raise NotFound("no such line in this cart", errors=[FieldError("path.line_id", "no such line")])
    return line


async def update_line(
    brand_id: uuid.UUID, cart_id: uuid.UUID, line_id: uuid.UUID, data: LinePatch, *, quotes: QuoteCache | None = None
) -> CartOut:
    cart = await _open_cart(brand_id, cart_id)
    line = await _line(cart, line_id)
    line.quantity = data.quantity
    await line.save(update_fields=["quantity"])
    await Cart.filter(id=cart.id).update(updated_at=utcnow())
    return await cart_out(await _cart(brand_id, cart_id), now=utcnow(), quotes=quotes)


async def remove_line(
    brand_id: uuid.UUID, cart_id: uuid.UUID, line_id: uuid.UUID, *, quotes: QuoteCache | None = None
) -> CartOut:
    cart = await _open_cart(brand_id, cart_id)
    line = await _line(cart, line_id)
    await line.delete()
    await Cart.filter(id=cart.id).update(updated_at=utcnow())
    return await cart_out(await _cart(brand_id, cart_id), now=utcnow(), quotes=quotes)


async def add_look(
    brand_id: uuid.UUID,
    cart_id: uuid.UUID,
    data: LookToCartIn,
    *,
    now: datetime | None = None,
    quotes: QuoteCache | None = None,
) -> CartOut:
    """Every item of a look, one unit each, as one bundle earning the look's discount while whole.

    An item styled as a product (no SKU) is added as the product's first variant.
    """
    now = now or utcnow()
    cart = await _open_cart(brand_id, cart_id)
    look = await Look.get_or_none(id=data.look, lookbook__brand_id=brand_id, lookbook__handle=data.lookbook)
    if look is None:
        raise NotFound("no such look in that lookbook", errors=[FieldError("body.look", "no such look")])
    items = await LookItem.filter(look_id=look.id).order_by("position").values_list("product_id", "variant_id")
    skus: list[str] = []
    for product_id, variant_id in items:
        query = Variant.filter(id=variant_id) if variant_id else Variant.filter(product_id=product_id)
        sku = await query.order_by("position", "id").first().values_list("sku", flat=True)
        if sku:
            skus.append(sku)  # type: ignore[arg-type]
    checked = [
        await _checked_line(brand_id, cart, sku, data.fulfilment, [], f"body.items[{i}]", now, quotes)
        for i, sku in enumerate(skus)
    ]
    bundle = uuid.uuid4()
    async with in_transaction():
        cart = await Cart.filter(id=cart.id).select_for_update().get()
        if cart.status != "open":
            raise CartClosed("this cart has been checked out; start a new cart")
        if await CartLine.filter(cart_id=cart.id).count() + len(checked) > MAX_LINES:
            raise_field_errors([FieldError("body", f"a cart holds at most {MAX_LINES} lines")])
        for variant, choice, _ in checked:
            await CartLine.create(
                cart_id=cart.id,
                variant_id=variant.id,
                quantity=1,
                method=choice.method,
                location=choice.location,
                postcode=choice.postcode,
                bundle=bundle,
                bundle_size=len(checked),
                bundle_discount_bp=look.bundle_discount_bp,
                look=f"{data.lookbook}/{look.id}",
            )
        await Cart.filter(id=cart.id).update(updated_at=now)
    return await cart_out(await _cart(brand_id, cart_id), now=now, quotes=quotes)
