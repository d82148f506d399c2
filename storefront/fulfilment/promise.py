"""The promise engine: when an order placed at ``now`` can be collected, delivered or made. Pure.

No I/O, no ORM, no wall clock: the service loads the configuration into the ``*Rule`` structs
below and passes the current instant in. Every function answers a :class:`Quote` (a window
``[earliest, latest]`` and, where it matters, the ``cutoff`` before which the order must be
placed to keep it) or an :class:`Unavailable` with a stable reason code. The result depends on
nothing but the arguments, so the same inputs always give the same promise.

Local time
    Opening hours, cutoffs and windows are wall-clock ``HH:MM`` in the location's IANA zone,
    compiled to minutes after local midnight (:mod:`storefront.fulfilment.rules`). A wall
    time becomes an instant through :func:`local_instant`: ``fold=0``, normalised through UTC.
    On a spring-forward day a wall time in the skipped hour (01:30 in London on the last
    Sunday of March) is read with the offset in force before the change, so it lands after
    the jump (01:30 GMT = 02:30 BST). So an interval wholly inside the skipped hour moves an
    hour later, and one that opens inside it and closes soon after (01:30-02:10) ends before
    it starts: such an interval is empty that day. On a fall-back day a repeated wall time is
    the first of the two. Instants are compared in UTC only, so durations (prep time, two
    hours of courier lead) are real elapsed time on every day of the year.

Cutoffs
    ``cutoff`` is exact: an order placed before it gets the same promise (or, for next-day
    courier, possibly a better one); an order placed at or after it gets a later one.

Rules (ids are stable; ``RULE_TEXT`` holds the words shown to people)
    pickup.prep_within_opening_hours
        Preparation runs only while the shop is open: an order placed while it is closed starts
        at the next opening, and prep unfinished at closing resumes at the next opening with the
        minutes that remain (it does not restart). Ready must fall strictly before a closing
        time, so there is always time to collect. ``earliest`` is the ready time, ``latest`` the
        last closing time of that day, ``cutoff`` the instant an order must come before to still
        be ready that day. A dated point (a pop-up stall, open only while its event runs) has its
        opening hours cut to that window: outside it the point is closed like a shop at night.
    courier.same_day_before_cutoff
        Before the zone's same-day cutoff, on a delivery day, with stock at the hub: the first of
        today's windows starting more than :data:`MIN_COURIER_LEAD` from now. ``cutoff`` is the
        earlier of the zone's cutoff and that window's start less the lead.
    courier.next_delivery_day
        Otherwise (after the cutoff, not a delivery day, a zone with no same-day service, or the
        units elsewhere in the courier network): the first window of the next delivery day that
        starts more than the lead from now. ``cutoff`` is the earlier of that window's start less
        the lead and, on the delivery day, the same-day cutoff (with stock at the hub) or else
        midnight: from the delivery day itself the window can only be had as same-day.
    made_to_order.capacity_then_lead_time
        Production starts on the first working day after today whose bookings are below the
        daily capacity (searched :data:`CAPACITY_HORIZON_DAYS` ahead). The piece is ready
        ``lead_time_working_days`` working days later (closed weekdays and dates skipped), from
        the start of business (the first opening that day, else 09:00), and is dispatched within
        :data:`DISPATCH_WORKING_DAYS` working days: ``latest`` is the close of business (else
        17:00) on that day. ``cutoff`` is local midnight at the start of the production day.
        A quote does not hold capacity; checkout books it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import msgspec

from storefront.fulfilment.rules import Interval, Method, Week, distance_m, postcode_covered
from storefront.money import Money

MIN_COURIER_LEAD = timedelta(hours=2)
PICKUP_HORIZON_DAYS = 14
COURIER_HORIZON_DAYS = 14
CAPACITY_HORIZON_DAYS = 60
DISPATCH_WORKING_DAYS = 2
WORKING_DAY_LIMIT = 366  # a microfactory closed for a year has no working days worth promising
DEFAULT_OPENS = 9 * 60
DEFAULT_CLOSES = 17 * 60
ONE_DAY = timedelta(days=1)

Reason = Literal[
    "no_pickup_point",
    "no_pickup_stock",
    "pickup_closed",
    "postcode_required",
    "postcode_not_served",
    "no_courier_stock",
    "no_delivery_window",
    "not_made_to_order",
    "no_microfactory",
    "no_capacity",
]

PICKUP_RULE = "pickup.prep_within_opening_hours"
SAME_DAY_RULE = "courier.same_day_before_cutoff"
NEXT_DAY_RULE = "courier.next_delivery_day"
MADE_TO_ORDER_RULE = "made_to_order.capacity_then_lead_time"

RULE_TEXT: dict[str, str] = {
    PICKUP_RULE: (
        "Ready once the preparation time has run within opening hours (paused while the shop is closed); "
        "collect until that day's closing time."
    ),
    SAME_DAY_RULE: (
        "Ordered before the same-day cutoff on a delivery day, with stock at the hub: delivered today in the "
        "first window starting more than 2 hours from now."
    ),
    NEXT_DAY_RULE: "Delivered in the first window of the next delivery day starting more than 2 hours from now.",
    MADE_TO_ORDER_RULE: (
        "Made from the next working day with free capacity; ready after the lead time in working days "
        "(closed days skipped) and dispatched within 2 working days."
    ),
}


# --- inputs -----------------------------------------------------------------------------------


class PickupPointRule(msgspec.Struct, frozen=True, kw_only=True):
    location: str  # the shop's handle
    timezone: str
    opening_hours: Week
    prep_minutes: int
    available: int  # sellable units of the variant at this shop
    # A dated point (a pop-up stall while its event runs) is open only inside [open_from, open_until):
    # weekly hours say when on each day, these say which days exist at all.
    open_from: datetime | None = None
    open_until: datetime | None = None


class CourierZoneRule(msgspec.Struct, frozen=True, kw_only=True):
    zone: str  # the zone's handle
    hub: str  # the hub location's handle
    timezone: str  # the hub's
    postcode_prefixes: tuple[str, ...] = ()
    radius_m: int | None = None
    hub_latitude_e6: int | None = None
    hub_longitude_e6: int | None = None
    same_day_cutoff: int | None  # minutes after local midnight; None: no same-day service
    windows: tuple[Interval, ...]
    delivery_days: frozenset[int]  # Monday 0
    rate: Money
    hub_available: int  # units at the hub
    network_available: int  # units at the brand's other shops and warehouses


class MicrofactoryRule(msgspec.Struct, frozen=True, kw_only=True):
    location: str
    timezone: str
    opening_hours: Week
    daily_capacity: int
    lead_time_working_days: int
    closed_weekdays: frozenset[int] = frozenset()
    closed_dates: frozenset[date] = frozenset()
    booked: dict[date, int] = {}


class Point(msgspec.Struct, frozen=True):
    """Where the customer is, in micro-degrees, for zones drawn as a radius around the hub."""

    latitude_e6: int
    longitude_e6: int


# --- outputs ----------------------------------------------------------------------------------


class Quote(msgspec.Struct, frozen=True, kw_only=True):
    """A promise: the goods are collectable or delivered within ``[earliest, latest]`` (UTC)."""

    method: Method
    price: Money
    earliest: datetime
    latest: datetime
    timezone: str  # of the location that fulfils; for showing the times as its customers read them
    cutoff: datetime | None  # order before this instant to keep the promise
    rule: str
    rule_text: str
    location: str  # handle of the shop, hub or microfactory
    zone: str | None = None  # the courier zone's handle


class Unavailable(msgspec.Struct, frozen=True, kw_only=True):
    method: Method
    reason: Reason
    detail: str


QuoteResult = Quote | Unavailable


def local_instant(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """Wall-clock ``minute`` after midnight of ``day`` in ``tz``, as an aware UTC instant (``fold=0``)."""
    hour, minute_of_hour = divmod(minute, 60)
    return datetime(day.year, day.month, day.day, hour, minute_of_hour, tzinfo=tz).astimezone(UTC)


# --- pickup -----------------------------------------------------------------------------------


def quote_pickup(points: Sequence[PickupPointRule], now: datetime, currency: str) -> QuoteResult:
    """The earliest collection among pickup points holding the variant."""
    if not points:
        return Unavailable(method="pickup", reason="no_pickup_point", detail="the brand has no pickup point")
    best: Quote | None = None
    stocked = False
    for point in points:
        if point.available <= 0:
            continue
        stocked = True
        quote = _pickup_at(point, now, currency)
        if quote is not None and (best is None or quote.earliest < best.earliest):
            best = quote
    if best is not None:
        return best
    if not stocked:
        return Unavailable(method="pickup", reason="no_pickup_stock", detail="no pickup point has this variant")
    return Unavailable(
        method="pickup",
        reason="pickup_closed",
        detail=f"no pickup point holding this variant can have it ready within {PICKUP_HORIZON_DAYS} days",
    )


def opening_spans(day: date, intervals: tuple[Interval, ...], tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """A day's opening intervals as UTC spans: empty ones dropped, sorted, overlaps merged.

    Only a DST change can make intervals that are apart on the wall clock overlap as instants
    (one closing inside a skipped hour is read after the jump); merging keeps each minute of
    opening time counted once, forwards and backwards alike.
    """
    spans = []
    for opens, closes in intervals:
        open_at = local_instant(day, opens, tz)
        close_at = local_instant(day, closes, tz)
        if close_at > open_at:
            spans.append((open_at, close_at))
    if len(spans) < 2:
        return spans
    spans.sort()
    merged = [spans[0]]
    for open_at, close_at in spans[1:]:
        last_open, last_close = merged[-1]
        if open_at <= last_close:
            if close_at > last_close:
                merged[-1] = (last_open, close_at)
        else:
            merged.append((open_at, close_at))
    return merged


def _pickup_at(point: PickupPointRule, now: datetime, currency: str) -> Quote | None:
    tz = ZoneInfo(point.timezone)
    today = now.astimezone(tz).date()
    remaining = timedelta(minutes=point.prep_minutes)
    cursor = now  # prep has run (in opening time) up to here
    for offset in range(PICKUP_HORIZON_DAYS):
        day = today + timedelta(days=offset)
        spans = _point_spans(point, day, tz)
        for open_at, close_at in spans:
            if close_at <= cursor:
                continue
            start = open_at if open_at > cursor else cursor
            ready = start + remaining
            if ready < close_at:
                return Quote(
                    method="pickup",
                    price=Money(amount=0, currency=currency),
                    earliest=ready,
                    latest=spans[-1][1],
                    timezone=point.timezone,
                    cutoff=_pickup_cutoff(point, day, today, tz),
                    rule=PICKUP_RULE,
                    rule_text=RULE_TEXT[PICKUP_RULE],
                    location=point.location,
                )
            remaining -= close_at - start
            cursor = close_at
    return None


def _pickup_cutoff(point: PickupPointRule, day: date, today: date, tz: ZoneInfo) -> datetime | None:
    """The instant an order must come before to be ready on ``day``: prep minutes of opening time before its close.

    The forward rule readies an order placed at ``t`` that day exactly when the opening time in
    ``[t, last close of day)`` exceeds the prep time, so walk back over opening time from the close.
    """
    need = timedelta(minutes=point.prep_minutes)
    while day >= today:
        for open_at, close_at in reversed(_point_spans(point, day, tz)):
            span = close_at - open_at
            if span > need:
                return close_at - need
            need -= span
        day -= ONE_DAY
    return None


def _point_spans(point: PickupPointRule, day: date, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """A pickup point's opening spans on ``day``, cut to its dated window if it has one."""
    intervals = point.opening_hours[day.weekday()]
    if not intervals:
        return []
    spans = opening_spans(day, intervals, tz)
    if point.open_from is None and point.open_until is None:
        return spans
    low = point.open_from or datetime.min.replace(tzinfo=UTC)
    high = point.open_until or datetime.max.replace(tzinfo=UTC)
    clipped = [(max(open_at, low), min(close_at, high)) for open_at, close_at in spans]
    return [(open_at, close_at) for open_at, close_at in clipped if close_at > open_at]


