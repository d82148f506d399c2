"""A brand's day in orders, for the back office's first page: what sold today and what waits on staff.

Three grouped reads: today's paid orders through ``(brand_id, paid_at)``, the fulfilments that
wait through ``(status, order_id)`` (most fulfilments are fulfilled, so few are read), and the
returns requested. The page is read often and must stay quick with years of orders behind it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec
from tortoise.functions import Count, Sum

from storefront.orders.models import Fulfilment, Order, Return

WAITING = ("paid", "in_production", "ready_for_pickup", "out_for_delivery")


class StepCount(msgspec.Struct, frozen=True, kw_only=True):
    method: str
    status: str
    count: int


class OrdersToday(msgspec.Struct, frozen=True, kw_only=True):
    paid_orders: int
    paid_minor: int  # what today's paid orders came to, store credit included
    waiting: list[StepCount]  # fulfilments that wait on staff, by method and step
    returns_to_receive: int


async def orders_today(brand_id: uuid.UUID, since: datetime) -> OrdersToday:
    """Paid since ``since`` (the brand's local midnight, as the caller reckons it), and what waits now."""
    sold = (
        await Order.filter(brand_id=brand_id, paid_at__gte=since)
        .exclude(status="cancelled")
        .annotate(n=Count("id"), amount=Sum("total_minor"))
        .values("n", "amount")
    )
    steps = (
        await Fulfilment.filter(order__brand_id=brand_id, status__in=WAITING)
        .group_by("method", "status")
        .annotate(n=Count("id"))
        .values("method", "status", "n")
    )
    returns = await Return.filter(order__brand_id=brand_id, status="requested").count()
    row = sold[0] if sold else {}
    return OrdersToday(
        paid_orders=int(row.get("n") or 0),
        paid_minor=int(row.get("amount") or 0),
        waiting=sorted(
            (StepCount(method=s["method"], status=s["status"], count=int(s["n"])) for s in steps),
            key=lambda s: (s.method, WAITING.index(s.status) if s.status in WAITING else 99),
        ),
        returns_to_receive=returns,
    )
