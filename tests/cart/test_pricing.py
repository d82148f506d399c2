"""Cart pricing rules: totals, fees per group, bundle discounts that add up to the minor unit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.cart.pricing import LineInput, bundle_discount, price_cart
from storefront.money import CurrencyMismatch, Money
from tests.factories import gbp


def test_lines_and_one_fee_per_group() -> None:
    lines = [
        LineInput(key="a", unit_price=26500, quantity=2, group="van"),
        LineInput(key="b", unit_price=9500, quantity=1, group="van"),
        LineInput(key="c", unit_price=12000, quantity=1, group="shop"),
    ]
    priced = price_cart(lines, {"van": gbp(795), "shop": gbp(0)}, "GBP")
    assert priced.subtotal == 2 * 26500 + 9500 + 12000
    assert priced.fulfilment == 795  # two lines in one van pay one fee
    assert priced.discount == 0
    assert priced.total == priced.subtotal + 795


def test_whole_look_earns_its_discount_split_exactly() -> None:
    look = dict(bundle="look", bundle_size=3, bundle_discount_bp=1000)
    lines = [
        LineInput(key=k, unit_price=p, quantity=1, group="g", **look)  # type: ignore[arg-type]
        for k, p in (("a", 33333), ("b", 33333), ("c", 33334))
    ]
    priced = price_cart(lines, {}, "GBP")
    assert priced.discount == 10000
    assert sum(line.discount for line in priced.lines.values()) == 10000
    assert priced.total == 100000 - 10000


def test_a_broken_look_loses_its_discount() -> None:
    lines = [
        LineInput(
            key="a", unit_price=10000, quantity=1, group="g", bundle="look", bundle_size=3, bundle_discount_bp=1000
        ),
        LineInput(
            key="b", unit_price=10000, quantity=1, group="g", bundle="look", bundle_size=3, bundle_discount_bp=1000
        ),
    ]
    assert price_cart(lines, {}, "GBP").discount == 0


def test_fee_in_another_currency_is_refused() -> None:
    with pytest.raises(CurrencyMismatch):
        price_cart(
            [LineInput(key="a", unit_price=1, quantity=1, group="g")], {"g": Money(amount=5, currency="EUR")}, "GBP"
        )


def test_bundle_discount_rounds_half_even_once() -> None:
    assert bundle_discount(25, 1000) == 2  # 2.5 -> 2
    assert bundle_discount(35, 1000) == 4  # 3.5 -> 4


@given(
    st.lists(
        st.tuples(st.integers(0, 10**7), st.integers(1, 99), st.sampled_from(["x", "y", "z"]), st.booleans()),
        min_size=1,
        max_size=12,
    ),
    st.integers(0, 5000),
    st.integers(0, 2000),
)
def test_totals_always_add_up(rows: list[tuple[int, int, str, bool]], bp: int, fee: int) -> None:
    bundled = [i for i, row in enumerate(rows) if row[3]]
    lines = [
        LineInput(
            key=i,
            unit_price=price,
            quantity=qty,
            group=group,
            bundle="look" if in_look else None,
            bundle_size=len(bundled),
            bundle_discount_bp=bp,
        )
        for i, (price, qty, group, in_look) in enumerate(rows)
    ]
    priced = price_cart(lines, {"x": gbp(fee), "y": gbp(fee)}, "GBP")
    assert priced.subtotal == sum(p * q for p, q, _, _ in rows)
    assert priced.discount == sum(line.discount for line in priced.lines.values())
    assert all(0 <= line.discount <= line.subtotal for line in priced.lines.values())
    assert priced.total == priced.subtotal - priced.discount + priced.fulfilment
    assert priced.fulfilment == fee * len({g for _, _, g, _ in rows} & {"x", "y"})
    assert priced.total >= 0
