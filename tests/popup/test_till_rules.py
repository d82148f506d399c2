"""The till's arithmetic: pure, so no fixtures; hypothesis for the money invariants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from popup.till.rules import Asked, TillRefusal, cash_expected, priced_lines, receipt_number, sale, settle
from storefront.events.journal import Discount

PRICES = {"BAG-1": 12_000, "BAG-2": 4_550}
CODE = "K7M3Q9ABCDEFGHJK"


def test_receipt_numbers_carry_the_device_mark() -> None:
    assert receipt_number("7K3MQ9", 17) == "7K3MQ9-00017"
    with pytest.raises(TillRefusal):
        receipt_number("7K3MQ9", 0)


def test_lines_are_priced_from_the_pack_and_merged() -> None:
    lines = priced_lines([("BAG-1", 1), ("BAG-2", 2), ("BAG-1", 1)], PRICES)
    assert [(line.sku, line.quantity, line.unit_price) for line in lines] == [("BAG-1", 2, 12_000), ("BAG-2", 2, 4_550)]


@pytest.mark.parametrize("wanted", [[], [("NOPE", 1)], [("BAG-1", 0)]])
def test_lines_refused(wanted: list[tuple[str, int]]) -> None:
    with pytest.raises(TillRefusal):
        priced_lines(wanted, PRICES)


def test_cash_gives_change() -> None:
    tenders, change = settle(4_550, [Asked("cash", 5_000)], {})
    assert change == 450
    assert tenders[0].amount == 4_550 and tenders[0].tendered == 5_000


def test_split_tender_credit_first_then_card() -> None:
    tenders, change = settle(
        12_000, [Asked("credit", 5_000, code=CODE), Asked("card_terminal", 7_000, "T-1")], {CODE: 5_000}
    )
    assert change == 0
    assert [(t.kind, t.amount) for t in tenders] == [("credit", 5_000), ("card_terminal", 7_000)]


@pytest.mark.parametrize(
    ("asked", "left", "words"),
    [
        ([Asked("card_terminal", 13_000, "T-1")], {}, "no change"),
        ([Asked("card_terminal", 12_000)], {}, "reference"),
        ([Asked("credit", 12_000, code=CODE)], {CODE: 100}, "at most 100"),
        ([Asked("credit", 12_000, code="OTHERCODE1")], {CODE: 100}, "cannot be taken"),
        ([Asked("cash", 10_000)], {}, "still 2000"),
        ([Asked("card_terminal", 12_000, "T"), Asked("cash", 1)], {}, "already paid"),
        ([Asked("cash", 20_000), Asked("cash", 1)], {}, "last payment"),
        ([Asked("cheque", 12_000)], {}, "unknown payment"),
        ([Asked("cash", 0)], {}, "more than zero"),
    ],
)
def test_tenders_refused_in_words(asked: list[Asked], left: dict[str, int], words: str) -> None:
    with pytest.raises(TillRefusal, match=words):
        settle(12_000, asked, left)


def test_a_discount_needs_to_leave_something_to_pay() -> None:
    lines = priced_lines([("BAG-2", 1)], PRICES)
    whole = Discount(amount=4_550, reason="damaged", staff="ana")
    with pytest.raises(TillRefusal):
        sale(number="7K3MQ9-00001", currency="EUR", lines=lines, asked=[], credit_left={}, staff="ana", discount=whole)
    part = Discount(amount=550, reason="market day", staff="ana")
    done = sale(
        number="7K3MQ9-00001",
        currency="EUR",
        lines=lines,
        asked=[Asked("cash", 4_000)],
        credit_left={},
        staff="ana",
        discount=part,
    )
    assert (done.subtotal, done.total, done.change) == (4_550, 4_000, 0)


@given(
    total=st.integers(1, 10**7),
    credit=st.integers(0, 10**7),
    card=st.integers(0, 10**7),
    extra=st.integers(0, 10**5),
)
def test_kept_tenders_always_equal_the_total(total: int, credit: int, card: int, extra: int) -> None:
    credit = min(credit, total)
    card = min(card, total - credit)
    owed_in_cash = total - credit - card
    cash = owed_in_cash + extra if owed_in_cash else 0  # cash with nothing due is refused (tested above)
    asked = [Asked("credit", credit, code=CODE)] if credit else []
    asked += [Asked("card_terminal", card, "T")] if card else []
    asked += [Asked("cash", cash)] if cash else []
    tenders, change = settle(total, asked, {CODE: credit})
    assert sum(t.amount for t in tenders) == total
    assert change == (extra if owed_in_cash else 0)


def test_cash_up_expects_float_plus_cash_kept_less_refunds() -> None:
    lines = priced_lines([("BAG-2", 1)], PRICES)
    one = sale(
        number="7K3MQ9-00001", currency="EUR", lines=lines, asked=[Asked("cash", 5_000)], credit_left={}, staff="a"
    )
    two = sale(
        number="7K3MQ9-00002",
        currency="EUR",
        lines=lines,
        asked=[Asked("card_terminal", 4_550, "T")],
        credit_left={},
        staff="a",
    )
    assert cash_expected(10_000, [one, two], cash_refunded=550) == 10_000 + 4_550 - 550
