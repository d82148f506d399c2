"""Credit taken to a pop-up event: the cap held on the server, moved, released, and what the pack reads.

Through the credit ledger's stall operations (``storefront.credits.offline``) on a real database
(SQLite, and PostgreSQL when the suite runs there). The event is only an id here: credits sit
below events and keep no foreign key to them.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from storefront.clock import utcnow
from storefront.credits import (
    Credit,
    CreditEntry,
    CreditInsufficient,
    CreditNotOffline,
    OfflineCap,
    codes,
    event_holds,
    offline,
    offline_cap_updates,
    offline_caps,
    offline_lookup,
    release_event_holds,
    service,
)
from storefront.errors import IdempotencyKeyReused, InvalidInput, NotFound
from tests.conftest import MakeBrand
from tests.credits.conftest import ACTOR, KEY, issue, refill


async def take(
    brand: uuid.UUID, event: uuid.UUID, credit: uuid.UUID, cap: int | None, key: str | None = None
) -> event_holds.EventCredit:
    return await event_holds.take_to_event(
        brand, event, credit, cap, key=key or f"t:{uuid.uuid4()}", actor=ACTOR, now=utcnow()
    )


async def balance(brand: uuid.UUID, code: str) -> tuple[int, int]:
    view = await service.look_up(brand, code, KEY, utcnow())
    return view.balance.amount, view.held.amount


def lookup_of(brand: uuid.UUID, code: str) -> str:
    return offline_lookup(brand, codes.normalise(code))


async def test_every_new_credit_carries_its_offline_lookup(make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand.id
    code, credit_id = await issue(brand, 1_000, utcnow())
    credit = await Credit.get(id=credit_id)
    assert credit.offline_lookup == lookup_of(brand, code) and not credit.stall_issued
    # The till computes the same lookup from what the shopper types, whatever its case or dashes.
    assert credit.offline_lookup == offline_lookup(brand, codes.normalise(code.lower().replace("-", " ")))


async def test_a_cap_is_held_so_online_spending_cannot_take_it(make_brand: MakeBrand) -> None:
    brand, event = (await make_brand()).brand.id, uuid.uuid4()
    code, credit = await issue(brand, 10_000, utcnow())
    taken = await take(brand, event, credit, 6_000)
    assert (taken.cap.amount, taken.held.amount, taken.redeemed.amount, taken.hint) == (6_000, 6_000, 0, code[-4:])
    assert await balance(brand, code) == (4_000, 6_000)
    with pytest.raises(CreditInsufficient):  # a checkout asking for more than balance less the hold
        await service.hold(brand, credit, 4_001, key="cart", reason="cart", actor=ACTOR, now=utcnow())
    spendable = await service.spendable([credit], utcnow())
    assert spendable[credit].amount == 4_000
    assert await offline_caps(brand, event) == [
        OfflineCap(lookup=lookup_of(brand, code), cap=6_000, currency="GBP", expires_at=None)
    ]


async def test_the_cap_is_at_most_the_balance_and_defaults_to_a_hundred_units(make_brand: MakeBrand) -> None:
    brand, event = (await make_brand()).brand.id, uuid.uuid4()
    small_code, small = await issue(brand, 2_500, utcnow())
    large_code, large = await issue(brand, 50_000, utcnow())
    assert (await take(brand, event, small, 9_999)).cap.amount == 2_500
    assert (await take(brand, event, large, None)).cap.amount == event_holds.default_cap("GBP") == 10_000
    assert await balance(brand, small_code) == (0, 2_500)
    assert await balance(brand, large_code) == (40_000, 10_000)


async def test_a_second_call_tops_the_hold_up_or_gives_part_back(make_brand: MakeBrand) -> None:
    brand, event = (await make_brand()).brand.id, uuid.uuid4()
    now = utcnow()
    code, credit = await issue(brand, 3_000, now, expires_at=now + timedelta(days=30))
    await refill(brand, credit, 5_000, now, None)
    first = await take(brand, event, credit, 2_000)
    assert first.expires_at == now + timedelta(days=30)  # the hold draws on the soonest-expiring lot
    raised = await take(brand, event, credit, 7_000)
    assert (raised.cap.amount, raised.held.amount) == (7_000, 7_000)
    assert raised.expires_at == now + timedelta(days=30)
    assert await balance(brand, code) == (1_000, 7_000)
    lowered = await take(brand, event, credit, 1_500)
    assert (lowered.cap.amount, lowered.held.amount) == (1_500, 1_500)
    assert lowered.expires_at is None  # what stays held is the money that lasts longest
    assert await balance(brand, code) == (6_500, 1_500)
    moves = [(e.kind, e.amount_minor, e.held_minor) for e in await CreditEntry.filter(credit_id=credit).order_by("id")]
    assert moves == [
        ("issue", 3_000, 0),
        ("adjust", 5_000, 0),
        ("hold", -2_000, 2_000),
        ("hold", -1_000, 1_000),  # the top-up takes the rest of the soonest-expiring lot first
        ("hold", -4_000, 4_000),
        ("release", 3_000, -3_000),
        ("release", 2_500, -2_500),
    ]
    hold_key = event_holds.hold_key(event, credit)
    under_hold = await CreditEntry.filter(credit_id=credit, hold_key=hold_key)
    assert sum(e.held_minor for e in under_hold) == 1_500  # the running hold is the sum of its entries


async def test_taking_again_under_the_same_key_moves_nothing(make_brand: MakeBrand) -> None:
    brand, event = (await make_brand()).brand.id, uuid.uuid4()
    code, credit = await issue(brand, 5_000, utcnow())
    first = await take(brand, event, credit, 2_000, key="take-1")
    entries = await CreditEntry.filter(credit_id=credit).count()
    again = await take(brand, event, credit, 2_000, key="take-1")
    assert again == first and await CreditEntry.filter(credit_id=credit).count() == entries
    other_event = uuid.uuid4()
    with pytest.raises(IdempotencyKeyReused):  # the key moved another hold
        await take(brand, other_event, credit, 2_000, key="take-1")
    assert await balance(brand, code) == (3_000, 2_000)


async def test_two_events_hold_apart(make_brand: MakeBrand) -> None:
    brand, market, fair = (await make_brand()).brand.id, uuid.uuid4(), uuid.uuid4()
    code, credit = await issue(brand, 5_000, utcnow())
    await take(brand, market, credit, 2_000)
    await take(brand, fair, credit, 4_000)  # only 3,000 left to hold
    assert [c.cap for c in await offline_caps(brand, market)] == [2_000]
    assert [c.cap for c in await offline_caps(brand, fair)] == [3_000]
    assert await balance(brand, code) == (0, 5_000)


async def test_what_cannot_go_offline(make_brand: MakeBrand) -> None:
    brand, event = (await make_brand()).brand.id, uuid.uuid4()
    _, spent = await issue(brand, 1_000, utcnow())
    await service.adjust(brand, spent, -1_000, key="empty", reason="spent", actor=ACTOR, now=utcnow())
    with pytest.raises(CreditInsufficient):
        await take(brand, event, spent, None)
    _, old = await issue(brand, 1_000, utcnow())
    await Credit.filter(id=old).update(offline_lookup=None)  # as minted before lookups existed
    with pytest.raises(CreditNotOffline):
        await take(brand, event, old, None)
    other = (await make_brand()).brand.id
    _, theirs = await issue(other, 1_000, utcnow())
    with pytest.raises(NotFound):
        await take(brand, event, theirs, None)
    with pytest.raises(InvalidInput):
        await take(brand, event, old, 0)
    assert await offline_caps(brand, event) == []


async def test_releasing_gives_everything_left_back_and_tells_the_tills(make_brand: MakeBrand) -> None:
    brand, event = (await make_brand()).brand.id, uuid.uuid4()
    code, credit = await issue(brand, 8_000, utcnow())
    other_code, other = await issue(brand, 8_000, utcnow())
    await take(brand, event, credit, 3_000)
    await take(brand, event, other, 2_000)
    cut = utcnow()
    redeemed = await offline.redeem_offline(
        brand,
        event_id=event,
        code=code,
        amount=1_000,
        currency="GBP",
        key="sale-1",
        reason="sale",
        actor=ACTOR,
        now=cut,
    )
    assert redeemed == offline.OfflineRedemption(redeemed=1_000, shortfall=0)
    assert await offline_cap_updates(brand, event, cut) == []  # a redemption does not move the cap
    assert await release_event_holds(brand, event) == 2
    assert await balance(brand, code) == (7_000, 0)  # 8,000 less the 1,000 the stall redeemed
    assert await balance(brand, other_code) == (8_000, 0)
    assert await offline_caps(brand, event) == []
    updates = await offline_cap_updates(brand, event, cut)
    assert sorted((u.lookup, u.cap) for u in updates) == sorted(
        [(lookup_of(brand, code), 0), (lookup_of(brand, other_code), 0)]
    )
    assert await release_event_holds(brand, event) == 0  # nothing left: a second close changes nothing
    entries = await CreditEntry.filter(credit_id=credit).count()
    again = await event_holds.release_from_event(brand, event, credit, actor=ACTOR, now=utcnow())
    assert again.cap.amount == 0 and await CreditEntry.filter(credit_id=credit).count() == entries
    with pytest.raises(NotFound):  # never taken to this event
        await event_holds.release_from_event(brand, uuid.uuid4(), credit, actor=ACTOR, now=utcnow())


async def test_cap_updates_are_what_changed_since(make_brand: MakeBrand) -> None:
    brand, event = (await make_brand()).brand.id, uuid.uuid4()
    code, credit = await issue(brand, 5_000, utcnow())
    late_code, late = await issue(brand, 5_000, utcnow())
    await take(brand, event, credit, 1_000)
    cut = utcnow()
    assert await offline_cap_updates(brand, event, cut) == []
    await take(brand, event, late, 2_000)
    assert [(u.lookup, u.cap) for u in await offline_cap_updates(brand, event, cut)] == [
        (lookup_of(brand, late_code), 2_000)
    ]
    assert len(await offline_cap_updates(brand, event, cut - timedelta(days=1))) == 2
    assert await offline_cap_updates((await make_brand()).brand.id, event, cut - timedelta(days=1)) == []
    assert code != late_code


async def test_a_release_retried_under_its_key_moves_nothing_more(make_brand: MakeBrand) -> None:
    brand, event = (await make_brand()).brand.id, uuid.uuid4()
    code, credit = await issue(brand, 5_000, utcnow())
    await take(brand, event, credit, 2_000)
    released = await event_holds.release_from_event(brand, event, credit, actor=ACTOR, now=utcnow(), key="rel-1")
    assert released.cap.amount == 0
    await take(brand, event, credit, 1_000)  # taken again afterwards
    retried = await event_holds.release_from_event(brand, event, credit, actor=ACTOR, now=utcnow(), key="rel-1")
    assert (retried.cap.amount, retried.held.amount) == (1_000, 1_000)  # the retry did not release the new hold
    assert await balance(brand, code) == (4_000, 1_000)
    _, other = await issue(brand, 5_000, utcnow())
    with pytest.raises(IdempotencyKeyReused):  # the key released another credit's hold
        await event_holds.release_from_event(brand, event, other, actor=ACTOR, now=utcnow(), key="rel-1")
