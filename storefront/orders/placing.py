"""Placing an order: the one place orders, their lines, fulfilments, holds and first event are written.

Checkout decides *what* is bought (it re-quotes and prices the cart) and hands over an
:class:`OrderDraft`; this module writes it, inside checkout's transaction, and holds what the
order needs: each line's units at a location through the stock ledger, or its production days
at the microfactory through the capacity bookings. Exchanges place their replacement orders
here too (:func:`place_exchange`), so there is one writer of orders.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple, cast

import msgspec
from tortoise.expressions import Q

from storefront.cart import FulfilmentChoice, line_quote
from storefront.catalog import Variant
from storefront.credits import service as credits
from storefront.errors import FieldError, StallkitError, raise_field_errors
from storefront.fulfilment import Quote, capacity, sourcing
from storefront.ids import new_id
from storefront.inventory import ledger
from storefront.orders import kpi_counters
from storefront.orders.models import (
    CapacityHold,
    Fulfilment,
    Order,
    OrderCredit,
    OrderEvent,
    OrderLine,
    StockHold,
)
from storefront.orders.reading import order_out
from storefront.orders.schemas import OrderOut
from storefront.sql import insert_rows

if TYPE_CHECKING:
    from storefront.fulfilment import rules as fulfilment_rules

_NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U to misread
# Read aloud at a counter and typed from a phone: no 0/O nor 1/I. 32 symbols, 6 of them: about
# a billion codes, so a collision among a brand's open pickups is rare and simply drawn again.
PICKUP_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
PICKUP_CODE_LENGTH = 6
_PICKUP_ATTEMPTS = 20
OPEN_PICKUP_EXCLUDES = ("fulfilled", "cancelled")

Choose = Callable[[Sequence[str]], str]  # ``secrets.choice``, or a seeded one in tests


class Contact(msgspec.Struct, frozen=True, kw_only=True):
    """Who receives a shipped fulfilment and where, or who collects a pickup ("" where not needed)."""

    recipient: str = ""
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    country: str = ""
    phone: str = ""
    collector: str = ""


class DraftFulfilment(msgspec.Struct, frozen=True, kw_only=True):
    """One way a group of lines reaches the shopper, with the promise as quoted for its first line."""

    quote: Quote
    postcode: str | None
    fee_minor: int
    balance_minor: int = 0  # what a made-to-order deposit leaves to charge on dispatch
    contact: Contact = Contact()


class DraftLine(msgspec.Struct, frozen=True, kw_only=True):
    fulfilment: int  # index into OrderDraft.fulfilments
    quote: Quote  # this line's own quote: its units are held by it
    variant_id: uuid.UUID
    sku: str
    title: str
    quantity: int
    unit_price_minor: int
    discount_minor: int
    total_minor: int
    personalisation: list[dict[str, str]]
    field: str  # where a shortfall is reported, e.g. ``cart.lines[2].quantity``


class OrderDraft(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID | None = None  # made by the caller when something (the order page's token) is derived from it
    brand_id: uuid.UUID
    cart_id: uuid.UUID | None
    email: str
    name: str
    currency: str
    subtotal_minor: int
    fulfilment_minor: int
    discount_minor: int
    total_minor: int
    placed_at: datetime
    hold_expires_at: datetime
    fulfilments: list[DraftFulfilment]
    shopper_ref: str | None = None
    status_token_hash: str | None = None
    lines: list[DraftLine]
    credits: list[uuid.UUID] = []  # store credits applied to the cart, in the order applied: they pay first


def order_number() -> str:
    """A short number a shopper can read over the phone; unique in the database."""
    return "SK-" + "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(8))


def draw_pickup_code(choose: Choose = secrets.choice) -> str:
    return "".join(choose(PICKUP_ALPHABET) for _ in range(PICKUP_CODE_LENGTH))


async def pickup_code(brand_id: uuid.UUID, choose: Choose = secrets.choice) -> str:
    """A code no open pickup of the brand holds, so staff find one order by it; a code is reused once collected."""
    for _ in range(_PICKUP_ATTEMPTS):
        code = draw_pickup_code(choose)
        taken = (
            await Fulfilment.filter(order__brand_id=brand_id, method="pickup", pickup_code=code)
            .exclude(status__in=OPEN_PICKUP_EXCLUDES)
            .exists()
        )
        if not taken:
            return code
    raise RuntimeError("no free pickup code: the random source repeats itself")


async def unpaid_holds(brand_id: uuid.UUID, *, email: str, shopper_ref: str | None, now: datetime) -> list[datetime]:
    """When each of the brand's unpaid orders still holding stock for this shopper (same email, or
    same client) lets go: read through the ``(brand_id, status, id)`` index, as unpaid orders are few."""
    query = Order.filter(brand_id=brand_id, status="pending_payment", hold_expires_at__gt=now)
    same = Q(email__iexact=email) | Q(shopper_ref=shopper_ref) if shopper_ref else Q(email__iexact=email)
    return cast("list[datetime]", await query.filter(same).values_list("hold_expires_at", flat=True))


async def order_for_cart(brand_id: uuid.UUID, cart_id: uuid.UUID) -> Order | None:
    """The order a cart became, if it was checked out (a cart checks out once): the (brand, cart) unique index."""
    return await Order.filter(brand_id=brand_id, cart_id=cart_id).first()


async def record_customer(order_id: uuid.UUID, customer: str) -> None:
    """The provider's customer that keeps the card for a deposit's balance; set once, a retry keeps the first."""
    await Order.filter(id=order_id, stripe_customer=None).update(stripe_customer=customer)


async def record_intent(order_id: uuid.UUID, intent_id: str, client_secret: str | None) -> None:
    """The order's payment intent; only an empty one is filled (a webhook may have recorded it first)."""
    await Order.filter(id=order_id, payment_intent=None).update(payment_intent=intent_id, client_secret=client_secret)


