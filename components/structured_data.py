"""schema.org structured data for the product page: a ``ProductGroup`` of its variants, as JSON-LD.

Search engines read a bag with colours as one product group that varies by colour, with an
offer per variant, so the page says so rather than describing only the variant on show. The
group is a pure function of the page's props (:func:`product_group`), rendered by the template
into one ``<script type="application/ld+json">`` (escaped by :func:`components.rendering.to_json`):
nothing is loaded for it, and it is as fresh as the cached page it sits on.

What the props know, and so what is said:

- every variant's SKU, options, price and whether it can be had (the variant picker); for the
  variant on show, its stock exactly (the stock component). A made-to-order product's other
  variants are said to be ``PreOrder``: the picker knows they can be had, not whether from stock,
  and claiming stock a workroom has yet to make would be the worse mistake;
- the ways the variant on show can be had (the buy box): pickup as ``OnSitePickup`` at the shops
  holding it, courier and made to order as shipping details with their rates;
- materials (heaviest share first) and the country of origin: where the bag took its shape, by
  the provenance steps (assembly, else finishing, else cutting), never the tannery's country.

Delivery times and a returns policy are said only when given (``delivery``, ``returns``): the
page's promise is *pending* (a promise depends on the instant, the page is cached), and no returns
rule exists to read a window from. Publishing either without a source would be a promise the
merchant never made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

import msgspec

from components.product_page import Availability, decimal_price
from storefront.money import Money

UNSET = msgspec.UNSET
Unset = msgspec.UnsetType

if TYPE_CHECKING:
    from components.product_page import ProductPageProps

SCHEMA = "https://schema.org"
IN_STOCK: Availability = "https://schema.org/InStock"
OUT_OF_STOCK: Availability = "https://schema.org/OutOfStock"
PRE_ORDER: Availability = "https://schema.org/PreOrder"
NEW = "https://schema.org/NewCondition"
ON_SITE_PICKUP = "https://schema.org/OnSitePickup"
PARCEL_SERVICE = "https://schema.org/ParcelService"

# Variant options (as brands name them, lower-cased) that schema.org has a property for.
OPTION_PROPERTIES: dict[str, str] = {
    "colour": "color",
    "color": "color",
    "material": "material",
    "size": "size",
    "pattern": "pattern",
}
# Where the product is made, in order of preference: the country of origin is where it took its shape.
ORIGIN_STAGES = ("assembly", "finishing", "cutting")
SHIPPED_METHODS = ("courier", "made_to_order")  # the ways that travel to the shopper (pickup does not)


# --- what may be given beyond the props -----------------------------------------------------------


class DeliveryDays(msgspec.Struct, frozen=True, kw_only=True):
    """Whole days a way of delivery takes: handling (until it leaves) and transit (until it arrives)."""

    handling_min: int
    handling_max: int
    transit_min: int
    transit_max: int


class ReturnPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """The brand's returns rule: ``days`` after delivery (None: no limit), and who pays the return."""

    country: str  # ISO 3166-1 alpha-2, where the policy applies
    days: int | None
    free: bool
    by_mail: bool = True
    in_store: bool = False


# --- schema.org, as JSON-LD -----------------------------------------------------------------------
# Every node below is spelt as JSON-LD wants: camelCase properties, and what is not known left out
# (``UNSET``), never null.


