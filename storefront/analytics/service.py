"""Analytics persistence: record component beacons, and report the funnel they make.

Events are **not idempotent**. ``navigator.sendBeacon`` can set no headers, so there is no
``Idempotency-Key``, and events carry no client id: a beacon the browser retries, or a page
that sends twice, counts twice. The only dedupe is of exact duplicates (every field equal)
within one batch, which is what a double-fired handler produces. Reports are for comparing
conversion, not for accounting; orders are the record of sales.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import msgspec
from tortoise.functions import Count

from storefront.analytics import rules
from storefront.analytics.models import AnalyticsEvent
from storefront.analytics.schemas import AnalyticsSummary, EventBatch
from storefront.clock import utcnow
from storefront.decoding import decode_json_body
from storefront.errors import FieldError, InvalidInput, raise_field_errors

DEFAULT_WINDOW = timedelta(days=30)


def decode_batch(raw: bytes) -> EventBatch:
    """The batch from a raw body, whatever its Content-Type: sendBeacon sends ``text/plain``."""
    return decode_json_body(raw, EventBatch)


async def record_events(brand_id: uuid.UUID, batch: EventBatch, *, now: datetime | None = None) -> int:
    """Append the batch's events (exact duplicates within it dropped) in one insert; return how many."""
    received_at = now or utcnow()
    unique = list(dict.fromkeys(batch.events))
    await AnalyticsEvent.bulk_create(
        [
            AnalyticsEvent(
                brand_id=brand_id,
                type=event.type,
                component=event.component,
                product=event.product,
                variant=event.variant,
                method=event.method,
                occurred_at=event.occurred_at,
                received_at=received_at,
            )
            for event in unique
        ]
    )
    return len(unique)


def _window(since: datetime | None, until: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    errors = [
        FieldError(f"query.{name}", "must include a UTC offset, e.g. 2026-11-23T10:00:00Z")
        for name, value in (("since", since), ("until", until))
        if value is not None and value.utcoffset() is None
    ]
    raise_field_errors(errors)
    end = until or now
    start = since or end - DEFAULT_WINDOW
    if start >= end:
        raise InvalidInput(
            "query.since: must be before until", errors=[FieldError("query.since", "must be before until")]
        )
    return start, end


async def summary(
    brand_id: uuid.UUID, *, since: datetime | None = None, until: datetime | None = None, now: datetime | None = None
) -> AnalyticsSummary:
    """The funnel of events *received* in ``[since, until)``; by default the 30 days up to now."""
    start, end = _window(since, until, now or utcnow())
    rows = (
        await AnalyticsEvent.filter(brand_id=brand_id, received_at__gte=start, received_at__lt=end)
        .annotate(n=Count("id"))
        .group_by("component", "product", "method", "type")
        .values_list("component", "product", "method", "type", "n")
    )
    funnel = rules.summarise(
        rules.CountRow(component=c, product=p, method=m, type=t, count=n) for c, p, m, t, n in rows
    )
    return msgspec.convert(
        {"since": start, "until": end, "groups": funnel.groups, "by_method": funnel.by_method},
        AnalyticsSummary,
        from_attributes=True,
    )