# --- courier ----------------------------------------------------------------------------------


def zone_covers(zone: CourierZoneRule, postcode: str | None, point: Point | None) -> bool:
    """Whether ``zone`` delivers to the postcode (by prefix) or the point (by radius from its hub)."""
    if postcode and zone.postcode_prefixes and postcode_covered(postcode, zone.postcode_prefixes):
        return True
    return (
        point is not None
        and zone.radius_m is not None
        and zone.hub_latitude_e6 is not None
        and zone.hub_longitude_e6 is not None
        and distance_m(zone.hub_latitude_e6, zone.hub_longitude_e6, point.latitude_e6, point.longitude_e6)
        <= zone.radius_m
    )


def quote_courier(
    zones: Sequence[CourierZoneRule], now: datetime, *, postcode: str | None, point: Point | None = None
) -> QuoteResult:
    """The earliest delivery (then the cheapest) among the zones serving the address."""
    if not postcode and point is None:
        return Unavailable(method="courier", reason="postcode_required", detail="a courier quote needs a postcode")
    best: Quote | None = None
    refusal: Unavailable | None = None
    for zone in zones:
        if not zone_covers(zone, postcode, point):
            continue
        result = _courier_in(zone, now)
        if isinstance(result, Unavailable):
            refusal = refusal or result
        elif best is None or (result.earliest, result.price.amount) < (best.earliest, best.price.amount):
            best = result
    if best is not None:
        return best
    if refusal is not None:
        return refusal
    return Unavailable(
        method="courier", reason="postcode_not_served", detail=f"no courier zone serves {postcode or 'this address'}"
    )


