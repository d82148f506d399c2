"""``add-to-cart``: the buy box. How to get it, when it comes, personalisation, quantity, "Add to bag".

One form holds the ``fulfilment-options`` radio group, the pending ``fulfilment-promise``, the
``personalise`` fields (made-to-order products only) and the quantity, so the plain form posts
everything with no script (DESIGN §12: every ``hx-*`` form has ``action``/``method``). It posts
to ``POST /v1/components/add-to-cart`` (:mod:`components.actions`), which calls the cart
service and answers with this same fragment: on success with the shopper's ``mini-cart``
under the button, after a refused line (422 from the cart service) with each error next to
its field and the shopper's input kept. Both answers are 200, so htmx swaps them like any
other (htmx 2 swaps no 4xx by default).

The cart id: a hidden ``cart`` field, empty in a fragment rendered for everyone (the product
page is cached for all shoppers). On every htmx request with a ``cart`` field the embed loader
puts in the id it remembers for the brand's key (``htmx:configRequest``); with no id the action
starts a cart, and its answer carries the new id (in the field, so a page without the loader
keeps using it, and as ``data-sk-cart`` on the mini-cart, for the loader to remember). A cart
that has been checked out is never added to: the action starts the next one.

Enter in a field (the postcode, say) must not add to the bag: the form's first submit button, the
one the browser's implicit submission presses, is a hidden ``intent=update`` that re-renders this
buy box for what was typed (its promise fetched afresh) and adds nothing. After an add the form
keeps the shopper's choices, personalisation included, for the next piece.

A sold-out variant (no way to have it) says so once, in the options, with no promise beside it,
and offers a back-in-stock request instead: a second form, outside the first (forms don't nest),
with an email field, posting to ``POST /v1/components/back-in-stock`` (plain or htmx) and answered
by this same buy box, saying where we will write. :func:`ask_back_in_stock` is that answer: the
request is stored through :mod:`storefront.fulfilment.back_in_stock`, once per email however often
it is asked.

``source`` (a hidden field) is the component the shopper used: ``add-to-cart`` standalone,
``product-page`` when embedded there. The action tags its ``add_to_cart`` analytics event with
it, with the product, the variant and the fulfilment method, once the cart has the line.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from components import fulfilment_options, fulfilment_promise, loaders, personalise
from components.component import Component
from components.context import Links, LoadContext, select_variant
from components.fulfilment_options import FulfilmentOptionsProps
from components.fulfilment_promise import FulfilmentPromiseProps
from components.loaders import FulfilmentConfig
from components.mini_cart import MiniCartProps
from components.personalise import PersonaliseProps
from storefront.catalog.schemas import ProductOut, VariantOut
from storefront.clock import utcnow
from storefront.fulfilment import back_in_stock
from storefront.fulfilment.schemas import BackInStockIn, PersonalisationOptionOut
from storefront.money import Money
from storefront.tenancy.schemas import BrandOut

MAX_QUANTITY = 99
SOURCES = ("add-to-cart", "product-page", "personalise", "mini-cart")  # what may post to the action
QUANTITY_HELP = "Choose a quantity from 1 to 99."
EMAIL_HELP = "Enter an email address, like ada@example.com."


class AddToCartForm(msgspec.Struct, frozen=True, kw_only=True):
    """A submitted form coming back: what the shopper chose and what was wrong with it."""

    cart: str = ""
    method: str | None = None
    location: str | None = None
    postcode: str | None = None
    quantity: int = 1
    values: dict[str, str] = {}  # personalisation fields by name
    errors: dict[str, str] = {}  # by field name: quantity, method, location, postcode, personalisation.<handle>, email
    message: str | None = None  # what can't be pinned to one field
    email: str = ""  # the back-in-stock form's
    asked: bool = False  # a back-in-stock request was stored for ``email``


class BackInStockProps(msgspec.Struct, frozen=True, kw_only=True):
    """A sold-out variant's "email me when it's back" form."""

    product: str
    sku: str
    source: str
    id_prefix: str
    action_url: str
    email: str
    error: str | None
    asked: bool  # stored: the form says where we will write


class AddToCartProps(msgspec.Struct, frozen=True, kw_only=True):
    product: str
    sku: str
    title: str
    variant_title: str
    price: Money
    source: str  # the component the shopper is using: add-to-cart or product-page (analytics)
    id_prefix: str
    action_url: str
    cart: str  # "" until this browser has one; the embed loader puts in the one it remembers
    available: bool  # at least one way to have it
    fulfilment: FulfilmentOptionsProps
    promise: FulfilmentPromiseProps  # pending: fetched for the choice on load
    personalise: PersonaliseProps
    quantity: int
    max_quantity: int
    errors: dict[str, str]  # quantity (the other fields' errors sit in their parts)
    message: str | None
    result: MiniCartProps | None  # after a line was added: the cart
    back_in_stock: BackInStockProps | None = None  # sold out: ask to be told when it is back
    locale: str


