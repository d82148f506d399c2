"""Store credit taken to a pop-up event, the events side: the event checked, then the credit ledger's stall work.

:mod:`storefront.credits.offline` holds the caps and redeems at sync; this module makes sure the
event is the brand's own (another brand's is as unknown as a made-up id) and still open, finds
the credit by its code (shape and check symbol checked before anything is read), and turns the
caps into the pack's :class:`~storefront.events.pack.PackCredit` lines, for the pack builder
(:func:`pack_credits`) and the sync answer's updates (:func:`credit_updates`).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from storefront.credits import (
    MAX_CREDIT_MINOR,
    EventCredit,
    OfflineCap,
    codes,
    event_holds,
    offline_cap_updates,
    offline_caps,
)
from storefront.credits import service as credits
from storefront.errors import Conflict
from storefront.events.models import Event
from storefront.events.pack import PackCredit
from storefront.events.service import event_of
from storefront.ids import Line

Code = Annotated[
    Line, msgspec.Meta(min_length=1, max_length=codes.MAX_INPUT, description="the credit code, as printed")
]
Cap = Annotated[
    int,
    msgspec.Meta(
        ge=1,
        le=MAX_CREDIT_MINOR,
        description="minor units the event's tills may take from the credit in all; left out: "
        f"{event_holds.DEFAULT_CAP_UNITS} whole units of its currency",
    ),
]


class EventCreditIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A credit to take to the event's stall, and its cap there (never more than the credit can spend)."""

    code: Code
    amount: Cap | None = None


async def _open_event(brand_id: uuid.UUID, event_id: uuid.UUID) -> Event:
    event = await event_of(brand_id, event_id)
    if event.status != "open":
        raise Conflict("this event is closed: its stall takes no more credit", errors=[])
    return event


async def take(
    brand_id: uuid.UUID,
    event_id: uuid.UUID,
    data: EventCreditIn,
    *,
    code_key: bytes,
    key: str,
    actor: str,
    now: datetime,
) -> EventCredit:
    """Hold the credit's cap for the event (a second call moves the cap): what its tills may take offline."""
    credits.parse_code(data.code, "body.code")  # a typo is a 422 before the event or the code is read
    event = await _open_event(brand_id, event_id)
    credit = await credits.credit_by_code(brand_id, data.code, code_key, "body.code")
    return await event_holds.take_to_event(brand_id, event.id, credit.id, data.amount, key=key, actor=actor, now=now)


async def release(
    brand_id: uuid.UUID, event_id: uuid.UUID, code: str, *, code_key: bytes, key: str | None, actor: str, now: datetime
) -> EventCredit:
    """Give the event's hold of the credit back (its tills hear the cap is 0); closed events too."""
    credits.parse_code(code)
    event = await event_of(brand_id, event_id)
    credit = await credits.credit_by_code(brand_id, code, code_key)
    return await event_holds.release_from_event(brand_id, event.id, credit.id, key=key, actor=actor, now=now)


def as_pack_credit(cap: OfflineCap) -> PackCredit:
    return PackCredit(lookup=cap.lookup, cap=cap.cap, currency=cap.currency, expires_at=cap.expires_at)


async def pack_credits(brand_id: uuid.UUID, event_id: uuid.UUID) -> list[PackCredit]:
    """The credits the event's tills may take offline, for the pack."""
    return [as_pack_credit(cap) for cap in await offline_caps(brand_id, event_id)]


async def credit_updates(brand_id: uuid.UUID, event_id: uuid.UUID, since: datetime) -> list[PackCredit]:
    """Caps set or changed at or after ``since`` (0: no longer offline), for a sync answer's updates."""
    return [as_pack_credit(cap) for cap in await offline_cap_updates(brand_id, event_id, since)]


def key_for(header: str | None, event_id: uuid.UUID) -> str | None:
    """The ledger key of a request's operation: its Idempotency-Key (hashed: any length fits), scoped to the event."""
    return f"api:event:{event_id}:{hashlib.sha256(header.encode()).hexdigest()}" if header else None