def _courier_in(zone: CourierZoneRule, now: datetime) -> QuoteResult:
    if zone.hub_available + zone.network_available <= 0:
        return Unavailable(method="courier", reason="no_courier_stock", detail="no shop or warehouse has this variant")
    tz = ZoneInfo(zone.timezone)
    today = now.astimezone(tz).date()
    not_before = now + MIN_COURIER_LEAD
    if zone.same_day_cutoff is not None and zone.hub_available > 0 and today.weekday() in zone.delivery_days:
        cutoff_at = local_instant(today, zone.same_day_cutoff, tz)
        if now < cutoff_at:
            window = _first_window(today, zone.windows, tz, not_before)
            if window is not None:
                start, end = window
                return _courier_quote(zone, SAME_DAY_RULE, start, end, min(cutoff_at, start - MIN_COURIER_LEAD))
    # From the day of delivery itself the window is reachable only as same-day, so a later order
    # keeps this promise until that day's cutoff (with stock at the hub) or else its midnight.
    last_order = zone.same_day_cutoff if zone.same_day_cutoff is not None and zone.hub_available > 0 else 0
    for offset in range(1, COURIER_HORIZON_DAYS + 1):
        day = today + timedelta(days=offset)
        if day.weekday() not in zone.delivery_days:
            continue
        window = _first_window(day, zone.windows, tz, not_before)
        if window is not None:
            start, end = window
            cutoff = min(start - MIN_COURIER_LEAD, local_instant(day, last_order, tz))
            return _courier_quote(zone, NEXT_DAY_RULE, start, end, cutoff)
    return Unavailable(
        method="courier",
        reason="no_delivery_window",
        detail=f"zone {zone.zone} has no delivery window within {COURIER_HORIZON_DAYS} days",
    )


