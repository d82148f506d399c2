"""What store credit and trade-ins add up to for a brand, in SQL: the figures a merchant's books need.

Credit outstanding is a liability: money the brand owes shoppers in kind. It is what unexpired
lots can still pay plus what checkouts hold, read from the lots' cached balances (a sum over the
brand's lots, one statement); the ledger's totals by kind are one GROUP BY over the brand's entries
(seven rows at most). Nothing is loaded row by row into Python.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec
from tortoise.expressions import Q
from tortoise.functions import Sum

from storefront.credits.models import CreditEntry, CreditLot, TradeIn
from storefront.sql import sum_of

ACCEPTED = ("accepted", "listed")


class CreditFigures(msgspec.Struct, frozen=True, kw_only=True):
    """Minor units of the brand's currency; counts of trade-ins."""

    trade_ins_received: int  # bags in hand at some point: received, and whatever followed
    trade_ins_accepted: int
    accepted_value: int  # credit issued for accepted trade-ins
    issued: int  # every credit's issue (trade-ins, goodwill, store-credit refunds)
    redeemed: int  # spent on orders
    refunded: int  # put back onto credit by returns
    expired: int
    outstanding: int  # spendable now plus held by checkouts: the liability


async def figures(brand_id: uuid.UUID, now: datetime) -> CreditFigures:
    by_kind: dict[str, tuple[int, int]] = {}
    rows = await (
        CreditEntry.filter(brand_id=brand_id)
        .annotate(amount=Sum("amount_minor"), held=Sum("held_minor"))
        .group_by("kind")
        .values_list("kind", "amount", "held")
    )
    for kind, amount, held in rows:
        by_kind[str(kind)] = (int(amount or 0), int(held or 0))
    live = CreditLot.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now), credit__brand_id=brand_id)
    held = CreditLot.filter(credit__brand_id=brand_id)
    outstanding = await sum_of(live, "remaining_minor", per="credit__brand_id")
    outstanding += await sum_of(held, "held_minor", per="credit__brand_id")
    accepted = CreditEntry.filter(brand_id=brand_id, kind="issue", credit__trade_ins__status__in=ACCEPTED)
    return CreditFigures(
        trade_ins_received=await TradeIn.filter(brand_id=brand_id, received_at__isnull=False).count(),
        trade_ins_accepted=await TradeIn.filter(brand_id=brand_id, status__in=ACCEPTED).count(),
        accepted_value=await sum_of(accepted, "amount_minor", per="brand_id"),
        issued=by_kind.get("issue", (0, 0))[0],
        redeemed=-by_kind.get("redeem", (0, 0))[1],
        refunded=by_kind.get("refund", (0, 0))[0],
        expired=-by_kind.get("expire", (0, 0))[0],
        outstanding=outstanding,
    )
