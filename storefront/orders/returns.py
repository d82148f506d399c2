"""Returns and exchanges: units come back, are restocked or quarantined, and are refunded or swapped.

A return is requested (which units, and why) and then received: only in hand can its condition
be known. Both can happen in one call when the merchant records units already received.
Resaleable units go back on sale where they were sold from; damaged ones, and personalised
pieces nobody else can use, are quarantined: kept apart at the place they were sold from (the
stock ledger counts them, never on sale) and counted in the KPIs; a made-to-order piece has no
stock place, so its return line alone records it. A unit
exchanged for another variant of the same price is not refunded: the replacement is sold
from the same place on a new, already-paid order.

Refunds are exact to the minor unit however an order is returned: line ``n`` of ``q`` units
refunds the ``n``-th share of the line's paid total under :func:`storefront.money.allocate`,
so returning every unit, in any number of returns, refunds exactly what was paid for the line.
As everywhere, Stripe is called between transactions, never inside one, with a key made from
the return's id; if Stripe is down the return waits as ``refund_pending`` and reconciliation
retries it.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Literal, cast

from tortoise.transactions import in_transaction

from storefront.catalog import Variant
from storefront.clock import utcnow
from storefront.credits import service as credits
from storefront.errors import Conflict, FieldError, NotFound, raise_field_errors
from storefront.inventory import Location, ledger
from storefront.money import Money, allocate
from storefront.orders import kpi_counters, placing, tender
from storefront.orders.models import Fulfilment, Order, OrderCredit, OrderLine, Return, ReturnLine, StockHold
from storefront.orders.placing import record_event
from storefront.orders.schemas import IssuedStoreCredit, ReceiveIn, ReturnIn, ReturnLineOut, ReturnOut
from storefront.orders.service import locked_order
from storefront.orders.states import AFTER_PAYMENT
from storefront.tenancy import bump_catalog_version

if TYPE_CHECKING:
    from storefront.payments import PaymentGateway


class AlreadyReceived(Conflict):
    code = "return_already_received"
    title = "This return has been received already"


class NotReturnable(Conflict):
    code = "order_not_returnable"
    title = "This order cannot be returned"


def refund_for(line_total: int, quantity: int, already_returned: int, returning: int) -> int:
    """The refund for ``returning`` more units of a line whose ``quantity`` units cost ``line_total``."""
    shares = allocate(line_total, [1] * quantity) if quantity else []
    return sum(shares[already_returned : already_returned + returning])


async def create_return(
    brand_id: uuid.UUID,
    order_id: uuid.UUID,
    data: ReturnIn,
    *,
    gateway: PaymentGateway,
    code_key: bytes,
    now: datetime | None = None,
) -> ReturnOut:
    """Request a return; when every line's condition is given, receive it (restock, refund) at once.

    ``code_key`` hashes the code of a store credit the refund may issue (shown in this answer only).
    """
    now = now or utcnow()
    ret, code = await _record_return(brand_id, order_id, data, now, code_key)
    return await _refund_and_show(ret, gateway, now, code)


async def receive_return(
    brand_id: uuid.UUID,
    order_id: uuid.UUID,
    return_id: uuid.UUID,
    data: ReceiveIn,
    *,
    gateway: PaymentGateway,
    code_key: bytes,
    now: datetime | None = None,
) -> ReturnOut:
    """The requested units are in hand: restock or quarantine each, then refund or exchange."""
    now = now or utcnow()
    async with in_transaction():
        order = await locked_order(brand_id, order_id)
        ret = await Return.filter(id=return_id, order_id=order.id).select_for_update().first()
        if ret is None:
            raise NotFound("no such return", errors=[FieldError("path.return_id", "no such return")])
        if ret.status != "requested":
            raise AlreadyReceived("this return has been received already")
        pairs = _conditions((item.line, item.condition) for item in data.lines)
        code = await _receive(brand_id, order, ret, pairs, now, code_key)
    return await _refund_and_show(ret, gateway, now, code)


async def _refund_and_show(ret: Return, gateway: PaymentGateway, now: datetime, code: str | None) -> ReturnOut:
    if ret.status == "refund_pending":
        await complete_refund(ret, gateway, now)
    return await return_out(await Return.get(id=ret.id), code)


async def _record_return(
    brand_id: uuid.UUID, order_id: uuid.UUID, data: ReturnIn, now: datetime, code_key: bytes
) -> tuple[Return, str | None]:
    """Reserve the units against their lines (so they can't be returned twice) and note why; receive if inspected."""
    async with in_transaction():
        order = await locked_order(brand_id, order_id)
        if order.status not in AFTER_PAYMENT:
            raise NotReturnable(f"a {order.status} order has nothing to return")
        lines = {line.id: line for line in await OrderLine.filter(order_id=order.id)}
        errors: list[FieldError] = []
        wanted: dict[uuid.UUID, int] = {}
        for i, item in enumerate(data.lines):
            line = lines.get(item.line)
            if line is None:
                errors.append(FieldError(f"body.lines[{i}].line", "not a line of this order"))
                continue
            wanted[line.id] = wanted.get(line.id, 0) + item.quantity
            left = line.quantity - line.returned_quantity
            if wanted[line.id] > left:
                errors.append(FieldError(f"body.lines[{i}].quantity", f"only {left} of this line can be returned"))
            unpaid = await Fulfilment.filter(
                id=line.fulfilment_id,
                balance_minor__gt=0,
                balance_intent__isnull=True,
            ).exists()
            if unpaid:
                errors.append(FieldError(f"body.lines[{i}].line", "its balance is charged when it ships: not sent yet"))
            if item.exchange_sku is not None:
                await _replacement(brand_id, line, item.exchange_sku, f"body.lines[{i}].exchange_sku")
                if await _source_location(line) is None:
                    errors.append(
                        FieldError(f"body.lines[{i}].exchange_sku", "made-to-order pieces are remade, not exchanged")
                    )
        inspected = [item.condition is not None for item in data.lines]
        if any(inspected) and not all(inspected):
            errors.append(FieldError("body.lines", "give every line's condition (received) or none (requested)"))
        raise_field_errors(errors)
        ret = await Return.create(order_id=order.id, status="requested", refund_minor=0, refund_to=data.refund_to)
        for item in data.lines:
            line = lines[item.line]
            await ReturnLine.create(
                order_return_id=ret.id,
                line_id=line.id,
                quantity=item.quantity,
                reason=item.reason,
                first_unit=line.returned_quantity,
                exchange_sku=item.exchange_sku,
            )
            line.returned_quantity += item.quantity
            await line.save(update_fields=["returned_quantity"])
        await record_event(order.id, order.status, order.status, "return", f"return {ret.id} requested")
        code = None
        if all(inspected):
            conditions = _conditions((item.line, item.condition or "") for item in data.lines)
            code = await _receive(brand_id, order, ret, conditions, now, code_key)
    return ret, code


def _conditions(pairs: Iterable[tuple[uuid.UUID, str]]) -> dict[uuid.UUID, list[str]]:
    """Conditions by order line, in the order given: the n-th for a line goes to its n-th returned row."""
    out: dict[uuid.UUID, list[str]] = {}
    for line, condition in pairs:
        out.setdefault(line, []).append(condition)
    return out


async def _receive(
    brand_id: uuid.UUID,
    order: Order,
    ret: Return,
    conditions: dict[uuid.UUID, list[str]],
    now: datetime,
    code_key: bytes,
) -> str | None:
    """Inside the caller's transaction: restock or quarantine, sell exchanges, work out the refund, and give
    back at once what goes onto store credit; the code of a store credit it issues, if it issues one."""
    async with kpi_counters.following(order.id):  # received units and their reasons count in the KPIs
        return await _receive_units(brand_id, order, ret, conditions, now, code_key)


async def _receive_units(
    brand_id: uuid.UUID,
    order: Order,
    ret: Return,
    conditions: dict[uuid.UUID, list[str]],
    now: datetime,
    code_key: bytes,
) -> str | None:
    rows = await ReturnLine.filter(order_return_id=ret.id).order_by("id").prefetch_related("line")
    wanted = Counter(r.line.id for r in rows)
    given = Counter({line: len(found) for line, found in conditions.items()})
    if wanted != given:
        raise_field_errors([FieldError("body.lines", "give one condition for each returned line, and only those")])
    refund_total = 0
    exchange: list[tuple[OrderLine, Variant, int, uuid.UUID]] = []
    for row in rows:
        line: OrderLine = row.line
        condition = conditions[line.id].pop(0)
        location_id = await _source_location(line)
        location = await Location.get(id=location_id) if location_id else None
        restock = condition == "resaleable" and not line.personalisation and location is not None
        if restock and location is not None:
            await ledger.restock(brand_id, line.variant_id, location.id, row.quantity, f"return {ret.id}")
        elif location is not None:
            await ledger.quarantine(brand_id, line.variant_id, location.id, row.quantity, f"return {ret.id}")
        refund = 0
        if row.exchange_sku is not None and location is not None:
            replacement = await _replacement(brand_id, line, row.exchange_sku, "body.lines")
            exchange.append((line, replacement, row.quantity, location.id))
        else:
            refund = refund_for(line.total_minor, line.quantity, row.first_unit, row.quantity)
        refund_total += refund
        row.condition = condition
        row.disposition = "restocked" if restock else "quarantined"
        row.location = location.handle if restock and location is not None else ""
        row.refund_minor = refund
        await row.save(update_fields=["condition", "disposition", "location", "refund_minor"])
    if exchange:
        ret.exchange_order_id = await placing.place_exchange(order, exchange, now)
    ret.refund_minor = refund_total
    ret.refund_offset = sum(
        cast(
            "list[int]",
            await Return.filter(order_id=order.id, status__in=["refund_pending", "completed"])
            .exclude(id=ret.id)
            .values_list("refund_minor", flat=True),
        )
    )
    split = tender.split_refund(refund_total, ret.refund_offset, order.credit_minor, order.total_minor)
    ret.credit_minor = split.credit
    await _refund_credits(order, ret, split)
    code = None
    to_card = split.card
    if ret.refund_to == "store_credit" and split.card:
        code, ret.credit_id = await _issue_store_credit(order, ret, split.card, now, code_key)
        to_card = 0
    ret.status = "refund_pending"
    if to_card == 0 or not order.payment_intent:
        ret.status, ret.completed_at = "completed", now
        order.refunded_minor += refund_total
        await order.save(update_fields=["refunded_minor", "updated_at"])
    await ret.save()
    await record_event(
        order.id, order.status, order.status, "return", f"return {ret.id} received: refund {refund_total}"
    )
    await bump_catalog_version(brand_id)
    return code


async def _refund_credits(order: Order, ret: Return, split: tender.TenderSplit) -> None:
    """The credit's part of a refund goes back onto the credits that paid, first applied first, as new lots."""
    if not split.credit:
        return
    paid = await OrderCredit.filter(order_id=order.id, status="redeemed").order_by("created_at", "id")
    parts = refund_split(split.credit, split.credit_offset, [c.amount_minor for c in paid])
    for i, (paid_by, part) in enumerate(zip(paid, parts, strict=True)):
        if part:
            await credits.refund(
                order.brand_id,
                paid_by.credit_id,
                part,
                key=f"return-{ret.id}-credit-{i}",
                reason=f"return of order {order.number}",
                actor="system:returns",
            )


async def _issue_store_credit(
    order: Order, ret: Return, amount: int, now: datetime, code_key: bytes
) -> tuple[str | None, uuid.UUID]:
    """The card's part of a refund as a new store credit, as the shopper chose: no money goes back to the card."""
    code, credit, _ = await credits.issue(
        order.brand_id,
        Money(amount=amount, currency=order.currency),
        key=f"return-{ret.id}-store-credit",
        reason=f"refund as store credit, order {order.number}",
        actor="system:returns",
        code_key=code_key,
        now=now,
    )
    return code, credit.id


async def _source_location(line: OrderLine) -> uuid.UUID | None:
    """Where the line's units were sold from (None for a made-to-order piece)."""
    location_id = await StockHold.filter(line_id=line.id).first().values_list("location_id", flat=True)
    return cast("uuid.UUID | None", location_id)


async def _replacement(brand_id: uuid.UUID, line: OrderLine, sku: str, field: str) -> Variant:
    original = await Variant.get(id=line.variant_id)
    replacement = await Variant.get_or_none(brand_id=brand_id, sku=sku)
    if replacement is None:
        raise NotFound(f"no variant with SKU {sku!r}", errors=[FieldError(field, "no such SKU")])
    if replacement.product_id != original.product_id:
        raise_field_errors([FieldError(field, "an exchange is for another variant of the same product")])
    if (replacement.price_minor, replacement.currency) != (original.price_minor, original.currency):
        raise_field_errors([FieldError(field, "an exchange must be for a variant of the same price")])
    return replacement


def refund_split(amount: int, offset: int, capacities: list[int]) -> list[int]:
    """How much of a refund each payment gives back, payments taken in order.

    An order's payments (the checkout payment, then each made-to-order balance) are refunded
    first to last: a refund of ``amount`` starting after ``offset`` already refunded takes the
    part of ``[offset, offset + amount)`` that falls in each payment's range.
    """
    parts = []
    start = 0
    for capacity in capacities:
        end = start + capacity
        parts.append(max(0, min(end, offset + amount) - max(start, offset)))
        start = end
    if sum(parts) != amount:
        raise ValueError(f"a refund of {amount} after {offset} exceeds the payments {capacities}")
    return parts


async def _payments(order: Order) -> list[tuple[str, int]]:
    """The order's payments, in refund order: the checkout payment, then charged balances."""
    balances = await Fulfilment.filter(order_id=order.id, balance_intent__isnull=False).order_by("id")
    first = order.paid_minor - sum(f.balance_minor for f in balances)
    return [(order.payment_intent or "", first)] + [(f.balance_intent or "", f.balance_minor) for f in balances]


async def complete_refund(ret: Return, gateway: PaymentGateway, now: datetime) -> None:
    """Refund a pending return at Stripe (idempotently, one refund per payment it draws on), then record it."""
    order = await Order.get(id=ret.order_id)
    payments = await _payments(order)
    split = tender.split_refund(ret.refund_minor, ret.refund_offset, order.credit_minor, order.total_minor)
    parts = refund_split(split.card, split.card_offset, [amount for _, amount in payments])
    refund_ids = []
    for i, ((intent, _), part) in enumerate(zip(payments, parts, strict=True)):
        if part:
            refund = await gateway.create_refund(
                payment_intent=intent,
                amount=Money(amount=part, currency=order.currency),
                idempotency_key=f"return-{ret.id}-refund" + (f"-{i}" if i else ""),
            )
            refund_ids.append(refund.id)
    async with in_transaction():
        locked = await Return.filter(id=ret.id).select_for_update().get()
        if locked.status != "refund_pending":
            return
        locked.status, locked.refund_id, locked.completed_at = "completed", ",".join(refund_ids)[:100], now
        await locked.save(update_fields=["status", "refund_id", "completed_at"])
        order = await Order.filter(id=order.id).select_for_update().get()
        async with kpi_counters.following(order.id):
            order.refunded_minor += locked.refund_minor
            await order.save(update_fields=["refunded_minor", "updated_at"])


async def return_out(ret: Return, code: str | None = None) -> ReturnOut:
    """The return as the API shows it; ``code`` only in the answer whose call issued its store credit."""
    order = await Order.get(id=ret.order_id)

    def money(amount: int) -> Money:
        return Money(amount=amount, currency=order.currency)

    rows = await ReturnLine.filter(order_return_id=ret.id).order_by("id").prefetch_related("line")
    as_new_credit = ret.refund_minor - ret.credit_minor if ret.credit_id else 0  # the card's part, as store credit
    return ReturnOut(
        id=ret.id,
        order=order.id,
        status=ret.status,
        refund=money(ret.refund_minor),
        refund_to=cast("Literal['original', 'store_credit']", ret.refund_to),
        to_credit=money(ret.credit_minor + as_new_credit),
        store_credit=IssuedStoreCredit(code=code, amount=money(as_new_credit)) if ret.credit_id else None,
        refund_id=ret.refund_id,
        exchange_order=ret.exchange_order_id,
        lines=[
            ReturnLineOut(
                line=r.line.id,
                sku=r.line.sku,
                quantity=r.quantity,
                reason=r.reason,
                condition=r.condition,
                disposition=r.disposition,
                location=r.location,
                refund=money(r.refund_minor),
                exchange_sku=r.exchange_sku,
            )
            for r in rows
        ],
        created_at=ret.created_at,
        completed_at=ret.completed_at,
    )


async def list_returns(brand_id: uuid.UUID, order_id: uuid.UUID) -> list[ReturnOut]:
    returns = await Return.filter(order_id=order_id, order__brand_id=brand_id).order_by("id")
    return [await return_out(r) for r in returns]
