"""``pairs-well-with``: up to three other products of the brand to carry alongside this one.

The rule (:func:`rank`) is pure and deliberately simple, so a brand can predict it:

1. prefer a different size class: a micro bag beside a tote, not a second tote;
2. then products that can be had now (in stock, or made to order where the brand can make it);
3. then the closest "from" price to this product's, so the add-on sits in the same budget;
4. then the handle, so equal candidates always come out in the same order.

Candidates come from the catalogue service (:func:`components.loaders.pair_candidates`): a bounded
pool of products priced near this one in each size class, so the cost does not grow with the
catalogue; never from the database directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec

from components import loaders
from components.component import Component
from components.context import Links, LoadContext, select_variant
from components.size_guide import SIZE_CLASS_RULES
from storefront.catalog.schemas import ProductOut, ProductSummary, VariantOut
from storefront.money import Money
from storefront.tenancy.product_urls import product_url
from storefront.tenancy.schemas import BrandOut

MAX_SUGGESTIONS = 3


class Suggestion(msgspec.Struct, frozen=True, kw_only=True):
    product: str
    title: str
    size_class: str
    size_class_label: str
    image_url: str | None  # absolute
    image_alt: str
    price_from: Money
    in_stock: bool
    href: str  # the product's page on the brand's own site (its product URL template)


class PairsWellWithProps(msgspec.Struct, frozen=True, kw_only=True):
    product: str
    product_title: str
    suggestions: list[Suggestion]
    locale: str


def rank(
    product: ProductOut, candidates: Iterable[ProductSummary], limit: int = MAX_SUGGESTIONS
) -> list[ProductSummary]:
    """The best ``limit`` candidates by the rule in this module's docstring; never the product itself."""
    price = product.price_from
    eligible = [c for c in candidates if c.handle != product.handle and c.price_from.currency == price.currency]
    eligible.sort(
        key=lambda c: (
            c.size_class == product.size_class,
            not c.in_stock,
            abs(c.price_from.amount - price.amount),
            c.handle,
        )
    )
    return eligible[:limit]


def build(
    product: ProductOut,
    variant: VariantOut,
    links: Links,
    brand: BrandOut,
    candidates: Sequence[ProductSummary] = (),
) -> PairsWellWithProps:
    """Suggestions are per product (the ``from`` price), so choosing a colour doesn't reshuffle them."""
    return PairsWellWithProps(
        product=product.handle,
        product_title=product.title,
        suggestions=[
            Suggestion(
                product=c.handle,
                title=c.title,
                size_class=c.size_class,
                size_class_label=SIZE_CLASS_RULES[c.size_class][0],
                image_url=links.asset(c.image.url) if c.image else None,
                image_alt=(c.image.alt if c.image and c.image.alt else c.title),
                price_from=c.price_from,
                in_stock=c.in_stock,
                href=product_url(brand.product_url_template, c.handle),
            )
            for c in rank(product, candidates)
        ],
        locale=brand.locale,
    )


async def load(ctx: LoadContext) -> PairsWellWithProps:
    product = await ctx.product()
    variant = select_variant(product, ctx.variant_sku)
    return build(product, variant, ctx.links, ctx.brand, await loaders.pair_candidates(ctx, product))


COMPONENT = Component(name="pairs-well-with", title="Pairs well with", props_type=PairsWellWithProps, load=load)
