"""A drop's rule and a price change's stamp, alone (no database, the clock given): what left and status say."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from storefront.events.devices import MARK_ALPHABET, new_mark
from storefront.events.offer import rules

STARTS = datetime(2026, 12, 12, 10, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(hours=7)


def test_a_drop_is_upcoming_then_live_then_ended_at_its_instants() -> None:
    assert rules.status(STARTS, ENDS, STARTS - timedelta(microseconds=1)) == "upcoming"
    assert rules.status(STARTS, ENDS, STARTS) == "live"
    assert rules.status(STARTS, ENDS, ENDS - timedelta(microseconds=1)) == "live"
    assert rules.status(STARTS, ENDS, ENDS) == "ended"
    assert rules.status(STARTS, ENDS, ENDS + timedelta(days=400)) == "ended"


def test_left_is_the_quantity_less_what_sold_within_nought_and_the_quantity() -> None:
    assert rules.left(50, 0) == 50
    assert rules.left(50, 38) == 12
    assert rules.left(50, 50) == 0
    assert rules.left(50, 61) == 0  # a stall sold past it offline: never negative
    assert rules.left(50, -3) == 50  # returns of pieces sold before it began make no more


@given(st.integers(1, 10_000), st.integers(-10_000, 20_000))
def test_left_always_lies_between_nought_and_the_quantity(quantity: int, sold: int) -> None:
    left = rules.left(quantity, sold)
    assert 0 <= left <= quantity
    assert left == quantity - sold or sold < 0 or sold > quantity


def test_the_words_say_how_many_are_left_and_sold_out_in_words() -> None:
    assert rules.words(12, 50) == "12 of 50 left"
    assert rules.words(0, 50) == "Sold out: 0 of 50 left"


def test_a_stamp_is_now_unless_the_clock_is_behind_the_last_change() -> None:
    now = STARTS
    assert rules.stamp(now, None) == now
    assert rules.stamp(now, now - timedelta(seconds=1)) == now
    assert rules.stamp(now, now) == now + rules.TICK
    assert rules.stamp(now, now + timedelta(minutes=5)) == now + timedelta(minutes=5) + rules.TICK


@given(st.lists(st.integers(-(10**9), 10**9), min_size=1, max_size=50))
def test_stamps_strictly_increase_whatever_the_clock_does(offsets_us: list[int]) -> None:
    latest = None
    for offset in offsets_us:
        stamped = rules.stamp(STARTS + timedelta(microseconds=offset), latest)
        assert latest is None or stamped > latest
        latest = stamped


def test_a_mark_is_six_crockford_symbols_and_a_seeded_draw_repeats() -> None:
    assert len(MARK_ALPHABET) == 32 and not set("ILOU") & set(MARK_ALPHABET)
    for _ in range(200):
        mark = new_mark()
        assert len(mark) == 6 and set(mark) <= set(MARK_ALPHABET)
    assert new_mark(random.Random(7).randrange) == new_mark(random.Random(7).randrange)
    assert new_mark(lambda n: 0) == "000000" and new_mark(lambda n: n - 1) == "ZZZZZZ"
