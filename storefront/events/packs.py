"""Reading what an event pack holds and signing it for one device (the pure part is :mod:`.pack`).

A pack is made fresh on each request (nothing is stored): the event, the brand, the allocated
SKUs with their stall prices (the online price beside where it differs), catalogue category and
size class (the till values trade-ins by them), images and drop, the allocation, the device and
its mark, the brand's theme as tokens and its trade-in valuation rules, signed with the device's
derived pack key.

**The theme.** The storefront may not read themes (``themes/`` and ``components/`` sit above it),
yet the till must look like the brand with no network, so the pack carries the theme resolved to
its tokens. Resolving is the components' own rule (a theme's chain of parents, then the brand's
overrides, each value checked), and a second copy of it here would drift. So the rule is injected:
whoever mounts the components puts a :data:`ThemeResolver` in the app's state under
:data:`THEMES_STATE_KEY` (``components.plugin`` does, with ``components.theming.pack_theme``) and
the pack route is given it by dependency injection (``offer_api.provide_pack_themes``). An app built
without components has no themes to speak of: its packs carry no theme and the till keeps its own
look. Nothing is looked up at import time, and nothing is global: each app holds its own resolver.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime

from storefront import orders
from storefront.catalog import Variant
from storefront.credits import trade_in_rules
from storefront.errors import FieldError, InvalidInput
from storefront.events import pack, tokens
from storefront.events.devices import device_of
from storefront.events.models import Event
from storefront.events.offer import pack_drops, stall_prices
from storefront.events.offline_credits import pack_credits
from storefront.events.service import allocated, event_of
from storefront.tenancy import Brand

ThemeResolver = Callable[[str, Mapping[str, str]], pack.PackTheme]
"""``(theme name, the brand's token overrides) -> the theme's name and every token``, as the components resolve it."""

THEMES_STATE_KEY = "pack_themes"


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


def _product(variant: Variant, price: int | None, drop: pack.PackDrop | None) -> pack.PackProduct:
    images = variant.images or variant.product.images
    at_stall = variant.price_minor if price is None else price
    return pack.PackProduct(
        sku=variant.sku,
        title=f"{variant.product.title} ({variant.title})",
        price=at_stall,
        currency=variant.currency,
        images=[pack.PackImage(url=i.get("url", ""), alt=i.get("alt", "")) for i in images],
        list_price=variant.price_minor if at_stall != variant.price_minor else None,
        category=variant.product.category or "",
        size_class=variant.product.size_class or "",
        drop=drop,
    )


async def stall_reservations(brand_id: uuid.UUID, event: Event) -> list[pack.PackReservation]:
    """Every online order waiting to be collected at the event's stall, for its tills."""
    waiting = await orders.reservations.waiting_at(brand_id, event.location.handle)
    return [
        pack.PackReservation(
            order_id=r.order_id,
            number=r.number,
            name=r.name,
            pickup_code_hash=pack.pickup_code_hash(brand_id, r.pickup_code),
            lines=[pack.PackLine(sku=line.sku, quantity=line.quantity) for line in r.lines],
        )
        for r in waiting
    ]


async def event_pack(
    brand_id: uuid.UUID,
    event_id: uuid.UUID,
    device_id: uuid.UUID | None,
    *,
    key: bytes,
    now: datetime,
    themes: ThemeResolver | None = None,
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
    prices = await stall_prices([event.id])
    drops = await pack_drops(event.id)
    brand = await Brand.get(id=brand_id)
    return pack.build(
        event=_event(event),
        device=pack.PackDevice(id=device.id, name=device.name, mark=device.mark or ""),
        brand=_brand(brand),
        products=[
            _product(v, prices.get((event.id, v.id)), drops.get(v.id)) for v in sorted(variants, key=lambda v: v.sku)
        ],
        allocation=[pack.PackLine(sku=a.sku, quantity=a.quantity) for a in allocation],
        pack_key=tokens.pack_key(key, device.id),
        now=now,
        theme=themes(brand.theme, dict(brand.theme_tokens)) if themes is not None else None,
        valuation=await trade_in_rules.valuation_rules(brand_id),
        credits=await pack_credits(brand_id, event.id),
        reservations=await stall_reservations(brand_id, event),
    )
