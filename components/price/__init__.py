"""``price``: the variant's price, a compare-at price when it is on sale, formatted per brand locale.

A second-hand piece (a refurbished trade-in) carries its condition beside its price, in words:
"Refurbished · Like new" and the repairs done, so nobody pays for a bag they took to be new. A
new bag shows nothing. Grades A to C are refurbished (graded, made good, sold as such); D is sold
as it is, "Pre-owned · Needs repair". The badge is its own partial (``_condition.html.jinja``) so
the product page can show it under any theme's price.
"""

from __future__ import annotations

import msgspec

from components.component import Component
from components.context import Links, LoadContext, select_variant
from storefront.catalog.schemas import ProductOut, VariantOut
from storefront.money import Money
from storefront.tenancy.schemas import BrandOut

CONDITION_WORDS: dict[str, str] = {"A": "Like new", "B": "Light wear", "C": "Visible wear", "D": "Needs repair"}


class ConditionBadge(msgspec.Struct, frozen=True, kw_only=True):
    grade: str  # A | B | C | D
    kind: str  # "Refurbished", or "Pre-owned" for a piece sold as it is
    wear: str  # "Like new"
    note: str  # the repairs done, in words; may be empty


def condition_badge(variant: VariantOut) -> ConditionBadge | None:
    """What the shopper is told about a second-hand variant; ``None`` for a new one."""
    wear = CONDITION_WORDS.get(variant.condition)
    if wear is None:
        return None
    kind = "Pre-owned" if variant.condition == "D" else "Refurbished"
    return ConditionBadge(grade=variant.condition, kind=kind, wear=wear, note=variant.condition_note)


class PriceProps(msgspec.Struct, frozen=True, kw_only=True):
    product: str
    sku: str
    price: Money
    compare_at_price: Money | None
    saving_pct: int | None
    locale: str
    condition: ConditionBadge | None = None  # None: a new bag


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
        condition=condition_badge(variant),
    )


async def load(ctx: LoadContext) -> PriceProps:
    product = await ctx.product()
    return build(product, select_variant(product, ctx.variant_sku), ctx.links, ctx.brand)


COMPONENT = Component(name="price", title="Price", props_type=PriceProps, load=load)
