"""The promise in words: a pure function of (quote, now, locale), with the clock passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from components.fulfilment_promise import countdown, promise_text
from storefront.fulfilment.promise import (
    MADE_TO_ORDER_RULE,
    NEXT_DAY_RULE,
    PICKUP_RULE,
    RULE_TEXT,
    SAME_DAY_RULE,
    Quote,
)
from storefront.money import Money

LONDON = "Europe/London"
# Wednesday 2 June 2027, 11:46 in London (BST, UTC+1).
WEDNESDAY = datetime(2027, 6, 2, 10, 46, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0, month: int = 6, year: int = 2027) -> datetime:
    """An instant, given in UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def quote(
    method: str,
    earliest: datetime,
    latest: datetime,
    cutoff: datetime | None = None,
    timezone: str = LONDON,
    location: str = "market-street",
) -> Quote:
    rule = {"pickup": PICKUP_RULE, "courier": SAME_DAY_RULE, "made_to_order": MADE_TO_ORDER_RULE}[method]
    return Quote(
        method=method,  # type: ignore[arg-type]
        price=Money(amount=795 if method == "courier" else 0, currency="GBP"),
        earliest=earliest,
        latest=latest,
        timezone=timezone,
        cutoff=cutoff,
        rule=rule,
        rule_text=RULE_TEXT[rule],
        location=location,
        zone="east" if method == "courier" else None,
    )


