"""What a stall return may take back and how its money goes back: pure, so no fixtures; hypothesis for the sums."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from popup.till.return_rules import (
    cash_refunded,
    check_returnable,
    refund_split,
    refund_tenders,
    refund_value,
    refunded,
    returnable,
    returned_units,
    unit_values,
)
from popup.till.rules import TillRefusal
from storefront.events.journal import Discount, Return, ReturnLine, Sale, SaleLine, Tender

CODE = "7K3MQ9ABCDEFGHJKMNPQRSTVWX1"


def _sale(lines: list[SaleLine], tenders: list[Tender], discount: int = 0) -> Sale:
    subtotal = sum(line.quantity * line.unit_price for line in lines)
    return Sale(
        number="7K3MQ9-00001",
        currency="EUR",
        lines=lines,
        discount=Discount(amount=discount, reason="market day", staff="ana") if discount else None,
        subtotal=subtotal,
        total=subtotal - discount,
        tenders=tenders,
        change=0,
        staff="ana",
    )


def _return(lines: list[ReturnLine], refund: list[Tender]) -> Return:
    return Return(
        sale=uuid.uuid4(),
        number="7K3MQ9-00002",
        currency="EUR",
        lines=lines,
        refund=refund,
        reason="changed mind",
        staff="ana",
    )


SALE = _sale(
    [SaleLine(sku="BAG-1", quantity=2, unit_price=10_000), SaleLine(sku="BAG-2", quantity=1, unit_price=5_001)],
    [
        Tender(kind="credit", amount=5_000, code=CODE),
        Tender(kind="cash", amount=10_000, tendered=10_000),
        Tender(kind="card_terminal", amount=9_991, reference="T-1"),
    ],
    discount=10,
)


def test_the_discount_is_spread_over_every_unit_and_adds_up() -> None:
    units = unit_values(SALE)
    assert sum(units["BAG-1"]) + sum(units["BAG-2"]) == SALE.total
    assert units["BAG-1"] == [9_996, 9_996]
    assert units["BAG-2"] == [4_999]


def test_returning_what_was_sold_and_not_more() -> None:
    check_returnable(SALE, {}, [ReturnLine(sku="BAG-1", quantity=2)])
    with pytest.raises(TillRefusal, match="only 1 of the 2 sold"):
        check_returnable(SALE, {"BAG-1": 1}, [ReturnLine(sku="BAG-1", quantity=2)])
    with pytest.raises(TillRefusal, match="all 2 sold on receipt 7K3MQ9-00001 have come back"):
        check_returnable(SALE, {"BAG-1": 2}, [ReturnLine(sku="BAG-1", quantity=1)])
    with pytest.raises(TillRefusal, match="was not sold"):
        check_returnable(SALE, {}, [ReturnLine(sku="NOPE", quantity=1)])
    with pytest.raises(TillRefusal, match="at least one"):
        check_returnable(SALE, {}, [])
    # The same SKU twice (one restocked, one set aside) counts once against what was sold.
    with pytest.raises(TillRefusal, match="only 2"):
        check_returnable(
            SALE, {}, [ReturnLine(sku="BAG-1", quantity=2), ReturnLine(sku="BAG-1", quantity=1, restock=False)]
        )


def test_a_card_part_needs_the_terminal_reference_and_credit_a_new_code() -> None:
    parts = refund_split(SALE.tenders, 0, 9_996)
    assert sum(parts) == 9_996
    with pytest.raises(TillRefusal, match="refund reference"):
        refund_tenders(SALE.tenders, parts, card_reference=None, credit_code=CODE)
    with pytest.raises(TillRefusal, match="new code"):
        refund_tenders(SALE.tenders, parts, card_reference="R-1", credit_code=None)
    refund = refund_tenders(SALE.tenders, parts, card_reference="R-1", credit_code=CODE)
    assert [t.kind for t in refund] == ["cash", "card_terminal", "credit"]
    assert sum(t.amount for t in refund) == 9_996
    done = _return([ReturnLine(sku="BAG-1", quantity=1)], refund)
    assert refunded([done]) == 9_996
    assert cash_refunded([done]) == refund[0].amount
    assert returned_units([done]) == {"BAG-1": 1}


def test_a_refund_past_what_was_paid_is_refused() -> None:
    with pytest.raises(TillRefusal, match="more than the sale was paid"):
        refund_split(SALE.tenders, SALE.total - 5, 6)


prices = st.integers(0, 50_000)
quantities = st.integers(1, 6)
sale_lines = st.lists(st.tuples(prices, quantities), min_size=1, max_size=4)


@st.composite
def sales(draw: st.DrawFn) -> Sale:
    wanted = draw(sale_lines)
    lines = [SaleLine(sku=f"SKU-{i}", quantity=q, unit_price=p) for i, (p, q) in enumerate(wanted)]
    subtotal = sum(p * q for p, q in wanted)
    if subtotal == 0:
        lines = [*lines, SaleLine(sku="SKU-X", quantity=1, unit_price=1)]
        subtotal = 1
    discount = draw(st.integers(0, subtotal - 1))
    total = subtotal - discount
    weights = draw(st.lists(st.integers(0, 100), min_size=1, max_size=3).filter(any))
    parts = [total * w // sum(weights) for w in weights]
    parts[-1] += total - sum(parts)
    kinds = draw(st.permutations(["cash", "card_terminal", "credit"]))
    tenders = [
        Tender(
            kind=kind,
            amount=part,
            reference="T" if kind == "card_terminal" else None,
            code=CODE if kind == "credit" else None,
        )
        for kind, part in zip(kinds, parts, strict=False)
    ]
    return _sale(lines, tenders, discount)


@given(sale=sales(), data=st.data())
def test_returns_never_pass_what_was_sold_and_all_of_it_refunds_exactly(sale: Sale, data: st.DataObject) -> None:
    """Returns in any order and size: never more than sold less returned; everything back is the total, per tender."""
    before: dict[str, int] = {}
    refunded_so_far = 0
    per_tender = [0] * len(sale.tenders)
    while True:
        left = {sku: n for sku, n in returnable(sale, before).items() if n}
        if not left:
            break
        sku = data.draw(st.sampled_from(sorted(left)))
        asked = data.draw(st.integers(1, left[sku] + 2))
        line = [ReturnLine(sku=sku, quantity=asked)]
        if asked > left[sku]:
            with pytest.raises(TillRefusal):
                refund_value(sale, before, line)
            continue
        value = refund_value(sale, before, line)
        parts = refund_split(sale.tenders, refunded_so_far, value)
        assert sum(parts) == value and min(parts) >= 0
        per_tender = [a + b for a, b in zip(per_tender, parts, strict=True)]
        assert all(got <= t.amount for got, t in zip(per_tender, sale.tenders, strict=True))
        refunded_so_far += value
        before[sku] = before.get(sku, 0) + asked
    assert refunded_so_far == sale.total
    assert per_tender == [t.amount for t in sale.tenders]
