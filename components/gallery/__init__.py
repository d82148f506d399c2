"""``gallery``: the product's photographs with their alt text, captioned with the chosen variant.

Image URLs are made absolute (``links.asset``) because the fragment is shown on the brand's
own site, where ``/static/...`` would point at the wrong server. An image without alt text
falls back to the product and variant title rather than to an empty ``alt``: product photos
carry meaning, they are not decoration.
"""

from __future__ import annotations

import msgspec

from components.component import Component
from components.context import Links, LoadContext, select_variant
from storefront.catalog.schemas import ProductOut, VariantOut
from storefront.tenancy.schemas import BrandOut


class GalleryImage(msgspec.Struct, frozen=True, kw_only=True):
    url: str  # absolute
    alt: str


class GalleryProps(msgspec.Struct, frozen=True, kw_only=True):
    product: str
    product_title: str
    sku: str
    variant_title: str
    images: list[GalleryImage]


def build(product: ProductOut, variant: VariantOut, links: Links, brand: BrandOut) -> GalleryProps:
    fallback_alt = f"{product.title}, {variant.title}"
    return GalleryProps(
        product=product.handle,
        product_title=product.title,
        sku=variant.sku,
        variant_title=variant.title,
        images=[GalleryImage(url=links.asset(i.url), alt=i.alt or fallback_alt) for i in product.images],
    )


async def load(ctx: LoadContext) -> GalleryProps:
    product = await ctx.product()
    return build(product, select_variant(product, ctx.variant_sku), ctx.links, ctx.brand)


COMPONENT = Component(name="gallery", title="Gallery", props_type=GalleryProps, load=load)
