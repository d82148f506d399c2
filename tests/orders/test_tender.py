"""The refund split between store credit and card: exact, in proportion, whatever the returns (hypothesis)."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from storefront.orders.tender import credit_share, split_refund


@st.composite
def orders_and_returns(draw: st.DrawFn) -> tuple[int, int, list[int]]:
    total = draw(st.integers(1, 10**9))
    credit = draw(st.integers(0, total))
    cuts = sorted(draw(st.lists(st.integers(0, total), max_size=12)))
    points = [0, *cuts, total]
    return total, credit, [b - a for a, b in pairwise(points)]


@given(orders_and_returns())
def test_every_return_splits_exactly_and_everything_returned_gives_each_tender_back_its_own(
    case: tuple[int, int, list[int]],
) -> None:
    total, credit, refunds = case
    offset = to_credit = to_card = 0
    for amount in refunds:
        split = split_refund(amount, offset, credit, total)
        assert split.credit >= 0 and split.card >= 0 and split.credit + split.card == amount
        assert (split.credit_offset, split.card_offset) == (to_credit, to_card)
        offset, to_credit, to_card = offset + amount, to_credit + split.credit, to_card + split.card
        assert to_credit <= credit and to_card <= total - credit
    assert (to_credit, to_card) == (credit, total - credit)


def test_a_third_of_an_order_paid_a_third_by_credit() -> None:
    assert [split_refund(100, offset, 100, 300).credit for offset in (0, 100, 200)] == [33, 34, 33]
    assert credit_share(300, 100, 300) == 100
    assert split_refund(50, 0, 0, 300).credit == 0  # no credit paid: all to the card
    assert split_refund(50, 0, 300, 300).card == 0  # credit paid all: all to credit
