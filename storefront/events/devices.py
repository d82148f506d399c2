"""Till devices: registering one (its token shown once), listing, revoking, and resolving a token to its caller.

A device belongs to one event; its token works only for that event's device routes, and from
the moment it is revoked (the look-up reads ``revoked_at`` on every request: a stall device
calls rarely, so there is nothing worth caching). Registration is idempotent by the request's
``Idempotency-Key``: a retry answers the same device with ``token: null``, since the token's
text is never kept, and a response carrying a token is ``Cache-Control: no-store``.

Each device gets a **mark** at registration: six random Crockford base32 symbols (no I, L, O or
U, so it reads aloud and types back without doubt), unique by index across every device. The till
prefixes its receipt numbers (``7K3MQ9-00017``) and the credit codes it issues offline with it, so
numbers made offline by two devices never meet. 32**6 is about a billion marks: a collision is
rare, and answered by drawing again (:data:`MARK_ATTEMPTS` times). The draw is injected
(:func:`new_mark` takes the random source), so tests can force collisions.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from datetime import datetime

from tortoise.exceptions import IntegrityError

from storefront.errors import Conflict, FieldError, NotFound
from storefront.events import tokens
from storefront.events.models import Event, EventDevice
from storefront.events.schemas import DeviceCaller, DeviceIn, DeviceOut, NewDevice
from storefront.events.service import event_of
from storefront.pagination import Page, page_of, page_query

MARK_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
MARK_LENGTH = 6
MARK_ATTEMPTS = 8
Marks = Callable[[], str]


def new_mark(randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    """Six symbols drawn from ``randbelow`` (the system's CSPRNG unless a test gives its own)."""
    return "".join(MARK_ALPHABET[randbelow(len(MARK_ALPHABET))] for _ in range(MARK_LENGTH))


def device_out(device: EventDevice) -> DeviceOut:
    return DeviceOut(
        id=device.id, name=device.name, mark=device.mark, created_at=device.created_at, revoked_at=device.revoked_at
    )


def _answer(device: EventDevice, token: str | None, key: bytes) -> NewDevice:
    return NewDevice(
        id=device.id, name=device.name, mark=device.mark, token=token, pack_key=tokens.pack_key(key, device.id)
    )


async def device_of(event: Event, device_id: uuid.UUID, field: str = "path.device_id") -> EventDevice:
    device = await EventDevice.get_or_none(event_id=event.id, id=device_id)
    if device is None:
        raise NotFound("no such device for this event", errors=[FieldError(field, "no such device")])
    return device


async def register(
    brand_id: uuid.UUID,
    event_id: uuid.UUID,
    data: DeviceIn,
    *,
    key: bytes,
    idempotency_key: str | None,
    marks: Marks = new_mark,
) -> NewDevice:
    event = await event_of(brand_id, event_id)
    if idempotency_key is not None:
        prior = await EventDevice.get_or_none(event_id=event.id, idempotency_key=idempotency_key)
        if prior is not None:
            return _answer(prior, None, key)
    token = tokens.generate()
    for _ in range(MARK_ATTEMPTS):
        try:
            device = await EventDevice.create(
                event_id=event.id,
                name=data.name,
                token_hash=tokens.hash_token(token),
                mark=marks(),
                idempotency_key=idempotency_key,
            )
        except IntegrityError:
            # A twin under the same key registered first: answer its device. Otherwise the mark was taken: draw again.
            if idempotency_key is not None:
                twin = await EventDevice.get_or_none(event_id=event.id, idempotency_key=idempotency_key)
                if twin is not None:
                    return _answer(twin, None, key)
            continue
        return _answer(device, token, key)
    raise Conflict("no free device mark was drawn: register the device again")


async def list_devices(brand_id: uuid.UUID, event_id: uuid.UUID, *, cursor: str | None, limit: int) -> Page[DeviceOut]:
    event = await event_of(brand_id, event_id)
    devices = await page_query(EventDevice.filter(event_id=event.id), cursor, limit)
    return page_of([device_out(d) for d in devices], [d.id for d in devices], limit)


async def revoke(brand_id: uuid.UUID, event_id: uuid.UUID, device_id: uuid.UUID, now: datetime) -> None:
    """Refuse the device's token from now on; revoking again changes nothing (the first instant stays)."""
    device = await device_of(await event_of(brand_id, event_id), device_id)
    await EventDevice.filter(id=device.id, revoked_at__isnull=True).update(revoked_at=now)


async def resolve(token: str) -> DeviceCaller | None:
    """The caller behind a device token, or None when it is malformed, unknown or revoked."""
    if not tokens.looks_like_token(token):
        return None
    rows = await EventDevice.filter(token_hash=tokens.hash_token(token), revoked_at__isnull=True).values_list(
        "id", "event_id", "event__brand_id"
    )
    if not rows:
        return None
    device_id, event_id, brand_id = (_as_uuid(value) for value in rows[0])
    return DeviceCaller(brand_id=brand_id, event_id=event_id, device_id=device_id)


def _as_uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
