"""Pure fulfilment rules: postcodes, windows, rates by date, personalisation values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.fulfilment import rules


@pytest.mark.parametrize(
    ("postcode", "covered"),
    [
        ("E1 6AN", True),
        ("e16an", True),
        (" e2  7rg ", True),
        ("E2", True),
        ("N16 7AA", True),
        ("N1 9GU", True),
        ("E14 3AB", False),  # another district, not "E1..."
        ("E1W 1AA", False),
        ("N19 3AA", False),
        ("EC1A 1BB", False),
        ("", False),
    ],
)
def test_district_prefixes_match_whole_districts(postcode: str, covered: bool) -> None:
    assert rules.postcode_covered(postcode, ["E1", "E2", "N1", "N16"]) is covered


@pytest.mark.parametrize(
    ("postcode", "covered"),
    [("E14 3AB", True), ("E1W 1AA", True), ("EC1A 1BB", False), ("SE1 7PB", False), ("SW1A 1AA", True)],
)
def test_area_prefixes_match_every_district_of_the_area(postcode: str, covered: bool) -> None:
    assert rules.postcode_covered(postcode, ["E", "SW"]) is covered


def test_numeric_codes_match_by_leading_digits() -> None:
    assert rules.postcode_covered("10001", ["100"])
    assert rules.postcode_covered("10001", ["10001"])
    assert not rules.postcode_covered("11201", ["100"])


@given(st.from_regex(r"[A-Z]{1,2}[0-9]{1,2} [0-9][A-Z]{2}", fullmatch=True))
def test_a_postcode_is_served_by_its_own_district_and_area(postcode: str) -> None:
    outward = rules.outward_code(postcode)
    area = outward.rstrip("0123456789")
    assert rules.postcode_covered(postcode, [outward])
    assert rules.postcode_covered(postcode.lower().replace(" ", ""), [area])


def test_clocks_and_weeks() -> None:
    assert rules.minutes("14:30") == 870
    assert rules.minutes("24:00") is None
    assert rules.clock(870) == "14:30"
    week = rules.compile_week({"mon": [["13:00", "18:00"], ["09:00", "12:00"]], "sun": [["10:00", "09:00"]]})
    assert week[0] == ((540, 720), (780, 1080))
    assert week[6] == ()
    assert rules.weekday_numbers(["sat", "mon", "nope"]) == frozenset({0, 5})


def test_window_problems_name_the_window() -> None:
    assert rules.windows_problems([["18:00", "21:00"], ["09:00", "12:00"]]) == []
    assert rules.windows_problems([["21:00", "18:00"]]) == [("[0]", "must start before it ends")]
    assert rules.windows_problems([["9:00", "12:00"]]) == [("[0]", "times must be 24-hour HH:MM")]
    assert rules.windows_problems([["09:00", "13:00"], ["12:00", "14:00"]]) == [("[1]", "overlaps [0]")]


def test_the_latest_starting_rate_in_force_applies() -> None:
    jan = datetime(2026, 1, 1, tzinfo=UTC)
    mar, apr = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
    jun = datetime(2026, 6, 1, tzinfo=UTC)
    rates = [(jan, None), (mar, apr), (jun, None)]  # standing, a March promotion, a June rise
    assert rules.current_rate_index(rates, datetime(2025, 12, 31, tzinfo=UTC)) is None
    assert rules.current_rate_index(rates, datetime(2026, 2, 1, tzinfo=UTC)) == 0
    assert rules.current_rate_index(rates, datetime(2026, 3, 15, tzinfo=UTC)) == 1
    assert rules.current_rate_index(rates, apr) == 0  # the promotion ended: the standing rate again
    assert rules.current_rate_index(rates, jun) == 2


def test_distance_in_metres() -> None:
    assert rules.distance_m(51_529_640, -71_180, 51_529_640, -71_180) == 0
    # Columbia Road to the Hackney workroom: about 0.9 km.
    assert 800 < rules.distance_m(51_529_640, -71_180, 51_535_420, -53_060) < 1_500


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("ABC", None),
        ("A", None),
        ("ABCD", "at most 3 letters"),  # "letters", as the form's hint says: one word for one limit
        ("A1", "use only the letters A to Z"),  # in words, never the pattern itself
        ("", "must not be empty"),
    ],
)
def test_a_monogram_is_up_to_three_capitals(value: str, problem: str | None) -> None:
    assert rules.personalisation_problem(value, allowed_values=(), pattern="^[A-Z]{1,3}$", max_length=3) == problem


def test_a_lower_case_monogram_is_stitched_in_capitals_not_refused() -> None:
    typed = rules.personalisation_value(" ada ", kind="monogram")
    assert typed == "ADA"
    assert rules.personalisation_problem(typed, allowed_values=(), pattern="^[A-Z]{1,3}$", max_length=3) is None
    assert rules.personalisation_value("gold", kind="thread_colour") == "gold"  # a listed value stays as listed


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("^[A-Z0-9]{1,4}$", "use only letters and numbers"),
        ("^[0-9]{2}$", "use only numbers"),
        ("^x$", "can't be stitched as written"),
    ],
)
def test_a_refused_value_says_what_the_pattern_takes(pattern: str, words: str) -> None:
    assert rules.personalisation_problem("??", allowed_values=(), pattern=pattern, max_length=None) == words


@pytest.mark.parametrize(
    ("typed", "whole"),
    [
        ("E2 7RG", True),
        ("e27rg", True),
        (" sw1a 1aa ", True),
        ("10001", True),  # all-digit codes (ZIP, PLZ) are whole as typed
        ("E2", False),  # a district is not an address
        ("E2 7R", False),
        ("ZZZZ", False),
        ("123", False),
        ("", False),
    ],
)
def test_a_courier_needs_a_whole_postcode(typed: str, whole: bool) -> None:
    assert rules.postcode_is_whole(typed) is whole


def test_postcodes_are_shown_as_people_write_them() -> None:
    assert rules.display_postcode("e27rg") == "E2 7RG"
    assert rules.display_postcode("sw1a1aa") == "SW1A 1AA"
    assert rules.display_postcode("10001") == "10001"


def test_a_thread_colour_is_one_of_the_list() -> None:
    colours = ["gold", "silver", "oxblood"]
    assert rules.personalisation_problem("gold", allowed_values=colours, pattern="", max_length=None) is None
    assert rules.personalisation_problem("pink", allowed_values=colours, pattern="", max_length=None) == (
        "must be one of gold, silver, oxblood"
    )
    assert rules.pattern_problem("[A-Z") is not None
    assert rules.pattern_problem("^[A-Z]{1,3}$") is None
