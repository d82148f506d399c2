"""How each device of an event stands at sync, as staff watch it: what arrived, when, and what did not fit.

Read from the entries the storefront holds, one grouped query: entries received, the highest
sequence number, the last arrival, conflicts. ``missing`` is how many sequence numbers below the
highest never arrived (the next sync sends them: the answer names the gaps). What a till still
holds unsent only the till knows; its own status bar shows it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec
from tortoise.functions import Count, Max

from storefront.events.models import EventDevice, EventEntry
from storefront.events.service import event_of


class DeviceSync(msgspec.Struct, frozen=True, kw_only=True):
    device_id: uuid.UUID
    name: str
    mark: str | None
    revoked_at: datetime | None
    received: int
    highest_seq: int
    missing: int
    conflicts: int
    last_received_at: datetime | None


async def sync_status(brand_id: uuid.UUID, event_id: uuid.UUID) -> list[DeviceSync]:
    """Every device of the event (registration order) with its sync figures; another brand's event is a 404."""
    event = await event_of(brand_id, event_id)
    devices = await EventDevice.filter(event_id=event.id).order_by("created_at", "id")
    rows = (
        await EventEntry.filter(event_id=event.id)
        .group_by("device_id")
        .annotate(received=Count("id"), top=Max("seq"), last=Max("received_at"))
        .values("device_id", "received", "top", "last")
    )
    conflicts = (
        await EventEntry.filter(event_id=event.id, status="conflict")
        .group_by("device_id")
        .annotate(n=Count("id"))
        .values("device_id", "n")
    )
    by_device = {str(row["device_id"]): row for row in rows}
    refused = {str(row["device_id"]): int(row["n"]) for row in conflicts}
    out = []
    for device in devices:
        row = by_device.get(str(device.id), {})
        received, top = int(row.get("received") or 0), int(row.get("top") or 0)
        out.append(
            DeviceSync(
                device_id=device.id,
                name=device.name,
                mark=device.mark,
                revoked_at=device.revoked_at,
                received=received,
                highest_seq=top,
                missing=max(top - received, 0),
                conflicts=refused.get(str(device.id), 0),
                last_received_at=row.get("last"),
            )
        )
    return out
