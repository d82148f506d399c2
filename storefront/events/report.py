"""The event report: what the stall journals say, read from the entries the storefront received.

The arithmetic is pure (:mod:`.report_rules`); this module reads its inputs: the entries in
(device, sequence) order, what was allocated, what the stock ledger has at the stall now, the
devices' names, and the flags the sync raised (conflicts are data: DESIGN 9.4).
"""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from storefront.events.models import EventDevice, EventEntry, EventFlag
from storefront.events.report_rules import Figures, ReceivedEntry, figures
from storefront.events.schemas import EventOut
from storefront.events.service import allocated, event_of, event_out
from storefront.inventory import StockLevel
from storefront.tenancy import Brand

FLAGS_SHOWN = 200


class FlagOut(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    detail: str
    device_id: uuid.UUID | None
    entry_id: uuid.UUID | None
    created_at: datetime


class EventReport(msgspec.Struct, frozen=True, kw_only=True):
    event: EventOut
    figures: Figures
    flags: list[FlagOut]  # the first FLAGS_SHOWN, oldest first
    flags_total: int


async def event_report(brand_id: uuid.UUID, event_id: uuid.UUID) -> EventReport:
    event = await event_of(brand_id, event_id)
    brand = await Brand.get(id=brand_id)
    rows = (
        await EventEntry.filter(event_id=event.id)
        .order_by("device_id", "seq")
        .values_list("id", "device_id", "seq", "occurred_at", "kind", "payload", "status", "late")
    )
    entries = [ReceivedEntry(*row) for row in rows]
    levels = await StockLevel.filter(location_id=event.location_id).values_list("variant__sku", "on_hand")
    names = dict(await EventDevice.filter(event_id=event.id).values_list("id", "name"))
    flags = await EventFlag.filter(event_id=event.id).order_by("created_at", "id").limit(FLAGS_SHOWN)
    return EventReport(
        event=event_out(event, event.location.handle),
        figures=figures(
            entries,
            currency=brand.currency,
            timezone=event.timezone,
            allocation={a.sku: a.quantity for a in await allocated(event.id)},
            remaining=dict(levels),
            device_names=names,
        ),
        flags=[
            FlagOut(kind=f.kind, detail=f.detail, device_id=f.device_id, entry_id=f.entry_id, created_at=f.created_at)
            for f in flags
        ],
        flags_total=await EventFlag.filter(event_id=event.id).count(),
    )
