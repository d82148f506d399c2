"""Promise engine micro-benchmark: how long the pure engine takes to answer one quote.

    python bench/promise.py [--quotes 200000] [--rounds 5]

No server and no database: it builds the demo brand's rules in memory (a pickup point, two
courier zones, a microfactory with a booking table) and calls the engine in a tight loop for
each method, at instants spread over a year so every weekday, both DST changes and closed
hours are visited. It prints quotes per second and microseconds per quote (the median over the
rounds) per method. The target is under 50 microseconds per quote; the exit status is 0 when
every method meets it.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: make `storefront` importable

from storefront.fulfilment import promise, rules
from storefront.money import Money

TARGET_US = 50.0
SHOP_HOURS = {
    "wed": [["11:00", "18:00"]],
    "thu": [["11:00", "19:00"]],
    "fri": [["11:00", "19:00"]],
    "sat": [["10:00", "18:00"]],
    "sun": [["08:30", "15:30"]],
}
WORKROOM_HOURS = {d: [["08:00", "16:30"]] for d in ("mon", "tue", "wed", "thu")} | {"fri": [["08:00", "13:00"]]}


def rules_for_demo(
    start: date,
) -> tuple[list[promise.PickupPointRule], list[promise.CourierZoneRule], list[promise.MicrofactoryRule]]:
    pickup = [
        promise.PickupPointRule(
            location="columbia-road",
            timezone="Europe/London",
            opening_hours=rules.compile_week(SHOP_HOURS),
            prep_minutes=45,
            available=3,
        )
    ]
    zones = [
        promise.CourierZoneRule(
            zone="east-london-same-day",
            hub="columbia-road",
            timezone="Europe/London",
            postcode_prefixes=("E1", "E2", "E3", "E8", "E9", "N1", "N16"),
            same_day_cutoff=14 * 60,
            windows=((18 * 60, 21 * 60),),
            delivery_days=rules.weekday_numbers(["wed", "thu", "fri", "sat", "sun"]),
            rate=Money(amount=795, currency="GBP"),
            hub_available=2,
            network_available=5,
        ),
        promise.CourierZoneRule(
            zone="london-next-day",
            hub="northampton-warehouse",
            timezone="Europe/London",
            postcode_prefixes=("E", "EC", "N", "NW", "SE", "SW", "W", "WC"),
            same_day_cutoff=None,
            windows=((9 * 60, 13 * 60), (13 * 60, 18 * 60)),
            delivery_days=rules.weekday_numbers(["mon", "tue", "wed", "thu", "fri", "sat"]),
            rate=Money(amount=495, currency="GBP"),
            hub_available=5,
            network_available=2,
        ),
    ]
    # A busy workroom: four days in five fully booked, so the search walks past booked days.
    booked = {start + timedelta(days=i): (6 if i % 5 else 3) for i in range(400)}
    factories = [
        promise.MicrofactoryRule(
            location="hackney-workroom",
            timezone="Europe/London",
            opening_hours=rules.compile_week(WORKROOM_HOURS),
            daily_capacity=6,
            lead_time_working_days=5,
            closed_weekdays=frozenset({5, 6}),
            closed_dates=frozenset({date(2026, 12, 25), date(2026, 12, 26), date(2027, 1, 1)}),
            booked=booked,
        )
    ]
    return pickup, zones, factories


def instants(count: int, start: datetime) -> list[datetime]:
    """``count`` instants spread over a year at an odd stride, so minutes, weekdays and DST all vary."""
    stride = timedelta(minutes=97)
    return [start + stride * (i % 5400) for i in range(count)]


def time_one(call: Callable[[datetime], object], nows: list[datetime]) -> float:
    """Seconds for one call per instant, with the collector out of the way as in a warm server."""
    gc.collect()
    gc.disable()
    try:
        started = time.perf_counter()
        for now in nows:
            call(now)
        return time.perf_counter() - started
    finally:
        gc.enable()


def warmed_calls(quotes: int) -> tuple[list[datetime], dict[str, Callable[[datetime], object]]]:
    """The demo brand's rules in memory, one instant per quote over a year, and a warmed call per method."""
    start = datetime(2026, 1, 5, 7, 3, tzinfo=UTC)
    pickup, zones, factories = rules_for_demo(start.date())
    nows = instants(quotes, start)
    calls: dict[str, Callable[[datetime], object]] = {
        "pickup": lambda now: promise.quote_pickup(pickup, now, "GBP"),
        "courier": lambda now: promise.quote_courier(zones, now, postcode="E2 7RG"),
        "made_to_order": lambda now: promise.quote_made_to_order(factories, now, "GBP"),
    }
    for call in calls.values():  # warm the zoneinfo caches and the interpreter
        time_one(call, nows[:2000])
    return nows, calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quotes", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    nows, calls = warmed_calls(args.quotes)
    ok = True
    print(f"promise engine: {args.quotes} quotes x {args.rounds} rounds per method (median)")
    print(f"{'method':<15}{'quotes/s':>12}{'us/quote':>10}  target <{TARGET_US:.0f} us")
    for name, call in calls.items():
        seconds = statistics.median(time_one(call, nows) for _ in range(args.rounds))
        per_quote_us = seconds / len(nows) * 1e6
        passed = per_quote_us < TARGET_US
        ok = ok and passed
        print(f"{name:<15}{len(nows) / seconds:>12,.0f}{per_quote_us:>10.2f}  {'ok' if passed else 'SLOW'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
