"""The funnel summary's reads: one page of (component, product) keys, and the per-method totals.

Why these shapes. Spread over a large catalogue, the fine rollups hardly compress (by hour, about
a row per event), so a report that sums all of them grows with the catalogue. Instead:

- ``by_method`` sums the coarse rollups (``analytics_method_daily_rollup`` and
  ``analytics_method_rollup``): at most periods x methods x types rows, whatever the catalogue.
- ``groups`` come a page at a time, in (component, product) order from an opaque cursor. Each
  span of the window (:func:`storefront.analytics.rollups.spans_of`: whole days from the daily
  rollup, whole hours from the hourly one, raw events of a partial edge hour) is one statement
  that sums per (component, product, method, type) from the cursor on, in key order, and stops
  after about as many rows as ``limit + 1`` keys have (:data:`ROWS_PER_KEY`; another round
  follows if keys had more). A rollup's is a range scan of a covering index (``<table>_brand_key``,
  or ``<table>_brand_product`` for one product) in the GROUP BY's own order, so it streams and
  stops; an edge reads its hour of raw events (``analytics_event_brand_received``). A page reads
  the rollup rows of its own keys, plus those of keys in between that had events outside the
  window only, never the rest of the catalogue: measured at 1M events over 10k products, a
  30-day page of the 50 most popular products sums about 20k daily rows and a few thousand
  hourly ones (79k when it read hours alone). Each span lies in one partition of its rollup (a
  UTC day of hours, a UTC month of days) and fixes it, so those keys' rows of other months, of
  which a brand accumulates a month's more every month, are never read.

The key range is said in SQL without an ``OR``: with a filter fixing one column, a bound on the
pair becomes a bound on the other column (:func:`key_bounds`), which both planners turn into an
index range. On PostgreSQL the ``component`` and ``product`` columns are collated "C" (migration
0009) so SQL orders keys as Python does.

Every read runs on the connection the caller passes: :func:`storefront.db.report_connection`, so on
SQLite a report never holds the connection other requests wait on. Hand-written SQL (Tortoise
cannot say a row-value comparison), with placeholders and UUIDs as
:mod:`storefront.sql` decides; datetimes go in as the ORM writes them (aware UTC).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Literal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Count, Sum
from tortoise.queryset import QuerySet

from storefront.analytics import rules, settled
from storefront.analytics.models import AnalyticsEvent, AnalyticsMethodDailyRollup, AnalyticsMethodRollup
from storefront.analytics.rollups import FINE, Span
from storefront.sql import POSTGRES, Params

Key = tuple[str, str]  # (component, product): what a page is ordered and cut by
Op = Literal["=", ">", ">=", "<"]


@dataclass(frozen=True, slots=True)
class Bound:
    """``columns op values``: one column against a value, or the pair against a pair (a row value)."""

    columns: tuple[str, ...]
    op: Op
    values: tuple[str, ...]


def key_bounds(component: str | None, product: str | None, after: Key | None) -> list[Bound] | None:
    """The conditions for keys matching the filters and after ``after``; ``None`` if no key can.

    A filter fixes a column, so a bound on the pair is a bound on the column left free, or
    decided here outright (both fixed, or the fixed column already past the bound).
    """
    bounds = [
        Bound((name,), "=", (value,))
        for name, value in (("component", component), ("product", product))
        if value is not None
    ]
    if after is None:
        return bounds
    c, p = after
    if component is not None and product is not None:
        return bounds if (component, product) > after else None
    if component is not None:
        if component != c:
            return bounds if component > c else None
        return [*bounds, Bound(("product",), ">", (p,))]
    if product is not None:  # (x, P) > (c, p) is x > c, or x = c when P > p
        return [*bounds, Bound(("component",), ">=" if product > p else ">", (c,))]
    return [*bounds, Bound(("component", "product"), ">", (c, p))]


class _Sql(Params):
    """A span statement's parameters, and its ``WHERE`` built from them."""

    def where(self, brand_id: uuid.UUID, span: Span, bounds: list[Bound]) -> str:
        at = '"received_at"' if span.grain == "raw" else f'"{span.grain}"'
        parts = [f'"brand_id" = {self.add(brand_id)}']
        if span.partition is not None:  # the key index leads with it: the scan stays in one day or month
            parts.append(f'"{FINE[span.grain].partition}" = {self.add(span.partition)}')
        parts += [f"{at} >= {self.add(span.start)}", f"{at} < {self.add(span.end)}"]
        for bound in bounds:
            columns = ", ".join(f'"{c}"' for c in bound.columns)
            values = ", ".join(self.add(v) for v in bound.values)
            parts.append(
                f"({columns}) {bound.op} ({values})" if len(bound.columns) > 1 else f"{columns} {bound.op} {values}"
            )
        return " AND ".join(parts)


