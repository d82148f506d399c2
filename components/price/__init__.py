"""``price``: the variant's price, a compare-at price when it is on sale, formatted per brand locale."""

from __future__ import annotations

import msgspec

from components.component import Component
from components.context import Links, LoadContext, select_variant
from storefront.catalog.schemas import ProductOut, VariantOut
from storefront.money import Money
from storefront.tenancy.schemas import BrandOut


class PriceProps(msgspec.Struct, frozen=True, kw_only=True):
    product: str
    sku: str
    price: Money
    compare_at_price: Money | None
    saving_pct: int | None
    locale: str


def build(product: ProductOut, variant: VariantOut, links: Links, brand: BrandOut) -> PriceProps:
    compare = variant.compare_at_price
    on_sale = compare is not None and compare.amount > variant.price.amount
    saving = round(100 * (compare.amount - variant.price.amount) / compare.amount) if on_sale and compare else None
    return PriceProps(
        product=product.handle,
        sku=variant.sku,
        price=variant.price,
        compare_at_price=compare if on_sale else None,
        saving_pct=saving,
        locale=brand.locale,
    )


async def load(ctx: LoadContext) -> PriceProps:
    product = await ctx.product()
    return build(product, select_variant(product, ctx.variant_sku), ctx.links, ctx.brand)


COMPONENT = Component(name="price", title="Price", props_type=PriceProps, load=load)
