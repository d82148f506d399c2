"""The credit ledger on the real database: lots spent soonest-expiring first, holds settled once, replays inert."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from storefront.clock import utcnow
from storefront.credits import CreditEntry, CreditInsufficient, CreditLot, service
from storefront.credits.models import Credit
from storefront.errors import Conflict, IdempotencyKeyReused, InvalidInput, NotFound
from tests.conftest import MakeBrand
from tests.credits.conftest import ACTOR, KEY, issue, refill


@pytest.fixture
def now() -> datetime:
    return utcnow().replace(microsecond=0)


async def brand_id(make_brand: MakeBrand) -> uuid.UUID:
    return (await make_brand()).brand.id


async def test_a_hold_takes_the_soonest_expiring_lots_first_and_spans_them(
    make_brand: MakeBrand, now: datetime
) -> None:
    brand = await brand_id(make_brand)
    code, credit = await issue(brand, 1000, now, expires_at=now + timedelta(days=90))
    await refill(brand, credit, 300, now, now + timedelta(days=10))
    await refill(brand, credit, 500, now, None)
    held = await service.hold(brand, credit, 1100, key="hold-1", reason="cart", actor=ACTOR, now=now)
    lots = {lot.id: lot for lot in await CreditLot.filter(credit_id=credit)}
    taken = [(lots[e.lot].expires_at, -e.amount.amount) for e in held.entries]
    assert taken == [(now + timedelta(days=10), 300), (now + timedelta(days=90), 800)]
    view = await service.look_up(brand, code, KEY, now)
    assert (view.balance.amount, view.held.amount) == (700, 1100)
    assert [(lot.remaining.amount, lot.expires_at) for lot in view.lots] == [
        (200, now + timedelta(days=90)),
        (500, None),
    ]
    assert view.expires_at == now + timedelta(days=90)


async def test_release_gives_a_hold_back_and_redeem_spends_it_once(make_brand: MakeBrand, now: datetime) -> None:
    brand = await brand_id(make_brand)
    code, credit = await issue(brand, 1000, now)
    await service.hold(brand, credit, 400, key="a", reason="cart", actor=ACTOR, now=now)
    await service.hold(brand, credit, 300, key="b", reason="cart", actor=ACTOR, now=now)
    released = await service.release(brand, "a", reason="expired", actor=ACTOR)
    assert (released.amount.amount, released.held.amount) == (400, -400)
    redeemed = await service.redeem(brand, "b", reason="paid", actor=ACTOR)
    assert (redeemed.amount.amount, redeemed.held.amount) == (0, -300)
    with pytest.raises(Conflict, match="already"):
        await service.redeem(brand, "a", reason="paid", actor=ACTOR)
    with pytest.raises(Conflict, match="already"):
        await service.release(brand, "b", reason="late", actor=ACTOR)
    assert (await service.release(brand, "a", reason="expired", actor=ACTOR)).replayed
    with pytest.raises(NotFound):
        await service.redeem(brand, "no-such-hold", reason="paid", actor=ACTOR)
    view = await service.look_up(brand, code, KEY, now)
    assert (view.balance.amount, view.held.amount, view.status) == (700, 0, "active")


async def test_never_below_zero(make_brand: MakeBrand, now: datetime) -> None:
    brand = await brand_id(make_brand)
    _, credit = await issue(brand, 500, now)
    with pytest.raises(CreditInsufficient) as refused:
        await service.hold(brand, credit, 501, key="big", reason="cart", actor=ACTOR, now=now)
    assert refused.value.extensions == {"available": 500}
    with pytest.raises(CreditInsufficient):
        await service.adjust(brand, credit, -501, key="adj", reason="count", actor=ACTOR, now=now)
    assert not await CreditEntry.filter(credit_id=credit, kind__in=["hold", "adjust"]).exists()
    await service.adjust(brand, credit, -500, key="adj2", reason="written off", actor=ACTOR, now=now)
    assert (await Credit.get(id=credit)).status == "spent"


async def test_refunds_are_bounded_by_what_was_redeemed(make_brand: MakeBrand, now: datetime) -> None:
    brand = await brand_id(make_brand)
    code, credit = await issue(brand, 1000, now)
    await service.hold(brand, credit, 600, key="h", reason="cart", actor=ACTOR, now=now)
    await service.redeem(brand, "h", reason="paid", actor=ACTOR)
    await service.refund(brand, credit, 400, key="r1", reason="returned", actor=ACTOR)
    with pytest.raises(InvalidInput, match="only 200"):
        await service.refund(brand, credit, 201, key="r2", reason="returned", actor=ACTOR)
    assert (await service.look_up(brand, code, KEY, now)).balance.amount == 800


async def test_a_replay_returns_the_first_result_and_writes_nothing(make_brand: MakeBrand, now: datetime) -> None:
    brand = await brand_id(make_brand)
    first_code, credit = await issue(brand, 1000, now, key="issue-1")
    code, again, replay = await service.issue(
        brand,
        (await service.get_credit(brand, credit, now)).balance,
        key="issue-1",
        reason="goodwill",
        actor=ACTOR,
        code_key=KEY,
        now=now,
    )
    assert code is None and again.id == credit and replay.replayed and first_code
    first = await service.hold(brand, credit, 250, key="hold", reason="cart", actor=ACTOR, now=now)
    count = await CreditEntry.filter(credit_id=credit).count()
    second = await service.hold(brand, credit, 250, key="hold", reason="cart", actor=ACTOR, now=now)
    assert second.replayed and second.entries == first.entries
    assert await CreditEntry.filter(credit_id=credit).count() == count
    with pytest.raises(IdempotencyKeyReused):
        await service.hold(brand, credit, 251, key="hold", reason="cart", actor=ACTOR, now=now)
    with pytest.raises(IdempotencyKeyReused):
        await service.adjust(brand, credit, 5, key="hold", reason="top-up", actor=ACTOR, now=now)


async def test_another_brand_cannot_touch_a_credit(make_brand: MakeBrand, now: datetime) -> None:
    mine, theirs = await brand_id(make_brand), await brand_id(make_brand)
    code, credit = await issue(mine, 1000, now)
    with pytest.raises(NotFound):
        await service.look_up(theirs, code, KEY, now)
    with pytest.raises(NotFound):
        await service.hold(theirs, credit, 1, key="x", reason="cart", actor=ACTOR, now=now)


async def test_expiry_empties_due_lots_once_and_leaves_holds_alone(make_brand: MakeBrand, now: datetime) -> None:
    brand = await brand_id(make_brand)
    code, credit = await issue(brand, 1000, now, expires_at=now + timedelta(days=1))
    await refill(brand, credit, 200, now, now + timedelta(days=30))
    await service.hold(brand, credit, 300, key="h", reason="cart", actor=ACTOR, now=now)
    later = now + timedelta(days=2)
    assert (await service.look_up(brand, code, KEY, later)).balance.amount == 200  # due, not yet swept
    assert await service.expire_credit(brand, credit, later) is not None
    assert await service.expire_credit(brand, credit, later) is None
    view = await service.look_up(brand, code, KEY, later)
    assert (view.balance.amount, view.held.amount, view.status) == (200, 300, "active")
    await service.release(brand, "h", reason="expired", actor=ACTOR)  # back onto the expired lot...
    await service.expire_credit(brand, credit, later)  # ...which the next pass empties again
    await service.adjust(brand, credit, -200, key="a", reason="closing", actor=ACTOR, now=later)
    entries = await CreditEntry.filter(credit_id=credit)
    assert sum(e.amount_minor for e in entries) == 0
    assert (await Credit.get(id=credit)).status == "spent"


async def test_expire_due_sweeps_every_brand(make_brand: MakeBrand, now: datetime) -> None:
    brands = [await brand_id(make_brand) for _ in range(3)]
    credits = [(await issue(b, 100, now, expires_at=now + timedelta(hours=1)))[1] for b in brands]
    assert await service.expire_due(now + timedelta(hours=2), batch=2) >= 3
    assert {c.status for c in await Credit.filter(id__in=credits)} == {"expired"}


async def test_issue_checks_what_it_is_given(make_brand: MakeBrand, now: datetime) -> None:
    brand = await brand_id(make_brand)
    with pytest.raises(InvalidInput) as refused:
        await issue(brand, 100, now, expires_at=now - timedelta(seconds=1))
    assert [e.field for e in refused.value.errors] == ["body.expires_at"]
    with pytest.raises(InvalidInput):
        await issue(brand, 0, now)
