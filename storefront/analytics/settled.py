"""Reads of periods no event can reach any more, kept in process.

Events are counted by when they were *received*, so once an hour or a day is over its rollup rows
never change again: a report's statement over such a span has one answer forever. A dashboard
asks for the same 30 days over and over, and at 1M events over 10k products the statements over
those days cost most of a summary (about 5 of its 12 ms on SQLite, and the report connection is
one per worker), so their answers are kept here and only the live part (today, this hour, the
raw edges) is read again.

"Over" allows for clocks: a worker whose clock lags stamps events a little late, so a period
counts as settled only :data:`SETTLE` after it ends. Within one process a brand's entries are
also dropped whenever it records events (:func:`forget`), so a test that writes events back in
time with an injected clock, or anything else that adds to a past period, is never answered from
a stale entry. Workers do not share the cache; each fills its own (the answers are the same).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Hashable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from storefront.analytics.rollups import Span, day_of, hour_of, hours_of
from storefront.cache import VersionedCache

V = TypeVar("V")

SETTLE = timedelta(minutes=5)

# Entries hold at most a page's rows per span (a few hundred); 512 of them is some tens of MB at worst.
_cache: VersionedCache[object] = VersionedCache(max_entries=512)
_generation: dict[uuid.UUID, int] = {}


def forget(brand_id: uuid.UUID) -> None:
    """The brand recorded events: its kept answers are no longer to be trusted in this process."""
    _generation[brand_id] = _generation.get(brand_id, 0) + 1


def split(spans: Sequence[Span], now: datetime) -> list[Span]:
    """``spans`` with any rollup span that runs into the live period cut where the live period starts.

    The default window ends with today, read whole from the daily rollup; cut, the days before
    today are one settled span, and today (live, read again on every summary) is read from the
    hourly rollup. Its daily rows lie in the month's partition with every other day of the month
    so far, interleaved key by key, so a page's read of them scanned a month of rows to find a
    day's, and grew through the month (3 ms on the 3rd at 1M events over 10k products); the hourly
    rollup's partition is the day itself. Both rollups are written in the insert of the raw event,
    so the hours of today add up to exactly today's daily row.
    """
    horizon = now - SETTLE
    cuts = {"day": day_of(horizon), "hour": hour_of(horizon)}
    out: list[Span] = []
    for span in spans:
        cut = cuts.get(span.grain)
        if cut is None or cut >= span.end:
            out.append(span)
            continue
        if span.start < cut:
            out.append(Span(span.start, cut, span.grain))
        live = max(span.start, cut)
        out += hours_of(live, span.end) if span.grain == "day" else [Span(live, span.end, span.grain)]
    return out


async def read(brand_id: uuid.UUID, span: Span, now: datetime, key: Hashable, load: Callable[[], Awaitable[V]]) -> V:
    """``load()``'s answer for ``span``: kept and reused if the span is settled, else read afresh."""
    if span.grain == "raw" or span.end > now - SETTLE:
        return await load()
    version = _generation.get(brand_id, 0)
    return await _cache.get_or_load((brand_id, span, key), version, load)  # type: ignore[return-value]


def clear() -> None:
    """Drop every kept answer (tests that rebuild the database between cases)."""
    _cache.clear()
    _generation.clear()
