"""Carts: start one, add, change and remove lines, add a whole look (reading is :mod:`.view`).

Adding a line checks everything a shopper can get wrong up front (the SKU, the currency, the
fulfilment choice, the personalisation) and asks the promise engine whether the line can be
had that way at all, so a cart never holds a line that checkout would refuse for its shape.
Stock and capacity are *not* held here: checkout takes them, under locks. A line is still never
accepted for more than can be had its way (:mod:`.availability`): what the bag already holds of
the same thing counts, and a quantity raised by ``PATCH`` is checked the same way.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from tortoise.transactions import in_transaction

from storefront.cart import availability, view
from storefront.cart.models import Cart, CartLine
from storefront.cart.schemas import (
    CartIn,
    CartOut,
    FulfilmentChoice,
    LineIn,
    LinePatch,
    LookToCartIn,
    Method,
    PersonalisationIn,
)
from storefront.catalog import Variant
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
from storefront.fulfilment import Quote, promise, quoting
from storefront.fulfilment import rules as fulfilment_rules
from storefront.inventory import Location
from storefront.lookbooks import Look, LookItem
from storefront.tenancy import brand_currency

MAX_LINES = 50
MAX_QUANTITY = 99


class CartClosed(Conflict):
    code = "cart_checked_out"
    title = "Cart already checked out"


class CurrencyMismatchError(InvalidInput):
    code = "currency_mismatch"
    title = "Currency does not match"


async def _open_cart(brand_id: uuid.UUID, cart_id: uuid.UUID) -> Cart:
    cart = await view.find_cart(brand_id, cart_id)
    if cart.status != "open":
        raise CartClosed("this cart has been checked out; start a new cart", errors=[])
    return cart


async def get_cart(
    brand_id: uuid.UUID,
    cart_id: uuid.UUID,
    *,
    orders: view.OrderRefs,
    now: datetime | None = None,
    quotes: view.QuoteCache | None = None,
) -> CartOut:
    """The cart as of now; once checked out, with its order (found through ``orders``)."""
    cart = await view.find_cart(brand_id, cart_id)
    return await view.cart_out(cart, now=now or utcnow(), quotes=quotes, orders=orders)


async def shown(
    cart: Cart, *, orders: view.OrderRefs, now: datetime | None = None, quotes: view.QuoteCache | None = None
) -> CartOut:
    """:func:`get_cart` of a cart in hand: one a change just read under its lock is current, so not read again."""
    return await view.cart_out(cart, now=now or utcnow(), quotes=quotes, orders=orders)


async def create_cart(brand_id: uuid.UUID, data: CartIn) -> CartOut:
    currency = await brand_currency(brand_id)
    if data.currency is not None and data.currency != currency:
        raise CurrencyMismatchError(
            f"this shop sells in {currency}, not {data.currency}",
            errors=[FieldError("body.currency", f"must be {currency}")],
        )
    cart = await Cart.create(brand_id=brand_id, currency=currency)
    return await view.cart_out(cart, now=utcnow(), new=True)


async def _checked_line(
    brand_id: uuid.UUID,
    cart: Cart,
    sku: str,
    choice: FulfilmentChoice,
    personalisation: list[PersonalisationIn],
    prefix: str,
    now: datetime,
    quotes: view.QuoteCache | None = None,
) -> tuple[Variant, FulfilmentChoice, list[dict[str, str]], Quote]:
    """Everything that makes a line acceptable, every problem at once; the variant, normalised choice, promise."""
    variant = await Variant.get_or_none(brand_id=brand_id, sku=sku).select_related("product")
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
    options = await view.options_by_handle(brand_id) if personalisation else {}
    seen: set[str] = set()
    stitched: list[dict[str, str]] = []  # the values as they will be stitched (a monogram in capitals)
    for i, item in enumerate(personalisation):
        field = f"{prefix}.personalisation[{i}]"
        option = options.get(item.option)
        if option is None:
            errors.append(FieldError(f"{field}.option", f"no personalisation option {item.option!r}"))
            continue
        if item.option in seen:
            errors.append(FieldError(f"{field}.option", "given twice"))
        seen.add(item.option)
        value = fulfilment_rules.personalisation_value(item.value, kind=option.kind)
        stitched.append({"option": item.option, "value": value})
        problem = fulfilment_rules.personalisation_problem(
            value, allowed_values=option.allowed_values, pattern=option.pattern, max_length=option.max_length
        )
        if problem:
            errors.append(FieldError(f"{field}.value", problem))
    raise_field_errors(errors)
    normalised = FulfilmentChoice(method=choice.method, location=location, postcode=postcode)
    try:
        quote = await view.line_quote(brand_id, sku, normalised, now, quotes)
    except StallkitError as exc:
        if isinstance(exc, NotFound):
            raise
        raise view.quote_problem(exc, prefix) from None
    return variant, normalised, stitched, quote


@dataclass(frozen=True)
class _Limit:
    """How many units ``variant`` can be had by its line's way, and which bag lines draw on the same."""

    available: int
    place: str | None  # the pickup shop's name, for the sentence
    same: Callable[[CartLine], bool]


