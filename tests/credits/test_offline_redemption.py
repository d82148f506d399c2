"""Stall sales redeemed at sync, and codes a stall issued: partial redemption of a hold, shortfalls, idempotency.

Real database, both backends. The twenty concurrent redemptions are the PostgreSQL proof (row
locks); on SQLite the same test shows the serialised writer keeps the same promise.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from tortoise.transactions import in_transaction

from storefront.clock import utcnow
from storefront.credits import (
    Credit,
    CreditEntry,
    CreditLot,
    InvalidCreditCode,
    OfflineRedemption,
    StallCodeTaken,
    codes,
    event_holds,
    issue_stall_code,
    redeem_offline,
    service,
)
from storefront.errors import IdempotencyKeyReused, InvalidInput
from tests.conftest import MakeBrand
from tests.credits.conftest import ACTOR, KEY, issue

SHOPPERS = 20


async def redeem(
    brand: uuid.UUID, event: uuid.UUID, code: str, amount: int, key: str, currency: str = "GBP", **extra: object
) -> OfflineRedemption:
    return await redeem_offline(
        brand,
        event_id=event,
        code=codes.normalise(code),
        amount=amount,
        currency=currency,
        key=key,
        reason="stall sale",
        actor=ACTOR,
        now=utcnow(),
        **extra,  # type: ignore[arg-type]
    )


async def taken(brand: uuid.UUID, amount: int, cap: int) -> tuple[uuid.UUID, str, uuid.UUID]:
    event = uuid.uuid4()
    code, credit = await issue(brand, amount, utcnow())
    await event_holds.take_to_event(brand, event, credit, cap, key=f"t:{uuid.uuid4()}", actor=ACTOR, now=utcnow())
    return event, code, credit


async def books(credit: uuid.UUID) -> tuple[int, int]:
    """(spendable, held) of the credit, after checking every lot's cache against its entries."""
    entries = await CreditEntry.filter(credit_id=credit)
    lots = await CreditLot.filter(credit_id=credit)
    for lot in lots:
        assert lot.remaining_minor == sum(e.amount_minor for e in entries if e.lot_id == lot.id) >= 0
        assert lot.held_minor == sum(e.held_minor for e in entries if e.lot_id == lot.id) >= 0
    return sum(lot.remaining_minor for lot in lots), sum(lot.held_minor for lot in lots)


