"""Reconciliation: ask Stripe about every order still waiting, and finish what was left half-done.

Webhooks can be lost and browsers closed; this job is the road that always arrives. It
retrieves each pending order's intent and applies it; cancels (at Stripe first) orders whose
hold has expired, releasing their stock and capacity; and retries refunds that Stripe could
not take. Every step is idempotent, so running it from several workers, or twice, is safe.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

import msgspec

from storefront.clock import utcnow
from storefront.errors import PaymentsUnavailable
from storefront.orders.models import Order, Return
from storefront.orders.payment import apply_intent, expire
from storefront.orders.returns import complete_refund
from storefront.payments import PaymentGateway


class ReconcileReport(msgspec.Struct, kw_only=True):
    checked: int = 0
    paid: int = 0
    cancelled: int = 0
    refunds_completed: int = 0
    errors: int = 0


async def reconcile(gateway: PaymentGateway, *, now: datetime | None = None, limit: int = 500) -> ReconcileReport:
    now = now or utcnow()
    report = ReconcileReport()
    for order in await Order.filter(status="pending_payment").order_by("placed_at").limit(limit):
        report.checked += 1
        try:
            if now >= order.hold_expires_at:
                await expire(order, gateway, now, source="reconcile")
            elif order.payment_intent:
                intent = await gateway.retrieve_payment_intent(order.payment_intent)
                await apply_intent(order.id, intent, source="reconcile", gateway=gateway, now=now)
        except PaymentsUnavailable:
            report.errors += 1
            continue
        status = cast("str | None", await Order.filter(id=order.id).first().values_list("status", flat=True))
        report.paid += status == "paid"
        report.cancelled += status == "cancelled"
    for ret in await Return.filter(status="refund_pending").order_by("created_at").limit(limit):
        try:
            await complete_refund(ret, gateway, now)
            report.refunds_completed += 1
        except PaymentsUnavailable:
            report.errors += 1
    return report
