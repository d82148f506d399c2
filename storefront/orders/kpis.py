"""Order KPIs as pure functions: promised vs actual lead time, on-time delivery, costs, returns."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

import msgspec

from storefront.money import Money
from storefront.orders.schemas import KpiSummary, OrderKpis, OrderOut


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
