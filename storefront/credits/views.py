"""What the ledger's rows look like to callers: credits, entries and operations as schemas (no queries)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from storefront.credits import ledger, rules
from storefront.credits.models import Credit, CreditEntry, CreditLot
from storefront.credits.schemas import CreditOut, EntryOut, LotOut, Movement
from storefront.money import Money


def credit_out(credit: Credit, lots: Sequence[CreditLot], now: datetime) -> CreditOut:
    currency = credit.currency
    live = [lot for lot in ledger.as_rules(lots) if rules.live(lot, now) and lot.remaining > 0]
    ordered = rules.spend_order(live)
    return CreditOut(
        id=credit.id,
        status=cast("rules.Status", credit.status),
        balance=Money(amount=sum(lot.remaining for lot in live), currency=currency),
        held=Money(amount=sum(lot.held_minor for lot in lots), currency=currency),
        lots=[
            LotOut(remaining=Money(amount=lot.remaining, currency=currency), expires_at=lot.expires_at)
            for lot in ordered
        ],
        expires_at=next((lot.expires_at for lot in ordered if lot.expires_at is not None), None),
        created_at=credit.created_at,
    )


def entry_out(entry: CreditEntry, currency: str) -> EntryOut:
    return EntryOut(
        id=entry.id,
        kind=cast("rules.EntryKind", entry.kind),
        amount=Money(amount=entry.amount_minor, currency=currency),
        held=Money(amount=entry.held_minor, currency=currency),
        lot=entry.lot_id,
        reason=entry.reason,
        actor=entry.actor,
        created_at=entry.created_at,
    )


def movement(credit: Credit, kind: rules.EntryKind, entries: Sequence[CreditEntry], *, replayed: bool) -> Movement:
    currency = credit.currency
    return Movement(
        kind=kind,
        credit_id=credit.id,
        amount=Money(amount=sum(e.amount_minor for e in entries), currency=currency),
        held=Money(amount=sum(e.held_minor for e in entries), currency=currency),
        entries=[entry_out(e, currency) for e in entries],
        replayed=replayed,
    )
