"""Orders sold at a pop-up stall: recorded as already paid and handed over, voided, or partly returned.

A stall sale was completed offline, paid at the stall (cash, the stall's card terminal, store
credit) and carried away, so it arrives here as a fact: an order ``fulfilled`` at the placing
instant, one ``stall`` fulfilment at the stall location, its lines at the stall's prices and its
receipt number (the device's mark and running number) as the order number. Nothing is held or
quoted and nothing can be refused: the units leave the stall through the stock ledger even past
what is there (the level goes negative and the event's report explains it).

A sync batch brings up to two hundred sales, so :func:`record_sales` writes them set-based: one
insert per table for the whole batch and one move of the running KPI counters, by figures worked
out here (a stall order is fulfilled on the spot: on time, no lead time, no fee), which the
counters' recomputation from the orders checks. Voids and returns are rare and go one order at a
time through :func:`kpi_counters.following` like every other change to an order.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import cast

import msgspec
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from storefront.clock import utcnow
from storefront.errors import StallkitError
from storefront.ids import new_id
from storefront.inventory import ledger
from storefront.orders import kpi_counters, kpis, placing, service
from storefront.orders.models import Fulfilment, Order, OrderLine, Return, ReturnLine
from storefront.orders.schemas import StepIn
from storefront.orders.states import FLOWS, FulfilmentStep, IllegalStep
from storefront.sql import POSTGRES

METHOD = "stall"
SOURCE = "stall"
RETURN_REASON = "stall"  # the KPI reason of units brought back to a stall


class StallLine(msgspec.Struct, frozen=True, kw_only=True):
    variant_id: uuid.UUID
    sku: str
    title: str
    quantity: int
    unit_price_minor: int
    discount_minor: int  # the line's share of the sale's discount
    total_minor: int


class StallSale(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID  # the order's id, made by the caller (it links its journal entry to it)
    brand_id: uuid.UUID
    number: str  # the receipt number, unique among orders
    currency: str
    email: str
    subtotal_minor: int
    discount_minor: int
    total_minor: int
    credit_minor: int  # of the total, paid by store credit
    placed_at: datetime  # the till's instant
    location_id: uuid.UUID  # the stall
    location: str  # its handle
    timezone: str
    detail: str  # where it came from, for the order's history (event, device, entry)
    lines: list[StallLine]  # lines of SKUs the catalogue does not know are left to the caller
    exchange_of: uuid.UUID | None = None


# On PostgreSQL the batch's numbers go as one array, joined to the unique index. As an ``IN`` list
# of two hundred parameters, the plan PostgreSQL kept for the prepared statement scanned the whole
# table, comparing each order with every number: up to 170 ms a batch by 10,000 orders.
_TAKEN = (
    'SELECT "order"."number" FROM unnest($1::varchar[]) AS "wanted"("number") '
    'JOIN "order" ON "order"."number" = "wanted"."number"'
)


async def taken_numbers(numbers: Sequence[str]) -> set[str]:
    """Which of these receipt numbers an order already carries (one query for a batch)."""
    if not numbers:
        return set()
    connection = get_connection("default")
    if connection.capabilities.dialect == POSTGRES:
        found = await connection.execute_query_dict(_TAKEN, [list(numbers)])
        return {str(row["number"]) for row in found}
    rows = await Order.filter(number__in=list(numbers)).values_list("number", flat=True)
    return {str(number) for number in rows}


def _figures(sale: StallSale) -> kpis.MethodFigures:
    return kpis.MethodFigures(orders=1, fulfilled=1, on_time=1, revenue=sum(line.total_minor for line in sale.lines))


def _settled(
    sale: StallSale, written: datetime
) -> tuple[placing.SettledOrder, placing.SettledFulfilment, list[placing.SettledLine], placing.SettledEvent]:
    """The sale's rows, ids drawn in the order the ORM drew them (fulfilment, lines, event), so they sort alike."""
    at = sale.placed_at
    order = placing.SettledOrder(
        id=sale.id,
        brand_id=sale.brand_id,
        exchange_of_id=sale.exchange_of,
        number=sale.number,
        status="fulfilled",
        email=sale.email,
        currency=sale.currency,
        subtotal_minor=sale.subtotal_minor,
        fulfilment_minor=0,
        discount_minor=sale.discount_minor,
        total_minor=sale.total_minor,
        paid_minor=sale.total_minor,
        credit_minor=sale.credit_minor,
        hold_expires_at=at,
        placed_at=at,
        paid_at=at,
        fulfilled_at=at,
        updated_at=written,
    )
    fulfilment = placing.SettledFulfilment(
        id=new_id(),
        order_id=sale.id,
        method=METHOD,
        status="fulfilled",
        location=sale.location,
        promised_earliest=at,
        promised_latest=at,
        promise_rule=METHOD,
        timezone=sale.timezone,
        fulfilled_at=at,
        updated_at=written,
    )
    lines = [
        placing.SettledLine(
            id=new_id(),
            order_id=sale.id,
            fulfilment_id=fulfilment.id,
            variant_id=line.variant_id,
            sku=line.sku,
            title=line.title[:403],
            quantity=line.quantity,
            unit_price_minor=line.unit_price_minor,
            discount_minor=line.discount_minor,
            total_minor=line.total_minor,
        )
        for line in sale.lines
    ]
    event = placing.SettledEvent(
        id=new_id(),
        order_id=sale.id,
        from_status="",
        to_status="fulfilled",
        source=SOURCE,
        detail=sale.detail[:300],
        created_at=written,
    )
    return order, fulfilment, lines, event


