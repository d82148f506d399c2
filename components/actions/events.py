"""The funnel events an action records once the cart or the order has changed.

The server records them because only it knows for certain that a line was added, an order
placed or a payment seen to succeed. Recording is best effort: a sale never fails for a count.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from components.context import LoadContext
from storefront.analytics import service as analytics
from storefront.analytics.rules import EventType
from storefront.analytics.schemas import MAX_BATCH, EventBatch, EventIn
from storefront.cart.schemas import CartOut
from storefront.clock import utcnow

log = logging.getLogger("stallkit.components")


async def record(ctx: LoadContext, events: Iterable[EventIn]) -> None:
    """Best effort: the shopper's cart or order is what matters, never the count."""
    batch = list(events)
    if not batch:
        return
    try:
        for start in range(0, len(batch), MAX_BATCH):
            await analytics.record_events(ctx.principal.brand_id, EventBatch(events=batch[start : start + MAX_BATCH]))
    except Exception:  # analytics must never fail a sale
        log.warning("could not record %d analytics events", len(batch), exc_info=True)


def line_events(kind: EventType, component: str, cart: CartOut) -> list[EventIn]:
    """One ``kind`` event per cart line, with its product, variant and fulfilment method."""
    now = utcnow()
    return [
        EventIn(
            type=kind,
            component=component,
            product=line.product,
            variant=line.sku,
            method=line.fulfilment.method,
            occurred_at=now,
        )
        for line in cart.lines
    ]
