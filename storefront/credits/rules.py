"""Pure ledger rules: which lots a spend takes from, and what a credit's status is (no I/O, clock injected)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

EntryKind = Literal["issue", "hold", "release", "redeem", "refund", "expire", "adjust"]
ENTRY_KINDS: tuple[EntryKind, ...] = ("issue", "hold", "release", "redeem", "refund", "expire", "adjust")
Status = Literal["active", "spent", "expired"]
# The most one credit may carry: far beyond any bag, well inside int64 when summed.
MAX_CREDIT_MINOR = 10**10
_NEVER = datetime.max.replace(tzinfo=UTC)  # sorts lots that never expire after every dated one


@dataclass(frozen=True, slots=True)
class Lot:
    """One lot as the rules see it: what can be spent from it, and until when."""

    id: uuid.UUID
    remaining: int
    held: int
    expires_at: datetime | None


class Shortfall(ValueError):
    """A spend asks for more than the credit's unexpired lots hold."""

    def __init__(self, wanted: int, available: int) -> None:
        self.wanted = wanted
        self.available = available
        super().__init__(f"only {available} left to spend; {wanted} was asked for")


def live(lot: Lot, now: datetime) -> bool:
    """A lot can be spent until its expiry (an instant: at it, the lot has expired)."""
    return lot.expires_at is None or lot.expires_at > now


def spendable(lots: Sequence[Lot], now: datetime) -> int:
    return sum(lot.remaining for lot in lots if live(lot, now))


def spend_order(lots: Sequence[Lot]) -> list[Lot]:
    """Soonest-expiring first, so the shopper loses as little as possible; lots that never expire last."""
    return sorted(lots, key=lambda lot: (lot.expires_at is None, lot.expires_at or _NEVER, lot.id))


def plan_spend(lots: Sequence[Lot], amount: int, now: datetime) -> list[tuple[uuid.UUID, int]]:
    """How much to take from which lot for a spend of ``amount``: all of it, or :class:`Shortfall`."""
    available = spendable(lots, now)
    if amount > available:
        raise Shortfall(amount, available)
    plan: list[tuple[uuid.UUID, int]] = []
    wanted = amount
    for lot in spend_order([lot for lot in lots if live(lot, now) and lot.remaining > 0]):
        if wanted == 0:
            break
        take = min(wanted, lot.remaining)
        plan.append((lot.id, take))
        wanted -= take
    return plan


def plan_settle(lots: Sequence[Lot], held: Mapping[uuid.UUID, int], amount: int) -> list[tuple[uuid.UUID, int]]:
    """How much of a running hold to settle in which lot (``held``: what the hold holds in each).

    Soonest-expiring lots first, as a spend takes them, so what stays held is the money that
    lasts longest. All of ``amount``, or :class:`Shortfall`.
    """
    available = sum(held.get(lot.id, 0) for lot in lots)
    if amount > available:
        raise Shortfall(amount, available)
    plan: list[tuple[uuid.UUID, int]] = []
    wanted = amount
    for lot in spend_order([lot for lot in lots if held.get(lot.id, 0) > 0]):
        if wanted == 0:
            break
        take = min(wanted, held[lot.id], lot.held)
        plan.append((lot.id, take))
        wanted -= take
    if wanted:
        raise Shortfall(amount, amount - wanted)  # a hold claims more than its lots hold: the books disagree
    return plan


def status_of(lots: Sequence[Lot], last_kind: EntryKind) -> Status:
    """Active while anything is left or held; once nothing is, expired if expiry took the last of it."""
    if any(lot.remaining > 0 or lot.held > 0 for lot in lots):
        return "active"
    return "expired" if last_kind == "expire" else "spent"


def amount_problem(amount: int) -> str | None:
    if amount < 1:
        return "must be at least 1 minor unit"
    if amount > MAX_CREDIT_MINOR:
        return f"must be at most {MAX_CREDIT_MINOR} minor units"
    return None
