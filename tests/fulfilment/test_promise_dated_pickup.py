"""A pop-up stall as a pickup point: open by its daily hours, but only on its event's dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from storefront.events.service import stall_hours
from storefront.fulfilment import rules
from storefront.fulfilment.promise import PickupPointRule, Quote, Unavailable, quote_pickup
from tests.fulfilment.test_promise import LONDON, local, london, ok

MARKET = rules.compile_week({d: [["10:00", "17:00"]] for d in rules.WEEKDAYS})
SAT_OPENS, SUN_CLOSES = london(2026, 12, 12, 10, 0), london(2026, 12, 13, 17, 0)  # a weekend market


def stall(**overrides: object) -> PickupPointRule:
    fields: dict[str, object] = {
        "location": "stall-columbia-road-xmas",
        "timezone": "Europe/London",
        "opening_hours": MARKET,
        "prep_minutes": 60,
        "available": 1,
        "open_from": SAT_OPENS,
        "open_until": SUN_CLOSES,
    }
    return PickupPointRule(**(fields | overrides))  # type: ignore[arg-type]


def test_ordered_days_before_the_market_it_is_ready_an_hour_after_the_stall_opens() -> None:
    quote = ok(quote_pickup([stall()], london(2026, 12, 8, 15, 0), "GBP"))
    assert (local(quote.earliest), local(quote.latest)) == ("Sat 2026-12-12 11:00", "Sat 2026-12-12 17:00")
    assert quote.location == "stall-columbia-road-xmas"
    assert quote.cutoff is not None and local(quote.cutoff) == "Sat 2026-12-12 16:00"


def test_the_weekday_hours_before_the_market_do_not_count_as_opening_time() -> None:
    # Friday 10:00-17:00 is in the weekly hours, but the stall does not stand until Saturday.
    quote = ok(quote_pickup([stall()], london(2026, 12, 11, 9, 0), "GBP"))
    assert local(quote.earliest) == "Sat 2026-12-12 11:00"


def test_ordered_late_on_saturday_it_is_ready_on_sunday_morning() -> None:
    quote = ok(quote_pickup([stall()], london(2026, 12, 12, 16, 30), "GBP"))
    assert local(quote.earliest) == "Sun 2026-12-13 10:30"  # half an hour ran on Saturday, half on Sunday


def test_after_the_last_chance_on_sunday_the_stall_cannot_promise() -> None:
    result = quote_pickup([stall()], london(2026, 12, 13, 16, 1), "GBP")
    assert isinstance(result, Unavailable) and result.reason == "pickup_closed"


def test_a_shop_still_wins_when_it_is_sooner() -> None:
    shop = stall(location="market-street", open_from=None, open_until=None)
    quote = ok(quote_pickup([stall(), shop], london(2026, 12, 8, 15, 0), "GBP"))
    assert quote.location == "market-street" and local(quote.earliest) == "Tue 2026-12-08 16:00"


def test_a_window_that_starts_mid_day_cuts_that_day_short() -> None:
    point = stall(open_from=london(2026, 12, 12, 14, 0))
    quote = ok(quote_pickup([point], london(2026, 12, 12, 9, 0), "GBP"))
    assert local(quote.earliest) == "Sat 2026-12-12 15:00"


@given(
    start=st.datetimes(
        min_value=datetime(2026, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive; timezones= makes them UTC
        max_value=datetime(2027, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    hours=st.integers(min_value=1, max_value=96),
    asked=st.integers(min_value=-72, max_value=120),
    prep=st.integers(min_value=0, max_value=600),
)
def test_a_promise_falls_inside_the_window_and_the_days_hours(
    start: datetime, hours: int, asked: int, prep: int
) -> None:
    point = stall(open_from=start, open_until=start + timedelta(hours=hours), prep_minutes=prep)
    now = start + timedelta(hours=asked)
    result = quote_pickup([point], now, "GBP")
    if isinstance(result, Quote):
        assert start <= result.earliest < start + timedelta(hours=hours)
        assert result.earliest >= now + timedelta(minutes=prep)
        assert result.latest <= start + timedelta(hours=hours)
        assert "10:00" <= result.earliest.astimezone(LONDON).strftime("%H:%M") < "17:00"


def test_stall_hours_are_the_events_own_clock_times_each_day() -> None:
    hours = stall_hours(SAT_OPENS, SUN_CLOSES, "Europe/London")
    assert hours["sat"] == hours["wed"] == [("10:00", "17:00")]
    overnight = stall_hours(london(2026, 12, 11, 18, 0), london(2026, 12, 13, 16, 0), "Europe/London")
    assert overnight["fri"] == [("00:00", "23:59")]
