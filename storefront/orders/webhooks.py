"""Payment news from the provider's webhooks, applied to orders.

``payments`` verifies a delivery and turns it into :class:`~storefront.payments.gateway.PaymentNews`;
this module finds the order it is about and lets the state machine (:mod:`.payment`) decide.
An event seen before is answered and ignored. The order is found by its intent id, or by the
``order_id`` in the intent's metadata when the webhook beats checkout to recording the intent id.

``payments`` has already checked each event's shape and that its amounts are sane numbers; what
only the order knows is checked here: a refund is in the order's currency and never more than
the payment it refunds took. News that fails is refused (a 400, via ``payments.refuse_news``)
and changes nothing, so Stripe delivers it again: a refund heard before its payment was
recorded then lands once the payment has.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import cast

from tortoise.transactions import in_transaction

from storefront.orders import kpi_counters
from storefront.orders.models import Fulfilment, Order
from storefront.orders.payment import apply_intent
from storefront.orders.placing import record_event
from storefront.payments import PaymentGateway, PaymentNews, refuse_news, webhooks


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
    """The provider's view of what was refunded wins when it is more than ours (a refund made in its dashboard).

    ``refunded`` is the checkout payment's refunded total (Stripe's ``amount_refunded`` of its
    charge), so it is bounded by what that payment took: the order's paid total less the
    made-to-order balances charged separately.
    """
    if news.refunded_intent is None or news.refunded is None:
        return "charge without an intent"
    async with in_transaction():
        order = await Order.filter(payment_intent=news.refunded_intent).select_for_update().first()
        if order is None:
            return "no order for this charge"
        refunded = news.refunded
        if refunded.currency != order.currency:
            raise refuse_news(news, f"a refund in {refunded.currency} of an order in {order.currency}")
        balances = await Fulfilment.filter(order_id=order.id, balance_intent__isnull=False).values_list(
            "balance_minor", flat=True
        )
        taken = order.paid_minor - sum(cast("list[int]", balances))
        if refunded.amount > taken:
            raise refuse_news(news, f"refunded {refunded.amount} of a payment of {taken} (not recorded as paid yet?)")
        if refunded.amount <= order.refunded_minor:
            return "already recorded"
        await record_event(order.id, order.status, order.status, "webhook", f"refunded {refunded.amount} at Stripe")
        async with kpi_counters.following(order.id):
            order.refunded_minor = refunded.amount
            await order.save(update_fields=["refunded_minor", "updated_at"])
    return "refund recorded"
