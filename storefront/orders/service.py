"""Reading orders and moving their fulfilments along; payments are applied in :mod:`.payment`."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING, cast

from tortoise import Tortoise
from tortoise.transactions import in_transaction

from storefront.cart import OrderRef
from storefront.clock import utcnow
from storefront.errors import Conflict, FieldError, NotFound, PaymentDeclined, PaymentsUnavailable
from storefront.money import Money
from storefront.orders import kpis, states
from storefront.orders.models import Fulfilment, Order, OrderLine, ReturnLine
from storefront.orders.placing import record_event
from storefront.orders.schemas import FulfilmentOut, KpiSummary, OrderLineOut, OrderOut, StepIn
from storefront.pagination import Page, page_of, page_query
from storefront.sql import uuid_param
from storefront.tenancy import brand_currency

if TYPE_CHECKING:
    from storefront.payments import PaymentGateway

def due_at_checkout(order: Order) -> int:
    """What the checkout payment is for: the total less made-to-order balances due on dispatch."""
    return order.total_minor - order.balance_minor


class IllegalTransition(Conflict):
    code = "illegal_transition"
    title = "Not the next step for this fulfilment"


async def find_order(brand_id: uuid.UUID, order_id: uuid.UUID) -> Order:
    order = await Order.get_or_none(id=order_id, brand_id=brand_id)
    if order is None:
        raise NotFound("no such order", errors=[FieldError("path.order_id", "no such order")])
    return order


async def order_out(order: Order) -> OrderOut:
    return (await orders_out([order]))[0]


async def orders_out(orders: list[Order]) -> list[OrderOut]:
    """Orders with their fulfilments, lines and received returns: three queries for any number of orders."""
    ids = [o.id for o in orders]
    fulfilments: dict[uuid.UUID, list[Fulfilment]] = defaultdict(list)
    for f in await Fulfilment.filter(order_id__in=ids).order_by("id"):
        fulfilments[f.order_id].append(f)
    lines: dict[uuid.UUID, list[OrderLine]] = defaultdict(list)
    for line in await OrderLine.filter(order_id__in=ids).order_by("id"):
        lines[line.order_id].append(line)
    returned: dict[uuid.UUID, list[tuple[str, str, int]]] = defaultdict(list)
    rows = (  # units received back; a return only requested has not come back yet
        await ReturnLine.filter(line__order_id__in=ids)
        .exclude(condition="")
        .values_list("line__order_id", "reason", "condition", "quantity")
    )
    for order_id, reason, condition, quantity in rows:
        returned[order_id].append((reason, condition, quantity))
    return [_order_out(o, fulfilments[o.id], lines[o.id], returned[o.id]) for o in orders]


def _order_out(
    order: Order, fulfilments: list[Fulfilment], lines: list[OrderLine], returned: list[tuple[str, str, int]]
) -> OrderOut:
    def money(amount: int) -> Money:
        return Money(amount=amount, currency=order.currency)

    return OrderOut(
        id=order.id,
        number=order.number,
        status=order.status,
        email=order.email,
        name=order.name,
        subtotal=money(order.subtotal_minor),
        fulfilment=money(order.fulfilment_minor),
        discount=money(order.discount_minor),
        total=money(order.total_minor),
        paid=money(order.paid_minor),
        refunded=money(order.refunded_minor),
        balance=money(order.balance_minor),
        payment_intent=order.payment_intent,
        payment_failures=order.payment_failures,
        last_payment_error=order.last_payment_error,
        hold_expires_at=order.hold_expires_at,
        placed_at=order.placed_at,
        paid_at=order.paid_at,
        fulfilled_at=order.fulfilled_at,
        cancelled_at=order.cancelled_at,
        cancel_reason=order.cancel_reason,
        exchange_of=order.exchange_of_id,
        fulfilments=[
            FulfilmentOut(
                id=f.id,
                method=f.method,
                status=f.status,
                location=f.location,
                zone=f.zone,
                postcode=f.postcode,
                fee=money(f.fee_minor),
                balance=money(f.balance_minor),
                balance_paid=f.balance_intent is not None,
                promised_earliest=f.promised_earliest,
                promised_latest=f.promised_latest,
                promise_rule=f.promise_rule,
                timezone=f.timezone,
                fulfilled_at=f.fulfilled_at,
            )
            for f in fulfilments
        ],
        lines=[
            OrderLineOut(
                id=line.id,
                fulfilment=line.fulfilment_id,
                sku=line.sku,
                title=line.title,
                quantity=line.quantity,
                unit_price=money(line.unit_price_minor),
                discount=money(line.discount_minor),
                total=money(line.total_minor),
                personalisation=line.personalisation,
                returned_quantity=line.returned_quantity,
            )
            for line in lines
        ],
        kpis=kpis.order_kpis(
            placed_at=order.placed_at,
            promised=[f.promised_latest for f in fulfilments],
            fulfilled=[f.fulfilled_at for f in fulfilments],
            fees=money(sum(f.fee_minor for f in fulfilments)),
            returns=[kpis.ReturnedUnits(reason=r, condition=c, quantity=q) for r, c, q in returned],
        ),
    )


async def get_order(brand_id: uuid.UUID, order_id: uuid.UUID) -> OrderOut:
    return await order_out(await find_order(brand_id, order_id))


async def list_orders(brand_id: uuid.UUID, *, status: str | None, cursor: str | None, limit: int) -> Page[OrderOut]:
    """One page in id order: ``WHERE brand_id [AND status] [AND id > cursor] ORDER BY id LIMIT limit + 1``.

    That is a range scan of the ``(brand_id, id)`` or ``(brand_id, status, id)`` index, and at most
    ``limit + 1`` orders are read (``limit`` is at most 100), so :func:`orders_out`'s IN lists stay small.
    """
    query = Order.filter(brand_id=brand_id)
    if status:
        query = query.filter(status=status)
    orders = await page_query(query, cursor, limit)
    return page_of(await orders_out(orders), [o.id for o in orders], limit)


async def refresh_status(order: Order, source: str, now: datetime) -> None:
    """Set the order's status from its fulfilments' (inside the caller's transaction, order locked)."""
    statuses = cast("list[str]", await Fulfilment.filter(order_id=order.id).values_list("status", flat=True))
    status = states.order_status(order.status, statuses)
    if status != order.status:
        await record_event(order.id, order.status, status, source)
        order.status = status
        if status == "fulfilled":
            order.fulfilled_at = now
        await order.save(update_fields=["status", "fulfilled_at", "updated_at"])


async def locked_order(brand_id: uuid.UUID, order_id: uuid.UUID) -> Order:
    """The brand's order, row-locked for the caller's transaction; 404 otherwise."""
    order = await Order.filter(id=order_id, brand_id=brand_id).select_for_update().first()
    if order is None:
        raise NotFound("no such order", errors=[FieldError("path.order_id", "no such order")])
    return order


async def _locked(brand_id: uuid.UUID, order_id: uuid.UUID, fulfilment_id: uuid.UUID) -> tuple[Order, Fulfilment]:
    order = await locked_order(brand_id, order_id)
    fulfilment = await Fulfilment.filter(id=fulfilment_id, order_id=order.id).select_for_update().first()
    if fulfilment is None:
        raise NotFound("no such fulfilment", errors=[FieldError("path.fulfilment_id", "no such fulfilment")])
    return order, fulfilment


def _step(fulfilment: Fulfilment, target: str) -> str:
    try:
        return states.next_step(fulfilment.method, fulfilment.status, target)
    except states.IllegalStep as exc:
        raise IllegalTransition(str(exc), errors=[FieldError("body.status", str(exc))]) from None


def _balance_due(fulfilment: Fulfilment, target: str) -> bool:
    return target == "out_for_delivery" and fulfilment.balance_minor > 0 and fulfilment.balance_intent is None


async def advance_fulfilment(
    brand_id: uuid.UUID,
    order_id: uuid.UUID,
    fulfilment_id: uuid.UUID,
    data: StepIn,
    *,
    gateway: PaymentGateway | None = None,
    now: datetime | None = None,
) -> OrderOut:
    """Move one fulfilment to its method's next step: the only way an order progresses after payment.

    A made-to-order piece with a deposit ships only once its balance is charged to the card kept
    at checkout: the charge is made first, outside any transaction, with a key made from the
    fulfilment, so a retried step never charges twice; a decline (402) leaves the piece unshipped.
    """
    now = now or utcnow()
    async with in_transaction():
        order, fulfilment = await _locked(brand_id, order_id, fulfilment_id)
        _step(fulfilment, data.status)
        charge = _balance_due(fulfilment, data.status)
    intent_id = None
    if charge:
        intent_id = await _charge_balance(order, fulfilment, gateway)
    async with in_transaction():
        order, fulfilment = await _locked(brand_id, order_id, fulfilment_id)
        target = _step(fulfilment, data.status)
        if intent_id is not None and fulfilment.balance_intent is None:
            fulfilment.balance_intent = intent_id
            order.paid_minor += fulfilment.balance_minor
            await order.save(update_fields=["paid_minor", "updated_at"])
            await record_event(order.id, order.status, order.status, "merchant", f"balance {intent_id} charged")
        await record_event(order.id, fulfilment.status, target, "merchant", fulfilment_id=fulfilment.id)
        fulfilment.status = target
        fulfilment.fulfilled_at = now if target == "fulfilled" else None
        await fulfilment.save(update_fields=["status", "fulfilled_at", "balance_intent", "updated_at"])
        await refresh_status(order, "merchant", now)
    return await order_out(order)


async def _charge_balance(order: Order, fulfilment: Fulfilment, gateway: PaymentGateway | None) -> str:
    if gateway is None or not order.payment_intent or not order.stripe_customer:
        raise PaymentsUnavailable("the balance cannot be charged: no card was kept at checkout")
    paid = await gateway.retrieve_payment_intent(order.payment_intent)
    if not paid.payment_method:
        raise PaymentsUnavailable("the checkout payment has no card to charge the balance to")
    intent = await gateway.charge_saved_card(
        customer=order.stripe_customer,
        payment_method=paid.payment_method,
        amount=Money(amount=fulfilment.balance_minor, currency=order.currency),
        order_id=str(order.id),
        idempotency_key=f"fulfilment-{fulfilment.id}-balance",
    )
    if intent.status != "succeeded":
        raise PaymentDeclined(f"the balance was not paid: {intent.last_error or intent.status}")
    return intent.id


async def kpi_summary(brand_id: uuid.UUID) -> list[KpiSummary]:
    """Figures by method over the brand's paid orders, as :func:`kpis.summarise` defines them.

    Computed in the database with two grouped queries of one parameter each: no order is loaded,
    so memory and parameters stay bounded whatever the brand's volume (the orders themselves are
    read by the ``(brand_id, status, id)`` index, their fulfilments, lines and returns by their FKs).
    """
    connection = Tortoise.get_connection("default")
    dialect = connection.capabilities.dialect
    totals_sql, reasons_sql = kpis.summary_sql(dialect)
    params = [uuid_param(dialect, brand_id)]
    totals = await connection.execute_query_dict(totals_sql, params)
    reasons = await connection.execute_query_dict(reasons_sql, params) if totals else []
    return kpis.summary_from_rows(totals, reasons, await brand_currency(brand_id))


async def order_ref(cart_id: uuid.UUID, brand_id: uuid.UUID) -> OrderRef | None:
    """The order a cart became, as the cart shows it (carts come before orders, so they ask through this).

    Read through the ``(brand_id, cart_id)`` unique index.
    """
    rows = await Order.filter(brand_id=brand_id, cart_id=cart_id).limit(1).values_list("id", "number", "status")
    return OrderRef(id=rows[0][0], number=rows[0][1], status=rows[0][2]) if rows else None
