"""Store credit taken to a pop-up event: its cap held on the server, moved, released, and listed for the pack.

A till has no network, so it can only take an online credit up to a cap the server set aside for
the event beforehand (DESIGN 9.4). Taking a credit to an event **holds** the cap under the running
hold key ``event:<event id>:<credit id>``: held lots are not spendable, so an online checkout can
only use the balance less the hold. Every entry that moves the hold carries that key, and
:class:`EventHold` caches what it holds (its entries' sum, moved in the same transaction under the
credit's lock) and the event's cap: what the event's tills may take in all, held now plus what
stall sales already redeemed from it. A till subtracts what it took itself, so a cap never shrinks
as sales sync; 0 means no longer offline.

Only credits minted with an offline lookup (``Credit.offline_lookup``, stored by every issue from
this version on) can go offline: a credit minted before has none, and a till could not find it.

The default cap, when the caller names none, is :data:`DEFAULT_CAP_UNITS` whole units of the
credit's currency (an event-level setting belongs to the events domain; this is its fallback).
What an event still holds is released by :func:`release_event_holds` once no till can spend it:
the events domain calls it when the event's packs have expired (at its close if they already have,
else from housekeeping), since a sale synced after its hold was released finds nothing held (its
redemption is then all shortfall). Redemption at sync is :mod:`storefront.credits.offline`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from storefront.clock import utcnow
from storefront.credits import ledger, rules, service
from storefront.credits.models import Credit, CreditEntry, CreditLot, EventHold
from storefront.errors import Conflict, FieldError, NotFound, raise_field_errors
from storefront.money import Money, exponent

DEFAULT_CAP_UNITS = 100  # whole units of the credit's currency a stall may take, unless the caller says
CLOSE_ACTOR = "system:event-close"


class OfflineCap(msgspec.Struct, frozen=True, kw_only=True):
    """What an event's tills may take from one credit offline, found by the code's offline lookup."""

    lookup: str
    cap: int  # minor units, in all for the event; 0: no longer offline
    currency: str
    expires_at: datetime | None = None  # the soonest expiry of the lots the hold draws on


class EventCredit(msgspec.Struct, frozen=True, kw_only=True):
    """A credit as taken to one event: its cap, what is held now and what stall sales redeemed."""

    event_id: uuid.UUID
    credit_id: uuid.UUID
    hint: str
    cap: Money
    held: Money
    redeemed: Money
    expires_at: datetime | None


class CreditNotOffline(Conflict):
    code = "credit_not_offline"
    title = "This credit cannot be taken offline"


def hold_key(event_id: uuid.UUID, credit_id: uuid.UUID) -> str:
    """The key every entry moving the event's hold of the credit carries (never an operation's own key)."""
    return f"event:{event_id}:{credit_id}"


def default_cap(currency: str) -> int:
    """In whole units, so a yen credit is not capped at a hundredth of a euro one's worth."""
    return DEFAULT_CAP_UNITS * int(10 ** exponent(currency))


def _view(credit: Credit, hold: EventHold | None, event_id: uuid.UUID) -> EventCredit:
    def money(amount: int) -> Money:
        return Money(amount=amount, currency=credit.currency)

    return EventCredit(
        event_id=event_id,
        credit_id=credit.id,
        hint=credit.code_hint,
        cap=money(hold.cap_minor if hold else 0),
        held=money(hold.held_minor if hold else 0),
        redeemed=money(hold.redeemed_minor if hold else 0),
        expires_at=hold.expires_at if hold else None,
    )


def _soonest_expiry(lots: Sequence[CreditLot], held: dict[uuid.UUID, int]) -> datetime | None:
    """When the first lot the hold draws on expires: the till's cap is good until then (None: never)."""
    expiries = [lot.expires_at for lot in lots if held.get(lot.id, 0) > 0 and lot.expires_at is not None]
    return min(expiries, default=None)


def _after(held: dict[uuid.UUID, int], entries: Sequence[CreditEntry]) -> dict[uuid.UUID, int]:
    """What the hold holds in each lot once ``entries`` are written."""
    after = dict(held)
    for entry in entries:
        after[entry.lot_id] = after.get(entry.lot_id, 0) + entry.held_minor
    return after


