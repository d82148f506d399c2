"""Orders as the API shows them: loaded in a fixed number of queries however many are asked for.

Kept apart from :mod:`.service` so that what must see an order as a whole before and after a
change (the KPI counters) can read it without depending on the code that changes it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from storefront.errors import FieldError, NotFound
from storefront.money import Money
from storefront.orders import kpis
from storefront.orders.models import Fulfilment, Order, OrderLine, ReturnLine
from storefront.orders.schemas import AddressOut, FulfilmentOut, OrderLineOut, OrderOut


async def find_order(brand_id: uuid.UUID, order_id: uuid.UUID) -> Order:
    order = await Order.get_or_none(id=order_id, brand_id=brand_id)
    if order is None:
        raise NotFound("no such order", errors=[FieldError("path.order_id", "no such order")])
    return order


def address_of(f: Fulfilment) -> AddressOut | None:
    if not f.address_line1:
        return None
    return AddressOut(
        name=f.recipient,
        line1=f.address_line1,
        line2=f.address_line2,
        city=f.city,
        postcode=f.postcode or "",
        country=f.country,
    )


async def order_out(order: Order) -> OrderOut:
    return (await orders_out([order]))[0]


async def orders_out(orders: list[Order]) -> list[OrderOut]:
    """Orders with their fulfilments, lines and received returns: three queries for any number of orders."""
    ids = [o.id for o in orders]
    fulfilments: dict[uuid.UUID, list[Fulfilment]] = defaultdict(list)
    for f in await Fulfilment.filter(order_id__in=ids).order_by("id"):
        fulfilments[f.order_id].append(f)
    lines: dict[uuid.UUID, list[OrderLine]] = defaultdict(list)
    for line in await OrderLine.filter(order_id__in=ids).order_by("id"):
        lines[line.order_id].append(line)
    returned: dict[uuid.UUID, list[tuple[str, str, int]]] = defaultdict(list)
    rows = (  # units received back; a return only requested has not come back yet
        await ReturnLine.filter(line__order_id__in=ids)
        .exclude(condition="")
        .values_list("line__order_id", "reason", "condition", "quantity")
    )
    for order_id, reason, condition, quantity in rows:
        returned[order_id].append((reason, condition, quantity))
    return [_order_out(o, fulfilments[o.id], lines[o.id], returned[o.id]) for o in orders]


def _order_out(
    order: Order, fulfilments: list[Fulfilment], lines: list[OrderLine], returned: list[tuple[str, str, int]]
) -> OrderOut:
    def money(amount: int) -> Money:
        return Money(amount=amount, currency=order.currency)

    return OrderOut(
        id=order.id,
        number=order.number,
        status=order.status,
        email=order.email,
        name=order.name,
        subtotal=money(order.subtotal_minor),
        fulfilment=money(order.fulfilment_minor),
        discount=money(order.discount_minor),
        total=money(order.total_minor),
        paid=money(order.paid_minor),
        credit=money(order.credit_minor),
        refunded=money(order.refunded_minor),
        balance=money(order.balance_minor),
        payment_intent=order.payment_intent,
        payment_failures=order.payment_failures,
        last_payment_error=order.last_payment_error,
        hold_expires_at=order.hold_expires_at,
        placed_at=order.placed_at,
        paid_at=order.paid_at,
        fulfilled_at=order.fulfilled_at,
        cancelled_at=order.cancelled_at,
        cancel_reason=order.cancel_reason,
        exchange_of=order.exchange_of_id,
        fulfilments=[
            FulfilmentOut(
                id=f.id,
                method=f.method,
                status=f.status,
                location=f.location,
                zone=f.zone,
                postcode=f.postcode,
                address=address_of(f),
                phone=f.phone or None,
                collector=f.collector or None,
                pickup_code=f.pickup_code,
                fee=money(f.fee_minor),
                balance=money(f.balance_minor),
                balance_paid=f.balance_intent is not None,
                promised_earliest=f.promised_earliest,
                promised_latest=f.promised_latest,
                promise_rule=f.promise_rule,
                timezone=f.timezone,
                fulfilled_at=f.fulfilled_at,
            )
            for f in fulfilments
        ],
        lines=[
            OrderLineOut(
                id=line.id,
                fulfilment=line.fulfilment_id,
                sku=line.sku,
                title=line.title,
                quantity=line.quantity,
                unit_price=money(line.unit_price_minor),
                discount=money(line.discount_minor),
                total=money(line.total_minor),
                personalisation=line.personalisation,
                returned_quantity=line.returned_quantity,
            )
            for line in lines
        ],
        kpis=kpis.order_kpis(
            placed_at=order.placed_at,
            promised=[f.promised_latest for f in fulfilments],
            fulfilled=[f.fulfilled_at for f in fulfilments],
            fees=money(sum(f.fee_minor for f in fulfilments)),
            returns=[kpis.ReturnedUnits(reason=r, condition=c, quantity=q) for r, c, q in returned],
        ),
    )
