"""Brands and API keys.

A brand is the tenant: every other row carries a ``brand`` foreign key and every query filters
on it. ``catalog_version`` is bumped in the same transaction as any catalogue or stock write;
read caches compare it, which is how a write is visible on the very next read in every worker.
"""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from storefront.ids import new_id


class Brand(Model):
    id = fields.UUIDField(primary_key=True, default=new_id)
    handle = fields.CharField(max_length=80, unique=True)
    name = fields.CharField(max_length=200)
    currency = fields.CharField(max_length=3, default="GBP")
    locale = fields.CharField(max_length=16, default="en_GB")
    timezone = fields.CharField(max_length=64, default="Europe/London")
    theme = fields.CharField(max_length=64, default="default")
    theme_tokens: dict[str, str] = fields.JSONField(default=dict)
    allowed_origins: list[str] = fields.JSONField(default=list)
    # Where the brand's own site shows a product: links in lookbooks and suggestions go there.
    product_url_template = fields.CharField(max_length=200, default="/products/{handle}")
    # The returns rule the product page publishes (see storefront.tenancy.rules.DEFAULT_RETURN_WINDOW_DAYS).
    return_window_days = fields.IntField(default=14)
    free_returns = fields.BooleanField(default=False)
    catalog_version: int = fields.BigIntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "stallkit"
        table = "brand"


class ApiKey(Model):
    """A key is stored as the SHA-256 of its full text.

    Keys are 32 random bytes, so a fast hash is enough (there is nothing to brute-force), and a
    lookup by hash is a single indexed read on every request.
    """

    id = fields.UUIDField(primary_key=True, default=new_id)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="api_keys", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    kind = fields.CharField(max_length=16)  # "publishable" | "secret"
    prefix = fields.CharField(max_length=16)  # shown in listings: "sk_live_AbCd"
    key_hash = fields.CharField(max_length=64, unique=True)
    label = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        app = "stallkit"
        table = "api_key"
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (Index(fields=("brand_id",), name="api_key_brand_id"),)