async def save_hold(hold: EventHold | None, **values: Any) -> EventHold:
    """Write the hold's cache row (made on first use) in the caller's transaction, under the credit's lock."""
    if hold is None:
        return await EventHold.create(**values)
    for name, value in values.items():
        setattr(hold, name, value)
    await hold.save(update_fields=[name for name in values if name not in ("brand_id", "event_id", "credit_id")])
    return hold


async def _replay(brand_id: uuid.UUID, event_id: uuid.UUID, credit_id: uuid.UUID, key: str) -> EventCredit | None:
    """The event's hold as it stands if an operation under ``key`` moved it already; 409 if it moved another."""
    prior = await ledger.replayed(brand_id, key)
    if not prior:
        return None
    if prior[0].credit_id != credit_id or prior[0].hold_key != hold_key(event_id, credit_id):
        raise service.reused(key)
    credit = await Credit.get(id=credit_id)
    return _view(credit, await EventHold.get_or_none(event_id=event_id, credit_id=credit_id), event_id)


async def take_to_event(
    brand_id: uuid.UUID,
    event_id: uuid.UUID,
    credit_id: uuid.UUID,
    cap: int | None,
    *,
    key: str,
    actor: str,
    now: datetime,
    reason: str = "taken to a pop-up event",
) -> EventCredit:
    """Set the event's cap on the credit to ``cap`` (None: the default), holding what it needs now.

    The hold becomes min(cap less what stall sales already redeemed from it, what the credit can
    spend now plus what it already holds for the event): a first call holds, a second one tops the
    hold up or gives part of it back, in one transaction under the credit's lock. The same ``key``
    again answers the hold as it stands and moves nothing. A credit with nothing left to hold is a
    409 ``credit_insufficient``; one minted before offline lookups a 409 ``credit_not_offline``.
    """
    if cap is not None:
        problem = rules.amount_problem(cap)
        if problem:
            raise_field_errors([FieldError("body.amount", problem)])
    replay = await _replay(brand_id, event_id, credit_id, key)
    if replay is not None:
        return replay
    running = hold_key(event_id, credit_id)
    try:
        async with in_transaction():
            credit = await service.locked(brand_id, credit_id)
            if credit.offline_lookup is None:
                raise CreditNotOffline(
                    "this credit was issued before codes could go offline: spend it online",
                    errors=[FieldError("body.code", "cannot go offline")],
                )
            lots = await ledger.lots_of(credit_id)
            hold = await EventHold.get_or_none(event_id=event_id, credit_id=credit_id)
            held = await ledger.held_under(brand_id, running)
            held_now, redeemed = sum(held.values()), hold.redeemed_minor if hold else 0
            wanted = default_cap(credit.currency) if cap is None else cap
            spendable = rules.spendable(ledger.as_rules(lots), now)
            target = max(0, min(wanted - redeemed, held_now + spendable))
            if target + redeemed == 0:
                raise service.CreditInsufficient(
                    "this credit has nothing left to take to the stall",
                    errors=[FieldError("body.code", "nothing left to spend")],
                    extensions={"available": 0},
                )
            entries: list[CreditEntry] = []
            if target != held_now:
                writer = ledger.Writer(
                    credit, "hold" if target > held_now else "release", key, reason=reason, actor=actor
                )
                if target > held_now:
                    writer.spend(lots, target - held_now, now, hold=True, hold_key=running)
                else:
                    writer.settle_part(lots, held, held_now - target, hold_key=running, release=True)
                entries = await writer.finish(lots)
            hold = await save_hold(
                hold,
                brand_id=brand_id,
                event_id=event_id,
                credit_id=credit_id,
                cap_minor=target + redeemed,
                held_minor=target,
                redeemed_minor=redeemed,
                expires_at=_soonest_expiry(lots, _after(held, entries)),
                changes=(hold.changes if hold else 0) + 1,
                updated_at=now,
            )
    except IntegrityError:  # a twin under the same key wrote first
        replay = await _replay(brand_id, event_id, credit_id, key)
        if replay is None:
            raise
        return replay
    return _view(credit, hold, event_id)


