"""What applying one sync batch needs to hand: who sent it, where the stall is, and what it found on the way.

One :class:`Batch` lives for one transaction. It keeps the variants of every SKU the batch
names (read once), the sales waiting to be written together, the tenders and the flags for the
merchant, so each goes to the database in one statement at the end rather than one per entry.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from storefront.catalog import Variant
from storefront.events.journal import SyncEntry
from storefront.events.models import Event
from storefront.ids import new_id
from storefront.orders import stall


class TenderRow(NamedTuple):
    """An ``event_tender`` row, each field a column: a plain tuple, as a model instance cost more than the write."""

    id: uuid.UUID
    event_id: uuid.UUID
    entry_id: uuid.UUID
    order_id: uuid.UUID | None
    direction: str
    kind: str
    amount_minor: int
    currency: str
    reference: str
    code_hint: str


class FlagRow(NamedTuple):
    """An ``event_flag`` row, each field a column: a batch selling past its allocation flags nearly every line."""

    id: uuid.UUID
    event_id: uuid.UUID
    device_id: uuid.UUID | None
    entry_id: uuid.UUID | None
    kind: str
    detail: str
    key: str
    payload: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Sku:
    variant_id: uuid.UUID
    title: str


@dataclass
class Batch:
    brand_id: uuid.UUID
    event: Event
    device_id: uuid.UUID
    now: datetime  # the server's instant: when the entries were received
    code_key: bytes
    currency: str  # the brand's: every stall amount is in it
    late: bool  # the event is closed: everything applied lands in the late bucket
    skus: dict[str, Sku] = field(default_factory=dict)
    numbers: set[str] = field(default_factory=set)  # receipt numbers orders already carry
    sales: list[stall.StallSale] = field(default_factory=list)  # written at the next flush
    sold: dict[uuid.UUID, list[tuple[SyncEntry, str, int]]] = field(default_factory=dict)  # variant: (entry, sku, qty)
    tenders: list[TenderRow] = field(default_factory=list)
    flags: list[FlagRow] = field(default_factory=list)
    order_ids: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)  # sale entry id: its order, made up front
    conflicts: dict[uuid.UUID, str] = field(default_factory=dict)  # entry id: why it was not applied

    @property
    def location_id(self) -> uuid.UUID:
        return self.event.location_id

    def flag(self, entry: SyncEntry | None, kind: str, detail: str, *, key: str, payload: str = "") -> None:
        """A note for the merchant; ``key`` names what it is about, so a replayed batch never adds it twice."""
        self.flags.append(
            FlagRow(
                id=new_id(),
                event_id=self.event.id,
                device_id=self.device_id,
                entry_id=entry.id if entry is not None else None,
                kind=kind,
                detail=detail[:500],
                key=f"{self.event.id}:{kind}:{key}"[:200],
                payload=payload,
                created_at=self.now,
            )
        )

    def refuse(self, entry: SyncEntry, kind: str, detail: str) -> None:
        """The entry was received but cannot be applied: answered ``conflict`` and flagged."""
        self.conflicts[entry.id] = detail
        self.flag(entry, kind, detail, key=str(entry.id))


async def load_skus(brand_id: uuid.UUID, skus: set[str]) -> dict[str, Sku]:
    """The brand's variants of these SKUs, in one query."""
    if not skus:
        return {}
    rows = await Variant.filter(brand_id=brand_id, sku__in=sorted(skus)).values_list(
        "sku", "id", "title", "product__title"
    )
    return {
        str(sku): Sku(variant_id=uuid.UUID(str(vid)), title=f"{product} — {title}") for sku, vid, title, product in rows
    }
