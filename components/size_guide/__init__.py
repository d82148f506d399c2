"""``size-guide``: the size class and its rule, the dimensions in centimetres, and what fits inside.

"What fits" is a pure rule (:func:`fits`) over a table of everyday things, so a shopper sees
"a phone and a passport, not an A5 notebook" instead of guessing from three numbers. The
catalogue records one set of dimensions per product; the allowance (5 mm off each dimension) stands
for the lining, seams and closure between those outer measurements and the usable interior.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec
from babel.numbers import format_decimal

from components.component import Component
from components.context import Links, LoadContext, select_variant
from storefront.catalog.schemas import Dimensions, ProductOut, VariantOut
from storefront.tenancy.schemas import BrandOut

ALLOWANCE_MM = 5

# Mirrors storefront.catalog.rules.size_class, in words: the longest side decides.
SIZE_CLASS_RULES: dict[str, tuple[str, str]] = {
    "micro": ("Micro", "longest side under 10 cm"),
    "mini": ("Mini", "longest side from 10 cm up to 20 cm"),
    "standard": ("Standard", "longest side over 20 cm, up to 35 cm"),
    "oversized": ("Oversized", "longest side over 35 cm"),
}

Triple = tuple[int, int, int]

# Everyday things, (length, width, depth) in millimetres, smallest first.
EVERYDAY_ITEMS: tuple[tuple[str, Triple], ...] = (
    ("Bank card", (86, 54, 1)),
    ("AirPods case", (61, 45, 22)),
    ("Lipstick", (85, 22, 22)),
    ("Keys", (90, 40, 20)),
    ("Card holder", (105, 75, 10)),
    ("Passport", (125, 88, 5)),
    ("Phone", (147, 72, 8)),
    ("A5 notebook", (210, 148, 15)),
    ("Water bottle", (250, 75, 75)),
    ("13-inch laptop", (305, 215, 16)),
    ("A4 folder", (310, 220, 10)),
)


def fits(item_mm: Triple, bag_mm: Triple, allowance_mm: int = ALLOWANCE_MM) -> bool:
    """Whether an item fits: sort both triples, then each item side <= the matching bag side minus the allowance.

    Sorting lets the item turn to whichever orientation suits it (a phone stands up in a tall bag).
    """
    return all(i <= b - allowance_mm for i, b in zip(sorted(item_mm), sorted(bag_mm), strict=True))


class FitItem(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    length_mm: int
    width_mm: int
    depth_mm: int
    fits: bool


class Measurement(msgspec.Struct, frozen=True, kw_only=True):
    label: str
    mm: int
    cm: str  # formatted in the brand's locale: "9.5" (en), "9,5" (fr)


class SizeGuideProps(msgspec.Struct, frozen=True, kw_only=True):
    product: str
    product_title: str
    size_class: str
    size_class_label: str
    size_class_rule: str
    measurements: list[Measurement]
    allowance_mm: int
    items: list[FitItem]
    locale: str


def what_fits(dimensions: Dimensions, allowance_mm: int = ALLOWANCE_MM) -> list[FitItem]:
    bag = (dimensions.length_mm, dimensions.width_mm, dimensions.height_mm)
    return [
        FitItem(name=name, length_mm=item[0], width_mm=item[1], depth_mm=item[2], fits=fits(item, bag, allowance_mm))
        for name, item in EVERYDAY_ITEMS
    ]


def _cm(mm: int, locale: str) -> str:
    return format_decimal(Decimal(mm).scaleb(-1), locale=locale)


def build(product: ProductOut, variant: VariantOut, links: Links, brand: BrandOut) -> SizeGuideProps:
    label, rule = SIZE_CLASS_RULES[product.size_class]
    dims = product.dimensions
    return SizeGuideProps(
        product=product.handle,
        product_title=product.title,
        size_class=product.size_class,
        size_class_label=label,
        size_class_rule=rule,
        measurements=[
            Measurement(label=name, mm=mm, cm=_cm(mm, brand.locale))
            for name, mm in (("Length", dims.length_mm), ("Width", dims.width_mm), ("Height", dims.height_mm))
        ],
        allowance_mm=ALLOWANCE_MM,
        items=what_fits(dims),
        locale=brand.locale,
    )


async def load(ctx: LoadContext) -> SizeGuideProps:
    product = await ctx.product()
    return build(product, select_variant(product, ctx.variant_sku), ctx.links, ctx.brand)


COMPONENT = Component(name="size-guide", title="Size guide", props_type=SizeGuideProps, load=load)
