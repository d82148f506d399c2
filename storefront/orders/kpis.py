"""Order KPIs: promised vs actual lead time, on-time delivery, costs, returns.

:func:`order_kpis` and :func:`summarise` define the figures as pure functions over loaded orders.
A brand's summary is computed in the database instead (:func:`summary_sql`, read back with
:func:`summary_from_rows`): two grouped queries with one parameter, whatever the number of
orders, giving exactly what :func:`summarise` gives over all the brand's orders.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec

from storefront.money import Money
from storefront.orders.schemas import KpiSummary, OrderKpis, OrderOut
from storefront.sql import POSTGRES, placeholder


class ReturnedUnits(msgspec.Struct, frozen=True, kw_only=True):
    reason: str
    condition: str
    quantity: int


def _minutes(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds() // 60)


def order_kpis(
    *,
    placed_at: datetime,
    promised: Sequence[datetime],
    fulfilled: Sequence[datetime | None],
    fees: Money,
    returns: Iterable[ReturnedUnits],
) -> OrderKpis:
    """``promised`` and ``fulfilled`` pair up by fulfilment (latest promised instant, when done)."""
    done = [f for f in fulfilled if f is not None]
    all_done = bool(fulfilled) and len(done) == len(fulfilled)
    reasons: Counter[str] = Counter()
    damaged = returned = 0
    for r in returns:
        reasons[r.reason] += r.quantity
        returned += r.quantity
        damaged += r.quantity if r.condition == "damaged" else 0
    return OrderKpis(
        promised_lead_minutes=_minutes(placed_at, max(promised)) if promised else 0,
        actual_lead_minutes=_minutes(placed_at, max(done)) if all_done else None,
        on_time=all(f is not None and f <= p for p, f in zip(promised, fulfilled, strict=True)) if all_done else None,
        fulfilment_cost=fees,
        returned_units=returned,
        damaged_units=damaged,
        return_reasons=dict(sorted(reasons.items())),
    )


def summarise(orders: Iterable[OrderOut], currency: str) -> list[KpiSummary]:
    """Figures by fulfilment method over paid (not cancelled, not pending) orders.

    An order with several fulfilments counts under each of its methods, with its revenue split
    by line totals per method.
    """
    buckets: dict[str, list[tuple[OrderOut, int]]] = defaultdict(list)
    for order in orders:
        if order.status in {"pending_payment", "cancelled"}:
            continue
        by_method: Counter[str] = Counter()
        method_of = {f.id: f.method for f in order.fulfilments}
        for line in order.lines:
            by_method[method_of[line.fulfilment]] += line.total.amount
        for method in sorted({f.method for f in order.fulfilments}):
            buckets[method].append((order, by_method[method]))
    out = []
    for method, entries in sorted(buckets.items()):
        orders_ = [o for o, _ in entries]
        done = [o for o in orders_ if o.kpis.actual_lead_minutes is not None]
        reasons: Counter[str] = Counter()
        for o in orders_:
            reasons.update(o.kpis.return_reasons)
        out.append(
            KpiSummary(
                method=method,
                orders=len(orders_),
                fulfilled=len(done),
                on_time_bp=(sum(1 for o in done if o.kpis.on_time) * 10_000 // len(done)) if done else None,
                average_promised_lead_minutes=sum(o.kpis.promised_lead_minutes for o in orders_) // len(orders_),
                average_actual_lead_minutes=(
                    sum(o.kpis.actual_lead_minutes or 0 for o in done) // len(done) if done else None
                ),
                revenue=Money(amount=sum(amount for _, amount in entries), currency=currency),
                refunded=Money(amount=sum(o.refunded.amount for o in orders_), currency=currency),
                fulfilment_fees=Money(
                    amount=sum(f.fee.amount for o in orders_ for f in o.fulfilments if f.method == method),
                    currency=currency,
                ),
                returned_units=sum(o.kpis.returned_units for o in orders_),
                damaged_units=sum(o.kpis.damaged_units for o in orders_),
                return_reasons=dict(sorted(reasons.items())),
            )
        )
    return out


# --- the same summary, in SQL ---------------------------------------------------------------------
#
# Exactness: every figure is a sum or count of integers, and the averages and the on-time rate are
# floored in Python from those sums, as :func:`summarise` does. Lead minutes are worked out per
# order in integer microseconds since the epoch and floored (not truncated) to whole minutes, as
# ``timedelta.total_seconds() // 60`` does; instants are compared as microseconds too, never as
# text. SQLite keeps a datetime as text, ``isoformat(" ")`` (Tortoise writes it in UTC, but a row
# written otherwise may carry any offset), so its microseconds are read from the text: the seconds
# with the offset applied by ``strftime('%s')`` (whose own fractional parsing rounds to
# milliseconds, so the fraction is cut off first), plus the six digits Python writes for a
# fraction. PostgreSQL's ``timestamptz`` gives an exact ``numeric`` epoch.
#
# What the SQL does not reproduce: a line whose fulfilment belongs to another order (the pure code
# raises KeyError on it; here it is left out of revenue), and offsets with seconds (``+05:53:28``,
# pre-1900 local mean time), which SQLite cannot parse.

_MINUTE_US = 60_000_000


def _epoch_us(column: str, dialect: str) -> str:
    """SQL for a datetime column as integer microseconds since the epoch (NULL stays NULL)."""
    if dialect == POSTGRES:
        return f"CAST(EXTRACT(EPOCH FROM {column}) * 1000000 AS BIGINT)"
    fraction = f"substr({column}, 20, 1) = '.'"
    offset = f"CASE WHEN {fraction} THEN substr({column}, 27) ELSE substr({column}, 20) END"
    return (
        f"(CAST(strftime('%s', substr({column}, 1, 19) || {offset}) AS INTEGER) * 1000000"
        f" + CASE WHEN {fraction} THEN CAST(substr({column}, 21, 6) AS INTEGER) ELSE 0 END)"
    )


def _floor_minutes(us: str) -> str:
    """Whole minutes of a microsecond count, floored like Python's ``//`` (SQL division truncates)."""
    return f"(CASE WHEN {us} >= 0 THEN {us} / {_MINUTE_US} ELSE -((-{us} + {_MINUTE_US - 1}) / {_MINUTE_US}) END)"


