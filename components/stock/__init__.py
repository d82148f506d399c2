"""``stock``: can the chosen variant be had, and how: picked up at a shop, sent by courier, or made to order.

Shops count for pickup; shops and warehouses count for courier (``VariantStock`` already sums
them). Market-stall stock is sold at the stall, not online, so it never shows here. A few
units left reads "Only 2 left" so scarcity is stated in words, never by colour. Each shop says
what a shopper can do there ("Ready to collect at Columbia Road", "Only 2 left at Columbia Road",
"Not at Columbia Road") and courier says that it delivers, not how many units the warehouse holds:
a raw count reads like a stock report, and "16 available" tells a shopper nothing "In stock" does
not. The counts stay on the lines as ``data-sk-available``, for scripts and tests. A shop is named
without the brand's name in front of it ("Maison Hollis, Columbia Road" is "Columbia Road"): the
whole page is the brand's.

Limited drops ("12 of 50 left", opening and closing dates) are part of the component's
contract, but the catalogue does not model drops yet: ``drop`` is always None today and the
template renders it only when present, so a future drop model fills it without a template change.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Literal

import msgspec

from components import loaders
from components.component import Component
from components.context import Links, LoadContext, select_variant
from storefront.catalog.schemas import ProductOut, VariantOut
from storefront.tenancy.schemas import BrandOut

LOW_STOCK = 3  # at or below this many sellable units, say how many are left

StockStatus = Literal["in_stock", "low_stock", "made_to_order", "sold_out"]


class PickupLine(msgspec.Struct, frozen=True, kw_only=True):
    location: str  # the shop's handle
    name: str
    available: int
    message: str  # "Ready to collect at Columbia Road", "Only 2 left at ...", "Not at ..."


class StockDrop(msgspec.Struct, frozen=True, kw_only=True):
    """A limited run: ``remaining`` of ``total`` left, sold between ``starts_at`` and ``ends_at``."""

    total: int
    remaining: int
    starts_at: datetime | None = None
    ends_at: datetime | None = None


class StockProps(msgspec.Struct, frozen=True, kw_only=True):
    product: str
    sku: str
    variant_title: str
    status: StockStatus
    message: str  # "In stock", "Only 2 left", "Made to order", "Sold out"
    available: int
    pickup: list[PickupLine]  # every shop holding a level for this SKU, in stock or not
    courier: int
    courier_message: str  # "Delivered to your door by courier", or "" when courier has nothing to send
    made_to_order: bool
    drop: StockDrop | None = None  # not in the data model yet: always None today
    locale: str
    # Where the display fetches itself again when the page's bag changes (a sale moves stock). Marked
    # ``refresh``, which the API answers ``no-cache``: a browser must revalidate (a 304 when nothing
    # moved) instead of reusing the public copy it may hold for 30 s.
    refresh_url: str = ""


def status_of(available: int, made_to_order: bool) -> tuple[StockStatus, str]:
    """The headline: units in hand win over made to order, which wins over sold out."""
    if available > LOW_STOCK:
        return "in_stock", "In stock"
    if available > 0:
        return "low_stock", f"Only {available} left"
    if made_to_order:
        return "made_to_order", "Made to order"
    return "sold_out", "Sold out"


def _name_from_handle(handle: str) -> str:
    return handle.replace("-", " ").title()


def place_name(name: str, brand_name: str) -> str:
    """A shop's name as the brand's own page says it: "Maison Hollis, Columbia Road" -> "Columbia Road"."""
    for separator in (", ", " - ", " "):
        prefix = brand_name + separator
        if brand_name and name.startswith(prefix) and name[len(prefix) :].strip():
            return name[len(prefix) :].strip()
    return name


def pickup_message(available: int, place: str) -> str:
    """What a shopper can do at one shop, in words; a count only when it is few enough to matter."""
    if available > LOW_STOCK:
        return f"Ready to collect at {place}"
    if available > 0:
        return f"Only {available} left at {place}"
    return f"Not at {place}"


def courier_message(courier: int) -> str:
    return "Delivered to your door by courier" if courier > 0 else ""


def build(
    product: ProductOut,
    variant: VariantOut,
    links: Links,
    brand: BrandOut,
    location_names: Mapping[str, str] | None = None,
) -> StockProps:
    """``location_names`` maps shop handles to their names; without it the handle is title-cased."""
    names = location_names or {}
    stock = variant.stock
    status, message = status_of(stock.available, stock.made_to_order)
    pickup = []
    for s in stock.by_location:
        if s.kind == "shop":
            name = place_name(names.get(s.location) or _name_from_handle(s.location), brand.name)
            pickup.append(
                PickupLine(
                    location=s.location, name=name, available=s.available, message=pickup_message(s.available, name)
                )
            )
    pickup.sort(key=lambda line: (-line.available, line.name))
    return StockProps(
        product=product.handle,
        sku=variant.sku,
        variant_title=variant.title,
        status=status,
        message=message,
        available=stock.available,
        pickup=pickup,
        courier=stock.courier,
        courier_message=courier_message(stock.courier),
        made_to_order=stock.made_to_order,
        drop=None,
        locale=brand.locale,
        refresh_url=links.component("stock", product=product.handle, variant=variant.sku, refresh="1"),
    )


async def load(ctx: LoadContext) -> StockProps:
    product = await ctx.product()
    variant = select_variant(product, ctx.variant_sku)
    return build(product, variant, ctx.links, ctx.brand, await loaders.location_names(ctx))


COMPONENT = Component(name="stock", title="Stock", props_type=StockProps, load=load)
