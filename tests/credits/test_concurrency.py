"""Simultaneous holds on one credit cannot overspend it (the row lock; meaningful on PostgreSQL, run on both)."""

from __future__ import annotations

import asyncio
from collections import Counter

from storefront.clock import utcnow
from storefront.credits import CreditInsufficient, CreditLot, service
from tests.conftest import MakeBrand
from tests.credits.conftest import ACTOR, KEY, issue

SHOPPERS = 12


async def test_two_holds_racing_for_the_same_credit_cannot_overspend(make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand.id
    now = utcnow()
    code, credit = await issue(brand, 1000, now)

    async def hold(key: str, amount: int) -> str:
        try:
            await service.hold(brand, credit, amount, key=key, reason="cart", actor=ACTOR, now=now)
        except CreditInsufficient:
            return "refused"
        return "held"

    outcomes = await asyncio.gather(hold("a", 700), hold("b", 700))
    assert sorted(outcomes) == ["held", "refused"]
    view = await service.look_up(brand, code, KEY, now)
    assert (view.balance.amount, view.held.amount) == (300, 700)


async def test_many_holds_and_their_replays_at_once(make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand.id
    now = utcnow()
    _, credit = await issue(brand, 1000, now)

    async def hold(key: str) -> str:
        try:
            movement = await service.hold(brand, credit, 100, key=key, reason="cart", actor=ACTOR, now=now)
        except CreditInsufficient:
            return "refused"
        return "replayed" if movement.replayed else "held"

    # Every key is sent twice at once, as a client retrying a timed-out call would.
    keys = [f"k{i}" for i in range(SHOPPERS)] * 2
    outcomes = Counter(await asyncio.gather(*(hold(key) for key in keys)))
    assert outcomes["held"] == 10
    lots = await CreditLot.filter(credit_id=credit)
    assert sum(lot.remaining_minor for lot in lots) == 0
    assert sum(lot.held_minor for lot in lots) == 1000
