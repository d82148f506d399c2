"""The lookbook API: what comes in (``*In``/``*Patch``, strict) and what goes out (``*Out``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from storefront.catalog import LongText, Name, Text, Url
from storefront.ids import Handle, Sku
from storefront.money import Money

Occasion = Literal["casual", "business", "evening"]
PerMille = Annotated[int, msgspec.Meta(ge=0, le=1000, description="per-mille of the image's width or height")]


class Hotspot(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where on the look's image the item sits, from the top-left corner."""

    x: PerMille
    y: PerMille


class LookItemIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    product: Annotated[Handle, msgspec.Meta(description="the product's handle")]
    variant: Sku | None = None  # a SKU of that product, or null to style the product as a whole
    hotspot: Hotspot
    note: Text = ""


class LookIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    title: Name
    occasion: Occasion
    image: Url
    items: Annotated[list[LookItemIn], msgspec.Meta(min_length=1, max_length=12)]
    bundle_discount_bp: Annotated[
        int, msgspec.Meta(ge=0, le=5000, description="basis points off when the whole look is bought together")
    ] = 0


Looks = Annotated[list[LookIn], msgspec.Meta(min_length=1, max_length=20)]


class LookbookIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    handle: Handle | None = None
    title: Name
    description: LongText = ""
    looks: Looks


class LookbookPatch(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Fields present are changed; ``looks`` given replaces every look."""

    title: Name | None = None
    description: LongText | None = None
    looks: Looks | None = None


class LookItemOut(msgspec.Struct, frozen=True, kw_only=True):
    product: Annotated[str, msgspec.Meta(description="the product's handle")]
    product_title: str
    variant: Annotated[str | None, msgspec.Meta(description="the SKU styled, or null for the product")]
    price: Annotated[Money, msgspec.Meta(description="the variant's price, else the product's lowest")]
    hotspot: Hotspot
    note: str


class LookOut(msgspec.Struct, frozen=True, kw_only=True):
    id: Annotated[uuid.UUID, msgspec.Meta(description="add the whole look to a cart with it")]
    title: str
    occasion: Occasion
    image: str
    bundle_discount_bp: int
    items: list[LookItemOut]


class LookbookOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    handle: str
    title: str
    description: str
    looks: list[LookOut]
    created_at: datetime


class LookbookSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    handle: str
    title: str
    description: str
    look_count: int
    cover_image: Annotated[str | None, msgspec.Meta(description="the first look's image")]
