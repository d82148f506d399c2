"""Applying payment news to an order: the one place the state machine's decisions take effect.

Every road (webhook, the browser's return, reconciliation) ends here, and so does an unpaid
order whose hold ran out (:func:`expire`). The decision is taken
under a row lock on the order, from its current status, so news that arrives twice or late
is a no-op. Stripe is never called inside the transaction: a late payment's refund is made
after the lock is released, with an idempotency key derived from the order, then recorded.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from storefront.fulfilment import capacity
from storefront.inventory import ledger
from storefront.money import Money
from storefront.orders import kpi_counters, states
from storefront.orders.models import CapacityHold, Fulfilment, Order, OrderCredit, StockHold
from storefront.orders.placing import mark_paid, record_event, sell_holds, settle_credit_holds
from storefront.orders.service import due_at_checkout
from storefront.tenancy import bump_catalog_version

if TYPE_CHECKING:
    from storefront.payments import PaymentGateway, PaymentIntentView


def signal_of(intent: PaymentIntentView) -> states.PaymentSignal | None:
    """What an intent's status tells an order; None while the shopper is still paying."""
    if intent.status == "succeeded":
        return "succeeded"
    if intent.status == "canceled":
        return "canceled"
    if intent.status == "requires_payment_method" and intent.last_error:
        return "failed"
    return None


async def apply_intent(
    order_id: uuid.UUID, intent: PaymentIntentView, *, source: str, gateway: PaymentGateway, now: datetime
) -> states.PaymentDecision | None:
    signal = signal_of(intent)
    if signal is None:
        return None
    return await apply_signal(
        order_id,
        signal,
        source=source,
        gateway=gateway,
        now=now,
        received=Money(amount=intent.amount_received, currency=intent.currency),
        charged=Money(amount=intent.amount, currency=intent.currency),
        detail=intent.last_error or "",
        attempt=intent.latest_charge,
    )


async def apply_signal(
    order_id: uuid.UUID,
    signal: states.PaymentSignal,
    *,
    source: str,
    gateway: PaymentGateway | None,
    now: datetime,
    received: Money | None = None,
    charged: Money | None = None,
    detail: str = "",
    attempt: str | None = None,
) -> states.PaymentDecision:
    """Apply ``signal``; ``attempt`` (the charge id) makes a decline heard twice count once."""
    async with in_transaction():
        order = await Order.filter(id=order_id).select_for_update().get()
        due = due_at_checkout(order)
        matches = charged is None or (charged.amount == due and charged.currency == order.currency)
        decision = states.on_payment(order.status, signal, amount_matches=matches)
        if decision.action == "commit_holds":
            async with kpi_counters.following(order.id):
                await _commit(order, received, source, now)
        elif decision.action == "release_holds":
            async with kpi_counters.following(order.id):
                await cancel_order(order, "payment_" + signal if signal != "expired" else "hold_expired", source, now)
        elif decision.action == "record_failure" and (attempt is None or attempt != order.last_failed_charge):
            order.last_failed_charge = attempt
            order.payment_failures += 1
            order.last_payment_error = (detail or "payment failed")[:300]
            await order.save(
                update_fields=["payment_failures", "last_payment_error", "last_failed_charge", "updated_at"]
            )
            await record_event(order.id, order.status, order.status, source, f"payment failed: {detail}")
        elif decision.action == "flag_amount":
            order.last_payment_error = f"intent amount {charged} does not match the order total"
            await order.save(update_fields=["last_payment_error", "updated_at"])
            await record_event(order.id, order.status, order.status, source, order.last_payment_error)
    if decision.action == "refund_late_payment" and gateway is not None and received is not None:
        await refund_late_payment(order, received, gateway, source)
    return decision


async def _commit(order: Order, received: Money | None, source: str, now: datetime) -> None:
    await sell_holds(order, await StockHold.filter(order_id=order.id, status="held").select_for_update())
    await _settle_credits(order, "redeemed", f"order {order.number} paid")
    await mark_paid(order, received.amount if received is not None else due_at_checkout(order), source, now)
    # No catalogue version bump: selling held units lowers on hand and reserved together, so what
    # product pages and quotes show (available = on hand - reserved) is unchanged, and their caches
    # stay valid through a sale. Checkout (the hold) and cancellation (the release) do bump.


async def cancel_order(order: Order, reason: str, source: str, now: datetime) -> None:
    """Cancel an unpaid order: its held stock goes back on sale and its capacity is freed."""
    for hold in await StockHold.filter(order_id=order.id, status="held").select_for_update():
        reason_text = f"order {order.number} {reason}"
        await ledger.release_held(hold.variant_id, hold.location_id, hold.quantity, reason_text)
        hold.status = "released"
        await hold.save(update_fields=["status"])
    for booking in await CapacityHold.filter(order_id=order.id, status="held"):
        await capacity.unbook(booking.microfactory_id, booking.day, booking.units)
        booking.status = "released"
        await booking.save(update_fields=["status"])
    await _settle_credits(order, "released", f"order {order.number} {reason}")
    await Fulfilment.filter(order_id=order.id).update(status="cancelled")
    await record_event(order.id, order.status, "cancelled", source, reason)
    order.status = "cancelled"
    order.cancelled_at = now
    order.cancel_reason = reason
    await order.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
    await bump_catalog_version(order.brand_id)


async def _settle_credits(order: Order, outcome: str, reason: str) -> None:
    """Spend the credit an order held (it is paid) or give it back (it is not), inside the caller's transaction."""
    await settle_credit_holds(
        order, await OrderCredit.filter(order_id=order.id, status="held").select_for_update(), outcome, reason
    )


async def refund_late_payment(order: Order, received: Money, gateway: PaymentGateway, source: str) -> None:
    """A payment that landed after its order was cancelled goes straight back to the shopper."""
    if not order.payment_intent or received.amount <= 0:
        return
    await gateway.create_refund(
        payment_intent=order.payment_intent, amount=received, idempotency_key=f"order-{order.id}-late-refund"
    )
    async with in_transaction():
        locked = await Order.filter(id=order.id).select_for_update().get()
        if locked.refunded_minor < received.amount:
            async with kpi_counters.following(locked.id):  # a cancelled order counts nothing; kept exact anyway
                locked.paid_minor = received.amount
                locked.refunded_minor = received.amount
                await locked.save(update_fields=["paid_minor", "refunded_minor", "updated_at"])
            await record_event(locked.id, locked.status, locked.status, source, "late payment refunded")


async def expire(order: Order, gateway: PaymentGateway, now: datetime, *, source: str) -> None:
    """End an unpaid order whose hold ran out: cancel its intent at the provider first, then apply the outcome.

    Cancelling may reveal that the payment succeeded in the meantime; the state machine then
    pays the order instead (its holds are still in place).
    """
    if order.payment_intent:
        intent = await gateway.cancel_payment_intent(order.payment_intent, idempotency_key=f"order-{order.id}-cancel")
        await apply_intent(order.id, intent, source=source, gateway=gateway, now=now)
    else:
        await apply_signal(order.id, "expired", source=source, gateway=gateway, now=now)