async def record_sales(sales: Sequence[StallSale]) -> dict[uuid.UUID, int]:
    """Write the sales as paid, handed-over orders and take their units off the stall, in the caller's transaction.

    Answers each variant's on hand at the stall afterwards (negative: sold past what was there).
    """
    if not sales:
        return {}
    written = utcnow()  # what the ORM stamps ``updated_at`` and ``created_at`` with: the write's instant
    orders: list[placing.SettledOrder] = []
    fulfilments: list[placing.SettledFulfilment] = []
    lines: list[placing.SettledLine] = []
    events: list[placing.SettledEvent] = []
    moves: dict[uuid.UUID, list[tuple[uuid.UUID, int, str]]] = {}
    for sale in sales:
        order, fulfilment, sale_lines, event = _settled(sale, written)
        orders.append(order)
        fulfilments.append(fulfilment)
        lines.extend(sale_lines)
        events.append(event)
        for line in sale.lines:
            moves.setdefault(sale.location_id, []).append((line.variant_id, line.quantity, f"stall sale {sale.number}"))
    await placing.place_settled(orders, fulfilments, lines, events)
    on_hand: dict[uuid.UUID, int] = {}
    for location_id, moved in moves.items():
        on_hand.update(await ledger.sell_at_stall(sales[0].brand_id, location_id, moved))
    total = kpis.NOTHING
    for sale in sales:
        total = total.plus(_figures(sale))
    await kpi_counters.add(sales[0].brand_id, {METHOD: total})
    return on_hand


async def _locked(brand_id: uuid.UUID, order_id: uuid.UUID) -> Order | None:
    return await Order.filter(brand_id=brand_id, id=order_id).select_for_update().first()


async def void_sale(
    brand_id: uuid.UUID, order_id: uuid.UUID, location_id: uuid.UUID, *, detail: str, now: datetime
) -> str | None:
    """Undo a stall sale: cancelled, refunded as paid (at the stall), its units back on the stall's shelf.

    Answers why nothing was done (the order is not a stall sale, or is voided already), or None.
    """
    async with in_transaction():
        order = await _locked(brand_id, order_id)
        if order is None:
            return "no such order"
        if order.status == "cancelled":
            return f"order {order.number} is already void"
        lines = await OrderLine.filter(order_id=order.id)
        async with kpi_counters.following(order.id):
            order.status = "cancelled"
            order.cancelled_at = now
            order.cancel_reason = "stall_void"
            order.refunded_minor = order.paid_minor
            await order.save(update_fields=["status", "cancelled_at", "cancel_reason", "refunded_minor", "updated_at"])
        for line in lines:
            units = line.quantity - line.returned_quantity
            if units > 0:
                await ledger.restock(brand_id, line.variant_id, location_id, units, f"stall void {order.number}")
        await placing.record_event(order.id, "fulfilled", "cancelled", SOURCE, detail)
    return None


