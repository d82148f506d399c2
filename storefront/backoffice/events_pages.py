"""The back office's events: create one, allocate stock, register and revoke devices, download packs,
watch syncs arrive, read the report, close it. Each page calls the events domain's own services.

Owners and staff do everything here. A stall account sees its one event (any other is a 404, like
another brand's) and may register a device and download packs for it, nothing more. A device's
token and pack key appear once, on the page that registered it (the database keeps neither).
"""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import PathParameter
from litestar.response import Redirect

from storefront.backoffice import access, forms
from storefront.backoffice.pages import error_page, page
from storefront.backoffice.rules import Role
from storefront.backoffice.sessions import SignedIn
from storefront.clock import utcnow
from storefront.decoding import convert
from storefront.errors import FieldError, InvalidInput, NotFound, StallkitError
from storefront.events import (
    AllocationIn,
    DeviceIn,
    EventIn,
    closing,
    devices,
    pack,
    packs,
    report,
    report_page,
    service,
    sync_status,
    tokens,
)
from storefront.inventory import Location
from storefront.tenancy import service as tenancy

EventId = Annotated[uuid.UUID, PathParameter()]
EDITORS: tuple[Role, ...] = ("owner", "staff")


def _visible(who: SignedIn, event_id: uuid.UUID) -> None:
    """A stall account's other events are as unknown as another brand's."""
    if who.account.role == "stall" and who.account.event_id != event_id:
        raise NotFound("no such event", errors=[FieldError("path.event_id", "no such event")])


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError, OSError):
        message = f"unknown IANA timezone {name!r}, e.g. Europe/London"
        raise InvalidInput(f"timezone: {message}", errors=[FieldError("timezone", message)]) from None


def _local(text: str, tz: zoneinfo.ZoneInfo, field: str) -> str:
    """A ``datetime-local`` field (the venue's wall clock) as an ISO instant with its offset."""
    try:
        naive = datetime.fromisoformat(text)
    except ValueError:
        message = "a date and time such as 2026-12-12T10:00"
        raise InvalidInput(f"{field}: {message}", errors=[FieldError(field, message)]) from None
    if naive.tzinfo is not None:
        message = "the venue's local time, without an offset"
        raise InvalidInput(f"{field}: {message}", errors=[FieldError(field, message)])
    return naive.replace(tzinfo=tz).isoformat()


def _event_in(fields: dict[str, str]) -> EventIn:
    zone = fields.get("timezone", "").strip()
    tz = _zone(zone)
    values: dict[str, Any] = {
        "handle": fields.get("handle", "").strip(),
        "name": fields.get("name", "").strip(),
        "venue": fields.get("venue", "").strip(),
        "timezone": zone,
        "starts_at": _local(fields.get("starts_at", ""), tz, "starts_at"),
        "ends_at": _local(fields.get("ends_at", ""), tz, "ends_at"),
        "pickup_prep_minutes": _whole(fields.get("pickup_prep_minutes", ""), "pickup_prep_minutes", blank=None),
    }
    return convert(values, EventIn)


def _whole(text: str, field: str, *, blank: int | None) -> int | None:
    text = text.strip()
    if not text:
        return blank
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise InvalidInput(f"{field}: a whole number", errors=[FieldError(field, "a whole number")])
    return int(text)


async def _detail(who: SignedIn, event_id: uuid.UUID, **extra: Any) -> dict[str, Any]:
    brand_id = who.account.brand_id
    event = await service.get_event(brand_id, event_id)
    places = (
        await Location.filter(brand_id=brand_id).exclude(kind="stall").order_by("handle").values_list("handle", "name")
    )
    return {
        "who": who,
        "event": event,
        "allocation": await service.allocated(event.id),
        "devices": await sync_status.sync_status(brand_id, event.id),
        "places": places,
        "editor": who.account.role in EDITORS,
        "key": forms.new_key(),
        **extra,
    }


