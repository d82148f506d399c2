"""Pure inventory rules: opening hours, timezones and the arithmetic of a stock movement."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

LocationKind = Literal["warehouse", "shop", "microfactory", "stall"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Which kinds of place serve which way of buying: a shopper collects at a shop; a courier run
# starts at a shop or warehouse. Stalls sell only at their event; microfactories make, not stock.
PICKUP_KINDS = frozenset({"shop"})
COURIER_KINDS = frozenset({"shop", "warehouse"})

# The kinds a person may record by hand. reserve/release/sell/allocate belong to checkout and
# order events, which keep ``reserved`` consistent with the orders that hold it.
ManualMovementKind = Literal["receive", "adjust", "return"]
MAX_QUANTITY = 1_000_000

_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


# --- locations --------------------------------------------------------------------------------


def known_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA zone this machine knows; opening hours mean nothing without one."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


# Raw JSON has str days, a decoded schema Weekday ones: a Mapping's key type is invariant, hence both.
WeekHours = Mapping[str, Sequence[Sequence[str]]] | Mapping[Weekday, Sequence[Sequence[str]]]


def opening_hours_problems(hours: WeekHours) -> list[tuple[str, str]]:
    """Every fault in a week of opening hours, as ``(path, message)`` with paths like ``mon[0]``.

    Each day holds ``[open, close]`` pairs of 24-hour ``HH:MM``. A pair must open before it
    closes, so a stall trading past midnight records two pairs on two days; pairs of one day
    may not overlap (touching, as in a lunch break of zero minutes, is allowed). All faults are
    reported at once so a form can mark every bad field.
    """
    problems: list[tuple[str, str]] = []
    for day, pairs in hours.items():
        if day not in WEEKDAYS:
            problems.append((day, f"unknown weekday; use one of {', '.join(WEEKDAYS)}"))
            continue
        intervals: list[tuple[int, int, int]] = []
        for i, pair in enumerate(pairs):
            path = f"{day}[{i}]"
            if len(pair) != 2:
                problems.append((path, "must be an [open, close] pair"))
                continue
            opens, closes = _minutes(pair[0]), _minutes(pair[1])
            if opens is None or closes is None:
                problems.append((path, "times must be 24-hour HH:MM"))
            elif opens >= closes:
                problems.append((path, "must open before it closes"))
            else:
                intervals.append((opens, closes, i))
        latest_close, latest_i = -1, -1
        for opens, closes, i in sorted(intervals):
            if opens < latest_close:
                problems.append((f"{day}[{i}]", f"overlaps {day}[{latest_i}]"))
            if closes > latest_close:
                latest_close, latest_i = closes, i
    return problems


def _minutes(clock: str) -> int | None:
    match = _CLOCK.fullmatch(clock)
    return int(match.group(1)) * 60 + int(match.group(2)) if match else None


# --- stock ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Level:
    """Units at one location: ``on_hand`` physically there, ``reserved`` promised to orders."""

    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return max(self.on_hand - self.reserved, 0)


class StockShortfall(ValueError):
    """A movement would leave fewer units on hand than exist, or than are promised."""

    def __init__(self, before: Level, after: Level) -> None:
        self.before = before
        self.after = after
        if after.on_hand < 0:
            message = f"only {before.on_hand} on hand; this would leave {after.on_hand}"
        elif after.reserved < 0:
            message = f"only {before.reserved} reserved; this would leave {after.reserved}"
        else:
            message = f"{after.reserved} units are reserved; this would leave {after.on_hand} on hand"
        super().__init__(message)


def quantity_problem(kind: ManualMovementKind, quantity: int) -> str | None:
    """Why ``quantity`` is not acceptable for a hand-recorded movement of ``kind``, or None.

    Receipts and returns bring units in, so they are positive; an adjustment (a count, damage,
    a found box) goes either way but a zero one would put noise in the ledger.
    """
    if abs(quantity) > MAX_QUANTITY:
        return f"must be between -{MAX_QUANTITY} and {MAX_QUANTITY}"
    if kind in ("receive", "return") and quantity < 1:
        return f"a {kind} brings units in, so it must be at least 1"
    if kind == "adjust" and quantity == 0:
        return "an adjustment must change the count"
    return None


def next_level(level: Level, on_hand_delta: int, reserved_delta: int = 0) -> Level:
    """The level after a movement; raise :class:`StockShortfall` if it breaks ``0 <= reserved <= on_hand``.

    Going below the reserved count would sell a unit twice, so an adjustment that finds fewer
    units than are promised is refused and the orders must be released first.
    """
    after = Level(on_hand=level.on_hand + on_hand_delta, reserved=level.reserved + reserved_delta)
    if after.on_hand < 0 or after.reserved < 0 or after.on_hand < after.reserved:
        raise StockShortfall(level, after)
    return after