async def record_event(
    order_id: uuid.UUID, before: str, after: str, source: str, detail: str = "", fulfilment_id: uuid.UUID | None = None
) -> None:
    await OrderEvent.create(
        order_id=order_id,
        fulfilment_id=fulfilment_id,
        from_status=before,
        to_status=after,
        source=source,
        detail=detail[:300],
    )


async def new_fulfilment(
    order_id: uuid.UUID,
    quote: Quote,
    *,
    status: str,
    postcode: str | None,
    fee_minor: int,
    balance_minor: int = 0,
    contact: Contact | None = None,
    pickup_code: str | None = None,
) -> Fulfilment:
    """A fulfilment carrying the promise as quoted: later rule changes never rewrite what was agreed."""
    return await Fulfilment.create(
        **msgspec.structs.asdict(contact or Contact()),
        pickup_code=pickup_code,
        order_id=order_id,
        method=quote.method,
        status=status,
        location=quote.location,
        zone=quote.zone,
        postcode=postcode,
        fee_minor=fee_minor,
        balance_minor=balance_minor,
        promised_earliest=quote.earliest,
        promised_latest=quote.latest,
        promise_rule=quote.rule,
        timezone=quote.timezone,
    )


class Placed(msgspec.Struct, frozen=True, kw_only=True):
    """An order just written and what it holds, as this transaction wrote them; ``paid`` if paid here too."""

    order: Order
    stock_holds: list[StockHold]
    credit_holds: list[OrderCredit]
    paid: bool = False
    shown: OrderOut | None = None  # a paid order as the API shows it, read before its stock was locked


class _Written(NamedTuple):
    """An order line as written, with its fulfilment and draft: what its units are then held for."""

    row: OrderLine
    fulfilment: Fulfilment
    draft: DraftLine


async def place(
    draft: OrderDraft, *, status: str = "pending_payment", source: str = "checkout", choose: Choose = secrets.choice
) -> Order:
    """Write the order and hold what it needs, inside the caller's transaction; all or nothing (:func:`place_held`)."""
    return (await place_held(draft, status=status, source=source, choose=choose)).order


