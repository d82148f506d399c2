"""Carts and their lines. A cart is a shopper's draft; it holds no stock and no capacity.

A cart's id is a random UUID (not a time-ordered one like other ids): shoppers' browsers hold
it and it is their only key to the cart, so it must not be guessable from another cart's.
"""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from storefront.catalog import Variant
from storefront.credits import Credit
from storefront.ids import new_id
from storefront.tenancy import Brand


class Cart(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="carts", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    currency = fields.CharField(max_length=3)
    status = fields.CharField(max_length=16, default="open")  # open | checked_out
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    lines: fields.ReverseRelation[CartLine]

    class Meta:
        app = "stallkit"
        table = "cart"
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (
            Index(fields=("brand_id",), name="cart_brand_id"),
            Index(fields=("status", "updated_at"), name="cart_status_updated_at"),
        )


class CartLine(Model):
    """One variant with its fulfilment choice and personalisation.

    ``bundle`` groups the lines of a look added in one step; while every line of the group is
    still in the cart, the group earns ``bundle_discount_bp`` (basis points) off its subtotal.
    """

    id = fields.UUIDField(primary_key=True, default=new_id)
    cart: fields.ForeignKeyRelation[Cart] = fields.ForeignKeyField(
        "stallkit.Cart", related_name="lines", on_delete=fields.CASCADE
    )
    cart_id: uuid.UUID
    variant: fields.ForeignKeyRelation[Variant] = fields.ForeignKeyField(
        "stallkit.Variant", related_name="cart_lines", on_delete=fields.CASCADE
    )
    variant_id: uuid.UUID
    quantity = fields.IntField()
    method = fields.CharField(max_length=16)  # pickup | courier | made_to_order
    location = fields.CharField(max_length=80, null=True)  # the chosen pickup shop's handle
    postcode = fields.CharField(max_length=10, null=True)  # normalised: upper case, no spaces
    personalisation: list[dict[str, str]] = fields.JSONField(default=list)
    bundle = fields.UUIDField(null=True)
    bundle_size = fields.IntField(default=0)
    bundle_discount_bp = fields.IntField(default=0)
    look = fields.CharField(max_length=120, null=True)  # "lookbook/look-id", for display
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "stallkit"
        table = "cart_line"
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (
            Index(fields=("cart_id",), name="cart_line_cart_id"),
            Index(fields=("variant_id",), name="cart_line_variant_id"),
        )


class CartCredit(Model):
    """A store credit the shopper applied to the cart; what it pays is worked out on each read, up to what is due.

    Nothing is held here: the credit can still be spent elsewhere until checkout holds it (as stock is).
    """

    id = fields.UUIDField(primary_key=True, default=new_id)
    cart: fields.ForeignKeyRelation[Cart] = fields.ForeignKeyField(
        "stallkit.Cart", related_name="credits", on_delete=fields.CASCADE
    )
    cart_id: uuid.UUID
    credit: fields.ForeignKeyRelation[Credit] = fields.ForeignKeyField(
        "stallkit.Credit", related_name="carts", on_delete=fields.CASCADE
    )
    credit_id: uuid.UUID
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "stallkit"
        table = "cart_credit"
        unique_together = (("cart", "credit"),)
        indexes = (
            Index(fields=("cart_id",), name="cart_credit_cart_id"),
            Index(fields=("credit_id",), name="cart_credit_credit_id"),
        )
