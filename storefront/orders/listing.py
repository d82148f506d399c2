"""Orders as staff look for them: by status, fulfilment method, the day placed, a number or an email.

Newest first, at most :data:`LIMIT` a page (the back office shows the latest matches; a narrower
filter finds an older one). The brand's orders are read through its ``(brand_id, id)`` index (ids
are time-ordered), the method through the fulfilments of those orders.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec
from tortoise.expressions import Q, Subquery

from storefront.orders.models import Fulfilment, Order
from storefront.orders.reading import orders_out
from storefront.orders.schemas import OrderOut

LIMIT = 50


class OrderFilter(msgspec.Struct, frozen=True, kw_only=True):
    status: str | None = None
    method: str | None = None
    placed_from: datetime | None = None
    placed_to: datetime | None = None  # exclusive
    search: str = ""  # an order number (or its start), or part of the shopper's email


async def find_orders(brand_id: uuid.UUID, wanted: OrderFilter) -> list[OrderOut]:
    query = Order.filter(brand_id=brand_id)
    if wanted.status:
        query = query.filter(status=wanted.status)
    if wanted.placed_from is not None:
        query = query.filter(placed_at__gte=wanted.placed_from)
    if wanted.placed_to is not None:
        query = query.filter(placed_at__lt=wanted.placed_to)
    if wanted.search:
        text = wanted.search.strip()
        query = query.filter(Q(number__istartswith=text) | Q(email__icontains=text.lower()))
    if wanted.method:
        query = query.filter(id__in=Subquery(Fulfilment.filter(method=wanted.method).values("order_id")))
    orders = await query.order_by("-id").limit(LIMIT)
    return await orders_out(list(orders))
