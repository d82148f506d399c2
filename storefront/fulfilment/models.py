"""Fulfilment configuration as data: pickup points, courier zones and their rates, microfactories.

Also the shoppers' back-in-stock requests (:class:`BackInStockRequest`): asking to be told when a
sold-out variant can be had again is a question about how and when it can be had.

Times are wall-clock ``HH:MM`` in the location's timezone and weekdays are ``mon``..``sun``,
as people write them; :mod:`storefront.fulfilment.rules` compiles them for the promise engine.
Courier rates are append-only: a new price is a new row with its own ``effective_from``, so
the price a customer was quoted on any day can be read back.
"""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from storefront.catalog import Variant
from storefront.ids import new_id
from storefront.inventory import Location
from storefront.tenancy import Brand


class PickupPoint(Model):
    """A shop where orders can be collected, ``prep_minutes`` of opening time after they are placed.

    A pop-up stall is one too, but only between ``opens_at`` and ``closes_at`` (its event's dates):
    weekly hours cannot say "this Saturday and Sunday". A shop has neither.
    """

    id = fields.UUIDField(primary_key=True, default=new_id)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="pickup_points", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    location: fields.ForeignKeyRelation[Location] = fields.ForeignKeyField(
        "stallkit.Location", related_name="pickup_points", on_delete=fields.CASCADE
    )
    location_id: uuid.UUID
    prep_minutes = fields.IntField()
    enabled = fields.BooleanField(default=True)
    opens_at = fields.DatetimeField(null=True)
    closes_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "stallkit"
        table = "pickup_point"
        unique_together = (("brand", "location"),)
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (
            Index(fields=("location_id",), name="pickup_point_location_id"),
            Index(fields=("brand_id", "id"), name="pickup_point_brand_page"),
        )


class CourierZone(Model):
    """Where a courier delivers from a hub: by postcode prefix, or within ``radius_m`` of the hub."""

    id = fields.UUIDField(primary_key=True, default=new_id)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="courier_zones", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    hub: fields.ForeignKeyRelation[Location] = fields.ForeignKeyField(
        "stallkit.Location", related_name="courier_zones", on_delete=fields.CASCADE
    )
    hub_id: uuid.UUID
    handle = fields.CharField(max_length=80)
    name = fields.CharField(max_length=200)
    postcode_prefixes: list[str] = fields.JSONField(default=list)
    radius_m = fields.IntField(null=True)
    same_day_cutoff = fields.CharField(max_length=5, null=True)  # HH:MM at the hub; null: next-day only
    delivery_windows: list[list[str]] = fields.JSONField(default=list)
    delivery_days: list[str] = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)

    rates: fields.ReverseRelation[CourierRate]

    class Meta:
        app = "stallkit"
        table = "courier_zone"
        unique_together = (("brand", "handle"),)
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (
            Index(fields=("hub_id",), name="courier_zone_hub_id"),
            Index(fields=("brand_id", "id"), name="courier_zone_brand_page"),
        )


class CourierRate(Model):
    """A zone's price from ``effective_from`` (until ``effective_to`` if given). Never updated."""

    id = fields.UUIDField(primary_key=True, default=new_id)
    zone: fields.ForeignKeyRelation[CourierZone] = fields.ForeignKeyField(
        "stallkit.CourierZone", related_name="rates", on_delete=fields.CASCADE
    )
    zone_id: uuid.UUID
    price_minor: int = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    effective_from = fields.DatetimeField()
    effective_to = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "stallkit"
        table = "courier_rate"
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (Index(fields=("zone_id",), name="courier_rate_zone_id"),)


class Microfactory(Model):
    """A workroom making pieces to order: ``daily_capacity`` starts a day, ``lead_time_working_days`` each."""

    id = fields.UUIDField(primary_key=True, default=new_id)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="microfactories", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    location: fields.ForeignKeyRelation[Location] = fields.ForeignKeyField(
        "stallkit.Location", related_name="microfactories", on_delete=fields.CASCADE
    )
    location_id: uuid.UUID
    daily_capacity = fields.IntField()
    lead_time_working_days = fields.IntField()
    closed_weekdays: list[str] = fields.JSONField(default=list)
    closed_dates: list[str] = fields.JSONField(default=list)  # ISO dates
    # Basis points of a made-to-order piece paid at checkout; the balance is charged when it ships.
    deposit_bp = fields.IntField(default=0, db_default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    bookings: fields.ReverseRelation[CapacityBooking]

    class Meta:
        app = "stallkit"
        table = "microfactory"
        unique_together = (("brand", "location"),)
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (
            Index(fields=("location_id",), name="microfactory_location_id"),
            Index(fields=("brand_id", "id"), name="microfactory_brand_page"),
        )


class CapacityBooking(Model):
    """Units whose production starts at a microfactory on ``day`` (checkout books them)."""

    id = fields.UUIDField(primary_key=True, default=new_id)
    microfactory: fields.ForeignKeyRelation[Microfactory] = fields.ForeignKeyField(
        "stallkit.Microfactory", related_name="bookings", on_delete=fields.CASCADE
    )
    microfactory_id: uuid.UUID
    day = fields.DateField()
    units = fields.IntField(default=0)

    class Meta:
        app = "stallkit"
        table = "capacity_booking"
        unique_together = (("microfactory", "day"),)


class PersonalisationOption(Model):
    """A monogram or thread colour a made-to-order piece can carry, at ``price_minor``."""

    id = fields.UUIDField(primary_key=True, default=new_id)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="personalisation_options", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    handle = fields.CharField(max_length=80)
    kind = fields.CharField(max_length=16)  # monogram | thread_colour
    label = fields.CharField(max_length=200, default="")
    allowed_values: list[str] = fields.JSONField(default=list)
    pattern = fields.CharField(max_length=100, default="")
    max_length = fields.IntField(null=True)
    price_minor: int = fields.BigIntField(default=0)
    currency = fields.CharField(max_length=3)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "stallkit"
        table = "personalisation_option"
        unique_together = (("brand", "handle"),)
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (Index(fields=("brand_id", "id"), name="personalisation_option_brand_page"),)


class BackInStockRequest(Model):
    """A shopper's "tell me when it's back" for one variant: one row per brand, variant and email.

    ``status`` is ``waiting`` until the variant can be had again, then ``due`` (with ``due_at``),
    decided by :func:`storefront.fulfilment.rules.restock_status`. The brand's mailer reads the due
    ones with its secret key; no mail is sent from here.
    """

    id = fields.UUIDField(primary_key=True, default=new_id)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="back_in_stock_requests", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    variant: fields.ForeignKeyRelation[Variant] = fields.ForeignKeyField(
        "stallkit.Variant", related_name="back_in_stock_requests", on_delete=fields.CASCADE
    )
    variant_id: uuid.UUID
    email = fields.CharField(max_length=254)  # as :func:`storefront.fulfilment.rules.normalise_email` keeps it
    status = fields.CharField(max_length=8, default="waiting")  # waiting | due
    created_at = fields.DatetimeField(auto_now_add=True)
    due_at = fields.DatetimeField(null=True)

    class Meta:
        app = "stallkit"
        table = "back_in_stock_request"
        unique_together = (("brand", "variant", "email"),)
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (
            Index(fields=("brand_id", "status", "id"), name="back_in_stock_brand_status_page"),
            Index(fields=("variant_id",), name="back_in_stock_variant_id"),
        )
