"""``product-page``: the whole product page, composed from the other components' pure builders.

Nothing is loaded twice and nothing is formatted here: the page is the other components'
props side by side, plus the title, the story and a schema.org ``Product`` (JSON-LD) for
search engines. The variant picker swaps this whole page, so price, stock and gallery follow
the chosen variant.

The ``add-to-cart`` slot holds the buy box: ``fulfilment-options``, ``fulfilment-promise``,
``personalise`` (made-to-order products) and the add-to-cart form, in one form so that it posts
everything without script; that is why the fulfilment parts sit in this slot rather than a
slot of their own. The page is cached per catalogue version, so its promise is *pending* and
fetched on load (a promise depends on the instant). Trade-in is a later component: its
``data-sk-slot`` element is left empty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Literal

import msgspec

from components import (
    add_to_cart,
    gallery,
    loaders,
    materials,
    pairs_well_with,
    price,
    provenance,
    repairability,
    size_guide,
    stock,
    variant_picker,
)
from components.add_to_cart import AddToCartProps
from components.component import Component
from components.context import Links, LoadContext, select_variant
from components.gallery import GalleryProps
from components.loaders import FulfilmentConfig
from components.materials import MaterialsProps
from components.pairs_well_with import PairsWellWithProps
from components.price import PriceProps
from components.provenance import ProvenanceProps
from components.repairability import RepairabilityProps
from components.size_guide import SizeGuideProps
from components.stock import StockProps
from components.structured_data.terms import OfferTerms
from components.variant_picker import VariantPickerProps
from storefront.catalog.schemas import ProductOut, ProductSummary, VariantOut
from storefront.fulfilment.schemas import PersonalisationOptionOut
from storefront.money import Money, exponent
from storefront.tenancy.schemas import BrandOut

NO_FULFILMENT = FulfilmentConfig(pickup_points={}, courier_rates=[], microfactories=[])

Availability = Literal["https://schema.org/InStock", "https://schema.org/OutOfStock", "https://schema.org/PreOrder"]


class JsonLdBrand(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    type_: str = msgspec.field(name="@type", default="Brand")
    name: str


class JsonLdOffer(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    type_: str = msgspec.field(name="@type", default="Offer")
    price: str  # a decimal string in major units: "125.00"
    price_currency: str
    availability: Availability
    sku: str
    url: str | msgspec.UnsetType = msgspec.UNSET  # the host page's URL is not known to us; left out when unset


class JsonLdProduct(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    context: str = msgspec.field(name="@context", default="https://schema.org")
    type_: str = msgspec.field(name="@type", default="Product")
    name: str
    description: str
    image: list[str]
    sku: str
    brand: JsonLdBrand
    material: str
    offers: JsonLdOffer


class ProductPageProps(msgspec.Struct, frozen=True, kw_only=True):
    product: str
    sku: str
    title: str
    story: list[str]  # paragraphs
    gallery: GalleryProps
    price: PriceProps
    variant_picker: VariantPickerProps
    stock: StockProps
    size_guide: SizeGuideProps
    materials: MaterialsProps
    provenance: ProvenanceProps
    repairability: RepairabilityProps
    pairs_well_with: PairsWellWithProps
    add_to_cart: AddToCartProps
    json_ld: JsonLdProduct
    locale: str
    offer_terms: OfferTerms | None = None  # delivery times and returns for the JSON-LD (structured_data.terms)


def availability(variant: VariantOut) -> Availability:
    """Units in hand are InStock; none but made to order is PreOrder; otherwise OutOfStock."""
    if variant.stock.available > 0:
        return "https://schema.org/InStock"
    if variant.stock.made_to_order:
        return "https://schema.org/PreOrder"
    return "https://schema.org/OutOfStock"


def decimal_price(money: Money) -> str:
    """Minor units to schema.org's decimal string in major units: 12500 GBP -> "125.00", 12500 JPY -> "12500"."""
    return f"{Decimal(money.amount).scaleb(-exponent(money.currency)):f}"


def json_ld(product: ProductOut, variant: VariantOut, links: Links, brand: BrandOut) -> JsonLdProduct:
    return JsonLdProduct(
        name=product.title,
        description=product.story,
        image=[links.asset(i.url) for i in gallery.shown_images(product, variant)[0]],
        sku=variant.sku,
        brand=JsonLdBrand(name=brand.name),
        material=", ".join(m.material for m in product.materials),
        offers=JsonLdOffer(
            price=decimal_price(variant.price),
            price_currency=variant.price.currency,
            availability=availability(variant),
            sku=variant.sku,
        ),
    )


def build(
    product: ProductOut,
    variant: VariantOut,
    links: Links,
    brand: BrandOut,
    location_names: Mapping[str, str] | None = None,
    candidates: Sequence[ProductSummary] = (),
    fulfilment: FulfilmentConfig | None = None,
    options: Sequence[PersonalisationOptionOut] = (),
    terms: OfferTerms | None = None,
) -> ProductPageProps:
    """``location_names``, ``candidates``, ``fulfilment`` and ``options`` are what ``load`` fetched for the parts.

    Without a ``fulfilment`` set-up nothing can be had, and the buy box says so.
    """
    args = (product, variant, links, brand)
    return ProductPageProps(
        product=product.handle,
        sku=variant.sku,
        title=product.title,
        story=[p.strip() for p in product.story.split("\n\n") if p.strip()],
        gallery=gallery.build(*args),
        price=price.build(*args),
        variant_picker=variant_picker.build(*args, swap_component="product-page"),
        stock=stock.build(*args, location_names),
        size_guide=size_guide.build(*args),
        materials=materials.build(*args),
        provenance=provenance.build(*args),
        repairability=repairability.build(*args),
        pairs_well_with=pairs_well_with.build(*args, candidates),
        add_to_cart=add_to_cart.build(*args, fulfilment or NO_FULFILMENT, options, source="product-page"),
        json_ld=json_ld(*args),
        locale=brand.locale,
        offer_terms=terms,
    )


async def load(ctx: LoadContext) -> ProductPageProps:
    product = await ctx.product()
    variant = select_variant(product, ctx.variant_sku)
    names = await loaders.location_names(ctx)
    return build(
        product,
        variant,
        ctx.links,
        ctx.brand,
        names,
        await loaders.pair_candidates(ctx, product),
        await loaders.fulfilment_config(ctx),
        await loaders.personalisation_options(ctx) if product.made_to_order else (),
        await loaders.structured_data_terms(ctx, product, variant),
    )


COMPONENT = Component(
    name="product-page", title="Product page", props_type=ProductPageProps, load=load, interactive=True
)
