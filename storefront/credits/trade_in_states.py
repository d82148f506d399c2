"""The trade-in's states and the steps between them (pure: no I/O).

A shopper's estimate is ``quoted``; the bag arrives (``received``), is graded (``inspected``, the
quote recomputed for the grade found), then ``accepted`` (credit issued) or ``rejected``. Until
it is accepted the shopper may take the bag back (``returned``), and a rejected bag goes back
too. An inspected bag may be inspected again (a re-grade, or a fresh quote once the first has
expired). An accepted bag leaves this machine only as refurbished stock (``listed``).
"""

from __future__ import annotations

from typing import Literal

from storefront.errors import Conflict, FieldError

Status = Literal["quoted", "received", "inspected", "accepted", "rejected", "returned", "listed"]
STATUSES: tuple[Status, ...] = ("quoted", "received", "inspected", "accepted", "rejected", "returned", "listed")

NEXT: dict[Status, frozenset[Status]] = {
    "quoted": frozenset({"received", "returned"}),
    "received": frozenset({"inspected", "returned"}),
    "inspected": frozenset({"inspected", "accepted", "rejected", "returned"}),
    "accepted": frozenset({"listed"}),
    "rejected": frozenset({"returned"}),
    "returned": frozenset(),
    "listed": frozenset(),
}

_VERB: dict[Status, str] = {
    "received": "received",
    "inspected": "inspected",
    "accepted": "accepted",
    "rejected": "rejected",
    "returned": "returned",
    "listed": "listed",
    "quoted": "quoted",
}


def can_step(current: Status, to: Status) -> bool:
    return to in NEXT[current]


def illegal_step(current: Status, to: Status) -> Conflict:
    """The 409 for a step the trade-in's status does not allow, naming that status."""
    allowed = sorted(NEXT[current])
    then = f"; from {current} it can be {', '.join(allowed)}" if allowed else f"; {current} is final"
    return Conflict(
        f"a trade-in that is {current} cannot be {_VERB[to]}{then}",
        errors=[FieldError("status", f"is {current}")],
        extensions={"trade_in_status": current},
    )


def check_step(current: Status, to: Status) -> None:
    if not can_step(current, to):
        raise illegal_step(current, to)
