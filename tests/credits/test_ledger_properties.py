"""Property: whatever happens to a credit, in any order, its books balance (real database).

Hypothesis draws sequences of holds, releases, redemptions, refunds, adjustments, expiries,
replays of earlier operations, holds raced against their own retry (the same key, at the same
moment) and new credits issued twice at once. After every step: each lot's cache equals its entries' sums,
nothing is negative, what is held or redeemed never exceeds what was put in, and a replayed
operation wrote nothing.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storefront.clock import utcnow
from storefront.credits import CreditEntry, CreditInsufficient, CreditLot, service
from storefront.errors import Conflict, InvalidInput
from storefront.money import Money
from tests.conftest import MakeBrand
from tests.credits.conftest import ACTOR, KEY, issue, refill

Step = tuple[str, int]
steps = st.lists(
    st.one_of(
        st.tuples(st.just("hold"), st.integers(1, 700)),
        st.tuples(st.just("release"), st.integers(0, 20)),
        st.tuples(st.just("redeem"), st.integers(0, 20)),
        st.tuples(st.just("refund"), st.integers(1, 400)),
        st.tuples(st.just("adjust"), st.integers(-500, 500)),
        st.tuples(st.just("lot"), st.integers(1, 400)),
        st.tuples(st.just("time"), st.integers(1, 20)),
        st.tuples(st.just("replay"), st.integers(0, 20)),
        st.tuples(st.just("race"), st.integers(1, 700)),
        st.tuples(st.just("issue"), st.integers(1, 5000)),
    ),
    min_size=1,
    max_size=14,
)


async def issue_once(brand: uuid.UUID, amount: int, now: Any, key: str) -> tuple[str | None, uuid.UUID]:
    code, credit, _ = await service.issue(
        brand, Money(amount=amount, currency="GBP"), key=key, reason="trade-in", actor=ACTOR, code_key=KEY, now=now
    )
    return code, credit.id


async def _check_books(credit_id: uuid.UUID) -> tuple[int, int]:
    entries = await CreditEntry.filter(credit_id=credit_id)
    lots = await CreditLot.filter(credit_id=credit_id)
    for lot in lots:
        mine = [e for e in entries if e.lot_id == lot.id]
        assert lot.remaining_minor == sum(e.amount_minor for e in mine) >= 0
        assert lot.held_minor == sum(e.held_minor for e in mine) >= 0
    put_in = sum(
        e.amount_minor for e in entries if e.kind in ("issue", "refund") or (e.kind == "adjust" and e.amount_minor > 0)
    )
    held_now = sum(lot.held_minor for lot in lots)
    redeemed = -sum(e.held_minor for e in entries if e.kind == "redeem")
    assert held_now + redeemed <= put_in
    return sum(lot.remaining_minor for lot in lots), held_now


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps)
async def test_credit_books_balance_whatever_happens(plan: list[Step], make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand.id
    now = utcnow()
    _, credit = await issue(brand, 1000, now, expires_at=now + timedelta(days=5))
    holds: list[str] = []
    done: list[tuple[str, dict[str, Any]]] = []  # (operation, its arguments) to replay

    async def run(op: str, args: dict[str, Any]) -> Any:
        if op == "hold":
            return await service.hold(brand, credit, now=now, reason="cart", actor=ACTOR, **args)
        if op in ("release", "redeem"):
            return await getattr(service, op)(brand, reason=op, actor=ACTOR, **args)
        if op == "refund":
            return await service.refund(brand, credit, reason="returned", actor=ACTOR, **args)
        return await service.adjust(brand, credit, now=now, reason="count", actor=ACTOR, **args)

    for action, n in plan:
        args: dict[str, Any]
        if action == "time":
            now += timedelta(days=n)
            await service.expire_due(now)
            continue
        if action == "lot":
            await refill(brand, credit, n, now, now + timedelta(days=n % 7 + 1) if n % 2 else None)
            continue
        if action == "race":  # a hold and its retry at the same moment, under one key: it happens once
            key = f"race{len(done)}-{uuid.uuid4().hex[:6]}"
            before = await CreditEntry.filter(credit_id=credit).count()
            outcomes = await asyncio.gather(
                *(run("hold", {"amount": n, "key": key}) for _ in range(2)), return_exceptions=True
            )
            if all(isinstance(o, CreditInsufficient) for o in outcomes):
                assert await CreditEntry.filter(credit_id=credit).count() == before
                continue
            assert sorted(o.replayed for o in outcomes) == [False, True], outcomes  # type: ignore[union-attr]
            holds.append(key)
            done.append(("hold", {"amount": n, "key": key}))
            await _check_books(credit)
            continue
        if action == "issue":  # another credit, issued twice at once under one key: one credit, one code shown
            key = f"issue{len(done)}-{uuid.uuid4().hex[:6]}"
            answers = await asyncio.gather(*(issue_once(brand, n, now, key) for _ in range(2)))
            assert sorted(code is None for code, _ in answers) == [False, True]
            assert answers[0][1] == answers[1][1]
            assert await _check_books(answers[0][1]) == (n, 0)
            continue
        if action == "replay":
            if not done:
                continue
            op, args = done[n % len(done)]
            before = await CreditEntry.filter(credit_id=credit).count()
            try:
                assert (await run(op, args)).replayed
            except Conflict:  # a settled hold's other settlement: refused, not replayed
                assert op in ("release", "redeem")
            assert await CreditEntry.filter(credit_id=credit).count() == before
            continue
        key = f"k{len(done)}-{uuid.uuid4().hex[:6]}"
        if action == "hold":
            args = {"amount": n, "key": key}
        elif action in ("release", "redeem"):
            if not holds:
                continue
            args = {"hold_key": holds[n % len(holds)], "key": key}
        elif action == "refund":
            args = {"amount": n, "key": key}
        else:
            if n == 0:
                continue
            args = {"delta": n, "key": key}
        before = await CreditEntry.filter(credit_id=credit).count()
        try:
            await run(action, args)
        except (CreditInsufficient, InvalidInput, Conflict):
            assert await CreditEntry.filter(credit_id=credit).count() == before  # refused, and wrote nothing
            continue
        if action == "hold":
            holds.append(key)
        done.append((action, args))
        balance, held = await _check_books(credit)
        assert balance >= 0 and held >= 0
    await _check_books(credit)
