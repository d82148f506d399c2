"""Stripe webhooks: verified events turned into payment signals for the order state machine.

An event id seen before is answered and ignored. Ids are recorded *after* the event is
applied, so an event that failed half-way is applied again when Stripe retries it; that is
safe because applying is idempotent (the state machine decides from the order's status).
The order is found by its intent id, or by the ``order_id`` in the intent's metadata when the
webhook beats checkout to recording the intent id.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from storefront.money import from_stripe_amount
from storefront.orders.models import Order
from storefront.orders.payment import apply_intent
from storefront.orders.service import record_event
from storefront.payments.models import StripeEvent
from storefront.payments.stripe_gateway import StripeGateway, WebhookEvent, intent_from_event

# The intent in these events is a snapshot taken when the event happened, so its status says
# what happened; it is read and applied exactly as an intent fetched from the API would be.
_PAYMENT_INTENT_EVENTS = frozenset(
    {"payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled"}
)


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


async def handle_event(event: WebhookEvent, *, gateway: StripeGateway, now: datetime) -> str:
    if await StripeEvent.exists(id=event.id):
        return "replay"
    outcome = await _apply(event, gateway, now)
    try:
        await StripeEvent.create(id=event.id, type=event.type, object_id=event.object_id, outcome=outcome[:300])
    except IntegrityError:
        return "replay"  # the same event, delivered twice at once: both applied it, idempotently
    return outcome


async def _apply(event: WebhookEvent, gateway: StripeGateway, now: datetime) -> str:
    if event.type in _PAYMENT_INTENT_EVENTS:
        intent = intent_from_event(event)
        order = await _order_for_intent(intent.id, intent.metadata)
        if order is None:
            return "no order for this intent"
        decision = await apply_intent(order.id, intent, source="webhook", gateway=gateway, now=now)
        return decision.action if decision is not None else "ignored"
    if event.type == "charge.refunded":
        return await _charge_refunded(event.object)
    return "ignored"


async def _charge_refunded(charge: dict[str, Any]) -> str:
    """Stripe's view of what was refunded wins when it is more than ours (a refund made in its dashboard)."""
    intent_id = charge.get("payment_intent")
    if not intent_id:
        return "charge without an intent"
    async with in_transaction():
        order = await Order.filter(payment_intent=str(intent_id)).select_for_update().first()
        if order is None:
            return "no order for this charge"
        refunded = from_stripe_amount(int(charge.get("amount_refunded") or 0), order.currency).amount
        if refunded <= order.refunded_minor:
            return "already recorded"
        await record_event(order.id, order.status, order.status, "webhook", f"refunded {refunded} at Stripe")
        order.refunded_minor = refunded
        await order.save(update_fields=["refunded_minor", "updated_at"])
    return "refund recorded"
