"""Stored responses for ``Idempotency-Key`` replays."""

from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from storefront.ids import new_id


class IdempotencyRecord(Model):
    """One POST as first answered. ``status_code`` is null while the first request runs."""

    id = fields.UUIDField(primary_key=True, default=new_id)
    brand_id = fields.UUIDField(db_index=True)
    key = fields.CharField(max_length=255)
    method = fields.CharField(max_length=8)
    path = fields.CharField(max_length=500)
    request_hash = fields.CharField(max_length=64)
    status_code = fields.IntField(null=True)
    content_type = fields.CharField(max_length=100, default="")
    response_body = fields.BinaryField(null=True)
    # When the current claim was taken: a retry taking over a lapsed claim moves it on, so it times
    # the lease and fences the holder (storefront.api.idempotency). The docstring above is the
    # table's comment in the migrations, so the explanation lives here.
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "stallkit"
        table = "idempotency_record"
        unique_together = (("brand_id", "key"),)
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (Index(fields=("created_at",), name="idempotency_record_created_at"),)