async def test_a_sale_redeems_part_of_the_hold_and_the_rest_stays_held(make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand.id
    event, code, credit = await taken(brand, 10_000, 5_000)
    assert await redeem(brand, event, code, 1_200, "sale-1") == OfflineRedemption(redeemed=1_200, shortfall=0)
    assert await books(credit) == (5_000, 3_800)
    view = await event_holds.event_credit(brand, event, credit)
    assert (view.cap.amount, view.held.amount, view.redeemed.amount) == (5_000, 3_800, 1_200)
    assert await redeem(brand, event, code, 800, "sale-2") == OfflineRedemption(redeemed=800, shortfall=0)
    assert await books(credit) == (5_000, 3_000)
    redeemed = await CreditEntry.filter(credit_id=credit, kind="redeem")
    assert -sum(e.held_minor for e in redeemed) == 2_000 and all(e.amount_minor == 0 for e in redeemed)


async def test_beyond_the_hold_is_a_shortfall_never_an_error(make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand.id
    event, code, credit = await taken(brand, 10_000, 2_000)
    assert await redeem(brand, event, code, 2_500, "sale-1") == OfflineRedemption(redeemed=2_000, shortfall=500)
    # An online credit is only ever spent from its hold: the balance it kept stays the shopper's.
    assert await books(credit) == (8_000, 0)
    assert await redeem(brand, event, code, 300, "sale-2") == OfflineRedemption(redeemed=0, shortfall=300)
    assert await redeem(brand, uuid.uuid4(), code, 300, "other-event") == OfflineRedemption(redeemed=0, shortfall=300)
    assert await books(credit) == (8_000, 0)


async def test_what_the_server_does_not_know_is_all_shortfall(make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand.id
    event, code, _ = await taken(brand, 1_000, 1_000)
    made_up = codes.generate()
    typo = code[:-1] + ("X" if code[-1] != "X" else "Y")
    assert await redeem(brand, event, made_up, 400, "a") == OfflineRedemption(redeemed=0, shortfall=400)
    assert await redeem(brand, event, typo, 400, "b") == OfflineRedemption(redeemed=0, shortfall=400)
    assert await redeem(brand, event, "", 400, "c") == OfflineRedemption(redeemed=0, shortfall=400)
    assert await redeem(brand, event, code, 400, "d", currency="EUR") == OfflineRedemption(redeemed=0, shortfall=400)
    other = (await make_brand()).brand.id  # another brand's event cannot reach this brand's credit
    assert await redeem(other, event, code, 400, "e") == OfflineRedemption(redeemed=0, shortfall=400)
    assert await redeem(brand, event, code, 0, "f") == OfflineRedemption(redeemed=0, shortfall=0)
    with pytest.raises(InvalidInput):
        await redeem(brand, event, code, -1, "g")


async def test_the_same_key_answers_the_same_and_writes_nothing(make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand.id
    event, code, credit = await taken(brand, 10_000, 1_000)
    first = await redeem(brand, event, code, 1_500, "sale-1")
    entries = await CreditEntry.filter(credit_id=credit).count()
    await event_holds.take_to_event(brand, event, credit, 5_000, key="top-up", actor=ACTOR, now=utcnow())
    # Even with more held now, the retry answers what the first call did, shortfall and all.
    assert (
        await redeem(brand, event, code, 1_500, "sale-1") == first == OfflineRedemption(redeemed=1_000, shortfall=500)
    )
    assert await CreditEntry.filter(credit_id=credit).count() == entries + 1  # the top-up's entry alone
    unknown = await redeem(brand, event, codes.generate(), 700, "unknown")
    assert await redeem(brand, event, codes.generate(), 700, "unknown") == unknown
    with pytest.raises(IdempotencyKeyReused):
        await redeem(brand, event, code, 999, "sale-1")


async def test_it_works_inside_the_callers_transaction_and_rolls_back_with_it(make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand.id
    event, code, credit = await taken(brand, 10_000, 4_000)

    class Abort(Exception):
        pass

    with pytest.raises(Abort):
        async with in_transaction():
            assert (await redeem(brand, event, code, 1_000, "batch-1")).redeemed == 1_000
            assert (await redeem(brand, event, code, 1_000, "batch-2")).redeemed == 1_000
            assert (await redeem(brand, event, code, 1_000, "batch-1")).redeemed == 1_000  # a replay in the batch
            raise Abort  # the sync batch failed: nothing of it may stay
    assert await books(credit) == (6_000, 4_000)
    assert (await event_holds.event_credit(brand, event, credit)).redeemed.amount == 0
    async with in_transaction():
        assert (await redeem(brand, event, code, 1_000, "batch-1")).redeemed == 1_000
    assert await books(credit) == (6_000, 3_000)


async def test_twenty_redemptions_of_one_code_at_once_never_overspend(make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand.id
    event, code, credit = await taken(brand, 10_000, 5_000)
    keys = [f"sale-{i}" for i in range(SHOPPERS)] + [f"sale-{i}" for i in range(5)]  # five retried at once
    answers = await asyncio.gather(*(redeem(brand, event, code, 300, key) for key in keys))
    by_key = {key: answer for key, answer in zip(keys, answers, strict=True)}
    assert all(by_key[key] == answer for key, answer in zip(keys, answers, strict=True))  # a retry answers the same
    outcomes = Counter(by_key.values())
    assert sum(a.redeemed for a in by_key.values()) == 5_000  # exactly the hold, never more
    assert outcomes[OfflineRedemption(redeemed=300, shortfall=0)] == 5_000 // 300
    assert outcomes[OfflineRedemption(redeemed=5_000 % 300, shortfall=300 - 5_000 % 300)] == 1
    assert sum(a.shortfall for a in by_key.values()) == SHOPPERS * 300 - 5_000
    assert await books(credit) == (5_000, 0)
    written = Counter((e.idempotency_key, e.seq) for e in await CreditEntry.filter(credit_id=credit))
    assert set(written.values()) == {1}  # no entry written twice


# --- codes a stall issued ---------------------------------------------------------------------


async def stall_code(
    brand: uuid.UUID, amount: int, key: str, code: str | None = None, **extra: object
) -> tuple[str, uuid.UUID]:
    code = code or codes.generate(prefix="7K3MQ9")
    credit = await issue_stall_code(
        brand,
        code=codes.normalise(code),
        amount=amount,
        currency="GBP",
        key=key,
        reason="stall trade-in",
        actor=ACTOR,
        now=utcnow(),
        expires_at=extra.pop("expires_at", None),  # type: ignore[arg-type]
        code_key=KEY,
    )
    return code, credit


async def test_a_stall_code_works_online_and_offline_from_its_balance(make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand.id
    code, credit_id = await stall_code(brand, 4_000, "trade-in-1")
    credit = await Credit.get(id=credit_id)
    assert credit.stall_issued and credit.code_hint == code[-4:]
    assert credit.offline_lookup == codes.offline_lookup(brand, codes.normalise(code))
    view = await service.look_up(brand, code, KEY, utcnow())  # online, by its keyed hash
    assert (view.balance.amount, view.held.amount) == (4_000, 0)
    event = uuid.uuid4()
    assert await redeem(brand, event, code, 1_500, "sale-1") == OfflineRedemption(redeemed=1_500, shortfall=0)
    assert await redeem(brand, event, code, 3_000, "sale-2", code_key=KEY) == OfflineRedemption(
        redeemed=2_500, shortfall=500
    )
    assert await books(credit_id) == (0, 0)
    assert (await Credit.get(id=credit_id)).status == "spent"
    # Redeemed as held and spent, so a void (a refund of what was redeemed) can give it back.
    await service.refund(brand, credit_id, 4_000, key="void", reason="void", actor=ACTOR)
    assert await books(credit_id) == (4_000, 0)


async def test_a_stall_code_with_an_event_hold_spends_the_hold_first(make_brand: MakeBrand) -> None:
    brand, event = (await make_brand()).brand.id, uuid.uuid4()
    code, credit = await stall_code(brand, 5_000, "trade-in-1")
    await event_holds.take_to_event(brand, event, credit, 2_000, key="take", actor=ACTOR, now=utcnow())
    assert await redeem(brand, event, code, 3_000, "sale") == OfflineRedemption(redeemed=3_000, shortfall=0)
    assert await books(credit) == (2_000, 0)
    assert (await event_holds.event_credit(brand, event, credit)).redeemed.amount == 2_000


async def test_issuing_a_stall_code_is_idempotent_and_a_taken_code_is_a_conflict(make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand.id
    code, credit = await stall_code(brand, 4_000, "trade-in-1")
    assert await stall_code(brand, 4_000, "trade-in-1", code=code) == (code, credit)
    assert await Credit.filter(brand_id=brand).count() == 1
    with pytest.raises(StallCodeTaken):
        await stall_code(brand, 4_000, "trade-in-2", code=code)
    other = (await make_brand()).brand.id
    with pytest.raises(StallCodeTaken):  # a code is unique across brands
        await stall_code(other, 4_000, "trade-in-1", code=code)
    with pytest.raises(IdempotencyKeyReused):  # the key issued a credit under another code
        await stall_code(brand, 4_000, "trade-in-1")
    with pytest.raises(IdempotencyKeyReused):
        await stall_code(brand, 5_000, "trade-in-1", code=code)
    typo = code[:-1] + ("X" if code[-1] != "X" else "Y")
    with pytest.raises(InvalidCreditCode):
        await stall_code(brand, 4_000, "trade-in-3", code=typo)
    expiring = await stall_code(brand, 1_000, "trade-in-4", expires_at=utcnow() + timedelta(days=90))
    assert (await CreditLot.get(credit_id=expiring[1])).expires_at is not None


async def test_a_stall_code_taken_inside_a_batch_leaves_the_batch_usable(make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand.id
    code, _ = await stall_code(brand, 4_000, "trade-in-1")
    async with in_transaction():
        with pytest.raises(StallCodeTaken):
            await stall_code(brand, 4_000, "trade-in-2", code=code)
        _, fresh = await stall_code(brand, 1_000, "trade-in-3")  # the batch goes on after the conflict
    assert await Credit.exists(id=fresh)
