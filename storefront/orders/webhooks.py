"""Payment news from the provider's webhooks, applied to orders.

``payments`` verifies a delivery and turns it into :class:`~storefront.payments.gateway.PaymentNews`;
this module finds the order it is about and lets the state machine (:mod:`.payment`) decide.
An event seen before is answered and ignored. The order is found by its intent id, or by the
``order_id`` in the intent's metadata when the webhook beats checkout to recording the intent id.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from tortoise.transactions import in_transaction

from storefront.orders.models import Order
from storefront.orders.payment import apply_intent
from storefront.orders.placing import record_event
from storefront.payments import PaymentGateway, PaymentNews, webhooks


async def receive(news: PaymentNews, *, gateway: PaymentGateway, now: datetime) -> str:
    """Apply a verified delivery once; answer what it did (``replay`` for one seen before)."""
    if await webhooks.seen(news.event_id):
        return "replay"
    outcome = await _apply(news, gateway, now)
    if not await webhooks.remember(news, outcome):
        return "replay"
    return outcome


async def _order_for_intent(intent_id: str, metadata: dict[str, str]) -> Order | None:
    order = await Order.get_or_none(payment_intent=intent_id)
    if order is None and metadata.get("order_id"):
        try:
            order_id = uuid.UUID(str(metadata["order_id"]))
        except ValueError:
            return None
        # Record the intent on the order now; checkout, arriving later, only fills an empty one.
        if await Order.filter(id=order_id, payment_intent=None).update(payment_intent=intent_id):
            order = await Order.get_or_none(id=order_id)
    return order


async def _apply(news: PaymentNews, gateway: PaymentGateway, now: datetime) -> str:
    if news.intent is not None:
        order = await _order_for_intent(news.intent.id, news.intent.metadata)
        if order is None:
            return "no order for this intent"
        decision = await apply_intent(order.id, news.intent, source="webhook", gateway=gateway, now=now)
        return decision.action if decision is not None else "ignored"
    if news.event_type == "charge.refunded":
        return await _charge_refunded(news)
    return "ignored"


async def _charge_refunded(news: PaymentNews) -> str:
    """The provider's view of what was refunded wins when it is more than ours (a refund made in its dashboard)."""
    if news.refunded_intent is None or news.refunded is None:
        return "charge without an intent"
    async with in_transaction():
        order = await Order.filter(payment_intent=news.refunded_intent).select_for_update().first()
        if order is None:
            return "no order for this charge"
        refunded = news.refunded.amount
        if refunded <= order.refunded_minor:
            return "already recorded"
        await record_event(order.id, order.status, order.status, "webhook", f"refunded {refunded} at Stripe")
        order.refunded_minor = refunded
        await order.save(update_fields=["refunded_minor", "updated_at"])
    return "refund recorded"