def _source(span: Span, dialect: str, product: str | None) -> str:
    """The table a span reads, and on SQLite the index it must read it through.

    SQLite's planner, without statistics (the app never runs ANALYZE), prefers the unique key's
    (brand, period) range to the key index when no cursor bounds the keys, as on a first page: it
    then reads and sorts the whole window (about 2 s at 1M events). ``INDEXED BY`` pins the plan,
    and turns a dropped or renamed index into an error instead of a silent full read. PostgreSQL
    plans from statistics and takes the key index for ``ORDER BY ... LIMIT`` by itself.
    """
    if span.grain == "raw":
        table, index = "analytics_event", "analytics_event_brand_received"
    else:
        table = FINE[span.grain].table
        index = f"{table}_brand_product" if product is not None else f"{table}_brand_key"
    return f'"{table}"' if dialect == POSTGRES else f'"{table}" INDEXED BY "{index}"'


def rows_for(keys: int) -> int:
    """The most (component, product, method, type) rows ``keys`` keys can have: one per method bucket and type."""
    return keys * len(rules.METHOD_BUCKETS) * len(rules.EVENT_TYPES)


# Rows a span is asked for per key still wanted. A key with every funnel step has 14 (impression and
# variant_select without a method, the other four by three methods), engagement events add a few;
# asking for the most a key can have (36) read 2.5 times the rows of the page at 1M events. A key
# with more rows than this only costs another round.
ROWS_PER_KEY = 16


@dataclass(frozen=True, slots=True)
class Page:
    keys: list[Key]  # the page's, in order
    rows: list[rules.CountRow]  # every count of those keys, uncollapsed across spans
    has_more: bool


async def page(
    connection: BaseDBAsyncClient,
    brand_id: uuid.UUID,
    spans: Sequence[Span],
    component: str | None,
    product: str | None,
    after: Key | None,
    limit: int,
    now: datetime,
) -> Page:
    """The counts of the first ``limit`` keys after ``after`` with events in any of ``spans``.

    Usually one round of one statement a span; a round that comes back with fewer whole keys than
    wanted (keys with more rows than :data:`ROWS_PER_KEY`) is followed by another from its last
    key, each yielding at least one key, so at most a few.
    """
    keys: list[Key] = []
    rows: list[rules.CountRow] = []
    while True:
        wanted = limit - len(keys)
        cap = max(ROWS_PER_KEY * (wanted + 1), rows_for(1) + 1)
        got = await _round(connection, brand_id, spans, component, product, after, wanted, cap, now)
        keys += got.keys
        rows += got.rows
        if not got.has_more or len(keys) == limit:
            return Page(keys=keys, rows=rows, has_more=got.has_more)
        after = got.keys[-1]


