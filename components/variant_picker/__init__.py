"""``variant-picker``: choose colour, material or size; swaps the page's variant-dependent parts.

Each choice is a real link (``?variant=SKU`` on the host page), so it works with no script and
through a server include; with htmx the same link fetches the product page for that variant
from our API and swaps it in place, without a reload. After that swap the embed loader puts
focus back on the chosen link, writes ``?variant=SKU`` into the host page's address (so a reload
or a shared link keeps the choice) and reads the selected link's ``data-sk-announce`` ("Tan
selected, £95.00, in stock") into a polite live region: the swap itself is silent.

A choice is a round swatch of the variant's colour (``swatch``, set by the brand; without one the
name stands alone) with its name beside it. A price is shown only on a choice whose price differs
from the product's (its lowest), so the chips do not repeat the headline price. Sold out is said in
words and the name struck through, never by colour alone. A second-hand piece (a refurbished
trade-in) says so in words on its choice; its grade and repairs are the price's to show.
"""

from __future__ import annotations

import msgspec

from components.component import Component
from components.context import Links, LoadContext, select_variant
from components.price import ConditionBadge, condition_badge
from storefront.catalog.schemas import ProductOut, VariantOut
from storefront.money import Money
from storefront.tenancy.schemas import BrandOut


class VariantChoice(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    title: str
    label: str
    options: dict[str, str]
    price: Money
    price_differs: bool  # from the product's price (its lowest): only then is the price on the chip
    swatch: str  # "#rrggbb", or "" for a choice in words alone
    available: bool
    condition: str  # "new", or a second-hand piece's grade A-D (structured data says which)
    condition_word: str  # "Refurbished" or "Pre-owned" when its title does not say so already; "" for a new bag
    selected: bool
    href: str  # relative to the host page: works with no script
    swap_url: str  # the product page for this variant, for htmx


class VariantPickerProps(msgspec.Struct, frozen=True, kw_only=True):
    product: str
    product_title: str
    selected_sku: str
    selected_title: str
    option_names: list[str]
    choices: list[VariantChoice]
    locale: str


def _condition_word(badge: ConditionBadge | None, title: str) -> str:
    if badge is None or badge.kind.lower() in title.lower():
        return ""
    return badge.kind


def build(
    product: ProductOut, variant: VariantOut, links: Links, brand: BrandOut, swap_component: str = "variant-picker"
) -> VariantPickerProps:
    """``swap_component`` is what a choice re-fetches: the picker alone, or the whole product page around it."""
    names: list[str] = []
    for v in product.variants:
        names.extend(n for n in v.options if n not in names)
    lowest = min(v.price.amount for v in product.variants)
    choices = [
        VariantChoice(
            sku=v.sku,
            title=v.title,
            label=" / ".join(v.options.values()) or v.title,
            options=dict(v.options),
            price=v.price,
            price_differs=v.price.amount != lowest,
            swatch=v.swatch,
            available=v.stock.available > 0 or v.stock.made_to_order,
            condition=v.condition,
            condition_word=_condition_word(condition_badge(v), v.title),
            selected=v.sku == variant.sku,
            href=links.page_link(variant=v.sku) or f"?variant={v.sku}",  # the brand page keeps its bag
            swap_url=links.component(swap_component, product=product.handle, variant=v.sku),
        )
        for v in product.variants
    ]
    return VariantPickerProps(
        product=product.handle,
        product_title=product.title,
        selected_sku=variant.sku,
        selected_title=variant.title,
        option_names=names,
        choices=choices,
        locale=brand.locale,
    )


async def load(ctx: LoadContext) -> VariantPickerProps:
    product = await ctx.product()
    return build(product, select_variant(product, ctx.variant_sku), ctx.links, ctx.brand)


COMPONENT = Component(
    name="variant-picker", title="Variant picker", props_type=VariantPickerProps, load=load, interactive=True
)