async def place_held(
    draft: OrderDraft,
    *,
    status: str = "pending_payment",
    source: str = "checkout",
    choose: Choose = secrets.choice,
    pay_at: datetime | None = None,
) -> Placed:
    """Write the order and hold what it needs, inside the caller's transaction; all or nothing.

    Each pickup gets its code here (``choose`` draws its characters).

    The rows other checkouts contend for are taken last: first the applied credits (one code
    may be shared by many shoppers), then the variants' stock (every shopper of a popular
    piece); what is only this order's is written before. On PostgreSQL each stays locked from
    then until the caller commits, so the fewer statements after it, the less the others wait.

    With ``pay_at``, an order store credit covers wholly is paid here as well, at that instant
    (``paid`` says so): what paying it afterwards would write (``payment._commit``: the held
    credit spent, the held units sold, the order and its fulfilments paid), from the rows in
    hand, instead of a second transaction that locks and reads them all back. The holds are
    then written in their final state (``redeemed``, ``sold``) rather than updated to it.

    A shortfall raises ``InsufficientStock`` and no capacity raises ``NoCapacity``: the caller's
    transaction then rolls back every row and hold written so far.
    """
    order, written = await _write_order(draft, status, choose)
    credit_holds = await _hold_credits(order, draft.credits, status=status, pay_at=pay_at, source=source)
    paid = credit_holds.paid
    # Where the units are held is no part of the order as shown, so a paid order is read before
    # the stock is locked; a made-to-order booking may still move its promise, so not then.
    early = paid and all(w.draft.quote.method != "made_to_order" for w in written)
    shown = await order_out(order) if early else None
    stock_holds = await _hold_stock(order, written, sold=paid)
    return Placed(order=order, stock_holds=stock_holds, credit_holds=credit_holds.rows, paid=paid, shown=shown)


async def _write_order(draft: OrderDraft, status: str, choose: Choose) -> tuple[Order, list[_Written]]:
    """The order, its fulfilments and lines: rows no other checkout touches."""
    order = await Order.create(
        id=draft.id or new_id(),
        brand_id=draft.brand_id,
        cart_id=draft.cart_id,
        number=order_number(),
        status=status,
        email=draft.email,
        name=draft.name,
        currency=draft.currency,
        subtotal_minor=draft.subtotal_minor,
        fulfilment_minor=draft.fulfilment_minor,
        discount_minor=draft.discount_minor,
        total_minor=draft.total_minor,
        balance_minor=sum(f.balance_minor for f in draft.fulfilments),
        hold_expires_at=draft.hold_expires_at,
        shopper_ref=draft.shopper_ref,
        status_token_hash=draft.status_token_hash,
        placed_at=draft.placed_at,
    )
    fulfilments: list[Fulfilment] = []
    written: list[_Written] = []
    for line in draft.lines:
        while len(fulfilments) <= line.fulfilment:  # created as their first line comes, in line order
            planned = draft.fulfilments[len(fulfilments)]
            fulfilments.append(
                await new_fulfilment(
                    order.id,
                    planned.quote,
                    status=status,
                    postcode=planned.postcode,
                    fee_minor=planned.fee_minor,
                    balance_minor=planned.balance_minor,
                    contact=planned.contact,
                    pickup_code=await pickup_code(draft.brand_id, choose) if planned.quote.method == "pickup" else None,
                )
            )
        fulfilment = fulfilments[line.fulfilment]
        order_line = await OrderLine.create(
            order_id=order.id,
            fulfilment_id=fulfilment.id,
            variant_id=line.variant_id,
            sku=line.sku,
            title=line.title,
            quantity=line.quantity,
            unit_price_minor=line.unit_price_minor,
            discount_minor=line.discount_minor,
            total_minor=line.total_minor,
            personalisation=line.personalisation,
        )
        written.append(_Written(order_line, fulfilment, line))
    return order, written


class _CreditHolds(NamedTuple):
    rows: list[OrderCredit]
    paid: bool


