"""What the store answers about itself: the shapes a status page and the sync client read."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

Count = Annotated[int, msgspec.Meta(ge=0)]


class TillStatus(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /status``: how much is waiting to reach the storefront, and how the last tries went."""

    pending: Count
    oldest_pending_age_seconds: float | None  # None when nothing is pending
    last_sync_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None


class ExportReport(msgspec.Struct, frozen=True, kw_only=True):
    """An export file written and durable: where, how many entries, and its checksum."""

    path: str
    device_id: uuid.UUID
    entries: Count
    checksum: str


class ImportReport(msgspec.Struct, frozen=True, kw_only=True):
    """An export file read into this store: entries in the file, and how many were new here."""

    entries: Count
    added: Count
