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


class EventPrice(Model):
    """The stall price of one SKU at one event, where it differs from (or must not follow) the online price.

    A price set and later cleared keeps its row with ``price_minor`` NULL: ``updated_at`` grows with
    every change, clearing included, so "every change since this pack was issued" is one indexed
    read with nothing missed.
    """

    id = fields.UUIDField(primary_key=True, default=new_id)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "stallkit.Event", related_name="prices", on_delete=fields.CASCADE
    )
    event_id: uuid.UUID
    variant: fields.ForeignKeyRelation[Variant] = fields.ForeignKeyField(
        "stallkit.Variant", related_name="event_prices", on_delete=fields.CASCADE
    )
    variant_id: uuid.UUID
    price_minor: int | None = fields.BigIntField(null=True)  # None: cleared, the online price applies again
    currency = fields.CharField(max_length=3)
    # Set by the service, never by the clock alone: strictly after every earlier change of the event's prices.
    updated_at = fields.DatetimeField()

    class Meta:
        app = "stallkit"
        table = "event_price"
        unique_together = (("event", "variant"),)
        indexes = (
            Index(fields=("event_id", "updated_at"), name="event_price_changes"),
            Index(fields=("variant_id",), name="event_price_variant_id"),
        )


class EventDrop(Model):
    """A limited drop sold at the event's stall and online: ``quantity`` pieces across its SKUs, in a window."""

    id = fields.UUIDField(primary_key=True, default=new_id)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="event_drops", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "stallkit.Event", related_name="drops", on_delete=fields.CASCADE
    )
    event_id: uuid.UUID
    handle = fields.CharField(max_length=80)  # public: a brand's site reads /v1/drops/{handle}
    name = fields.CharField(max_length=200)
    quantity = fields.IntField()
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "stallkit"
        table = "event_drop"
        unique_together = (("brand", "handle"),)
        indexes = (Index(fields=("event_id", "id"), name="event_drop_event"),)


class EventDropSku(Model):
    """A SKU of a drop; unique per event, so a stall product belongs to one drop at most."""

    id = fields.UUIDField(primary_key=True, default=new_id)
    drop: fields.ForeignKeyRelation[EventDrop] = fields.ForeignKeyField(
        "stallkit.EventDrop", related_name="skus", on_delete=fields.CASCADE
    )
    drop_id: uuid.UUID
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "stallkit.Event", related_name="drop_skus", on_delete=fields.CASCADE
    )
    event_id: uuid.UUID
    variant: fields.ForeignKeyRelation[Variant] = fields.ForeignKeyField(
        "stallkit.Variant", related_name="event_drop_skus", on_delete=fields.CASCADE
    )
    variant_id: uuid.UUID

    class Meta:
        app = "stallkit"
        table = "event_drop_sku"
        unique_together = (("event", "variant"),)
        indexes = (
            Index(fields=("drop_id",), name="event_drop_sku_drop_id"),
            Index(fields=("variant_id",), name="event_drop_sku_variant_id"),
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
    # Six Crockford symbols, random and unique: the prefix of the device's receipt numbers and offline
    # credit codes. NULL only for a device registered before marks existed and not yet given one.
    mark = fields.CharField(max_length=6, null=True, unique=True)
    # The registering request's Idempotency-Key: a retry finds this device instead of making a second.
    idempotency_key = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        app = "stallkit"
        table = "event_device"
        unique_together = (("event", "idempotency_key"),)
        indexes = (Index(fields=("event_id", "id"), name="event_device_event"),)


class EventEntry(Model):
    """A stall device's journal entry as received at sync: the row that makes a replay a no-op.

    ``id`` is the till's own UUID, so a second arrival of the entry collides on the primary key
    (and a second arrival of its sequence number on ``(device, seq)``): the guard that holds even
    without the idempotency store, and between two senders of the same batch. ``payload`` is the
    text exactly as hashed on the till. ``status`` is ``applied``, or ``conflict`` when the entry was
    received but could not be applied (bad hash, a payload that is not its kind, a void of a sale
    never received): it still counts as received for ``acked_seq``. ``late``: it arrived after the
    event closed (a completed sale still lands).
    """

    id = fields.UUIDField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "stallkit.Event", related_name="entries", on_delete=fields.CASCADE
    )
    event_id: uuid.UUID
    device: fields.ForeignKeyRelation[EventDevice] = fields.ForeignKeyField(
        "stallkit.EventDevice", related_name="entries", on_delete=fields.CASCADE
    )
    device_id: uuid.UUID
    seq: int = fields.BigIntField()
    occurred_at = fields.DatetimeField()
    kind = fields.CharField(max_length=64)
    payload = fields.TextField()
    content_hash = fields.CharField(max_length=64)
    received_at = fields.DatetimeField()
    status = fields.CharField(max_length=10)  # applied | conflict
    detail = fields.CharField(max_length=500, default="")
    late = fields.BooleanField(default=False)
    order_id = fields.UUIDField(null=True)  # the order a sale (or an exchange's sale) became

    class Meta:
        app = "stallkit"
        table = "event_entry"
        unique_together = (("device", "seq"),)
        indexes = (Index(fields=("event_id", "id"), name="event_entry_event"),)


class EventFlag(Model):
    """Something the merchant should see about a stall's journal: conflicts are data, not errors (DESIGN 9.4).

    Selling past the allocation, credit redeemed offline beyond what the server held, an entry id
    reused for other content, a void of an unknown sale, an unknown SKU. ``key`` says what was
    flagged about which entry, so the same batch sent again never flags twice.
    """

    id = fields.UUIDField(primary_key=True, default=new_id)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "stallkit.Event", related_name="flags", on_delete=fields.CASCADE
    )
    event_id: uuid.UUID
    device_id = fields.UUIDField(null=True)
    entry_id = fields.UUIDField(null=True)  # the entry it is about (perhaps a rejected twin of a stored one)
    kind = fields.CharField(max_length=32)
    detail = fields.CharField(max_length=500)
    key = fields.CharField(max_length=200, unique=True)
    payload = fields.TextField(default="")  # a conflicting entry's text, kept for the merchant
    created_at = fields.DatetimeField()

    class Meta:
        app = "stallkit"
        table = "event_flag"
        indexes = (Index(fields=("event_id", "id"), name="event_flag_event"),)


class EventTender(Model):
    """How a stall sale was paid, or a refund given back, one row per tender: the event's payment mix."""

    id = fields.UUIDField(primary_key=True, default=new_id)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "stallkit.Event", related_name="tenders", on_delete=fields.CASCADE
    )
    event_id: uuid.UUID
    entry_id = fields.UUIDField()
    order_id = fields.UUIDField(null=True)
    direction = fields.CharField(max_length=8)  # paid | refunded
    kind = fields.CharField(max_length=16)  # cash | card_terminal | credit
    amount_minor: int = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    reference = fields.CharField(max_length=100, default="")  # the card terminal's receipt reference
    code_hint = fields.CharField(max_length=4, default="")  # a credit's last four symbols, never the code

    class Meta:
        app = "stallkit"
        table = "event_tender"
        indexes = (
            Index(fields=("event_id",), name="event_tender_event_id"),
            Index(fields=("entry_id",), name="event_tender_entry_id"),
        )
