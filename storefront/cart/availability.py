"""How many units a cart line can have, and the refusal a shopper reads when they ask for more.

Pure: no I/O, the instant passed in. A cart holds no stock, so this is not a hold: it stops a
bag from promising what checkout would refuse (50 units for pickup at a shop holding 4). The
figures come from the very rules the promise engine quotes from, so the bag, the promise and
checkout's holds count alike:

- pickup: the sellable units (on hand less reserved) at the shop the promise names;
- courier: the hub's units plus the other stock rooms', which checkout's sourcing takes from
  when the hub runs short;
- made to order: the production starts the microfactory can still book within the engine's
  horizon, found by booking unit after unit with :func:`promise.production_start`, as checkout does.

What the bag already has of the same thing counts against the same figure: the same variant
collected at the same shop, sent by courier, or (capacity being shared) any made-to-order piece.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import msgspec

from storefront.cart.schemas import Method
from storefront.fulfilment import promise


class Shortfall(msgspec.Struct, frozen=True, kw_only=True):
    """A request for more than can be had: ``available`` in all, ``in_bag`` already taken by the bag."""

    available: int
    in_bag: int
    asked: int

    @property
    def left(self) -> int:
        """What the shopper may still add (never below zero)."""
        return max(self.available - self.in_bag, 0)


def shortfall(asked: int, in_bag: int, available: int) -> Shortfall | None:
    """None when ``asked`` more fit beside ``in_bag`` within ``available``; else what went short."""
    if asked + in_bag <= available:
        return None
    return Shortfall(available=max(available, 0), in_bag=in_bag, asked=asked)


def free_production_starts(factory: promise.MicrofactoryRule, now: datetime, limit: int) -> int:
    """Production starts ``factory`` can still book within the horizon, counted up to ``limit``.

    Counting stops at ``limit`` (what the bag would hold): past it the exact figure changes nothing.
    """
    booked = dict(factory.booked)
    today = now.astimezone(ZoneInfo(factory.timezone)).date()
    count = 0
    while count < limit:
        start = promise.production_start(msgspec.structs.replace(factory, booked=booked), today)
        if start is None:
            break
        booked[start] = booked.get(start, 0) + 1
        count += 1
    return count


def _way(method: Method, place: str | None) -> str:
    if method == "pickup":
        return f"can be collected at {place}" if place else "can be collected"
    return "can be sent by courier"


def refusal(item: str, method: Method, place: str | None, short: Shortfall) -> str:
    """The sentence a shopper reads, naming the product and variant (``item``) and the way they chose.

    e.g. "Only 4 of Noa micro bag in Tan can be collected at Columbia Road; you asked for 50."
    """
    if method == "made_to_order":  # capacity is the workroom's, shared by every made-to-order piece
        days = promise.CAPACITY_HORIZON_DAYS
        head = f"Only {short.available} made-to-order pieces can be started in the next {days} days"
        if short.in_bag:
            head += f" and your bag already has {short.in_bag}"
        return f"{head}; you asked for {short.asked} of {item}."
    head = f"Only {short.available} of {item} {_way(method, place)}"
    if not short.in_bag:
        return f"{head}; you asked for {short.asked}."
    if short.in_bag > short.available:  # fewer left than the bag already has (sold elsewhere since)
        return f"{head}, and your bag already has {short.in_bag}."
    if short.left == 0:
        return f"{head}, and {'it is' if short.in_bag == 1 else f'all {short.in_bag} are'} already in your bag."
    return f"{head}, and your bag already has {short.in_bag}; you can add {short.left} more, not {short.asked}."


def item_name(title: str, variant_title: str) -> str:
    """ "Noa micro bag in Tan": how a shopper names the piece they chose."""
    return f"{title} in {variant_title}" if variant_title else title
