"""Analytics persistence: record component events, screen beacons, report the funnel, prune old events.

Events are **not idempotent**. ``navigator.sendBeacon`` can set no headers, so there is no
``Idempotency-Key``, and events carry no client id: a beacon the browser retries, or a page
that sends twice, counts twice. The only dedupe is of exact duplicates (every field equal)
within one batch, which is what a double-fired handler produces. Reports are for comparing
conversion, not for accounting; orders are the record of sales.

Beacons come from browsers with the public publishable key, so :func:`accept_beacon` screens
them first (:func:`rules.screen`): events for a handle that is none of the brand's products, and
purchases beyond what one page can report, are dropped and counted as ``rejected`` in the 202
answer. Server-side recorders (the components' cart and checkout actions) call
:func:`record_events` directly: they know their events are real.

Each batch is appended to the raw log and, in the same transaction, added to two hourly
rollups: a fine one per (brand, UTC hour, component, product, method, type) and a coarse one
per (brand, UTC hour, method, type). The summary (:func:`summary`) reads the coarse rollup for
its per-method totals, at most hours x methods x types rows whatever the catalogue, and pages
its per-(component, product, method) groups out of the fine one in key order
(:mod:`storefront.analytics.report`), so one answer's cost does not grow with the catalogue.
Whole hours of a window come from the rollups, the partial hours at its edges from the raw log.
The raw log is kept for the retention (``STALLKIT_ANALYTICS_RETENTION_DAYS``) and then pruned by
:func:`prune_events`; rollups are kept.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Sequence, Set
from datetime import UTC, datetime, timedelta

import msgspec
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from storefront.analytics import report, rules
from storefront.analytics.models import NO_METHOD, AnalyticsEvent
from storefront.analytics.schemas import (
    DEFAULT_PAGE_KEYS,
    MAX_PAGE_KEYS,
    Accepted,
    AnalyticsSummary,
    ComponentName,
    EventBatch,
    EventIn,
)
from storefront.clock import utcnow
from storefront.decoding import decode_json_body
from storefront.errors import FieldError, InvalidInput, raise_field_errors
from storefront.ids import Handle
from storefront.pagination import bad_cursor, decode_token, encode_token
from storefront.sql import placeholder, uuid_param

DEFAULT_WINDOW = timedelta(days=30)
HOUR = timedelta(hours=1)
PRUNE_BATCH = 5_000  # ids per DELETE: each statement holds SQLite's one connection only briefly

# One statement per rollup and batch: a row per distinct key (aggregated in Python first, since
# PostgreSQL refuses to update one row twice in one INSERT ... ON CONFLICT), adding to counters.
_UPSERT = (
    'INSERT INTO "{table}" ({columns}) VALUES {rows} '
    'ON CONFLICT ({key}) DO UPDATE SET "count" = "{table}"."count" + excluded."count"'
)
_FINE_KEY = ("brand_id", "hour", "component", "product", "method", "type")
_METHOD_KEY = ("brand_id", "hour", "method", "type")

RollupKey = tuple[str, str, str, str]  # component, product, method (NO_METHOD for none), type
MethodKey = tuple[str, str]  # method (NO_METHOD for none), type

# Which of the given handles name one of the brand's products (the catalogue answers; analytics
# sits beside it, not above it, so the app passes the catalogue's function in).
KnownProducts = Callable[[uuid.UUID, Collection[str]], Awaitable[Set[str]]]


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


def _upsert_sql(table: str, key: Sequence[str], dialect: str, rows: int) -> str:
    width = len(key) + 1  # the key's columns and the count
    groups = ("(" + ", ".join(placeholder(dialect, r * width + c + 1) for c in range(width)) + ")" for r in range(rows))
    columns = ", ".join(f'"{name}"' for name in (*key, "count"))
    return _UPSERT.format(
        table=table, columns=columns, rows=", ".join(groups), key=", ".join(f'"{name}"' for name in key)
    )


def upsert_sql(dialect: str, rows: int) -> str:
    """The fine rollup's upsert for ``rows`` keys, with placeholders as the dialect wants (``$n`` on PostgreSQL)."""
    return _upsert_sql("analytics_rollup", _FINE_KEY, dialect, rows)


def method_upsert_sql(dialect: str, rows: int) -> str:
    """The per-method rollup's upsert for ``rows`` keys, placeholders as :func:`upsert_sql`."""
    return _upsert_sql("analytics_method_rollup", _METHOD_KEY, dialect, rows)


async def accept_beacon(
    brand_id: uuid.UUID, batch: EventBatch, *, known_products: KnownProducts, now: datetime | None = None
) -> Accepted:
    """Screen a browser's batch (:func:`rules.screen`), then record what passes.

    One bounded read before the write: the brand's products among the batch's distinct handles
    (at most :data:`MAX_BATCH`). Exact duplicates are dropped first, uncounted, as in
    :func:`record_events`; what the screen drops is counted as ``rejected``.
    """
    unique = list(dict.fromkeys(batch.events))
    known = await known_products(brand_id, {event.product for event in unique})
    screened = rules.screen(unique, known)
    stored = await _store(brand_id, screened.kept, now) if screened.kept else 0
    return Accepted(accepted=stored, rejected=screened.rejected)


