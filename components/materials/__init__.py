"""``materials``: what the product is made of, how much of each, where it comes from and who certifies it.

Country names come from Babel in the brand's locale (``IT`` reads "Italy" in English and
"Italie" in French), so a disclosure is never a bare ISO code to the shopper.
"""

from __future__ import annotations

from functools import lru_cache

import msgspec
from babel import Locale, UnknownLocaleError

from components.component import Component
from components.context import Links, LoadContext, select_variant
from storefront.catalog.schemas import ProductOut, VariantOut
from storefront.tenancy.schemas import BrandOut


class MaterialLine(msgspec.Struct, frozen=True, kw_only=True):
    material: str
    grade: str
    share_pct: int
    origin: str  # the mill or tannery, as the brand names it
    country_code: str
    country: str  # the country's name in the brand's locale, or "" when not disclosed
    certifications: list[str]


class MaterialsProps(msgspec.Struct, frozen=True, kw_only=True):
    product: str
    product_title: str
    lines: list[MaterialLine]
    locale: str


@lru_cache(maxsize=64)
def _territories(locale: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(locale).territories)
    except (UnknownLocaleError, ValueError):
        return dict(Locale.parse("en").territories)


def country_name(code: str, locale: str) -> str:
    """The name of an ISO 3166-1 alpha-2 country in ``locale``; the code itself if Babel doesn't know it."""
    if not code:
        return ""
    return _territories(locale).get(code, code)


def build(product: ProductOut, variant: VariantOut, links: Links, brand: BrandOut) -> MaterialsProps:
    """Materials are disclosed per product, so the variant doesn't change them (it is accepted for uniformity)."""
    return MaterialsProps(
        product=product.handle,
        product_title=product.title,
        lines=[
            MaterialLine(
                material=m.material,
                grade=m.grade,
                share_pct=m.share_pct,
                origin=m.origin,
                country_code=m.country,
                country=country_name(m.country, brand.locale),
                certifications=list(m.certifications),
            )
            for m in sorted(product.materials, key=lambda m: -m.share_pct)
        ],
        locale=brand.locale,
    )


async def load(ctx: LoadContext) -> MaterialsProps:
    product = await ctx.product()
    return build(product, select_variant(product, ctx.variant_sku), ctx.links, ctx.brand)


COMPONENT = Component(name="materials", title="Materials", props_type=MaterialsProps, load=load)
