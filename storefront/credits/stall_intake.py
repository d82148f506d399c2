"""A trade-in taken at a stall, offline: recorded as accepted, with its credit issued under the till's code.

The till valued the bag by the pack's rules and handed the shopper a code it minted under its
device mark; at sync the same code must then work online, so the credit is issued under it
(never a new one) and the trade-in is recorded as accepted with that quote, ready to be
refurbished into stock like one accepted at the desk. The caller applies each journal entry
once (its entry id is the guard); ``key`` also keys the credit's issue in the credit ledger.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import msgspec

from storefront.credits import codes, offline
from storefront.credits.models import Credit, TradeIn, TradeInStep
from storefront.credits.trade_in_rules import valuation_rules
from storefront.credits.trade_in_views import stored
from storefront.credits.valuation import Grade, Quote, SizeClass
from storefront.money import Money


class StallTradeIn(msgspec.Struct, frozen=True, kw_only=True):
    category: str
    size_class: SizeClass
    material: str
    grade: Grade
    own_brand: bool
    description: str
    amount: Money
    code: str  # as the till printed it (normalised or not)


class IntakeResult(msgspec.Struct, frozen=True, kw_only=True):
    trade_in_id: uuid.UUID
    credit_id: uuid.UUID | None  # None: the code was already another credit's, nothing was issued


async def code_taken(code: str, code_key: bytes) -> bool:
    """Whether ``code`` already belongs to a credit (of any brand: the hash is unique across them)."""
    return await Credit.exists(code_hash=codes.code_hash(code_key, codes.normalise(code)))


async def record_stall_trade_in(
    brand_id: uuid.UUID, data: StallTradeIn, *, key: str, actor: str, now: datetime, code_key: bytes
) -> IntakeResult:
    """The trade-in as accepted at ``now`` (the till's instant) and its credit under the till's code.

    Inside the caller's transaction. A code another credit already holds is not issued again
    (``credit_id`` None): the caller flags it for the merchant.
    """
    credit_id: uuid.UUID | None = None
    if not await code_taken(data.code, code_key):
        days = (await valuation_rules(brand_id)).credit_valid_days
        credit_id = await offline.issue_stall_code(
            brand_id,
            code=data.code,
            amount=data.amount.amount,
            currency=data.amount.currency,
            key=key,
            reason=f"stall trade-in {key}",
            actor=actor,
            now=now,
            expires_at=now + timedelta(days=days) if days is not None else None,
            code_key=code_key,
        )
    offered = Quote(amount=data.amount, valid_until=now, lines=[])
    row = await TradeIn.create(
        brand_id=brand_id,
        status="accepted",
        category=data.category,
        size_class=data.size_class,
        material=data.material,
        quoted_grade=data.grade,
        grade=data.grade,
        own_brand=data.own_brand,
        description=data.description,
        first_quote=stored(offered),
        quote=stored(offered),
        valid_until=now,
        credit_id=credit_id,
        received_at=now,
        accepted_at=now,
        created_at=now,
        updated_at=now,
    )
    await TradeInStep.create(
        trade_in_id=row.id, to_status="accepted", grade=data.grade, actor=actor, at=now, quote=stored(offered)
    )
    return IntakeResult(trade_in_id=row.id, credit_id=credit_id)
