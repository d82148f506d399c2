"""Webhook deliveries already handled, so a provider's retry or double delivery changes nothing.

Ids are recorded *after* the news is applied (by ``orders``), so news that failed half-way is
applied again when the provider retries it; that is safe because applying is idempotent (the
order state machine decides from the order's status).
"""

from __future__ import annotations

from tortoise.exceptions import IntegrityError

from storefront.payments.gateway import PaymentNews
from storefront.payments.models import StripeEvent


async def seen(event_id: str) -> bool:
    return await StripeEvent.exists(id=event_id)


async def remember(news: PaymentNews, outcome: str) -> bool:
    """Record that ``news`` was handled; False if another delivery of it was recorded first."""
    try:
        await StripeEvent.create(
            id=news.event_id, type=news.event_type, object_id=news.object_id, outcome=outcome[:300]
        )
    except IntegrityError:
        return False  # the same event, delivered twice at once: both applied it, idempotently
    return True