class ReturnedLine(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    quantity: int
    restock: bool  # back on the stall's shelf; else kept apart (quarantined) as damaged


class StallReturn(msgspec.Struct, frozen=True, kw_only=True):
    refund_minor: int
    credit_minor: int  # of the refund, onto a new store credit
    credit_id: uuid.UUID | None
    location_id: uuid.UUID
    location: str
    number: str  # the return's receipt number
    detail: str
    lines: list[ReturnedLine]


async def return_lines(brand_id: uuid.UUID, order_id: uuid.UUID, data: StallReturn, *, now: datetime) -> list[str]:
    """Record units of a stall sale brought back to the stall and the refund given there.

    Answers what could not be matched (a SKU not on the order, more units than are left to
    return): those lines are left out, the rest are recorded; the caller flags them.
    """
    problems: list[str] = []
    async with in_transaction():
        order = await _locked(brand_id, order_id)
        if order is None:
            return ["no such order"]
        lines = await OrderLine.filter(order_id=order.id).order_by("id")
        matched: list[tuple[OrderLine, ReturnedLine]] = []
        for wanted in data.lines:
            line = next((x for x in lines if x.sku == wanted.sku and x.quantity - x.returned_quantity > 0), None)
            if line is None or line.quantity - line.returned_quantity < wanted.quantity:
                problems.append(f"{wanted.quantity} x {wanted.sku} are not left to return on order {order.number}")
                continue
            matched.append((line, wanted))
        async with kpi_counters.following(order.id):
            made = await Return.create(
                order_id=order.id,
                status="completed",
                refund_minor=data.refund_minor,
                refund_offset=order.refunded_minor,
                refund_to="store_credit" if data.credit_minor else "original",
                credit_minor=data.credit_minor,
                credit_id=data.credit_id,
                completed_at=now,
            )
            for line, wanted in matched:
                await ReturnLine.create(
                    order_return_id=made.id,
                    line_id=line.id,
                    quantity=wanted.quantity,
                    reason=RETURN_REASON,
                    condition="resaleable" if wanted.restock else "damaged",
                    disposition="restocked" if wanted.restock else "quarantined",
                    first_unit=line.returned_quantity,
                    location=data.location,
                )
                line.returned_quantity += wanted.quantity
                await line.save(update_fields=["returned_quantity"])
                move = ledger.restock if wanted.restock else ledger.quarantine
                await move(brand_id, line.variant_id, data.location_id, wanted.quantity, f"stall return {data.number}")
            order.refunded_minor += data.refund_minor
            await order.save(update_fields=["refunded_minor", "updated_at"])
        await placing.record_event(order.id, order.status, order.status, SOURCE, data.detail)
    return problems


async def collect(brand_id: uuid.UUID, order_id: uuid.UUID, *, now: datetime) -> str | None:
    """A reservation collected at the stall: its pickup steps taken to ``fulfilled``; answers why not, or None.

    Through the one step function every fulfilment takes (:func:`service.advance_fulfilment`), so
    the order's status, history and KPI counters move as they do at a shop counter.
    """
    order = await Order.get_or_none(brand_id=brand_id, id=order_id)
    if order is None:
        return "no such order"
    pending = await Fulfilment.filter(order_id=order.id, method="pickup").exclude(status__in=("fulfilled", "cancelled"))
    if not pending:
        return f"order {order.number} has no pickup left to collect"
    for fulfilment in pending:
        flow = FLOWS["pickup"]
        if fulfilment.status not in flow:
            return f"order {order.number} is {fulfilment.status}, not ready to collect"
        for step in flow[flow.index(fulfilment.status) + 1 :]:
            try:
                target = cast("FulfilmentStep", step)
                await service.advance_fulfilment(brand_id, order.id, fulfilment.id, StepIn(status=target), now=now)
            except (IllegalStep, StallkitError) as exc:
                return f"order {order.number} could not be collected: {exc}"
    return None