class QuantitativeValue(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    type_: str = msgspec.field(name="@type", default="QuantitativeValue")
    min_value: int
    max_value: int
    unit_code: str = "DAY"


class ShippingDeliveryTime(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    type_: str = msgspec.field(name="@type", default="ShippingDeliveryTime")
    handling_time: QuantitativeValue
    transit_time: QuantitativeValue


class MonetaryAmount(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    type_: str = msgspec.field(name="@type", default="MonetaryAmount")
    value: str  # a decimal string in major units, as prices are
    currency: str


class OfferShippingDetails(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    type_: str = msgspec.field(name="@type", default="OfferShippingDetails")
    shipping_label: str  # which way this is: "Delivery by courier", "Made to order"
    shipping_rate: MonetaryAmount
    delivery_time: ShippingDeliveryTime | Unset = UNSET


class Place(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    type_: str = msgspec.field(name="@type", default="Place")
    name: str


class Offer(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    type_: str = msgspec.field(name="@type", default="Offer")
    sku: str
    price: str
    price_currency: str
    availability: Availability
    item_condition: str = NEW
    available_delivery_method: list[str] | Unset = UNSET
    available_at_or_from: list[Place] | Unset = UNSET
    shipping_details: list[OfferShippingDetails] | Unset = UNSET


class Brand(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    type_: str = msgspec.field(name="@type", default="Brand")
    name: str


class Country(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    type_: str = msgspec.field(name="@type", default="Country")
    name: str  # ISO 3166-1 alpha-2, as schema.org suggests for a country


class VariantProduct(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    type_: str = msgspec.field(name="@type", default="Product")
    sku: str
    name: str
    image: list[str]
    color: str | Unset = UNSET
    material: str | Unset = UNSET
    size: str | Unset = UNSET
    pattern: str | Unset = UNSET
    offers: Offer


class MerchantReturnPolicy(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    type_: str = msgspec.field(name="@type", default="MerchantReturnPolicy")
    applicable_country: str
    return_policy_category: str
    merchant_return_days: int | Unset = UNSET
    return_fees: str
    return_method: list[str]


class ProductGroup(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    context: str = msgspec.field(name="@context", default=SCHEMA)
    type_: str = msgspec.field(name="@type", default="ProductGroup")
    product_group_id: str = msgspec.field(name="productGroupID")  # the product's handle (schema.org's spelling)
    name: str
    description: str
    brand: Brand
    image: list[str]
    material: list[str] | Unset = UNSET
    country_of_origin: Country | Unset = UNSET
    varies_by: list[str] | Unset = UNSET
    has_variant: list[VariantProduct]
    has_merchant_return_policy: MerchantReturnPolicy | Unset = UNSET


# --- the builder ----------------------------------------------------------------------------------


def product_group(
    props: ProductPageProps,
    *,
    delivery: Mapping[str, DeliveryDays] | None = None,
    returns: ReturnPolicy | None = None,
) -> ProductGroup:
    """The page's product as a schema.org ``ProductGroup``; ``delivery`` (by method) and ``returns`` when known."""
    images = [image.url for image in props.gallery.images]
    properties = {name: OPTION_PROPERTIES.get(name.lower()) for name in props.variant_picker.option_names}
    made_to_order = props.stock.made_to_order or props.add_to_cart.personalise.made_to_order
    variants = []
    for choice in props.variant_picker.choices:
        selected = choice.sku == props.sku
        if selected:
            availability = _stock_availability(props)
        elif not choice.available:
            availability = OUT_OF_STOCK
        else:
            availability = PRE_ORDER if made_to_order else IN_STOCK
        described = {
            prop: value for name, value in choice.options.items() if (prop := properties.get(name)) is not None
        }
        offer = _offer(choice.sku, choice.price, availability)
        if selected:
            offer = _with_ways(offer, props, delivery or {})
        variants.append(
            VariantProduct(
                sku=choice.sku,
                name=f"{props.title}, {choice.label}" if choice.label else props.title,
                image=images,
                offers=offer,
                **described,
            )
        )
    materials = list(dict.fromkeys(line.material for line in props.materials.lines))
    varies_by = [f"{SCHEMA}/{p}" for p in dict.fromkeys(p for p in properties.values() if p is not None)]
    return ProductGroup(
        product_group_id=props.product,
        name=props.title,
        description=props.json_ld.description,
        brand=Brand(name=props.json_ld.brand.name),
        image=images,
        material=materials or UNSET,
        country_of_origin=_origin(props),
        varies_by=varies_by or UNSET,
        has_variant=variants,
        has_merchant_return_policy=_return_policy(returns) if returns is not None else UNSET,
    )


def _stock_availability(props: ProductPageProps) -> Availability:
    """As the stock component says it: units in hand, else made to order, else none."""
    if props.stock.status in ("in_stock", "low_stock"):
        return IN_STOCK
    if props.stock.status == "made_to_order":
        return PRE_ORDER
    return OUT_OF_STOCK


def _offer(sku: str, price: Money, availability: Availability) -> Offer:
    return Offer(sku=sku, price=decimal_price(price), price_currency=price.currency, availability=availability)


def _with_ways(offer: Offer, props: ProductPageProps, delivery: Mapping[str, DeliveryDays]) -> Offer:
    """The buy box's ways to have the variant on show: pickup at its shops, and what is shipped at what rate."""
    options = props.add_to_cart.fulfilment.options
    methods: list[str] = []
    places: list[Place] = []
    shipping: list[OfferShippingDetails] = []
    for option in options:
        if option.method == "pickup":
            methods.append(ON_SITE_PICKUP)
            shops = [shop.name for shop in props.add_to_cart.fulfilment.shops]
            places = [Place(name=name) for name in shops]
        elif option.method in SHIPPED_METHODS:
            if PARCEL_SERVICE not in methods:
                methods.append(PARCEL_SERVICE)
            days = delivery.get(option.method)
            shipping.append(
                OfferShippingDetails(
                    shipping_label=option.label,
                    shipping_rate=MonetaryAmount(
                        value=decimal_price(option.price_from), currency=option.price_from.currency
                    ),
                    delivery_time=_delivery_time(days) if days is not None else UNSET,
                )
            )
    return msgspec.structs.replace(
        offer,
        available_delivery_method=methods or UNSET,
        available_at_or_from=places or UNSET,
        shipping_details=shipping or UNSET,
    )


def _delivery_time(days: DeliveryDays) -> ShippingDeliveryTime:
    return ShippingDeliveryTime(
        handling_time=QuantitativeValue(min_value=days.handling_min, max_value=days.handling_max),
        transit_time=QuantitativeValue(min_value=days.transit_min, max_value=days.transit_max),
    )


def _origin(props: ProductPageProps) -> Country | Unset:
    by_stage = {step.stage: step.country_code for step in props.provenance.steps if step.country_code}
    for stage in ORIGIN_STAGES:
        if stage in by_stage:
            return Country(name=by_stage[stage])
    return UNSET


ReturnCategory = Literal[
    "https://schema.org/MerchantReturnFiniteReturnWindow", "https://schema.org/MerchantReturnUnlimitedWindow"
]


def _return_policy(policy: ReturnPolicy) -> MerchantReturnPolicy:
    category: ReturnCategory = (
        "https://schema.org/MerchantReturnUnlimitedWindow"
        if policy.days is None
        else "https://schema.org/MerchantReturnFiniteReturnWindow"
    )
    methods = [
        method
        for method, offered in (
            (f"{SCHEMA}/ReturnByMail", policy.by_mail),
            (f"{SCHEMA}/ReturnInStore", policy.in_store),
        )
        if offered
    ]
    return MerchantReturnPolicy(
        applicable_country=policy.country,
        return_policy_category=category,
        merchant_return_days=UNSET if policy.days is None else policy.days,
        return_fees=f"{SCHEMA}/FreeReturn" if policy.free else f"{SCHEMA}/ReturnFeesCustomerResponsibility",
        return_method=methods,
    )