async def _hold_credits(
    order: Order, credit_ids: Sequence[uuid.UUID], *, status: str, pay_at: datetime | None, source: str
) -> _CreditHolds:
    """Hold what each applied credit pays, credit first: each as much as it has of what is still due today.

    A credit spent elsewhere since it was applied holds what it has left (perhaps nothing); the
    card pays the rest. A made-to-order balance due on dispatch is the card's: credit pays today's part.
    With ``pay_at`` and nothing left due, the holds are redeemed and the order paid at once. The
    order's first event (placed) is written here too, with its second (paid) when there is one.
    """
    due = order.total_minor - order.balance_minor
    held_by: list[tuple[uuid.UUID, int, str]] = []  # (credit, amount, hold key)
    for credit_id in credit_ids:
        if due <= 0:
            break
        hold_key = f"order-{order.id}-credit-{credit_id}"
        movement = await credits.hold(
            order.brand_id,
            credit_id,
            due,
            key=hold_key,
            reason=f"order {order.number}",
            actor="system:checkout",
            now=order.placed_at,
            up_to=True,
            new_key=True,  # made from this order's id, drawn for this very transaction
        )
        held = movement.held.amount
        if held:
            held_by.append((credit_id, held, hold_key))
            order.credit_minor += held
            due -= held
    paid = pay_at is not None and status == "pending_payment" and due <= 0
    outcome = "held"
    if paid:
        for _, _, hold_key in held_by:
            await credits.redeem(
                order.brand_id, hold_key, reason=f"order {order.number} paid", actor="system:orders", new_key=True
            )
        outcome = "redeemed"
    rows = [
        await OrderCredit.create(
            order_id=order.id, credit_id=credit_id, amount_minor=held, hold_key=hold_key, status=outcome
        )
        for credit_id, held, hold_key in held_by
    ]
    if paid and pay_at is not None:
        due_today = order.total_minor - order.balance_minor - order.credit_minor
        await mark_paid(order, due_today, source, pay_at, placed_as=status)
        return _CreditHolds(rows, paid)
    await record_event(order.id, "", status, source)
    if order.credit_minor:
        await order.save(update_fields=["credit_minor"])
    return _CreditHolds(rows, paid)


async def _hold_stock(order: Order, written: Sequence[_Written], *, sold: bool) -> list[StockHold]:
    """Hold every line's units, then (``sold``: the order is paid) sell them; the holds written as they end."""
    held = [
        (w, location_id, units)
        for w in written
        for location_id, units in await _hold(order, w.row, w.fulfilment, w.draft)
    ]
    if sold:
        for w, location_id, units in held:
            await ledger.sell_held(w.draft.variant_id, location_id, units, f"order {order.number} paid")
    return [
        await StockHold.create(
            order_id=order.id,
            line_id=w.row.id,
            variant_id=w.draft.variant_id,
            location_id=location_id,
            quantity=units,
            status="sold" if sold else "held",
        )
        for w, location_id, units in held
    ]


async def _hold(
    order: Order, order_line: OrderLine, fulfilment: Fulfilment, line: DraftLine
) -> list[tuple[uuid.UUID, int]]:
    """Hold the line's units: stock at a place (where, and how many there), or production days at the microfactory."""
    quote, brand_id = line.quote, order.brand_id
    if quote.method == "made_to_order":
        factory_id, days, last = await capacity.book(
            brand_id, quote.location, line.quantity, order.placed_at, order.currency
        )
        for day in sorted(set(days)):
            await CapacityHold.create(
                order_id=order.id, line_id=order_line.id, microfactory_id=factory_id, day=day, units=days.count(day)
            )
        if last.latest > fulfilment.promised_latest:  # capacity went to earlier orders: promise what we can keep
            fulfilment.promised_earliest, fulfilment.promised_latest = last.earliest, last.latest
            await fulfilment.save(update_fields=["promised_earliest", "promised_latest", "updated_at"])
        return []
    candidates = await sourcing.stock_candidates(brand_id, quote.method, quote.location)
    return await ledger.hold(
        line.variant_id, line.quantity, candidates, sku=line.sku, field=line.field, reason=f"order {order.number}"
    )


async def sell_holds(order: Order, holds: Sequence[StockHold]) -> None:
    """Sell the units an order holds, now that it is paid: the one way held stock becomes sold."""
    for hold in holds:
        await ledger.sell_held(hold.variant_id, hold.location_id, hold.quantity, f"order {order.number} paid")
        hold.status = "sold"
        await hold.save(update_fields=["status"])


