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

Each batch is appended to the raw log and, in the same transaction, added to the rollups
(:mod:`storefront.analytics.rollups`): fine ones per (brand, UTC hour or day, component, product,
method, type) and coarse ones per (brand, hour or day, method, type). The summary
(:func:`summary`) reads the coarse rollups for its per-method totals, at most periods x methods
x types rows whatever the catalogue, and pages its per-(component, product, method) groups out
of the fine ones in key order (:mod:`storefront.analytics.report`), so one answer's cost does
not grow with the catalogue. Whole days of a window come from the daily rollups, the whole hours
around them from the hourly ones, and only partial hours at an explicit edge from the raw log.
The raw log is kept for the retention (``STALLKIT_ANALYTICS_RETENTION_DAYS``) and then pruned by
:func:`prune_events`; rollups are kept.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Set
from datetime import UTC, datetime, timedelta
from functools import partial

import msgspec
from tortoise.transactions import in_transaction

from storefront import db
from storefront.analytics import report, rollups, rules, settled
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

DEFAULT_WINDOW = timedelta(days=30)
PRUNE_BATCH = 5_000  # ids per DELETE: each statement holds SQLite's one connection only briefly

# Which of the given handles name one of the brand's products (the catalogue answers; analytics
# sits beside it, not above it, so the app passes the catalogue's function in).
KnownProducts = Callable[[uuid.UUID, Collection[str]], Awaitable[Set[str]]]


def decode_batch(raw: bytes) -> EventBatch:
    """The batch from a raw body, whatever its Content-Type: sendBeacon sends ``text/plain``."""
    return decode_json_body(raw, EventBatch)


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
    """One transaction, five statements: the raw insert, and one upsert per rollup for the batch's distinct keys."""
    received_at = (now or utcnow()).astimezone(UTC)
    counts = Counter[rollups.RollupKey](
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
        await rollups.add(connection, brand_id, received_at, counts)
    settled.forget(brand_id)
    return len(unique)


def _window(since: datetime | None, until: datetime | None, now: datetime) -> tuple[datetime, datetime, datetime]:
    """The window ``[start, end)`` to report, and the instant counting it may stop at.

    Without ``until`` the window runs to ``now``, and nothing is received after ``now``: so today
    is read whole from the daily rollup, which the raw insert keeps current. By default the
    window is the last 30 UTC days, today included, so it starts at midnight too and a default
    summary reads one span of the daily rollups and nothing else (at 1M events over 10k
    products, a first page sums about 700 rows where hourly edges read 20k more). An explicit
    ``since`` or ``until`` is exact to the instant, its partial days read by hour and its partial
    hours from the raw log.
    """
    errors = [
        FieldError(f"query.{name}", "must include a UTC offset, e.g. 2026-11-23T10:00:00Z")
        for name, value in (("since", since), ("until", until))
        if value is not None and value.utcoffset() is None
    ]
    raise_field_errors(errors)
    end = until or now
    counted_to = until or rollups.day_of(now) + rollups.DAY
    start = since or (until - DEFAULT_WINDOW if until else counted_to - DEFAULT_WINDOW)
    if start >= end:
        raise InvalidInput(
            "query.since: must be before until", errors=[FieldError("query.since", "must be before until")]
        )
    return start, end, counted_to


def encode_page_cursor(key: report.Key) -> str:
    """The cursor after ``key``: opaque to clients (base64url of a JSON pair), checked when it comes back."""
    return encode_token(msgspec.json.encode(key))


def decode_page_cursor(cursor: str) -> report.Key:
    try:
        component, product = msgspec.json.decode(decode_token(cursor), type=tuple[ComponentName, Handle])
    except msgspec.DecodeError:
        raise bad_cursor() from None
    return component, product


SummaryKey = tuple[uuid.UUID, datetime | None, datetime | None, str | None, str | None, str | None, int]
_in_flight: dict[SummaryKey, asyncio.Future[AnalyticsSummary]] = {}


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
    """:func:`compute_summary`, with the same question asked while it is being answered sharing one answer.

    A dashboard open in several tabs, or polled by several staff, asks the same summary at once; on
    one worker each would wait for the others' queries (SQLite reads them one at a time through the
    report connection). Requests that arrive while an identical one (same brand, window, filters and
    page, on the live clock) is being computed await that computation instead ("single flight"), so
    an answer is never older than the request that joined it by more than one computation, about
    10 ms. Nothing is kept once it is answered: this is not a cache. A pinned ``now`` (tests, tools)
    always computes its own.
    """
    compute = partial(
        compute_summary,
        brand_id,
        since=since,
        until=until,
        component=component,
        product=product,
        cursor=cursor,
        limit=limit,
        now=now,
    )
    if now is not None:
        return await compute()
    key: SummaryKey = (brand_id, since, until, component, product, cursor, limit)
    shared = _in_flight.get(key)
    if shared is None:
        shared = asyncio.ensure_future(compute())
        _in_flight[key] = shared
        shared.add_done_callback(lambda _: _in_flight.pop(key, None))
    return await asyncio.shield(shared)  # one shopper's disconnect must not cancel the others' answer


async def compute_summary(
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
    now = now or utcnow()
    start, end, counted_to = _window(since, until, now)
    if not 1 <= limit <= MAX_PAGE_KEYS:
        raise InvalidInput(
            f"query.limit: must be 1 to {MAX_PAGE_KEYS}",
            errors=[FieldError("query.limit", f"must be 1 to {MAX_PAGE_KEYS}")],
        )
    after = decode_page_cursor(cursor) if cursor else None
    spans = settled.split(rollups.spans_of(start, counted_to), now)
    connection = db.report_connection()
    page = await report.page(connection, brand_id, spans, component, product, after, limit, now)
    totals = rules.method_totals(await report.method_rows(connection, brand_id, spans, now))
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
