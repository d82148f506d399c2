"""Properties of the promise engine, at instants crowded around the 2026/2027 DST changes in four zones.

Each property is checked against instants computed here independently (``datetime.combine``
with ``fold=0``, normalised through UTC, as the engine documents), never against the engine's
own helpers; where a promise claims a cutoff, re-quoting just before and at it checks the claim.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from storefront.fulfilment import promise
from storefront.fulfilment.promise import (
    MIN_COURIER_LEAD,
    CourierZoneRule,
    MicrofactoryRule,
    PickupPointRule,
    Quote,
    Unavailable,
    quote_courier,
    quote_made_to_order,
    quote_pickup,
)
from storefront.fulfilment.rules import Interval, Week
from storefront.money import Money

ZONES = ("Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata")
SPAN_START = datetime(2026, 1, 1, tzinfo=UTC)
SPAN_END = datetime(2028, 1, 1, tzinfo=UTC)
EPSILON = timedelta(microseconds=1)


def _transitions(name: str) -> list[datetime]:
    """Every UTC-offset change of ``name`` in 2026-2027, to the hour (then refined to the minute)."""
    tz = ZoneInfo(name)
    found = []
    at = SPAN_START
    offset = at.astimezone(tz).utcoffset()
    while at < SPAN_END:
        nxt = at + timedelta(hours=1)
        new = nxt.astimezone(tz).utcoffset()
        if new != offset:
            found.append(nxt)
            offset = new
        at = nxt
    return found


TRANSITIONS = {name: _transitions(name) for name in ZONES}
assert all(len(TRANSITIONS[name]) == 4 for name in ZONES[:3]), TRANSITIONS  # two changes a year
assert TRANSITIONS["Asia/Kolkata"] == []


@st.composite
def moments(draw: st.DrawFn) -> tuple[ZoneInfo, datetime]:
    """A zone and an aware UTC instant: half the time within four days of one of its DST changes."""
    name = draw(st.sampled_from(ZONES))
    changes = TRANSITIONS[name]
    if changes and draw(st.booleans()):
        base = draw(st.sampled_from(changes))
        now = base + timedelta(seconds=draw(st.integers(-4 * 86_400, 4 * 86_400)))
    else:
        now = SPAN_START + timedelta(seconds=draw(st.integers(0, 2 * 365 * 86_400)))
    return ZoneInfo(name), now + timedelta(microseconds=draw(st.sampled_from([0, 1, 999_999])))


# Minutes are drawn with a bias to 00:00-03:20, where every DST change of these zones happens.
_minute = st.one_of(st.integers(0, 1439), st.integers(0, 200), st.sampled_from([0, 60, 90, 120, 150, 180, 1439]))


@st.composite
def days(draw: st.DrawFn, min_intervals: int = 0, minute: st.SearchStrategy[int] = _minute) -> tuple[Interval, ...]:
    bounds = sorted(draw(st.lists(minute, unique=True, min_size=2 * min_intervals, max_size=6)))
    return tuple(zip(bounds[0::2], bounds[1::2], strict=False))


weeks = st.tuples(*[days() for _ in range(7)])
weekday_sets = st.frozensets(st.integers(0, 6), max_size=7)


def instant(day: date, minute: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz).astimezone(UTC)


def local_date(at: datetime, tz: ZoneInfo) -> date:
    return at.astimezone(tz).date()


def quote(result: Quote | Unavailable) -> Quote:
    assert isinstance(result, Quote), result
    return result


def steady_day(day: date, tz: ZoneInfo) -> bool:
    """No UTC-offset change on ``day``: wall clock and elapsed time agree all day."""
    first = datetime.combine(day, time(0), tzinfo=tz).utcoffset()
    last = datetime.combine(day, time(23, 59), tzinfo=tz).utcoffset()
    return first == last


# --- pickup -----------------------------------------------------------------------------------


def _pickup(tz: ZoneInfo, week: Week, prep: int) -> PickupPointRule:
    return PickupPointRule(location="shop", timezone=tz.key, opening_hours=week, prep_minutes=prep, available=1)


@settings(max_examples=400)
@given(moments(), weeks, st.integers(0, 600))
@example(  # found by this property: Sunday's 01:00-02:00 lies wholly in London's skipped hour
    moment=(ZoneInfo("Europe/London"), datetime(2026, 3, 29, 0, 0, 59, tzinfo=UTC)),
    week=((), (), (), (), (), (), ((0, 1), (60, 120))),
    prep=0,
)
def test_pickup_is_ready_within_opening_hours_after_the_prep_time(
    moment: tuple[ZoneInfo, datetime], week: Week, prep: int
) -> None:
    tz, now = moment
    point = _pickup(tz, week, prep)
    result = quote_pickup([point], now, "GBP")
    event(result.rule if isinstance(result, Quote) else result.reason)
    if isinstance(result, Unavailable):
        assert result.reason == "pickup_closed"
        # A week with room for the prep (allowing for an hour lost to DST) must produce a promise.
        assert all(close - opens <= prep + 60 for day in week for opens, close in day)
        return
    assert result.earliest >= now + timedelta(minutes=prep)
    assert result.earliest < result.latest
    assert result.earliest.tzinfo == UTC and result.latest.tzinfo == UTC
    assert result.timezone == tz.key

    # Ready inside an opening interval, and the collection window ends at that day's last closing.
    day = local_date(result.earliest, tz)
    # An interval that lies wholly in a skipped DST hour is empty as instants: no opening time.
    spans = [(instant(day, o, tz), instant(day, c, tz)) for o, c in week[day.weekday()]]
    spans = [(start, end) for start, end in spans if start < end]
    assert any(start <= result.earliest < end for start, end in spans)
    assert result.latest == max(end for _, end in spans)
    if steady_day(day, tz):
        wall = result.earliest.astimezone(tz)
        second = wall.hour * 3600 + wall.minute * 60 + wall.second
        assert any(o * 60 <= second < c * 60 for o, c in week[day.weekday()])

    # The cutoff is honest: an order just before it is ready the same day; one at it is not.
    assert result.cutoff is not None and result.cutoff > now
    just_before = max(now, result.cutoff - EPSILON)
    assert quote(quote_pickup([point], just_before, "GBP")).latest == result.latest
    at_cutoff = quote_pickup([point], result.cutoff, "GBP")
    assert isinstance(at_cutoff, Unavailable) or at_cutoff.latest > result.latest


# --- courier ----------------------------------------------------------------------------------


def _zone(
    tz: ZoneInfo,
    windows: tuple[Interval, ...],
    delivery_days: frozenset[int],
    cutoff: int | None,
    hub: int,
    network: int,
) -> CourierZoneRule:
    return CourierZoneRule(
        zone="z",
        hub="hub",
        timezone=tz.key,
        postcode_prefixes=("E2",),
        same_day_cutoff=cutoff,
        windows=windows,
        delivery_days=delivery_days,
        rate=Money(amount=795, currency="GBP"),
        hub_available=hub,
        network_available=network,
    )


def check_courier(zone: CourierZoneRule, tz: ZoneInfo, now: datetime) -> Quote | Unavailable:
    """Quote ``zone`` at ``now`` and check the answer against an oracle listing every allowed window."""
    result = quote_courier([zone], now, postcode="E2 7RG")
    event(result.rule if isinstance(result, Quote) else result.reason)
    today = local_date(now, tz)
    cutoff, days_ = zone.same_day_cutoff, zone.delivery_days
    same_day_open = (
        cutoff is not None and zone.hub_available > 0 and today.weekday() in days_ and now < instant(today, cutoff, tz)
    )
    allowed = [
        (instant(day, s, tz), instant(day, e, tz))
        for offset in range(promise.COURIER_HORIZON_DAYS + 1)
        for day in [today + timedelta(days=offset)]
        if (offset > 0 or same_day_open) and day.weekday() in days_
        for s, e in zone.windows
    ]
    allowed = [(s, e) for s, e in allowed if s > now + MIN_COURIER_LEAD and e > s]

    if isinstance(result, Unavailable):
        if zone.hub_available + zone.network_available == 0:
            assert result.reason == "no_courier_stock"
        else:
            assert result.reason == "no_delivery_window"
            assert allowed == []
        return result
    assert zone.hub_available + zone.network_available > 0
    assert (result.earliest, result.latest) in allowed
    assert result.earliest == min(start for start, _ in allowed), "the first allowed window"
    assert result.earliest >= now + MIN_COURIER_LEAD
    assert result.earliest < result.latest
    day = local_date(result.earliest, tz)
    assert day.weekday() in days_
    assert result.cutoff is not None and result.cutoff > now
    just_before = quote(quote_courier([zone], max(now, result.cutoff - EPSILON), postcode="E2"))
    if result.rule == promise.SAME_DAY_RULE:
        assert same_day_open and day == today
        assert cutoff is not None
        assert result.cutoff <= instant(today, cutoff, tz)
        assert just_before.earliest == result.earliest
    else:
        assert result.rule == promise.NEXT_DAY_RULE
        assert day > today
        assert just_before.earliest <= result.earliest  # the same window, or a same-day one sooner
    # Honest cutoff: ordering at it (or later) gets a later window, or none.
    at_cutoff = quote_courier([zone], result.cutoff, postcode="E2")
    assert isinstance(at_cutoff, Unavailable) or at_cutoff.earliest > result.earliest
    return result


@settings(max_examples=400)
@given(
    moments(),
    st.one_of(days(min_intervals=1), days(min_intervals=1, minute=st.integers(0, 1439))),
    st.frozensets(st.integers(0, 6), min_size=1, max_size=7),
    st.one_of(st.none(), _minute, st.integers(0, 1439)),
    st.sampled_from([0, 1, 1, 2]),
    st.sampled_from([0, 0, 1]),
)
def test_courier_promises_the_first_window_at_least_the_lead_away(
    moment: tuple[ZoneInfo, datetime],
    windows: tuple[Interval, ...],
    delivery_days: frozenset[int],
    cutoff: int | None,
    hub: int,
    network: int,
) -> None:
    tz, now = moment
    check_courier(_zone(tz, windows, delivery_days, cutoff, hub, network), tz, now)


@settings(max_examples=300)
@given(
    moments(),
    st.integers(0, 16 * 60),
    st.integers(1, 8 * 60),
    st.lists(st.integers(0, 6 * 60), min_size=1, max_size=3, unique=True),
    st.integers(1, 3 * 60),
)
def test_same_day_before_the_cutoff_with_stock_at_the_hub(
    moment: tuple[ZoneInfo, datetime], at_minute: int, cutoff_after: int, window_offsets: list[int], length: int
) -> None:
    """Same-day is promised whenever a window today starts more than the lead after an order before the cutoff."""
    tz, moment_now = moment
    today = local_date(moment_now, tz)
    now = instant(today, at_minute, tz) + timedelta(seconds=moment_now.second)
    cutoff = min(at_minute + cutoff_after, 1439)
    starts = sorted({min(at_minute + 121 + offset, 1438) for offset in window_offsets})
    windows = tuple((s, min(s + length, 1439)) for s in starts if s < 1439)
    windows = tuple(w for i, w in enumerate(windows) if i == 0 or w[0] >= windows[i - 1][1])
    if not windows or local_date(now, tz) != today:
        return
    zone = _zone(tz, windows, frozenset(range(7)), cutoff, 1, 0)
    result = check_courier(zone, tz, now)
    spans = [(instant(today, s, tz), instant(today, e, tz)) for s, e in windows]
    if now < instant(today, cutoff, tz) and any(s > now + MIN_COURIER_LEAD and e > s for s, e in spans):
        assert isinstance(result, Quote) and result.rule == promise.SAME_DAY_RULE


# --- made to order ----------------------------------------------------------------------------


@settings(max_examples=400)
@given(
    moments(),
    weeks,
    st.integers(0, 3),
    st.integers(0, 10),
    st.frozensets(st.integers(0, 6), max_size=6),
    st.lists(st.integers(0, 40), max_size=10),
    st.dictionaries(st.integers(-1, 70), st.integers(0, 4), max_size=40),
)
def test_made_to_order_never_overbooks_nor_finishes_on_a_closed_day(
    moment: tuple[ZoneInfo, datetime],
    week: Week,
    capacity: int,
    lead: int,
    closed_weekdays: frozenset[int],
    closed_offsets: list[int],
    booked_offsets: dict[int, int],
) -> None:
    tz, now = moment
    today = local_date(now, tz)
    closed_dates = frozenset(today + timedelta(days=n) for n in closed_offsets)
    booked = {today + timedelta(days=n): units for n, units in booked_offsets.items()}
    factory = MicrofactoryRule(
        location="workroom",
        timezone=tz.key,
        opening_hours=week,
        daily_capacity=capacity,
        lead_time_working_days=lead,
        closed_weekdays=closed_weekdays,
        closed_dates=closed_dates,
        booked=booked,
    )

    def working(day: date) -> bool:
        return day.weekday() not in closed_weekdays and day not in closed_dates

    def free(day: date) -> bool:
        return working(day) and booked.get(day, 0) < capacity

    def working_days_between(first: date, last: date) -> int:
        """Working days in ``(first, last]``."""
        return sum(working(first + timedelta(days=n)) for n in range(1, (last - first).days + 1))

    result = quote_made_to_order([factory], now, "GBP")
    event(result.rule if isinstance(result, Quote) else result.reason)
    horizon = [today + timedelta(days=n) for n in range(1, promise.CAPACITY_HORIZON_DAYS + 1)]
    if isinstance(result, Unavailable):
        assert result.reason == "no_capacity"
        assert not any(free(day) for day in horizon)
        return

    assert result.cutoff is not None and result.cutoff > now
    start = local_date(result.cutoff, tz)  # the cutoff is midnight at the start of production
    assert result.cutoff == instant(start, 0, tz)
    assert start > today and free(start), "never over-books: the start day has capacity left"
    assert not any(free(day) for day in horizon if day < start), "the first day with capacity"

    ready = local_date(result.earliest, tz)
    assert working(ready), "never ready on a closed day"
    assert working_days_between(start, ready) == lead
    assert ready >= today + timedelta(days=1 + lead)
    opens = week[ready.weekday()][0][0] if week[ready.weekday()] else promise.DEFAULT_OPENS
    assert result.earliest == instant(ready, opens, tz)
    assert result.earliest > now

    # Honest cutoff: an order just before it starts on the same day; one at it starts later.
    assert quote(quote_made_to_order([factory], max(now, result.cutoff - EPSILON), "GBP")).earliest == result.earliest
    at_cutoff = quote_made_to_order([factory], result.cutoff, "GBP")
    assert isinstance(at_cutoff, Unavailable) or at_cutoff.earliest > result.earliest

    dispatched = local_date(result.latest, tz)
    assert working(dispatched)
    assert working_days_between(ready, dispatched) == promise.DISPATCH_WORKING_DAYS
    assert result.earliest < result.latest
