"""Analytics storage: the raw event log, and the rollups (hourly and daily) that reports read.

``AnalyticsEvent`` is the append-only log of events that product-page components send (see
:mod:`storefront.analytics.service`). Rows are never updated; they are deleted only once older
than the retention (``STALLKIT_ANALYTICS_RETENTION_DAYS``, see ``service.prune_events``) or
with their brand (cascade). ``product`` and ``variant`` are the handle and SKU as the component
sent them, not foreign keys: the log must outlive a renamed or deleted product, and a beacon is
not worth a lookup per event.
``received_at`` is the server's clock and the one reports window on; ``occurred_at`` is the
browser's, kept for information only (clocks on phones drift, and beacons arrive late).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

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
            Index(fields=("received_at",), name="analytics_event_received"),  # pruning, across brands
        )


# ``method`` of the rollups' events sent without one: NULLs are distinct in a unique key on both
# SQLite and PostgreSQL, so ``ON CONFLICT`` would never match them; reports read it back as None.
NO_METHOD = ""
# What a fine rollup's partition column holds until a write sets it: never, as every upsert writes
# it and migration 0018 filled it in; the database default only lets the column be NOT NULL.
PARTITION_UNSET = datetime(1970, 1, 1, tzinfo=UTC)


class AnalyticsRollup(Model):
    """How many events one (brand, UTC hour, component, product, method, type) received: what reports read.

    Written only by ``record_events``, in the raw insert's transaction, with an upsert that adds
    to ``count``; never pruned (a row per key and hour, however many events). ``hour`` is the
    start of the UTC hour of the events' ``received_at``; ``method`` is :data:`NO_METHOD` for
    none. The unique key leads with (brand, hour), so a report's range scan uses it too.
    """

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="analytics_rollups", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    hour = fields.DatetimeField()  # start of the UTC hour the events were received in
    day = fields.DatetimeField(db_default=PARTITION_UNSET)  # start of that hour's UTC day: the partition
    component = fields.CharField(max_length=40)
    product = fields.CharField(max_length=80)
    method = fields.CharField(max_length=16)  # NO_METHOD ("") for none
    type = fields.CharField(max_length=20)
    count = fields.IntField()

    class Meta:
        app = "stallkit"
        table = "analytics_rollup"
        unique_together = (("brand", "hour", "component", "product", "method", "type"),)
        # A page of the funnel sums keys in (component, product) order from its cursor, for the whole brand
        # or for one product, one day at a time (the partition, fixed by each statement, so the scan never
        # crosses the keys' other days). In the GROUP BY's own order (method and type before hour), so the
        # sum streams and stops at the page's end, and covering (count too): a page of popular products
        # sums some 80k rows, which took 200 ms through the table and a sort where the index alone takes 40.
        indexes = (
            Index(
                fields=("brand_id", "day", "component", "product", "method", "type", "hour", "count"),
                name="analytics_rollup_brand_key",
            ),
            Index(
                fields=("brand_id", "day", "product", "component", "method", "type", "hour", "count"),
                name="analytics_rollup_brand_product",
            ),
        )


class AnalyticsMethodRollup(Model):
    """How many events one (brand, UTC hour, method, type) received: the summary's per-method totals.

    The fine rollup hardly compresses when events spread over many products (a row per product
    and hour), so totals per method summed from it would grow with the catalogue; this one is at
    most 4 methods x 9 types rows per hour whatever the catalogue. Written only by
    ``record_events``, in the same transaction and the same way as :class:`AnalyticsRollup`;
    never pruned. The unique key leads with (brand, hour), so a report's range scan uses it.
    """

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="analytics_method_rollups", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    hour = fields.DatetimeField()  # start of the UTC hour the events were received in
    method = fields.CharField(max_length=16)  # NO_METHOD ("") for none
    type = fields.CharField(max_length=20)
    count = fields.IntField()

    class Meta:
        app = "stallkit"
        table = "analytics_method_rollup"
        unique_together = (("brand", "hour", "method", "type"),)


class AnalyticsDailyRollup(Model):
    """:class:`AnalyticsRollup` by UTC day: what a report reads for a window's whole days.

    A popular product has a row or two per hour of every key, so a 30-day page summed some 80k
    hourly rows; by day the same page sums about a twentieth of that, and the hourly rollup is
    read only for the partial days at the window's edges. Written only by ``record_events``, in
    the same transaction and the same way; never pruned. ``day`` is the start of the UTC day.
    """

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="analytics_daily_rollups", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    day = fields.DatetimeField()  # start of the UTC day the events were received in
    month = fields.DatetimeField(db_default=PARTITION_UNSET)  # start of that day's UTC month: the partition
    component = fields.CharField(max_length=40)
    product = fields.CharField(max_length=80)
    method = fields.CharField(max_length=16)  # NO_METHOD ("") for none
    type = fields.CharField(max_length=20)
    count = fields.IntField()

    class Meta:
        app = "stallkit"
        table = "analytics_daily_rollup"
        unique_together = (("brand", "day", "component", "product", "method", "type"),)
        indexes = (  # as AnalyticsRollup's, for the same reasons, a month at a time
            Index(
                fields=("brand_id", "month", "component", "product", "method", "type", "day", "count"),
                name="analytics_daily_rollup_brand_key",
            ),
            Index(
                fields=("brand_id", "month", "product", "component", "method", "type", "day", "count"),
                name="analytics_daily_rollup_brand_product",
            ),
        )


class AnalyticsMethodDailyRollup(Model):
    """:class:`AnalyticsMethodRollup` by UTC day: a 30-day window's totals from about 30 x 36 rows, not 720 x 36."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="analytics_method_daily_rollups", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    day = fields.DatetimeField()  # start of the UTC day the events were received in
    method = fields.CharField(max_length=16)  # NO_METHOD ("") for none
    type = fields.CharField(max_length=20)
    count = fields.IntField()

    class Meta:
        app = "stallkit"
        table = "analytics_method_daily_rollup"
        unique_together = (("brand", "day", "method", "type"),)
