"""Refund shares and order KPIs: pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.cart.pricing import deposit_split
from storefront.money import Money
from storefront.orders.kpis import ReturnedUnits, order_kpis
from storefront.orders.returns import refund_for, refund_split


@given(st.integers(0, 10**8), st.data())
def test_returning_every_unit_in_any_batches_refunds_exactly_the_line(total: int, data: st.DataObject) -> None:
    quantity = data.draw(st.integers(1, 20))
    returned = refunded = 0
    while returned < quantity:
        batch = data.draw(st.integers(1, quantity - returned))
        refunded += refund_for(total, quantity, returned, batch)
        returned += batch
    assert refunded == total


def test_three_units_for_a_hundred_pence() -> None:
    assert [refund_for(100, 3, i, 1) for i in range(3)] == [34, 33, 33]


NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_kpis_compare_promise_with_delivery() -> None:
    kpis = order_kpis(
        placed_at=NOW,
        promised=[NOW + timedelta(hours=8), NOW + timedelta(days=3)],
        fulfilled=[NOW + timedelta(hours=7), NOW + timedelta(days=3, minutes=1)],
        fees=Money(amount=795, currency="GBP"),
        returns=[
            ReturnedUnits(reason="wrong_size", condition="resaleable", quantity=1),
            ReturnedUnits(reason="faulty", condition="damaged", quantity=2),
        ],
    )
    assert kpis.promised_lead_minutes == 3 * 24 * 60
    assert kpis.actual_lead_minutes == 3 * 24 * 60 + 1
    assert kpis.on_time is False
    assert (kpis.returned_units, kpis.damaged_units) == (3, 2)
    assert kpis.return_reasons == {"faulty": 2, "wrong_size": 1}


def test_kpis_wait_for_every_fulfilment() -> None:
    kpis = order_kpis(
        placed_at=NOW,
        promised=[NOW + timedelta(hours=1), NOW + timedelta(hours=2)],
        fulfilled=[NOW, None],
        fees=Money(amount=0, currency="GBP"),
        returns=[],
    )
    assert (kpis.actual_lead_minutes, kpis.on_time) == (None, None)


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=4), st.data())
def test_refunds_draw_on_payments_in_order_and_never_beyond_them(capacities: list[int], data: st.DataObject) -> None:
    total = sum(capacities)
    offset = data.draw(st.integers(0, total))
    amount = data.draw(st.integers(0, total - offset))
    parts = refund_split(amount, offset, capacities)
    assert sum(parts) == amount
    assert all(0 <= part <= capacity for part, capacity in zip(parts, capacities, strict=True))
    # refunding in two steps draws exactly what one step would
    first = data.draw(st.integers(0, amount))
    twice = [
        a + b
        for a, b in zip(
            refund_split(first, offset, capacities),
            refund_split(amount - first, offset + first, capacities),
            strict=True,
        )
    ]
    assert twice == parts


def test_a_refund_beyond_the_payments_is_refused() -> None:
    with pytest.raises(ValueError, match="exceeds"):
        refund_split(101, 0, [60, 40])


def test_deposit_split() -> None:
    assert deposit_split(31_500, 3000) == (9_450, 22_050)
    assert deposit_split(31_500, 0) == (31_500, 0)
    assert deposit_split(31_500, 10_000) == (31_500, 0)
    assert deposit_split(25, 1000) == (2, 23)  # 2.5 rounds half-even to 2