def build(
    product: ProductOut,
    variant: VariantOut,
    links: Links,
    brand: BrandOut,
    config: FulfilmentConfig,
    options: Sequence[PersonalisationOptionOut] = (),
    *,
    source: str = "add-to-cart",
    form: AddToCartForm | None = None,
    result: MiniCartProps | None = None,
) -> AddToCartProps:
    """``options`` are the brand's personalisation options (shown for made-to-order products only)."""
    form = form or AddToCartForm()
    prefix = f"sk-{source}-{product.handle}"
    choice = fulfilment_options.build(
        product,
        variant,
        links,
        brand,
        config,
        method=form.method,
        postcode=form.postcode,
        location=form.location,
        id_prefix=prefix,
        errors={k: v for k, v in form.errors.items() if k in ("method", "location", "postcode")},
    )
    promise = fulfilment_promise.build(
        product,
        variant,
        links,
        brand,
        None,
        method=choice.selected,
        postcode=form.postcode,
        location=form.location,
    )
    fields = personalise.build(
        product,
        variant,
        links,
        brand,
        list(options) if product.made_to_order else [],
        values=form.values,
        errors=form.errors,
        error=form.errors.get("personalisation"),
        cart=form.cart,
        id_prefix=prefix,
    )
    message = form.message
    if not fields.available:  # no personalisation fields on show to put their errors by
        lost = [text for name, text in form.errors.items() if name.startswith("personalisation")]
        message = " ".join(dict.fromkeys([*filter(None, [message]), *lost])) or None
    return AddToCartProps(
        product=product.handle,
        sku=variant.sku,
        title=product.title,
        variant_title=variant.title,
        price=variant.price,
        source=source,
        id_prefix=prefix,
        action_url=links.action("add-to-cart"),
        cart=form.cart,
        available=bool(choice.options),
        fulfilment=choice,
        promise=promise,
        personalise=fields,
        quantity=form.quantity,
        max_quantity=MAX_QUANTITY,
        errors={k: v for k, v in form.errors.items() if k == "quantity"},
        message=message,
        result=result,
        back_in_stock=None
        if choice.options
        else BackInStockProps(
            product=product.handle,
            sku=variant.sku,
            source=source,
            id_prefix=prefix,
            action_url=links.action("back-in-stock"),
            email=form.email,
            error=form.errors.get("email"),
            asked=form.asked,
        ),
        locale=brand.locale,
    )


async def ask_back_in_stock(
    ctx: LoadContext, product: ProductOut, variant: VariantOut, email: str, *, source: str = "add-to-cart"
) -> AddToCartProps:
    """The buy box after its back-in-stock form was sent: the request stored, or the email's problem beside it."""
    try:
        data = msgspec.convert({"variant": variant.sku, "email": email}, BackInStockIn)
    except msgspec.ValidationError:
        form = AddToCartForm(email=email, errors={"email": EMAIL_HELP})
    else:
        request, _ = await back_in_stock.ask(ctx.principal.brand_id, data, utcnow())
        form = AddToCartForm(email=request.email, asked=True)
    return await load_for(ctx, product, variant, source=source, form=form)


async def load_for(
    ctx: LoadContext,
    product: ProductOut,
    variant: VariantOut,
    *,
    source: str = "add-to-cart",
    form: AddToCartForm | None = None,
    result: MiniCartProps | None = None,
) -> AddToCartProps:
    """What :func:`build` needs, through the services (each cached per catalogue version)."""
    config = await loaders.fulfilment_config(ctx)
    options = await loaders.personalisation_options(ctx) if product.made_to_order else []
    return build(product, variant, ctx.links, ctx.brand, config, options, source=source, form=form, result=result)


async def load(ctx: LoadContext) -> AddToCartProps:
    product = await ctx.product()
    variant = select_variant(product, ctx.variant_sku)
    form = AddToCartForm(method=ctx.param("method"), postcode=ctx.param("postcode"), location=ctx.param("location"))
    return await load_for(ctx, product, variant, form=form)


COMPONENT = Component(name="add-to-cart", title="Add to cart", props_type=AddToCartProps, load=load, interactive=True)
