"""Store credit at sync: a stall's credit tenders redeemed, and the codes a stall issued offline.

Each credit tender of a stall sale is :func:`redeem_offline`: a **part** of the event's hold
(:mod:`storefront.credits.event_holds`) is redeemed, the rest staying held for the event; then,
for a code a stall issued itself (it has no event hold), what its balance can pay; what neither
covers is the shortfall, which the caller records for the merchant. A completed stall sale is
never refused: nothing here raises for one. Every operation nests in the caller's transaction (the
sync applies a batch in one) and locks the credit row as the ledger does (``FOR UPDATE`` on
PostgreSQL; SQLite serialises writers), so concurrent redemptions of one code take turns and
never overspend.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from storefront.credits import codes, ledger, rules, service
from storefront.credits.event_holds import hold_key, save_hold
from storefront.credits.models import Credit, EventHold, StallRedemption
from storefront.errors import Conflict, FieldError, InvalidInput
from storefront.money import Money


class OfflineRedemption(msgspec.Struct, frozen=True, kw_only=True):
    """A stall's credit tender at sync: what the credit covered and what the stall took on trust."""

    redeemed: int
    shortfall: int  # never below zero


class StallCodeTaken(Conflict):
    code = "credit_code_taken"
    title = "This credit code belongs to another credit"


async def _credit_for(brand_id: uuid.UUID, code: str, code_key: bytes | None) -> Credit | None:
    """The brand's credit with this code: by its keyed hash where the key is given, else its offline lookup."""
    try:
        normalised = codes.parse(code)
    except codes.BadCode:
        return None
    if code_key is not None:
        return await Credit.get_or_none(brand_id=brand_id, code_hash=codes.code_hash(code_key, normalised))
    return await Credit.get_or_none(brand_id=brand_id, offline_lookup=codes.offline_lookup(brand_id, normalised))


def _answered(prior: StallRedemption, event_id: uuid.UUID, amount: int, currency: str, key: str) -> OfflineRedemption:
    if (prior.event_id, prior.amount_minor, prior.currency) != (event_id, amount, currency):
        raise service.reused(key)
    return OfflineRedemption(redeemed=prior.redeemed_minor, shortfall=prior.shortfall_minor)


async def _redeem_locked(
    credit: Credit, event_id: uuid.UUID, amount: int, *, key: str, reason: str, actor: str, now: datetime
) -> int:
    """Redeem up to ``amount`` from the locked credit: the event's hold first, then a stall code's balance."""
    running = hold_key(event_id, credit.id)
    lots = await ledger.lots_of(credit.id)
    held = await ledger.held_under(credit.brand_id, running)
    from_hold = min(amount, sum(held.values()))
    spendable = rules.spendable(ledger.as_rules(lots), now)
    from_balance = min(amount - from_hold, spendable) if credit.stall_issued else 0
    if from_hold + from_balance == 0:
        return 0
    writer = ledger.Writer(credit, "redeem", key, reason=reason, actor=actor)
    if from_hold:
        writer.settle_part(lots, held, from_hold, hold_key=running, release=False)
    if from_balance:
        # Held and spent in one go, so a redemption is always a held amount spent (what refunds count).
        by_id = {lot.id: lot for lot in lots}
        for lot_id, take in rules.plan_spend(ledger.as_rules(lots), from_balance, now):
            writer.move(by_id[lot_id], -take, take, kind="hold")
            writer.move(by_id[lot_id], 0, -take)
    await writer.finish(lots)
    if from_hold:
        hold = await EventHold.get(event_id=event_id, credit_id=credit.id)
        await save_hold(hold, held_minor=hold.held_minor - from_hold, redeemed_minor=hold.redeemed_minor + from_hold)
    return from_hold + from_balance


async def redeem_offline(
    brand_id: uuid.UUID,
    *,
    event_id: uuid.UUID,
    code: str,
    amount: int,
    currency: str,
    key: str,
    reason: str,
    actor: str,
    now: datetime,
    code_key: bytes | None = None,
) -> OfflineRedemption:
    """Redeem ``amount`` of a code a stall took: from the event's hold, then (a stall's own code) its balance.

    Never raises for a sale: an unknown or mistyped code, another currency or too little credit
    redeem what they can (perhaps nothing) and answer the rest as ``shortfall``. Idempotent by
    ``key``: the answer is kept, so the same key again writes nothing and answers the same
    (the same key for another redemption is a 409). ``code_key``: find the credit by its keyed
    hash, as online; without it, by its offline lookup (the same credit for every code minted
    since lookups exist).
    """
    if amount < 0:
        raise InvalidInput("a stall cannot redeem a negative amount", errors=[FieldError("amount", "at least 0")])
    prior = await StallRedemption.get_or_none(brand_id=brand_id, idempotency_key=key)
    if prior is not None:
        return _answered(prior, event_id, amount, currency, key)
    credit = await _credit_for(brand_id, code, code_key)
    try:
        async with in_transaction():
            redeemed = 0
            if credit is not None and credit.currency == currency and amount > 0:
                locked = await service.locked(brand_id, credit.id)
                redeemed = await _redeem_locked(locked, event_id, amount, key=key, reason=reason, actor=actor, now=now)
            await StallRedemption.create(
                brand_id=brand_id,
                event_id=event_id,
                credit_id=credit.id if credit else None,
                idempotency_key=key,
                currency=currency,
                amount_minor=amount,
                redeemed_minor=redeemed,
                shortfall_minor=amount - redeemed,
                created_at=now,
            )
    except IntegrityError:  # a twin under the same key redeemed first: answer what it did
        prior = await StallRedemption.get_or_none(brand_id=brand_id, idempotency_key=key)
        if prior is None:
            raise
        return _answered(prior, event_id, amount, currency, key)
    return OfflineRedemption(redeemed=redeemed, shortfall=amount - redeemed)


async def issue_stall_code(
    brand_id: uuid.UUID,
    *,
    code: str,
    amount: int,
    currency: str,
    key: str,
    reason: str,
    actor: str,
    now: datetime,
    expires_at: datetime | None,
    code_key: bytes,
) -> uuid.UUID:
    """Issue a credit under a code a stall's till minted offline; the credit's id.

    It is stored as every code is (keyed hash, hint, offline lookup), marked as a stall's own, so
    it works online at once and a stall may spend it from its balance. Idempotent by ``key`` (the
    same key for another issue is a 409); a code another credit already has is a 409
    ``credit_code_taken`` (the caller records a conflict), a code with a typing mistake or an expiry
    already past a 422. ``code_key`` is one keyword beyond the agreed signature: the keyed hash the
    code is found by online cannot be made without it.
    """
    normalised = service.parse_code(code, "code")
    try:
        _, credit, _ = await service.issue(
            brand_id,
            Money(amount=amount, currency=currency),
            key=key,
            reason=reason,
            actor=actor,
            code_key=code_key,
            now=now,
            expires_at=expires_at,
            code=normalised,
        )
    except IntegrityError:  # not a replay (the service reads those back): the code is another credit's
        raise StallCodeTaken(
            f"the code ending {codes.display_hint(normalised)} already belongs to another credit",
            errors=[FieldError("code", "already another credit's")],
        ) from None
    if not codes.same_hash(credit.code_hash, codes.code_hash(code_key, normalised)):
        raise service.reused(key)  # the key issued a credit under another code
    return credit.id
