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
- each offer's condition: ``NewCondition``, or for a second-hand piece (a refurbished trade-in)
  ``RefurbishedCondition`` when it was graded A to C and ``UsedCondition`` when it is sold as it is (D);
- materials (heaviest share first) and the country of origin: where the bag took its shape, by
  the provenance steps (assembly, else finishing, else cutting), never the tannery's country.

Delivery times, where the courier goes and the returns promise come from :class:`OfferTerms`
(:mod:`components.structured_data.terms`): the promise engine's rules asked over a week, and
the brand's returns setting. Without them (a build with no terms) the offer says only what its
props know, never a time or a window nobody computed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import msgspec

from components.product_page import Availability, decimal_price
from components.structured_data.terms import CourierTerms, DeliveryDays, OfferTerms, ReturnPolicy
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
REFURBISHED = "https://schema.org/RefurbishedCondition"
USED = "https://schema.org/UsedCondition"
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
    transit_time: QuantitativeValue | Unset = UNSET


class DefinedRegion(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    type_: str = msgspec.field(name="@type", default="DefinedRegion")
    address_country: str  # ISO 3166-1 alpha-2
    postal_code_prefix: list[str] | Unset = UNSET


class MonetaryAmount(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    type_: str = msgspec.field(name="@type", default="MonetaryAmount")
    value: str  # a decimal string in major units, as prices are
    currency: str


class OfferShippingDetails(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    type_: str = msgspec.field(name="@type", default="OfferShippingDetails")
    shipping_label: str  # which way this is: "Delivery by courier", "Made to order"
    shipping_rate: MonetaryAmount
    shipping_destination: DefinedRegion | Unset = UNSET
    delivery_time: ShippingDeliveryTime | Unset = UNSET


class Place(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    type_: str = msgspec.field(name="@type", default="Place")
    name: str


class MerchantReturnPolicy(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    type_: str = msgspec.field(name="@type", default="MerchantReturnPolicy")
    applicable_country: str
    return_policy_category: str
    merchant_return_days: int | Unset = UNSET
    return_fees: str
    return_method: list[str]


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
    has_merchant_return_policy: MerchantReturnPolicy | Unset = UNSET  # on the offer, where Google reads it


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


# --- the builder ----------------------------------------------------------------------------------


def product_group(props: ProductPageProps, terms: OfferTerms | None = None) -> ProductGroup:
    """The page's product as a schema.org ``ProductGroup``; delivery times and returns from ``terms`` when given."""
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
        offer = _offer(choice.sku, choice.price, availability, terms, item_condition(choice.condition))
        if selected:
            offer = _with_ways(offer, props, terms)
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
    )


def _stock_availability(props: ProductPageProps) -> Availability:
    """As the stock component says it: units in hand, else made to order, else none."""
    if props.stock.status in ("in_stock", "low_stock"):
        return IN_STOCK
    if props.stock.status == "made_to_order":
        return PRE_ORDER
    return OUT_OF_STOCK


def item_condition(condition: str) -> str:
    """A variant's condition as schema.org names it: new, refurbished (graded A-C) or used (D, as it is)."""
    if condition == "new":
        return NEW
    return USED if condition == "D" else REFURBISHED


def _offer(sku: str, price: Money, availability: Availability, terms: OfferTerms | None, condition: str) -> Offer:
    returns = terms.returns if terms is not None else None
    return Offer(
        sku=sku,
        price=decimal_price(price),
        price_currency=price.currency,
        availability=availability,
        item_condition=condition,
        has_merchant_return_policy=_return_policy(returns) if returns is not None else UNSET,
    )


def _money(amount: Money) -> MonetaryAmount:
    return MonetaryAmount(value=decimal_price(amount), currency=amount.currency)


def _by_courier(label: str, zone: CourierTerms, country: str | None) -> OfferShippingDetails:
    """One courier zone: its rate, the postcodes it serves in the brand's country, and the engine's days."""
    destination: DefinedRegion | Unset = UNSET
    if country is not None:
        destination = DefinedRegion(address_country=country, postal_code_prefix=zone.postcode_prefixes or UNSET)
    return OfferShippingDetails(
        shipping_label=label,
        shipping_rate=_money(zone.rate),
        shipping_destination=destination,
        delivery_time=_delivery_time(zone.days) if zone.days is not None else UNSET,
    )


def _with_ways(offer: Offer, props: ProductPageProps, terms: OfferTerms | None) -> Offer:
    """The buy box's ways to have the variant on show: pickup at its shops, and what is shipped at what rate.

    With ``terms``, the courier is one shipping offer per zone (its own rate, postcodes and days)
    and made to order carries the workroom's days; without, the cheapest rate the buy box shows.
    """
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
            zones = [z for z in terms.courier if z.rate.currency == option.price_from.currency] if terms else []
            if option.method == "courier" and zones:
                shipping.extend(_by_courier(option.label, zone, terms.country if terms else None) for zone in zones)
                continue
            days = terms.made_to_order if terms is not None and option.method == "made_to_order" else None
            shipping.append(
                OfferShippingDetails(
                    shipping_label=option.label,
                    shipping_rate=_money(option.price_from),
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
    transit: QuantitativeValue | Unset = UNSET
    if days.transit_min is not None and days.transit_max is not None:
        transit = QuantitativeValue(min_value=days.transit_min, max_value=days.transit_max)
    return ShippingDeliveryTime(
        handling_time=QuantitativeValue(min_value=days.handling_min, max_value=days.handling_max),
        transit_time=transit,
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