def _first_window(
    day: date, windows: tuple[Interval, ...], tz: ZoneInfo, not_before: datetime
) -> tuple[datetime, datetime] | None:
    """The earliest-starting non-empty window of ``day`` that starts after ``not_before``.

    Windows are in wall-clock order, which is time order except on a spring-forward day (a
    window starting in the skipped hour is read after the jump), so compare instants; on a
    tie the earlier window on the wall clock wins.
    """
    best: tuple[datetime, datetime] | None = None
    for starts, ends in windows:
        start = local_instant(day, starts, tz)
        if start > not_before and (best is None or start < best[0]):
            end = local_instant(day, ends, tz)
            if end > start:
                best = (start, end)
    return best


def _courier_quote(zone: CourierZoneRule, rule: str, start: datetime, end: datetime, cutoff: datetime | None) -> Quote:
    return Quote(
        method="courier",
        price=zone.rate,
        earliest=start,
        latest=end,
        timezone=zone.timezone,
        cutoff=cutoff,
        rule=rule,
        rule_text=RULE_TEXT[rule],
        location=zone.hub,
        zone=zone.zone,
    )


# --- made to order ----------------------------------------------------------------------------


def quote_made_to_order(factories: Sequence[MicrofactoryRule], now: datetime, currency: str) -> QuoteResult:
    """The earliest finished piece among the brand's microfactories."""
    if not factories:
        return Unavailable(method="made_to_order", reason="no_microfactory", detail="the brand has no microfactory")
    best: Quote | None = None
    for factory in factories:
        quote = _made_at(factory, now, currency)
        if quote is not None and (best is None or quote.earliest < best.earliest):
            best = quote
    if best is not None:
        return best
    return Unavailable(
        method="made_to_order",
        reason="no_capacity",
        detail=f"no microfactory has capacity within {CAPACITY_HORIZON_DAYS} days",
    )


