"""The catalogue's API: what comes in (``*In``/``*Patch``, strict) and what goes out (``*Out``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from storefront.catalog.rules import SizeClass
from storefront.ids import END, Handle, Line, MultiLine, Sku
from storefront.money import CurrencyCode, Money

Text = Annotated[Line, msgspec.Meta(max_length=200)]
Name = Annotated[Line, msgspec.Meta(min_length=1, max_length=200)]
LongText = Annotated[MultiLine, msgspec.Meta(max_length=10_000)]
# Material names are filtered on (an indexed column of 80): a fibre or a hide, not a sentence.
MaterialName = Annotated[Line, msgspec.Meta(min_length=1, max_length=80)]
Grade = Annotated[Line, msgspec.Meta(max_length=80)]
Country = Annotated[str, msgspec.Meta(pattern=r"^([A-Z]{2})?" + END, description="ISO 3166-1 alpha-2, or empty")]
Url = Annotated[str, msgspec.Meta(pattern=r"^(https?://|/)[^\s\x00-\x1f\x7f-\x9f]{0,490}" + END, max_length=500)]
# Empty or a URL, as one string schema: `Url | Literal[""]` is a union whose branches overlap (OpenAPI refuses it).
OptionalUrl = Annotated[
    str, msgspec.Meta(pattern=r"^((https?://|/)[^\s\x00-\x1f\x7f-\x9f]{0,490})?" + END, max_length=500)
]
Millimetres = Annotated[int, msgspec.Meta(ge=1, le=3000)]
Score = Annotated[int, msgspec.Meta(ge=0, le=10)]
Certification = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9 .+-]{2,40}" + END)]
OptionName = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,29}" + END)]
OptionValue = Annotated[Line, msgspec.Meta(min_length=1, max_length=60)]
Category = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*" + END, max_length=40)]
# A swatch's colour: six-digit hex only (or empty: no swatch), a shape of the theme tokens' colours that
# is safe to write into a ``style`` attribute and reads the same in every browser.
Swatch = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^(#[0-9a-fA-F]{6})?" + END,
        max_length=7,
        description="The colour a picker's swatch shows for this variant, as #rrggbb; empty: a swatch of words only",
        examples=["#b5773f"],
    ),
]
# The bag's making, then (for a refurbished piece) its second life: traded in, repaired.
Stage = Literal["material", "cutting", "assembly", "finishing", "qc", "dispatch", "trade_in", "repair"]
# "new", or a second-hand piece's grade as a trade-in is graded: A like new, B light wear, C visible wear,
# D needs repair (sold as it is).
Condition = Annotated[
    Literal["new", "A", "B", "C", "D"],
    msgspec.Meta(description="new; or A like new, B light wear, C visible wear, D needs repair"),
]
ConditionNote = Annotated[
    Line, msgspec.Meta(max_length=200, description="the repairs done, in words; empty for a new bag")
]


class Dimensions(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    length_mm: Millimetres
    width_mm: Millimetres
    height_mm: Millimetres


class Image(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    url: Url
    alt: Text = ""


# A variant's own photographs: the gallery shows them, not the product's, when that variant is chosen.
VariantImages = Annotated[
    list[Image],
    msgspec.Meta(max_length=10, description="This variant's own photographs; empty: the product's images show it"),
]


class MaterialIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    material: MaterialName
    grade: Grade = ""
    share_pct: Annotated[int, msgspec.Meta(ge=1, le=100)]
    origin: Text = ""
    country: Country = ""
    certifications: Annotated[list[Certification], msgspec.Meta(max_length=10)] = []


class ProvenanceIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    stage: Stage
    place: Name
    country: Country = ""
    maker: Text = ""
    occurred_on: date | None = None
    sku: Annotated[
        Sku | None, msgspec.Meta(description="one of the product's variants: the step is that piece's alone")
    ] = None
    note: Annotated[Text, msgspec.Meta(description="what was done, in words (a repair's work)")] = ""


class RepairabilityIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    parts_availability: Score
    modularity: Score
    ease_of_repair: Score
    documentation: Score
    replaceable_parts: Annotated[list[Name], msgspec.Meta(max_length=20)] = []
    repair_guide_url: OptionalUrl = ""
    service_partner: Text = ""


class PriceIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    amount: Annotated[int, msgspec.Meta(ge=0, le=10**10)]
    currency: CurrencyCode


class VariantIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    sku: Sku
    title: Name
    options: Annotated[dict[OptionName, OptionValue], msgspec.Meta(max_length=5)] = {}
    price: PriceIn
    compare_at_price: PriceIn | None = None
    weight_g: Annotated[int, msgspec.Meta(ge=0, le=50_000)] = 0
    images: VariantImages = []
    swatch: Swatch = ""
    condition: Condition = "new"
    condition_note: ConditionNote = ""


class VariantPatch(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    title: Name | None = None
    options: Annotated[dict[OptionName, OptionValue], msgspec.Meta(max_length=5)] | None = None
    price: PriceIn | None = None
    compare_at_price: PriceIn | None = None
    clear_compare_at_price: bool = False
    weight_g: Annotated[int, msgspec.Meta(ge=0, le=50_000)] | None = None
    images: VariantImages | None = None  # given: replaces the variant's images ([] shows the product's again)
    swatch: Swatch | None = None  # given: replaces the swatch colour ("" leaves words only)
    condition: Condition | None = None  # given as "new": the condition note is cleared too
    condition_note: ConditionNote | None = None


class ProductIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    handle: Handle | None = None
    title: Name
    story: LongText = ""
    category: Category
    dimensions: Dimensions
    images: Annotated[list[Image], msgspec.Meta(max_length=20)] = []
    made_to_order: bool = False
    variants: Annotated[list[VariantIn], msgspec.Meta(min_length=1, max_length=100)]
    materials: Annotated[list[MaterialIn], msgspec.Meta(max_length=10)] = []
    provenance: Annotated[list[ProvenanceIn], msgspec.Meta(max_length=20)] = []
    repairability: RepairabilityIn | None = None


class ProductPatch(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Fields present are changed; lists given replace the current list whole."""

    title: Name | None = None
    story: LongText | None = None
    category: Category | None = None
    dimensions: Dimensions | None = None
    images: Annotated[list[Image], msgspec.Meta(max_length=20)] | None = None
    made_to_order: bool | None = None
    materials: Annotated[list[MaterialIn], msgspec.Meta(max_length=10)] | None = None
    provenance: Annotated[list[ProvenanceIn], msgspec.Meta(max_length=20)] | None = None
    repairability: RepairabilityIn | None = None


