"""Money: integer minor units, one rounding rule, and allocation that never loses a unit."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.money import CurrencyMismatch, Money, allocate, exponent, round_minor, to_stripe_amount

TOTALS = st.integers(min_value=-(10**12), max_value=10**12)
WEIGHTS = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=25).filter(lambda w: sum(w) > 0)


# --- allocate ---------------------------------------------------------------------------------


@given(TOTALS, WEIGHTS)
def test_allocate_sums_to_the_total_exactly(total: int, weights: list[int]) -> None:
    parts = allocate(total, weights)
    assert len(parts) == len(weights)
    assert all(isinstance(p, int) for p in parts)
    assert sum(parts) == total


@given(TOTALS, WEIGHTS)
def test_allocate_is_deterministic(total: int, weights: list[int]) -> None:
    assert allocate(total, list(weights)) == allocate(total, list(weights))


@given(TOTALS, WEIGHTS)
def test_allocate_is_proportional_within_one_unit(total: int, weights: list[int]) -> None:
    weight_sum = sum(weights)
    for part, weight in zip(allocate(total, weights), weights, strict=True):
        exact = Fraction(total * weight, weight_sum)
        assert abs(part - exact) < 1


@given(TOTALS, WEIGHTS)
def test_allocate_parts_share_the_sign_of_the_total_and_zero_weights_get_nothing(
    total: int, weights: list[int]
) -> None:
    for part, weight in zip(allocate(total, weights), weights, strict=True):
        if weight == 0:
            assert part == 0
        elif total > 0:
            assert part >= 0
        elif total < 0:
            assert part <= 0


@given(TOTALS, WEIGHTS)
def test_allocating_a_negative_total_mirrors_the_positive_one(total: int, weights: list[int]) -> None:
    assert allocate(-total, weights) == [-p for p in allocate(total, weights)]


@given(TOTALS, WEIGHTS, st.integers(min_value=1, max_value=1000))
def test_allocate_depends_on_the_ratio_of_weights_not_their_scale(total: int, weights: list[int], k: int) -> None:
    assert allocate(total, [w * k for w in weights]) == allocate(total, weights)


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (100, [1, 1, 1], [34, 33, 33]),  # the leftover unit goes to the earliest on a tie
        (-100, [1, 1, 1], [-34, -33, -33]),
        (1, [1, 1], [1, 0]),
        (-1, [1, 1], [-1, 0]),
        (2, [1, 1, 1], [1, 1, 0]),
        (10, [1, 2], [3, 7]),  # 3.33 and 6.67: the larger remainder gets the unit
        (0, [5, 3], [0, 0]),
        (999, [0, 1, 0], [0, 999, 0]),
        (1000, [70, 30], [700, 300]),
        (5, [1], [5]),
    ],
)
def test_allocate_examples(total: int, weights: list[int], expected: list[int]) -> None:
    assert allocate(total, weights) == expected


@pytest.mark.parametrize("weights", [[], [-1, 2], [0, 0], [0]])
def test_allocate_refuses_weights_that_cannot_split(weights: list[int]) -> None:
    with pytest.raises(ValueError):
        allocate(100, weights)


def test_allocate_does_not_change_the_weights() -> None:
    weights = [3, 1, 2]
    allocate(7, weights)
    assert weights == [3, 1, 2]


# --- Money ------------------------------------------------------------------------------------


def test_add_and_sub_in_one_currency() -> None:
    a = Money(amount=1_250, currency="GBP")
    b = Money(amount=300, currency="GBP")
    assert a + b == Money(amount=1_550, currency="GBP")
    assert a - b == Money(amount=950, currency="GBP")
    assert b - a == Money(amount=-950, currency="GBP")
    assert a.times(3) == Money(amount=3_750, currency="GBP")
    assert Money.zero("JPY") == Money(amount=0, currency="JPY")
    assert Money.zero("EUR") + Money(amount=5, currency="EUR") == Money(amount=5, currency="EUR")


@pytest.mark.parametrize("op", ["add", "sub"])
def test_combining_currencies_raises(op: str) -> None:
    gbp = Money(amount=100, currency="GBP")
    eur = Money(amount=100, currency="EUR")
    with pytest.raises(CurrencyMismatch) as caught:
        _ = gbp + eur if op == "add" else gbp - eur
    assert "GBP" in str(caught.value) and "EUR" in str(caught.value)
    assert isinstance(caught.value, ValueError)
    with pytest.raises(CurrencyMismatch):
        _ = eur + gbp if op == "add" else eur - gbp


def test_zero_does_not_bridge_currencies() -> None:
    with pytest.raises(CurrencyMismatch):
        _ = Money.zero("GBP") + Money(amount=1, currency="USD")


@given(st.integers(-(10**12), 10**12), st.integers(-(10**12), 10**12))
def test_add_then_sub_round_trips(a: int, b: int) -> None:
    x, y = Money(amount=a, currency="GBP"), Money(amount=b, currency="GBP")
    assert (x + y) - y == x
    assert x + y == y + x


def test_money_is_immutable_and_encodes_as_json() -> None:
    money = Money(amount=12_500, currency="GBP")
    with pytest.raises(AttributeError):
        money.amount = 1  # type: ignore[misc]
    assert msgspec.json.encode(money) == b'{"amount":12500,"currency":"GBP"}'
    assert msgspec.json.decode(b'{"amount":1,"currency":"EUR"}', type=Money) == Money(amount=1, currency="EUR")
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'{"amount":1,"currency":"eur"}', type=Money)


# --- rounding and currencies ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.5", 0),
        ("1.5", 2),
        ("2.5", 2),
        ("3.5", 4),
        ("-0.5", 0),
        ("-1.5", -2),
        ("-2.5", -2),
        ("2.4999", 2),
        ("2.5001", 3),
        ("-2.5001", -3),
        ("7", 7),
        ("12499.5", 12500),
        ("12500.5", 12500),
    ],
)
def test_round_minor_is_bankers_rounding(value: str, expected: int) -> None:
    result = round_minor(Decimal(value))
    assert result == expected
    assert type(result) is int


@given(st.integers(-(10**15), 10**15))
def test_round_minor_sends_halves_to_the_even_neighbour(n: int) -> None:
    result = round_minor(Decimal(n) + Decimal("0.5"))
    assert result in (n, n + 1)
    assert result % 2 == 0


@given(st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, allow_infinity=False, places=4))
def test_round_minor_is_within_half_a_unit(value: Decimal) -> None:
    assert abs(Decimal(round_minor(value)) - value) <= Decimal("0.5")


@pytest.mark.parametrize(
    ("currency", "places"), [("GBP", 2), ("EUR", 2), ("USD", 2), ("JPY", 0), ("KRW", 0), ("BHD", 3), ("KWD", 3)]
)
def test_exponent(currency: str, places: int) -> None:
    assert exponent(currency) == places


def test_stripe_amount_whole_units_for_huf_and_twd() -> None:
    assert to_stripe_amount(Money(amount=12_500, currency="GBP")) == 12_500
    assert to_stripe_amount(Money(amount=150_000, currency="HUF")) == 150_000
    for currency in ("HUF", "TWD"):
        with pytest.raises(ValueError):
            to_stripe_amount(Money(amount=150_050, currency=currency))
