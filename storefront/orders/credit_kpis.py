"""Circularity KPIs: trade-ins, store credit as the liability it is, refurbished units sold, orders paid by credit.

Credit and trade-in figures come from :mod:`storefront.credits.figures`; the orders' part here is
three counts in SQL over the brand's paid orders (and their refurbished lines).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from storefront.credits import figures as credit_figures
from storefront.money import Money
from storefront.orders.models import Order, OrderLine
from storefront.orders.schemas import CreditKpis
from storefront.orders.states import AFTER_PAYMENT
from storefront.sql import sum_of
from storefront.tenancy import brand_currency


def share_bp(part: int, whole: int) -> int:
    """``part`` of ``whole`` in basis points, rounded half up; 0 of nothing."""
    return (part * 10_000 * 2 + whole) // (2 * whole) if whole else 0


async def credit_kpis(brand_id: uuid.UUID, now: datetime) -> CreditKpis:
    currency = await brand_currency(brand_id)
    figures = await credit_figures.figures(brand_id, now)
    paid = Order.filter(brand_id=brand_id, status__in=sorted(AFTER_PAYMENT))
    orders = await paid.count()
    with_credit = await paid.filter(credit_minor__gt=0).count()
    refurbished = OrderLine.filter(order__brand_id=brand_id, order__status__in=sorted(AFTER_PAYMENT)).exclude(
        variant__condition="new"
    )

    def money(amount: int) -> Money:
        return Money(amount=amount, currency=currency)

    return CreditKpis(
        trade_ins_received=figures.trade_ins_received,
        trade_ins_accepted=figures.trade_ins_accepted,
        accepted_value=money(figures.accepted_value),
        credit_issued=money(figures.issued),
        credit_redeemed=money(figures.redeemed),
        credit_refunded=money(figures.refunded),
        credit_expired=money(figures.expired),
        credit_outstanding=money(figures.outstanding),
        refurbished_units_sold=await sum_of(refurbished, "quantity", per="order__brand_id"),
        paid_orders=orders,
        orders_with_credit=with_credit,
        credit_order_share_bp=share_bp(with_credit, orders),
    )
