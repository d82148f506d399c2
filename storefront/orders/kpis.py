"""Order KPIs: promised vs actual lead time, on-time delivery, costs, returns.

:func:`order_kpis` and :func:`summarise` define the figures as pure functions over loaded orders.
Every figure is worked out from integer sums (:class:`MethodFigures`), which is what makes them
cheap to keep: a brand's sums are the total of its orders' :func:`contribution`, kept as running
counters (:mod:`.kpi_counters`) that move by :func:`change` whenever an order does. The same
sums are also computed from scratch in the database (:func:`summary_sql`, read back with
:func:`figures_from_rows`), in two grouped queries with one parameter whatever the number of
orders: that is how counters are filled for existing orders and checked for drift.
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


class MethodFigures(msgspec.Struct, frozen=True, kw_only=True):
    """The sums one fulfilment method's KPIs are worked out from: what the running counters hold.

    Every field is an integer sum, so figures add and subtract exactly: a brand's are the sum of
    its orders' :func:`contribution`, and a change to an order moves them by the difference of its
    contribution before and after.
    """

    orders: int = 0
    fulfilled: int = 0
    on_time: int = 0
    promised_minutes: int = 0
    actual_minutes: int = 0
    revenue: int = 0
    refunded: int = 0
    fees: int = 0
    returned_units: int = 0
    damaged_units: int = 0
    reasons: dict[str, int] = msgspec.field(default_factory=dict)

    def plus(self, other: MethodFigures, sign: int = 1) -> MethodFigures:
        reasons = Counter(self.reasons)
        for reason, units in other.reasons.items():
            reasons[reason] += sign * units
        return MethodFigures(
            **{name: getattr(self, name) + sign * getattr(other, name) for name in SUMS},
            reasons={reason: units for reason, units in sorted(reasons.items()) if units},
        )

    def is_zero(self) -> bool:
        return not self.reasons and all(getattr(self, name) == 0 for name in SUMS)


SUMS = tuple(name for name in MethodFigures.__struct_fields__ if name != "reasons")
NOTHING = MethodFigures()
Figures = dict[str, MethodFigures]  # by method


# Orders in these states add nothing to any figure: not yet paid, or never will be.
UNCOUNTED = frozenset({"pending_payment", "cancelled"})


def contribution(order: OrderOut) -> Figures:
    """What one order adds to its brand's figures: nothing unless paid (not pending, not cancelled).

    An order with several fulfilments counts under each of its methods, with its revenue split
    by line totals per method; its refund, returns and lead times count under each of them whole.
    """
    if order.status in UNCOUNTED:
        return {}
    revenue: Counter[str] = Counter()
    fees: Counter[str] = Counter()
    method_of = {f.id: f.method for f in order.fulfilments}
    for line in order.lines:
        revenue[method_of[line.fulfilment]] += line.total.amount
    for f in order.fulfilments:
        fees[f.method] += f.fee.amount
    k = order.kpis
    done = k.actual_lead_minutes is not None
    return {
        method: MethodFigures(
            orders=1,
            fulfilled=int(done),
            on_time=int(done and bool(k.on_time)),
            promised_minutes=k.promised_lead_minutes,
            actual_minutes=k.actual_lead_minutes or 0,
            revenue=revenue[method],
            refunded=order.refunded.amount,
            fees=fees[method],
            returned_units=k.returned_units,
            damaged_units=k.damaged_units,
            reasons=dict(k.return_reasons),
        )
        for method in sorted(method_of.values())
    }


def total(parts: Iterable[Figures]) -> Figures:
    """The sum of figures by method; methods that come to nothing are dropped."""
    out: Figures = {}
    for part in parts:
        for method, figures in part.items():
            out[method] = out.get(method, NOTHING).plus(figures)
    return {method: figures for method, figures in sorted(out.items()) if not figures.is_zero()}


def change(before: Figures, after: Figures) -> Figures:
    """How a brand's figures move when one order's contribution goes from ``before`` to ``after``."""
    moved = {m: after.get(m, NOTHING).plus(before.get(m, NOTHING), -1) for m in sorted(before.keys() | after.keys())}
    return {method: figures for method, figures in moved.items() if not figures.is_zero()}


def summary_of(figures: Mapping[str, MethodFigures], currency: str) -> list[KpiSummary]:
    """The KPIs by method from their sums; methods without a paid order are left out."""
    out = []
    for method, f in sorted(figures.items()):
        if f.orders <= 0:
            continue
        out.append(
            KpiSummary(
                method=method,
                orders=f.orders,
                fulfilled=f.fulfilled,
                on_time_bp=f.on_time * 10_000 // f.fulfilled if f.fulfilled else None,
                average_promised_lead_minutes=f.promised_minutes // f.orders,
                average_actual_lead_minutes=f.actual_minutes // f.fulfilled if f.fulfilled else None,
                revenue=Money(amount=f.revenue, currency=currency),
                refunded=Money(amount=f.refunded, currency=currency),
                fulfilment_fees=Money(amount=f.fees, currency=currency),
                returned_units=f.returned_units,
                damaged_units=f.damaged_units,
                return_reasons=dict(sorted((r, n) for r, n in f.reasons.items() if n)),
            )
        )
    return out


def summarise(orders: Iterable[OrderOut], currency: str) -> list[KpiSummary]:
    """The definition: figures by fulfilment method over the given orders' contributions."""
    return summary_of(total(contribution(order) for order in orders), currency)


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


def figures_from_rows(totals: Iterable[Mapping[str, Any]], reasons: Iterable[Mapping[str, Any]]) -> Figures:
    """:class:`MethodFigures` from rows of sums by method and of units by (method, reason): those of
    :func:`summary_sql` (sums may come back as Decimal or NULL) or the stored counters."""
    by_method: dict[str, Counter[str]] = defaultdict(Counter)
    for row in reasons:
        by_method[row["method"]][row["reason"]] += int(row["units"])
    return {
        row["method"]: MethodFigures(
            **{name: int(row[name] or 0) for name in SUMS},
            reasons=dict(sorted(by_method[row["method"]].items())),
        )
        for row in sorted(totals, key=lambda r: str(r["method"]))
    }
