"""Reading what an event pack holds and signing it for one device (the pure part is :mod:`.pack`).

A pack is made fresh on each request (nothing is stored): the event, the brand, the allocated
SKUs with their prices and images, and the allocation, signed with the device's derived pack key.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from storefront.catalog import Variant
from storefront.errors import FieldError, InvalidInput
from storefront.events import pack, tokens
from storefront.events.devices import device_of
from storefront.events.models import Event
from storefront.events.service import allocated, event_of
from storefront.tenancy import Brand


def _event(event: Event) -> pack.PackEvent:
    return pack.PackEvent(
        id=event.id,
        handle=event.handle,
        name=event.name,
        venue=event.venue,
        timezone=event.timezone,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        status=event.status,
        location=event.location.handle,
    )


def _brand(brand: Brand) -> pack.PackBrand:
    return pack.PackBrand(
        id=brand.id,
        handle=brand.handle,
        name=brand.name,
        currency=brand.currency,
        locale=brand.locale,
        timezone=brand.timezone,
        theme=brand.theme,
    )


def _product(variant: Variant) -> pack.PackProduct:
    images = variant.images or variant.product.images
    return pack.PackProduct(
        sku=variant.sku,
        title=f"{variant.product.title} ({variant.title})",
        price=variant.price_minor,
        currency=variant.currency,
        images=[pack.PackImage(url=i.get("url", ""), alt=i.get("alt", "")) for i in images],
    )


async def event_pack(
    brand_id: uuid.UUID, event_id: uuid.UUID, device_id: uuid.UUID | None, *, key: bytes, now: datetime
) -> pack.Pack:
    """The signed pack of the event for one of its devices (a revoked device gets none)."""
    event = await event_of(brand_id, event_id)
    if device_id is None:
        message = "name the device the pack is for: ?device=<device id>"
        raise InvalidInput(message, errors=[FieldError("query.device", message)])
    device = await device_of(event, device_id, "query.device")
    if device.revoked_at is not None:
        message = "this device was revoked: it gets no pack"
        raise InvalidInput(message, errors=[FieldError("query.device", message)])
    allocation = await allocated(event.id)
    variants = await Variant.filter(brand_id=brand_id, sku__in=[a.sku for a in allocation]).prefetch_related("product")
    return pack.build(
        event=_event(event),
        device=pack.PackDevice(id=device.id, name=device.name),
        brand=_brand(await Brand.get(id=brand_id)),
        products=[_product(v) for v in sorted(variants, key=lambda v: v.sku)],
        allocation=[pack.PackLine(sku=a.sku, quantity=a.quantity) for a in allocation],
        pack_key=tokens.pack_key(key, device.id),
        now=now,
    )
