"""The append-only log of events that product-page components send (see :mod:`storefront.analytics.service`).

Rows are never updated or deleted by the app (a brand's deletion cascades). ``product`` and
``variant`` are the handle and SKU as the component sent them, not foreign keys: the log must
outlive a renamed or deleted product, and a beacon is not worth a lookup per event.
``received_at`` is the server's clock and the one reports window on; ``occurred_at`` is the
browser's, kept for information only (clocks on phones drift, and beacons arrive late).
"""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from storefront.ids import new_id
from storefront.tenancy import Brand


class AnalyticsEvent(Model):
    """One component event: impression, variant_select, fulfilment_select, add_to_cart, checkout_start or purchase."""

    id = fields.UUIDField(primary_key=True, default=new_id)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="analytics_events", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    type = fields.CharField(max_length=20)
    component = fields.CharField(max_length=40)
    product = fields.CharField(max_length=80)  # the product's handle
    variant = fields.CharField(max_length=64, null=True)  # the variant's SKU
    method = fields.CharField(max_length=16, null=True)  # pickup | courier | made_to_order
    occurred_at = fields.DatetimeField()  # client time, informational
    received_at = fields.DatetimeField(auto_now_add=True)  # server time; reports window on this

    class Meta:
        app = "stallkit"
        table = "analytics_event"
        # By column: Tortoise 1.1's migration writer does not map the relation "brand" to brand_id.
        indexes = (
            Index(fields=("brand_id", "received_at"), name="analytics_event_brand_received"),
            Index(fields=("brand_id", "type"), name="analytics_event_brand_type"),
        )
