"""Products, variants, material disclosures, provenance steps and repairability."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from storefront.ids import new_id
from storefront.tenancy import Brand


class Product(Model):
    id = fields.UUIDField(primary_key=True, default=new_id)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="products", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    handle = fields.CharField(max_length=80)
    title = fields.CharField(max_length=200)
    story = fields.TextField(default="")
    category = fields.CharField(max_length=40, db_index=True)
    length_mm = fields.IntField()
    width_mm = fields.IntField()
    height_mm = fields.IntField()
    size_class = fields.CharField(max_length=16, db_index=True)  # derived, stored for filtering
    images: list[dict[str, str]] = fields.JSONField(default=list)
    made_to_order = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    variants: fields.ReverseRelation[Variant]
    materials: fields.ReverseRelation[MaterialDisclosure]
    provenance: fields.ReverseRelation[ProvenanceStep]
    repairability: fields.BackwardOneToOneRelation[Repairability]

    class Meta:
        app = "stallkit"
        table = "product"
        unique_together = (("brand", "handle"),)
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (
            Index(fields=("brand_id", "id"), name="product_brand_page"),
            # "pairs well with" looks up a brand's few products of one size class (catalog/pairing.py)
            Index(fields=("brand_id", "size_class"), name="product_brand_size_class"),
        )


class Variant(Model):
    id = fields.UUIDField(primary_key=True, default=new_id)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="variants", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    product: fields.ForeignKeyRelation[Product] = fields.ForeignKeyField(
        "stallkit.Product", related_name="variants", on_delete=fields.CASCADE
    )
    product_id: uuid.UUID
    sku = fields.CharField(max_length=64)
    title = fields.CharField(max_length=200)
    options: dict[str, str] = fields.JSONField(default=dict)
    price_minor: int = fields.BigIntField()
    compare_at_minor: int | None = fields.BigIntField(null=True)
    currency = fields.CharField(max_length=3)
    weight_g = fields.IntField(default=0)
    position = fields.IntField(default=0)
    # The variant's own photographs (same shape as the product's); empty: the product's images show it.
    images: list[dict[str, str]] = fields.JSONField(default=list, db_default="[]")
    # The picker's swatch colour, "#rrggbb"; empty: the swatch is the variant's name alone.
    swatch = fields.CharField(max_length=7, default="", db_default="")
    # new | A like new | B light wear | C visible wear | D needs repair (the trade-in grades): a second-hand
    # piece is sold for what it is, and the shopper is told so in words beside its price.
    condition = fields.CharField(max_length=3, default="new", db_default="new")
    condition_note = fields.CharField(max_length=200, default="", db_default="")  # the repairs done, in words
    # The trade-in this piece came back as (no foreign key: credits sit above the catalogue). Unique, so
    # listing one trade-in twice finds its variant instead of making a second.
    refurbished_from: uuid.UUID | None = fields.UUIDField(null=True, unique=True)

    class Meta:
        app = "stallkit"
        table = "variant"
        unique_together = (("brand", "sku"),)
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (
            Index(fields=("product_id",), name="variant_product_id"),
            # "pairs well with" reads a brand's variants nearest a price (catalog/pairing.py)
            Index(fields=("brand_id", "currency", "price_minor"), name="variant_brand_price"),
        )


class MaterialDisclosure(Model):
    id = fields.UUIDField(primary_key=True, default=new_id)
    product: fields.ForeignKeyRelation[Product] = fields.ForeignKeyField(
        "stallkit.Product", related_name="materials", on_delete=fields.CASCADE
    )
    product_id: uuid.UUID
    material = fields.CharField(max_length=80, db_index=True)
    grade = fields.CharField(max_length=80, default="")
    share_pct = fields.IntField()
    origin = fields.CharField(max_length=200, default="")  # mill or tannery
    country = fields.CharField(max_length=2, default="")
    certifications: list[str] = fields.JSONField(default=list)
    position = fields.IntField(default=0)

    class Meta:
        app = "stallkit"
        table = "material_disclosure"
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (Index(fields=("product_id",), name="material_disclosure_product_id"),)


class ProvenanceStep(Model):
    id = fields.UUIDField(primary_key=True, default=new_id)
    product: fields.ForeignKeyRelation[Product] = fields.ForeignKeyField(
        "stallkit.Product", related_name="provenance", on_delete=fields.CASCADE
    )
    product_id: uuid.UUID
    stage = fields.CharField(max_length=16)
    place = fields.CharField(max_length=200)
    country = fields.CharField(max_length=2, default="")
    maker = fields.CharField(max_length=200, default="")
    occurred_on = fields.DateField(null=True)
    position = fields.IntField(default=0)
    # Set: the step belongs to that variant alone (a refurbished piece's trade-in and repair), not to
    # every bag of the product. A SKU rather than a key, as the API names variants; SKUs never change.
    sku = fields.CharField(max_length=64, null=True)
    note = fields.CharField(max_length=200, default="", db_default="")  # what was done, in words

    class Meta:
        app = "stallkit"
        table = "provenance_step"
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (Index(fields=("product_id",), name="provenance_step_product_id"),)


class Repairability(Model):
    id = fields.UUIDField(primary_key=True, default=new_id)
    product: fields.OneToOneRelation[Product] = fields.OneToOneField(
        "stallkit.Product", related_name="repairability", on_delete=fields.CASCADE
    )
    product_id: uuid.UUID
    parts_availability = fields.IntField()
    modularity = fields.IntField()
    ease_of_repair = fields.IntField()
    documentation = fields.IntField()
    replaceable_parts: list[str] = fields.JSONField(default=list)
    repair_guide_url = fields.CharField(max_length=500, default="")
    service_partner = fields.CharField(max_length=200, default="")

    class Meta:
        app = "stallkit"
        table = "repairability"
