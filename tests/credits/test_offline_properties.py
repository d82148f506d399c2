"""Properties: settling part of a running hold, and an event hold's books whatever happens (real database).

The pure rule first: a partial settle takes exactly what was asked, never more than the hold
holds in any lot, or refuses. Then Hypothesis draws sequences of caps set and moved, stall sales
redeemed (some retried), checkouts holding and paying, releases and closes; after every step each
lot's cache equals its entries' sums and is never below zero, the event's hold equals its entries
under the hold key, its cap is what is held plus what stall sales redeemed, and nothing is made
or lost: what can be spent, what is held and what was redeemed add up to what was issued.
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storefront.clock import utcnow
from storefront.credits import (
    CreditEntry,
    CreditInsufficient,
    CreditLot,
    EventHold,
    StallRedemption,
    codes,
    event_holds,
    offline,
    service,
)
from storefront.credits import rules as credit_rules
from tests.conftest import MakeBrand
from tests.credits.conftest import ACTOR, issue, refill

T0 = datetime(2026, 1, 1, tzinfo=UTC)
lot_values = st.lists(
    st.tuples(st.integers(0, 500), st.integers(0, 500), st.none() | st.integers(0, 30)), min_size=1, max_size=6
)


@given(lots=lot_values, shares=st.lists(st.integers(0, 500), min_size=6, max_size=6), amount=st.integers(0, 2000))
def test_a_partial_settle_takes_what_was_asked_from_what_the_hold_holds(
    lots: list[tuple[int, int, int | None]], shares: list[int], amount: int
) -> None:
    ids = [uuid.UUID(int=i + 1) for i in range(len(lots))]
    seen = [
        credit_rules.Lot(id=i, remaining=r, held=h, expires_at=T0 + timedelta(days=d) if d is not None else None)
        for i, (r, h, d) in zip(ids, lots, strict=True)
    ]
    held = {lot.id: min(share, lot.held) for lot, share in zip(seen, shares, strict=False)}
    available = sum(held.values())
    if amount > available:
        with pytest.raises(credit_rules.Shortfall):
            credit_rules.plan_settle(seen, held, amount)
        return
    plan = credit_rules.plan_settle(seen, held, amount)
    assert sum(take for _, take in plan) == amount
    assert all(0 < take <= held[lot_id] for lot_id, take in plan)
    assert len({lot_id for lot_id, _ in plan}) == len(plan)
    order = [lot.id for lot in credit_rules.spend_order(seen)]
    assert [lot_id for lot_id, _ in plan] == sorted((lot_id for lot_id, _ in plan), key=order.index)


steps = st.lists(
    st.one_of(
        st.tuples(st.just("cap"), st.integers(0, 1500)),  # 0: the default cap
        st.tuples(st.just("sale"), st.integers(0, 700)),
        st.tuples(st.just("retry"), st.integers(0, 20)),
        st.tuples(st.just("checkout"), st.integers(1, 900)),
        st.tuples(st.just("paid"), st.integers(0, 20)),
        st.tuples(st.just("lot"), st.integers(1, 400)),
        st.tuples(st.just("release"), st.just(0)),
        st.tuples(st.just("close"), st.just(0)),
    ),
    min_size=1,
    max_size=14,
)


async def _check(brand: uuid.UUID, event: uuid.UUID, credit: uuid.UUID, put_in: int) -> None:
    entries = await CreditEntry.filter(credit_id=credit)
    lots = await CreditLot.filter(credit_id=credit)
    for lot in lots:
        mine = [e for e in entries if e.lot_id == lot.id]
        assert lot.remaining_minor == sum(e.amount_minor for e in mine) >= 0
        assert lot.held_minor == sum(e.held_minor for e in mine) >= 0
    hold = await EventHold.get_or_none(event_id=event, credit_id=credit)
    under = sum(e.held_minor for e in entries if e.hold_key == event_holds.hold_key(event, credit))
    assert under == (hold.held_minor if hold else 0) >= 0
    if hold is not None and hold.cap_minor:
        assert hold.cap_minor == hold.held_minor + hold.redeemed_minor
    redeemed = -sum(e.held_minor for e in entries if e.kind == "redeem")
    stall = sum(r.redeemed_minor for r in await StallRedemption.filter(brand_id=brand))
    assert stall == (hold.redeemed_minor if hold else 0)  # an online code is redeemed at a stall from its hold alone
    assert sum(lot.remaining_minor + lot.held_minor for lot in lots) + redeemed == put_in


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps)
async def test_an_event_hold_balances_whatever_happens(plan: list[tuple[str, int]], make_brand: MakeBrand) -> None:
    brand, event = (await make_brand()).brand.id, uuid.uuid4()
    now = utcnow()
    code, credit = await issue(brand, 1_000, now, expires_at=now + timedelta(days=5))
    put_in = 1_000
    sales: list[tuple[str, int, Any]] = []
    checkouts: list[str] = []
    for i, (op, n) in enumerate(plan):
        if op == "cap":
            with contextlib.suppress(CreditInsufficient):  # nothing left to hold
                await event_holds.take_to_event(brand, event, credit, n or None, key=f"cap-{i}", actor=ACTOR, now=now)
        elif op == "sale":
            answer = await offline.redeem_offline(
                brand,
                event_id=event,
                code=code,
                amount=n,
                currency="GBP",
                key=f"sale-{i}",
                reason="sale",
                actor=ACTOR,
                now=now,
            )
            assert answer.redeemed + answer.shortfall == n and min(answer.redeemed, answer.shortfall) >= 0
            sales.append((f"sale-{i}", n, answer))
        elif op == "retry" and sales:
            key, amount, first = sales[n % len(sales)]
            again = await offline.redeem_offline(
                brand,
                event_id=event,
                code=code,
                amount=amount,
                currency="GBP",
                key=key,
                reason="sale",
                actor=ACTOR,
                now=now,
            )
            assert again == first
        elif op == "checkout":
            moved = await service.hold(brand, credit, n, key=f"co-{i}", reason="cart", actor=ACTOR, now=now, up_to=True)
            if moved.entries:
                checkouts.append(f"co-{i}")
        elif op == "paid" and checkouts:
            await service.redeem(brand, checkouts.pop(n % len(checkouts)), reason="paid", actor=ACTOR)
        elif op == "lot":
            await refill(brand, credit, n, now, None)
            put_in += n
        elif op == "release" and await EventHold.exists(event_id=event, credit_id=credit):
            await event_holds.release_from_event(brand, event, credit, actor=ACTOR, now=now)
        elif op == "close":
            await event_holds.release_event_holds(brand, event)
        await _check(brand, event, credit, put_in)
    assert codes.normalise(code)