_PAID = (
    'paid AS{inline} (SELECT id, refunded_minor, {placed} AS placed_us FROM "order"'
    " WHERE brand_id = {p} AND status NOT IN ('pending_payment', 'cancelled'))"
)
_TOTALS = """
WITH {paid},
fulfilments AS (
    SELECT f.order_id, f.method, f.fee_minor, p.refunded_minor, p.placed_us,
        {promised} AS promised_us, {fulfilled} AS fulfilled_us
    FROM paid p JOIN fulfilment f ON f.order_id = p.id
),
per_order AS (
    SELECT order_id, refunded_minor,
        COUNT(*) AS n, COUNT(fulfilled_us) AS n_done,
        MAX(promised_us) - placed_us AS promised_us,
        MAX(fulfilled_us) - placed_us AS actual_us,
        SUM(CASE WHEN fulfilled_us IS NOT NULL AND fulfilled_us <= promised_us THEN 0 ELSE 1 END) AS late
    FROM fulfilments
    GROUP BY order_id, refunded_minor, placed_us
),
order_kpis AS (
    SELECT order_id, refunded_minor,
        {promised_minutes} AS promised_minutes,
        CASE WHEN n_done = n THEN 1 ELSE 0 END AS done,
        CASE WHEN n_done = n THEN {actual_minutes} ELSE 0 END AS actual_minutes,
        CASE WHEN n_done = n AND late = 0 THEN 1 ELSE 0 END AS on_time
    FROM per_order
),
received AS (
    SELECT l.order_id, SUM(r.quantity) AS units,
        SUM(CASE WHEN r."condition" = 'damaged' THEN r.quantity ELSE 0 END) AS damaged
    FROM paid p CROSS JOIN order_line l JOIN return_line r ON r.line_id = l.id
    WHERE l.order_id = p.id AND r."condition" <> ''
    GROUP BY l.order_id
),
methods AS (
    SELECT order_id, method, SUM(fee_minor) AS fees FROM fulfilments GROUP BY order_id, method
),
revenue AS (
    SELECT f.method, SUM(l.total_minor) AS amount
    FROM paid p JOIN order_line l ON l.order_id = p.id
    JOIN fulfilment f ON f.id = l.fulfilment_id AND f.order_id = p.id
    GROUP BY f.method
),
totals AS (
    SELECT m.method, COUNT(*) AS orders, SUM(k.done) AS fulfilled, SUM(k.on_time) AS on_time,
        SUM(k.promised_minutes) AS promised_minutes, SUM(k.actual_minutes) AS actual_minutes,
        SUM(k.refunded_minor) AS refunded, SUM(m.fees) AS fees,
        SUM(COALESCE(r.units, 0)) AS returned_units, SUM(COALESCE(r.damaged, 0)) AS damaged_units
    FROM methods m JOIN order_kpis k ON k.order_id = m.order_id LEFT JOIN received r ON r.order_id = m.order_id
    GROUP BY m.method
)
SELECT t.*, COALESCE(v.amount, 0) AS revenue FROM totals t LEFT JOIN revenue v ON v.method = t.method
"""
_REASONS = """
WITH {paid},
methods AS (SELECT DISTINCT f.order_id, f.method FROM paid p JOIN fulfilment f ON f.order_id = p.id)
SELECT m.method, r.reason, SUM(r.quantity) AS units
FROM methods m JOIN order_line l ON l.order_id = m.order_id JOIN return_line r ON r.line_id = l.id
WHERE r."condition" <> ''
GROUP BY m.method, r.reason
"""