class EventPages(Controller):
    path = "/admin/events"
    include_in_schema = False
    exception_handlers = {StallkitError: error_page}

    @get("/")
    async def list_events(self, request: Request[Any, Any, Any]) -> Response[Any]:
        who = await access.staff(request)
        if who.account.role == "stall" and who.account.event_id is not None:
            return Redirect(f"/admin/events/{who.account.event_id}", status_code=303)
        listed = await service.list_events(who.account.brand_id, cursor=None, limit=100)
        brand = await tenancy.read_brand(who.account.brand_id)
        return page("events.html", who=who, events=listed.data, timezone=brand.timezone, key=forms.new_key(), errors=[])

    @post("/", status_code=303)
    async def create_event(self, request: Request[Any, Any, Any]) -> Response[Any]:
        who = await access.staff(request, EDITORS)
        fields = await access.posted(request, who)
        data = _event_in(fields)
        made: list[uuid.UUID] = []

        async def act() -> None:
            made.append((await service.create_event(who.account.brand_id, data)).id)

        if not await forms.once(who.account.brand_id, fields.get(access.KEY_FIELD, ""), act):
            return Redirect("/admin/events", status_code=303)  # sent twice: the first made it
        return Redirect(f"/admin/events/{made[0]}", status_code=303)

    @get("/{event_id:uuid}")
    async def event(self, request: Request[Any, Any, Any], event_id: EventId) -> Response[Any]:
        who = await access.staff(request)
        _visible(who, event_id)
        return page("event.html", **await _detail(who, event_id, new_device=None))

    @get("/{event_id:uuid}/sync")
    async def sync_panel(self, request: Request[Any, Any, Any], event_id: EventId) -> Response[Any]:
        """The devices' sync figures alone, for the page to refresh in place."""
        who = await access.staff(request)
        _visible(who, event_id)
        return page("_event_sync.html", devices=await sync_status.sync_status(who.account.brand_id, event_id))

    @post("/{event_id:uuid}/allocations", status_code=303)
    async def allocate(self, request: Request[Any, Any, Any], event_id: EventId) -> Response[Any]:
        who = await access.staff(request, EDITORS)
        fields = await access.posted(request, who)
        line = {
            "sku": fields.get("sku", "").strip(),
            "from_location": fields.get("from_location", "").strip(),
            "quantity": _whole(fields.get("quantity", ""), "quantity", blank=None),
        }
        data = convert({"lines": [line]}, AllocationIn)
        await forms.once(
            who.account.brand_id, fields.get(access.KEY_FIELD, ""),
            lambda: service.allocate(who.account.brand_id, event_id, data),
        )  # fmt: skip
        return Redirect(f"/admin/events/{event_id}", status_code=303)

    @post("/{event_id:uuid}/devices", status_code=201)
    async def register(self, request: Request[Any, Any, Any], event_id: EventId) -> Response[Any]:
        who = await access.staff(request)
        _visible(who, event_id)
        fields = await access.posted(request, who)
        data = convert({"name": fields.get("name", "").strip()}, DeviceIn)
        key = forms.checked_key(fields.get(access.KEY_FIELD, ""))
        settings = access.settings_of(request)
        made = await devices.register(
            who.account.brand_id, event_id, data, key=tokens.settings_key(settings), idempotency_key=key
        )
        context = await _detail(who, event_id, new_device=made, storefront=settings.public_base_url)
        return page("event.html", status=201, **context)

    @post("/{event_id:uuid}/devices/{device_id:uuid}/revoke", status_code=303)
    async def revoke(self, request: Request[Any, Any, Any], event_id: EventId, device_id: EventId) -> Response[Any]:
        who = await access.staff(request, EDITORS)
        await access.posted(request, who)
        await devices.revoke(who.account.brand_id, event_id, device_id, utcnow())
        return Redirect(f"/admin/events/{event_id}", status_code=303)

    @get("/{event_id:uuid}/devices/{device_id:uuid}/pack")
    async def pack_file(self, request: Request[Any, Any, Any], event_id: EventId, device_id: EventId) -> Response[Any]:
        who = await access.staff(request)
        _visible(who, event_id)
        signed = await packs.event_pack(
            who.account.brand_id, event_id, device_id, key=tokens.settings_key(access.settings_of(request)),
            now=utcnow(), themes=request.app.state.get(packs.THEMES_STATE_KEY),
        )  # fmt: skip
        name = f"pack-{signed.event.handle}-{signed.device.mark or signed.device.id.hex[:6]}.json"
        return Response(
            pack.encode(signed), media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
        )  # fmt: skip

    @get("/{event_id:uuid}/report")
    async def report(self, request: Request[Any, Any, Any], event_id: EventId) -> Response[Any]:
        who = await access.staff(request)
        _visible(who, event_id)
        brand = await tenancy.read_brand(who.account.brand_id)
        figures = await report.event_report(who.account.brand_id, event_id)
        return Response(
            report_page.render_report(figures, brand.locale), media_type="text/html",
            headers={"Cache-Control": "no-store"},
        )  # fmt: skip

    @post("/{event_id:uuid}/close", status_code=303)
    async def close(self, request: Request[Any, Any, Any], event_id: EventId) -> Response[Any]:
        who = await access.staff(request, EDITORS)
        await access.posted(request, who)
        await closing.close_event(who.account.brand_id, event_id)
        return Redirect(f"/admin/events/{event_id}", status_code=303)


__all__ = ["EventPages"]
