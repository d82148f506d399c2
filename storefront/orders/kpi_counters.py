"""Running KPI counters: a brand's order figures kept as sums, so reading them costs a few rows.

Computing KPIs from orders costs a scan of every paid order (0.8 s at 50,000 on SQLite); the
figures are integer sums (:class:`storefront.orders.kpis.MethodFigures`), so instead each change
to an order moves its brand's counters by the difference of that order's contribution before and
after (:func:`following`), in the transaction of the change, with the order row locked. Reading
KPIs is then one row per method and reason (:func:`read`), whatever the brand's volume.

This module is the only writer of the counter tables. Every change to what an order contributes
(payment, cancellation, a fulfilment step, a return received, a refund recorded, an exchange
placed) goes through :func:`following` or :func:`count_new`; :func:`recompute` works the same
sums out from the orders themselves, which fills the counters for orders that predate them
(:func:`rebuild`) and lets tests and operators check that nothing drifted.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from storefront.orders import kpis
from storefront.orders.models import Order, OrderKpiCounter, OrderKpiReason
from storefront.orders.reading import order_out
from storefront.orders.schemas import OrderOut
from storefront.sql import placeholder, uuid_param

_COUNTER_COLUMNS = ("brand_id", "method", *kpis.SUMS)
_REASON_COLUMNS = ("brand_id", "method", "reason", "units")


def _upsert(table: str, columns: tuple[str, ...], key: tuple[str, ...], dialect: str) -> str:
    """``INSERT ... ON CONFLICT (key) DO UPDATE`` adding each value to the row's counter."""
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join(placeholder(dialect, i + 1) for i in range(len(columns)))
    adds = ", ".join(f'"{c}" = "{table}"."{c}" + excluded."{c}"' for c in columns if c not in key)
    conflict = ", ".join(f'"{c}"' for c in key)
    return f'INSERT INTO "{table}" ({names}) VALUES ({marks}) ON CONFLICT ({conflict}) DO UPDATE SET {adds}'  # noqa: S608


async def add(brand_id: uuid.UUID, moved: Mapping[str, kpis.MethodFigures]) -> None:
    """Add ``moved`` (figures by method, signed) to the brand's counters, in the caller's transaction."""
    if not moved:
        return
    connection = get_connection("default")
    dialect = connection.capabilities.dialect
    brand = uuid_param(dialect, brand_id)
    counters = _upsert("order_kpi_counter", _COUNTER_COLUMNS, ("brand_id", "method"), dialect)
    reasons = _upsert("order_kpi_reason", _REASON_COLUMNS, ("brand_id", "method", "reason"), dialect)
    for method, figures in moved.items():
        await connection.execute_query(counters, [brand, method, *(getattr(figures, name) for name in kpis.SUMS)])
        for reason, units in figures.reasons.items():
            await connection.execute_query(reasons, [brand, method, reason, units])


async def contribution_of(order_id: uuid.UUID) -> tuple[uuid.UUID, kpis.Figures]:
    """The order's brand and what it adds to that brand's figures, as it stands now."""
    order = await Order.get(id=order_id)
    if order.status in kpis.UNCOUNTED:  # nothing to add: spare reading its lines (a checkout's every payment)
        return order.brand_id, {}
    return order.brand_id, kpis.contribution(await order_out(order))


@asynccontextmanager
async def following(order_id: uuid.UUID) -> AsyncIterator[None]:
    """Wrap a change to one order: its brand's counters move by what the change did to its figures.

    Use inside the change's transaction, with the order row locked, so that nothing else moves
    the order between the two readings.
    """
    brand_id, before = await contribution_of(order_id)
    yield
    _, after = await contribution_of(order_id)
    await add(brand_id, kpis.change(before, after))


async def count_new(order_id: uuid.UUID) -> None:
    """Count an order created already paid (an exchange), in its creating transaction."""
    brand_id, figures = await contribution_of(order_id)
    await add(brand_id, figures)


async def count_placed(order: Order, *, shown: OrderOut | None = None) -> OrderOut:
    """Count an order this transaction placed and changed (a checkout paid at once by credit); return it as shown.

    It counted nothing before (it did not exist), so there is no first reading, and the caller's
    row is current (it wrote it), so it is not read again; only what hangs off it (fulfilments,
    lines, returns) is, unless the caller read it already as it now stands (``shown``). The order
    as the API shows it comes back, so the caller answers with it instead of reading it again.
    """
    out = shown or await order_out(order)
    await add(order.brand_id, kpis.contribution(out))
    return out


async def read(brand_id: uuid.UUID) -> kpis.Figures:
    """The brand's counters: one row per method and one per (method, reason)."""
    rows = await OrderKpiCounter.filter(brand_id=brand_id).values("method", *kpis.SUMS)
    reasons = await OrderKpiReason.filter(brand_id=brand_id).values("method", "reason", "units")
    return kpis.total([kpis.figures_from_rows(rows, reasons)])


async def recompute(brand_id: uuid.UUID) -> kpis.Figures:
    """The brand's sums worked out from its orders in SQL: what the counters must hold."""
    connection = get_connection("default")
    dialect = connection.capabilities.dialect
    totals_sql, reasons_sql = kpis.summary_sql(dialect)
    params = [uuid_param(dialect, brand_id)]
    totals = await connection.execute_query_dict(totals_sql, params)
    reasons = await connection.execute_query_dict(reasons_sql, params) if totals else []
    return kpis.total([kpis.figures_from_rows(totals, reasons)])


async def rebuild(brand_id: uuid.UUID) -> kpis.Figures:
    """Set the brand's counters to what its orders add up to; return the figures.

    For orders written without the counters (before they existed, or by bulk loads). The
    recomputation and the replacement share one transaction; orders changed concurrently on
    PostgreSQL may be counted by both, so run it while the brand's orders are quiet.
    """
    async with in_transaction():
        figures = await recompute(brand_id)
        await OrderKpiCounter.filter(brand_id=brand_id).delete()
        await OrderKpiReason.filter(brand_id=brand_id).delete()
        await add(brand_id, figures)
    return figures