class LocationStock(msgspec.Struct, frozen=True, kw_only=True):
    location: str
    kind: str
    available: int


class VariantStock(msgspec.Struct, frozen=True, kw_only=True):
    """Units that can be sold now, and how: pickup counts shops, courier counts shops and warehouses."""

    available: int
    pickup: int
    courier: int
    made_to_order: bool
    by_location: list[LocationStock]


class VariantOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    sku: str
    title: str
    options: dict[str, str]
    price: Money
    compare_at_price: Money | None
    weight_g: int
    stock: VariantStock
    images: list[Image] = []  # its own; empty when the product's images show it
    swatch: str = ""  # "#rrggbb", or "" when the brand gave none
    condition: str = "new"  # new | A | B | C | D
    condition_note: str = ""
    # Came back from a trade-in. The trade-in's id is not shown: it is its shopper's capability.
    refurbished: bool = False


class MaterialOut(msgspec.Struct, frozen=True, kw_only=True):
    material: str
    grade: str
    share_pct: int
    origin: str
    country: str
    certifications: list[str]


class ProvenanceOut(msgspec.Struct, frozen=True, kw_only=True):
    stage: str
    place: str
    country: str
    maker: str
    occurred_on: date | None
    sku: str | None = None  # the variant the step belongs to alone; None: every variant
    note: str = ""


class RepairabilityOut(msgspec.Struct, frozen=True, kw_only=True):
    score: Annotated[str, msgspec.Meta(description="0.0-10.0, weighted from the breakdown; a decimal string")]
    breakdown: dict[str, int]
    weights: dict[str, int]
    replaceable_parts: list[str]
    repair_guide_url: str
    service_partner: str


class ProductOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    handle: str
    title: str
    story: str
    category: str
    dimensions: Dimensions
    size_class: SizeClass
    images: list[Image]
    made_to_order: bool
    price_from: Money
    in_stock: bool
    variants: list[VariantOut]
    materials: list[MaterialOut]
    provenance: list[ProvenanceOut]
    repairability: RepairabilityOut | None
    updated_at: datetime


class ProductSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    handle: str
    title: str
    category: str
    size_class: SizeClass
    image: Image | None
    price_from: Money
    in_stock: bool
    materials: list[str]


class ProductFilters(msgspec.Struct, frozen=True, kw_only=True):
    category: str | None = None
    size_class: SizeClass | None = None
    material: str | None = None
    in_stock: bool | None = None
