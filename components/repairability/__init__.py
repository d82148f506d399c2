"""``repairability``: the 0-10 score, how it was weighted, what can be replaced and who repairs it.

The score is shown as text and in a ``<meter>``; each criterion carries its own score and its
weight, so the shopper can see why a bag scores what it does. A product without a disclosure
says so rather than showing a zero.
"""

from __future__ import annotations

import msgspec

from components.component import Component
from components.context import Links, LoadContext, select_variant
from storefront.catalog.schemas import ProductOut, VariantOut
from storefront.tenancy.schemas import BrandOut

MAX_SCORE = 10
CRITERION_LABELS: dict[str, str] = {
    "parts_availability": "Spare parts available",
    "modularity": "Modular construction",
    "ease_of_repair": "Ease of repair",
    "documentation": "Repair documentation",
}


class Criterion(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    label: str
    score: int
    weight_pct: int


class RepairabilityProps(msgspec.Struct, frozen=True, kw_only=True):
    product: str
    product_title: str
    disclosed: bool
    score: str | None  # a decimal string, "7.5"; None when not disclosed
    max_score: int
    criteria: list[Criterion]  # heaviest weight first
    replaceable_parts: list[str]
    repair_guide_url: str | None  # absolute
    service_partner: str
    locale: str


def build(product: ProductOut, variant: VariantOut, links: Links, brand: BrandOut) -> RepairabilityProps:
    repair = product.repairability
    if repair is None:
        return RepairabilityProps(
            product=product.handle,
            product_title=product.title,
            disclosed=False,
            score=None,
            max_score=MAX_SCORE,
            criteria=[],
            replaceable_parts=[],
            repair_guide_url=None,
            service_partner="",
            locale=brand.locale,
        )
    criteria = [
        Criterion(
            key=key,
            label=CRITERION_LABELS.get(key, key.replace("_", " ").capitalize()),
            score=score,
            weight_pct=repair.weights.get(key, 0),
        )
        for key, score in repair.breakdown.items()
    ]
    criteria.sort(key=lambda c: -c.weight_pct)
    return RepairabilityProps(
        product=product.handle,
        product_title=product.title,
        disclosed=True,
        score=repair.score,
        max_score=MAX_SCORE,
        criteria=criteria,
        replaceable_parts=list(repair.replaceable_parts),
        repair_guide_url=links.asset(repair.repair_guide_url) if repair.repair_guide_url else None,
        service_partner=repair.service_partner,
        locale=brand.locale,
    )


async def load(ctx: LoadContext) -> RepairabilityProps:
    product = await ctx.product()
    return build(product, select_variant(product, ctx.variant_sku), ctx.links, ctx.brand)


COMPONENT = Component(name="repairability", title="Repairability", props_type=RepairabilityProps, load=load)