def plain(text: str) -> str:
    """Babel separates "6:00" and "PM" with a narrow no-break space in some locales."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


# --- countdown ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("remaining", "words"),
    [
        (timedelta(hours=2, minutes=14), "2 h 14 min"),
        (timedelta(hours=2, minutes=14, seconds=59), "2 h 14 min"),  # rounded down: never promise a late order
        (timedelta(hours=3), "3 h"),
        (timedelta(minutes=45), "45 min"),
        (timedelta(minutes=1), "1 min"),
        (timedelta(seconds=59), "less than 1 min"),
        (timedelta(hours=23, minutes=59), "23 h 59 min"),
    ],
)
def test_countdown_in_whole_minutes(remaining: timedelta, words: str) -> None:
    assert countdown(remaining) == words


# --- courier -----------------------------------------------------------------------------------


def test_same_day_courier_counts_down_to_the_cutoff() -> None:
    same_day = quote("courier", at(2, 17), at(2, 20), cutoff=at(2, 13))  # 18:00-21:00, cutoff 14:00 BST
    assert promise_text(same_day, WEDNESDAY, "en_GB") == "Order within 2 h 14 min for delivery today 18:00\u201321:00"


def test_next_day_courier_says_tomorrow_and_counts_down_to_midnight() -> None:
    evening = at(2, 14)  # 15:00 BST
    next_day = quote("courier", at(3, 8), at(3, 12), cutoff=at(2, 23))  # Thursday 09:00-13:00; order by midnight
    assert promise_text(next_day, evening, "en_GB") == "Order within 9 h for delivery tomorrow 09:00\u201313:00"


def test_a_delivery_later_this_week_is_named_by_its_weekday() -> None:
    saturday = quote("courier", at(5, 8), at(5, 12), cutoff=at(4, 23))  # cutoff Friday midnight: 60 h away
    assert (
        promise_text(saturday, WEDNESDAY, "en_GB")
        == "Order by the end of Friday for delivery on Saturday 09:00\u201313:00"
    )
    sunday = quote("courier", at(6, 8), at(6, 12), cutoff=at(5, 13))  # Saturday 14:00, 74 h away
    assert promise_text(sunday, WEDNESDAY, "en_GB") == "Order by Saturday 14:00 for delivery on Sunday 09:00\u201313:00"


def test_a_delivery_beyond_a_week_is_named_by_its_date() -> None:
    far = quote("courier", at(14, 8), at(14, 12))  # no cutoff
    assert promise_text(far, WEDNESDAY, "en_GB") == "Delivery on 14 Jun 09:00\u201313:00"


def test_a_window_across_midnight_reads_in_local_time() -> None:
    late = quote("courier", at(2, 21), at(3, 0), cutoff=at(2, 18))  # 22:00-01:00 BST
    assert promise_text(late, WEDNESDAY, "en_GB") == "Order within 7 h 14 min for delivery today 22:00\u201301:00"


def test_times_are_those_of_the_fulfilling_location_not_utc() -> None:
    new_york = quote("courier", at(2, 22), at(3, 1), cutoff=at(2, 18), timezone="America/New_York")
    # 22:00-01:00 UTC is 18:00-21:00 in New York, still Wednesday there.
    text = promise_text(new_york, WEDNESDAY, "en_US")
    assert plain(text) == "Order within 7 h 14 min for delivery today 6:00 PM\u20139:00 PM"


def test_a_passed_cutoff_gives_no_countdown() -> None:
    stale = quote("courier", at(2, 17), at(2, 20), cutoff=at(2, 10))
    assert promise_text(stale, WEDNESDAY, "en_GB") == "Delivery today 18:00\u201321:00"


# --- pickup ------------------------------------------------------------------------------------


def test_pickup_today_names_the_shop_and_the_time() -> None:
    today = quote("pickup", at(2, 14), at(2, 17))  # ready 15:00 BST
    assert promise_text(today, WEDNESDAY, "en_GB", "Market Street") == "Ready to collect at Market Street from 15:00"


def test_pickup_tomorrow_and_later() -> None:
    tomorrow = quote("pickup", at(3, 9, 45), at(3, 17))
    assert (
        promise_text(tomorrow, WEDNESDAY, "en_GB", "Market Street")
        == "Ready to collect at Market Street tomorrow from 10:45"
    )
    friday = quote("pickup", at(4, 9), at(4, 17))
    assert promise_text(friday, WEDNESDAY, "en_GB", "Market Street") == (
        "Ready to collect at Market Street on Friday from 10:00"
    )


def test_pickup_without_a_name_title_cases_the_handle() -> None:
    today = quote("pickup", at(2, 14), at(2, 17), location="columbia-road")
    assert promise_text(today, WEDNESDAY, "en_GB") == "Ready to collect at Columbia Road from 15:00"


def test_across_midnight_today_is_the_local_calendar_day() -> None:
    """Just after midnight in London it is still the previous day in UTC: the words follow London."""
    ready = quote("pickup", at(2, 9, 30), at(2, 17))  # Wednesday 10:30 BST
    tuesday_night = at(1, 22, 50)  # Tuesday 23:50 BST
    wednesday_small_hours = at(1, 23, 10)  # Wednesday 00:10 BST, still Tuesday in UTC
    assert promise_text(ready, tuesday_night, "en_GB", "Market Street").endswith("tomorrow from 10:30")
    assert promise_text(ready, wednesday_small_hours, "en_GB", "Market Street") == (
        "Ready to collect at Market Street from 10:30"
    )


def test_in_winter_the_same_utc_time_is_an_hour_earlier_on_the_wall() -> None:
    december = at(2, 14, month=12)  # GMT: 14:00 on the wall
    ready = quote("pickup", at(2, 15, month=12), at(2, 17, month=12))
    assert promise_text(ready, december, "en_GB", "Market Street") == "Ready to collect at Market Street from 15:00"


# --- made to order -----------------------------------------------------------------------------


def test_made_to_order_says_when_it_ships() -> None:
    made = quote("made_to_order", at(1, 8, month=12, year=2026), at(4, 16, month=12, year=2026), location="workroom")
    assert promise_text(made, at(20, 10, month=11, year=2026), "en_GB") == "Made for you, ships by 4 Dec"
    assert promise_text(made, at(20, 10, month=11, year=2026), "en_US") == "Made for you, ships by Dec 4"


def test_made_to_order_date_is_the_workrooms_calendar_day() -> None:
    late = quote(
        "made_to_order",
        at(1, 8, month=12, year=2026),
        at(4, 23, 30, month=12, year=2026),  # 00:30 on 5 December in Berlin
        timezone="Europe/Berlin",
        location="atelier",
    )
    assert promise_text(late, at(20, 10, month=11, year=2026), "en_GB") == "Made for you, ships by 5 Dec"


def test_the_words_depend_only_on_the_arguments() -> None:
    same_day = quote("courier", at(2, 17), at(2, 20), cutoff=at(2, 13))
    later = WEDNESDAY + timedelta(minutes=30)
    assert promise_text(same_day, later, "en_GB") == "Order within 1 h 44 min for delivery today 18:00\u201321:00"
    assert promise_text(same_day, WEDNESDAY, "en_GB") == promise_text(same_day, WEDNESDAY, "en_GB")
    assert NEXT_DAY_RULE  # the engine's other courier rule reads the same way