async def settle_credit_holds(order: Order, holds: Sequence[OrderCredit], outcome: str, reason: str) -> None:
    """Spend the credit an order held (``redeemed``: it is paid) or give it back (``released``).

    Inside the caller's transaction, with the order locked or written by it.
    """
    settle = credits.redeem if outcome == "redeemed" else credits.release
    for held in holds:
        await settle(order.brand_id, held.hold_key, reason=reason, actor="system:orders")
        held.status = outcome
        await held.save(update_fields=["status"])


async def mark_paid(order: Order, paid_minor: int, source: str, now: datetime, *, placed_as: str | None = None) -> None:
    """The order and its waiting fulfilments are paid (its holds sold and spent by the caller).

    ``credit_minor`` is written too: an order paid as it is placed has not stored it yet. Such an
    order (``placed_as``: the status it was placed in) has its first event written with the paid
    one, by one statement: the same two rows, in the same order (their ids are time-ordered).
    """
    await Fulfilment.filter(order_id=order.id, status="pending_payment").update(status="paid")
    if placed_as is None:
        await record_event(order.id, order.status, "paid", source)
    else:
        await OrderEvent.bulk_create(
            [
                OrderEvent(order_id=order.id, from_status="", to_status=placed_as, source=source, detail=""),
                OrderEvent(order_id=order.id, from_status=placed_as, to_status="paid", source=source, detail=""),
            ]
        )
    order.status = "paid"
    order.paid_at = now
    order.paid_minor = paid_minor
    await order.save(update_fields=["status", "paid_at", "paid_minor", "credit_minor", "updated_at"])


async def count_paid(placed: Placed) -> OrderOut:
    """Count an order :func:`place_held` paid as it placed it; return it as the API shows it.

    Apart from placing so that checkout bumps its brand's catalogue version first: whatever
    changes an order's figures moves the counter rows last (``kpi_counters.following`` adds
    after the change), so two transactions never take the brand's rows in opposite orders.
    """
    return await kpi_counters.count_placed(placed.order, shown=placed.shown)


def contact_of(fulfilment: Fulfilment) -> Contact:
    """The fulfilment's contact details, for a replacement sent or collected the same way."""
    return Contact(**{name: getattr(fulfilment, name) for name in Contact.__struct_fields__})


async def place_exchange(
    order: Order, items: list[tuple[OrderLine, Variant, int, uuid.UUID]], now: datetime
) -> uuid.UUID:
    """A paid order for the replacements of returned units (each item: the returned line, its replacement,
    how many, and where the returned units were), sold from there at once, with a fresh promise."""
    exchange = await Order.create(
        brand_id=order.brand_id,
        exchange_of_id=order.id,
        number=order_number(),
        status="paid",
        email=order.email,
        name=order.name,
        currency=order.currency,
        subtotal_minor=0,
        fulfilment_minor=0,
        discount_minor=0,
        total_minor=0,
        hold_expires_at=now,
        placed_at=now,
        paid_at=now,
    )
    for line, replacement, quantity, location_id in items:
        original = await Fulfilment.get(id=line.fulfilment_id)
        choice = FulfilmentChoice(
            method=cast("fulfilment_rules.Method", original.method),
            location=original.location if original.method == "pickup" else None,
            postcode=original.postcode,
        )
        try:
            quote = await line_quote(order.brand_id, replacement.sku, choice, now)
        except StallkitError as exc:
            raise_field_errors([FieldError("body.lines", f"{replacement.sku} cannot be sent that way: {exc.detail}")])
            raise
        fulfilment = await new_fulfilment(
            exchange.id,
            quote,
            status="paid",
            postcode=original.postcode,
            fee_minor=0,
            contact=contact_of(original),
            pickup_code=await pickup_code(order.brand_id) if quote.method == "pickup" else None,
        )
        new_line = await OrderLine.create(
            order_id=exchange.id,
            fulfilment_id=fulfilment.id,
            variant_id=replacement.id,
            sku=replacement.sku,
            title=line.title.split(" — ")[0] + f" — {replacement.title}",
            quantity=quantity,
            unit_price_minor=0,
            total_minor=0,
        )
        await ledger.sell_now(
            replacement.id, location_id, quantity, sku=replacement.sku, reason=f"exchange {exchange.number}"
        )
        await StockHold.create(
            order_id=exchange.id,
            line_id=new_line.id,
            variant_id=replacement.id,
            location_id=location_id,
            quantity=quantity,
            status="sold",
        )
    await record_event(exchange.id, "", "paid", "return", f"exchange for order {order.number}")
    await kpi_counters.count_new(exchange.id)
    return exchange.id