async def release_from_event(
    brand_id: uuid.UUID,
    event_id: uuid.UUID,
    credit_id: uuid.UUID,
    *,
    actor: str,
    now: datetime,
    key: str | None = None,
    reason: str = "no longer taken to the pop-up event",
) -> EventCredit:
    """Give back all the event still holds of the credit: the cap becomes 0 and tills hear so at sync.

    Releasing again changes nothing; a credit never taken to the event is a 404; ``key`` used for
    another operation already is a 409.
    """
    running = hold_key(event_id, credit_id)
    replay = await _replay(brand_id, event_id, credit_id, key) if key is not None else None
    if replay is not None:  # this release ran already: answer the hold as it stands, move nothing
        return replay
    async with in_transaction():
        credit = await service.locked(brand_id, credit_id)
        hold = await EventHold.get_or_none(event_id=event_id, credit_id=credit_id)
        if hold is None:
            raise NotFound(
                "this credit was not taken to this event", errors=[FieldError("path.code", "not taken to the event")]
            )
        if hold.cap_minor == 0 and hold.held_minor == 0:
            return _view(credit, hold, event_id)
        held = await ledger.held_under(brand_id, running)
        if held:
            lots = await ledger.lots_of(credit_id)
            # Numbered by the hold's changes: a retry after a crash writes under the same key.
            writer = ledger.Writer(
                credit, "release", key or f"{running}:release:{hold.changes}", reason=reason, actor=actor
            )
            writer.settle_part(lots, held, sum(held.values()), hold_key=running, release=True)
            await writer.finish(lots)
        hold = await save_hold(
            hold, cap_minor=0, held_minor=0, expires_at=None, changes=hold.changes + 1, updated_at=now
        )
    return _view(credit, hold, event_id)


async def release_event_holds(brand_id: uuid.UUID, event_id: uuid.UUID, *, now: datetime | None = None) -> int:
    """Release everything the event still holds, credit by credit (its close); how many credits it freed.

    Idempotent: a second call finds nothing held. Call it once every till has synced.
    """
    at = now or utcnow()
    credit_ids = await EventHold.filter(brand_id=brand_id, event_id=event_id, cap_minor__gt=0).values_list(
        "credit_id", flat=True
    )
    for credit_id in credit_ids:
        await release_from_event(
            brand_id, event_id, uuid.UUID(str(credit_id)), actor=CLOSE_ACTOR, now=at, reason="the event closed"
        )
    return len(credit_ids)


async def holding_events() -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Every (brand, event) still holding some credit: what housekeeping asks the events domain about."""
    rows = await EventHold.filter(cap_minor__gt=0).distinct().values_list("brand_id", "event_id")
    return sorted({(uuid.UUID(str(brand)), uuid.UUID(str(event))) for brand, event in rows})


async def event_credit(brand_id: uuid.UUID, event_id: uuid.UUID, credit_id: uuid.UUID) -> EventCredit:
    credit = await Credit.get_or_none(brand_id=brand_id, id=credit_id)
    if credit is None:
        raise NotFound("no such credit")
    return _view(credit, await EventHold.get_or_none(event_id=event_id, credit_id=credit_id), event_id)


# --- what the pack carries --------------------------------------------------------------------


async def _caps(brand_id: uuid.UUID, event_id: uuid.UUID, **where: object) -> list[OfflineCap]:
    rows = (
        await EventHold.filter(brand_id=brand_id, event_id=event_id, credit__offline_lookup__isnull=False, **where)
        .order_by("credit_id")
        .values("cap_minor", "expires_at", "credit__offline_lookup", "credit__currency")
    )
    return [
        OfflineCap(
            lookup=row["credit__offline_lookup"],
            cap=int(row["cap_minor"]),
            currency=row["credit__currency"],
            expires_at=row["expires_at"],
        )
        for row in rows
    ]


async def offline_caps(brand_id: uuid.UUID, event_id: uuid.UUID) -> list[OfflineCap]:
    """Every credit the event's tills may take offline now, for its pack (in a stable order)."""
    return await _caps(brand_id, event_id, cap_minor__gt=0)


async def offline_cap_updates(brand_id: uuid.UUID, event_id: uuid.UUID, since: datetime) -> list[OfflineCap]:
    """Every cap set or changed at or after ``since`` (cap 0: no longer offline), for a till at sync.

    At or after, not only after: a change in the very instant the pack was cut is sent again
    rather than missed, and a cap is a value, so hearing it twice is harmless.
    """
    return await _caps(brand_id, event_id, updated_at__gte=since)
