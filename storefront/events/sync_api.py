"""HTTP for a stall device's sync: ``POST /v1/events/{event_id}/sync`` with the device's token.

Only a device token opens it (``opt=DEVICE``), and only for its own event and its own journal.
The request needs no Idempotency-Key: the entry ids are the idempotency (a batch sent again is
answered, entry by entry, ``duplicate``), and the idempotency store keys on a brand's API key,
which a device does not hold. A key sent anyway is accepted and ignored.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.params import JSONBody

from storefront.clock import utcnow
from storefront.credits import codes
from storefront.errors import PermissionDenied
from storefront.events.access import DEVICE, DEVICE_STATE_KEY
from storefront.events.ingest import sync
from storefront.events.journal import MAX_BATCH, SyncAnswer, SyncRequest
from storefront.events.schemas import DeviceCaller
from storefront.params import AppSettings, IdParam


class SyncController(Controller):
    path = "/v1/events"
    tags = ["events"]

    @post(
        "/{event_id:uuid}/sync",
        summary="Send a device's journal entries; answers what the server holds of its journal",
        description="With the device's token only. Entries are applied in `seq` order in one transaction; each is "
        "answered `applied`, `duplicate` (the same id with the same content was received before) or `conflict` "
        "(recorded for the merchant, never applied: the same id with other content, a `seq` already taken, a hash "
        "that is not the payload's, a payload that is not its kind, a void of an unknown sale). `acked_seq`: every "
        "entry of the device up to it is on the server; `gaps`: missing ranges below the highest received. "
        f"At most {MAX_BATCH} entries a batch.",
        opt=DEVICE,
        status_code=200,
    )
    async def sync_entries(
        self,
        request: Request[Any, Any, Any],
        settings: AppSettings,
        event_id: IdParam,
        data: JSONBody[SyncRequest],
    ) -> SyncAnswer:
        caller: DeviceCaller | None = request.scope.get("state", {}).get(DEVICE_STATE_KEY)
        if caller is None:
            raise PermissionDenied("only a device's token may sync its journal")
        return await sync(caller, event_id, data, code_key=codes.settings_key(settings), now=utcnow())


__all__ = ["SyncController"]
