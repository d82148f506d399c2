"""Moving orders along after payment (fulfilment steps), listing them and their KPIs.

Payments are applied in :mod:`.payment`, returns in :mod:`.returns`; orders are read as the API
shows them by :mod:`.reading`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, cast

from tortoise.transactions import in_transaction

from storefront.cart import OrderRef
from storefront.clock import utcnow
from storefront.errors import Conflict, FieldError, NotFound, PaymentDeclined, PaymentsUnavailable
from storefront.money import Money
from storefront.orders import kpi_counters, kpis, states
from storefront.orders.models import Fulfilment, Order
from storefront.orders.placing import record_event
from storefront.orders.reading import find_order, order_out, orders_out
from storefront.orders.schemas import KpiSummary, OrderOut, StepIn
from storefront.pagination import Page, page_of, page_query
from storefront.tenancy import brand_currency

if TYPE_CHECKING:
    from storefront.payments import PaymentGateway


def due_at_checkout(order: Order) -> int:
    """What the checkout payment is for: the total less store credit and made-to-order balances due on dispatch."""
    return order.total_minor - order.balance_minor - order.credit_minor


class IllegalTransition(Conflict):
    code = "illegal_transition"
    title = "Not the next step for this fulfilment"


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
        async with kpi_counters.following(order.id):
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

    Read from the running counters (:mod:`.kpi_counters`): a row per method and reason, so the
    cost does not grow with the brand's orders.
    """
    return kpis.summary_of(await kpi_counters.read(brand_id), await brand_currency(brand_id))


async def order_ref(cart_id: uuid.UUID, brand_id: uuid.UUID) -> OrderRef | None:
    """The order a cart became, as the cart shows it (carts come before orders, so they ask through this).

    Read through the ``(brand_id, cart_id)`` unique index.
    """
    rows = await Order.filter(brand_id=brand_id, cart_id=cart_id).limit(1).values_list("id", "number", "status")
    return OrderRef(id=rows[0][0], number=rows[0][1], status=rows[0][2]) if rows else None