async def _limit(brand_id: uuid.UUID, variant: Variant, quote: Quote, now: datetime, wanted: int) -> _Limit:
    """The figure the promise engine counts from, read fresh: a cart write is no place for a cached one.

    ``wanted`` bounds the made-to-order count (past it the exact figure changes nothing).
    """
    if quote.method == "pickup":
        points = await quoting.pickup_rules(brand_id, variant.id)
        best = promise.quote_pickup(points, now, variant.currency)  # where a line with no shop chosen is collected
        default = best.location if isinstance(best, Quote) else None
        place = await Location.filter(brand_id=brand_id, handle=quote.location).first().values_list("name", flat=True)
        return _Limit(
            available=next((p.available for p in points if p.location == quote.location), 0),
            place=cast("str | None", place) or quote.location,
            same=lambda line: (
                line.variant_id == variant.id
                and line.method == "pickup"
                and (line.location or default) == quote.location
            ),
        )
    if quote.method == "courier":
        zones = await quoting.courier_zones(brand_id, variant.id)
        zone = next((z for z, _ in zones if z.zone == quote.zone), None)
        return _Limit(
            available=zone.hub_available + zone.network_available if zone else 0,
            place=None,
            same=lambda line: line.variant_id == variant.id and line.method == "courier",
        )
    factories = await quoting.microfactory_rules(brand_id, now)
    factory = next((f for f in factories if f.location == quote.location), None)
    return _Limit(
        available=availability.free_production_starts(factory, now, wanted) if factory else 0,
        place=None,
        same=lambda line: line.method == "made_to_order",  # the workroom's capacity is shared by every piece
    )


def _refuse_past(
    limit: _Limit, lines: list[CartLine], asked: int, variant: Variant, method: str, *, field: str, but: object = None
) -> None:
    """Raise a 409 ``out_of_stock`` naming the piece when ``asked`` more (beside the bag's own) exceed the limit.

    ``but`` is a line left out of the count: the one whose quantity is being set.
    """
    in_bag = sum(line.quantity for line in lines if line.id != but and limit.same(line))
    short = availability.shortfall(asked, in_bag, limit.available)
    if short is None:
        return
    item = availability.item_name(variant.product.title, variant.title)
    text = availability.refusal(item, cast("Method", method), limit.place, short)
    raise InsufficientStock(
        text, errors=[FieldError(field, text)], extensions={"available": short.available, "in_bag": short.in_bag}
    )


async def add_line(
    brand_id: uuid.UUID,
    cart_id: uuid.UUID,
    data: LineIn,
    *,
    now: datetime | None = None,
    quotes: view.QuoteCache | None = None,
) -> CartOut:
    """Add ``data`` to the cart; the same SKU, fulfilment and personalisation again adds to that line."""
    now = now or utcnow()
    cart = await _open_cart(brand_id, cart_id)
    variant, choice, personalisation, quote = await _checked_line(
        brand_id, cart, data.sku, data.fulfilment, data.personalisation, "body", now, quotes
    )
    # Read before the transaction (SQLite has one connection); the bag is counted again under the lock.
    bag = await CartLine.filter(cart_id=cart.id)
    limit = await _limit(brand_id, variant, quote, now, data.quantity + sum(line.quantity for line in bag))
    async with in_transaction():
        cart = await Cart.filter(id=cart.id).select_for_update().get()
        if cart.status != "open":
            raise CartClosed("this cart has been checked out; start a new cart")
        bag = await CartLine.filter(cart_id=cart.id)  # read once under the lock: the count, the limit, the match
        _refuse_past(limit, bag, data.quantity, variant, choice.method, field="body.quantity")
        match = next((line for line in bag if _same_line(line, variant, choice, personalisation)), None)
        added: CartLine | None = None
        if match is not None:
            quantity = match.quantity + data.quantity
            if quantity > MAX_QUANTITY:
                raise_field_errors([FieldError("body.quantity", f"at most {MAX_QUANTITY} of one item per cart")])
            match.quantity = quantity
            await match.save(update_fields=["quantity"])
        else:
            if len(bag) >= MAX_LINES:
                raise_field_errors([FieldError("body", f"a cart holds at most {MAX_LINES} lines")])
            added = await CartLine.create(
                cart_id=cart.id,
                variant_id=variant.id,
                quantity=data.quantity,
                method=choice.method,
                location=choice.location,
                postcode=choice.postcode,
                personalisation=personalisation,
            )
        await Cart.filter(id=cart.id).update(updated_at=now)
        cart.updated_at = now  # the row as just written, read under the lock: no need to read it again
    if added is not None and not bag:  # the cart's first line, written just now with its variant in hand
        added.variant = variant
        return await view.cart_out(cart, now=now, quotes=quotes, lines=[added])
    return await view.cart_out(cart, now=now, quotes=quotes)


def _same_line(
    line: CartLine, variant: Variant, choice: FulfilmentChoice, personalisation: list[dict[str, str]]
) -> bool:
    """The bag's line that ``add_line`` adds to: the same variant, way, place and personalisation, outside a look."""
    return (
        line.variant_id == variant.id
        and line.method == choice.method
        and line.location == choice.location
        and line.postcode == choice.postcode
        and line.bundle is None
        and line.personalisation == personalisation
    )


