"""Analytics persistence: record component beacons, report the funnel they make, prune old events.

Events are **not idempotent**. ``navigator.sendBeacon`` can set no headers, so there is no
``Idempotency-Key``, and events carry no client id: a beacon the browser retries, or a page
that sends twice, counts twice. The only dedupe is of exact duplicates (every field equal)
within one batch, which is what a double-fired handler produces. Reports are for comparing
conversion, not for accounting; orders are the record of sales.

Each batch is appended to the raw log and, in the same transaction, added to the hourly
rollups (one counter per brand, UTC hour, component, product, method and type). Reports read
the rollups for whole hours, so a 30-day summary reads at most 720 rows per key whatever the
traffic, and the raw log only for the partial hours at a window's edges. The raw log is kept
for the retention (``STALLKIT_ANALYTICS_RETENTION_DAYS``) and then pruned by :func:`prune_events`;
rollups are kept.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import msgspec
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Count, Sum
from tortoise.transactions import in_transaction

from storefront.analytics import rules
from storefront.analytics.models import NO_METHOD, AnalyticsEvent, AnalyticsRollup
from storefront.analytics.schemas import AnalyticsSummary, EventBatch
from storefront.clock import utcnow
from storefront.decoding import decode_json_body
from storefront.errors import FieldError, InvalidInput, raise_field_errors
from storefront.sql import placeholder, uuid_param

DEFAULT_WINDOW = timedelta(days=30)
HOUR = timedelta(hours=1)
PRUNE_BATCH = 5_000  # ids per DELETE: each statement holds SQLite's one connection only briefly

# One statement per batch: a row per distinct key (aggregated in Python first, since PostgreSQL
# refuses to update one row twice in one INSERT ... ON CONFLICT), adding to existing counters.
_UPSERT = (
    'INSERT INTO "analytics_rollup" ("brand_id", "hour", "component", "product", "method", "type", "count") '
    "VALUES {rows} "
    'ON CONFLICT ("brand_id", "hour", "component", "product", "method", "type") '
    'DO UPDATE SET "count" = "analytics_rollup"."count" + excluded."count"'
)
_ROLLUP_COLUMNS = 7

RollupKey = tuple[str, str, str, str]  # component, product, method (NO_METHOD for none), type


def decode_batch(raw: bytes) -> EventBatch:
    """The batch from a raw body, whatever its Content-Type: sendBeacon sends ``text/plain``."""
    return decode_json_body(raw, EventBatch)


def hour_of(instant: datetime) -> datetime:
    """The start of the UTC hour ``instant`` falls in: the rollups' bucket."""
    return instant.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _next_hour_boundary(instant: datetime) -> datetime:
    """``instant`` if it starts a UTC hour, else the start of the next one."""
    floor = hour_of(instant)
    return floor if floor == instant else floor + HOUR


def upsert_sql(dialect: str, rows: int) -> str:
    """The rollup upsert for ``rows`` keys, with this dialect's placeholders (``$n`` on PostgreSQL, ``?`` else)."""
    groups = (
        "(" + ", ".join(placeholder(dialect, r * _ROLLUP_COLUMNS + c + 1) for c in range(_ROLLUP_COLUMNS)) + ")"
        for r in range(rows)
    )
    return _UPSERT.format(rows=", ".join(groups))


async def record_events(brand_id: uuid.UUID, batch: EventBatch, *, now: datetime | None = None) -> int:
    """Append the batch's events (exact duplicates within it dropped) and add them to the rollups; return how many.

    One transaction, two statements: the raw insert and one upsert for the batch's distinct
    rollup keys.
    """
    received_at = (now or utcnow()).astimezone(UTC)
    unique = list(dict.fromkeys(batch.events))
    counts = Counter[RollupKey](
        (event.component, event.product, event.method or NO_METHOD, event.type) for event in unique
    )
    async with in_transaction() as connection:
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
            ],
            using_db=connection,
        )
        await _add_to_rollups(connection, brand_id, hour_of(received_at), counts)
    return len(unique)


