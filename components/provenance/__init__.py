"""``provenance``: the product's journey as an ordered timeline, from material to dispatch.

Steps are put in the order of the stages (material, cutting, assembly, finishing, quality
check, dispatch, then a second-hand piece's second life: traded in, repaired) whatever order they
were entered in, so the timeline always reads forwards; steps of the same stage keep the brand's
order. A step kept for one variant (a refurbished piece's trade-in and repair) shows on that
variant's timeline alone. ``made_at`` is where the bag took its shape (the
assembly, or failing that the cutting or finishing), the one place a closed section names.
"""

from __future__ import annotations

from datetime import date

import msgspec

from components.component import Component
from components.context import Links, LoadContext, select_variant
from components.materials import country_name
from storefront.catalog.schemas import ProductOut, VariantOut
from storefront.tenancy.schemas import BrandOut

STAGE_LABELS: dict[str, str] = {
    "material": "Material",
    "cutting": "Cutting",
    "assembly": "Assembly",
    "finishing": "Finishing",
    "qc": "Quality check",
    "dispatch": "Dispatch",
    "trade_in": "Traded in",
    "repair": "Repaired",
}
_STAGE_ORDER = {stage: i for i, stage in enumerate(STAGE_LABELS)}


class ProvenanceStep(msgspec.Struct, frozen=True, kw_only=True):
    stage: str
    label: str
    place: str
    country_code: str
    country: str
    maker: str
    occurred_on: date | None
    note: str = ""  # what was done, in words (a repair's work)


class ProvenanceProps(msgspec.Struct, frozen=True, kw_only=True):
    product: str
    product_title: str
    steps: list[ProvenanceStep]
    made_at: str  # "Hackney, London": where it was assembled (or cut, or finished); "" when not disclosed
    locale: str


MAKING_STAGES = ("assembly", "cutting", "finishing")  # where a bag is made, most telling first


def made_at(steps: list[ProvenanceStep]) -> str:
    for stage in MAKING_STAGES:
        for step in steps:
            if step.stage == stage:
                return step.place
    return ""


def build(product: ProductOut, variant: VariantOut, links: Links, brand: BrandOut) -> ProvenanceProps:
    """The product's steps, and the variant's own (a refurbished piece's second life)."""
    shown = [p for p in product.provenance if p.sku is None or p.sku == variant.sku]
    ordered = sorted(shown, key=lambda p: _STAGE_ORDER.get(p.stage, len(_STAGE_ORDER)))
    steps = [
        ProvenanceStep(
            stage=p.stage,
            label=STAGE_LABELS.get(p.stage, p.stage.capitalize()),
            place=p.place,
            country_code=p.country,
            country=country_name(p.country, brand.locale),
            maker=p.maker,
            occurred_on=p.occurred_on,
            note=p.note,
        )
        for p in ordered
    ]
    return ProvenanceProps(
        product=product.handle, product_title=product.title, steps=steps, made_at=made_at(steps), locale=brand.locale
    )


async def load(ctx: LoadContext) -> ProvenanceProps:
    product = await ctx.product()
    return build(product, select_variant(product, ctx.variant_sku), ctx.links, ctx.brand)


COMPONENT = Component(name="provenance", title="Provenance", props_type=ProvenanceProps, load=load)
