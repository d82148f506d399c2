"""The credits API: what comes in (``*In``, strict) and what goes out (``*Out``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from storefront.credits.rules import MAX_CREDIT_MINOR, EntryKind, Status
from storefront.credits.valuation import ValuationRules
from storefront.ids import Line
from storefront.money import CurrencyCode, Money

Reason = Annotated[Line, msgspec.Meta(min_length=1, max_length=200, description="why, in words staff will read later")]
Instant = Annotated[datetime, msgspec.Meta(tz=True, description="ISO 8601 with a UTC offset")]


class AmountIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    amount: Annotated[int, msgspec.Meta(ge=1, le=MAX_CREDIT_MINOR, description="minor units")]
    currency: CurrencyCode


class CreditIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A goodwill or refund credit, in the brand's currency; ``expires_at`` left out: it never expires."""

    amount: AmountIn
    reason: Reason
    expires_at: Instant | None = None


class LotOut(msgspec.Struct, frozen=True, kw_only=True):
    remaining: Money
    expires_at: datetime | None


class CreditOut(msgspec.Struct, frozen=True, kw_only=True):
    """A credit's balance: ``balance`` can be spent now, ``held`` is set aside by checkouts not yet paid.

    A lot past its expiry counts for nothing here even before the expiry job has emptied it.
    """

    id: uuid.UUID
    status: Status
    balance: Money
    held: Money
    lots: list[LotOut]
    expires_at: Annotated[datetime | None, msgspec.Meta(description="when the next lot with money left expires")]
    created_at: datetime


class IssuedCredit(msgspec.Struct, frozen=True, kw_only=True):
    """A new credit. ``code`` is shown here and never again (only a keyed hash of it is kept)."""

    code: Annotated[
        str | None, msgspec.Meta(description="null when this answers a replay of an issue already answered")
    ]
    credit: CreditOut


class EntryOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    kind: EntryKind
    amount: Annotated[Money, msgspec.Meta(description="signed change to what can be spent")]
    held: Annotated[Money, msgspec.Meta(description="signed change to what is held by checkouts")]
    lot: uuid.UUID
    reason: str
    actor: str
    created_at: datetime


class Movement(msgspec.Struct, frozen=True, kw_only=True):
    """What one ledger operation did: its entries, and whether this call only read them back."""

    kind: EntryKind
    credit_id: uuid.UUID
    amount: Money
    held: Money
    entries: list[EntryOut]
    replayed: bool = False


class TradeInRulesOut(msgspec.Struct, frozen=True, kw_only=True):
    """The brand's trade-in rules. ``is_default``: the brand has set none, and these are the defaults."""

    rules: ValuationRules
    is_default: bool
    updated_at: datetime | None = None
