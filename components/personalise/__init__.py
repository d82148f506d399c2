"""``personalise``: monogram and thread-colour fields for made-to-order pieces.

The options come from the fulfilment service (a brand's monogram rule, its thread colours),
each with its price add-on. Fields are labelled, and carry the option's rules for the browser
(``pattern``, ``maxlength``, a ``<select>`` of allowed values) so most mistakes never leave the
page; the cart service checks again when the line is added, and its 422 errors (field
``body.personalisation[i].value``) come back next to the field they are about, in words.

A monogram is stitched in capitals and the server reads it so
(:func:`storefront.fulfilment.rules.personalisation_value`), so the browser must not refuse what a
shopper types in lower case: its pattern takes either case (:func:`monogram_pattern`), and the
field shows capitals as they are typed (``autocapitalize``, ``text-transform``). The length limit
is counted in letters, the one word used for it here and in the server's message.

Fields are named ``personalisation.<option handle>``; an empty one means "not this option".
Add-to-cart embeds them for made-to-order products; standalone, this component is a small
form that adds the piece, made to order and personalised, to the shopper's cart.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from components import loaders
from components.component import Component
from components.context import Links, LoadContext, select_variant
from components.mini_cart import MiniCartProps
from storefront.catalog.schemas import ProductOut, VariantOut
from storefront.fulfilment.schemas import PersonalisationOptionOut
from storefront.money import Money
from storefront.tenancy.schemas import BrandOut

FIELD_PREFIX = "personalisation."
# Python-only regular expression syntax the browser's pattern attribute can't compile (it would
# ignore the attribute and log a warning): such a pattern is left to the server.
_NOT_JS = ("(?P", "\\A", "\\Z", "(?i", "(?x", "(?s", "(?m", "(?#")


class PersonalisationField(msgspec.Struct, frozen=True, kw_only=True):
    option: str  # the option's handle
    kind: str  # monogram | thread_colour
    label: str
    name: str  # the form field: personalisation.<handle>
    allowed_values: list[str]  # a choice among these (a <select>), else free text
    pattern: str  # for the browser's pattern attribute; "" for none
    max_length: int | None
    price: Money  # added per unit
    value: str = ""
    error: str | None = None


class PersonaliseProps(msgspec.Struct, frozen=True, kw_only=True):
    product: str
    sku: str
    id_prefix: str
    made_to_order: bool
    available: bool  # made to order, with options: the fields show
    fields: list[PersonalisationField]
    error: str | None = None  # a problem with the personalisation as a whole
    message: str | None = None  # standalone: a problem with the line that no field explains
    action_url: str  # standalone: the add-to-cart action
    cart: str  # standalone: the cart id if known; the embed loader puts in the one it remembers
    result: MiniCartProps | None = None  # standalone, after a successful add: the cart
    locale: str


def html_pattern(pattern: str) -> str:
    """The option's pattern for ``<input pattern>``: anchors dropped (the browser anchors), "" if not JavaScript."""
    if not pattern or any(token in pattern for token in _NOT_JS):
        return ""
    if pattern.startswith("^"):
        pattern = pattern[1:]
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1]
    return pattern


def monogram_pattern(pattern: str) -> str:
    """A monogram's browser pattern taking lower case too: the server puts the value in capitals first."""
    return pattern.replace("A-Z", "A-Za-z") if "a-z" not in pattern else pattern


def field_label(option: PersonalisationOptionOut) -> str:
    return option.label or option.kind.replace("_", " ").capitalize()


def build(
    product: ProductOut,
    variant: VariantOut,
    links: Links,
    brand: BrandOut,
    options: list[PersonalisationOptionOut],
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    error: str | None = None,
    message: str | None = None,
    cart: str | None = None,
    result: MiniCartProps | None = None,
    id_prefix: str = "sk-personalise",
) -> PersonaliseProps:
    """``values`` and ``errors`` are keyed by field name (``personalisation.<handle>``): a form coming back."""
    values, errors = values or {}, errors or {}
    fields = [
        PersonalisationField(
            option=o.handle,
            kind=o.kind,
            label=field_label(o),
            name=FIELD_PREFIX + o.handle,
            allowed_values=list(o.allowed_values),
            pattern=monogram_pattern(html_pattern(o.pattern)) if o.kind == "monogram" else html_pattern(o.pattern),
            max_length=o.max_length,
            price=o.price,
            value=values.get(FIELD_PREFIX + o.handle, ""),
            error=errors.get(FIELD_PREFIX + o.handle),
        )
        for o in options
        if o.price.currency == variant.price.currency
    ]
    return PersonaliseProps(
        product=product.handle,
        sku=variant.sku,
        id_prefix=id_prefix,
        made_to_order=product.made_to_order,
        available=product.made_to_order and bool(fields),
        fields=fields,
        error=error,
        message=message,
        action_url=links.action("add-to-cart"),
        cart=cart or "",
        result=result,
        locale=brand.locale,
    )


async def load(ctx: LoadContext) -> PersonaliseProps:
    product = await ctx.product()
    variant = select_variant(product, ctx.variant_sku)
    found = await loaders.personalisation_options(ctx) if product.made_to_order else []
    return build(product, variant, ctx.links, ctx.brand, found)


COMPONENT = Component(name="personalise", title="Personalise", props_type=PersonaliseProps, load=load, interactive=True)
