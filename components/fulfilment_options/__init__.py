"""``fulfilment-options``: how the chosen variant can be had, as a radio group.

Only what can really be had is offered: collection at pickup shops holding the variant,
courier delivery when a zone has a rate in force and the courier network (shops and
warehouses) holds the variant, and made to order when the product is made to order and the
brand has a microfactory. Courier needs a postcode, so its option carries the input.

Changing the method, the shop or the postcode asks for the ``fulfilment-promise`` of the new
choice (htmx GET with ``method``, ``location``, ``postcode`` and ``variant`` from the fieldset)
and swaps it into the next promise on the page: the one the add-to-cart box holds, or a
standalone ``fulfilment-promise`` placed after this component. The postcode field carries no
``pattern`` and is not ``required``: it would stop the form (adding for pickup, say) for a field
that only a courier needs; the server reads it only for a courier and says in words what is
wrong with it (:mod:`storefront.fulfilment.messages`). Each radio is tagged
``data-sk-event="fulfilment_select"`` with its method, so the embed loader reports the choice
(a radio chosen with the keyboard fires a click too). Without script the standalone form
submits to the host page (``?method=...&postcode=...``), which a server include passes on.

The brand's set-up (pickup points, courier rates, microfactories) is read through the
fulfilment service (:func:`components.loaders.fulfilment_config`) and kept per catalogue
version, which every fulfilment write bumps. A rate that starts later on its own is picked up
with the next catalogue change.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from components import loaders
from components.component import Component
from components.context import Links, LoadContext, select_variant
from components.loaders import FulfilmentConfig
from storefront.catalog.schemas import ProductOut, VariantOut
from storefront.fulfilment.rules import Method
from storefront.money import Money
from storefront.tenancy.schemas import BrandOut

METHOD_LABELS: dict[str, str] = {
    "pickup": "Collect from a shop",
    "courier": "Delivery by courier",
    "made_to_order": "Made to order",
}
NOTHING_TEXT = "This can't be ordered online right now."


class PickupShop(msgspec.Struct, frozen=True, kw_only=True):
    location: str
    name: str
    available: int
    selected: bool


class FulfilmentOption(msgspec.Struct, frozen=True, kw_only=True):
    method: Method
    label: str
    detail: str  # "at Columbia Road", "to your postcode", "at Hackney Workroom"
    price_from: Money  # the template says "Free" or "from £4.95"
    selected: bool


class FulfilmentOptionsProps(msgspec.Struct, frozen=True, kw_only=True):
    product: str
    sku: str
    variant_title: str
    id_prefix: str  # element ids start with it, so two embeds of one product don't collide
    options: list[FulfilmentOption]
    selected: Method | None
    shops: list[PickupShop]  # pickup shops holding the variant, most units first
    postcode: str
    promise_url: str  # the fulfilment-promise of this product; the fieldset adds the choice and the variant
    errors: dict[str, str] = {}  # by field name, shown next to it: location, postcode (an add-to-cart that failed)
    error: str | None = None  # shown under the group: the method's, or a field's that is not on show
    locale: str


def build(
    product: ProductOut,
    variant: VariantOut,
    links: Links,
    brand: BrandOut,
    config: FulfilmentConfig,
    *,
    method: str | None = None,
    postcode: str | None = None,
    location: str | None = None,
    id_prefix: str = "sk-fulfilment",
    errors: Mapping[str, str] | None = None,
) -> FulfilmentOptionsProps:
    """The options for ``variant``; ``method`` is preselected when it is one of them, else the first is."""
    currency = variant.price.currency
    free = Money(amount=0, currency=currency)
    shops = [
        PickupShop(
            location=s.location,
            name=config.pickup_points[s.location],
            available=s.available,
            selected=s.location == location,
        )
        for s in variant.stock.by_location
        if s.kind == "shop" and s.available > 0 and s.location in config.pickup_points
    ]
    shops.sort(key=lambda shop: (-shop.available, shop.name))
    offered: list[tuple[Method, str, Money]] = []
    if shops:
        where = shops[0].name if len(shops) == 1 else f"{len(shops)} shops"
        offered.append(("pickup", f"at {where}", free))
    rates = [r for r in config.courier_rates if r.currency == currency]
    if rates and variant.stock.courier > 0:
        cheapest = min(rates, key=lambda r: r.amount)
        offered.append(("courier", "to your postcode", cheapest))
    if product.made_to_order and config.microfactories:
        offered.append(("made_to_order", f"made for you at {config.microfactories[0]}", free))
    methods = [m for m, _, _ in offered]
    selected: Method | None = method if method in methods else (methods[0] if methods else None)
    on_show = {"location"} if "pickup" in methods and len(shops) > 1 else set()
    on_show |= {"postcode"} if "courier" in methods else set()
    errors = errors or {}
    general = [text for name, text in errors.items() if name not in on_show]
    return FulfilmentOptionsProps(
        product=product.handle,
        sku=variant.sku,
        variant_title=variant.title,
        id_prefix=id_prefix,
        options=[
            FulfilmentOption(
                method=m,
                label=METHOD_LABELS[m],
                detail=detail,
                price_from=price,
                selected=m == selected,
            )
            for m, detail, price in offered
        ],
        selected=selected,
        shops=shops,
        postcode=postcode or "",
        promise_url=links.component("fulfilment-promise", product=product.handle),
        errors={name: text for name, text in errors.items() if name in on_show},
        error=" ".join(dict.fromkeys(general)) or None,
        locale=brand.locale,
    )


def alternatives(props: FulfilmentOptionsProps, *, besides: str | None) -> list[str]:
    """The other ways on offer, as phrases after "you can": ``collect it at Market Street``.

    A refused promise names them (:func:`storefront.fulfilment.messages.with_alternatives`), so
    "we don't deliver there" always comes with what the shopper can do instead.
    """
    phrases = {
        "pickup": "collect it {detail}",
        "courier": "have it delivered by courier",
        "made_to_order": "have it {detail}",
    }
    return [phrases[o.method].format(detail=o.detail) for o in props.options if o.method != besides]


async def load(ctx: LoadContext) -> FulfilmentOptionsProps:
    product = await ctx.product()
    variant = select_variant(product, ctx.variant_sku)
    return build(
        product,
        variant,
        ctx.links,
        ctx.brand,
        await loaders.fulfilment_config(ctx),
        method=ctx.param("method"),
        postcode=ctx.param("postcode"),
        location=ctx.param("location"),
    )


COMPONENT = Component(
    name="fulfilment-options",
    title="Fulfilment options",
    props_type=FulfilmentOptionsProps,
    load=load,
    interactive=True,
)
