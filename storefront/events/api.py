"""HTTP for pop-up events: parse, call the service, return its schema.

The pack is the one route a device token may call (``opt=DEVICE``): with it, the device gets its
own event's pack and nothing else; with the secret key, ``?device=`` names the device it is for.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, JSONBody

from storefront.clock import utcnow
from storefront.errors import FieldError, NotFound, PermissionDenied
from storefront.events import devices, packs, service, tokens
from storefront.events.access import DEVICE, DEVICE_STATE_KEY
from storefront.events.offer_api import PackThemes, provide_pack_themes
from storefront.events.pack import Pack
from storefront.events.schemas import (
    AllocationIn,
    AllocationOut,
    DeviceCaller,
    DeviceIn,
    DeviceOut,
    EventIn,
    EventOut,
    NewDevice,
)
from storefront.pagination import DEFAULT_LIMIT, Page
from storefront.params import AppSettings, CursorQuery, IdParam, LimitQuery
from storefront.tenancy import Writer, principal_from

# A device's token must never be kept by anyone on the way, nor by the idempotency store.
NO_STORE = CacheControlHeader(no_store=True)


class PackCaller(msgspec.Struct, frozen=True, kw_only=True):
    """Who asks for a pack: the brand's secret key (``device`` None), or one device of one event."""

    brand_id: uuid.UUID
    device: DeviceCaller | None = None


PackCallerDep = NamedDependency[PackCaller]


async def provide_pack_caller(request: Request[Any, Any, Any]) -> PackCaller:
    device: DeviceCaller | None = request.scope.get("state", {}).get(DEVICE_STATE_KEY)
    if device is not None:
        return PackCaller(brand_id=device.brand_id, device=device)
    principal = principal_from(request.scope)
    if not principal.can_write:
        raise PermissionDenied("a secret key or the device's token is required")
    return PackCaller(brand_id=principal.brand_id)


class EventController(Controller):
    path = "/v1/events"
    tags = ["events"]
    dependencies = {"pack_caller": Provide(provide_pack_caller), "pack_themes": Provide(provide_pack_themes)}

    @post(
        "/",
        summary="Create a pop-up event and its stall location",
        description="The stall is a location of kind `stall` (handle `stall-<event handle>`): never a pickup "
        "point or courier hub, so stock allocated there is off sale online.",
    )
    async def create_event(self, writer: Writer, data: JSONBody[EventIn]) -> EventOut:
        return await service.create_event(writer.brand_id, data)

    @get("/", summary="List events", description="Cursor-paginated in creation order.")
    async def list_events(
        self, writer: Writer, cursor: CursorQuery = None, limit: LimitQuery = DEFAULT_LIMIT
    ) -> Page[EventOut]:
        return await service.list_events(writer.brand_id, cursor=cursor, limit=limit)

    @get("/{event_id:uuid}", summary="Get an event")
    async def get_event(self, writer: Writer, event_id: IdParam) -> EventOut:
        return await service.get_event(writer.brand_id, event_id)

    @post(
        "/{event_id:uuid}/allocations",
        summary="Move stock from the brand's locations to the event's stall",
        description="All lines in one transaction: if any line asks for more than its source has available (on "
        "hand less reserved), nothing moves and the answer is 409 `out_of_stock` naming the SKU.",
    )
    async def allocate(self, writer: Writer, event_id: IdParam, data: JSONBody[AllocationIn]) -> AllocationOut:
        return await service.allocate(writer.brand_id, event_id, data)

    @post(
        "/{event_id:uuid}/devices",
        summary="Register a till device for the event",
        description="The device's token is in this response and never again (only its SHA-256 is stored); the "
        "response is `Cache-Control: no-store`. A retry with the same `Idempotency-Key` answers the same "
        "device with `token: null`. `pack_key` verifies the device's packs.",
        cache_control=NO_STORE,
    )
    async def register_device(
        self,
        writer: Writer,
        settings: AppSettings,
        request: Request[Any, Any, Any],
        event_id: IdParam,
        data: JSONBody[DeviceIn],
    ) -> NewDevice:
        key = tokens.settings_key(settings)
        header = request.headers.get("idempotency-key")
        return await devices.register(writer.brand_id, event_id, data, key=key, idempotency_key=header)

    @get("/{event_id:uuid}/devices", summary="List the event's devices (never their tokens)")
    async def list_devices(
        self, writer: Writer, event_id: IdParam, cursor: CursorQuery = None, limit: LimitQuery = DEFAULT_LIMIT
    ) -> Page[DeviceOut]:
        return await devices.list_devices(writer.brand_id, event_id, cursor=cursor, limit=limit)

    @delete(
        "/{event_id:uuid}/devices/{device_id:uuid}",
        summary="Revoke a device",
        description="Its token is refused from the next request on. Revoking again changes nothing.",
    )
    async def revoke_device(self, writer: Writer, event_id: IdParam, device_id: IdParam) -> None:
        await devices.revoke(writer.brand_id, event_id, device_id, utcnow())

    @get(
        "/{event_id:uuid}/pack",
        summary="The signed event pack for one device",
        description="With the device's token (`Authorization: Bearer sk_dev_...`): that device's pack of its own "
        "event. With the secret key: `?device=<id>` names the device. Signed with HMAC-SHA256 under the "
        "device's `pack_key` over the canonical JSON (sorted keys, no spaces) of all but `signature`; "
        "valid until two days after the event ends. A revoked device's token is a 401.",
        opt=DEVICE,
        cache_control=NO_STORE,
    )
    async def get_pack(
        self,
        pack_caller: PackCallerDep,
        pack_themes: PackThemes,
        settings: AppSettings,
        event_id: IdParam,
        device: FromQuery[uuid.UUID | None] = None,
    ) -> Pack:
        caller = pack_caller.device
        if caller is not None:
            if caller.event_id != event_id:
                raise NotFound("no such event", errors=[FieldError("path.event_id", "no such event")])
            if device is not None and device != caller.device_id:
                raise NotFound("no such device", errors=[FieldError("query.device", "not this device")])
            device = caller.device_id
        return await packs.event_pack(
            pack_caller.brand_id, event_id, device, key=tokens.settings_key(settings), now=utcnow(), themes=pack_themes
        )