async def _line(cart: Cart, line_id: uuid.UUID) -> CartLine:
    line = await CartLine.get_or_none(id=line_id, cart_id=cart.id)
    if line is None:
        raise NotFound("no such line in this cart", errors=[FieldError("path.line_id", "no such line")])
    return line


async def update_line(
    brand_id: uuid.UUID,
    cart_id: uuid.UUID,
    line_id: uuid.UUID,
    data: LinePatch,
    *,
    quotes: view.QuoteCache | None = None,
) -> CartOut:
    """Set a line's quantity; a rise is checked like an add (a fall never is: less can always be had)."""
    now = utcnow()
    cart = await _open_cart(brand_id, cart_id)
    line = await _line(cart, line_id)
    if data.quantity > line.quantity:
        variant = await Variant.get(id=line.variant_id).prefetch_related("product")
        try:
            quote = await view.line_quote(brand_id, variant.sku, view.choice_of(line), now, quotes)
        except StallkitError as exc:
            if isinstance(exc, NotFound):
                raise
            raise view.quote_problem(exc, "body") from None
        bag = await CartLine.filter(cart_id=cart.id)
        limit = await _limit(brand_id, variant, quote, now, data.quantity + sum(other.quantity for other in bag))
        _refuse_past(limit, bag, data.quantity, variant, line.method, field="body.quantity", but=line.id)
    line.quantity = data.quantity
    await line.save(update_fields=["quantity"])
    await Cart.filter(id=cart.id).update(updated_at=now)
    return await view.cart_out(await view.find_cart(brand_id, cart_id), now=now, quotes=quotes)


async def remove_line(
    brand_id: uuid.UUID, cart_id: uuid.UUID, line_id: uuid.UUID, *, quotes: view.QuoteCache | None = None
) -> CartOut:
    cart = await _open_cart(brand_id, cart_id)
    line = await _line(cart, line_id)
    await line.delete()
    await Cart.filter(id=cart.id).update(updated_at=utcnow())
    return await view.cart_out(await view.find_cart(brand_id, cart_id), now=utcnow(), quotes=quotes)


async def add_look(
    brand_id: uuid.UUID,
    cart_id: uuid.UUID,
    data: LookToCartIn,
    *,
    now: datetime | None = None,
    quotes: view.QuoteCache | None = None,
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
        sku = cast("str | None", await query.order_by("position", "id").first().values_list("sku", flat=True))
        if sku:
            skus.append(sku)
    checked = [
        await _checked_line(brand_id, cart, sku, data.fulfilment, [], f"body.items[{i}]", now, quotes)
        for i, sku in enumerate(skus)
    ]
    bundle = uuid.uuid4()
    bag = await CartLine.filter(cart_id=cart.id)
    wanted = len(checked) + sum(line.quantity for line in bag)
    limits = [await _limit(brand_id, variant, quote, now, wanted) for variant, _, _, quote in checked]
    async with in_transaction():
        cart = await Cart.filter(id=cart.id).select_for_update().get()
        if cart.status != "open":
            raise CartClosed("this cart has been checked out; start a new cart")
        bag = await CartLine.filter(cart_id=cart.id)
        if len(bag) + len(checked) > MAX_LINES:
            raise_field_errors([FieldError("body", f"a cart holds at most {MAX_LINES} lines")])
        for i, ((variant, choice, _, _), limit) in enumerate(zip(checked, limits, strict=True)):
            _refuse_past(limit, bag, 1, variant, choice.method, field=f"body.items[{i}].quantity")
        for variant, choice, _, _ in checked:
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
    return await view.cart_out(await view.find_cart(brand_id, cart_id), now=now, quotes=quotes)


async def mark_checked_out(cart: Cart) -> None:
    """The cart became an order (inside checkout's transaction, the cart row locked): it takes no more changes."""
    cart.status = "checked_out"
    await cart.save(update_fields=["status", "updated_at"])


PURGE_BATCH_SIZE = 5_000
ABANDONED_AFTER = timedelta(days=30)


async def purge_abandoned_carts(now: datetime, ttl: timedelta = ABANDONED_AFTER) -> int:
    """Delete open carts not changed for ``ttl`` before ``now`` (their lines cascade); return how many went.

    Checked-out carts stay: their orders point at them. Batches are bounded and each is its own
    short transaction. The batch's carts are locked as they are picked, skipping any a shopper
    holds right now (``add_line`` locks the cart and bumps ``updated_at``), so a cart that comes
    back to life is never deleted under the shopper, and the count is exact on every backend
    (SQLite's own count would include the cascaded lines).
    """
    cutoff = now - ttl
    deleted = 0
    while True:
        async with in_transaction():
            stale = Cart.filter(status="open", updated_at__lt=cutoff).only("id").limit(PURGE_BATCH_SIZE)
            ids = [cart.id for cart in await stale.select_for_update(skip_locked=True)]
            if not ids:
                return deleted
            await Cart.filter(id__in=ids).delete()
            deleted += len(ids)
        await asyncio.sleep(0)  # let waiting requests have the connection between batches
