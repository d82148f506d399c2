"""Locations, stock levels and the append-only stock movement ledger.

``StockLevel`` is a cache of the sum of ``StockMovement`` rows for a (variant, location),
updated in the same transaction as the movement it reflects: the level is fast to read and
the ledger explains it (stall reconciliation, returns, audits).
"""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from storefront.catalog import Variant
from storefront.ids import new_id
from storefront.tenancy import Brand


class Location(Model):
    id = fields.UUIDField(primary_key=True, default=new_id)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="locations", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    handle = fields.CharField(max_length=80)
    name = fields.CharField(max_length=200)
    kind = fields.CharField(max_length=16)  # warehouse | shop | microfactory | stall
    address = fields.CharField(max_length=300, default="")
    city = fields.CharField(max_length=100, default="")
    postcode = fields.CharField(max_length=20, default="")
    country = fields.CharField(max_length=2, default="")
    timezone = fields.CharField(max_length=64)
    latitude_e6 = fields.IntField(null=True)  # micro-degrees: exact, comparable, no float drift
    longitude_e6 = fields.IntField(null=True)
    opening_hours: dict[str, list[list[str]]] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "stallkit"
        table = "location"
        unique_together = (("brand", "handle"),)
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (Index(fields=("brand_id", "id"), name="location_brand_page"),)


class StockLevel(Model):
    id = fields.UUIDField(primary_key=True, default=new_id)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="stock_levels", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    variant: fields.ForeignKeyRelation[Variant] = fields.ForeignKeyField(
        "stallkit.Variant", related_name="stock_levels", on_delete=fields.CASCADE
    )
    variant_id: uuid.UUID
    location: fields.ForeignKeyRelation[Location] = fields.ForeignKeyField(
        "stallkit.Location", related_name="stock_levels", on_delete=fields.CASCADE
    )
    location_id: uuid.UUID
    on_hand = fields.IntField(default=0)
    reserved = fields.IntField(default=0)
    # Units back from shoppers that cannot be sold as they are (damaged, personalised): kept here,
    # out of on_hand, until they are refurbished into stock or written off.
    quarantined = fields.IntField(default=0, db_default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = "stallkit"
        table = "stock_level"
        unique_together = (("variant", "location"),)
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (
            Index(fields=("location_id",), name="stock_level_location_id"),
            Index(fields=("brand_id", "id"), name="stock_level_brand_page"),
        )


class StockMovement(Model):
    id = fields.UUIDField(primary_key=True, default=new_id)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="stock_movements", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    variant: fields.ForeignKeyRelation[Variant] = fields.ForeignKeyField(
        "stallkit.Variant", related_name="stock_movements", on_delete=fields.CASCADE
    )
    variant_id: uuid.UUID
    location: fields.ForeignKeyRelation[Location] = fields.ForeignKeyField(
        "stallkit.Location", related_name="stock_movements", on_delete=fields.CASCADE
    )
    location_id: uuid.UUID
    # receive | reserve | release | sell | allocate | return | quarantine | adjust
    kind = fields.CharField(max_length=16)
    on_hand_delta = fields.IntField()
    reserved_delta = fields.IntField(default=0)
    quarantined_delta = fields.IntField(default=0, db_default=0)
    reason = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "stallkit"
        table = "stock_movement"
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (
            Index(fields=("variant_id",), name="stock_movement_variant_id"),
            Index(fields=("location_id",), name="stock_movement_location_id"),
            Index(fields=("brand_id", "id"), name="stock_movement_brand_page"),
        )
