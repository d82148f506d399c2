"""Purging idempotency records once they can no longer be replayed.

A record is answered for :data:`~storefront.api.idempotency.RETENTION` (24 hours, as Stripe
keeps its keys); after that the middleware treats it as gone anyway (it deletes an expired
record and lets the key be claimed afresh; a claim left by a crashed request is taken over by a
retry long before, once its lease lapses). Purging only what is older than the TTL therefore
changes no answer the middleware gives; it only stops the table growing without end.

Rows go in bounded batches, each its own short transaction, so neither SQLite's one connection
nor a PostgreSQL lock is ever held for long, whatever the backlog.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import cast

from tortoise.transactions import in_transaction

from storefront.api.idempotency import RETENTION
from storefront.api.models import IdempotencyRecord

BATCH_SIZE = 5_000


async def purge_idempotency_records(now: datetime, ttl: timedelta = RETENTION) -> int:
    """Delete every record created more than ``ttl`` before ``now``; return how many went."""
    cutoff = now - ttl
    deleted = 0
    while True:
        async with in_transaction():
            ids = cast(
                "list[uuid.UUID]",
                await IdempotencyRecord.filter(created_at__lt=cutoff).limit(BATCH_SIZE).values_list("id", flat=True),
            )
            if not ids:
                return deleted
            # A key reclaimed meanwhile is a new row (a new id): it is not in ``ids`` and stays.
            deleted += await IdempotencyRecord.filter(id__in=ids, created_at__lt=cutoff).delete()
        await asyncio.sleep(0)  # let waiting requests have the connection between batches


__all__ = ["BATCH_SIZE", "purge_idempotency_records"]
