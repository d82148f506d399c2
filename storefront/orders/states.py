"""The one order state machine: pure rules deciding what a payment signal or a step does to an order.

Payment news arrives by three roads: Stripe's webhook, the shopper's browser coming back from
confirming, and the reconciliation job asking Stripe. They may arrive in any order, twice, or
not at all. Each road turns what it learnt into a :data:`PaymentSignal` and asks
:func:`on_payment`; the caller applies the decision under a row lock on the order, so the same
news twice, or late, changes nothing more than once.

After payment, each fulfilment walks its method's flow (:data:`FLOWS`) one step at a time, and
the order's status is its least advanced fulfilment's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import msgspec

OrderStatus = Literal[
    "pending_payment", "paid", "in_production", "ready_for_pickup", "out_for_delivery", "fulfilled", "cancelled"
]
FulfilmentStep = Literal["in_production", "ready_for_pickup", "out_for_delivery", "fulfilled"]
PaymentSignal = Literal["succeeded", "failed", "canceled", "expired"]
Action = Literal["none", "commit_holds", "release_holds", "record_failure", "refund_late_payment", "flag_amount"]

FLOWS: dict[str, tuple[OrderStatus, ...]] = {
    "pickup": ("paid", "ready_for_pickup", "fulfilled"),
    "courier": ("paid", "out_for_delivery", "fulfilled"),
    "made_to_order": ("paid", "in_production", "out_for_delivery", "fulfilled"),
}
_RANK: dict[str, int] = {"paid": 1, "in_production": 2, "ready_for_pickup": 3, "out_for_delivery": 3, "fulfilled": 4}
AFTER_PAYMENT = frozenset(_RANK)


class PaymentDecision(msgspec.Struct, frozen=True, kw_only=True):
    status: OrderStatus | None  # the new status, or None to keep it
    action: Action


class IllegalStep(ValueError):
    """A fulfilment step that its method's flow does not allow from where it is."""


def on_payment(status: str, signal: PaymentSignal, *, amount_matches: bool = True) -> PaymentDecision:
    """What ``signal`` does to an order in ``status``.

    - Pending: success pays it (the held stock is sold); a decline is recorded and the shopper
      may try again until the hold expires; a cancelled intent or an expired hold cancels it.
    - Cancelled: a success that arrives after the hold expired is refunded, never fulfilled:
      the stock and capacity went back on sale when the order was cancelled.
    - Anything already paid: replays and stale news change nothing.
    """
    if status == "pending_payment":
        if signal == "succeeded":
            if not amount_matches:
                return PaymentDecision(status=None, action="flag_amount")
            return PaymentDecision(status="paid", action="commit_holds")
        if signal == "failed":
            return PaymentDecision(status=None, action="record_failure")
        return PaymentDecision(status="cancelled", action="release_holds")
    if status == "cancelled" and signal == "succeeded":
        return PaymentDecision(status=None, action="refund_late_payment")
    return PaymentDecision(status=None, action="none")


def next_step(method: str, current: str, target: str) -> OrderStatus:
    """``target`` if it is the next step of ``method``'s flow after ``current``; else :class:`IllegalStep`."""
    flow = FLOWS[method]
    if current not in flow:
        raise IllegalStep(f"a {current} fulfilment cannot move on")
    position = flow.index(current)
    if position + 1 >= len(flow) or flow[position + 1] != target:
        allowed = flow[position + 1] if position + 1 < len(flow) else "nothing"
        raise IllegalStep(f"a {method} fulfilment that is {current} can go to {allowed}, not {target}")
    return flow[position + 1]


def order_status(payment_status: str, fulfilment_statuses: Iterable[str]) -> str:
    """The order's status: its payment state until paid, then its least advanced fulfilment's."""
    if payment_status not in AFTER_PAYMENT:
        return payment_status
    statuses = list(fulfilment_statuses)
    if not statuses:
        return payment_status
    return min(statuses, key=lambda s: _RANK.get(s, 0))
