"""``gallery``: the chosen variant's photographs with their alt text, captioned with what they show.

A variant with images of its own shows those; otherwise the product's images show, and the caption
names no colour, since they may picture another variant ("Shown in Black" under a tan bag is a
lie). Image URLs are made absolute (``links.asset``) because the fragment is shown on the brand's
own site, where ``/static/...`` would point at the wrong server. An image without alt text falls
back to the title of what it shows rather than to an empty ``alt``: product photos carry meaning,
they are not decoration.

The shopper chooses a picture with no script: each thumbnail is the label of a radio input, and the
stylesheet shows the picture whose radio is checked (``:has()``; a fragment link would not reach
into a shadow root). The radios are one labelled group, so arrow keys move through the pictures.
On a narrow embed the pictures are a strip to swipe instead, and the thumbnails step aside.
"""

from __future__ import annotations

import msgspec

from components.component import Component
from components.context import Links, LoadContext, select_variant
from storefront.catalog.schemas import Image, ProductOut, VariantOut
from storefront.tenancy.schemas import BrandOut


class GalleryImage(msgspec.Struct, frozen=True, kw_only=True):
    url: str  # absolute
    alt: str


class GalleryProps(msgspec.Struct, frozen=True, kw_only=True):
    id_prefix: str  # the radios' name and ids: two galleries on a page never share one
    product: str
    product_title: str
    sku: str
    variant_title: str
    shown_in: str | None  # the variant the images picture; None when they are the product's own
    images: list[GalleryImage]


def shown_images(product: ProductOut, variant: VariantOut) -> tuple[list[Image], bool]:
    """The images to show for ``variant``, and whether they are its own (rather than the product's)."""
    return (list(variant.images), True) if variant.images else (list(product.images), False)


def build(product: ProductOut, variant: VariantOut, links: Links, brand: BrandOut) -> GalleryProps:
    images, own = shown_images(product, variant)
    fallback_alt = f"{product.title}, {variant.title}" if own else product.title
    return GalleryProps(
        id_prefix=f"sk-gallery-{product.handle}",
        product=product.handle,
        product_title=product.title,
        sku=variant.sku,
        variant_title=variant.title,
        shown_in=variant.title if own else None,
        images=[GalleryImage(url=links.asset(i.url), alt=i.alt or fallback_alt) for i in images],
    )


async def load(ctx: LoadContext) -> GalleryProps:
    product = await ctx.product()
    return build(product, select_variant(product, ctx.variant_sku), ctx.links, ctx.brand)


COMPONENT = Component(name="gallery", title="Gallery", props_type=GalleryProps, load=load)
