"""What a drop has left and where it stands, and when a price change is stamped (pure, clock injected).

A drop's ``left`` is its quantity less the units of its SKUs sold while it runs, as the stock
ledger recorded them (see :mod:`.drops`): never below zero (a stall may sell past it offline,
and a sale is never refused at sync) and never above the quantity (returns of pieces sold before
it started do not make more).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from storefront.events.schemas import DropStatus

TICK = timedelta(microseconds=1)  # the finest step both databases keep


def status(starts_at: datetime, ends_at: datetime, now: datetime) -> DropStatus:
    """``upcoming`` before its start, ``live`` from the start up to (not including) its end, then ``ended``."""
    if now < starts_at:
        return "upcoming"
    return "live" if now < ends_at else "ended"


def left(quantity: int, sold: int) -> int:
    return min(quantity, max(0, quantity - sold))


def words(left_: int, quantity: int) -> str:
    """``12 of 50 left``; ``Sold out: 0 of 50 left`` when none is, so the count is never the only sign."""
    text = f"{left_} of {quantity} left"
    return f"Sold out: {text}" if left_ == 0 else text


def stamp(now: datetime, latest: datetime | None) -> datetime:
    """A change's ``updated_at``: ``now``, or just after the latest earlier change if the clock is behind it.

    Strictly increasing per event whatever the clock does, so "every change after T" never misses
    one made after a change stamped T.
    """
    if latest is not None and now <= latest:
        return latest + TICK
    return now
