"""The order state machine: payment news in any order, any number of times, decides once."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.orders import states


def test_success_pays_a_pending_order_once() -> None:
    first = states.on_payment("pending_payment", "succeeded")
    assert (first.status, first.action) == ("paid", "commit_holds")
    again = states.on_payment("paid", "succeeded")
    assert (again.status, again.action) == (None, "none")


def test_decline_keeps_the_order_waiting_for_another_try() -> None:
    decision = states.on_payment("pending_payment", "failed")
    assert (decision.status, decision.action) == (None, "record_failure")


@pytest.mark.parametrize("signal", ["canceled", "expired"])
def test_cancel_or_expiry_releases_the_holds(signal: states.PaymentSignal) -> None:
    decision = states.on_payment("pending_payment", signal)
    assert (decision.status, decision.action) == ("cancelled", "release_holds")


def test_payment_after_cancellation_is_refunded_not_fulfilled() -> None:
    decision = states.on_payment("cancelled", "succeeded")
    assert (decision.status, decision.action) == (None, "refund_late_payment")


def test_wrong_amount_is_flagged_not_paid() -> None:
    decision = states.on_payment("pending_payment", "succeeded", amount_matches=False)
    assert (decision.status, decision.action) == (None, "flag_amount")


@given(st.lists(st.sampled_from(["succeeded", "failed", "canceled", "expired"]), min_size=1, max_size=12))
def test_any_sequence_commits_or_releases_at_most_once(signals: list[states.PaymentSignal]) -> None:
    status = "pending_payment"
    actions = []
    for signal in signals:
        decision = states.on_payment(status, signal)
        actions.append(decision.action)
        status = decision.status or status
    assert actions.count("commit_holds") + actions.count("release_holds") <= 1
    assert status in {"pending_payment", "paid", "cancelled"}
    if "commit_holds" in actions:
        assert status == "paid" and "refund_late_payment" not in actions
    if status == "pending_payment":
        assert set(signals) <= {"failed"}


@pytest.mark.parametrize(
    ("method", "steps"),
    [
        ("pickup", ["ready_for_pickup", "fulfilled"]),
        ("courier", ["out_for_delivery", "fulfilled"]),
        ("made_to_order", ["in_production", "out_for_delivery", "fulfilled"]),
    ],
)
def test_each_method_walks_its_own_flow(method: str, steps: list[str]) -> None:
    status = "paid"
    for step in steps:
        status = states.next_step(method, status, step)
    assert status == "fulfilled"


@pytest.mark.parametrize(
    ("method", "current", "target"),
    [
        ("pickup", "paid", "out_for_delivery"),
        ("courier", "paid", "ready_for_pickup"),
        ("made_to_order", "paid", "out_for_delivery"),  # production cannot be skipped
        ("pickup", "fulfilled", "fulfilled"),
        ("pickup", "pending_payment", "ready_for_pickup"),
        ("courier", "cancelled", "out_for_delivery"),
    ],
)
def test_illegal_steps_are_refused(method: str, current: str, target: str) -> None:
    with pytest.raises(states.IllegalStep):
        states.next_step(method, current, target)


def test_order_status_is_the_least_advanced_fulfilment() -> None:
    assert states.order_status("paid", ["fulfilled", "in_production"]) == "in_production"
    assert states.order_status("in_production", ["fulfilled", "fulfilled"]) == "fulfilled"
    assert states.order_status("pending_payment", ["pending_payment"]) == "pending_payment"
    assert states.order_status("cancelled", ["cancelled"]) == "cancelled"