async def _add_to_rollups(
    connection: BaseDBAsyncClient, brand_id: uuid.UUID, hour: datetime, counts: Counter[RollupKey]
) -> None:
    if not counts:
        return
    dialect = connection.capabilities.dialect
    # Values as the ORM writes them (datetimes become ISO text on SQLite through the driver's adapter).
    brand = uuid_param(dialect, brand_id)
    values: list[object] = []
    for (component, product, method, type_), n in counts.items():
        values += [brand, hour, component, product, method, type_, n]
    await connection.execute_query(upsert_sql(dialect, len(counts)), values)


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
    """The funnel of events *received* in ``[since, until)``; by default the 30 days up to now.

    Whole UTC hours inside the window are read from the rollups; a partial hour at either edge
    (a ``since`` or ``until`` not on the hour, as the default window's are) is counted from the
    raw events, so any window is exact while its edges are within the retention. An edge older
    than the retention finds its raw events pruned, so its partial hour counts nothing: such a
    window is in effect narrowed to the whole hours inside it.
    """
    start, end = _window(since, until, now or utcnow())
    rows = await counted_rows(brand_id, start, end)
    funnel = rules.summarise(rows)
    return msgspec.convert(
        {"since": start, "until": end, "groups": funnel.groups, "by_method": funnel.by_method},
        AnalyticsSummary,
        from_attributes=True,
    )


async def counted_rows(brand_id: uuid.UUID, start: datetime, end: datetime) -> list[rules.CountRow]:
    """Event counts per (component, product, method, type) received in ``[start, end)``, uncollapsed.

    Rollups for the whole hours, raw events for the partial hours at the edges (at most two
    ranges under an hour each).
    """
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    whole_from, whole_to = _next_hour_boundary(start), hour_of(end)
    if whole_from >= whole_to:  # no whole hour inside: at most two partial ones
        return await _raw_rows(brand_id, start, end)
    rows = await _rollup_rows(brand_id, whole_from, whole_to)
    if start < whole_from:
        rows += await _raw_rows(brand_id, start, whole_from)
    if whole_to < end:
        rows += await _raw_rows(brand_id, whole_to, end)
    return rows


async def _rollup_rows(brand_id: uuid.UUID, start: datetime, end: datetime) -> list[rules.CountRow]:
    """From the rollups of the hours starting in ``[start, end)`` (both on the hour), summed in SQL."""
    rows = (
        await AnalyticsRollup.filter(brand_id=brand_id, hour__gte=start, hour__lt=end)
        .annotate(n=Sum("count"))
        .group_by("component", "product", "method", "type")
        .values_list("component", "product", "method", "type", "n")
    )
    return [rules.CountRow(component=c, product=p, method=m or None, type=t, count=int(n)) for c, p, m, t, n in rows]


async def _raw_rows(brand_id: uuid.UUID, start: datetime, end: datetime) -> list[rules.CountRow]:
    """From the raw events received in ``[start, end)``, counted in SQL."""
    rows = (
        await AnalyticsEvent.filter(brand_id=brand_id, received_at__gte=start, received_at__lt=end)
        .annotate(n=Count("id"))
        .group_by("component", "product", "method", "type")
        .values_list("component", "product", "method", "type", "n")
    )
    return [rules.CountRow(component=c, product=p, method=m, type=t, count=n) for c, p, m, t, n in rows]


async def prune_events(now: datetime, retention: timedelta, *, batch_size: int = PRUNE_BATCH) -> int:
    """Delete raw events (of every brand) received before ``now - retention``; return how many.

    In batches of ``batch_size`` ids, oldest first, each its own short statement (no transaction
    spans them), yielding between batches so other queries interleave on SQLite's one
    connection. Rollups are untouched: reports of whole hours stay complete. Safe to run
    concurrently with itself or with beacons (new events are never older than the cutoff).
    """
    if retention <= timedelta(0):
        raise ValueError("retention must be positive")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    cutoff = (now - retention).astimezone(UTC)
    deleted = 0
    while True:
        ids = (
            await AnalyticsEvent.filter(received_at__lt=cutoff)
            .order_by("received_at")
            .limit(batch_size)
            .values_list("id", flat=True)
        )
        if not ids:
            return deleted
        deleted += await AnalyticsEvent.filter(id__in=ids).delete()
        if len(ids) < batch_size:
            return deleted
        await asyncio.sleep(0)
