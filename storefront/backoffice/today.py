"""The back office's first page, Today: what sold since the shop's midnight and what waits on staff.

Each figure is its own domain's answer (orders, fulfilment capacity, trade-ins, credit, stock);
this module only asks them together and says them in the brand's money and words.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import msgspec

from storefront import orders
from storefront.backoffice.sessions import SignedIn
from storefront.credits import figures as credit_figures
from storefront.credits import trade_ins
from storefront.fulfilment import capacity
from storefront.inventory import LowStock, low_stock
from storefront.money import Money, display
from storefront.tenancy import service as tenancy

STEP_WORDS = {
    "paid": "to prepare",
    "in_production": "in production",
    "ready_for_pickup": "ready for pickup",
    "out_for_delivery": "out for delivery",
}
METHOD_WORDS = {"pickup": "Pickup", "courier": "Courier", "made_to_order": "Made to order"}


class Waiting(msgspec.Struct, frozen=True, kw_only=True):
    label: str
    count: int


class Today(msgspec.Struct, frozen=True, kw_only=True):
    sales: int
    takings: str
    waiting: list[Waiting]
    pickups_ready: int
    production_booked: int
    production_capacity: int
    in_production: int
    returns_to_receive: int
    trade_ins_to_inspect: int
    credit_outstanding: str
    low_stock: list[LowStock]


def local_midnight(now: datetime, zone: str) -> datetime:
    tz = ZoneInfo(zone)
    return datetime.combine(now.astimezone(tz).date(), time(0), tzinfo=tz)


async def today(who: SignedIn, now: datetime) -> Today:
    brand_id = who.account.brand_id
    brand = await tenancy.read_brand(brand_id)
    since = local_midnight(now, brand.timezone)
    sold = await orders.today.orders_today(brand_id, since)
    load = await capacity.day_load(brand_id, since.date())
    credit = await credit_figures.figures(brand_id, now)

    def money(amount: int) -> str:
        return display(Money(amount=amount, currency=brand.currency), brand.locale)

    return Today(
        sales=sold.paid_orders,
        takings=money(sold.paid_minor),
        waiting=[
            Waiting(
                label=f"{METHOD_WORDS.get(s.method, s.method)}: {STEP_WORDS.get(s.status, s.status)}", count=s.count
            )
            for s in sold.waiting
        ],
        pickups_ready=sum(s.count for s in sold.waiting if s.status == "ready_for_pickup"),
        production_booked=load.booked,
        production_capacity=load.capacity,
        in_production=sum(s.count for s in sold.waiting if s.status == "in_production"),
        returns_to_receive=sold.returns_to_receive,
        trade_ins_to_inspect=await trade_ins.awaiting_inspection(brand_id),
        credit_outstanding=money(credit.outstanding),
        low_stock=await low_stock(brand_id),
    )
