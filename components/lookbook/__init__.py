"""``lookbook``: the brand's looks, each an image with hotspots on the products worn in it.

Needs ``?lookbook=<handle>``, not a product. Each hotspot is a real link to the product's page
on the brand's own site (the brand's product URL template,
:func:`storefront.tenancy.product_urls.product_url`), so it is focusable, works with the
keyboard and works with no script. With htmx the same link opens a compact ``quick-view`` card
(image, title, price, swatches, add to bag) in the lookbook's own dialog, never a second product
page: a second page would repeat the buy box's ids, its radios and its live region.

The dialog is a popover in the lookbook's shadow root: the browser closes it on Escape or a
click outside, its Close button is declarative (``popovertarget``), and two small htmx handlers
open it when a card arrives and put focus back on the hotspot that opened it when it closes.
Its ids are the lookbook's (``sk-lookbook-<handle>-...``) and the card's are prefixed with the
lookbook and product, so nothing on the page shares an id. Hotspot positions are per-mille of
the image, turned into percentages for the only inline style the components allow
(``left``/``top``).
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from components.component import Component
from components.context import Links, LoadContext
from storefront.errors import FieldError, InvalidInput
from storefront.lookbooks import service as lookbooks
from storefront.lookbooks.schemas import LookbookOut, LookItemOut
from storefront.money import Money
from storefront.tenancy.product_urls import product_url
from storefront.tenancy.schemas import BrandOut

OCCASION_LABELS: dict[str, str] = {"casual": "Casual", "business": "Business", "evening": "Evening"}


class LookHotspot(msgspec.Struct, frozen=True, kw_only=True):
    product: str
    product_title: str
    variant: str | None
    price: Money
    price_is_from: bool  # no variant styled: the product's lowest price, read "from £95.00"
    note: str
    left_pct: str  # "70.0": per-mille x / 10
    top_pct: str
    id: str  # unique in the lookbook: focus comes back here when the quick view closes
    href: str  # the product's page on the brand's site: works with no script
    quick_view_url: str  # the quick-view component, for htmx


class Look(msgspec.Struct, frozen=True, kw_only=True):
    title: str
    occasion: str
    occasion_label: str
    image: str  # absolute
    image_alt: str
    hotspots: list[LookHotspot]


class LookbookProps(msgspec.Struct, frozen=True, kw_only=True):
    handle: str
    title: str
    description: str
    looks: list[Look]
    locale: str


def _pct(per_mille: int) -> str:
    return f"{Decimal(per_mille).scaleb(-1):f}"


def _hotspot(item: LookItemOut, links: Links, brand: BrandOut, lookbook: str, spot_id: str) -> LookHotspot:
    return LookHotspot(
        product=item.product,
        product_title=item.product_title,
        variant=item.variant,
        price=item.price,
        price_is_from=item.variant is None,
        note=item.note,
        left_pct=_pct(item.hotspot.x),
        top_pct=_pct(item.hotspot.y),
        id=spot_id,
        href=product_url(brand.product_url_template, item.product, item.variant),
        quick_view_url=links.component("quick-view", product=item.product, variant=item.variant, lookbook=lookbook),
    )


def build(lookbook: LookbookOut, links: Links, brand: BrandOut) -> LookbookProps:
    """Unlike the product components this one is built from a lookbook, not a product and variant."""
    return LookbookProps(
        handle=lookbook.handle,
        title=lookbook.title,
        description=lookbook.description,
        looks=[
            Look(
                title=look.title,
                occasion=look.occasion,
                occasion_label=OCCASION_LABELS.get(look.occasion, look.occasion.capitalize()),
                image=links.asset(look.image),
                image_alt=f"{look.title}: " + ", ".join(i.product_title for i in look.items),
                hotspots=[
                    _hotspot(item, links, brand, lookbook.handle, f"sk-lookbook-{lookbook.handle}-spot-{n}-{i}")
                    for i, item in enumerate(look.items, start=1)
                ],
            )
            for n, look in enumerate(lookbook.looks, start=1)
        ],
        locale=brand.locale,
    )


async def load(ctx: LoadContext) -> LookbookProps:
    handle = ctx.params.get("lookbook")
    if not handle:
        raise InvalidInput("this component needs ?lookbook=<handle>", errors=[FieldError("query.lookbook", "required")])
    lookbook = await lookbooks.get_lookbook(
        ctx.principal.brand_id, handle, version=ctx.principal.catalog_version, cache=ctx.caches.lookbooks
    )
    return build(lookbook, ctx.links, ctx.brand)


COMPONENT = Component(
    name="lookbook", title="Lookbook", props_type=LookbookProps, load=load, needs_product=False, interactive=True
)
