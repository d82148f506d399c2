"""A checkout's credit hold is settled once, however many settles of it race (the suite runs on both databases).

On PostgreSQL the commonest hold (one lot, the credit staying active) is settled by one statement
that holds no lock across a round trip, so no lock orders two settles of it: the entries' unique
``(brand, settles, seq)`` refuses the second. Racing redemptions and releases of one hold under
different keys: one goes through, the others are told it was settled already, and the books balance
on a hot credit whose other holds are still held.
"""

from __future__ import annotations

import asyncio

from storefront.clock import utcnow
from storefront.credits import CreditEntry, CreditLot, service
from storefront.errors import Conflict
from tests.conftest import MakeBrand
from tests.credits.conftest import ACTOR, issue

RACERS = 6


async def test_racing_settles_of_one_hold_settle_it_once(make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand.id
    now = utcnow()
    _, credit = await issue(brand, 10_000, now)
    await service.hold(brand, credit, 500, key="other-hold", reason="cart", actor=ACTOR, now=now)
    held = await service.hold(brand, credit, 300, key="the-hold", reason="cart", actor=ACTOR, now=now)
    assert held.held.amount == 300

    async def settle(i: int) -> str:
        settle_one = service.redeem if i % 2 else service.release
        try:
            await settle_one(brand, "the-hold", reason="paid", actor=ACTOR, key=f"settle-{i}")
        except Conflict:
            return "refused"
        return "settled"

    outcomes = await asyncio.gather(*(settle(i) for i in range(RACERS)))
    assert sorted(outcomes) == ["refused"] * (RACERS - 1) + ["settled"]
    entries = await CreditEntry.filter(credit_id=credit, hold_key="the-hold")
    assert len(entries) == 1 and entries[0].settles == "the-hold" and entries[0].held_minor == -300
    [lot] = await CreditLot.filter(credit_id=credit)
    spent = 300 if entries[0].kind == "redeem" else 0
    assert (lot.remaining_minor, lot.held_minor) == (10_000 - 500 - spent, 500)  # the other hold untouched


async def test_a_settle_again_under_its_own_key_answers_the_first(make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand.id
    now = utcnow()
    _, credit = await issue(brand, 1_000, now)
    await service.hold(brand, credit, 400, key="h", reason="cart", actor=ACTOR, now=now)
    first = await service.redeem(brand, "h", reason="paid", actor=ACTOR)
    again = await service.redeem(brand, "h", reason="paid", actor=ACTOR)
    assert (first.replayed, again.replayed) == (False, True)
    assert [e.id for e in first.entries] == [e.id for e in again.entries]
    view = await service.get_credit(brand, credit, now)
    assert (view.balance.amount, view.held.amount, view.status) == (600, 0, "active")


async def test_the_last_redemption_of_a_credit_marks_it_spent(make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand.id
    now = utcnow()
    _, credit = await issue(brand, 700, now)
    await service.hold(brand, credit, 700, key="all", reason="cart", actor=ACTOR, now=now)
    await service.redeem(brand, "all", reason="paid", actor=ACTOR)
    view = await service.get_credit(brand, credit, now)
    assert (view.balance.amount, view.held.amount, view.status) == (0, 0, "spent")