def production_start(factory: MicrofactoryRule, today: date) -> date | None:
    """The first working day after ``today`` with bookings below capacity, within the horizon."""
    if factory.daily_capacity <= 0:
        return None
    closed_weekdays, closed_dates, booked = factory.closed_weekdays, factory.closed_dates, factory.booked
    day = today
    for _ in range(CAPACITY_HORIZON_DAYS):
        day += ONE_DAY
        if (
            day.weekday() not in closed_weekdays
            and day not in closed_dates
            and booked.get(day, 0) < factory.daily_capacity
        ):
            return day
    return None


def add_working_days(factory: MicrofactoryRule, day: date, count: int) -> date | None:
    """The ``count``-th working day after ``day`` (``day`` itself for 0), or None past the limit."""
    closed_weekdays, closed_dates = factory.closed_weekdays, factory.closed_dates
    for _ in range(WORKING_DAY_LIMIT):
        if count <= 0:
            return day
        day += ONE_DAY
        if day.weekday() not in closed_weekdays and day not in closed_dates:
            count -= 1
    return None


def _made_at(factory: MicrofactoryRule, now: datetime, currency: str) -> Quote | None:
    tz = ZoneInfo(factory.timezone)
    start = production_start(factory, now.astimezone(tz).date())
    if start is None:
        return None
    ready = add_working_days(factory, start, factory.lead_time_working_days)
    dispatched = add_working_days(factory, ready, DISPATCH_WORKING_DAYS) if ready is not None else None
    if ready is None or dispatched is None:
        return None
    ready_hours = factory.opening_hours[ready.weekday()]
    dispatch_hours = factory.opening_hours[dispatched.weekday()]
    opens = ready_hours[0][0] if ready_hours else DEFAULT_OPENS
    closes = dispatch_hours[-1][1] if dispatch_hours else DEFAULT_CLOSES
    return Quote(
        method="made_to_order",
        price=Money(amount=0, currency=currency),
        earliest=local_instant(ready, opens, tz),
        latest=local_instant(dispatched, closes, tz),
        timezone=factory.timezone,
        cutoff=local_instant(start, 0, tz),
        rule=MADE_TO_ORDER_RULE,
        rule_text=RULE_TEXT[MADE_TO_ORDER_RULE],
        location=factory.location,
    )
