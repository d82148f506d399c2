"""The credit ledger: the only code that writes credit entries and moves lots.

Every change is an append-only :class:`CreditEntry` per lot it touches, with the lot's cached
``remaining_minor``/``held_minor`` moved in the same transaction (the caller's). The credit row is
locked first (``FOR UPDATE`` on PostgreSQL; SQLite serialises writers), so two checkouts racing to
hold the same credit take turns and the second sees what the first left: nothing is spent twice
and no lot goes below zero.

An operation is written under one idempotency key (unique per brand with the entry's ``seq``), and
:func:`replayed` reads back what an earlier call with that key wrote, which the service answers
instead of writing again.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from storefront.credits import rules
from storefront.credits.models import Credit, CreditEntry, CreditLot


async def locked_credit(brand_id: uuid.UUID, credit_id: uuid.UUID) -> Credit | None:
    """The brand's credit, locked for the rest of the caller's transaction."""
    return await Credit.filter(brand_id=brand_id, id=credit_id).select_for_update().first()


async def lots_of(credit_id: uuid.UUID) -> list[CreditLot]:
    return await CreditLot.filter(credit_id=credit_id).order_by("id")


def as_rules(lots: Sequence[CreditLot]) -> list[rules.Lot]:
    return [
        rules.Lot(id=lot.id, remaining=lot.remaining_minor, held=lot.held_minor, expires_at=lot.expires_at)
        for lot in lots
    ]


async def replayed(brand_id: uuid.UUID, key: str) -> list[CreditEntry]:
    """The entries an operation with this key wrote, in order (empty: it never ran)."""
    return await CreditEntry.filter(brand_id=brand_id, idempotency_key=key).order_by("seq")


class Writer:
    """Appends one operation's entries, numbering them, and keeps the lots and the credit's status in step."""

    def __init__(self, credit: Credit, kind: rules.EntryKind, key: str, *, reason: str, actor: str) -> None:
        self.credit = credit
        self.kind = kind
        self.key = key
        self.reason = reason
        self.actor = actor
        self.entries: list[CreditEntry] = []
        self.new_lots: list[CreditLot] = []

    async def move(self, lot: CreditLot, amount: int, held: int = 0, *, hold_key: str = "") -> None:
        lot.remaining_minor += amount
        lot.held_minor += held
        if lot.remaining_minor < 0 or lot.held_minor < 0:
            raise RuntimeError("a lot never goes below zero: the service checks before it moves")
        await lot.save(update_fields=["remaining_minor", "held_minor"])
        entry = await CreditEntry.create(
            brand_id=self.credit.brand_id,
            credit_id=self.credit.id,
            lot_id=lot.id,
            kind=self.kind,
            amount_minor=amount,
            held_minor=held,
            idempotency_key=self.key,
            seq=len(self.entries),
            hold_key=hold_key,
            reason=self.reason,
            actor=self.actor,
        )
        self.entries.append(entry)

    async def new_lot(self, amount: int, expires_at: datetime | None) -> None:
        lot = await CreditLot.create(
            credit_id=self.credit.id, amount_minor=amount, remaining_minor=0, held_minor=0, expires_at=expires_at
        )
        self.new_lots.append(lot)
        await self.move(lot, amount)

    async def spend(self, lots: Sequence[CreditLot], amount: int, now: datetime, *, hold: bool) -> None:
        """Take ``amount`` from the soonest-expiring live lots: held for a checkout, or gone (an adjustment).

        Raises :class:`rules.Shortfall` before writing anything if the lots hold too little.
        """
        by_id = {lot.id: lot for lot in lots}
        for lot_id, take in rules.plan_spend(as_rules(lots), amount, now):
            await self.move(by_id[lot_id], -take, take if hold else 0)

    async def finish(self, lots: Sequence[CreditLot]) -> list[CreditEntry]:
        """Keep the credit's status in step; ``lots`` are all its lots as read under the lock (moved in place)."""
        status = rules.status_of(as_rules([*lots, *self.new_lots]), self.kind)
        if status != self.credit.status:
            self.credit.status = status
            await self.credit.save(update_fields=["status"])
        return self.entries
