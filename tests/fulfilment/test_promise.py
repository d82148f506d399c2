"""The promise engine by example: fixed instants, the demo brand's configuration, and the DST edges."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from storefront.clock import FixedClock
from storefront.fulfilment import promise, rules
from storefront.fulfilment.promise import (
    CourierZoneRule,
    MicrofactoryRule,
    PickupPointRule,
    Point,
    Quote,
    Unavailable,
    local_instant,
    quote_courier,
    quote_made_to_order,
    quote_pickup,
)
from storefront.money import Money

LONDON = ZoneInfo("Europe/London")
SHOP_HOURS = rules.compile_week(
    {
        "wed": [["11:00", "18:00"]],
        "thu": [["11:00", "19:00"]],
        "fri": [["11:00", "19:00"]],
        "sat": [["10:00", "18:00"]],
        "sun": [["08:30", "15:30"]],
    }
)
WORKROOM_HOURS = rules.compile_week(
    {d: [["08:00", "16:30"]] for d in ("mon", "tue", "wed", "thu")} | {"fri": [["08:00", "13:00"]]}
)


def london(*args: int) -> datetime:
    """A London wall-clock time as the aware UTC instant a FixedClock would hold."""
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)  # type: ignore[misc]


def local(instant: datetime, tz: ZoneInfo = LONDON) -> str:
    return instant.astimezone(tz).strftime("%a %Y-%m-%d %H:%M")


def shop(**overrides: object) -> PickupPointRule:
    fields: dict[str, object] = {
        "location": "columbia-road",
        "timezone": "Europe/London",
        "opening_hours": SHOP_HOURS,
        "prep_minutes": 45,
        "available": 2,
    }
    return PickupPointRule(**(fields | overrides))  # type: ignore[arg-type]


def east_london(**overrides: object) -> CourierZoneRule:
    fields: dict[str, object] = {
        "zone": "east-london-same-day",
        "hub": "columbia-road",
        "timezone": "Europe/London",
        "postcode_prefixes": ("E1", "E2", "E3", "E8", "E9", "N1", "N16"),
        "same_day_cutoff": 14 * 60,
        "windows": ((18 * 60, 21 * 60),),
        "delivery_days": rules.weekday_numbers(["wed", "thu", "fri", "sat", "sun"]),
        "rate": Money(amount=795, currency="GBP"),
        "hub_available": 1,
        "network_available": 0,
    }
    return CourierZoneRule(**(fields | overrides))  # type: ignore[arg-type]


def workroom(**overrides: object) -> MicrofactoryRule:
    fields: dict[str, object] = {
        "location": "hackney-workroom",
        "timezone": "Europe/London",
        "opening_hours": WORKROOM_HOURS,
        "daily_capacity": 6,
        "lead_time_working_days": 5,
        "closed_weekdays": frozenset({5, 6}),
    }
    return MicrofactoryRule(**(fields | overrides))  # type: ignore[arg-type]


def ok(result: Quote | Unavailable) -> Quote:
    assert isinstance(result, Quote), result
    return result


# --- courier ----------------------------------------------------------------------------------


def test_order_within_2h14_for_delivery_today_18_to_21() -> None:
    clock = FixedClock(london(2026, 6, 3, 11, 46))  # a Wednesday
    quote = ok(quote_courier([east_london()], clock(), postcode="E2 7RG"))
    assert quote.rule == "courier.same_day_before_cutoff"
    assert (local(quote.earliest), local(quote.latest)) == ("Wed 2026-06-03 18:00", "Wed 2026-06-03 21:00")
    assert quote.cutoff is not None and quote.cutoff - clock() == timedelta(hours=2, minutes=14)
    assert quote.price == Money(amount=795, currency="GBP")
    assert (quote.zone, quote.location, quote.timezone) == ("east-london-same-day", "columbia-road", "Europe/London")
    assert quote.earliest.tzinfo == UTC


def test_after_the_cutoff_it_is_the_next_delivery_day_until_that_days_cutoff() -> None:
    clock = FixedClock(london(2026, 6, 3, 11, 46))
    clock.advance(timedelta(hours=2, minutes=14))  # 14:00 exactly: the cutoff has passed
    quote = ok(quote_courier([east_london()], clock(), postcode="E2 7RG"))
    assert quote.rule == "courier.next_delivery_day"
    assert local(quote.earliest) == "Thu 2026-06-04 18:00"
    assert quote.cutoff == london(2026, 6, 4, 14, 0)  # ordered tomorrow morning, it is the same window


def test_no_stock_at_the_hub_means_next_day_from_the_network() -> None:
    zone = east_london(hub_available=0, network_available=4)
    quote = ok(quote_courier([zone], london(2026, 6, 3, 9, 0), postcode="E2 7RG"))
    assert quote.rule == "courier.next_delivery_day"
    assert local(quote.earliest) == "Thu 2026-06-04 18:00"
    assert quote.cutoff == london(2026, 6, 4, 0, 0)  # no same-day from the network: order before midnight


def test_a_next_day_only_zone_promises_tomorrow_until_midnight() -> None:
    zone = east_london(same_day_cutoff=None, windows=((9 * 60, 13 * 60), (13 * 60, 18 * 60)))
    quote = ok(quote_courier([zone], london(2026, 6, 3, 23, 30), postcode="E2 7RG"))
    assert (local(quote.earliest), local(quote.latest)) == ("Thu 2026-06-04 09:00", "Thu 2026-06-04 13:00")
    assert quote.cutoff == london(2026, 6, 4, 0, 0)


def test_a_non_delivery_day_waits_for_the_next_one() -> None:
    quote = ok(quote_courier([east_london()], london(2026, 6, 1, 9, 0), postcode="E1 6AN"))  # Monday
    assert local(quote.earliest) == "Wed 2026-06-03 18:00"


def test_a_window_less_than_two_hours_away_is_not_promised() -> None:
    zone = east_london(same_day_cutoff=17 * 60)
    quote = ok(quote_courier([zone], london(2026, 6, 3, 16, 30), postcode="E2 7RG"))
    assert local(quote.earliest) == "Thu 2026-06-04 18:00"
    # ...and the same-day promise made at 15:59 said to order before 16:00, not before the 17:00 cutoff.
    earlier = ok(quote_courier([zone], london(2026, 6, 3, 15, 59), postcode="E2 7RG"))
    assert earlier.cutoff == london(2026, 6, 3, 16, 0)


@pytest.mark.parametrize(
    ("postcode", "reason"),
    [("E14 3AB", "postcode_not_served"), ("E1W 1AA", "postcode_not_served"), ("SW1A 1AA", "postcode_not_served")],
)
def test_postcodes_outside_every_zone_are_not_served(postcode: str, reason: str) -> None:
    result = quote_courier([east_london()], london(2026, 6, 3, 9, 0), postcode=postcode)
    assert isinstance(result, Unavailable) and result.reason == reason


def test_a_courier_quote_needs_a_postcode_or_a_point() -> None:
    result = quote_courier([east_london()], london(2026, 6, 3, 9, 0), postcode=None)
    assert isinstance(result, Unavailable) and result.reason == "postcode_required"


def test_no_units_anywhere_is_no_courier_stock() -> None:
    result = quote_courier([east_london(hub_available=0)], london(2026, 6, 3, 9, 0), postcode="N16 7AA")
    assert isinstance(result, Unavailable) and result.reason == "no_courier_stock"


def test_of_two_zones_the_earliest_wins_then_the_cheapest() -> None:
    next_day = east_london(
        zone="london-next-day",
        postcode_prefixes=("E", "N"),
        same_day_cutoff=None,
        windows=((9 * 60, 18 * 60),),
        delivery_days=frozenset(range(6)),
        rate=Money(amount=495, currency="GBP"),
    )
    morning = london(2026, 6, 3, 9, 0)
    assert ok(quote_courier([next_day, east_london()], morning, postcode="E2 7RG")).zone == "east-london-same-day"
    evening = london(2026, 6, 3, 15, 0)  # after the cutoff: next morning beats next evening
    assert ok(quote_courier([east_london(), next_day], evening, postcode="E2 7RG")).zone == "london-next-day"
    same_window = east_london(zone="dearer", rate=Money(amount=995, currency="GBP"))
    assert ok(quote_courier([same_window, east_london()], morning, postcode="E2 7RG")).zone == "east-london-same-day"


def test_a_radius_zone_serves_points_within_reach_of_its_hub() -> None:
    zone = east_london(postcode_prefixes=(), radius_m=5_000, hub_latitude_e6=51_529_640, hub_longitude_e6=-71_180)
    shoreditch = Point(51_526_000, -78_000)  # about 600 m away
    croydon = Point(51_376_000, -98_000)  # about 17 km away
    assert ok(quote_courier([zone], london(2026, 6, 3, 9, 0), postcode=None, point=shoreditch)).zone == zone.zone
    far = quote_courier([zone], london(2026, 6, 3, 9, 0), postcode=None, point=croydon)
    assert isinstance(far, Unavailable) and far.reason == "postcode_not_served"


# --- pickup -----------------------------------------------------------------------------------


def test_pickup_is_ready_after_prep_and_collectable_until_closing() -> None:
    quote = ok(quote_pickup([shop()], london(2026, 6, 3, 11, 46), "GBP"))
    assert quote.rule == "pickup.prep_within_opening_hours"
    assert (local(quote.earliest), local(quote.latest)) == ("Wed 2026-06-03 12:31", "Wed 2026-06-03 18:00")
    assert quote.cutoff == london(2026, 6, 3, 17, 15)
    assert quote.price == Money(amount=0, currency="GBP")


def test_prep_pauses_at_closing_and_resumes_at_the_next_opening() -> None:
    quote = ok(quote_pickup([shop()], london(2026, 6, 3, 17, 40), "GBP"))  # 20 min today, 25 tomorrow
    assert local(quote.earliest) == "Thu 2026-06-04 11:25"
    assert local(quote.latest) == "Thu 2026-06-04 19:00"
    assert quote.cutoff == london(2026, 6, 4, 18, 15)


def test_ready_exactly_at_closing_is_not_ready_that_day() -> None:
    quote = ok(quote_pickup([shop()], london(2026, 6, 3, 17, 15), "GBP"))
    assert local(quote.earliest) == "Thu 2026-06-04 11:00"


def test_an_order_while_closed_is_prepared_from_the_next_opening() -> None:
    quote = ok(quote_pickup([shop()], london(2026, 6, 1, 9, 0), "GBP"))  # Monday: closed until Wednesday
    assert local(quote.earliest) == "Wed 2026-06-03 11:45"


def test_pickup_chooses_the_earliest_stocked_point() -> None:
    early = shop(location="early-bird", opening_hours=rules.compile_week({"mon": [["07:00", "12:00"]]}))
    empty = shop(location="empty", opening_hours=rules.compile_week({"mon": [["06:00", "12:00"]]}), available=0)
    quote = ok(quote_pickup([shop(), empty, early], london(2026, 6, 1, 6, 0), "GBP"))
    assert quote.location == "early-bird"


@pytest.mark.parametrize(
    ("points", "reason"),
    [
        ([], "no_pickup_point"),
        ([shop(available=0)], "no_pickup_stock"),
        ([shop(opening_hours=rules.CLOSED_WEEK)], "pickup_closed"),
    ],
)
def test_pickup_refusals(points: list[PickupPointRule], reason: str) -> None:
    result = quote_pickup(points, london(2026, 6, 3, 9, 0), "GBP")
    assert isinstance(result, Unavailable) and result.reason == reason


def test_pickup_across_the_spring_forward_night() -> None:
    # Saturday 28 March 2026 is the last GMT evening; Sunday opens 08:30 BST (07:30 UTC).
    quote = ok(quote_pickup([shop()], datetime(2026, 3, 28, 19, 0, tzinfo=UTC), "GBP"))
    assert quote.earliest == datetime(2026, 3, 29, 8, 15, tzinfo=UTC)
    assert local(quote.earliest) == "Sun 2026-03-29 09:15"


def test_a_wall_time_in_the_skipped_hour_is_read_before_the_jump() -> None:
    # 01:30 does not exist in London on 29 March 2026; fold=0 reads it as 01:30 GMT = 02:30 BST.
    assert local_instant(date(2026, 3, 29), 90, LONDON) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    night = shop(opening_hours=rules.compile_week({"sun": [["01:30", "03:00"]]}), prep_minutes=0)
    quote = ok(quote_pickup([night], datetime(2026, 3, 28, 23, 0, tzinfo=UTC), "GBP"))
    assert local(quote.earliest) == "Sun 2026-03-29 02:30"
    assert local(quote.latest) == "Sun 2026-03-29 03:00"
    # An interval wholly inside the skipped hour moves an hour later, keeping its length...
    inside = shop(opening_hours=rules.compile_week({"sun": [["01:10", "01:50"]]}), prep_minutes=0)
    moved = ok(quote_pickup([inside], datetime(2026, 3, 28, 23, 0, tzinfo=UTC), "GBP"))
    assert (local(moved.earliest), local(moved.latest)) == ("Sun 2026-03-29 02:10", "Sun 2026-03-29 02:50")
    # ...while one opening inside it and closing just after ends before it starts: closed that day.
    gone = shop(opening_hours=rules.compile_week({"sun": [["01:30", "02:10"]]}), prep_minutes=0)
    later = ok(quote_pickup([gone], datetime(2026, 3, 28, 23, 0, tzinfo=UTC), "GBP"))
    assert local(later.earliest) == "Sun 2026-04-05 01:30"


def test_a_repeated_wall_time_is_the_first_of_the_two() -> None:
    # 01:00-02:00 on 25 October 2026 lasts two hours: 01:00 BST (00:00 UTC) to 02:00 GMT (02:00 UTC).
    assert local_instant(date(2026, 10, 25), 60, LONDON) == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    night = shop(opening_hours=rules.compile_week({"sun": [["01:00", "02:00"]]}), prep_minutes=90)
    quote = ok(quote_pickup([night], datetime(2026, 10, 24, 22, 0, tzinfo=UTC), "GBP"))
    assert quote.earliest == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert quote.latest == datetime(2026, 10, 25, 2, 0, tzinfo=UTC)


# --- made to order ----------------------------------------------------------------------------


def test_made_to_order_starts_tomorrow_and_is_ready_after_five_working_days() -> None:
    quote = ok(quote_made_to_order([workroom()], london(2026, 6, 3, 11, 0), "GBP"))  # Wednesday
    assert quote.rule == "made_to_order.capacity_then_lead_time"
    # Production Thu 4, Fri 5, Mon 8, Tue 9, Wed 10: ready Thursday at opening, dispatched by Monday's close.
    assert local(quote.earliest) == "Thu 2026-06-11 08:00"
    assert local(quote.latest) == "Mon 2026-06-15 16:30"
    assert quote.cutoff == london(2026, 6, 4, 0, 0)
    assert quote.price == Money(amount=0, currency="GBP")


def test_made_to_order_skips_full_days_and_closed_dates() -> None:
    factory = workroom(
        booked={date(2026, 6, 4): 6, date(2026, 6, 5): 7},
        closed_dates=frozenset({date(2026, 6, 9)}),
    )
    quote = ok(quote_made_to_order([factory], london(2026, 6, 3, 11, 0), "GBP"))
    # Starts Mon 8 (Thu and Fri full, weekend closed); 5 working days skipping Tue 9: Wed, Thu, Fri, Mon, Tue.
    assert quote.cutoff == london(2026, 6, 8, 0, 0)
    assert local(quote.earliest) == "Tue 2026-06-16 08:00"


def test_an_order_on_friday_starts_on_monday() -> None:
    quote = ok(quote_made_to_order([workroom(lead_time_working_days=0)], london(2026, 6, 5, 12, 0), "GBP"))
    assert quote.cutoff == london(2026, 6, 8, 0, 0)
    assert local(quote.earliest) == "Mon 2026-06-08 08:00"
    assert local(quote.latest) == "Wed 2026-06-10 16:30"


def test_no_capacity_within_sixty_days() -> None:
    today = date(2026, 6, 3)
    full = workroom(booked={today + timedelta(days=i): 6 for i in range(1, 62)})
    result = quote_made_to_order([full], london(2026, 6, 3, 11, 0), "GBP")
    assert isinstance(result, Unavailable) and result.reason == "no_capacity"
    assert isinstance(quote_made_to_order([workroom(daily_capacity=0)], london(2026, 6, 3), "GBP"), Unavailable)
    missing = quote_made_to_order([], london(2026, 6, 3), "GBP")
    assert isinstance(missing, Unavailable) and missing.reason == "no_microfactory"


def test_the_rule_text_is_there_for_every_rule() -> None:
    assert set(promise.RULE_TEXT) == {
        promise.PICKUP_RULE,
        promise.SAME_DAY_RULE,
        promise.NEXT_DAY_RULE,
        promise.MADE_TO_ORDER_RULE,
    }
