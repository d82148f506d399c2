"""Analytics persistence: record component beacons, and report the funnel they make.

Events are **not idempotent**. ``navigator.sendBeacon`` can set no headers, so there is no
``Idempotency-Key``, and events carry no client id: a beacon the browser retries, or a page
that sends twice, counts twice. The only dedupe is of exact duplicates (every field equal)
within one batch, which is what a double-fired handler produces. Reports are for comparing
conversion, not for accounting; orders are the record of sales.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

import msgspec
from tortoise.functions import Count

from storefront.analytics import rules
from storefront.analytics.models import AnalyticsEvent
from storefront.analytics.schemas import AnalyticsSummary, EventBatch
from storefront.clock import utcnow
from storefront.errors import FieldError, InvalidInput, MalformedRequest

DEFAULT_WINDOW = timedelta(days=30)
_DECODER = msgspec.json.Decoder(EventBatch)
_LOCATION = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]+)`")


def _field_error(message: str) -> FieldError:
    """msgspec's ``... - at `$.events[0].type``` as a field error on ``body.events[0].type``."""
    path = ""
    match = _LOCATION.search(message)
    if match:
        message, path = message[: match.start()], match.group("path")
    unknown = _UNKNOWN_FIELD.search(message)
    if unknown:
        path = f"{path}.{unknown.group(1)}"
    return FieldError(f"body{path}", message)


def decode_batch(raw: bytes) -> EventBatch:
    """The batch from a raw body, whatever its Content-Type: sendBeacon sends ``text/plain``.

    Bytes that are not JSON are :class:`MalformedRequest` (400); JSON that breaks the schema is
    :class:`InvalidInput` (422) naming the field, e.g. ``body.events[0].type``.
    """
    if not raw.strip():
        raise MalformedRequest("this request needs a JSON object body", errors=[FieldError("body", "missing")])
    try:
        return _DECODER.decode(raw)
    except msgspec.ValidationError as exc:
        error = _field_error(str(exc))
        raise InvalidInput(f"{error.field}: {error.message}", errors=[error]) from None
    except msgspec.DecodeError as exc:
        raise MalformedRequest(
            f"the body is not valid JSON: {exc}", errors=[FieldError("body", "invalid JSON")]
        ) from None


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
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
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
