"""Lookbooks, looks and the items (with hotspots) that make a look shoppable."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from storefront.catalog import Product, Variant
from storefront.ids import new_id
from storefront.tenancy import Brand


class Lookbook(Model):
    id = fields.UUIDField(primary_key=True, default=new_id)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="lookbooks", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    handle = fields.CharField(max_length=80)
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    looks: fields.ReverseRelation[Look]

    class Meta:
        app = "stallkit"
        table = "lookbook"
        unique_together = (("brand", "handle"),)
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (Index(fields=("brand_id", "id"), name="lookbook_brand_page"),)


class Look(Model):
    id = fields.UUIDField(primary_key=True, default=new_id)
    lookbook: fields.ForeignKeyRelation[Lookbook] = fields.ForeignKeyField(
        "stallkit.Lookbook", related_name="looks", on_delete=fields.CASCADE
    )
    lookbook_id: uuid.UUID
    title = fields.CharField(max_length=200)
    occasion = fields.CharField(max_length=16)  # casual | business | evening
    image = fields.CharField(max_length=500, default="")
    position = fields.IntField(default=0)
    # Off the look's subtotal when a shopper adds the whole look in one step (basis points).
    bundle_discount_bp = fields.IntField(default=0, db_default=0)

    items: fields.ReverseRelation[LookItem]

    class Meta:
        app = "stallkit"
        table = "look"
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (Index(fields=("lookbook_id",), name="look_lookbook_id"),)


class LookItem(Model):
    id = fields.UUIDField(primary_key=True, default=new_id)
    look: fields.ForeignKeyRelation[Look] = fields.ForeignKeyField(
        "stallkit.Look", related_name="items", on_delete=fields.CASCADE
    )
    look_id: uuid.UUID
    product: fields.ForeignKeyRelation[Product] = fields.ForeignKeyField(
        "stallkit.Product", related_name="look_items", on_delete=fields.CASCADE
    )
    product_id: uuid.UUID
    variant: fields.ForeignKeyNullableRelation[Variant] = fields.ForeignKeyField(
        "stallkit.Variant", related_name="look_items", on_delete=fields.SET_NULL, null=True
    )
    variant_id: uuid.UUID | None
    hotspot_x = fields.IntField()  # per-mille of the image width, 0..1000
    hotspot_y = fields.IntField()
    note = fields.CharField(max_length=200, default="")
    position = fields.IntField(default=0)

    class Meta:
        app = "stallkit"
        table = "look_item"
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (
            Index(fields=("look_id",), name="look_item_look_id"),
            Index(fields=("product_id",), name="look_item_product_id"),
            Index(fields=("variant_id",), name="look_item_variant_id"),
        )