class SettledOrder(NamedTuple):
    """An ``order`` row of a sale settled elsewhere: each field a column, each default the model's."""

    id: uuid.UUID
    brand_id: uuid.UUID
    exchange_of_id: uuid.UUID | None
    number: str
    status: str
    email: str
    currency: str
    subtotal_minor: int
    fulfilment_minor: int
    discount_minor: int
    total_minor: int
    paid_minor: int
    credit_minor: int
    hold_expires_at: datetime
    placed_at: datetime
    paid_at: datetime | None
    fulfilled_at: datetime | None
    updated_at: datetime  # ``auto_now``: the instant of the write
    cart_id: uuid.UUID | None = None
    name: str = ""
    refunded_minor: int = 0
    balance_minor: int = 0
    payment_intent: str | None = None
    stripe_customer: str | None = None
    client_secret: str | None = None
    payment_failures: int = 0
    last_payment_error: str = ""
    last_failed_charge: str | None = None
    shopper_ref: str | None = None
    status_token_hash: str | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str = ""


class SettledFulfilment(NamedTuple):
    """A ``fulfilment`` row of a settled order: each field a column, each default the model's."""

    id: uuid.UUID
    order_id: uuid.UUID
    method: str
    status: str
    location: str
    promised_earliest: datetime
    promised_latest: datetime
    promise_rule: str
    timezone: str
    fulfilled_at: datetime | None
    updated_at: datetime  # ``auto_now``: the instant of the write
    zone: str | None = None
    postcode: str | None = None
    recipient: str = ""
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    country: str = ""
    phone: str = ""
    collector: str = ""
    pickup_code: str | None = None
    fee_minor: int = 0
    balance_minor: int = 0
    balance_intent: str | None = None


class SettledLine(NamedTuple):
    """An ``order_line`` row of a settled order: each field a column, each default the model's."""

    id: uuid.UUID
    order_id: uuid.UUID
    fulfilment_id: uuid.UUID
    variant_id: uuid.UUID
    sku: str
    title: str
    quantity: int
    unit_price_minor: int
    discount_minor: int
    total_minor: int
    personalisation: str = "[]"  # none, as JSON text: how the ORM stores its default (an empty list)
    returned_quantity: int = 0


class SettledEvent(NamedTuple):
    """An ``order_event`` row (the settled order's first history entry): each field a column."""

    id: uuid.UUID
    order_id: uuid.UUID
    from_status: str
    to_status: str
    source: str
    detail: str
    created_at: datetime  # ``auto_now_add``: the instant of the write
    fulfilment_id: uuid.UUID | None = None


async def place_settled(
    orders: Sequence[SettledOrder],
    fulfilments: Sequence[SettledFulfilment],
    lines: Sequence[SettledLine],
    events: Sequence[SettledEvent],
) -> None:
    """Orders already paid and handed over elsewhere (a stall's synced sales): one insert per table, nothing held.

    The caller (:mod:`storefront.orders.stall`) decides every row and moves their stock and counters.
    The rows are plain tuples and the inserts hand-written: a sync batch is a few thousand rows, and
    making a model instance of each to ``bulk_create`` it was most of the batch's time.
    """
    await insert_rows(Order._meta.db_table, SettledOrder._fields, orders)
    await insert_rows(Fulfilment._meta.db_table, SettledFulfilment._fields, fulfilments)
    await insert_rows(OrderLine._meta.db_table, SettledLine._fields, lines)
    await insert_rows(OrderEvent._meta.db_table, SettledEvent._fields, events)