@functools.cache
def summary_sql(dialect: str) -> tuple[str, str]:
    """The totals and the return reasons by method, each taking the brand id as its one parameter.

    ``dialect`` is Tortoise's (``sqlite`` or ``postgres``). Orders are the brand's paid ones (not
    pending, not cancelled) with at least one fulfilment, each counted under every method it has.
    Only this module's constants are put into the text; the brand id is always a parameter.
    """
    paid = _PAID.format(
        inline=" NOT MATERIALIZED" if dialect == POSTGRES else "",  # keep the brand filter on each join
        placed=_epoch_us("placed_at", dialect),
        p=placeholder(dialect, 1),
    )
    totals = _TOTALS.format(
        paid=paid,
        promised=_epoch_us("f.promised_latest", dialect),
        fulfilled=_epoch_us("f.fulfilled_at", dialect),
        promised_minutes=_floor_minutes("promised_us"),
        actual_minutes=_floor_minutes("actual_us"),
    )
    return totals, _REASONS.format(paid=paid)


def summary_from_rows(
    totals: Iterable[Mapping[str, Any]], reasons: Iterable[Mapping[str, Any]], currency: str
) -> list[KpiSummary]:
    """:func:`summarise`'s figures from :func:`summary_sql`'s rows (sums may come back as Decimal)."""
    by_method: dict[str, Counter[str]] = defaultdict(Counter)
    for row in reasons:
        by_method[row["method"]][row["reason"]] += int(row["units"])

    def money(value: Any) -> Money:
        return Money(amount=int(value or 0), currency=currency)

    out = []
    for row in sorted(totals, key=lambda r: str(r["method"])):
        method, orders, done = row["method"], int(row["orders"]), int(row["fulfilled"] or 0)
        out.append(
            KpiSummary(
                method=method,
                orders=orders,
                fulfilled=done,
                on_time_bp=int(row["on_time"] or 0) * 10_000 // done if done else None,
                average_promised_lead_minutes=int(row["promised_minutes"] or 0) // orders,
                average_actual_lead_minutes=int(row["actual_minutes"] or 0) // done if done else None,
                revenue=money(row["revenue"]),
                refunded=money(row["refunded"]),
                fulfilment_fees=money(row["fees"]),
                returned_units=int(row["returned_units"] or 0),
                damaged_units=int(row["damaged_units"] or 0),
                return_reasons=dict(sorted(by_method[method].items())),
            )
        )
    return out