async def record_events(brand_id: uuid.UUID, batch: EventBatch, *, now: datetime | None = None) -> int:
    """Append the batch's events (exact duplicates within it dropped) and add them to the rollups; return how many.

    For events the server itself vouches for; a browser's go through :func:`accept_beacon`.
    """
    return await _store(brand_id, list(dict.fromkeys(batch.events)), now)


async def _store(brand_id: uuid.UUID, unique: list[EventIn], now: datetime | None) -> int:
    """One transaction, three statements: the raw insert, and one upsert per rollup for the batch's distinct keys."""
    received_at = (now or utcnow()).astimezone(UTC)
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
    """Add the batch's counts to both rollups, inside the caller's transaction."""
    if not counts:
        return
    dialect = connection.capabilities.dialect
    # Values as the ORM writes them (datetimes become ISO text on SQLite through the driver's adapter).
    brand = uuid_param(dialect, brand_id)
    values: list[object] = []
    by_method = Counter[MethodKey]()
    for (component, product, method, type_), n in counts.items():
        values += [brand, hour, component, product, method, type_, n]
        by_method[method, type_] += n
    await connection.execute_query(upsert_sql(dialect, len(counts)), values)
    method_values: list[object] = []
    for (method, type_), n in by_method.items():
        method_values += [brand, hour, method, type_, n]
    await connection.execute_query(method_upsert_sql(dialect, len(by_method)), method_values)


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


def encode_page_cursor(key: report.Key) -> str:
    """The cursor after ``key``: opaque to clients (base64url of a JSON pair), checked when it comes back."""
    return encode_token(msgspec.json.encode(key))


def decode_page_cursor(cursor: str) -> report.Key:
    try:
        component, product = msgspec.json.decode(decode_token(cursor), type=tuple[ComponentName, Handle])
    except msgspec.DecodeError:
        raise bad_cursor() from None
    return component, product


def spans_of(start: datetime, end: datetime) -> list[report.Span]:
    """Where ``[start, end)`` is counted from: rollups for its whole UTC hours, raw events for the partial ones.

    At most three spans: the whole hours, and a partial hour (under an hour of raw events) at
    each edge; a window inside one or two partial hours is a single raw span.
    """
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    whole_from, whole_to = _next_hour_boundary(start), hour_of(end)
    if whole_from >= whole_to:
        return [report.Span(start=start, end=end, raw=True)]
    spans = [report.Span(start=whole_from, end=whole_to, raw=False)]
    if start < whole_from:
        spans.append(report.Span(start=start, end=whole_from, raw=True))
    if whole_to < end:
        spans.append(report.Span(start=whole_to, end=end, raw=True))
    return spans


async def summary(
    brand_id: uuid.UUID,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    component: str | None = None,
    product: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_PAGE_KEYS,
    now: datetime | None = None,
) -> AnalyticsSummary:
    """One page of the funnel of events *received* in ``[since, until)``; by default the 30 days up to now.

    ``groups`` holds the groups of the next ``limit`` (component, product) keys after ``cursor``
    that had events in the window (optionally of one ``component`` and/or ``product``), each
    with a group per method it had; ``by_method`` is the brand's totals for the whole window,
    the same on every page and whatever the filters. Usually six statements (one per span of
    the window for the page, and one per span for the totals), each over a bounded range
    (:mod:`storefront.analytics.report`).

    Whole UTC hours inside the window are read from the rollups; a partial hour at either edge
    (a ``since`` or ``until`` not on the hour, as the default window's are) is counted from the
    raw events, so any window is exact while its edges are within the retention. An edge older
    than the retention finds its raw events pruned, so its partial hour counts nothing: such a
    window is in effect narrowed to the whole hours inside it.
    """
    start, end = _window(since, until, now or utcnow())
    if not 1 <= limit <= MAX_PAGE_KEYS:
        raise InvalidInput(
            f"query.limit: must be 1 to {MAX_PAGE_KEYS}",
            errors=[FieldError("query.limit", f"must be 1 to {MAX_PAGE_KEYS}")],
        )
    after = decode_page_cursor(cursor) if cursor else None
    spans = spans_of(start, end)
    page = await report.page(brand_id, spans, component, product, after, limit)
    totals = rules.method_totals(await report.method_rows(brand_id, spans))
    return msgspec.convert(
        {
            "since": start,
            "until": end,
            "groups": rules.funnel_groups(page.rows),
            "by_method": totals,
            "has_more": page.has_more,
            "next_cursor": encode_page_cursor(page.keys[-1]) if page.has_more else None,
        },
        AnalyticsSummary,
        from_attributes=True,
    )


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