async def _round(
    connection: BaseDBAsyncClient,
    brand_id: uuid.UUID,
    spans: Sequence[Span],
    component: str | None,
    product: str | None,
    after: Key | None,
    wanted: int,
    cap: int,
    now: datetime,
) -> Page:
    """Up to ``wanted`` keys after ``after``, each whole: one statement a span, each stopping after ``cap`` rows.

    A span cut at ``cap`` rows may hold its last key only in part; every key before that one is
    whole in it, and as ``cap`` exceeds :func:`rows_for` ``(1)`` there is at least one. The round
    keeps the union's first ``wanted`` keys below every cut span's last key (which all spans hold
    whole), and has more if the union held more keys or any span was cut.
    """
    bounds = key_bounds(component, product, after)
    if bounds is None:
        return Page(keys=[], rows=[], has_more=False)
    rows: list[rules.CountRow] = []
    cut_at: Key | None = None  # the smallest key a cut span may hold only part of
    for span in spans:
        # Keys from a cut span's last on are dropped below, so a later span need not read them: the
        # live day is sparse (about a row a key), and unbounded it read a page's worth of rows
        # spread over ten times the page's keys.
        unfiltered = component is None and product is None
        below = [Bound(("component", "product"), "<", cut_at)] if cut_at is not None and unfiltered else []
        span_bounds = [*bounds, *below]
        found = await settled.read(
            brand_id,
            span,
            now,
            ("page", tuple(span_bounds), product, cap),
            partial(_span_rows, connection, brand_id, span, span_bounds, product, cap),
        )
        if len(found) == cap:
            last = (found[-1].component, found[-1].product)
            cut_at = last if cut_at is None else min(cut_at, last)
        rows += found
    whole = sorted({(r.component, r.product) for r in rows if cut_at is None or (r.component, r.product) < cut_at})
    keys = whole[:wanted]
    chosen = set(keys)
    return Page(
        keys=keys,
        rows=[r for r in rows if (r.component, r.product) in chosen],
        has_more=len(whole) > wanted or cut_at is not None,
    )


async def _span_rows(
    connection: BaseDBAsyncClient,
    brand_id: uuid.UUID,
    span: Span,
    bounds: list[Bound],
    product: str | None,
    cap: int,
) -> list[rules.CountRow]:
    """One span's counts per (component, product, method, type) within ``bounds``, in key order, at most ``cap``."""
    sql = _Sql(connection.capabilities.dialect)
    where = sql.where(brand_id, span, bounds)
    total = "COUNT(*)" if span.grain == "raw" else 'SUM("count")'
    columns = '"component", "product", "method", "type"'
    query = (
        f'SELECT {columns}, {total} AS "n" FROM {_source(span, sql.dialect, product)} '  # noqa: S608
        f"WHERE {where} GROUP BY {columns} ORDER BY {columns} LIMIT {int(cap)}"
    )
    return [
        rules.CountRow(
            component=row["component"],
            product=row["product"],
            method=row["method"] or None,  # NO_METHOD in the rollup, NULL in the raw log
            type=row["type"],
            count=int(row["n"]),
        )
        for row in await connection.execute_query_dict(query, sql.values)
    ]


async def method_rows(
    connection: BaseDBAsyncClient, brand_id: uuid.UUID, spans: Sequence[Span], now: datetime
) -> list[rules.MethodCountRow]:
    """Event counts per (method, type): the coarse rollups for whole days and hours, raw events for the edges."""
    out: list[rules.MethodCountRow] = []
    for span in spans:
        out += await settled.read(brand_id, span, now, "methods", partial(_span_methods, connection, brand_id, span))
    return out


async def _span_methods(connection: BaseDBAsyncClient, brand_id: uuid.UUID, span: Span) -> list[rules.MethodCountRow]:
    query: QuerySet[Any]
    if span.grain == "raw":
        query = AnalyticsEvent.filter(
            brand_id=brand_id, received_at__gte=span.start, received_at__lt=span.end
        ).annotate(n=Count("id"))
    elif span.grain == "hour":
        query = AnalyticsMethodRollup.filter(brand_id=brand_id, hour__gte=span.start, hour__lt=span.end).annotate(
            n=Sum("count")
        )
    else:
        query = AnalyticsMethodDailyRollup.filter(brand_id=brand_id, day__gte=span.start, day__lt=span.end).annotate(
            n=Sum("count")
        )
    rows = await query.group_by("method", "type").using_db(connection).values_list("method", "type", "n")
    return [rules.MethodCountRow(method=m or None, type=t, count=int(n)) for m, t, n in rows]
