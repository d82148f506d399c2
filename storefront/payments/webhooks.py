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

from storefront.money import Money
from storefront.orders.models import Order
from storefront.orders.payment import apply_signal
from storefront.orders.service import record_event
from storefront.orders.states import PaymentSignal
from storefront.payments.models import StripeEvent
from storefront.payments.stripe_gateway import StripeGateway, WebhookEvent

_SIGNALS: dict[str, PaymentSignal] = {
    "payment_intent.succeeded": "succeeded",
    "payment_intent.payment_failed": "failed",
    "payment_intent.canceled": "canceled",
}


async def _order_for_intent(intent_id: str, metadata: dict[str, Any] | None) -> Order | None:
    order = await Order.get_or_none(payment_intent=intent_id)
    if order is None and metadata and metadata.get("order_id"):
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
    obj = event.object
    if event.type in _SIGNALS:
        order = await _order_for_intent(event.object_id, obj.get("metadata"))
        if order is None:
            return "no order for this intent"
        currency = str(obj.get("currency", order.currency)).upper()
        received = obj.get("amount_received")
        if received is None and event.type == "payment_intent.succeeded":
            received = obj.get("amount")  # test servers may leave it out; a succeeded intent received it all
        error = obj.get("last_payment_error") or {}
        decision = await apply_signal(
            order.id,
            _SIGNALS[event.type],
            source="webhook",
            gateway=gateway,
            now=now,
            received=Money(amount=int(received or 0), currency=currency),
            charged=Money(amount=int(obj.get("amount") or 0), currency=currency),
            detail=str(error.get("message") or error.get("code") or "") if isinstance(error, dict) else str(error),
            attempt=_charge_id(obj.get("latest_charge")),
        )
        return decision.action
    if event.type == "charge.refunded":
        return await _charge_refunded(obj)
    return "ignored"


def _charge_id(value: Any) -> str | None:
    if isinstance(value, dict):
        return str(value.get("id")) if value.get("id") else None
    return str(value) if value else None


async def _charge_refunded(charge: dict[str, Any]) -> str:
    """Stripe's view of what was refunded wins when it is more than ours (a refund made in its dashboard)."""
    intent_id = charge.get("payment_intent")
    if not intent_id:
        return "charge without an intent"
    async with in_transaction():
        order = await Order.filter(payment_intent=str(intent_id)).select_for_update().first()
        if order is None:
            return "no order for this charge"
        refunded = int(charge.get("amount_refunded") or 0)
        if refunded <= order.refunded_minor:
            return "already recorded"
        await record_event(order.id, order.status, order.status, "webhook", f"refunded {refunded} at Stripe")
        order.refunded_minor = refunded
        await order.save(update_fields=["refunded_minor", "updated_at"])
    return "refund recorded"
