"""What every till route depends on: the opened store, the verified pack, the clock, the device mark.

One :class:`TillContext` is built when ``stallkit popup open`` has verified the pack and opened the
store, and the app hands it to every handler as the ``till`` dependency (and the unlocked staff
session as ``session``, see :mod:`popup.till.sessions`). A route module (sales here; returns,
exchanges, trade-ins, stock counts and cash-up beside it) takes both and never reopens anything.

Actions go through :meth:`TillContext.record_numbered` (a sale's receipt number, a return's, a
trade-in's) or :meth:`TillContext.record` (a void, a stock count): each builds its payload, then
records it with its own rows, an optional idempotency key and (numbered) the counter's bump in one
transaction. One lock per till serialises actions, so the number a payload carries is the number
the counter holds after the commit, and a decision read before recording (is this sale voided
already? how much credit is left?) still holds when it commits. Two tills never clash (the mark
differs) and one till never hands out a number twice, even across a pack reset.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

import msgspec

from popup.store import Entry, TillStore
from popup.till import state, updates
from popup.till.rules import receipt_number
from storefront.clock import Clock
from storefront.errors import IdempotencyKeyReused
from storefront.events.journal import SyncUpdates
from storefront.events.pack import Pack, PackCredit, PackProduct, PackReservation, offline_lookup
from storefront.ids import new_id

P = TypeVar("P", bound=msgspec.Struct)
ActionRows = Callable[[sqlite3.Connection, uuid.UUID, P], None]


@dataclass(frozen=True)
class Idempotency:
    """A client's ``Idempotency-Key`` for one route (``scope``), and what its request body hashed to."""

    scope: str
    key: str
    request_hash: str

    @classmethod
    def of(cls, scope: str, key: str | None, body: object) -> Idempotency | None:
        if key is None:
            return None
        digest = hashlib.sha256(msgspec.json.encode(body, order="sorted")).hexdigest()
        return cls(scope=scope, key=key, request_hash=digest)


@dataclass(frozen=True)
class Recorded(Generic[P]):
    """An action on disk: its journal entry and the payload it carries; ``replayed`` for a retried key."""

    entry: Entry
    payload: P
    replayed: bool = False


@dataclass(frozen=True)
class TillContext:
    """The till's one set of collaborators; made by :meth:`build`, shared by every request."""

    store: TillStore
    pack: Pack
    clock: Clock
    products: dict[str, PackProduct]  # by SKU, in the pack's order; prices as last updated (see apply_updates)
    allocation: Mapping[str, int]  # by SKU: what the stall started with
    credits: dict[str, PackCredit]  # by offline lookup; caps as last updated
    reservations: dict[str, PackReservation]  # orders to collect here, by pickup code hash; as last updated
    timezone: ZoneInfo
    images: state.ImageCache
    _serial: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def build(
        cls,
        store: TillStore,
        pack: Pack,
        clock: Clock,
        images: state.ImageCache,
        updates: SyncUpdates | None = None,
    ) -> TillContext:
        allocation: dict[str, int] = {}
        for line in pack.allocation:
            allocation[line.sku] = allocation.get(line.sku, 0) + line.quantity
        till = cls(
            store=store,
            pack=pack,
            clock=clock,
            products={product.sku: product for product in pack.products},
            allocation=allocation,
            credits={credit.lookup: credit for credit in pack.credits},
            reservations={r.pickup_code_hash: r for r in pack.reservations},
            timezone=_zone(pack.event.timezone or pack.brand.timezone),
            images=images,
        )
        if updates is not None:
            till.apply_updates(updates)
        return till

    def apply_updates(self, changes: SyncUpdates) -> None:
        """New prices, caps and reservations from a sync answer: for the next action, never for one being recorded."""
        with self._serial:
            updates.apply(self.products, self.credits, self.reservations, changes)

    @property
    def mark(self) -> str:
        """The device's receipt prefix; a pack without one (an old server) falls back to its id's start."""
        return self.pack.device.mark or self.pack.device.id.hex[:6].upper()

    @property
    def currency(self) -> str:
        return self.pack.brand.currency

    def credit_lookup(self, normalised: str) -> str:
        """How the pack and this till's tables name a credit code: never by the code itself."""
        return offline_lookup(self.pack.brand.id, normalised)

    def now(self) -> datetime:
        return self.clock()

    def local_day(self, at: datetime) -> date:
        """The stall's calendar day of ``at`` (a same-day void is the stall's day, not UTC's)."""
        return at.astimezone(self.timezone).date()

    def record_numbered(
        self,
        kind: str,
        counter: str,
        shape: type[P],
        build: Callable[[str], P],
        rows: ActionRows[P],
        *,
        idempotency: Idempotency | None = None,
    ) -> Recorded[P]:
        """Record a numbered action: ``build(number)`` makes the payload (a ``shape``), ``rows`` writes its state.

        ``rows(conn, entry_id, payload)`` runs inside the journal transaction, with the entry's id
        known beforehand. A replayed idempotency key answers the first action instead (same body)
        or :class:`IdempotencyKeyReused` (another body); ``build`` raising records nothing.
        """
        with self._serial:
            if idempotency is not None:
                earlier = self.replay(idempotency, shape)
                if earlier is not None:
                    return earlier
            next_n = self.store.read(lambda conn: state.counter_value(conn, counter)) + 1
            payload = build(receipt_number(self.mark, next_n))

            def numbered(conn: sqlite3.Connection, entry_id: uuid.UUID, made: P) -> None:
                state.bump_counter(conn, counter, expected=next_n)
                rows(conn, entry_id, made)

            return self._record(kind, payload, numbered, idempotency)

    def record(
        self,
        kind: str,
        shape: type[P],
        build: Callable[[], P],
        rows: ActionRows[P],
        *,
        idempotency: Idempotency | None = None,
    ) -> Recorded[P]:
        """Record an unnumbered action (a void, a stock count) with its rows, in one transaction.

        ``build`` runs under the same lock as numbered actions, after the idempotency check, so it
        may read the state it decides on (is this sale voided already?) without a race.
        """
        with self._serial:
            if idempotency is not None:
                earlier = self.replay(idempotency, shape)
                if earlier is not None:
                    return earlier
            return self._record(kind, build(), rows, idempotency)

    def _record(self, kind: str, payload: P, rows: ActionRows[P], idempotency: Idempotency | None) -> Recorded[P]:
        entry_id = new_id()

        def apply(conn: sqlite3.Connection) -> None:
            if idempotency is not None:
                state.remember_key(conn, idempotency, entry_id)
            rows(conn, entry_id, payload)

        entry = self.store.record(kind, payload, apply, entry_id=entry_id)
        return Recorded(entry=entry, payload=payload)

    def replay(self, idempotency: Idempotency, shape: type[P]) -> Recorded[P] | None:
        """The action an earlier request with this key recorded, if any (see :meth:`record_numbered`)."""
        found = self.store.read(lambda conn: state.recall_key(conn, idempotency))
        if found is None:
            return None
        request_hash, entry = found
        if request_hash != idempotency.request_hash:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was already used for a different request: use a new key for a new action"
            )
        return Recorded(entry=entry, payload=msgspec.json.decode(entry.payload, type=shape), replayed=True)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError):  # an unknown zone in a pack: the stall's day falls back to UTC
        return ZoneInfo("UTC")
