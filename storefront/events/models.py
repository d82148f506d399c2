"""Pop-up events, the stock allocated to their stall and the devices that sell there.

An event owns one stall location: stock allocated to the event is moved there through the stock
ledger, so it is off sale online (a stall is neither a pickup point nor a courier hub) and the
ledger explains every unit. ``EventAllocation`` records each line asked for, so the pack and later
the report can say what was allocated, from where and why, apart from the movements themselves.
A device keeps only the SHA-256 of its token; its pack key is derived from the app's secret.
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


class Event(Model):
    """A pop-up event and the stall location that holds its stock."""

    id = fields.UUIDField(primary_key=True, default=new_id)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="events", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    handle = fields.CharField(max_length=80)
    name = fields.CharField(max_length=200)
    venue = fields.CharField(max_length=200)
    timezone = fields.CharField(max_length=64)
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    status = fields.CharField(max_length=8, default="open")  # open | closed
    # RESTRICT: the stall explains the event's stock; it is never deleted from under it.
    location: fields.OneToOneRelation[Location] = fields.OneToOneField(
        "stallkit.Location", related_name="event", on_delete=fields.RESTRICT
    )
    location_id: uuid.UUID
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "stallkit"
        table = "event"
        unique_together = (("brand", "handle"),)
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (Index(fields=("brand_id", "id"), name="event_brand_page"),)


class EventAllocation(Model):
    """One line of an allocation, as moved: append-only, like the movements it caused."""

    id = fields.UUIDField(primary_key=True, default=new_id)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "stallkit.Event", related_name="allocations", on_delete=fields.CASCADE
    )
    event_id: uuid.UUID
    variant: fields.ForeignKeyRelation[Variant] = fields.ForeignKeyField(
        "stallkit.Variant", related_name="event_allocations", on_delete=fields.CASCADE
    )
    variant_id: uuid.UUID
    from_location: fields.ForeignKeyRelation[Location] = fields.ForeignKeyField(
        "stallkit.Location", related_name="event_allocations", on_delete=fields.CASCADE
    )
    from_location_id: uuid.UUID
    quantity = fields.IntField()
    reason = fields.CharField(max_length=200)  # the reason both stock movements carry
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "stallkit"
        table = "event_allocation"
        indexes = (
            Index(fields=("event_id", "id"), name="event_allocation_event"),
            Index(fields=("variant_id",), name="event_allocation_variant_id"),
            Index(fields=("from_location_id",), name="event_allocation_from_location_id"),
        )


class EventDevice(Model):
    """A till device of one event, its token kept as a hash."""

    id = fields.UUIDField(primary_key=True, default=new_id)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "stallkit.Event", related_name="devices", on_delete=fields.CASCADE
    )
    event_id: uuid.UUID
    name = fields.CharField(max_length=100)
    token_hash = fields.CharField(max_length=64, unique=True)  # SHA-256, hex: never the token
    # The registering request's Idempotency-Key: a retry finds this device instead of making a second.
    idempotency_key = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        app = "stallkit"
        table = "event_device"
        unique_together = (("event", "idempotency_key"),)
        indexes = (Index(fields=("event_id", "id"), name="event_device_event"),)
