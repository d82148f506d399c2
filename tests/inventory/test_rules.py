"""Pure inventory rules: opening hours, timezones, movement quantities and the next level."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.inventory.rules import (
    MAX_QUANTITY,
    Level,
    StockShortfall,
    known_timezone,
    next_level,
    opening_hours_problems,
    quantity_problem,
)

# --- opening hours ----------------------------------------------------------------------------


def test_a_normal_week_has_no_problems() -> None:
    hours = {"mon": [["09:00", "17:30"]], "sat": [["10:00", "13:00"], ["14:00", "18:00"]], "sun": []}
    assert opening_hours_problems(hours) == []


def test_an_empty_week_is_fine() -> None:
    assert opening_hours_problems({}) == []


def test_the_whole_day_is_expressible() -> None:
    assert opening_hours_problems({"fri": [["00:00", "23:59"]]}) == []


FULLWIDTH_NINE = "\uff10\uff19:\uff10\uff10"  # digits to str.isdigit, not to a clock


@pytest.mark.parametrize("clock", ["9:00", "24:00", "12:60", "12.30", "1200", "", "09:00\n", FULLWIDTH_NINE, "ab:cd"])
def test_times_must_be_24_hour_hh_mm(clock: str) -> None:
    assert opening_hours_problems({"tue": [[clock, "23:00"]]}) == [("tue[0]", "times must be 24-hour HH:MM")]
    assert opening_hours_problems({"tue": [["00:00", clock]]}) == [("tue[0]", "times must be 24-hour HH:MM")]


@pytest.mark.parametrize("pair", [["17:00", "09:00"], ["12:00", "12:00"], ["22:00", "02:00"]])
def test_a_pair_must_open_before_it_closes(pair: list[str]) -> None:
    assert opening_hours_problems({"wed": [pair]}) == [("wed[0]", "must open before it closes")]


def test_overlapping_pairs_are_reported_against_the_pair_they_overlap() -> None:
    hours = {"thu": [["13:00", "18:00"], ["09:00", "14:00"]]}
    assert opening_hours_problems(hours) == [("thu[0]", "overlaps thu[1]")]


def test_an_overlap_with_a_long_pair_is_caught_past_a_short_one_inside_it() -> None:
    hours = {"thu": [["08:00", "20:00"], ["09:00", "10:00"], ["11:00", "12:00"]]}
    assert opening_hours_problems(hours) == [("thu[1]", "overlaps thu[0]"), ("thu[2]", "overlaps thu[0]")]


def test_touching_pairs_do_not_overlap() -> None:
    assert opening_hours_problems({"sat": [["10:00", "13:00"], ["13:00", "18:00"]]}) == []


def test_unknown_weekdays_and_malformed_pairs_are_reported() -> None:
    hours = {"monday": [["09:00", "17:00"]], "mon": [["09:00"], ["10:00", "11:00", "12:00"]]}
    assert opening_hours_problems(hours) == [
        ("monday", "unknown weekday; use one of mon, tue, wed, thu, fri, sat, sun"),
        ("mon[0]", "must be an [open, close] pair"),
        ("mon[1]", "must be an [open, close] pair"),
    ]


def test_every_fault_is_reported_at_once() -> None:
    hours = {"mon": [["9:00", "17:00"], ["18:00", "17:00"]], "tue": [["09:00", "12:00"], ["11:00", "13:00"]]}
    assert [path for path, _ in opening_hours_problems(hours)] == ["mon[0]", "mon[1]", "tue[1]"]


# --- timezones --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Europe/London", "UTC", "America/Argentina/Buenos_Aires", "Asia/Kolkata"])
def test_iana_zones_are_known(name: str) -> None:
    assert known_timezone(name)


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", "Europe", "../etc/passwd", "/etc/localtime", "GMT+25"])
def test_anything_else_is_not(name: str) -> None:
    assert not known_timezone(name)


# --- movement quantities ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["receive", "return"])
def test_receipts_and_returns_bring_units_in(kind: str) -> None:
    assert quantity_problem(kind, 1) is None  # type: ignore[arg-type]
    assert quantity_problem(kind, MAX_QUANTITY) is None  # type: ignore[arg-type]
    for quantity in (0, -1):
        assert quantity_problem(kind, quantity) == f"a {kind} brings units in, so it must be at least 1"  # type: ignore[arg-type]


def test_adjustments_go_either_way_but_not_nowhere() -> None:
    assert quantity_problem("adjust", -5) is None
    assert quantity_problem("adjust", 5) is None
    assert quantity_problem("adjust", 0) == "an adjustment must change the count"


@pytest.mark.parametrize("quantity", [MAX_QUANTITY + 1, -MAX_QUANTITY - 1])
def test_quantities_are_bounded(quantity: int) -> None:
    assert quantity_problem("adjust", quantity) == f"must be between -{MAX_QUANTITY} and {MAX_QUANTITY}"


# --- next level -------------------------------------------------------------------------------


def test_a_receipt_adds_to_on_hand_and_leaves_reservations_alone() -> None:
    assert next_level(Level(on_hand=3, reserved=2), 5) == Level(on_hand=8, reserved=2)


def test_available_is_on_hand_less_reserved() -> None:
    assert Level(on_hand=8, reserved=2).available == 6
    assert Level(on_hand=0, reserved=0).available == 0


def test_stock_may_go_down_to_exactly_the_reserved_units() -> None:
    after = next_level(Level(on_hand=5, reserved=2), -3)
    assert after == Level(on_hand=2, reserved=2)
    assert after.available == 0


def test_stock_may_not_go_below_the_reserved_units() -> None:
    before = Level(on_hand=5, reserved=2)
    with pytest.raises(StockShortfall) as caught:
        next_level(before, -4)
    assert caught.value.before == before
    assert caught.value.after == Level(on_hand=1, reserved=2)
    assert str(caught.value) == "2 units are reserved; this would leave 1 on hand"


def test_stock_may_not_go_below_zero() -> None:
    with pytest.raises(StockShortfall, match="only 3 on hand; this would leave -1"):
        next_level(Level(on_hand=3, reserved=0), -4)


def test_reservations_move_with_their_own_delta() -> None:
    assert next_level(Level(on_hand=4, reserved=1), 0, 2) == Level(on_hand=4, reserved=3)
    assert next_level(Level(on_hand=4, reserved=3), -2, -2) == Level(on_hand=2, reserved=1)
    with pytest.raises(StockShortfall, match="only 1 reserved; this would leave -1"):
        next_level(Level(on_hand=4, reserved=1), 0, -2)
    with pytest.raises(StockShortfall):
        next_level(Level(on_hand=4, reserved=3), 0, 2)


def test_a_shortfall_is_a_value_error() -> None:
    assert issubclass(StockShortfall, ValueError)


levels = st.builds(
    lambda reserved, extra: Level(on_hand=reserved + extra, reserved=reserved),
    st.integers(0, 10_000),
    st.integers(0, 10_000),
)
deltas = st.integers(-MAX_QUANTITY, MAX_QUANTITY)


@given(levels, deltas, st.integers(-10_000, 10_000))
def test_a_level_either_moves_by_exactly_the_deltas_and_stays_valid_or_is_refused(
    before: Level, on_hand_delta: int, reserved_delta: int
) -> None:
    try:
        after = next_level(before, on_hand_delta, reserved_delta)
    except StockShortfall as exc:
        assert exc.after.on_hand < 0 or exc.after.reserved < 0 or exc.after.on_hand < exc.after.reserved
        return
    assert after.on_hand - before.on_hand == on_hand_delta
    assert after.reserved - before.reserved == reserved_delta
    assert 0 <= after.reserved <= after.on_hand
    assert after.available == after.on_hand - after.reserved
