"""Orders waiting to be collected at one place: what a pop-up stall's till must know to hand them over.

A reservation is an online order with a pickup part at the place, paid and not yet collected or
cancelled. Its units left the place's stock when it was paid (the stock ledger's ``sell_held``), so
what the till learns is only who comes, with which code, for what.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

import msgspec

from storefront.orders.models import Fulfilment, OrderLine

WAITING = ("paid", "ready_for_pickup")


class ReservedLine(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    title: str
    quantity: int


class Reservation(msgspec.Struct, frozen=True, kw_only=True):
    order_id: uuid.UUID
    number: str
    name: str  # who collects, as checkout took it
    pickup_code: str
    lines: list[ReservedLine]


async def waiting_at(brand_id: uuid.UUID, location: str) -> list[Reservation]:
    """Every order waiting to be collected at ``location`` (a handle), oldest first."""
    parts = (
        await Fulfilment.filter(
            order__brand_id=brand_id,
            method="pickup",
            location=location,
            status__in=WAITING,
            pickup_code__not_isnull=True,
        )
        .order_by("order__placed_at", "id")
        .values_list("id", "order_id", "order__number", "collector", "recipient", "pickup_code")
    )
    if not parts:
        return []
    lines: dict[uuid.UUID, list[ReservedLine]] = defaultdict(list)
    rows = (
        await OrderLine.filter(fulfilment_id__in=[part[0] for part in parts])
        .order_by("id")
        .values_list("fulfilment_id", "sku", "title", "quantity")
    )
    for fulfilment_id, sku, title, quantity in rows:
        lines[fulfilment_id].append(ReservedLine(sku=sku, title=title, quantity=quantity))
    return [
        Reservation(
            order_id=order_id,
            number=number,
            name=collector or recipient,
            pickup_code=code,
            lines=lines[fulfilment_id],
        )
        for fulfilment_id, order_id, number, collector, recipient, code in parts
    ]
