"""``quick-view``: a compact look at one product, the card a lookbook hotspot opens.

Image, title, price, the colour swatches and "Add to bag", nothing else: the product's whole
page lives on the brand's site (:func:`storefront.tenancy.product_urls.product_url`) and the
card links to it for every other detail and every other way to get the piece. The parts are the
existing ones: the price is the ``price`` component's partial, the swatches are the variant
picker's choices (its rule for what is selected and what can be had), and the form posts to the
add-to-cart action (:mod:`components.actions.cart`) as the buy box does, so a line added here is
the same line, refused for the same reasons, and every live bag on the page hears of it.

The form adds one piece the first way the buy box would offer (:func:`components.fulfilment_options.build`):
collected from whichever shop has it ready first, or made to order; a courier delivery asks for
the postcode, since no courier can be sent without one. Whatever the action answers is cut down
to a sentence for the card's live region: the bag's heading ("Your bag (2 items)") or why the
line was refused.

Ids are prefixed per instance, ``sk-quick-view-<lookbook>-<product>``, so a card inside a
lookbook never shares an id with the product page or the buy box beside it. A swatch is a link
to the brand's page for that variant (no script), and with htmx swaps this card for that
variant's, where the embed loader puts focus back on the chosen swatch.
"""

from __future__ import annotations

import msgspec

from components import fulfilment_options, loaders, price, variant_picker
from components.component import Component
from components.context import Links, LoadContext, select_variant
from components.fulfilment_options import FulfilmentOption
from components.gallery import shown_images
from components.loaders import FulfilmentConfig
from components.price import PriceProps
from storefront.catalog.schemas import ProductOut, VariantOut
from storefront.money import Money
from storefront.tenancy.product_urls import product_url
from storefront.tenancy.schemas import BrandOut

QUICK_METHODS = ("pickup", "made_to_order", "courier")  # the order a quick add prefers, fewest questions first


class Swatch(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    label: str
    price: Money
    available: bool
    selected: bool
    href: str  # the brand's page for this variant: works with no script
    swap_url: str  # this card for that variant, for htmx


class QuickViewProps(msgspec.Struct, frozen=True, kw_only=True):
    id_prefix: str
    lookbook: str | None
    product: str
    sku: str
    title: str
    variant_title: str
    image_url: str | None  # absolute
    image_alt: str
    price: PriceProps
    option_names: list[str]
    swatches: list[Swatch]
    product_url: str  # the brand's own page for the product: every detail, every way to get it
    action_url: str
    way: FulfilmentOption | None  # how the quick add gets it; None: it can't be had online now
    locale: str


def id_prefix(product: str, lookbook: str | None) -> str:
    """One card per product per lookbook on a page, so the two handles make its ids unique."""
    return f"sk-quick-view-{lookbook}-{product}" if lookbook else f"sk-quick-view-{product}"


def build(
    product: ProductOut,
    variant: VariantOut,
    links: Links,
    brand: BrandOut,
    config: FulfilmentConfig,
    *,
    lookbook: str | None = None,
) -> QuickViewProps:
    """The card for ``variant``; ``lookbook`` names the lookbook it opens in (for its ids and swatches)."""
    prefix = id_prefix(product.handle, lookbook)
    picker = variant_picker.build(product, variant, links, brand)
    ways = fulfilment_options.build(product, variant, links, brand, config, id_prefix=prefix).options
    way = min(ways, key=lambda o: QUICK_METHODS.index(o.method), default=None)
    images, _ = shown_images(product, variant)
    template = brand.product_url_template
    return QuickViewProps(
        id_prefix=prefix,
        lookbook=lookbook,
        product=product.handle,
        sku=variant.sku,
        title=product.title,
        variant_title=variant.title,
        image_url=links.asset(images[0].url) if images else None,
        image_alt=(images[0].alt if images and images[0].alt else f"{product.title}, {variant.title}"),
        price=price.build(product, variant, links, brand),
        option_names=picker.option_names,
        swatches=[
            Swatch(
                sku=c.sku,
                label=c.label,
                price=c.price,
                available=c.available,
                selected=c.selected,
                href=product_url(template, product.handle, c.sku),
                swap_url=links.component("quick-view", product=product.handle, variant=c.sku, lookbook=lookbook),
            )
            for c in picker.choices
        ],
        product_url=product_url(template, product.handle, variant.sku),
        action_url=links.action("add-to-cart"),
        way=way,
        locale=brand.locale,
    )


async def load(ctx: LoadContext) -> QuickViewProps:
    product = await ctx.product()
    variant = select_variant(product, ctx.variant_sku)
    config = await loaders.fulfilment_config(ctx)
    return build(product, variant, ctx.links, ctx.brand, config, lookbook=ctx.param("lookbook"))


COMPONENT = Component(name="quick-view", title="Quick view", props_type=QuickViewProps, load=load, interactive=True)
